/* ops.c: recording each operation: shape checks, workgroup counts, and the row-chunking of
 * matrices larger than one storage-buffer binding. */
#include "ops/ops.h"

#define ELEMENTWISE_PER_GROUP(local) ((local) * 4u) /* add.comp and act.comp: 4 per invocation */
#define MATMUL_TILE 64u
#define MATVEC_ROWS 32u /* ROWS in matvec.comp */
#define ATTENTION_MAX_HEAD_DIM 256u

const char *vkgpt__wtype_name(vkgpt__wtype_t t) {
    return t == VKGPT__WTYPE_F16 ? "f16" : "f32";
}

size_t vkgpt__wtype_size(vkgpt__wtype_t t) {
    return t == VKGPT__WTYPE_F16 ? 2 : 4;
}

uint64_t vkgpt__matrix_bytes(vkgpt__wtype_t type, uint32_t rows, uint32_t cols) {
    uint64_t bytes = (uint64_t)rows * cols * vkgpt__wtype_size(type);
    return (bytes + 3) & ~(uint64_t)3;
}

static uint32_t ceil_div(uint32_t a, uint32_t b) {
    return a / b + (a % b != 0);
}

static uint32_t local_size(vkgpt__cmd_t *cmd, vkgpt__kernel_id_t id) {
    /* The same clamp pipeline.c applies; elementwise grids are sized from it. */
    const vkgpt__device_t *dev = vkgpt__cmd_device(cmd);
    uint32_t want = vkgpt__kernel_info(id)->local_size;
    uint32_t limit = dev->caps.max_workgroup_invocations;
    if (dev->caps.max_workgroup_size[0] < limit) {
        limit = dev->caps.max_workgroup_size[0];
    }
    uint32_t size = 1;
    while (size * 2 <= want && size * 2 <= limit) {
        size *= 2;
    }
    return size;
}

static vkgpt_status_t bad_shape(vkgpt__cmd_t *cmd, const char *op, const char *what) {
    return vkgpt__error_set(&vkgpt__cmd_device(cmd)->error, VKGPT_ERR_INVALID_ARGUMENT, "%s: %s",
                            op, what);
}

/* True when range r holds at least count elements of elem_size bytes. */
static bool holds(vkgpt__range_t r, uint64_t count, uint64_t elem_size) {
    return count <= r.size / elem_size;
}

static vkgpt_status_t elementwise(vkgpt__cmd_t *cmd, vkgpt__kernel_id_t id,
                                  const vkgpt__range_t *bindings, uint32_t n_bindings,
                                  uint32_t n) {
    for (uint32_t i = 0; i < n_bindings; i++) {
        if (!holds(bindings[i], n, 4)) {
            return bad_shape(cmd, vkgpt__kernel_info(id)->name, "a buffer is shorter than n");
        }
    }
    vkgpt__push_n_t push = {n};
    uint32_t groups = ceil_div(n, ELEMENTWISE_PER_GROUP(local_size(cmd, id)));
    return vkgpt__cmd_dispatch(cmd, id, bindings, n_bindings, &push, sizeof(push), groups, 1, 1);
}

vkgpt_status_t vkgpt__op_add(vkgpt__cmd_t *cmd, vkgpt__range_t a, vkgpt__range_t b,
                             vkgpt__range_t y, uint32_t n) {
    vkgpt__range_t bindings[3] = {a, b, y};
    return elementwise(cmd, VKGPT__KERNEL_ADD, bindings, 3, n);
}

vkgpt_status_t vkgpt__op_gelu(vkgpt__cmd_t *cmd, vkgpt__range_t x, vkgpt__range_t y,
                              uint32_t n) {
    vkgpt__range_t bindings[2] = {x, y};
    return elementwise(cmd, VKGPT__KERNEL_GELU, bindings, 2, n);
}

vkgpt_status_t vkgpt__op_relu(vkgpt__cmd_t *cmd, vkgpt__range_t x, vkgpt__range_t y,
                              uint32_t n) {
    vkgpt__range_t bindings[2] = {x, y};
    return elementwise(cmd, VKGPT__KERNEL_RELU, bindings, 2, n);
}

