/* pretokenize.c: GPT-2's split rules as a direct matcher (see pretokenize.h for the rules).
 *
 * A regex engine would do, but matching these fixed alternatives by hand is linear with a
 * small constant, needs no allocation, and is where most of the encoder's time goes on
 * cached words. */
#include <stdbool.h>

#include "pretokenize.h"
#include "utf8.h"

/* Classes of the ASCII characters, so that the common case needs no decoding. */
static const uint8_t ascii_class[128] = {
    ['\t'] = VKGPT__UC_SPACE, ['\n'] = VKGPT__UC_SPACE, [0x0B] = VKGPT__UC_SPACE,
    [0x0C] = VKGPT__UC_SPACE, ['\r'] = VKGPT__UC_SPACE, [' '] = VKGPT__UC_SPACE,
    ['0'] = VKGPT__UC_NUMBER, ['1'] = VKGPT__UC_NUMBER, ['2'] = VKGPT__UC_NUMBER,
    ['3'] = VKGPT__UC_NUMBER, ['4'] = VKGPT__UC_NUMBER, ['5'] = VKGPT__UC_NUMBER,
    ['6'] = VKGPT__UC_NUMBER, ['7'] = VKGPT__UC_NUMBER, ['8'] = VKGPT__UC_NUMBER,
    ['9'] = VKGPT__UC_NUMBER,
    ['A'] = 1, ['B'] = 1, ['C'] = 1, ['D'] = 1, ['E'] = 1, ['F'] = 1, ['G'] = 1, ['H'] = 1,
    ['I'] = 1, ['J'] = 1, ['K'] = 1, ['L'] = 1, ['M'] = 1, ['N'] = 1, ['O'] = 1, ['P'] = 1,
    ['Q'] = 1, ['R'] = 1, ['S'] = 1, ['T'] = 1, ['U'] = 1, ['V'] = 1, ['W'] = 1, ['X'] = 1,
    ['Y'] = 1, ['Z'] = 1,
    ['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1, ['g'] = 1, ['h'] = 1,
    ['i'] = 1, ['j'] = 1, ['k'] = 1, ['l'] = 1, ['m'] = 1, ['n'] = 1, ['o'] = 1, ['p'] = 1,
    ['q'] = 1, ['r'] = 1, ['s'] = 1, ['t'] = 1, ['u'] = 1, ['v'] = 1, ['w'] = 1, ['x'] = 1,
    ['y'] = 1, ['z'] = 1,
};

/* The class of the character at s[pos] and its length in bytes. ASCII and two-byte
 * characters (Latin accents, Cyrillic, Greek) are decoded inline; bmp is vkgpt__uclass_bmp(). */
static inline size_t char_at(const uint8_t *bmp, const uint8_t *s, size_t len, size_t pos,
                             vkgpt__uclass_t *cls) {
    uint8_t b0 = s[pos];
    if (b0 < 0x80) {
        *cls = (vkgpt__uclass_t)ascii_class[b0];
        return 1;
    }
    if (b0 >= 0xC2 && b0 < 0xE0 && pos + 1 < len && (s[pos + 1] & 0xC0) == 0x80) {
        *cls = (vkgpt__uclass_t)bmp[((b0 & 0x1F) << 6) | (s[pos + 1] & 0x3F)];
        return 2;
    }
    int32_t cp;
    size_t n = vkgpt__utf8_decode(s + pos, len - pos, &cp);
    *cls = cp >= 0 && cp < 0x10000 ? (vkgpt__uclass_t)bmp[cp] : vkgpt__uclass(cp);
    return n;
}

/* The end of the run of characters of class cls that starts at pos. */
static size_t run_end(const uint8_t *bmp, const uint8_t *s, size_t len, size_t pos,
                      vkgpt__uclass_t cls) {
    while (pos < len) {
        vkgpt__uclass_t c;
        size_t n = char_at(bmp, s, len, pos, &c);
        if (c != cls) {
            break;
        }
        pos += n;
    }
    return pos;
}

/* 's 't 're 've 'm 'll 'd: the length of the contraction at s[pos] (an apostrophe), or 0. */
static size_t contraction(const uint8_t *s, size_t len, size_t pos) {
    if (pos + 1 >= len) {
        return 0;
    }
    uint8_t a = s[pos + 1];
    if (a == 's' || a == 't' || a == 'm' || a == 'd') {
        return 2;
    }
    if (pos + 2 >= len) {
        return 0;
    }
    uint8_t b = s[pos + 2];
    if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l')) {
        return 3;
    }
    return 0;
}

/* \s+(?!\S)|\s+ from pos: the whole run when it reaches the end of the text; otherwise all but
 * its last character, which then leads the next piece ("  word" splits as " ", " word"). A
 * single space character before a non-space is a piece of its own. */
static size_t whitespace_piece(const uint8_t *bmp, const uint8_t *s, size_t len, size_t pos) {
    size_t last = pos;
    size_t end = pos;
    while (end < len) {
        vkgpt__uclass_t c;
        size_t n = char_at(bmp, s, len, end, &c);
        if (c != VKGPT__UC_SPACE) {
            break;
        }
        last = end;
        end += n;
    }
    if (end == len || last == pos) {
        return end;
    }
    return last;
}

size_t vkgpt__pretok_next(const uint8_t *s, size_t len, size_t pos) {
    if (s[pos] == '\'') {
        size_t n = contraction(s, len, pos);
        if (n) {
            return pos + n;
        }
    }

    const uint8_t *bmp = vkgpt__uclass_bmp();
    vkgpt__uclass_t c0;
    size_t n0 = char_at(bmp, s, len, pos, &c0);

    /* " ?\p{L}+", " ?\p{N}+", " ?[^\s\p{L}\p{N}]+": one optional ASCII space, then a run. */
    if (s[pos] == ' ' && pos + 1 < len) {
        vkgpt__uclass_t c1;
        char_at(bmp, s, len, pos + 1, &c1);
        if (c1 != VKGPT__UC_SPACE) {
            return run_end(bmp, s, len, pos + 1, c1);
        }
    }
    if (c0 != VKGPT__UC_SPACE) {
        return run_end(bmp, s, len, pos + n0, c0);
    }
    return whitespace_piece(bmp, s, len, pos);
}
