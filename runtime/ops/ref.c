/* ref.c: plain-loop CPU reference of each operation, accumulating in double. */
#include <math.h>
#include <stdlib.h>

#include "ops/ref.h"

void vkgpt__ref_add(const float *a, const float *b, float *y, size_t n) {
    for (size_t i = 0; i < n; i++) {
        y[i] = (float)((double)a[i] + (double)b[i]);
    }
}

void vkgpt__ref_gelu(const float *x, float *y, size_t n) {
    const double c = sqrt(2.0 / M_PI);
    for (size_t i = 0; i < n; i++) {
        double v = x[i];
        y[i] = (float)(0.5 * v * (1.0 + tanh(c * (v + 0.044715 * v * v * v))));
    }
}

void vkgpt__ref_relu(const float *x, float *y, size_t n) {
    for (size_t i = 0; i < n; i++) {
        y[i] = x[i] > 0.0f ? x[i] : 0.0f;
    }
}

void vkgpt__ref_layernorm(const float *x, const float *gamma, const float *beta, float *y,
                          size_t rows, size_t cols, float eps) {
    for (size_t r = 0; r < rows; r++) {
        const float *xr = x + r * cols;
        double mean = 0.0, var = 0.0;
        for (size_t c = 0; c < cols; c++) {
            mean += xr[c];
        }
        mean /= (double)cols;
        for (size_t c = 0; c < cols; c++) {
            var += (xr[c] - mean) * (xr[c] - mean);
        }
        var /= (double)cols;
        double inv_std = 1.0 / sqrt(var + eps);
        for (size_t c = 0; c < cols; c++) {
            y[r * cols + c] = (float)((xr[c] - mean) * inv_std * gamma[c] + beta[c]);
        }
    }
}

void vkgpt__ref_softmax(const float *x, float *y, const vkgpt__push_softmax_t *p) {
    for (size_t r = 0; r < p->rows; r++) {
        const float *xr = x + r * p->cols;
        size_t visible = p->cols;
        if (p->causal) {
            size_t q = p->q_offset + r % p->q_period;
            visible = q + 1 < p->cols ? q + 1 : p->cols;
        }
        double m = -INFINITY, s = 0.0;
        for (size_t c = 0; c < visible; c++) {
            m = fmax(m, (double)xr[c] * p->scale);
        }
        for (size_t c = 0; c < visible; c++) {
            s += exp((double)xr[c] * p->scale - m);
        }
        for (size_t c = 0; c < p->cols; c++) {
            y[r * p->cols + c] = c < visible ? (float)(exp((double)xr[c] * p->scale - m) / s)
                                             : 0.0f;
        }
    }
}

void vkgpt__ref_log_softmax(const float *x, float *y, size_t rows, size_t cols) {
    for (size_t r = 0; r < rows; r++) {
        const float *xr = x + r * cols;
        double m = -INFINITY, s = 0.0;
        for (size_t c = 0; c < cols; c++) {
            m = fmax(m, xr[c]);
        }
        for (size_t c = 0; c < cols; c++) {
            s += exp(xr[c] - m);
        }
        double log_sum = log(s) + m;
        for (size_t c = 0; c < cols; c++) {
            y[r * cols + c] = (float)(xr[c] - log_sum);
        }
    }
}

void vkgpt__ref_linear(const float *x, const float *w, const float *bias, float *y, size_t m,
                       size_t n, size_t k, size_t y_stride, size_t y_col0) {
    for (size_t i = 0; i < m; i++) {
        for (size_t j = 0; j < n; j++) {
            double s = bias ? bias[j] : 0.0;
            for (size_t c = 0; c < k; c++) {
                s += (double)x[i * k + c] * (double)w[j * k + c];
            }
            y[i * y_stride + y_col0 + j] = (float)s;
        }
    }
}

void vkgpt__ref_embed(const uint32_t *ids, const float *wte, const float *wpe,
                      const vkgpt__token_slot_t *slots, float *y, size_t n_tokens, size_t n_embd) {
    for (size_t t = 0; t < n_tokens; t++) {
        for (size_t c = 0; c < n_embd; c++) {
            y[t * n_embd + c] = (float)((double)wte[(size_t)ids[t] * n_embd + c] +
                                        (double)wpe[(size_t)slots[t].pos * n_embd + c]);
        }
    }
}

void vkgpt__ref_attention(const float *q, const float *k, const float *v, float *y,
                          const vkgpt__token_slot_t *slots, const vkgpt__push_attention_t *p) {
    size_t hd = p->head_dim;
    size_t max_keys = p->n_tokens;
    for (size_t t = 0; p->causal && t < p->n_tokens; t++) {
        max_keys = slots[t].pos + 1 > max_keys ? slots[t].pos + 1 : max_keys;
    }
    double *w = malloc(max_keys * sizeof(*w));
    if (!w) {
        return;
    }
    for (size_t t = 0; t < p->n_tokens; t++) {
        size_t n_keys = p->causal ? slots[t].pos + 1 : p->n_tokens;
        size_t row0 = p->causal ? (size_t)slots[t].row * p->n_ctx : 0;
        for (size_t h = 0; h < p->n_head; h++) {
            const float *qv = q + t * p->q_stride + p->q_col + h * hd;
            double m = -INFINITY, s = 0.0;
            for (size_t j = 0; j < n_keys; j++) {
                const float *kv = k + (row0 + j) * p->kv_stride + p->k_col + h * hd;
                double d = 0.0;
                for (size_t c = 0; c < hd; c++) {
                    d += (double)qv[c] * kv[c];
                }
                w[j] = d * p->scale;
                m = fmax(m, w[j]);
            }
            for (size_t j = 0; j < n_keys; j++) {
                w[j] = exp(w[j] - m);
                s += w[j];
            }
            for (size_t c = 0; c < hd; c++) {
                double acc = 0.0;
                for (size_t j = 0; j < n_keys; j++) {
                    acc += w[j] * v[(row0 + j) * p->kv_stride + p->v_col + h * hd + c];
                }
                y[t * p->y_stride + h * hd + c] = (float)(acc / s);
            }
        }
    }
    free(w);
}

void vkgpt__ref_gap(const float *x, const uint32_t *lengths, float *y, size_t batch,
                    size_t max_tokens, size_t n_embd) {
    for (size_t b = 0; b < batch; b++) {
        size_t len = lengths[b] < max_tokens ? lengths[b] : max_tokens;
        for (size_t c = 0; c < n_embd; c++) {
            double s = 0.0;
            for (size_t t = 0; t < len; t++) {
                s += x[(b * max_tokens + t) * n_embd + c];
            }
            y[b * n_embd + c] = len ? (float)(s / (double)len) : 0.0f;
        }
    }
}