vkgpt_status_t vkgpt__op_layernorm(vkgpt__cmd_t *cmd, vkgpt__range_t x, vkgpt__range_t gamma,
                                   vkgpt__range_t beta, vkgpt__range_t y, uint32_t rows,
                                   uint32_t cols, float eps) {
    uint64_t n = (uint64_t)rows * cols;
    if (!holds(x, n, 4) || !holds(y, n, 4) || !holds(gamma, cols, 4) || !holds(beta, cols, 4)) {
        return bad_shape(cmd, "layernorm", "a buffer is shorter than its shape");
    }
    vkgpt__push_layernorm_t push = {rows, cols, eps};
    vkgpt__range_t bindings[4] = {x, gamma, beta, y};
    return vkgpt__cmd_dispatch(cmd, VKGPT__KERNEL_LAYERNORM, bindings, 4, &push, sizeof(push),
                               rows, 1, 1);
}

vkgpt_status_t vkgpt__op_softmax(vkgpt__cmd_t *cmd, vkgpt__range_t x, vkgpt__range_t y,
                                 const vkgpt__push_softmax_t *p) {
    uint64_t n = (uint64_t)p->rows * p->cols;
    if (!holds(x, n, 4) || !holds(y, n, 4) || p->q_period == 0) {
        return bad_shape(cmd, "softmax", "a buffer is shorter than its shape, or q_period is 0");
    }
    vkgpt__range_t bindings[2] = {x, y};
    return vkgpt__cmd_dispatch(cmd, VKGPT__KERNEL_SOFTMAX, bindings, 2, p, sizeof(*p), p->rows,
                               1, 1);
}

vkgpt_status_t vkgpt__op_log_softmax(vkgpt__cmd_t *cmd, vkgpt__range_t x, vkgpt__range_t y,
                                     uint32_t rows, uint32_t cols) {
    uint64_t n = (uint64_t)rows * cols;
    if (!holds(x, n, 4) || !holds(y, n, 4)) {
        return bad_shape(cmd, "log_softmax", "a buffer is shorter than its shape");
    }
    vkgpt__push_rows_t push = {rows, cols};
    vkgpt__range_t bindings[2] = {x, y};
    return vkgpt__cmd_dispatch(cmd, VKGPT__KERNEL_LOG_SOFTMAX, bindings, 2, &push, sizeof(push),
                               rows, 1, 1);
}

/* ---- Row chunks of matrices larger than one binding ---- */

static uint64_t gcd_u64(uint64_t a, uint64_t b) {
    while (b) {
        uint64_t t = a % b;
        a = b, b = t;
    }
    return a;
}

/* The most rows of a matrix that one binding may hold, such that every chunk starts at an
 * offset the device accepts, for the matrix (row_bytes per row) and for its f32 bias. */
static uint32_t chunk_rows(const vkgpt__device_t *dev, uint64_t row_bytes) {
    uint64_t align = dev->caps.storage_offset_alignment ? dev->caps.storage_offset_alignment : 1;
    uint64_t step_w = align / gcd_u64(row_bytes, align);
    uint64_t step_b = align / gcd_u64(4, align);
    uint64_t step = step_w / gcd_u64(step_w, step_b) * step_b; /* lcm */
    uint64_t rows = dev->caps.max_storage_range / row_bytes;
    rows -= rows % step;
    return rows > UINT32_MAX ? UINT32_MAX : (uint32_t)rows;
}

static vkgpt__range_t matrix_chunk(const vkgpt__matrix_t *w, uint32_t row0, uint32_t rows) {
    uint64_t es = vkgpt__wtype_size(w->type);
    uint64_t offset = (uint64_t)row0 * w->cols * es;
    uint64_t size = ((uint64_t)rows * w->cols * es + 3) & ~(uint64_t)3;
    if (offset + size > w->buf.size) {
        size = w->buf.size - offset;
    }
    return (vkgpt__range_t){w->buf.buffer, offset, size};
}

static vkgpt_status_t check_chunking(vkgpt__cmd_t *cmd, const char *op, const vkgpt__matrix_t *w,
                                     uint32_t *out_rows) {
    const vkgpt__device_t *dev = vkgpt__cmd_device(cmd);
    uint64_t row_bytes = (uint64_t)w->cols * vkgpt__wtype_size(w->type);
    if (w->rows == 0 || w->cols == 0 || vkgpt__matrix_bytes(w->type, w->rows, w->cols) >
                                            w->buf.size) {
        return bad_shape(cmd, op, "the weight matrix is empty or larger than its buffer");
    }
    uint32_t rows = chunk_rows(dev, row_bytes);
    if (rows == 0) {
        return vkgpt__error_set(&vkgpt__cmd_device(cmd)->error, VKGPT_ERR_UNSUPPORTED,
                                "%s: one row of %u %s weights (%llu bytes) exceeds the device's "
                                "storage-buffer range of %llu bytes", op, w->cols,
                                vkgpt__wtype_name(w->type), (unsigned long long)row_bytes,
                                (unsigned long long)dev->caps.max_storage_range);
    }
    *out_rows = rows;
    return VKGPT_OK;
}

