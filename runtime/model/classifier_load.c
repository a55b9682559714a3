/* classifier_load.c: a classifier folder (config.json, weights, tokenizer files) onto the
 * device.
 *
 * Weights are read by the PyTorch module's own parameter names (token_emb.weight,
 * tblocks.N.attention.toqueries.weight, ...), from model.safetensors or any other file
 * vkgpt__weights_open() reads, so a state dict saved by the lecture's code loads as it is.
 * Each tensor is converted to f32 on the host, narrowed to the device weight type when it is
 * a matrix, and uploaded; vectors (biases, LayerNorm gains and shifts) stay f32. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "format/weights.h"
#include "model/classifier.h"
#include "ops/half.h"

#define ARENA_BLOCK_BYTES (64ull << 20)

typedef struct loader {
    vkgpt__classifier_t *c;
    vkgpt__weights_t *w;
    vkgpt__error_t *err;
} loader_t;

static vkgpt_status_t out_of_memory(loader_t *ld, const char *what) {
    return vkgpt__error_set(ld->err, VKGPT_ERR_OUT_OF_HOST_MEMORY, "%s: reading %s",
                            ld->c->source, what);
}

static vkgpt_status_t upload_vector(loader_t *ld, const char *name, uint64_t n,
                                    vkgpt__buffer_t *out) {
    const vkgpt__tensor_view_t *t;
    vkgpt_status_t st = vkgpt__weights_require(ld->w, name, 1, &n, &t, ld->err);
    if (st != VKGPT_OK) {
        return st;
    }
    float *v = malloc(n * sizeof(*v));
    if (!v) {
        return out_of_memory(ld, name);
    }
    vkgpt__tensor_to_f32(t, v);
    st = vkgpt__arena_alloc(ld->c->arena, n * 4, out, name);
    if (st == VKGPT_OK) {
        st = vkgpt__buffer_upload(ld->c->dev, out, 0, v, n * 4);
    }
    free(v);
    return st;
}

/* Uploads the tensors names[0..n_names), each [rows][cols], stacked row-wise into one
 * [n_names * rows][cols] matrix of the device weight type. */
static vkgpt_status_t upload_matrix(loader_t *ld, const char *const *names, uint32_t n_names,
                                    uint32_t rows, uint32_t cols, vkgpt__matrix_t *out) {
    uint64_t shape[2] = {rows, cols}, part = (uint64_t)rows * cols, n = part * n_names;
    float *v = malloc(n * sizeof(*v));
    if (!v) {
        return out_of_memory(ld, names[0]);
    }
    vkgpt_status_t st = VKGPT_OK;
    for (uint32_t i = 0; i < n_names && st == VKGPT_OK; i++) {
        const vkgpt__tensor_view_t *t;
        st = vkgpt__weights_require(ld->w, names[i], 2, shape, &t, ld->err);
        if (st == VKGPT_OK) {
            vkgpt__tensor_to_f32(t, v + i * part);
        }
    }

    vkgpt__classifier_t *c = ld->c;
    *out = (vkgpt__matrix_t){.type = c->wtype, .rows = rows * n_names, .cols = cols};
    uint64_t bytes = vkgpt__matrix_bytes(c->wtype, out->rows, cols);
    if (st == VKGPT_OK && c->wtype == VKGPT__WTYPE_F16) {
        /* Narrow in place: the f16 values fit in the first half of the f32 array. */
        uint16_t *half = (uint16_t *)v;
        for (uint64_t i = 0; i < n; i++) {
            half[i] = vkgpt__f32_to_f16(v[i]);
        }
        if (n % 2) {
            half[n] = 0;
        }
    }
    if (st == VKGPT_OK) {
        st = vkgpt__arena_alloc(c->arena, bytes, &out->buf, names[0]);
    }
    if (st == VKGPT_OK) {
        st = vkgpt__buffer_upload(c->dev, &out->buf, 0, v, bytes);
    }
    free(v);
    return st;
}

/* tblocks.<i>.<parts[j]>, stacked as upload_matrix() does. */
static vkgpt_status_t block_matrix(loader_t *ld, uint32_t i, const char *const *parts,
                                   uint32_t n_parts, uint32_t rows, uint32_t cols,
                                   vkgpt__matrix_t *out) {
    char names[3][96];
    const char *ptrs[3];
    for (uint32_t j = 0; j < n_parts && j < 3; j++) {
        snprintf(names[j], sizeof(names[j]), "tblocks.%u.%s", i, parts[j]);
        ptrs[j] = names[j];
    }
    return upload_matrix(ld, ptrs, n_parts, rows, cols, out);
}

