/* opcheck.c: one operation on the device against ref.c, as described in opcheck.h. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ops/half.h"
#include "ops/opcheck.h"
#include "ops/ref.h"

/* Guard words around every output: a signalling-NaN pattern no kernel produces. */
#define GUARD_PATTERN 0x7FA5A5A5u
#define POISON_PATTERN 0x7FC00000u /* a quiet NaN: an unwritten output compares as failed */
#define MAX_BUFFERS 16

typedef struct check_ctx {
    vkgpt__device_t *dev;
    uint64_t rng;
    vkgpt__buffer_t buffers[MAX_BUFFERS];
    int n_buffers;
} check_ctx_t;

typedef struct output {
    vkgpt__buffer_t *buf;
    size_t n;
    size_t guard; /* words on each side */
} output_t;

static const char *op_names[VKGPT__CHECK_OP_COUNT] = {
    "add", "gelu", "relu", "layernorm", "softmax", "log_softmax",
    "linear", "embed", "attention", "kv_store", "gap",
};

const char *vkgpt__opcheck_op_name(vkgpt__opcheck_op_t op) {
    return (unsigned)op < VKGPT__CHECK_OP_COUNT ? op_names[op] : "?";
}

/* ---- Random inputs (splitmix64: small, seedable, the same on every platform) ---- */

