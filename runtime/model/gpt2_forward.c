/* gpt2_forward.c: recording GPT-2's forward pass, as Hugging Face's GPT2LMHeadModel computes
 * it: token + position embedding; per block x += attn(ln_1(x)), x += mlp(ln_2(x)); ln_f; the
 * LM head. Shapes are per pass: T = n_tokens new positions, C = n_embd, I = n_inner. */
#include <math.h>

#include "model/gpt2.h"

static vkgpt__range_t whole(const vkgpt__buffer_t *b) {
    return vkgpt__range_of(b);
}

vkgpt_status_t vkgpt__gpt2_record_embed(vkgpt__cmd_t *cmd, const vkgpt__model_t *m,
                                        const vkgpt__gpt2_buffers_t *b, uint32_t n_tokens) {
    return vkgpt__op_embed(cmd, whole(&b->ids), &m->wte, &m->wpe, whole(&b->table),
                           whole(&b->x), n_tokens);
}

static vkgpt_status_t record_attention(vkgpt__cmd_t *cmd, const vkgpt__model_t *m,
                                       const vkgpt__gpt2_buffers_t *b,
                                       const vkgpt__gpt2_layer_t *l, uint32_t layer,
                                       uint32_t t) {
    uint32_t c = m->hp.n_embd, heads = m->hp.n_head;
    vkgpt__range_t bias = whole(&l->attn_b);

    /* qkv[T][3C] = ln_1(x) · c_attn: queries, keys, values side by side, as HF splits them. */
    vkgpt_status_t st = vkgpt__op_layernorm(cmd, whole(&b->x), whole(&l->ln_1_g),
                                            whole(&l->ln_1_b), whole(&b->h), t, c,
                                            (float)m->hp.layer_norm_epsilon);
    if (st == VKGPT_OK) {
        st = vkgpt__op_linear(cmd, whole(&b->h), &l->attn_w, &bias, whole(&b->qkv), t, 3 * c, 0,
                              VKGPT__LINEAR_AUTO);
    }

    /* Keys and values join each token's cache row at its position (the token table); queries
     * attend over their own row. */
    vkgpt__push_kv_store_t kv = {t, c, 3 * c, c, 2 * c, b->n_ctx};
    if (st == VKGPT_OK) {
        st = vkgpt__op_kv_store(cmd, whole(&b->qkv), whole(&b->table), whole(&b->k_cache[layer]),
                                whole(&b->v_cache[layer]), &kv);
    }
    vkgpt__push_attention_t att = {
        .n_tokens = t, .n_head = heads, .head_dim = c / heads, .q_stride = 3 * c, .q_col = 0,
        .kv_stride = c, .k_col = 0, .v_col = 0, .y_stride = c, .causal = 1,
        .scale = 1.0f / sqrtf((float)(c / heads)), .n_ctx = b->n_ctx,
    };
    if (st == VKGPT_OK) {
        st = vkgpt__op_attention(cmd, whole(&b->qkv), whole(&b->k_cache[layer]),
                                 whole(&b->v_cache[layer]), whole(&b->table), whole(&b->att),
                                 &att, b->n_ctx);
    }

    /* x += att · c_proj */
    vkgpt__range_t proj_b = whole(&l->attn_proj_b);
    if (st == VKGPT_OK) {
        st = vkgpt__op_linear(cmd, whole(&b->att), &l->attn_proj_w, &proj_b, whole(&b->h), t, c,
                              0, VKGPT__LINEAR_AUTO);
    }
    if (st == VKGPT_OK) {
        st = vkgpt__op_add(cmd, whole(&b->x), whole(&b->h), whole(&b->x), t * c);
    }
    return st;
}

static vkgpt_status_t record_mlp(vkgpt__cmd_t *cmd, const vkgpt__model_t *m,
                                 const vkgpt__gpt2_buffers_t *b, const vkgpt__gpt2_layer_t *l,
                                 uint32_t t) {
    uint32_t c = m->hp.n_embd, inner = m->hp.n_inner;
    vkgpt__range_t fc_b = whole(&l->fc_b), proj_b = whole(&l->mlp_proj_b);

    vkgpt_status_t st = vkgpt__op_layernorm(cmd, whole(&b->x), whole(&l->ln_2_g),
                                            whole(&l->ln_2_b), whole(&b->h), t, c,
                                            (float)m->hp.layer_norm_epsilon);
    if (st == VKGPT_OK) {
        st = vkgpt__op_linear(cmd, whole(&b->h), &l->fc_w, &fc_b, whole(&b->mlp), t, inner, 0,
                              VKGPT__LINEAR_AUTO);
    }
    if (st == VKGPT_OK) {
        st = m->hp.activation == VKGPT__ACT_RELU
                 ? vkgpt__op_relu(cmd, whole(&b->mlp), whole(&b->mlp), t * inner)
                 : vkgpt__op_gelu(cmd, whole(&b->mlp), whole(&b->mlp), t * inner);
    }
    if (st == VKGPT_OK) {
        st = vkgpt__op_linear(cmd, whole(&b->mlp), &l->mlp_proj_w, &proj_b, whole(&b->h), t, c,
                              0, VKGPT__LINEAR_AUTO);
    }
    if (st == VKGPT_OK) {
        st = vkgpt__op_add(cmd, whole(&b->x), whole(&b->h), whole(&b->x), t * c);
    }
    return st;
}

vkgpt_status_t vkgpt__gpt2_record_block(vkgpt__cmd_t *cmd, const vkgpt__model_t *m,
                                        const vkgpt__gpt2_buffers_t *b, uint32_t layer,
                                        uint32_t n_tokens) {
    const vkgpt__gpt2_layer_t *l = &m->layers[layer];
    vkgpt_status_t st = record_attention(cmd, m, b, l, layer, n_tokens);
    if (st == VKGPT_OK) {
        st = record_mlp(cmd, m, b, l, n_tokens);
    }
    return st;
}

vkgpt_status_t vkgpt__gpt2_record_head(vkgpt__cmd_t *cmd, const vkgpt__model_t *m,
                                       const vkgpt__gpt2_buffers_t *b, uint32_t first,
                                       uint32_t n_out) {
    uint32_t c = m->hp.n_embd;
    VkDeviceSize row = (VkDeviceSize)c * 4;

    /* Only the wanted positions go through ln_f and the LM head (for a prompt, the last one).
     * They are copied out first: a copy has no offset-alignment rule, a storage binding at row
     * `first` would. */
    vkgpt_status_t st = vkgpt__cmd_copy(cmd, b->x.buffer, (VkDeviceSize)first * row,
                                        b->head_in.buffer, 0, (VkDeviceSize)n_out * row);
    if (st == VKGPT_OK) {
        st = vkgpt__op_layernorm(cmd, whole(&b->head_in), whole(&m->ln_f_g), whole(&m->ln_f_b),
                                 whole(&b->head_norm), n_out, c,
                                 (float)m->hp.layer_norm_epsilon);
    }
    if (st == VKGPT_OK) {
        st = vkgpt__op_linear(cmd, whole(&b->head_norm), &m->lm_head, NULL, whole(&b->logits),
                              n_out, m->lm_head.rows, 0, VKGPT__LINEAR_AUTO);
    }
    return st;
}
