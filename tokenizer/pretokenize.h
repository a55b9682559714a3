/* pretokenize.h: GPT-2's pre-tokenizer, the split of text into pieces that BPE then encodes
 * one by one.
 *
 * GPT-2 states its rules as a regular expression, applied left to right:
 *
 *     's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
 *
 * This is a hand-written matcher for exactly that expression, with classes from utf8.h. It
 * applies no Unicode normalisation (that would change ids). Bytes that are not UTF-8 count as
 * one OTHER character each, so any byte string splits into pieces that concatenate back to it.
 * Shared with the plugins through tokenizer_common_lib. */
#ifndef VKGPT_TOKENIZER_PRETOKENIZE_H
#define VKGPT_TOKENIZER_PRETOKENIZE_H

#include <stddef.h>
#include <stdint.h>

/* The end of the piece that starts at s[pos], for pos < len: the next piece is
 * s[pos..return). Always returns more than pos. */
size_t vkgpt__pretok_next(const uint8_t *s, size_t len, size_t pos);

#endif
