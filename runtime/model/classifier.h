/* classifier.h: the lecture's transformer classifier on the device.
 *
 * The architecture, as the lecture's PyTorch module computes it for one sequence of T tokens:
 *   x = token_emb[ids] + pos_emb[0..T)                               [T][k]
 *   per block:  x = norm1(attention(x) + x)
 *               x = norm2(ff(x) + x),  ff = Linear(k, 4k), ReLU, Linear(4k, k)
 *   y = toprobs(mean over t of x)                                    [C]
 *   log_softmax(y)
 * Attention has no causal mask. Its queries, keys and values are bias-free projections of x
 * to H = heads * d columns, d the head size, followed by unifyheads Linear(H, k):
 *   "wide"   d = k            (the lecture's first version: each head sees all of k)
 *   "narrow" d = k / heads    (k split into heads)
 * Scores are q·k / sqrt(s): s = k (the width) in both layouts by default, as the lecture
 * divides queries and keys by k^(1/4) each, or s = d with "attention_scale": "head".
 *
 * Matrices are stored [out][in] as torch.nn.Linear keeps them; toqueries, tokeys and tovalues
 * are stacked into one [3H][k] matrix on upload so one GEMM makes all three. */
#ifndef VKGPT_MODEL_CLASSIFIER_H
#define VKGPT_MODEL_CLASSIFIER_H

#include "ops/ops.h"

/* Limits far above any model this architecture is trained as; they keep size products
 * inside 64 bits and label tables small. */
#define VKGPT__CLS_MAX_K 65536u
#define VKGPT__CLS_MAX_HEADS 1024u
#define VKGPT__CLS_MAX_DEPTH 1024u
#define VKGPT__CLS_MAX_SEQ 1048576u
#define VKGPT__CLS_MAX_TOKENS 16777216u
#define VKGPT__CLS_MAX_CLASSES 65536u
#define VKGPT__CLS_MAX_LABEL 256u

typedef enum vkgpt__cls_layout {
    VKGPT__CLS_LAYOUT_AUTO = 0,   /* from the shape of tblocks.0.attention.toqueries.weight */
    VKGPT__CLS_LAYOUT_WIDE = 1,
    VKGPT__CLS_LAYOUT_NARROW = 2
} vkgpt__cls_layout_t;

typedef enum vkgpt__cls_scale {
    VKGPT__CLS_SCALE_WIDTH = 0,   /* 1 / sqrt(k): the lecture's code, either layout */
    VKGPT__CLS_SCALE_HEAD = 1     /* 1 / sqrt(head size) */
} vkgpt__cls_scale_t;

typedef struct vkgpt__cls_hparams {
    uint32_t k;                   /* the width */
    uint32_t heads;
    uint32_t depth;
    uint32_t seq_length;          /* rows of pos_emb: the longest sequence */
    uint32_t num_tokens;          /* rows of token_emb */
    uint32_t num_classes;
    vkgpt__cls_layout_t layout;   /* AUTO until the weights are seen */
    vkgpt__cls_scale_t scale;
    double layer_norm_eps;        /* 1e-5 (torch.nn.LayerNorm's default) when absent */
    char **labels;                /* num_classes names: config's "labels", else "0", "1", ... */
    char *tokenizer_plugin;       /* config's "tokenizer_plugin"; NULL when absent or null */
} vkgpt__cls_hparams_t;

/* Reads `path`/config.json (or `path` when it is a file). VKGPT_ERR_IO when it cannot be
 * read, VKGPT_ERR_CONFIG naming the file and key for a missing or wrong value,
 * VKGPT_ERR_UNSUPPORTED for a valid variant vkgpt does not compute ("max_pool": true). */
vkgpt_status_t vkgpt__cls_hparams_load(const char *path, vkgpt__cls_hparams_t *hp,
                                       vkgpt__error_t *err);

/* The same from JSON text in memory; `source` names it in messages. */
vkgpt_status_t vkgpt__cls_hparams_parse(const char *json, size_t len, const char *source,
                                        vkgpt__cls_hparams_t *hp, vkgpt__error_t *err);

