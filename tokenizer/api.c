/* api.c: the public tokenizer calls (vkgpt.h, "Tokenizer"): a thin, checked layer over the
 * plugin's table that turns plugin error records into vkgpt's last-error messages. */
#include <stdlib.h>
#include <string.h>

#include "registry.h"
#include "stream.h"

#define DEFAULT_PLUGIN "bpe"

struct vkgpt_tokenizer {
    const vkgpt_tokenizer_plugin_t *plugin;
    vkgpt_tokenizer_impl_t *impl;
    vkgpt__error_t err;
};

struct vkgpt_tokenizer_stream {
    vkgpt_tokenizer_t *tok;
    uint32_t flags;
    vkgpt__text_stream_t text;
    char *piece; /* one token's bytes, grown as needed */
    size_t piece_cap;
};

/* Failures of calls with no object to keep them (load, train, registry). */
static _Thread_local vkgpt__error_t thread_err;

VKGPT_API const char *vkgpt_tokenizer_error(void) {
    return thread_err.message;
}

VKGPT_API const char *vkgpt_tokenizer_last_error(const vkgpt_tokenizer_t *tok) {
    return tok ? tok->err.message : "";
}

/* Moves a plugin's message into err under status st. */
static vkgpt_status_t from_plugin(vkgpt__error_t *err, vkgpt_status_t st,
                                  const vkgpt_tokenizer_plugin_error_t *perr,
                                  const char *plugin_name) {
    if (st == VKGPT_OK) {
        return st;
    }
    const char *msg = perr->message[0] ? perr->message : vkgpt_status_str(st);
    return vkgpt__error_set(err, st, "%s: %s", plugin_name, msg);
}

/* ---- Registry ---- */

VKGPT_API vkgpt_status_t vkgpt_tokenizer_add_plugin_dir(const char *dir) {
    vkgpt__error_clear(&thread_err);
    return vkgpt__plugin_add_dir(dir, &thread_err);
}

VKGPT_API vkgpt_status_t vkgpt_tokenizer_register_plugin(
    const struct vkgpt_tokenizer_plugin *plugin) {
    vkgpt__error_clear(&thread_err);
    return vkgpt__plugin_register(plugin, &thread_err);
}

/* ---- Load and destroy ---- */

VKGPT_API void vkgpt_tokenizer_params_init(vkgpt_tokenizer_params_t *params) {
    memset(params, 0, sizeof(*params));
    params->struct_size = sizeof(*params);
    params->plugin = DEFAULT_PLUGIN;
}

static vkgpt_status_t check_params(const vkgpt_tokenizer_params_t *p) {
    if (!p || p->struct_size < sizeof(vkgpt_tokenizer_params_t)) {
        return vkgpt__error_set(&thread_err, VKGPT_ERR_INVALID_ARGUMENT,
                                "tokenizer params missing or not set up by "
                                "vkgpt_tokenizer_params_init()");
    }
    if (!p->folder && p->n_files == 0) {
        return vkgpt__error_set(&thread_err, VKGPT_ERR_INVALID_ARGUMENT,
                                "tokenizer params name neither a folder nor files");
    }
    if (p->n_files > 0 && !p->files) {
        return vkgpt__error_set(&thread_err, VKGPT_ERR_INVALID_ARGUMENT,
                                "tokenizer params: n_files is %zu but files is NULL",
                                p->n_files);
    }
    return VKGPT_OK;
}

VKGPT_API vkgpt_status_t vkgpt_tokenizer_load(const vkgpt_tokenizer_params_t *params,
                                              vkgpt_tokenizer_t **out) {
    vkgpt__error_clear(&thread_err);
    if (!out) {
        return vkgpt__error_set(&thread_err, VKGPT_ERR_INVALID_ARGUMENT, "out is NULL");
    }
    *out = NULL;
    vkgpt_status_t st = check_params(params);
    if (st != VKGPT_OK) {
        return st;
    }

    const vkgpt_tokenizer_plugin_t *plugin = NULL;
    st = vkgpt__plugin_find(params->plugin ? params->plugin : DEFAULT_PLUGIN, &plugin,
                            &thread_err);
    if (st != VKGPT_OK) {
        return st;
    }
    vkgpt_tokenizer_t *tok = calloc(1, sizeof(*tok));
    if (!tok) {
        return vkgpt__error_set(&thread_err, VKGPT_ERR_OUT_OF_HOST_MEMORY, "out of memory");
    }

    vkgpt_tokenizer_source_t src = {
        .struct_size = sizeof(src),
        .folder = params->folder,
        .files = params->files,
        .n_files = params->n_files,
    };
    vkgpt_tokenizer_plugin_error_t perr = {{0}};
    st = plugin->create(&src, &tok->impl, &perr);
    if (st != VKGPT_OK) {
        free(tok);
        return from_plugin(&thread_err, st, &perr, plugin->name);
    }
    tok->plugin = plugin;
    *out = tok;
    return VKGPT_OK;
}

