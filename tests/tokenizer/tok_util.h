/* tok_util.h: helpers shared by the tokenizer suites: temporary folders, toy vocabularies
 * written from a few lines, and encode/decode wrappers that assert success. */
#ifndef VKGPT_TESTS_TOK_UTIL_H
#define VKGPT_TESTS_TOK_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include "vkgpt.h"

/* A new empty folder under /tmp; removed by tu_rmdir(). */
char *tu_tempdir(void);
void tu_rmdir(char *dir);

void tu_write(const char *dir, const char *name, const void *data, size_t len);
void tu_writes(const char *dir, const char *name, const char *text);

/* The piece GPT-2's files spell byte b with (1 or 2 bytes + NUL), from the published rule:
 * printable Latin-1 stands for itself, the other 68 bytes take U+0100 onwards in order. */
void tu_byte_piece(uint8_t b, char out[3]);

/* Writes vocab.json (the 256 byte pieces as ids 0..255, then extra[] as 256, 257, ...) and
 * merges.txt (the header, then merges, "left right\n" lines) into dir. */
void tu_toy_vocab(const char *dir, const char *const *extra, size_t n_extra,
                  const char *merges);

/* Loads with the given plugin (NULL: bpe) from dir. */
vkgpt_status_t tu_load(const char *dir, const char *plugin, vkgpt_tokenizer_t **tok);

/* Encodes or decodes, asserting success; the result is malloc'ed. */
size_t tu_encode(vkgpt_tokenizer_t *tok, const void *text, size_t len, uint32_t flags,
                 int32_t **ids);
char *tu_decode(vkgpt_tokenizer_t *tok, const int32_t *ids, size_t n, uint32_t flags,
                size_t *len);

/* The folder holding GPT-2's vocab.json + merges.txt fetched at build time, or NULL with the
 * reason in *why (static storage). */
const char *tu_gpt2_dir(const char **why);

/* $VKGPT_SOURCE_ROOT/tests/fixtures/tokenizer/<name>, in static storage. */
const char *tu_fixture(const char *name);

/* A small deterministic generator for property tests. */
uint64_t tu_rand(uint64_t *state);

#endif
