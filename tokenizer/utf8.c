/* utf8.c: strict UTF-8 decoding (RFC 3629: no overlongs, no surrogates, nothing past
 * U+10FFFF) and the character classes of GPT-2's pre-tokenizer. */
#include <string.h>
#include <threads.h>

#include <utf8proc.h>

#include "utf8.h"

size_t vkgpt__utf8_decode(const uint8_t *s, size_t len, int32_t *cp) {
    uint8_t b0 = s[0];
    size_t need;
    int32_t min, v;
    if (b0 < 0x80) {
        *cp = b0;
        return 1;
    } else if ((b0 & 0xE0) == 0xC0) {
        need = 2, min = 0x80, v = b0 & 0x1F;
    } else if ((b0 & 0xF0) == 0xE0) {
        need = 3, min = 0x800, v = b0 & 0x0F;
    } else if ((b0 & 0xF8) == 0xF0) {
        need = 4, min = 0x10000, v = b0 & 0x07;
    } else {
        *cp = -1;
        return 1;
    }

    if (len < need) {
        *cp = -1;
        return 1;
    }
    for (size_t i = 1; i < need; i++) {
        if ((s[i] & 0xC0) != 0x80) {
            *cp = -1;
            return 1;
        }
        v = (v << 6) | (s[i] & 0x3F);
    }

    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) {
        *cp = -1;
        return 1;
    }
    *cp = v;
    return need;
}

size_t vkgpt__utf8_encode(int32_t cp, uint8_t out[4]) {
    if (cp < 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
        return 0;
    }
    if (cp < 0x80) {
        out[0] = (uint8_t)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (uint8_t)(0xC0 | (cp >> 6));
        out[1] = (uint8_t)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (uint8_t)(0xE0 | (cp >> 12));
        out[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (uint8_t)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (uint8_t)(0xF0 | (cp >> 18));
    out[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (uint8_t)(0x80 | (cp & 0x3F));
    return 4;
}

bool vkgpt__utf8_valid(const uint8_t *s, size_t len) {
    size_t i = 0;
    while (i < len) {
        if (s[i] < 0x80) {
            i++;
            continue;
        }
        int32_t cp;
        i += vkgpt__utf8_decode(s + i, len - i, &cp);
        if (cp < 0) {
            return false;
        }
    }
    return true;
}

size_t vkgpt__utf8_complete_prefix(const uint8_t *s, size_t len) {
    /* Look back at most 3 bytes for the lead byte of a sequence that runs past the end. */
    size_t back = 0;
    while (back < 3 && back < len && (s[len - 1 - back] & 0xC0) == 0x80) {
        back++;
    }
    if (back == len) {
        return len; /* only continuation bytes: nothing can complete them */
    }
    uint8_t lead = s[len - 1 - back];
    size_t need = (lead & 0xE0) == 0xC0   ? 2
                  : (lead & 0xF0) == 0xE0 ? 3
                  : (lead & 0xF8) == 0xF0 ? 4
                                          : 1;
    if (need > back + 1) {
        return len - 1 - back; /* incomplete: hold back the lead and its continuations */
    }
    return len;
}

/* ---- Character classes ---- */

/* The Basic Multilingual Plane's classes, one byte each (64 KiB), filled once: looking a code
 * point up in utf8proc's two-level table costs several times more, and BMP text (Latin,
 * Cyrillic, CJK) is nearly all a tokenizer sees. */
static uint8_t bmp_class[0x10000];
static once_flag bmp_once = ONCE_FLAG_INIT;

static bool is_white_space(int32_t cp) {
    /* The White_Space property; a fixed list since Unicode 6.3. */
    if ((cp >= 0x09 && cp <= 0x0D) || cp == 0x20 || cp == 0x85 || cp == 0xA0) {
        return true;
    }
    return cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 ||
           cp == 0x202F || cp == 0x205F || cp == 0x3000;
}

static vkgpt__uclass_t class_slow(int32_t cp) {
    if (is_white_space(cp)) {
        return VKGPT__UC_SPACE;
    }
    switch (utf8proc_category(cp)) {
    case UTF8PROC_CATEGORY_LU:
    case UTF8PROC_CATEGORY_LL:
    case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO:
        return VKGPT__UC_LETTER;
    case UTF8PROC_CATEGORY_ND:
    case UTF8PROC_CATEGORY_NL:
    case UTF8PROC_CATEGORY_NO:
        return VKGPT__UC_NUMBER;
    default:
        return VKGPT__UC_OTHER;
    }
}

static void bmp_fill(void) {
    for (int32_t cp = 0; cp < 0x10000; cp++) {
        bmp_class[cp] = (uint8_t)class_slow(cp);
    }
}

const uint8_t *vkgpt__uclass_bmp(void) {
    call_once(&bmp_once, bmp_fill);
    return bmp_class;
}

vkgpt__uclass_t vkgpt__uclass(int32_t cp) {
    if (cp < 0) {
        return VKGPT__UC_OTHER;
    }
    if (cp < 0x10000) {
        call_once(&bmp_once, bmp_fill);
        return (vkgpt__uclass_t)bmp_class[cp];
    }
    return class_slow(cp);
}