VKGPT_API void vkgpt_tokenizer_destroy(vkgpt_tokenizer_t *tok) {
    if (!tok) {
        return;
    }
    tok->plugin->destroy(tok->impl);
    free(tok);
}

/* ---- Queries ---- */

VKGPT_API const char *vkgpt_tokenizer_plugin_name(const vkgpt_tokenizer_t *tok) {
    return tok ? tok->plugin->name : "";
}

VKGPT_API size_t vkgpt_tokenizer_vocab_size(const vkgpt_tokenizer_t *tok) {
    return tok ? tok->plugin->vocab_size(tok->impl) : 0;
}

VKGPT_API const char *vkgpt_tokenizer_token_to_piece(const vkgpt_tokenizer_t *tok, int32_t id,
                                                     size_t *len) {
    size_t dummy;
    if (!len) {
        len = &dummy;
    }
    *len = 0;
    return tok ? tok->plugin->token_to_piece(tok->impl, id, len) : NULL;
}

VKGPT_API int32_t vkgpt_tokenizer_piece_to_token(const vkgpt_tokenizer_t *tok,
                                                 const char *piece, size_t len) {
    if (!tok || (!piece && len > 0)) {
        return -1;
    }
    return tok->plugin->piece_to_token(tok->impl, piece ? piece : "", len);
}

VKGPT_API size_t vkgpt_tokenizer_special_count(const vkgpt_tokenizer_t *tok) {
    return tok ? tok->plugin->special_count(tok->impl) : 0;
}

VKGPT_API vkgpt_status_t vkgpt_tokenizer_special_at(const vkgpt_tokenizer_t *tok, size_t index,
                                                    vkgpt_tokenizer_special_t *out) {
    if (!tok || !out || out->struct_size < sizeof(*out)) {
        return VKGPT_ERR_INVALID_ARGUMENT;
    }
    if (index >= tok->plugin->special_count(tok->impl)) {
        return VKGPT_ERR_INVALID_ARGUMENT;
    }
    return tok->plugin->special_at(tok->impl, index, out);
}

VKGPT_API int32_t vkgpt_tokenizer_special_id(const vkgpt_tokenizer_t *tok,
                                             vkgpt_special_role_t role) {
    size_t n = vkgpt_tokenizer_special_count(tok);
    for (size_t i = 0; i < n; i++) {
        vkgpt_tokenizer_special_t sp = {.struct_size = sizeof(sp)};
        if (vkgpt_tokenizer_special_at(tok, i, &sp) == VKGPT_OK && (sp.roles & (uint32_t)role)) {
            return sp.id;
        }
    }
    return -1;
}

/* ---- Encode and decode ---- */

VKGPT_API vkgpt_status_t vkgpt_tokenizer_encode(vkgpt_tokenizer_t *tok, const char *text,
                                                size_t len, uint32_t flags, int32_t *ids,
                                                size_t capacity, size_t *n_ids) {
    if (!tok) {
        return VKGPT_ERR_INVALID_ARGUMENT;
    }
    vkgpt__error_clear(&tok->err);
    if ((!text && len > 0) || (!ids && capacity > 0) || !n_ids) {
        return vkgpt__error_set(&tok->err, VKGPT_ERR_INVALID_ARGUMENT,
                                "encode: NULL text, ids or n_ids");
    }
    vkgpt_tokenizer_plugin_error_t perr = {{0}};
    vkgpt_status_t st = tok->plugin->encode(tok->impl, text ? text : "", len, flags, ids,
                                            capacity, n_ids, &perr);
    return from_plugin(&tok->err, st, &perr, tok->plugin->name);
}

VKGPT_API vkgpt_status_t vkgpt_tokenizer_decode(vkgpt_tokenizer_t *tok, const int32_t *ids,
                                                size_t n_ids, uint32_t flags, char *out,
                                                size_t capacity, size_t *n_bytes,
                                                size_t *n_invalid) {
    if (!tok) {
        return VKGPT_ERR_INVALID_ARGUMENT;
    }
    vkgpt__error_clear(&tok->err);
    if ((!ids && n_ids > 0) || (!out && capacity > 0) || !n_bytes) {
        return vkgpt__error_set(&tok->err, VKGPT_ERR_INVALID_ARGUMENT,
                                "decode: NULL ids, out or n_bytes");
    }
    static const int32_t no_ids[1] = {0};
    vkgpt_tokenizer_plugin_error_t perr = {{0}};
    vkgpt_status_t st = tok->plugin->decode(tok->impl, ids ? ids : no_ids, n_ids, flags, out,
                                            capacity, n_bytes, n_invalid, &perr);
    return from_plugin(&tok->err, st, &perr, tok->plugin->name);
}