vkgpt_status_t vkgpt__op_linear(vkgpt__cmd_t *cmd, vkgpt__range_t x, const vkgpt__matrix_t *w,
                                const vkgpt__range_t *bias, vkgpt__range_t y, uint32_t rows_x,
                                uint32_t y_stride, uint32_t y_col0,
                                vkgpt__linear_kernel_t kernel) {
    uint32_t max_rows;
    vkgpt_status_t st = check_chunking(cmd, "linear", w, &max_rows);
    if (st != VKGPT_OK) {
        return st;
    }
    if (!holds(x, (uint64_t)rows_x * w->cols, 4) || y_col0 + (uint64_t)w->rows > y_stride ||
        !holds(y, (uint64_t)rows_x * y_stride, 4) || (bias && !holds(*bias, w->rows, 4))) {
        return bad_shape(cmd, "linear", "a buffer is shorter than its shape");
    }
    if (kernel == VKGPT__LINEAR_AUTO) {
        kernel = rows_x <= 2 ? VKGPT__LINEAR_MATVEC : VKGPT__LINEAR_GEMM;
    }
    bool f16 = w->type == VKGPT__WTYPE_F16;
    vkgpt__kernel_id_t id = kernel == VKGPT__LINEAR_MATVEC
                                ? (f16 ? VKGPT__KERNEL_MATVEC_F16 : VKGPT__KERNEL_MATVEC_F32)
                                : (f16 ? VKGPT__KERNEL_MATMUL_F16 : VKGPT__KERNEL_MATMUL_F32);

    for (uint32_t row0 = 0; row0 < w->rows; row0 += max_rows) {
        uint32_t rows = w->rows - row0 < max_rows ? w->rows - row0 : max_rows;
        vkgpt__range_t chunk = matrix_chunk(w, row0, rows);
        /* Without a bias the kernel never reads binding 2; any valid buffer fills it. */
        vkgpt__range_t b = chunk;
        if (bias) {
            b = (vkgpt__range_t){bias->buffer, bias->offset + (uint64_t)row0 * 4,
                                 (uint64_t)rows * 4};
        }
        vkgpt__push_matmul_t push = {rows_x, rows, w->cols, bias != NULL, y_stride,
                                     y_col0 + row0};
        vkgpt__range_t bindings[4] = {x, chunk, b, y};
        uint32_t gx = kernel == VKGPT__LINEAR_MATVEC ? ceil_div(rows, MATVEC_ROWS)
                                                     : ceil_div(rows, MATMUL_TILE);
        uint32_t gy = kernel == VKGPT__LINEAR_MATVEC ? 1 : ceil_div(rows_x, MATMUL_TILE);
        st = vkgpt__cmd_dispatch(cmd, id, bindings, 4, &push, sizeof(push), gx, gy, 1);
        if (st != VKGPT_OK) {
            return st;
        }
    }
    return VKGPT_OK;
}

vkgpt_status_t vkgpt__op_embed(vkgpt__cmd_t *cmd, vkgpt__range_t ids, const vkgpt__matrix_t *wte,
                               const vkgpt__matrix_t *wpe, vkgpt__range_t table,
                               vkgpt__range_t y, uint32_t n_tokens) {
    uint32_t max_rows;
    vkgpt_status_t st = check_chunking(cmd, "embed", wte, &max_rows);
    if (st != VKGPT_OK) {
        return st;
    }
    if (wpe->type != wte->type || wpe->cols != wte->cols || !holds(ids, n_tokens, 4) ||
        !holds(y, (uint64_t)n_tokens * wte->cols, 4) ||
        !holds(table, n_tokens, sizeof(vkgpt__token_slot_t))) {
        return bad_shape(cmd, "embed", "mismatched tables or a buffer shorter than its shape");
    }
    vkgpt__range_t pos = matrix_chunk(wpe, 0, wpe->rows);
    vkgpt__kernel_id_t id =
        wte->type == VKGPT__WTYPE_F16 ? VKGPT__KERNEL_EMBED_F16 : VKGPT__KERNEL_EMBED_F32;
    for (uint32_t row0 = 0; row0 < wte->rows; row0 += max_rows) {
        uint32_t rows = wte->rows - row0 < max_rows ? wte->rows - row0 : max_rows;
        vkgpt__push_embed_t push = {n_tokens, wte->cols, row0, rows};
        vkgpt__range_t bindings[5] = {ids, matrix_chunk(wte, row0, rows), pos, table, y};
        st = vkgpt__cmd_dispatch(cmd, id, bindings, 5, &push, sizeof(push), n_tokens, 1, 1);
        if (st != VKGPT_OK) {
            return st;
        }
    }
    return VKGPT_OK;
}