static vkgpt_status_t load_block(loader_t *ld, uint32_t i) {
    static const char *const qkv[3] = {"attention.toqueries.weight", "attention.tokeys.weight",
                                       "attention.tovalues.weight"};
    static const char *const unify[1] = {"attention.unifyheads.weight"};
    static const char *const ff1[1] = {"ff.0.weight"}, *const ff2[1] = {"ff.2.weight"};
    vkgpt__classifier_t *c = ld->c;
    vkgpt__cls_block_t *b = &c->blocks[i];
    uint32_t k = c->hp.k, inner = c->hp.heads * c->head_dim;

    vkgpt_status_t st = block_matrix(ld, i, qkv, 3, inner, k, &b->qkv_w);
    if (st == VKGPT_OK) {
        st = block_matrix(ld, i, unify, 1, k, inner, &b->unify_w);
    }
    if (st == VKGPT_OK) {
        st = block_matrix(ld, i, ff1, 1, 4 * k, k, &b->ff1_w);
    }
    if (st == VKGPT_OK) {
        st = block_matrix(ld, i, ff2, 1, k, 4 * k, &b->ff2_w);
    }

    struct {
        const char *part;
        uint64_t n;
        vkgpt__buffer_t *dst;
    } vectors[] = {{"attention.unifyheads.bias", k, &b->unify_b},
                   {"norm1.weight", k, &b->norm1_g},
                   {"norm1.bias", k, &b->norm1_b},
                   {"ff.0.bias", 4 * (uint64_t)k, &b->ff1_b},
                   {"ff.2.bias", k, &b->ff2_b},
                   {"norm2.weight", k, &b->norm2_g},
                   {"norm2.bias", k, &b->norm2_b}};
    for (size_t j = 0; st == VKGPT_OK && j < VKGPT__ARRAY_LEN(vectors); j++) {
        char name[96];
        snprintf(name, sizeof(name), "tblocks.%u.%s", i, vectors[j].part);
        st = upload_vector(ld, name, vectors[j].n, vectors[j].dst);
    }
    return st;
}

/* A checkpoint with more blocks than the config's depth was most likely given the wrong
 * config: refuse it rather than run a truncated model. */
static vkgpt_status_t check_depth(loader_t *ld) {
    for (size_t i = 0; i < vkgpt__weights_count(ld->w); i++) {
        const char *name = vkgpt__weights_at(ld->w, i)->name;
        unsigned long block;
        char *end;
        if (strncmp(name, "tblocks.", 8) != 0) {
            continue;
        }
        block = strtoul(name + 8, &end, 10);
        if (end != name + 8 && *end == '.' && block >= ld->c->hp.depth) {
            return vkgpt__error_set(ld->err, VKGPT_ERR_BAD_FORMAT,
                                    "%s: tensor '%s' is past the config's depth %u",
                                    vkgpt__weights_path(ld->w), name, ld->c->hp.depth);
        }
    }
    return VKGPT_OK;
}

/* The attention layout from the first block's query projection: [heads * k][k] is wide,
 * [k][k] narrow (one head makes the two the same). A config that names the layout is
 * checked against the shapes tensor by tensor instead. */
static vkgpt_status_t detect_layout(loader_t *ld) {
    vkgpt__cls_hparams_t *hp = &ld->c->hp;
    const char *name = "tblocks.0.attention.toqueries.weight";
    const vkgpt__tensor_view_t *t = vkgpt__weights_find(ld->w, name);
    if (hp->layout != VKGPT__CLS_LAYOUT_AUTO || !t) {
        return VKGPT_OK; /* a missing tensor is reported by name when it is read */
    }
    uint64_t k = hp->k, rows = t->rank == 2 ? t->shape[0] : 0;
    if (t->rank == 2 && t->shape[1] == k && rows == hp->heads * k) {
        hp->layout = VKGPT__CLS_LAYOUT_WIDE;
    } else if (t->rank == 2 && t->shape[1] == k && rows == k && k % hp->heads == 0) {
        hp->layout = VKGPT__CLS_LAYOUT_NARROW;
    } else {
        return vkgpt__error_set(ld->err, VKGPT_ERR_BAD_FORMAT,
                                "%s: tensor '%s' has shape [%llu, %llu]; with k %u and heads "
                                "%u it must be [%llu, %u] (wide) or [%u, %u] (narrow, k "
                                "divisible by heads)", vkgpt__weights_path(ld->w), name,
                                (unsigned long long)t->shape[0],
                                (unsigned long long)(t->rank > 1 ? t->shape[1] : 0), hp->k,
                                hp->heads, (unsigned long long)hp->heads * k, hp->k, hp->k,
                                hp->k);
    }
    return VKGPT_OK;
}

