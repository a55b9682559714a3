/* bpe_plugin.c: the byte-level BPE plugin's table: the only symbol the module exports. */
#include <string.h>

#include "bpe.h"

static vkgpt_status_t bpe_create(const vkgpt_tokenizer_source_t *src,
                                 vkgpt_tokenizer_impl_t **out, bpe_err_t *err) {
    err->message[0] = '\0';
    if (!src || src->struct_size < sizeof(*src) || !out) {
        return bpe_fail(err, VKGPT_ERR_INVALID_ARGUMENT, "bad source description");
    }
    return bpe_load(src, out, err);
}

static vkgpt_status_t bpe_encode_to(bpe_t *b, const char *text, size_t len, uint32_t flags,
                                    int32_t *ids, size_t capacity, size_t *n_ids,
                                    bpe_err_t *err) {
    vkgpt_status_t st = bpe_encode(b, (const uint8_t *)text, len, flags, err);
    if (st != VKGPT_OK) {
        return st;
    }
    *n_ids = b->out.len;
    if (b->out.len > capacity) {
        return bpe_fail(err, VKGPT_ERR_BUFFER_TOO_SMALL,
                        "the text makes %zu tokens; the buffer holds %zu", b->out.len, capacity);
    }
    if (b->out.len) {
        memcpy(ids, b->out.v, b->out.len * sizeof(int32_t));
    }
    return VKGPT_OK;
}

static vkgpt_status_t bpe_decode_to(bpe_t *b, const int32_t *ids, size_t n_ids, uint32_t flags,
                                    char *out, size_t capacity, size_t *n_bytes,
                                    size_t *n_invalid, bpe_err_t *err) {
    vkgpt_status_t st = bpe_decode(b, ids, n_ids, flags, out, capacity, n_bytes, n_invalid);
    if (st == VKGPT_ERR_BUFFER_TOO_SMALL) {
        return bpe_fail(err, st, "the ids make %zu bytes; the buffer holds %zu", *n_bytes,
                        capacity);
    }
    if (st != VKGPT_OK) {
        return bpe_fail(err, st, "the decoded text would exceed the address space");
    }
    return st;
}

static const char *bpe_token_to_piece(const bpe_t *b, int32_t id, size_t *len) {
    if (id < 0 || (size_t)id >= b->n_tokens || b->tokens[id].kind == BPE_HOLE) {
        *len = 0;
        return NULL;
    }
    *len = b->tokens[id].piece_len;
    return (const char *)bpe_piece(b, id);
}

static int32_t bpe_piece_to_token(const bpe_t *b, const char *piece, size_t len) {
    return bpe_idmap_find(b, &b->by_piece, false, piece, len);
}

static size_t bpe_vocab_size(const bpe_t *b) {
    return b->n_tokens;
}

static size_t bpe_special_count(const bpe_t *b) {
    return b->n_specials;
}

static vkgpt_status_t bpe_special_at(const bpe_t *b, size_t index,
                                     vkgpt_tokenizer_special_t *out) {
    if (index >= b->n_specials || out->struct_size < sizeof(*out)) {
        return VKGPT_ERR_INVALID_ARGUMENT;
    }
    int32_t id = b->specials[index].id;
    out->id = id;
    out->roles = b->specials[index].roles;
    out->text = (const char *)bpe_bytes(b, id);
    out->text_len = b->tokens[id].bytes_len;
    return VKGPT_OK;
}

static vkgpt_status_t bpe_train_entry(const vkgpt_tokenizer_train_params_t *p, bpe_err_t *err) {
    err->message[0] = '\0';
    return bpe_train(p, err);
}

static const vkgpt_tokenizer_plugin_t bpe_plugin = {
    .abi_version = VKGPT_TOKENIZER_ABI_VERSION,
    .struct_size = sizeof(vkgpt_tokenizer_plugin_t),
    .name = "bpe",
    .description = "byte-level BPE (GPT-2, ruGPT-3): Hugging Face vocab.json + merges.txt or "
                   "tokenizer.json",
    .create = bpe_create,
    .destroy = bpe_free,
    .encode = bpe_encode_to,
    .decode = bpe_decode_to,
    .token_to_piece = bpe_token_to_piece,
    .piece_to_token = bpe_piece_to_token,
    .vocab_size = bpe_vocab_size,
    .special_count = bpe_special_count,
    .special_at = bpe_special_at,
    .train = bpe_train_entry,
};

VKGPT_PLUGIN_EXPORT const vkgpt_tokenizer_plugin_t *vkgpt_tokenizer_plugin_entry(
    uint32_t host_abi_version);

VKGPT_PLUGIN_EXPORT const vkgpt_tokenizer_plugin_t *vkgpt_tokenizer_plugin_entry(
    uint32_t host_abi_version) {
    return host_abi_version == VKGPT_TOKENIZER_ABI_VERSION ? &bpe_plugin : NULL;
}