static uint64_t next_u64(check_ctx_t *c) {
    uint64_t z = (c->rng += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static float uniform(check_ctx_t *c, float lo, float hi) {
    double u = (double)(next_u64(c) >> 11) / 9007199254740992.0;
    return (float)(lo + (hi - lo) * u);
}

static float *random_floats(check_ctx_t *c, size_t n, float lo, float hi) {
    float *v = malloc((n ? n : 1) * sizeof(*v));
    for (size_t i = 0; v && i < n; i++) {
        v[i] = uniform(c, lo, hi);
    }
    return v;
}

/* ---- Device buffers ---- */

static vkgpt_status_t new_buffer(check_ctx_t *c, size_t bytes, vkgpt__buffer_t **out) {
    if (c->n_buffers == MAX_BUFFERS) {
        return VKGPT_ERR_INTERNAL;
    }
    vkgpt__buffer_t *b = &c->buffers[c->n_buffers];
    vkgpt_status_t st = vkgpt__buffer_create(c->dev, (bytes + 3) & ~(size_t)3, b, "an op check");
    if (st == VKGPT_OK) {
        c->n_buffers++;
        *out = b;
    }
    return st;
}

static vkgpt_status_t upload(check_ctx_t *c, const void *data, size_t bytes,
                             vkgpt__range_t *out) {
    vkgpt__buffer_t *b;
    vkgpt_status_t st = new_buffer(c, bytes, &b);
    if (st == VKGPT_OK) {
        st = vkgpt__buffer_upload(c->dev, b, 0, data, bytes);
    }
    if (st == VKGPT_OK) {
        *out = (vkgpt__range_t){b->buffer, 0, b->size};
    }
    return st;
}

/* Uploads values as a matrix of type t; for f16, values are rounded in place to what the
 * device sees, so the reference computes with the same numbers. */
static vkgpt_status_t upload_matrix(check_ctx_t *c, float *values, uint32_t rows, uint32_t cols,
                                    vkgpt__wtype_t t, vkgpt__matrix_t *out) {
    size_t n = (size_t)rows * cols;
    vkgpt__buffer_t *b;
    vkgpt_status_t st = new_buffer(c, vkgpt__matrix_bytes(t, rows, cols), &b);
    if (st != VKGPT_OK) {
        return st;
    }
    if (t == VKGPT__WTYPE_F16) {
        uint16_t *half = calloc(n + 1, sizeof(*half));
        if (!half) {
            return VKGPT_ERR_OUT_OF_HOST_MEMORY;
        }
        vkgpt__f32_to_f16_array(values, half, n);
        vkgpt__f16_to_f32_array(half, values, n);
        st = vkgpt__buffer_upload(c->dev, b, 0, half, b->size);
        free(half);
    } else {
        st = vkgpt__buffer_upload(c->dev, b, 0, values, n * sizeof(float));
    }
    *out = (vkgpt__matrix_t){*b, t, rows, cols};
    return st;
}

static vkgpt_status_t output_create(check_ctx_t *c, size_t n, output_t *out) {
    size_t align_words = c->dev->caps.storage_offset_alignment / 4;
    out->guard = align_words > 64 ? align_words : 64;
    out->n = n;
    size_t total = n + 2 * out->guard;
    uint32_t *init = malloc(total * sizeof(*init));
    if (!init) {
        return VKGPT_ERR_OUT_OF_HOST_MEMORY;
    }
    for (size_t i = 0; i < total; i++) {
        bool inside = i >= out->guard && i < out->guard + n;
        init[i] = inside ? POISON_PATTERN : GUARD_PATTERN;
    }
    vkgpt_status_t st = new_buffer(c, total * 4, &out->buf);
    if (st == VKGPT_OK) {
        st = vkgpt__buffer_upload(c->dev, out->buf, 0, init, total * 4);
    }
    free(init);
    return st;
}

static vkgpt__range_t output_range(const output_t *o) {
    return (vkgpt__range_t){o->buf->buffer, o->guard * 4, o->n * 4};
}

/* Reads the output into dst and checks its guards. */
static vkgpt_status_t output_read(check_ctx_t *c, const output_t *o, float *dst, bool *guards) {
    size_t total = o->n + 2 * o->guard;
    uint32_t *all = malloc(total * sizeof(*all));
    if (!all) {
        return VKGPT_ERR_OUT_OF_HOST_MEMORY;
    }
    vkgpt_status_t st = vkgpt__buffer_download(c->dev, o->buf, 0, all, total * 4);
    *guards = true;
    for (size_t i = 0; st == VKGPT_OK && i < o->guard; i++) {
        *guards = *guards && all[i] == GUARD_PATTERN && all[o->guard + o->n + i] == GUARD_PATTERN;
    }
    memcpy(dst, all + o->guard, o->n * sizeof(float));
    free(all);
    return st;
}

/* ---- Comparison ---- */

static void compare(const float *got, const float *want, size_t n, double tolerance,
                    vkgpt__opcheck_result_t *r) {
    double max_err = 0.0, max_ref = 0.0;
    for (size_t i = 0; i < n; i++) {
        double e = fabs((double)got[i] - (double)want[i]);
        if (isnan(got[i]) || isinf(got[i]) != isinf(want[i])) {
            e = INFINITY;
        }
        max_err = e > max_err ? e : max_err;
        max_ref = fabs(want[i]) > max_ref ? fabs(want[i]) : max_ref;
    }
    r->max_abs_error = max_err;
    r->max_rel_error = max_err / (max_ref > 1e-30 ? max_ref : 1e-30);
    r->tolerance = tolerance;
    r->passed = r->guards_intact && r->max_rel_error <= tolerance;
}

/* ---- Recording ---- */

typedef struct op_job {
    const vkgpt__opcheck_case_t *c;
    vkgpt__range_t in[6];
    vkgpt__matrix_t mat[2];
    vkgpt__range_t out;
    vkgpt__range_t out2;
    union {
        vkgpt__push_softmax_t softmax;
        vkgpt__push_attention_t attention;
        vkgpt__push_kv_store_t kv;
    } p;
} op_job_t;

static vkgpt_status_t record(vkgpt__cmd_t *cmd, void *user) {
    op_job_t *j = user;
    const uint32_t *d = j->c->dims;
    switch (j->c->op) {
    case VKGPT__CHECK_ADD:
        return vkgpt__op_add(cmd, j->in[0], j->in[1], j->out, d[0]);
    case VKGPT__CHECK_GELU:
        return vkgpt__op_gelu(cmd, j->in[0], j->out, d[0]);
    case VKGPT__CHECK_RELU:
        return vkgpt__op_relu(cmd, j->in[0], j->out, d[0]);
    case VKGPT__CHECK_LAYERNORM:
        return vkgpt__op_layernorm(cmd, j->in[0], j->in[1], j->in[2], j->out, d[0], d[1], 1e-5f);
    case VKGPT__CHECK_SOFTMAX:
        return vkgpt__op_softmax(cmd, j->in[0], j->out, &j->p.softmax);
    case VKGPT__CHECK_LOG_SOFTMAX:
        return vkgpt__op_log_softmax(cmd, j->in[0], j->out, d[0], d[1]);
    case VKGPT__CHECK_LINEAR:
        return vkgpt__op_linear(cmd, j->in[0], &j->mat[0], j->c->bias ? &j->in[1] : NULL, j->out,
                                d[0], d[1], 0, j->c->kernel);
    case VKGPT__CHECK_EMBED:
        return vkgpt__op_embed(cmd, j->in[0], &j->mat[0], &j->mat[1], j->in[1], j->out, d[0]);
    case VKGPT__CHECK_ATTENTION:
        return vkgpt__op_attention(cmd, j->in[0], j->in[1], j->in[1], j->in[2], j->out,
                                   &j->p.attention, d[3] + d[0]);
    case VKGPT__CHECK_KV_STORE:
        return vkgpt__op_kv_store(cmd, j->in[0], j->in[1], j->out, j->out2, &j->p.kv);
    case VKGPT__CHECK_GAP:
        return vkgpt__op_gap(cmd, j->in[0], j->in[1], j->out, d[0], d[1], d[2]);
    default:
        return VKGPT_ERR_INTERNAL;
    }
}

/* ---- Per-op set-up: inputs, reference, output size, tolerance ---- */

typedef struct prepared {
    float *want;
    size_t n_out;
    double tolerance;
} prepared_t;

static vkgpt_status_t upload_floats(check_ctx_t *c, const float *v, size_t n,
                                    vkgpt__range_t *out) {
    return upload(c, v, n * sizeof(float), out);
}

/* A token table for n tokens at positions pos0.. of cache row `row`, uploaded to in[index]. */
static vkgpt_status_t upload_slots(check_ctx_t *c, op_job_t *j, int index, uint32_t n,
                                   uint32_t pos0, uint32_t row, vkgpt__token_slot_t **out) {
    vkgpt__token_slot_t *slots = malloc((n ? n : 1) * sizeof(*slots));
    if (!slots) {
        return VKGPT_ERR_OUT_OF_HOST_MEMORY;
    }
    for (uint32_t t = 0; t < n; t++) {
        slots[t] = (vkgpt__token_slot_t){pos0 + t, row};
    }
    *out = slots;
    return upload(c, slots, (n ? n : 1) * sizeof(*slots), &j->in[index]);
}

static vkgpt_status_t prepare_elementwise(check_ctx_t *c, op_job_t *j, prepared_t *p) {
    size_t n = j->c->dims[0];
    float *a = random_floats(c, n, -6.0f, 6.0f);
    float *b = random_floats(c, n, -6.0f, 6.0f);
    p->want = malloc(n * sizeof(float));
    p->n_out = n;
    vkgpt_status_t st = (a && b && p->want) ? VKGPT_OK : VKGPT_ERR_OUT_OF_HOST_MEMORY;
    if (st == VKGPT_OK) {
        st = upload_floats(c, a, n, &j->in[0]);
    }
    if (st == VKGPT_OK && j->c->op == VKGPT__CHECK_ADD) {
        st = upload_floats(c, b, n, &j->in[1]);
        vkgpt__ref_add(a, b, p->want, n);
    } else if (st == VKGPT_OK) {
        (j->c->op == VKGPT__CHECK_GELU ? vkgpt__ref_gelu : vkgpt__ref_relu)(a, p->want, n);
    }
    /* GELU's tanh is f32 on the device: a few ulps of a value near 1. */
    p->tolerance = j->c->op == VKGPT__CHECK_GELU ? 1e-5 : 1e-6;
    free(a);
    free(b);
    return st;
}

static vkgpt_status_t prepare_rows(check_ctx_t *c, op_job_t *j, prepared_t *p) {
    uint32_t rows = j->c->dims[0], cols = j->c->dims[1];
    size_t n = (size_t)rows * cols;
    /* An offset on the inputs makes LayerNorm's variance and softmax's max subtraction matter. */
    float *x = random_floats(c, n, -4.0f, 12.0f);
    float *g = random_floats(c, cols, 0.5f, 1.5f);
    float *b = random_floats(c, cols, -0.5f, 0.5f);
    p->want = malloc(n * sizeof(float));
    p->n_out = n;
    vkgpt_status_t st = (x && g && b && p->want) ? VKGPT_OK : VKGPT_ERR_OUT_OF_HOST_MEMORY;
    if (st == VKGPT_OK) {
        st = upload_floats(c, x, n, &j->in[0]);
    }
    if (st == VKGPT_OK && j->c->op == VKGPT__CHECK_LAYERNORM) {
        st = upload_floats(c, g, cols, &j->in[1]);
        if (st == VKGPT_OK) {
            st = upload_floats(c, b, cols, &j->in[2]);
        }
        vkgpt__ref_layernorm(x, g, b, p->want, rows, cols, 1e-5f);
        p->tolerance = 1e-5;
    } else if (st == VKGPT_OK && j->c->op == VKGPT__CHECK_SOFTMAX) {
        uint32_t offset = cols > rows ? cols - rows : 0;
        j->p.softmax = (vkgpt__push_softmax_t){rows, cols, 0.37f, j->c->causal, offset, rows};
        vkgpt__ref_softmax(x, p->want, &j->p.softmax);
        p->tolerance = 1e-5;
    } else if (st == VKGPT_OK) {
        vkgpt__ref_log_softmax(x, p->want, rows, cols);
        p->tolerance = 1e-5;
    }
    free(x);
    free(g);
    free(b);
    return st;
}

static vkgpt_status_t prepare_linear(check_ctx_t *c, op_job_t *j, prepared_t *p) {
    uint32_t m = j->c->dims[0], n = j->c->dims[1], k = j->c->dims[2];
    float *x = random_floats(c, (size_t)m * k, -1.0f, 1.0f);
    float *w = random_floats(c, (size_t)n * k, -1.0f, 1.0f);
    float *b = random_floats(c, n, -1.0f, 1.0f);
    p->want = malloc((size_t)m * n * sizeof(float));
    p->n_out = (size_t)m * n;
    vkgpt_status_t st = (x && w && b && p->want) ? VKGPT_OK : VKGPT_ERR_OUT_OF_HOST_MEMORY;
    if (st == VKGPT_OK) {
        st = upload_floats(c, x, (size_t)m * k, &j->in[0]);
    }
    if (st == VKGPT_OK) {
        st = upload_floats(c, b, n, &j->in[1]);
    }
    if (st == VKGPT_OK) {
        st = upload_matrix(c, w, n, k, j->c->wtype, &j->mat[0]);
    }
    if (st == VKGPT_OK) {
        vkgpt__ref_linear(x, w, j->c->bias ? b : NULL, p->want, m, n, k, n, 0);
    }
    /* f32 accumulation of k products of size ≤ 1 against a double reference; the same bound
     * for f16 weights, since the reference uses the rounded weights the device sees. */
    p->tolerance = 1e-4;
    free(x);
    free(w);
    free(b);
    return st;
}

static vkgpt_status_t prepare_embed(check_ctx_t *c, op_job_t *j, prepared_t *p) {
    uint32_t t = j->c->dims[0], vocab = j->c->dims[1], e = j->c->dims[2], pos0 = j->c->dims[3];
    uint32_t n_pos = pos0 + t;
    float *wte = random_floats(c, (size_t)vocab * e, -1.0f, 1.0f);
    float *wpe = random_floats(c, (size_t)n_pos * e, -0.5f, 0.5f);
    uint32_t *ids = malloc((t ? t : 1) * sizeof(*ids));
    p->want = malloc((size_t)t * e * sizeof(float));
    p->n_out = (size_t)t * e;
    vkgpt_status_t st = (wte && wpe && ids && p->want) ? VKGPT_OK : VKGPT_ERR_OUT_OF_HOST_MEMORY;
    for (uint32_t i = 0; st == VKGPT_OK && i < t; i++) {
        /* The first and last rows are always used: the ends of the table are where a chunking
         * mistake would show. */
        ids[i] = i == 0 ? 0 : i == 1 ? vocab - 1 : (uint32_t)(next_u64(c) % vocab);
    }
    vkgpt__token_slot_t *slots = NULL;
    if (st == VKGPT_OK) {
        st = upload(c, ids, t * sizeof(*ids), &j->in[0]);
    }
    if (st == VKGPT_OK) {
        st = upload_slots(c, j, 1, t, pos0, 0, &slots);
    }
    if (st == VKGPT_OK) {
        st = upload_matrix(c, wte, vocab, e, j->c->wtype, &j->mat[0]);
    }
    if (st == VKGPT_OK) {
        st = upload_matrix(c, wpe, n_pos, e, j->c->wtype, &j->mat[1]);
    }
    if (st == VKGPT_OK) {
        vkgpt__ref_embed(ids, wte, wpe, slots, p->want, t, e);
    }
    p->tolerance = 1e-6;
    free(slots);
    free(wte);
    free(wpe);
    free(ids);
    return st;
}

static vkgpt_status_t prepare_attention(check_ctx_t *c, op_job_t *j, prepared_t *p) {
    uint32_t t = j->c->dims[0], heads = j->c->dims[1], hd = j->c->dims[2], pos0 = j->c->dims[3];
    uint32_t e = heads * hd, n_ctx = pos0 + t;
    /* Queries in a fused-QKV layout (stride 3e, column e), keys and values side by side in one
     * cache-like buffer (stride 2e, columns 0 and e) of two rows of n_ctx positions: causal
     * queries belong to row 1, so reading row 0 instead shows. Every stride and offset is
     * exercised. */
    float *q = random_floats(c, (size_t)t * 3 * e, -1.0f, 1.0f);
    float *kv = random_floats(c, (size_t)2 * n_ctx * 2 * e, -1.0f, 1.0f);
    p->want = malloc((size_t)t * e * sizeof(float));
    p->n_out = (size_t)t * e;
    vkgpt_status_t st = (q && kv && p->want) ? VKGPT_OK : VKGPT_ERR_OUT_OF_HOST_MEMORY;
    vkgpt__token_slot_t *slots = NULL;
    j->p.attention = (vkgpt__push_attention_t){
        .n_tokens = t, .n_head = heads, .head_dim = hd, .q_stride = 3 * e, .q_col = e,
        .kv_stride = 2 * e, .k_col = 0, .v_col = e, .y_stride = e, .causal = j->c->causal,
        .scale = 1.0f / sqrtf((float)hd), .n_ctx = n_ctx,
    };
    if (st == VKGPT_OK) {
        st = upload_floats(c, q, (size_t)t * 3 * e, &j->in[0]);
    }
    if (st == VKGPT_OK) {
        st = upload_floats(c, kv, (size_t)2 * n_ctx * 2 * e, &j->in[1]);
    }
    if (st == VKGPT_OK) {
        st = upload_slots(c, j, 2, t, pos0, 1, &slots);
    }
    if (st == VKGPT_OK) {
        vkgpt__ref_attention(q, kv, kv, p->want, slots, &j->p.attention);
    }
    p->tolerance = 1e-5;
    free(slots);
    free(q);
    free(kv);
    return st;
}

static vkgpt_status_t prepare_gap(check_ctx_t *c, op_job_t *j, prepared_t *p) {
    uint32_t b = j->c->dims[0], t = j->c->dims[1], e = j->c->dims[2];
    float *x = random_floats(c, (size_t)b * t * e, -2.0f, 2.0f);
    uint32_t *lengths = malloc((b ? b : 1) * sizeof(*lengths));
    p->want = malloc((size_t)b * e * sizeof(float));
    p->n_out = (size_t)b * e;
    vkgpt_status_t st = (x && lengths && p->want) ? VKGPT_OK : VKGPT_ERR_OUT_OF_HOST_MEMORY;
    for (uint32_t i = 0; st == VKGPT_OK && i < b; i++) {
        lengths[i] = i == 0 ? t : 1 + (uint32_t)(next_u64(c) % t);
    }
    if (st == VKGPT_OK) {
        st = upload_floats(c, x, (size_t)b * t * e, &j->in[0]);
    }
    if (st == VKGPT_OK) {
        st = upload(c, lengths, b * sizeof(*lengths), &j->in[1]);
    }
    if (st == VKGPT_OK) {
        vkgpt__ref_gap(x, lengths, p->want, b, t, e);
    }
    p->tolerance = 1e-5;
    free(x);
    free(lengths);
    return st;
}

static void shape_text(const vkgpt__opcheck_case_t *c, char *buf, size_t size) {
    const uint32_t *d = c->dims;
    switch (c->op) {
    case VKGPT__CHECK_ADD:
    case VKGPT__CHECK_GELU:
    case VKGPT__CHECK_RELU:
        snprintf(buf, size, "n=%u", d[0]);
        break;
    case VKGPT__CHECK_LINEAR:
        snprintf(buf, size, "m=%u n=%u k=%u%s %s", d[0], d[1], d[2], c->bias ? " bias" : "",
                 c->kernel == VKGPT__LINEAR_MATVEC ? "matvec"
                 : c->kernel == VKGPT__LINEAR_GEMM ? "gemm" : "auto");
        break;
    case VKGPT__CHECK_EMBED:
        snprintf(buf, size, "T=%u V=%u C=%u pos=%u", d[0], d[1], d[2], d[3]);
        break;
    case VKGPT__CHECK_ATTENTION:
        snprintf(buf, size, "T=%u H=%u D=%u past=%u%s", d[0], d[1], d[2], d[3],
                 c->causal ? " causal" : "");
        break;
    case VKGPT__CHECK_KV_STORE:
        snprintf(buf, size, "T=%u C=%u pos=%u", d[0], d[1], d[2]);
        break;
    case VKGPT__CHECK_GAP:
        snprintf(buf, size, "B=%u T=%u C=%u", d[0], d[1], d[2]);
        break;
    default:
        snprintf(buf, size, "%ux%u%s", d[0], d[1], c->causal ? " causal" : "");
        break;
    }
}

static vkgpt_status_t prepare_kv_store(check_ctx_t *c, op_job_t *j, prepared_t *p);

static vkgpt_status_t prepare(check_ctx_t *c, op_job_t *j, prepared_t *p) {
    switch (j->c->op) {
    case VKGPT__CHECK_ADD:
    case VKGPT__CHECK_GELU:
    case VKGPT__CHECK_RELU:
        return prepare_elementwise(c, j, p);
    case VKGPT__CHECK_LAYERNORM:
    case VKGPT__CHECK_SOFTMAX:
    case VKGPT__CHECK_LOG_SOFTMAX:
        return prepare_rows(c, j, p);
    case VKGPT__CHECK_LINEAR:
        return prepare_linear(c, j, p);
    case VKGPT__CHECK_EMBED:
        return prepare_embed(c, j, p);
    case VKGPT__CHECK_ATTENTION:
        return prepare_attention(c, j, p);
    case VKGPT__CHECK_KV_STORE:
        return prepare_kv_store(c, j, p);
    case VKGPT__CHECK_GAP:
        return prepare_gap(c, j, p);
    default:
        return VKGPT_ERR_INVALID_ARGUMENT;
    }
}

/* kv_store writes into two caches of two rows of n_ctx = pos0 + n_tokens positions, for row 1.
 * The expected output is the positions it writes, keys then values; everything else must
 * keep its poison (run_kv_store). */
static vkgpt_status_t prepare_kv_store(check_ctx_t *c, op_job_t *j, prepared_t *p) {
    uint32_t t = j->c->dims[0], e = j->c->dims[1], pos0 = j->c->dims[2];
    float *src = random_floats(c, (size_t)t * 3 * e, -1.0f, 1.0f);
    p->n_out = (size_t)t * e;
    p->want = malloc(2 * p->n_out * sizeof(float));
    vkgpt_status_t st = (src && p->want) ? VKGPT_OK : VKGPT_ERR_OUT_OF_HOST_MEMORY;
    for (size_t r = 0; st == VKGPT_OK && r < t; r++) {
        memcpy(p->want + r * e, src + r * 3 * e + e, e * sizeof(float));
        memcpy(p->want + p->n_out + r * e, src + r * 3 * e + 2 * e, e * sizeof(float));
    }
    vkgpt__token_slot_t *slots = NULL;
    j->p.kv = (vkgpt__push_kv_store_t){t, e, 3 * e, e, 2 * e, pos0 + t};
    if (st == VKGPT_OK) {
        st = upload_floats(c, src, (size_t)t * 3 * e, &j->in[0]);
    }
    if (st == VKGPT_OK) {
        st = upload_slots(c, j, 1, t, pos0, 1, &slots);
    }
    p->tolerance = 0.0;
    free(slots);
    free(src);
    return st;
}

static vkgpt_status_t run_kv_store(check_ctx_t *c, op_job_t *j, prepared_t *p,
                                   vkgpt__opcheck_result_t *r) {
    /* Each cache is a guarded output of two rows of n_ctx positions; the op writes positions
     * pos0.. of row 1 only. */
    uint32_t t = j->c->dims[0], e = j->c->dims[1], pos0 = j->c->dims[2];
    size_t row_n = (size_t)(pos0 + t) * e, cache_n = 2 * row_n;
    size_t first = row_n + (size_t)pos0 * e; /* the first element written */
    output_t k_out, v_out;
    vkgpt_status_t st = output_create(c, cache_n, &k_out);
    if (st == VKGPT_OK) {
        st = output_create(c, cache_n, &v_out);
    }
    if (st != VKGPT_OK) {
        return st;
    }
    j->out = output_range(&k_out);
    j->out2 = output_range(&v_out);
    st = vkgpt__run_once(c->dev, record, j);

    float *got = malloc(2 * cache_n * sizeof(float));
    bool gk = false, gv = false;
    if (st == VKGPT_OK && !got) {
        st = VKGPT_ERR_OUT_OF_HOST_MEMORY;
    }
    if (st == VKGPT_OK) {
        st = output_read(c, &k_out, got, &gk);
    }
    if (st == VKGPT_OK) {
        st = output_read(c, &v_out, got + cache_n, &gv);
    }
    if (st == VKGPT_OK) {
        /* Everything before the written positions must be untouched (still the poison). */
        bool untouched = true;
        for (size_t i = 0; i < first; i++) {
            untouched = untouched && isnan(got[i]) && isnan(got[cache_n + i]);
        }
        /* Keys first: their rows move down to the start before values fill the slot after. */
        memmove(got, got + first, p->n_out * sizeof(float));
        memmove(got + p->n_out, got + cache_n + first, p->n_out * sizeof(float));
        r->guards_intact = gk && gv && untouched;
        compare(got, p->want, 2 * p->n_out, p->tolerance, r);
    }
    free(got);
    return st;
}

vkgpt_status_t vkgpt__opcheck_run(vkgpt__device_t *dev, const vkgpt__opcheck_case_t *c,
                                  uint64_t seed, vkgpt__opcheck_result_t *r) {
    memset(r, 0, sizeof(*r));
    snprintf(r->op, sizeof(r->op), "%s", vkgpt__opcheck_op_name(c->op));
    shape_text(c, r->shape, sizeof(r->shape));

    check_ctx_t ctx = {.dev = dev, .rng = seed};
    op_job_t job = {.c = c};
    prepared_t prep = {0};
    output_t out = {0};
    vkgpt_status_t st = prepare(&ctx, &job, &prep);

    if (st == VKGPT_OK && c->op == VKGPT__CHECK_KV_STORE) {
        st = run_kv_store(&ctx, &job, &prep, r);
    } else if (st == VKGPT_OK) {
        st = output_create(&ctx, prep.n_out, &out);
        if (st == VKGPT_OK) {
            job.out = output_range(&out);
            st = vkgpt__run_once(dev, record, &job);
        }
        float *got = st == VKGPT_OK ? malloc(prep.n_out * sizeof(float)) : NULL;
        if (st == VKGPT_OK && !got) {
            st = VKGPT_ERR_OUT_OF_HOST_MEMORY;
        }
        if (st == VKGPT_OK) {
            st = output_read(&ctx, &out, got, &r->guards_intact);
        }
        if (st == VKGPT_OK) {
            compare(got, prep.want, prep.n_out, prep.tolerance, r);
        }
        free(got);
    }

    for (int i = 0; i < ctx.n_buffers; i++) {
        vkgpt__buffer_destroy(dev, &ctx.buffers[i]);
    }
    free(prep.want);
    return st;
}
