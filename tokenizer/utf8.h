/* utf8.h: strict UTF-8 decoding helpers shared by the library and the tokenizer plugins. */
#ifndef VKGPT_TOKENIZER_UTF8_H
#define VKGPT_TOKENIZER_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* Decodes one code point from s[0..len). Returns the number of bytes it spans (1..4) and
 * stores the code point in *cp; for an invalid, overlong, surrogate or truncated sequence
 * returns 1 and stores -1, so that a caller can step over bad bytes one at a time. len must be
 * at least 1. */
size_t vkgpt__utf8_decode(const uint8_t *s, size_t len, int32_t *cp);

/* Length of the longest prefix of s[0..len) that ends on a complete character boundary: a
 * trailing, possibly valid but incomplete sequence is excluded. Used by streaming output to
 * hold back a partial character. */
size_t vkgpt__utf8_complete_prefix(const uint8_t *s, size_t len);

#endif
