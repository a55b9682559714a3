/* ops.h: the host side of every operation: each function checks its shapes, splits work that
 * exceeds a device limit, and records the dispatch(es) into a command recording. Shapes are
 * given per call; buffers are f32 unless a weight type says otherwise. */
#ifndef VKGPT_OPS_OPS_H
#define VKGPT_OPS_OPS_H

#include "ops/params.h"
#include "vulkan/vk.h"

typedef enum vkgpt__wtype {
    VKGPT__WTYPE_F32 = 0,
    VKGPT__WTYPE_F16 = 1
} vkgpt__wtype_t;

const char *vkgpt__wtype_name(vkgpt__wtype_t t);
size_t vkgpt__wtype_size(vkgpt__wtype_t t);

/* A [rows][cols] matrix on the device, row-major, in f32 or packed f16. The buffer may be
 * larger than the device's storage-buffer range: ops bind it in row chunks. */
typedef struct vkgpt__matrix {
    vkgpt__buffer_t buf;
    vkgpt__wtype_t type;
    uint32_t rows;
    uint32_t cols;
} vkgpt__matrix_t;

/* Bytes a matrix occupies on the device (rounded up to whole 32-bit words). */
uint64_t vkgpt__matrix_bytes(vkgpt__wtype_t type, uint32_t rows, uint32_t cols);

/* y = a + b, n floats. */
vkgpt_status_t vkgpt__op_add(vkgpt__cmd_t *cmd, vkgpt__range_t a, vkgpt__range_t b,
                             vkgpt__range_t y, uint32_t n);

/* y = gelu_new(x) or relu(x), n floats; y may be x. */
vkgpt_status_t vkgpt__op_gelu(vkgpt__cmd_t *cmd, vkgpt__range_t x, vkgpt__range_t y,
                              uint32_t n);
vkgpt_status_t vkgpt__op_relu(vkgpt__cmd_t *cmd, vkgpt__range_t x, vkgpt__range_t y,
                              uint32_t n);

/* y[r] = LayerNorm(x[r]) * gamma + beta for rows × cols; y may be x. */
vkgpt_status_t vkgpt__op_layernorm(vkgpt__cmd_t *cmd, vkgpt__range_t x, vkgpt__range_t gamma,
                                   vkgpt__range_t beta, vkgpt__range_t y, uint32_t rows,
                                   uint32_t cols, float eps);

/* Row softmax of x·scale, optionally causal (see params.h); y may be x. */
vkgpt_status_t vkgpt__op_softmax(vkgpt__cmd_t *cmd, vkgpt__range_t x, vkgpt__range_t y,
                                 const vkgpt__push_softmax_t *p);

/* Row log-softmax; y may be x. */
vkgpt_status_t vkgpt__op_log_softmax(vkgpt__cmd_t *cmd, vkgpt__range_t x, vkgpt__range_t y,
                                     uint32_t rows, uint32_t cols);

typedef enum vkgpt__linear_kernel {
    VKGPT__LINEAR_AUTO,    /* matrix-vector for up to 2 rows of x, GEMM beyond */
    VKGPT__LINEAR_MATVEC,
    VKGPT__LINEAR_GEMM
} vkgpt__linear_kernel_t;

/* y[m][y_col0 + n] = x[m] · w[n] + bias[n] for m < rows_x, n < w->rows; x is
 * [rows_x][w->cols] and y rows are y_stride floats apart. bias may be NULL. w is split into row
 * chunks that each fit one binding. */
vkgpt_status_t vkgpt__op_linear(vkgpt__cmd_t *cmd, vkgpt__range_t x, const vkgpt__matrix_t *w,
                                const vkgpt__range_t *bias, vkgpt__range_t y, uint32_t rows_x,
                                uint32_t y_stride, uint32_t y_col0,
                                vkgpt__linear_kernel_t kernel);

/* y[t] = wte[ids[t]] + wpe[pos of t in the token table]; wte and wpe have the same type and
 * n_embd columns. */
vkgpt_status_t vkgpt__op_embed(vkgpt__cmd_t *cmd, vkgpt__range_t ids, const vkgpt__matrix_t *wte,
                               const vkgpt__matrix_t *wpe, vkgpt__range_t table,
                               vkgpt__range_t y, uint32_t n_tokens);

/* Multi-head attention (see params.h for the layout); max_context is the largest key count
 * the caller will reach, checked against the device's shared memory. */
vkgpt_status_t vkgpt__op_attention(vkgpt__cmd_t *cmd, vkgpt__range_t q, vkgpt__range_t k,
                                   vkgpt__range_t v, vkgpt__range_t table, vkgpt__range_t y,
                                   const vkgpt__push_attention_t *p, uint32_t max_context);

vkgpt_status_t vkgpt__op_kv_store(vkgpt__cmd_t *cmd, vkgpt__range_t src, vkgpt__range_t table,
                                  vkgpt__range_t k_cache, vkgpt__range_t v_cache,
                                  const vkgpt__push_kv_store_t *p);

vkgpt_status_t vkgpt__op_gap(vkgpt__cmd_t *cmd, vkgpt__range_t x, vkgpt__range_t lengths,
                             vkgpt__range_t y, uint32_t batch, uint32_t max_tokens,
                             uint32_t n_embd);

#endif