/* ---- Streaming ---- */

VKGPT_API vkgpt_status_t vkgpt_tokenizer_stream_create(vkgpt_tokenizer_t *tok, uint32_t flags,
                                                       vkgpt_tokenizer_stream_t **out) {
    if (!tok || !out) {
        return VKGPT_ERR_INVALID_ARGUMENT;
    }
    *out = calloc(1, sizeof(**out));
    if (!*out) {
        return vkgpt__error_set(&tok->err, VKGPT_ERR_OUT_OF_HOST_MEMORY, "out of memory");
    }
    (*out)->tok = tok;
    (*out)->flags = flags;
    return VKGPT_OK;
}

/* Decodes one id into s->piece, growing it when the plugin asks for more room. */
static vkgpt_status_t decode_one(vkgpt_tokenizer_stream_t *s, int32_t id, size_t *n) {
    for (int attempt = 0; attempt < 2; attempt++) {
        vkgpt_status_t st = vkgpt_tokenizer_decode(s->tok, &id, 1, s->flags, s->piece,
                                                   s->piece_cap, n, NULL);
        if (st != VKGPT_ERR_BUFFER_TOO_SMALL) {
            return st;
        }
        char *grown = realloc(s->piece, *n);
        if (!grown) {
            return vkgpt__error_set(&s->tok->err, VKGPT_ERR_OUT_OF_HOST_MEMORY,
                                    "out of memory");
        }
        s->piece = grown;
        s->piece_cap = *n;
    }
    return vkgpt__error_set(&s->tok->err, VKGPT_ERR_INTERNAL,
                            "decode of id %d kept asking for a larger buffer", (int)id);
}

VKGPT_API vkgpt_status_t vkgpt_tokenizer_stream_push(vkgpt_tokenizer_stream_t *s, int32_t id,
                                                     const char **text, size_t *len) {
    if (!s || !text || !len) {
        return VKGPT_ERR_INVALID_ARGUMENT;
    }
    size_t n = 0;
    vkgpt_status_t st = decode_one(s, id, &n);
    if (st != VKGPT_OK) {
        return st;
    }
    if (!vkgpt__text_stream_push(&s->text, s->piece, n, text, len)) {
        return vkgpt__error_set(&s->tok->err, VKGPT_ERR_OUT_OF_HOST_MEMORY, "out of memory");
    }
    return VKGPT_OK;
}

VKGPT_API vkgpt_status_t vkgpt_tokenizer_stream_flush(vkgpt_tokenizer_stream_t *s,
                                                      const char **text, size_t *len) {
    if (!s || !text || !len) {
        return VKGPT_ERR_INVALID_ARGUMENT;
    }
    vkgpt__text_stream_flush(&s->text, text, len);
    return VKGPT_OK;
}

VKGPT_API void vkgpt_tokenizer_stream_destroy(vkgpt_tokenizer_stream_t *s) {
    if (!s) {
        return;
    }
    vkgpt__text_stream_free(&s->text);
    free(s->piece);
    free(s);
}

/* ---- Training ---- */

VKGPT_API void vkgpt_tokenizer_train_params_init(vkgpt_tokenizer_train_params_t *params) {
    memset(params, 0, sizeof(*params));
    params->struct_size = sizeof(*params);
    params->plugin = DEFAULT_PLUGIN;
    params->min_frequency = 2;
}

VKGPT_API vkgpt_status_t vkgpt_tokenizer_train(const vkgpt_tokenizer_train_params_t *params) {
    vkgpt__error_clear(&thread_err);
    if (!params || params->struct_size < sizeof(*params)) {
        return vkgpt__error_set(&thread_err, VKGPT_ERR_INVALID_ARGUMENT,
                                "train params missing or not set up by "
                                "vkgpt_tokenizer_train_params_init()");
    }
    const vkgpt_tokenizer_plugin_t *plugin = NULL;
    vkgpt_status_t st = vkgpt__plugin_find(params->plugin ? params->plugin : DEFAULT_PLUGIN,
                                           &plugin, &thread_err);
    if (st != VKGPT_OK) {
        return st;
    }
    if (!plugin->train) {
        return vkgpt__error_set(&thread_err, VKGPT_ERR_UNSUPPORTED,
                                "tokenizer plugin '%s' cannot train", plugin->name);
    }
    vkgpt_tokenizer_plugin_error_t perr = {{0}};
    st = plugin->train(params, &perr);
    return from_plugin(&thread_err, st, &perr, plugin->name);
}
