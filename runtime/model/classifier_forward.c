/* classifier_forward.c: classifying a batch of sequences in passes on the device.
 *
 * Layout of a pass: n sequences, each in a slot of `slot` rows (the longest sequence of the
 * pass rounded up to the binding-offset alignment), so sequence b's rows start at row
 * b * slot in every activation buffer:
 *   ids [n * slot] u32, x and h [n * slot][k], qkv [n * slot][3H], att [n * slot][H],
 *   ff [n * slot][4k], pooled [n][k], out [n][C].
 * Row-wise operations (the linear layers, LayerNorm, ReLU, the residual adds) run over all
 * n * slot rows at once, padding included: each output row depends on its own input row only,
 * so padding never reaches a real row. The two operations that mix rows see real rows only:
 * the embedding and attention are recorded once per sequence, bound at the sequence's slot,
 * with n_tokens = its own length (attention then has no keys past the sequence: no mask is
 * needed, and the result is that of the sequence run alone), and GAP averages each sequence
 * over its own length. Every linear layer uses the GEMM kernel whatever the row count, so a
 * sequence's result is the same bit for bit in any batch.
 *
 * Sequences are sorted by length before they are cut into passes, so a pass holds sequences
 * of similar length and little padding. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model/classifier.h"

#define DEFAULT_MAX_ROWS 2048u

static uint32_t align_rows(const vkgpt__device_t *dev) {
    /* Every buffer's rows are whole 32-bit words: a slot start that is a multiple of
     * align / gcd(align, 4) rows is an aligned byte offset in all of them. */
    uint64_t a = dev->caps.storage_offset_alignment ? dev->caps.storage_offset_alignment : 1;
    uint64_t g = a % 4 == 0 ? 4 : a % 2 == 0 ? 2 : 1;
    return (uint32_t)(a / g);
}

uint32_t vkgpt__cls_slot_rows(const vkgpt__classifier_t *c, uint32_t n) {
    uint32_t a = align_rows(c->dev);
    return (n + a - 1) / a * a;
}

/* ---- Buffers ---- */

/* Rows per pass: DEFAULT_MAX_ROWS, at least one slot of seq_length, and no buffer larger than
 * one storage binding may be. */
static vkgpt_status_t plan_rows(vkgpt__classifier_t *c, uint64_t widest_row_bytes) {
    const vkgpt__device_caps_t *caps = &c->dev->caps;
    uint64_t fit = caps->max_storage_range / widest_row_bytes;
    uint64_t need = vkgpt__cls_slot_rows(c, c->hp.seq_length);
    if (fit < need) {
        return vkgpt__error_set(&c->dev->error, VKGPT_ERR_UNSUPPORTED,
                                "a sequence of %u tokens needs %llu bytes in one binding; "
                                "device \"%s\" allows %llu", c->hp.seq_length,
                                (unsigned long long)(need * widest_row_bytes), caps->name,
                                (unsigned long long)caps->max_storage_range);
    }
    uint64_t rows = need > DEFAULT_MAX_ROWS ? need : DEFAULT_MAX_ROWS;
    c->buf.rows = (uint32_t)(rows < fit ? rows : fit);
    uint64_t batch = c->buf.rows / align_rows(c->dev);
    uint64_t per_seq = (uint64_t)(c->hp.k > c->hp.num_classes ? c->hp.k : c->hp.num_classes) * 4;
    c->buf.max_batch = (uint32_t)(batch < caps->max_storage_range / per_seq
                                      ? batch
                                      : caps->max_storage_range / per_seq);
    c->max_rows = c->buf.rows;
    return VKGPT_OK;
}

vkgpt_status_t vkgpt__cls_buffers_create(vkgpt__classifier_t *c) {
    vkgpt__device_t *dev = c->dev;
    vkgpt__cls_buffers_t *b = &c->buf;
    uint64_t k = c->hp.k, inner = (uint64_t)c->hp.heads * c->head_dim;
    uint64_t widest = (3 * inner > 4 * k ? 3 * inner : 4 * k) * 4;
    vkgpt_status_t st = plan_rows(c, widest);
    if (st != VKGPT_OK) {
        return st;
    }
    uint64_t rows = b->rows, batch = b->max_batch;
    struct {
        vkgpt__buffer_t *buf;
        uint64_t bytes;
        bool host;
        const char *what;
    } plan[] = {
        {&b->ids, rows * 4, true, "token ids"},
        {&b->lengths, batch * 4, true, "sequence lengths"},
        {&b->step, (uint64_t)c->hp.seq_length * sizeof(vkgpt__token_slot_t), true,
         "the token table"},
        {&b->x, rows * k * 4, false, "the residual stream"},
        {&b->h, rows * k * 4, false, "sub-layer output"},
        {&b->qkv, rows * 3 * inner * 4, false, "queries, keys and values"},
        {&b->att, rows * inner * 4, false, "attention output"},
        {&b->ff, rows * 4 * k * 4, false, "the feed-forward hidden layer"},
        {&b->pooled, batch * k * 4, false, "pooled vectors"},
        {&b->out, batch * c->hp.num_classes * 4, false, "class scores"},
    };
    c->have_buffers = true;
    for (size_t i = 0; i < VKGPT__ARRAY_LEN(plan) && st == VKGPT_OK; i++) {
        st = plan[i].host ? vkgpt__buffer_create_host(dev, plan[i].bytes, plan[i].buf,
                                                      plan[i].what)
                          : vkgpt__buffer_create(dev, plan[i].bytes, plan[i].buf, plan[i].what);
        /* Zeros, not whatever the allocation held: padding rows then stay finite. */
        if (st == VKGPT_OK && !plan[i].host) {
            st = vkgpt__buffer_fill(dev, plan[i].buf, 0, plan[i].bytes, 0);
        }
    }
    if (st == VKGPT_OK) {
        /* Every sequence starts at position 0; non-causal attention reads no rows from it. */
        vkgpt__token_slot_t *slots = b->step.mapped;
        for (uint32_t t = 0; t < c->hp.seq_length; t++) {
            slots[t] = (vkgpt__token_slot_t){t, 0};
        }
        st = vkgpt__cmd_create(dev, 0, &c->cmd);
    }
    return st;
}