static vkgpt_status_t load_tensors(loader_t *ld) {
    vkgpt__classifier_t *c = ld->c;
    const vkgpt__cls_hparams_t *hp = &c->hp;
    const char *tok[1] = {"token_emb.weight"}, *pos[1] = {"pos_emb.weight"};
    const char *probs[1] = {"toprobs.weight"};
    vkgpt_status_t st = upload_matrix(ld, tok, 1, hp->num_tokens, hp->k, &c->token_emb);
    if (st == VKGPT_OK) {
        st = upload_matrix(ld, pos, 1, hp->seq_length, hp->k, &c->pos_emb);
    }
    for (uint32_t i = 0; st == VKGPT_OK && i < hp->depth; i++) {
        st = load_block(ld, i);
    }
    if (st == VKGPT_OK) {
        st = upload_matrix(ld, probs, 1, hp->num_classes, hp->k, &c->toprobs_w);
    }
    if (st == VKGPT_OK) {
        st = upload_vector(ld, "toprobs.bias", hp->num_classes, &c->toprobs_b);
    }
    return st;
}

/* Sizes the kernels accept, checked here so that the message names the model. */
static vkgpt_status_t check_limits(vkgpt__classifier_t *c, vkgpt__error_t *err) {
    if (c->head_dim > 256) {
        return vkgpt__error_set(err, VKGPT_ERR_UNSUPPORTED,
                                "%s: heads of %u dimensions; the attention kernel takes at "
                                "most 256", c->source, c->head_dim);
    }
    uint64_t inner = (uint64_t)c->hp.heads * c->head_dim;
    if (3 * inner > UINT32_MAX / 4) {
        return vkgpt__error_set(err, VKGPT_ERR_UNSUPPORTED, "%s: heads * head size %llu is "
                                "too large", c->source, (unsigned long long)inner);
    }
    return VKGPT_OK;
}

static vkgpt_status_t load_weights(vkgpt__classifier_t *c, vkgpt__error_t *err) {
    loader_t ld = {c, NULL, err};
    vkgpt_status_t st = vkgpt__weights_open(c->source, &ld.w, err);
    if (st == VKGPT_OK) {
        st = detect_layout(&ld);
    }
    if (st == VKGPT_OK) {
        st = check_depth(&ld);
    }
    if (st == VKGPT_OK && c->hp.layout == VKGPT__CLS_LAYOUT_AUTO) {
        c->hp.layout = VKGPT__CLS_LAYOUT_WIDE; /* only reached when the tensor is missing */
    }
    c->head_dim = vkgpt__cls_head_dim(&c->hp);
    if (st == VKGPT_OK) {
        st = check_limits(c, err);
    }
    if (st == VKGPT_OK) {
        st = vkgpt__arena_create(c->dev, ARENA_BLOCK_BYTES, &c->arena);
        if (st != VKGPT_OK) {
            vkgpt__error_set(err, st, "%s", c->dev->error.message);
        }
    }
    if (st == VKGPT_OK) {
        vkgpt__error_clear(&c->dev->error);
        st = load_tensors(&ld);
        if (st != VKGPT_OK && c->dev->error.status != VKGPT_OK) {
            vkgpt__error_set(err, st, "%s: %s", c->source, c->dev->error.message);
        }
    }
    vkgpt__weights_close(ld.w);
    return st;
}

static vkgpt_status_t load_tokenizer(vkgpt__classifier_t *c, const char *plugin,
                                     vkgpt__error_t *err) {
    vkgpt_tokenizer_params_t tp;
    vkgpt_tokenizer_params_init(&tp);
    tp.folder = c->source;
    tp.plugin = plugin ? plugin : c->hp.tokenizer_plugin ? c->hp.tokenizer_plugin : "bpe";
    if (vkgpt_tokenizer_load(&tp, &c->tokenizer) != VKGPT_OK) {
        return vkgpt__error_set(err, VKGPT_ERR_CONFIG, "%s: loading its tokenizer: %s",
                                c->source, vkgpt_tokenizer_error());
    }
    size_t n = vkgpt_tokenizer_vocab_size(c->tokenizer);
    if (n > c->hp.num_tokens) {
        return vkgpt__error_set(err, VKGPT_ERR_CONFIG,
                                "%s: the tokenizer makes ids up to %zu, past the model's "
                                "num_tokens %u", c->source, n - 1, c->hp.num_tokens);
    }
    return VKGPT_OK;
}

VKGPT_API void vkgpt_classifier_params_init(vkgpt_classifier_params_t *params) {
    if (params) {
        memset(params, 0, sizeof(*params));
        params->struct_size = sizeof(*params);
        params->weight_type = VKGPT_WEIGHT_TYPE_F32;
    }
}