vkgpt_status_t vkgpt__op_attention(vkgpt__cmd_t *cmd, vkgpt__range_t q, vkgpt__range_t k,
                                   vkgpt__range_t v, vkgpt__range_t table, vkgpt__range_t y,
                                   const vkgpt__push_attention_t *p, uint32_t max_context) {
    const vkgpt__device_t *dev = vkgpt__cmd_device(cmd);
    uint32_t max_keys = vkgpt__attention_max_keys(dev);
    if (max_context > max_keys) {
        return vkgpt__error_set(&vkgpt__cmd_device(cmd)->error, VKGPT_ERR_UNSUPPORTED,
                                "attention over %u positions needs %u bytes of shared memory; "
                                "device \"%s\" has %u (at most %u positions)", max_context,
                                max_context * 4, dev->caps.name, dev->caps.max_shared_memory,
                                max_keys);
    }
    if (p->head_dim == 0 || p->head_dim > ATTENTION_MAX_HEAD_DIM || p->n_head == 0) {
        return bad_shape(cmd, "attention", "head_dim must be 1..256 and n_head at least 1");
    }
    if (!holds(table, p->n_tokens, sizeof(vkgpt__token_slot_t))) {
        return bad_shape(cmd, "attention", "the token table is shorter than n_tokens");
    }
    vkgpt__push_attention_t push = *p;
    push.max_keys = max_keys;
    vkgpt__range_t bindings[5] = {q, k, v, table, y};
    return vkgpt__cmd_dispatch(cmd, VKGPT__KERNEL_ATTENTION, bindings, 5, &push, sizeof(push),
                               p->n_tokens, p->n_head, 1);
}

vkgpt_status_t vkgpt__op_kv_store(vkgpt__cmd_t *cmd, vkgpt__range_t src, vkgpt__range_t table,
                                  vkgpt__range_t k_cache, vkgpt__range_t v_cache,
                                  const vkgpt__push_kv_store_t *p) {
    if (!holds(src, (uint64_t)p->n_tokens * p->src_stride, 4) ||
        !holds(table, p->n_tokens, sizeof(vkgpt__token_slot_t))) {
        return bad_shape(cmd, "kv_store", "the source or token table is shorter than its shape");
    }
    vkgpt__range_t bindings[4] = {src, table, k_cache, v_cache};
    return vkgpt__cmd_dispatch(cmd, VKGPT__KERNEL_KV_STORE, bindings, 4, p, sizeof(*p),
                               p->n_tokens, 1, 1);
}

vkgpt_status_t vkgpt__op_gap(vkgpt__cmd_t *cmd, vkgpt__range_t x, vkgpt__range_t lengths,
                             vkgpt__range_t y, uint32_t batch, uint32_t max_tokens,
                             uint32_t n_embd) {
    if (!holds(x, (uint64_t)batch * max_tokens * n_embd, 4) || !holds(lengths, batch, 4) ||
        !holds(y, (uint64_t)batch * n_embd, 4)) {
        return bad_shape(cmd, "gap", "a buffer is shorter than its shape");
    }
    vkgpt__push_gap_t push = {batch, max_tokens, n_embd};
    vkgpt__range_t bindings[3] = {x, lengths, y};
    uint32_t gx = ceil_div(n_embd, local_size(cmd, VKGPT__KERNEL_GAP));
    return vkgpt__cmd_dispatch(cmd, VKGPT__KERNEL_GAP, bindings, 3, &push, sizeof(push), gx,
                               batch, 1);
}
