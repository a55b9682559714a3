/* gpt2_ref.c: the CPU reference forward pass. Shapes: T tokens, C = n_embd, I = n_inner. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gpt2_ref.h"
#include "ops/ref.h"

typedef struct ref_model {
    vkgpt__weights_t *w;
    vkgpt__gpt2_hparams_t hp;
    vkgpt__error_t *err;
} ref_model_t;

/* A tensor as f32 (malloc'ed); for Conv1D weights [in][out], transposed to [out][in]. */
static float *tensor(ref_model_t *m, const char *name, bool conv1d) {
    const vkgpt__tensor_view_t *t = vkgpt__weights_find_gpt2(m->w, name);
    if (!t) {
        vkgpt__error_set(m->err, VKGPT_ERR_BAD_FORMAT, "missing %s", name);
        return NULL;
    }
    float *v = malloc(t->numel * sizeof(float));
    vkgpt__tensor_to_f32(t, v);
    if (conv1d && t->rank == 2) {
        size_t rows = t->shape[0], cols = t->shape[1];
        float *tr = malloc(t->numel * sizeof(float));
        for (size_t r = 0; r < rows; r++) {
            for (size_t c = 0; c < cols; c++) {
                tr[c * rows + r] = v[r * cols + c];
            }
        }
        free(v);
        v = tr;
    }
    return v;
}

static float *layer_tensor(ref_model_t *m, uint32_t layer, const char *suffix, bool conv1d) {
    char name[96];
    snprintf(name, sizeof(name), "h.%u.%s", layer, suffix);
    return tensor(m, name, conv1d);
}

static void block(ref_model_t *m, uint32_t l, float *x, const vkgpt__token_slot_t *slots,
                  size_t t) {
    size_t c = m->hp.n_embd, inner = m->hp.n_inner, heads = m->hp.n_head;
    float eps = (float)m->hp.layer_norm_epsilon;
    float *ln1g = layer_tensor(m, l, "ln_1.weight", false);
    float *ln1b = layer_tensor(m, l, "ln_1.bias", false);
    float *aw = layer_tensor(m, l, "attn.c_attn.weight", true);
    float *ab = layer_tensor(m, l, "attn.c_attn.bias", false);
    float *pw = layer_tensor(m, l, "attn.c_proj.weight", true);
    float *pb = layer_tensor(m, l, "attn.c_proj.bias", false);
    float *ln2g = layer_tensor(m, l, "ln_2.weight", false);
    float *ln2b = layer_tensor(m, l, "ln_2.bias", false);
    float *fw = layer_tensor(m, l, "mlp.c_fc.weight", true);
    float *fb = layer_tensor(m, l, "mlp.c_fc.bias", false);
    float *mw = layer_tensor(m, l, "mlp.c_proj.weight", true);
    float *mb = layer_tensor(m, l, "mlp.c_proj.bias", false);

    float *h = malloc(t * c * sizeof(float)), *qkv = malloc(t * 3 * c * sizeof(float));
    float *att = malloc(t * c * sizeof(float)), *hid = malloc(t * inner * sizeof(float));

    vkgpt__ref_layernorm(x, ln1g, ln1b, h, t, c, eps);
    vkgpt__ref_linear(h, aw, ab, qkv, t, 3 * c, c, 3 * c, 0);
    vkgpt__push_attention_t p = {
        .n_tokens = (uint32_t)t, .n_head = (uint32_t)heads, .head_dim = (uint32_t)(c / heads),
        .q_stride = (uint32_t)(3 * c), .q_col = 0, .kv_stride = (uint32_t)(3 * c),
        .k_col = (uint32_t)c, .v_col = (uint32_t)(2 * c), .y_stride = (uint32_t)c, .causal = 1,
        .scale = (float)(1.0 / sqrt((double)(c / heads))), .n_ctx = (uint32_t)t,
    };
    vkgpt__ref_attention(qkv, qkv, qkv, att, slots, &p);
    vkgpt__ref_linear(att, pw, pb, h, t, c, c, c, 0);
    vkgpt__ref_add(x, h, x, t * c);

    vkgpt__ref_layernorm(x, ln2g, ln2b, h, t, c, eps);
    vkgpt__ref_linear(h, fw, fb, hid, t, inner, c, inner, 0);
    vkgpt__ref_gelu(hid, hid, t * inner);
    vkgpt__ref_linear(hid, mw, mb, h, t, c, inner, c, 0);
    vkgpt__ref_add(x, h, x, t * c);

    float *all[] = {ln1g, ln1b, aw, ab, pw, pb, ln2g, ln2b, fw, fb, mw, mb, h, qkv, att, hid};
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
        free(all[i]);
    }
}

vkgpt_status_t gpt2_ref_logits(const char *model_dir, const int32_t *ids, size_t n,
                               float *logits, vkgpt__error_t *err) {
    ref_model_t m = {.err = err};
    vkgpt_status_t st = vkgpt__gpt2_hparams_load(model_dir, &m.hp, NULL, err);
    if (st == VKGPT_OK) {
        st = vkgpt__weights_open(model_dir, &m.w, err);
    }
    if (st != VKGPT_OK) {
        return st;
    }
    size_t c = m.hp.n_embd, v = m.hp.vocab_size;
    float *wte = tensor(&m, "wte.weight", false), *wpe = tensor(&m, "wpe.weight", false);
    float *x = malloc(n * c * sizeof(float));
    uint32_t *uids = malloc(n * sizeof(uint32_t));
    for (size_t i = 0; i < n; i++) {
        uids[i] = (uint32_t)ids[i];
    }
    vkgpt__token_slot_t *slots = malloc(n * sizeof(*slots));
    for (size_t i = 0; i < n; i++) {
        slots[i] = (vkgpt__token_slot_t){(uint32_t)i, 0};
    }
    vkgpt__ref_embed(uids, wte, wpe, slots, x, n, c);
    for (uint32_t l = 0; l < m.hp.n_layer; l++) {
        block(&m, l, x, slots, n);
    }

    float *g = tensor(&m, "ln_f.weight", false), *b = tensor(&m, "ln_f.bias", false);
    float *last = malloc(c * sizeof(float));
    vkgpt__ref_layernorm(x + (n - 1) * c, g, b, last, 1, c, (float)m.hp.layer_norm_epsilon);
    float *head = vkgpt__weights_find(m.w, "lm_head.weight") ? tensor(&m, "lm_head.weight", false)
                                                              : wte;
    vkgpt__ref_linear(last, head, NULL, logits, 1, v, c, v, 0);

    if (head != wte) {
        free(head);
    }
    free(wte);
    free(wpe);
    free(x);
    free(uids);
    free(slots);
    free(g);
    free(b);
    free(last);
    vkgpt__weights_close(m.w);
    return VKGPT_OK;
}
