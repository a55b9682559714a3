/* params.h: push-constant blocks of the kernels, mirrored field for field in
 * shaders/include/params.glsl. The static assertions keep the two in step: std430 push blocks
 * of 32-bit scalars have no padding, so each field sits at 4 × its index. */
#ifndef VKGPT_OPS_PARAMS_H
#define VKGPT_OPS_PARAMS_H

#include <stddef.h>
#include <stdint.h>

typedef struct vkgpt__push_n {
    uint32_t n;
} vkgpt__push_n_t;

typedef struct vkgpt__push_rows {
    uint32_t rows;
    uint32_t cols;
} vkgpt__push_rows_t;

typedef struct vkgpt__push_layernorm {
    uint32_t rows;
    uint32_t cols;
    float eps;
} vkgpt__push_layernorm_t;

/* Row r's query sits at position q_offset + r % q_period and, when causal, sees columns
 * 0..that position; columns past it become 0 after the softmax. */
typedef struct vkgpt__push_softmax {
    uint32_t rows;
    uint32_t cols;
    float scale;
    uint32_t causal;
    uint32_t q_offset;
    uint32_t q_period;
} vkgpt__push_softmax_t;

/* Y[m][y_col0 + n] = sum_k X[m][k] * W[n][k] + bias[n] for n in [0, N): W and bias are the
 * bound chunk of a possibly larger matrix, Y rows are y_stride elements apart. */
typedef struct vkgpt__push_matmul {
    uint32_t m;
    uint32_t n;
    uint32_t k;
    uint32_t has_bias;
    uint32_t y_stride;
    uint32_t y_col0;
} vkgpt__push_matmul_t;

/* y[t] = wte[ids[t] - row0] + wpe[pos of t] for the tokens whose id lies in the bound chunk
 * [row0, row0 + rows); positions come from the token table. */
typedef struct vkgpt__push_embed {
    uint32_t n_tokens;
    uint32_t n_embd;
    uint32_t row0;
    uint32_t rows;
} vkgpt__push_embed_t;

/* Attention of n_tokens queries. Causal: query t, at position pos and cache row r of the token
 * table, sees keys 0..pos of row r, which start at key row r * n_ctx. Not causal: every query
 * sees keys 0..n_tokens-1 from key row 0 (the classifier's whole sequence). Element (key row j,
 * head h, dim d) of k is at k[j * kv_stride + k_col + h * head_dim + d]; q (by query), v and y
 * likewise. */
typedef struct vkgpt__push_attention {
    uint32_t n_tokens;
    uint32_t n_head;
    uint32_t head_dim;
    uint32_t q_stride;
    uint32_t q_col;
    uint32_t kv_stride;
    uint32_t k_col;
    uint32_t v_col;
    uint32_t y_stride;
    uint32_t causal;
    float scale;
    uint32_t max_keys;
    uint32_t n_ctx;
} vkgpt__push_attention_t;

/* Copies n_tokens rows of keys and values from src (at columns k_col and v_col, rows src_stride
 * apart) into the caches: token t, at position pos of cache row r in the token table, lands in
 * key row r * n_ctx + pos (n_embd elements per key row). */
typedef struct vkgpt__push_kv_store {
    uint32_t n_tokens;
    uint32_t n_embd;
    uint32_t src_stride;
    uint32_t k_col;
    uint32_t v_col;
    uint32_t n_ctx;
} vkgpt__push_kv_store_t;

/* y[b][c] = mean over t < lengths[b] of x[b][t][c]; x rows are max_tokens apart per batch. */
typedef struct vkgpt__push_gap {
    uint32_t batch;
    uint32_t max_tokens;
    uint32_t n_embd;
} vkgpt__push_gap_t;

/* The token table: for each token of a pass, its position and the cache row (sequence) it
 * belongs to. It lives in a host-visible buffer, so a recorded decode step is replayed for the
 * next position, and for other rows, by rewriting the table rather than the commands. */
typedef struct vkgpt__token_slot {
    uint32_t pos;
    uint32_t row;
} vkgpt__token_slot_t;

_Static_assert(sizeof(vkgpt__push_softmax_t) == 24, "push block layout");
_Static_assert(offsetof(vkgpt__push_attention_t, scale) == 40, "push block layout");
_Static_assert(sizeof(vkgpt__push_attention_t) == 52, "push block layout");
_Static_assert(sizeof(vkgpt__push_kv_store_t) == 24, "push block layout");
_Static_assert(sizeof(vkgpt__push_matmul_t) == 24, "push block layout");
_Static_assert(sizeof(vkgpt__token_slot_t) == 8, "token table layout");

#endif
