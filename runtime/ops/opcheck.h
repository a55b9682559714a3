/* opcheck.h: runs one operation on the device against the CPU reference, on seeded random
 * inputs, with its output poisoned (NaN) beforehand and surrounded by guard regions that must
 * come back unchanged. Shared by `vkgpt selftest` and the op tests. */
#ifndef VKGPT_OPS_OPCHECK_H
#define VKGPT_OPS_OPCHECK_H

#include "ops/ops.h"

typedef enum vkgpt__opcheck_op {
    VKGPT__CHECK_ADD,
    VKGPT__CHECK_GELU,
    VKGPT__CHECK_RELU,
    VKGPT__CHECK_LAYERNORM,
    VKGPT__CHECK_SOFTMAX,
    VKGPT__CHECK_LOG_SOFTMAX,
    VKGPT__CHECK_LINEAR,
    VKGPT__CHECK_EMBED,
    VKGPT__CHECK_ATTENTION,
    VKGPT__CHECK_KV_STORE,
    VKGPT__CHECK_GAP,
    VKGPT__CHECK_OP_COUNT
} vkgpt__opcheck_op_t;

/* dims by op:
 *   add, gelu, relu:     {n}
 *   layernorm:           {rows, cols}
 *   softmax:             {rows, cols}, causal: query r sits at cols - rows + r
 *   log_softmax:         {rows, cols}
 *   linear:              {m, n, k}, bias, kernel
 *   embed:               {n_tokens, vocab, n_embd, pos0}
 *   attention:           {n_tokens, n_head, head_dim, pos0}, causal
 *   kv_store:            {n_tokens, n_embd, pos0}
 *   gap:                 {batch, max_tokens, n_embd} */
typedef struct vkgpt__opcheck_case {
    vkgpt__opcheck_op_t op;
    uint32_t dims[4];
    vkgpt__wtype_t wtype;
    bool causal;
    bool bias;
    vkgpt__linear_kernel_t kernel;
} vkgpt__opcheck_case_t;

typedef struct vkgpt__opcheck_result {
    char op[24];
    char shape[64];
    double max_abs_error;  /* over all outputs; infinity when one is NaN or unwritten */
    double max_rel_error;  /* max_abs_error / max |reference| */
    double tolerance;      /* the bound on max_rel_error */
    bool guards_intact;    /* nothing was written outside the output range */
    bool passed;
} vkgpt__opcheck_result_t;

const char *vkgpt__opcheck_op_name(vkgpt__opcheck_op_t op);

/* Runs the case. A non-OK status means the check could not run (device error, bad case); a
 * numerical failure is OK with result->passed false. */
vkgpt_status_t vkgpt__opcheck_run(vkgpt__device_t *dev, const vkgpt__opcheck_case_t *c,
                                  uint64_t seed, vkgpt__opcheck_result_t *result);

#endif