void vkgpt__cls_buffers_destroy(vkgpt__classifier_t *c) {
    if (!c->have_buffers) {
        return;
    }
    vkDeviceWaitIdle(c->dev->vk);
    vkgpt__cmd_destroy(c->cmd);
    vkgpt__cls_buffers_t *b = &c->buf;
    vkgpt__buffer_t *bufs[] = {&b->ids, &b->lengths, &b->step, &b->x,      &b->h,
                               &b->qkv, &b->att,     &b->ff,   &b->pooled, &b->out};
    for (size_t i = 0; i < VKGPT__ARRAY_LEN(bufs); i++) {
        vkgpt__buffer_destroy(c->dev, bufs[i]);
    }
    c->have_buffers = false;
}

/* ---- Recording ---- */

typedef struct pass {
    const vkgpt__classifier_t *c;
    vkgpt__cmd_t *cmd;
    uint32_t n;                   /* sequences */
    uint32_t slot;                /* rows per sequence */
    const uint32_t *lengths;      /* [n] */
} pass_t;

/* Rows [b * slot, (b + 1) * slot) of a buffer whose rows hold `cols` f32 or u32. */
static vkgpt__range_t slot_of(const pass_t *p, const vkgpt__buffer_t *buf, uint32_t b,
                              uint64_t cols) {
    uint64_t row = cols * 4;
    return (vkgpt__range_t){buf->buffer, (uint64_t)b * p->slot * row, (uint64_t)p->slot * row};
}

static vkgpt__range_t whole(const vkgpt__buffer_t *b) {
    return vkgpt__range_of(b);
}

static vkgpt_status_t record_embed(const pass_t *p) {
    const vkgpt__classifier_t *c = p->c;
    vkgpt_status_t st = VKGPT_OK;
    for (uint32_t b = 0; b < p->n && st == VKGPT_OK; b++) {
        st = vkgpt__op_embed(p->cmd, slot_of(p, &c->buf.ids, b, 1), &c->token_emb, &c->pos_emb,
                             whole(&c->buf.step), slot_of(p, &c->buf.x, b, c->hp.k),
                             p->lengths[b]);
    }
    return st;
}

/* att = softmax(q·kᵀ · scale) · v per head, each sequence over its own tokens only. */
static vkgpt_status_t record_attention(const pass_t *p) {
    const vkgpt__classifier_t *c = p->c;
    uint32_t inner = c->hp.heads * c->head_dim;
    uint32_t scale_dim = c->hp.scale == VKGPT__CLS_SCALE_HEAD ? c->head_dim : c->hp.k;
    vkgpt_status_t st = VKGPT_OK;
    for (uint32_t b = 0; b < p->n && st == VKGPT_OK; b++) {
        vkgpt__push_attention_t att = {
            .n_tokens = p->lengths[b], .n_head = c->hp.heads, .head_dim = c->head_dim,
            .q_stride = 3 * inner, .q_col = 0, .kv_stride = 3 * inner, .k_col = inner,
            .v_col = 2 * inner, .y_stride = inner, .causal = 0,
            .scale = (float)(1.0 / sqrt((double)scale_dim)),
        };
        vkgpt__range_t qkv = slot_of(p, &c->buf.qkv, b, 3 * (uint64_t)inner);
        st = vkgpt__op_attention(p->cmd, qkv, qkv, qkv, whole(&c->buf.step),
                                 slot_of(p, &c->buf.att, b, inner), &att, p->lengths[b]);
    }
    return st;
}

static vkgpt_status_t linear(const pass_t *p, const vkgpt__buffer_t *x, const vkgpt__matrix_t *w,
                             const vkgpt__buffer_t *bias, const vkgpt__buffer_t *y,
                             uint32_t rows) {
    vkgpt__range_t b = bias ? whole(bias) : (vkgpt__range_t){0};
    return vkgpt__op_linear(p->cmd, whole(x), w, bias ? &b : NULL, whole(y), rows, w->rows, 0,
                            VKGPT__LINEAR_GEMM);
}

