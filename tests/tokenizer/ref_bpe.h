/* ref_bpe.h: a deliberately plain BPE for checking the plugin: GPT-2's published loop (find
 * the lowest-ranked adjacent pair, merge every occurrence left to right, repeat) over piece
 * strings, with linear scans instead of hashes. Reads the same vocab.json + merges.txt. */
#ifndef VKGPT_TESTS_REF_BPE_H
#define VKGPT_TESTS_REF_BPE_H

#include <stddef.h>
#include <stdint.h>

typedef struct ref_bpe ref_bpe_t;

ref_bpe_t *ref_bpe_load(const char *dir);
void ref_bpe_free(ref_bpe_t *r);

/* Encodes one pre-tokenized word; returns the number of ids written (at most cap). */
size_t ref_bpe_word(const ref_bpe_t *r, const uint8_t *w, size_t n, int32_t *ids, size_t cap);

#endif
