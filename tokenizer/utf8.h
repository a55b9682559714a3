/* utf8.h: UTF-8 and Unicode helpers shared by the library and the tokenizer plugins.
 *
 * This code is linked into libvkgpt and into every plugin module (tokenizer_common_lib), so it
 * calls nothing from the rest of the library: no logging, no error records. */
#ifndef VKGPT_TOKENIZER_UTF8_H
#define VKGPT_TOKENIZER_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Decodes one code point from s[0..len). Returns the number of bytes it spans (1..4) and
 * stores the code point in *cp; for an invalid, overlong, surrogate or truncated sequence
 * returns 1 and stores -1, so that a caller can step over bad bytes one at a time. len must be
 * at least 1. */
size_t vkgpt__utf8_decode(const uint8_t *s, size_t len, int32_t *cp);

/* Writes the UTF-8 form of cp (0..0x10FFFF, no surrogates) to out and returns its length
 * (1..4), or 0 for a value that is not a Unicode scalar. */
size_t vkgpt__utf8_encode(int32_t cp, uint8_t out[4]);

/* True when s[0..len) is entirely valid UTF-8. */
bool vkgpt__utf8_valid(const uint8_t *s, size_t len);

/* Length of the longest prefix of s[0..len) that ends on a complete character boundary: a
 * trailing, possibly valid but incomplete sequence is excluded. Used by streaming output to
 * hold back a partial character. */
size_t vkgpt__utf8_complete_prefix(const uint8_t *s, size_t len);

/* The classes GPT-2's split rules distinguish. Letters are general category L*, numbers N*,
 * space is the Unicode White_Space property (what \s means to the regex engines the reference
 * tokenizers use); everything else, bytes that are not UTF-8 included, is OTHER. */
typedef enum vkgpt__uclass {
    VKGPT__UC_OTHER = 0,
    VKGPT__UC_LETTER = 1,
    VKGPT__UC_NUMBER = 2,
    VKGPT__UC_SPACE = 3,
} vkgpt__uclass_t;

/* The class of a code point, or OTHER for -1 (an invalid byte). Thread-safe. */
vkgpt__uclass_t vkgpt__uclass(int32_t cp);

/* The classes of U+0000..U+FFFF, one byte each, filled on the first call; for loops that
 * classify many characters without a call each. Thread-safe. */
const uint8_t *vkgpt__uclass_bmp(void);

#endif
