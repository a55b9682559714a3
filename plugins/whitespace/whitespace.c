/* whitespace.c: a deliberately small tokenizer plugin: words separated by ASCII whitespace,
 * each looked up in vocab.txt (one word per line, the line number is the id, line 1 is id 0).
 * A word that is not in the vocabulary becomes "<unk>" when vocab.txt has it, and is an error
 * otherwise. Decoding joins the words with single spaces, so whitespace does not round-trip.
 *
 * It exists to show that the plugin ABI is not shaped around BPE, and as the plugin the
 * loader tests load from its module by name. Lookups are a linear scan: fine for the few
 * hundred words it is meant for. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vkgpt_tokenizer_plugin.h"

#define MAX_WORDS 65536
#define MAX_WORD 256

struct vkgpt_tokenizer_impl {
    char **words;
    size_t n_words;
    int32_t unk; /* -1 when vocab.txt has no "<unk>" */
    int32_t *out;
    size_t out_cap;
};

typedef struct vkgpt_tokenizer_impl ws_t;

static vkgpt_status_t fail(vkgpt_tokenizer_plugin_error_t *err, vkgpt_status_t st,
                           const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof(err->message), fmt, ap);
    va_end(ap);
    return st;
}

static void ws_destroy(ws_t *t) {
    if (!t) {
        return;
    }
    for (size_t i = 0; i < t->n_words; i++) {
        free(t->words[i]);
    }
    free(t->words);
    free(t->out);
    free(t);
}

static int32_t ws_find(const ws_t *t, const char *w, size_t len) {
    for (size_t i = 0; i < t->n_words; i++) {
        if (strlen(t->words[i]) == len && memcmp(t->words[i], w, len) == 0) {
            return (int32_t)i;
        }
    }
    return -1;
}

static vkgpt_status_t read_vocab(ws_t *t, const char *path, vkgpt_tokenizer_plugin_error_t *err) {
    FILE *f = fopen(path, "r");
    if (!f) {
        return fail(err, VKGPT_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    }
    t->words = calloc(MAX_WORDS, sizeof(char *));
    char line[MAX_WORD + 2];
    vkgpt_status_t st = t->words ? VKGPT_OK : fail(err, VKGPT_ERR_OUT_OF_HOST_MEMORY, "oom");
    while (st == VKGPT_OK && fgets(line, sizeof(line), f)) {
        size_t n = strcspn(line, "\r\n");
        if (n == strlen(line) && !feof(f)) {
            st = fail(err, VKGPT_ERR_BAD_FORMAT, "%s:%zu: word longer than %d bytes", path,
                      t->n_words + 1, MAX_WORD);
        } else if (t->n_words == MAX_WORDS) {
            st = fail(err, VKGPT_ERR_BAD_FORMAT, "%s: over %d words", path, MAX_WORDS);
        } else if (!(t->words[t->n_words] = strndup(line, n))) {
            st = fail(err, VKGPT_ERR_OUT_OF_HOST_MEMORY, "out of memory");
        } else {
            t->n_words++;
        }
    }
    fclose(f);
    return st;
}

static vkgpt_status_t ws_create(const vkgpt_tokenizer_source_t *src, ws_t **out,
                                vkgpt_tokenizer_plugin_error_t *err) {
    char path[4096];
    const char *p = src->n_files > 0 ? src->files[0] : path;
    if (src->n_files == 0) {
        snprintf(path, sizeof(path), "%s/vocab.txt", src->folder ? src->folder : ".");
    }
    ws_t *t = calloc(1, sizeof(*t));
    if (!t) {
        return fail(err, VKGPT_ERR_OUT_OF_HOST_MEMORY, "out of memory");
    }
    vkgpt_status_t st = read_vocab(t, p, err);
    if (st != VKGPT_OK) {
        ws_destroy(t);
        return st;
    }
    t->unk = ws_find(t, "<unk>", 5);
    *out = t;
    return VKGPT_OK;
}

static int is_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static vkgpt_status_t ws_encode(ws_t *t, const char *text, size_t len, uint32_t flags,
                                int32_t *ids, size_t capacity, size_t *n_ids,
                                vkgpt_tokenizer_plugin_error_t *err) {
    (void)flags;
    size_t n = 0;
    for (size_t i = 0; i < len;) {
        while (i < len && is_space(text[i])) {
            i++;
        }
        size_t start = i;
        while (i < len && !is_space(text[i])) {
            i++;
        }
        if (i == start) {
            break;
        }
        int32_t id = ws_find(t, text + start, i - start);
        id = id >= 0 ? id : t->unk;
        if (id < 0) {
            return fail(err, VKGPT_ERR_INVALID_ARGUMENT,
                        "byte offset %zu: word not in the vocabulary, which has no <unk>",
                        start);
        }
        if (n < capacity) {
            ids[n] = id;
        }
        n++;
    }
    *n_ids = n;
    if (n > capacity) {
        return fail(err, VKGPT_ERR_BUFFER_TOO_SMALL, "%zu words, buffer holds %zu", n, capacity);
    }
    return VKGPT_OK;
}

static vkgpt_status_t ws_decode(ws_t *t, const int32_t *ids, size_t n_ids, uint32_t flags,
                                char *out, size_t capacity, size_t *n_bytes, size_t *n_invalid,
                                vkgpt_tokenizer_plugin_error_t *err) {
    (void)flags;
    size_t total = 0, invalid = 0, o = 0;
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < n_ids; i++) {
            if (ids[i] < 0 || (size_t)ids[i] >= t->n_words) {
                invalid += pass == 0;
                continue;
            }
            const char *w = t->words[ids[i]];
            size_t sep = (pass ? o : total) > 0;
            if (pass == 0) {
                total += sep + strlen(w);
            } else {
                memcpy(out + o, " ", sep);
                memcpy(out + o + sep, w, strlen(w));
                o += sep + strlen(w);
            }
        }
        if (pass == 0 && total > capacity) {
            break;
        }
    }
    *n_bytes = total;
    if (n_invalid) {
        *n_invalid = invalid;
    }
    return total > capacity ? fail(err, VKGPT_ERR_BUFFER_TOO_SMALL, "needs %zu bytes", total)
                            : VKGPT_OK;
}

