/* bpe_bytes.c: GPT-2's table between bytes and the characters vocabulary files spell them
 * with.
 *
 * The 188 bytes that are printable Latin-1 ('!'..'~', U+00A1..U+00AC, U+00AE..U+00FF) stand
 * for themselves; the other 68 (controls, space, U+00A0, U+00AD) take U+0100, U+0101, ... in
 * byte order, so a space is U+0120 ("\xc4\xa0" in UTF-8) and a newline U+010A. */
#include <string.h>
#include <threads.h>

#include "bpe.h"
#include "utf8.h"

static bool printable(unsigned b) {
    return (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
}

int32_t bpe_byte_to_char(uint8_t b) {
    if (printable(b)) {
        return b;
    }
    int32_t n = 0; /* how many non-printable bytes come before b */
    for (unsigned i = 0; i < b; i++) {
        n += !printable(i);
    }
    return 256 + n;
}

int bpe_char_to_byte(int32_t cp) {
    if (cp >= 0 && cp < 256) {
        return printable((unsigned)cp) ? cp : -1;
    }
    if (cp < 256 || cp >= 256 + 68) {
        return -1;
    }
    int32_t n = cp - 256;
    for (unsigned b = 0; b < 256; b++) {
        if (!printable(b) && n-- == 0) {
            return (int)b;
        }
    }
    return -1;
}

/* The table is consulted per byte while loading and training; both directions are cached. */
static int32_t byte_char[256];
static uint8_t char_byte[324]; /* valid where char_ok */
static bool char_ok[324];
static once_flag tables_once = ONCE_FLAG_INIT;

static void tables_build(void) {
    for (unsigned b = 0; b < 256; b++) {
        byte_char[b] = bpe_byte_to_char((uint8_t)b);
        char_byte[byte_char[b]] = (uint8_t)b;
        char_ok[byte_char[b]] = true;
    }
}

static void tables_fill(void) {
    call_once(&tables_once, tables_build);
}

size_t bpe_bytes_to_piece(const uint8_t *bytes, size_t n, uint8_t *out) {
    tables_fill();
    size_t len = 0;
    for (size_t i = 0; i < n; i++) {
        len += vkgpt__utf8_encode(byte_char[bytes[i]], out + len);
    }
    return len;
}

size_t bpe_piece_to_bytes(const uint8_t *piece, size_t len, uint8_t *out) {
    tables_fill();
    size_t n = 0;
    for (size_t i = 0; i < len;) {
        int32_t cp;
        i += vkgpt__utf8_decode(piece + i, len - i, &cp);
        if (cp < 0 || cp >= 324 || !char_ok[cp]) {
            return SIZE_MAX;
        }
        out[n++] = char_byte[cp];
    }
    return n;
}