static vkgpt_status_t classifier_build(vkgpt__classifier_t *c, const vkgpt_classifier_params_t *p,
                                       vkgpt__error_t *err) {
    struct stat sb;
    if (stat(c->source, &sb) != 0) {
        return vkgpt__error_set(err, VKGPT_ERR_IO, "%s: %s", c->source, strerror(errno));
    }
    if (!S_ISDIR(sb.st_mode)) {
        return vkgpt__error_set(err, VKGPT_ERR_IO, "%s: not a folder (a classifier is a folder "
                                "with config.json, its weights and tokenizer files)", c->source);
    }
    vkgpt_status_t st = vkgpt__cls_hparams_load(c->source, &c->hp, err);
    if (st != VKGPT_OK) {
        return st;
    }
    c->blocks = calloc(c->hp.depth, sizeof(*c->blocks));
    if (!c->blocks) {
        return vkgpt__error_set(err, VKGPT_ERR_OUT_OF_HOST_MEMORY, "allocating blocks");
    }
    st = load_weights(c, err);
    if (st == VKGPT_OK && !(p->flags & VKGPT_CLASSIFIER_FLAG_NO_TOKENIZER)) {
        st = load_tokenizer(c, p->tokenizer_plugin, err);
    }
    if (st == VKGPT_OK) {
        st = vkgpt__cls_buffers_create(c);
        if (st != VKGPT_OK) {
            vkgpt__error_set(err, st, "%s: %s", c->source, c->dev->error.message);
        }
    }
    if (st == VKGPT_OK) {
        VKGPT_LOGI("loaded classifier %s: %u blocks, %s attention, %u classes, %s weights",
                   c->source, c->hp.depth,
                   c->hp.layout == VKGPT__CLS_LAYOUT_NARROW ? "narrow" : "wide",
                   c->hp.num_classes, vkgpt__wtype_name(c->wtype));
    }
    return st;
}

VKGPT_API vkgpt_status_t vkgpt_classifier_load(vkgpt_device_t *dev, const char *path,
                                               const vkgpt_classifier_params_t *params,
                                               vkgpt_classifier_t **out) {
    vkgpt__error_t err;
    vkgpt__error_clear(&err);
    if (out) {
        *out = NULL;
    }
    if (!dev || !path || !out) {
        vkgpt__error_set(&err, VKGPT_ERR_INVALID_ARGUMENT,
                         "vkgpt_classifier_load: NULL argument");
        return vkgpt__thread_error_set(&err);
    }
    vkgpt_classifier_params_t p;
    vkgpt_classifier_params_init(&p);
    if (params) {
        memcpy(&p, params, params->struct_size < sizeof(p) ? params->struct_size : sizeof(p));
    }
    vkgpt__classifier_t *c = calloc(1, sizeof(*c));
    if (!c) {
        vkgpt__error_set(&err, VKGPT_ERR_OUT_OF_HOST_MEMORY, "allocating a classifier");
        return vkgpt__thread_error_set(&err);
    }
    c->dev = dev;
    c->wtype = p.weight_type == VKGPT_WEIGHT_TYPE_F16 ? VKGPT__WTYPE_F16 : VKGPT__WTYPE_F32;
    snprintf(c->source, sizeof(c->source), "%s", path);
    if (strlen(path) >= sizeof(c->source)) {
        vkgpt__error_set(&err, VKGPT_ERR_INVALID_ARGUMENT, "a path of %zu bytes is too long",
                         strlen(path));
        vkgpt_classifier_destroy(c);
        return vkgpt__thread_error_set(&err);
    }
    if (classifier_build(c, &p, &err) != VKGPT_OK) {
        vkgpt_classifier_destroy(c);
        return vkgpt__thread_error_set(&err);
    }
    *out = c;
    return VKGPT_OK;
}

VKGPT_API void vkgpt_classifier_destroy(vkgpt_classifier_t *c) {
    if (!c) {
        return;
    }
    vkgpt__cls_buffers_destroy(c);
    vkgpt__arena_destroy(c->arena);
    vkgpt_tokenizer_destroy(c->tokenizer);
    vkgpt__cls_hparams_free(&c->hp);
    free(c->blocks);
    free(c);
}

VKGPT_API uint32_t vkgpt_classifier_n_classes(const vkgpt_classifier_t *c) {
    return c ? c->hp.num_classes : 0;
}

VKGPT_API uint32_t vkgpt_classifier_max_tokens(const vkgpt_classifier_t *c) {
    return c ? c->hp.seq_length : 0;
}

VKGPT_API uint32_t vkgpt_classifier_n_vocab(const vkgpt_classifier_t *c) {
    return c ? c->hp.num_tokens : 0;
}

VKGPT_API const char *vkgpt_classifier_label(const vkgpt_classifier_t *c, uint32_t index) {
    return c && index < c->hp.num_classes ? c->hp.labels[index] : NULL;
}

VKGPT_API vkgpt_tokenizer_t *vkgpt_classifier_tokenizer(vkgpt_classifier_t *c) {
    return c ? c->tokenizer : NULL;
}

VKGPT_API const char *vkgpt_classifier_last_error(const vkgpt_classifier_t *c) {
    return c ? c->error.message : "";
}
