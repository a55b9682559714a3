/* fuzz_tok.h: what the tokenizer fuzzers share: the byte-level BPE plugin linked in and
 * registered (no module is loaded), a private folder for the files an input is split into, and
 * the encode/decode/stream checks every loaded tokenizer must pass.
 *
 * A failed check prints what differed and aborts, which libFuzzer reports as a crash with the
 * input that caused it. */
#ifndef VKGPT_FUZZ_TOK_H
#define VKGPT_FUZZ_TOK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vkgpt.h"

#define FUZZ_MAX_PARTS 4

/* Registers the linked-in "bpe" plugin once; aborts when the registry refuses it. */
void fuzz_register_bpe(void);

/* Splits data at its first FUZZ_MAX_PARTS - 1 NUL bytes: part i is data[off[i]..off[i]+len[i]).
 * Returns the number of parts (at least 1); a NUL past the last split stays in the last part. */
size_t fuzz_split(const uint8_t *data, size_t size, size_t off[FUZZ_MAX_PARTS],
                  size_t len[FUZZ_MAX_PARTS]);

/* Writes bytes to <private folder>/name and returns the path (static storage, one per name
 * slot 0..FUZZ_MAX_PARTS-1). Aborts when the file cannot be written: that is the harness's
 * failure, not the input's. */
const char *fuzz_write(size_t slot, const char *name, const uint8_t *data, size_t n);

/* Loads a tokenizer from exactly the given files through the registered plugin. */
vkgpt_status_t fuzz_load(const char *const *files, size_t n_files, vkgpt_tokenizer_t **tok);

/* Encodes text[0..len) and checks the public contracts around it:
 * - asking with capacity 0, then with one id too few, gives VKGPT_ERR_BUFFER_TOO_SMALL, the
 *   same count each time, and nothing written;
 * - every id is below the vocabulary size, and decoding has no invalid id;
 * - decode with one byte too few is refused the same way;
 * - pushing the ids one at a time through a stream and flushing gives the same bytes as one
 *   decode, in pieces that never cut a valid UTF-8 character of the decoded text (so each
 *   piece is valid UTF-8 when the whole is);
 * - when identity is set, the decoded bytes equal text.
 * Aborts on the first broken contract. */
void fuzz_check_text(vkgpt_tokenizer_t *tok, const uint8_t *text, size_t len,
                     uint32_t encode_flags, uint32_t decode_flags, bool identity);

#endif
