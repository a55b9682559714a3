/* bpe_load.h: the loader's steps, shared by bpe_load.c (tokens, merges, specials) and
 * bpe_files.c (finding and reading the files). */
#ifndef VKGPT_PLUGIN_BPE_LOAD_H
#define VKGPT_PLUGIN_BPE_LOAD_H

#include <jansson.h>

#include "bpe.h"

/* Reads a whole file of at most BPE_MAX_FILE bytes into *buf (malloc'ed, caller frees). */
vkgpt_status_t bpe_read_file(const char *path, uint8_t **buf, size_t *len, bpe_err_t *err);

/* Reads and parses a JSON file, rejecting duplicate keys and any string longer than
 * BPE_MAX_JSON_STRING before parsing; errors give line:column or byte offset. */
vkgpt_status_t bpe_read_json(const char *path, json_t **out, bpe_err_t *err);

/* Checks that tokenizer.json describes what this plugin implements (a BPE model, GPT-2's
 * ByteLevel pre-tokenizer and decoder, no normaliser) and reads its options into b. */
vkgpt_status_t bpe_check_tokenizer_json(bpe_t *b, const char *path, json_t *root,
                                        json_t *model, bpe_err_t *err);

vkgpt_status_t bpe_load_vocab_merges(bpe_t *b, const char *vocab_path, const char *merges_path,
                                     bpe_err_t *err);
vkgpt_status_t bpe_load_tokenizer_json(bpe_t *b, const char *path, json_t *root,
                                       bpe_err_t *err);

vkgpt_status_t bpe_add_token(bpe_t *b, const char *path, json_int_t id, const char *text,
                             size_t len, bool special, size_t limit, bpe_err_t *err);
vkgpt_status_t bpe_read_roles(bpe_t *b, const char *path, json_t *root, bool *declared,
                              bpe_err_t *err);
vkgpt_status_t bpe_default_roles(bpe_t *b, bpe_err_t *err);
vkgpt_status_t bpe_finish(bpe_t *b, const char *vocab_path, bpe_err_t *err);

#endif