static const char *ws_token_to_piece(const ws_t *t, int32_t id, size_t *len) {
    if (id < 0 || (size_t)id >= t->n_words) {
        *len = 0;
        return NULL;
    }
    *len = strlen(t->words[id]);
    return t->words[id];
}

static int32_t ws_piece_to_token(const ws_t *t, const char *piece, size_t len) {
    return ws_find(t, piece, len);
}

static size_t ws_vocab_size(const ws_t *t) {
    return t->n_words;
}

static size_t ws_special_count(const ws_t *t) {
    return t->unk >= 0;
}

static vkgpt_status_t ws_special_at(const ws_t *t, size_t index,
                                    vkgpt_tokenizer_special_t *out) {
    if (index >= ws_special_count(t) || out->struct_size < sizeof(*out)) {
        return VKGPT_ERR_INVALID_ARGUMENT;
    }
    out->id = t->unk;
    out->roles = VKGPT_SPECIAL_UNK;
    out->text = t->words[t->unk];
    out->text_len = strlen(out->text);
    return VKGPT_OK;
}

static const vkgpt_tokenizer_plugin_t ws_plugin = {
    .abi_version = VKGPT_TOKENIZER_ABI_VERSION,
    .struct_size = sizeof(vkgpt_tokenizer_plugin_t),
    .name = "whitespace",
    .description = "words between ASCII whitespace, looked up in vocab.txt",
    .create = ws_create,
    .destroy = ws_destroy,
    .encode = ws_encode,
    .decode = ws_decode,
    .token_to_piece = ws_token_to_piece,
    .piece_to_token = ws_piece_to_token,
    .vocab_size = ws_vocab_size,
    .special_count = ws_special_count,
    .special_at = ws_special_at,
    .train = NULL,
};

VKGPT_PLUGIN_EXPORT const vkgpt_tokenizer_plugin_t *vkgpt_tokenizer_plugin_entry(uint32_t abi);

VKGPT_PLUGIN_EXPORT const vkgpt_tokenizer_plugin_t *vkgpt_tokenizer_plugin_entry(uint32_t abi) {
    return abi == VKGPT_TOKENIZER_ABI_VERSION ? &ws_plugin : NULL;
}
