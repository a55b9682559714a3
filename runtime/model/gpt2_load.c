/* gpt2_load.c: a GPT-2 model from a Hugging Face folder, or from a size preset with seeded
 * random weights, onto the device. Tensors are converted to f32 on the host one at a time,
 * transposed where the checkpoint stores Conv1D [in][out], narrowed to the device weight type
 * and uploaded; the file mapping is released when the last tensor is on the device, so peak
 * host memory stays near the model's size plus its largest tensor. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format/weights.h"
#include "model/session.h"
#include "ops/half.h"

#define ARENA_BLOCK_BYTES (256ull << 20)

/* Where tensors come from: a checkpoint, or a seeded generator. */
typedef struct source {
    vkgpt__weights_t *weights; /* NULL: random */
    uint64_t rng;
    vkgpt__error_t *err;
} source_t;

/* A uniform draw in [-√3, √3): mean 0, variance 1, like the N(0, 1) of GPT-2's initialisation
 * but without a logarithm per weight; the speed of a forward pass does not depend on the
 * shape of the distribution, and a GPT-2 XL preset needs 1.5 billion draws. */
static double unit_noise(source_t *s) {
    uint64_t z = (s->rng += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    return ((double)(z >> 11) / 9007199254740992.0 * 2.0 - 1.0) * 1.7320508075688772;
}

typedef enum fill_kind { FILL_WEIGHT, FILL_GAIN, FILL_BIAS } fill_kind_t;

/* Reads tensor `name` of the given shape as f32 into dst, or fills it randomly (GPT-2's
 * initialisation scale: weights and biases of standard deviation 0.02, gains near 1). */
static vkgpt_status_t fetch(source_t *s, const char *name, uint32_t rank, const uint64_t *shape,
                            fill_kind_t kind, float *dst) {
    uint64_t n = 1;
    for (uint32_t i = 0; i < rank; i++) {
        n *= shape[i];
    }
    if (!s->weights) {
        for (uint64_t i = 0; i < n; i++) {
            double g = unit_noise(s);
            dst[i] = (float)(kind == FILL_GAIN ? 1.0 + 0.1 * g : 0.02 * g);
        }
        return VKGPT_OK;
    }
    const vkgpt__tensor_view_t *t;
    vkgpt_status_t st = vkgpt__weights_require(s->weights, name, rank, shape, &t, s->err);
    if (st == VKGPT_OK) {
        vkgpt__tensor_to_f32(t, dst);
    }
    return st;
}

static vkgpt_status_t upload_vector(vkgpt__model_t *m, source_t *s, const char *name,
                                    uint64_t n, fill_kind_t kind, vkgpt__buffer_t *out) {
    float *v = malloc(n * sizeof(*v));
    if (!v) {
        return vkgpt__error_set(s->err, VKGPT_ERR_OUT_OF_HOST_MEMORY, "reading %s", name);
    }
    vkgpt_status_t st = fetch(s, name, 1, &n, kind, v);
    if (st == VKGPT_OK) {
        st = vkgpt__arena_alloc(m->arena, n * 4, out, name);
    }
    if (st == VKGPT_OK) {
        st = vkgpt__buffer_upload(m->dev, out, 0, v, n * 4);
    }
    free(v);
    return st;
}

static void transpose(const float *src, float *dst, uint64_t rows, uint64_t cols) {
    for (uint64_t r = 0; r < rows; r++) {
        for (uint64_t c = 0; c < cols; c++) {
            dst[c * rows + r] = src[r * cols + c];
        }
    }
}

/* Uploads a matrix as [out_dim][in_dim]. A Conv1D tensor is stored [in_dim][out_dim] in the
 * checkpoint and is transposed here. */
static vkgpt_status_t upload_matrix(vkgpt__model_t *m, source_t *s, const char *name,
                                    uint32_t out_dim, uint32_t in_dim, bool conv1d,
                                    vkgpt__matrix_t *out) {
    uint64_t n = (uint64_t)out_dim * in_dim;
    uint64_t shape[2] = {conv1d ? in_dim : out_dim, conv1d ? out_dim : in_dim};
    float *v = malloc(n * sizeof(*v));
    float *t = conv1d ? malloc(n * sizeof(*t)) : NULL;
    vkgpt_status_t st = (v && (t || !conv1d)) ? VKGPT_OK : VKGPT_ERR_OUT_OF_HOST_MEMORY;
    if (st != VKGPT_OK) {
        vkgpt__error_set(s->err, st, "reading %s (%llu floats)", name, (unsigned long long)n);
    }
    if (st == VKGPT_OK) {
        st = fetch(s, name, 2, shape, FILL_WEIGHT, v);
    }
    if (st == VKGPT_OK && conv1d) {
        transpose(v, t, in_dim, out_dim);
        float *swap = v;
        v = t, t = swap;
    }

    *out = (vkgpt__matrix_t){.type = m->wtype, .rows = out_dim, .cols = in_dim};
    uint64_t bytes = vkgpt__matrix_bytes(m->wtype, out_dim, in_dim);
    if (st == VKGPT_OK) {
        st = vkgpt__arena_alloc(m->arena, bytes, &out->buf, name);
    }
    if (st == VKGPT_OK && m->wtype == VKGPT__WTYPE_F16) {
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
        st = vkgpt__buffer_upload(m->dev, &out->buf, 0, v, bytes);
    }
    free(v);
    free(t);
    return st;
}

static vkgpt_status_t load_layer(vkgpt__model_t *m, source_t *s, uint32_t i) {
    uint32_t c = m->hp.n_embd, inner = m->hp.n_inner;
    vkgpt__gpt2_layer_t *l = &m->layers[i];
    char name[96];
    vkgpt_status_t st = VKGPT_OK;

#define NAME(suffix) (snprintf(name, sizeof(name), "h.%u.%s", i, suffix), name)
#define STEP(call)                                                                           \
    if (st == VKGPT_OK) {                                                                    \
        st = (call);                                                                         \
    }
    STEP(upload_vector(m, s, NAME("ln_1.weight"), c, FILL_GAIN, &l->ln_1_g));
    STEP(upload_vector(m, s, NAME("ln_1.bias"), c, FILL_BIAS, &l->ln_1_b));
    STEP(upload_matrix(m, s, NAME("attn.c_attn.weight"), 3 * c, c, true, &l->attn_w));
    STEP(upload_vector(m, s, NAME("attn.c_attn.bias"), 3 * (uint64_t)c, FILL_BIAS, &l->attn_b));
    STEP(upload_matrix(m, s, NAME("attn.c_proj.weight"), c, c, true, &l->attn_proj_w));
    STEP(upload_vector(m, s, NAME("attn.c_proj.bias"), c, FILL_BIAS, &l->attn_proj_b));
    STEP(upload_vector(m, s, NAME("ln_2.weight"), c, FILL_GAIN, &l->ln_2_g));
    STEP(upload_vector(m, s, NAME("ln_2.bias"), c, FILL_BIAS, &l->ln_2_b));
    STEP(upload_matrix(m, s, NAME("mlp.c_fc.weight"), inner, c, true, &l->fc_w));
    STEP(upload_vector(m, s, NAME("mlp.c_fc.bias"), inner, FILL_BIAS, &l->fc_b));
    STEP(upload_matrix(m, s, NAME("mlp.c_proj.weight"), c, inner, true, &l->mlp_proj_w));
    STEP(upload_vector(m, s, NAME("mlp.c_proj.bias"), c, FILL_BIAS, &l->mlp_proj_b));
#undef STEP
#undef NAME
    return st;
}

static vkgpt_status_t load_tensors(vkgpt__model_t *m, source_t *s,
                                   const vkgpt_model_params_t *p) {
    const vkgpt__gpt2_hparams_t *hp = &m->hp;
    vkgpt_status_t st = upload_matrix(m, s, "wte.weight", hp->vocab_size, hp->n_embd, false,
                                      &m->wte);
    if (st == VKGPT_OK) {
        st = upload_matrix(m, s, "wpe.weight", hp->n_positions, hp->n_embd, false, &m->wpe);
    }
    for (uint32_t i = 0; st == VKGPT_OK && i < hp->n_layer; i++) {
        st = load_layer(m, s, i);
        VKGPT_LOGI("loading %s: block %u of %u", m->source, i + 1, hp->n_layer);
        if (p->progress) {
            p->progress((float)(i + 1) / (float)(hp->n_layer + 1), p->progress_user_data);
        }
    }
    if (st == VKGPT_OK) {
        st = upload_vector(m, s, "ln_f.weight", hp->n_embd, FILL_GAIN, &m->ln_f_g);
    }
    if (st == VKGPT_OK) {
        st = upload_vector(m, s, "ln_f.bias", hp->n_embd, FILL_BIAS, &m->ln_f_b);
    }

    /* The LM head is tied to wte unless the checkpoint carries its own. A pytorch_model.bin of
     * a tied model stores lm_head.weight as a view of wte's storage: same bytes, kept once. */
    m->lm_head = m->wte;
    const vkgpt__tensor_view_t *head = s->weights ? vkgpt__weights_find(s->weights,
                                                                        "lm_head.weight")
                                                  : NULL;
    const vkgpt__tensor_view_t *wte = s->weights ? vkgpt__weights_find_gpt2(s->weights,
                                                                           "wte.weight")
                                                 : NULL;
    if (st == VKGPT_OK && head && !(wte && head->data == wte->data)) {
        st = upload_matrix(m, s, "lm_head.weight", hp->vocab_size, hp->n_embd, false,
                           &m->lm_head);
    }
    if (st == VKGPT_OK && p->progress) {
        p->progress(1.0f, p->progress_user_data);
    }
    return st;
}

static vkgpt_status_t resolve_hparams(const char *path, const vkgpt_model_params_t *p,
                                      vkgpt__gpt2_hparams_t *hp, vkgpt__error_t *err) {
    const vkgpt__gpt2_preset_t *preset = NULL;
    if (p->preset) {
        preset = vkgpt__gpt2_preset_find(p->preset);
        if (!preset) {
            return vkgpt__error_set(err, VKGPT_ERR_CONFIG, "unknown size preset \"%s\"",
                                    p->preset);
        }
    }
    if (!path) {
        if (!preset) {
            return vkgpt__error_set(err, VKGPT_ERR_INVALID_ARGUMENT,
                                    "a model needs a path or a size preset");
        }
        *hp = preset->hp;
        return VKGPT_OK;
    }
    vkgpt_status_t st = vkgpt__gpt2_hparams_load(path, hp, NULL, err);
    if (st == VKGPT_OK && preset) {
        st = vkgpt__gpt2_hparams_check_preset(hp, path, preset, err);
    }
    if (st == VKGPT_OK && hp->activation == VKGPT__ACT_GELU_ERF) {
        st = vkgpt__error_set(err, VKGPT_ERR_UNSUPPORTED,
                              "%s: activation_function \"gelu\" (the erf form) is not "
                              "implemented; GPT-2 and ruGPT-3 use \"gelu_new\"", path);
    }
    return st;
}

VKGPT_API void vkgpt_model_params_init(vkgpt_model_params_t *params) {
    if (params) {
        memset(params, 0, sizeof(*params));
        params->struct_size = sizeof(*params);
        params->weight_type = VKGPT_WEIGHT_TYPE_F32;
        params->seed = 1234;
    }
}

static vkgpt_status_t model_build(vkgpt__model_t *m, const char *path,
                                  const vkgpt_model_params_t *p, vkgpt__error_t *err) {
    vkgpt_status_t st = resolve_hparams(path, p, &m->hp, err);
    if (st != VKGPT_OK) {
        return st;
    }
    m->layers = calloc(m->hp.n_layer, sizeof(*m->layers));
    if (!m->layers) {
        return vkgpt__error_set(err, VKGPT_ERR_OUT_OF_HOST_MEMORY, "allocating layers");
    }
    st = vkgpt__arena_create(m->dev, ARENA_BLOCK_BYTES, &m->arena);
    if (st != VKGPT_OK) {
        return vkgpt__error_set(err, st, "%s", m->dev->error.message);
    }

    source_t src = {.rng = p->seed, .err = err};
    if (path) {
        st = vkgpt__weights_open(path, &src.weights, err);
        if (st != VKGPT_OK) {
            return st;
        }
    }
    vkgpt__error_clear(&m->dev->error);
    st = load_tensors(m, &src, p);
    if (st != VKGPT_OK && m->dev->error.status != VKGPT_OK) {
        /* A device failure (out of memory, lost device) was recorded on the device. */
        vkgpt__error_set(err, st, "%s", m->dev->error.message);
    }
    vkgpt__weights_close(src.weights);
    if (st == VKGPT_OK) {
        VKGPT_LOGI("loaded %s: %u layers, %llu MiB of %s weights on %s", m->source,
                   m->hp.n_layer, (unsigned long long)(vkgpt__arena_bytes(m->arena) >> 20),
                   vkgpt__wtype_name(m->wtype), m->dev->caps.name);
    }
    return st;
}

VKGPT_API void vkgpt_model_destroy(vkgpt_model_t *m) {
    if (!m) {
        return;
    }
    vkgpt__arena_destroy(m->arena);
    free(m->layers);
    free(m);
}

VKGPT_API vkgpt_status_t vkgpt_model_load(vkgpt_device_t *dev, const char *path,
                                          const vkgpt_model_params_t *params,
                                          vkgpt_model_t **out) {
    vkgpt__error_t err;
    vkgpt__error_clear(&err);
    if (!dev || !out) {
        vkgpt__error_set(&err, VKGPT_ERR_INVALID_ARGUMENT, "vkgpt_model_load: NULL argument");
        return vkgpt__thread_error_set(&err);
    }
    *out = NULL;
    vkgpt_model_params_t p;
    vkgpt_model_params_init(&p);
    if (params) {
        memcpy(&p, params, params->struct_size < sizeof(p) ? params->struct_size : sizeof(p));
    }

    vkgpt__model_t *m = calloc(1, sizeof(*m));
    if (!m) {
        vkgpt__error_set(&err, VKGPT_ERR_OUT_OF_HOST_MEMORY, "allocating a model");
        return vkgpt__thread_error_set(&err);
    }
    m->dev = dev;
    m->wtype = p.weight_type == VKGPT_WEIGHT_TYPE_F32 ? VKGPT__WTYPE_F32 : VKGPT__WTYPE_F16;
    snprintf(m->source, sizeof(m->source), "%s", path ? path : p.preset ? p.preset : "?");

    vkgpt_status_t st = model_build(m, path, &p, &err);
    if (st != VKGPT_OK) {
        vkgpt_model_destroy(m);
        return vkgpt__thread_error_set(&err);
    }
    *out = m;
    return VKGPT_OK;
}

VKGPT_API uint32_t vkgpt_model_n_layer(const vkgpt_model_t *m) {
    return m ? m->hp.n_layer : 0;
}

VKGPT_API uint32_t vkgpt_model_n_embd(const vkgpt_model_t *m) {
    return m ? m->hp.n_embd : 0;
}

VKGPT_API uint32_t vkgpt_model_n_head(const vkgpt_model_t *m) {
    return m ? m->hp.n_head : 0;
}

VKGPT_API uint32_t vkgpt_model_n_ctx(const vkgpt_model_t *m) {
    return m ? m->hp.n_positions : 0;
}

VKGPT_API uint32_t vkgpt_model_n_vocab(const vkgpt_model_t *m) {
    return m ? m->hp.vocab_size : 0;
}

VKGPT_API uint64_t vkgpt_model_weight_bytes(const vkgpt_model_t *m) {
    return m ? vkgpt__arena_bytes(m->arena) : 0;
}