void vkgpt__cls_hparams_free(vkgpt__cls_hparams_t *hp);

/* The head size d of a layout (which must not be AUTO). */
uint32_t vkgpt__cls_head_dim(const vkgpt__cls_hparams_t *hp);

typedef struct vkgpt__cls_block {
    vkgpt__matrix_t qkv_w;        /* [3H][k]: toqueries, tokeys, tovalues */
    vkgpt__matrix_t unify_w;      /* [k][H] */
    vkgpt__buffer_t unify_b;      /* [k] */
    vkgpt__buffer_t norm1_g, norm1_b, norm2_g, norm2_b; /* [k] */
    vkgpt__matrix_t ff1_w;        /* [4k][k] */
    vkgpt__buffer_t ff1_b;        /* [4k] */
    vkgpt__matrix_t ff2_w;        /* [k][4k] */
    vkgpt__buffer_t ff2_b;        /* [k] */
} vkgpt__cls_block_t;

/* Activations of one pass: `rows` token rows in all, sequences in slots of `slot` rows
 * (a whole number of the device's binding-offset alignment). All f32. */
typedef struct vkgpt__cls_buffers {
    vkgpt__buffer_t ids;          /* [rows] u32, host-visible */
    vkgpt__buffer_t lengths;      /* [max_batch] u32, host-visible */
    vkgpt__buffer_t step;         /* token table: [seq_length] slots of positions 0.., row 0 */
    vkgpt__buffer_t x;            /* [rows][k] the residual stream */
    vkgpt__buffer_t h;            /* [rows][k] sub-layer output */
    vkgpt__buffer_t qkv;          /* [rows][3H] */
    vkgpt__buffer_t att;          /* [rows][H] */
    vkgpt__buffer_t ff;           /* [rows][4k] */
    vkgpt__buffer_t pooled;       /* [max_batch][k] */
    vkgpt__buffer_t out;          /* [max_batch][C] scores, then log-probabilities */
    uint32_t rows;
    uint32_t max_batch;
} vkgpt__cls_buffers_t;

struct vkgpt_classifier {
    vkgpt__device_t *dev;
    vkgpt__cls_hparams_t hp;
    uint32_t head_dim;
    vkgpt__wtype_t wtype;
    vkgpt__arena_t *arena;
    vkgpt__matrix_t token_emb;    /* [V][k] */
    vkgpt__matrix_t pos_emb;      /* [S][k] */
    vkgpt__cls_block_t *blocks;
    vkgpt__matrix_t toprobs_w;    /* [C][k] */
    vkgpt__buffer_t toprobs_b;    /* [C] */
    vkgpt_tokenizer_t *tokenizer; /* NULL when loaded without one */

    /* Passes: max_rows caps the token rows of one pass (tests lower it to force several). */
    vkgpt__cls_buffers_t buf;
    bool have_buffers;
    uint32_t max_rows;
    vkgpt__cmd_t *cmd;

    char source[512];
    vkgpt__error_t error;
};

typedef struct vkgpt_classifier vkgpt__classifier_t;

/* The pass buffers and the command recorder, sized for max_rows (set here). */
vkgpt_status_t vkgpt__cls_buffers_create(vkgpt__classifier_t *c);
void vkgpt__cls_buffers_destroy(vkgpt__classifier_t *c);

/* One pass: sequences seqs[0..n) of lengths[i] tokens (1..seq_length, ids checked) into
 * log_probs[n][C]; n must not exceed buf.max_batch, nor n * vkgpt__cls_slot_rows(longest)
 * buf.rows (passes are planned against max_rows, which is at most buf.rows). */
vkgpt_status_t vkgpt__cls_run_pass(vkgpt__classifier_t *c, const int32_t *const *seqs,
                                   const size_t *lengths, uint32_t n, float *log_probs);

/* Rows a sequence of n tokens takes in a pass: n rounded up to the binding alignment. */
uint32_t vkgpt__cls_slot_rows(const vkgpt__classifier_t *c, uint32_t n);

#endif
