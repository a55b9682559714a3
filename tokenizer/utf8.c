/* utf8.c: strict UTF-8 decoding (RFC 3629: no overlongs, no surrogates, nothing past
 * U+10FFFF). */
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
    size_t need = (lead & 0xE0) == 0xC0 ? 2 : (lead & 0xF0) == 0xE0 ? 3 : (lead & 0xF8) == 0xF0 ? 4 : 1;
    if (need > back + 1) {
        return len - 1 - back; /* incomplete: hold back the lead and its continuations */
    }
    return len;
}