/* x = LayerNorm(h + x): the lecture's post-norm residual. */
static vkgpt_status_t add_norm(const pass_t *p, const vkgpt__buffer_t *g,
                               const vkgpt__buffer_t *beta, uint32_t rows) {
    const vkgpt__cls_buffers_t *b = &p->c->buf;
    uint32_t k = p->c->hp.k;
    vkgpt_status_t st = vkgpt__op_add(p->cmd, whole(&b->h), whole(&b->x), whole(&b->x),
                                      rows * k);
    if (st == VKGPT_OK) {
        st = vkgpt__op_layernorm(p->cmd, whole(&b->x), whole(g), whole(beta), whole(&b->x),
                                 rows, k, (float)p->c->hp.layer_norm_eps);
    }
    return st;
}

static vkgpt_status_t record_block(const pass_t *p, const vkgpt__cls_block_t *l) {
    const vkgpt__cls_buffers_t *b = &p->c->buf;
    uint32_t rows = p->n * p->slot;

    /* x = norm1(unifyheads(attention(x)) + x) */
    vkgpt_status_t st = linear(p, &b->x, &l->qkv_w, NULL, &b->qkv, rows);
    if (st == VKGPT_OK) {
        st = record_attention(p);
    }
    if (st == VKGPT_OK) {
        st = linear(p, &b->att, &l->unify_w, &l->unify_b, &b->h, rows);
    }
    if (st == VKGPT_OK) {
        st = add_norm(p, &l->norm1_g, &l->norm1_b, rows);
    }

    /* x = norm2(ff(x) + x), ff = Linear(k, 4k), ReLU, Linear(4k, k) */
    if (st == VKGPT_OK) {
        st = linear(p, &b->x, &l->ff1_w, &l->ff1_b, &b->ff, rows);
    }
    if (st == VKGPT_OK) {
        st = vkgpt__op_relu(p->cmd, whole(&b->ff), whole(&b->ff), rows * 4 * p->c->hp.k);
    }
    if (st == VKGPT_OK) {
        st = linear(p, &b->ff, &l->ff2_w, &l->ff2_b, &b->h, rows);
    }
    if (st == VKGPT_OK) {
        st = add_norm(p, &l->norm2_g, &l->norm2_b, rows);
    }
    return st;
}

/* Mean over each sequence's own tokens, toprobs, log-softmax. */
static vkgpt_status_t record_head(const pass_t *p) {
    const vkgpt__classifier_t *c = p->c;
    const vkgpt__cls_buffers_t *b = &c->buf;
    vkgpt_status_t st = vkgpt__op_gap(p->cmd, whole(&b->x), whole(&b->lengths),
                                      whole(&b->pooled), p->n, p->slot, c->hp.k);
    if (st == VKGPT_OK) {
        st = linear(p, &b->pooled, &c->toprobs_w, &c->toprobs_b, &b->out, p->n);
    }
    if (st == VKGPT_OK) {
        st = vkgpt__op_log_softmax(p->cmd, whole(&b->out), whole(&b->out), p->n,
                                   c->hp.num_classes);
    }
    return st;
}

static vkgpt_status_t record_pass(const pass_t *p) {
    vkgpt_status_t st = vkgpt__cmd_begin(p->cmd);
    if (st == VKGPT_OK) {
        st = record_embed(p);
    }
    for (uint32_t i = 0; st == VKGPT_OK && i < p->c->hp.depth; i++) {
        st = record_block(p, &p->c->blocks[i]);
    }
    if (st == VKGPT_OK) {
        st = record_head(p);
    }
    return st == VKGPT_OK ? vkgpt__cmd_end(p->cmd) : st;
}

vkgpt_status_t vkgpt__cls_run_pass(vkgpt__classifier_t *c, const int32_t *const *seqs,
                                   const size_t *lengths, uint32_t n, float *log_probs) {
    uint32_t longest = 0;
    for (uint32_t b = 0; b < n; b++) {
        longest = lengths[b] > longest ? (uint32_t)lengths[b] : longest;
    }
    pass_t p = {c, c->cmd, n, vkgpt__cls_slot_rows(c, longest), c->buf.lengths.mapped};
    VKGPT__CHECK_INTERNAL(n >= 1 && n <= c->buf.max_batch && longest <= c->hp.seq_length &&
                          (uint64_t)n * p.slot <= c->buf.rows);

    uint32_t *ids = c->buf.ids.mapped, *lens = c->buf.lengths.mapped;
    for (uint32_t b = 0; b < n; b++) {
        lens[b] = (uint32_t)lengths[b];
        for (size_t t = 0; t < lengths[b]; t++) {
            ids[(size_t)b * p.slot + t] = (uint32_t)seqs[b][t];
        }
    }
    vkgpt_status_t st = record_pass(&p);
    if (st == VKGPT_OK) {
        st = vkgpt__cmd_submit_wait(c->cmd);
    }
    if (st == VKGPT_OK) {
        st = vkgpt__buffer_download(c->dev, &c->buf.out, 0, log_probs,
                                    (size_t)n * c->hp.num_classes * sizeof(float));
    }
    return st;
}
