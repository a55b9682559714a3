/* ref.h: the CPU reference of every operation, in plain loops with double accumulation. It is
 * the oracle for the op tests and for `vkgpt selftest`, so it favours obviousness over speed.
 * Weights are passed as f32 values (f16 weights already widened), so a comparison measures the
 * kernel's arithmetic, not the rounding of its inputs. */
#ifndef VKGPT_OPS_REF_H
#define VKGPT_OPS_REF_H

#include <stddef.h>
#include <stdint.h>

#include "ops/params.h"

void vkgpt__ref_add(const float *a, const float *b, float *y, size_t n);
void vkgpt__ref_gelu(const float *x, float *y, size_t n);
void vkgpt__ref_relu(const float *x, float *y, size_t n);

/* x, y: [rows][cols]; gamma, beta: [cols]. */
void vkgpt__ref_layernorm(const float *x, const float *gamma, const float *beta, float *y,
                          size_t rows, size_t cols, float eps);

/* x, y: [p->rows][p->cols]. */
void vkgpt__ref_softmax(const float *x, float *y, const vkgpt__push_softmax_t *p);
void vkgpt__ref_log_softmax(const float *x, float *y, size_t rows, size_t cols);

/* y[i][y_col0 + j] = Σ_k x[i][k]·w[j][k] + bias[j]; x: [m][k], w: [n][k], bias: [n] or NULL. */
void vkgpt__ref_linear(const float *x, const float *w, const float *bias, float *y, size_t m,
                       size_t n, size_t k, size_t y_stride, size_t y_col0);

/* y[t] = wte[ids[t]] + wpe[slots[t].pos]; y: [n_tokens][n_embd]. */
void vkgpt__ref_embed(const uint32_t *ids, const float *wte, const float *wpe,
                      const vkgpt__token_slot_t *slots, float *y, size_t n_tokens, size_t n_embd);

/* Attention with the layout of vkgpt__push_attention_t and the token table slots. */
void vkgpt__ref_attention(const float *q, const float *k, const float *v, float *y,
                          const vkgpt__token_slot_t *slots, const vkgpt__push_attention_t *p);

/* x: [batch][max_tokens][n_embd]; y: [batch][n_embd]. */
void vkgpt__ref_gap(const float *x, const uint32_t *lengths, float *y, size_t batch,
                    size_t max_tokens, size_t n_embd);

#endif
