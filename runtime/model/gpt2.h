/* gpt2.h: the GPT-2 architecture on the device: weights as uploaded, and the recording of one
 * transformer block, the embedding and the LM head for a session's buffers.
 *
 * Every matrix is stored as torch.nn.Linear stores it, [out][in]: the Conv1D weights of c_attn,
 * c_proj and c_fc, which checkpoints hold as [in][out], are transposed on upload, so one matrix
 * kernel serves them and the tied LM head alike. */
#ifndef VKGPT_MODEL_GPT2_H
#define VKGPT_MODEL_GPT2_H

#include "model/hparams.h"
#include "ops/ops.h"

typedef struct vkgpt__gpt2_layer {
    vkgpt__buffer_t ln_1_g, ln_1_b;   /* [C] */
    vkgpt__matrix_t attn_w;           /* [3C][C] */
    vkgpt__buffer_t attn_b;           /* [3C] */
    vkgpt__matrix_t attn_proj_w;      /* [C][C] */
    vkgpt__buffer_t attn_proj_b;      /* [C] */
    vkgpt__buffer_t ln_2_g, ln_2_b;   /* [C] */
    vkgpt__matrix_t fc_w;             /* [I][C] */
    vkgpt__buffer_t fc_b;             /* [I] */
    vkgpt__matrix_t mlp_proj_w;       /* [C][I] */
    vkgpt__buffer_t mlp_proj_b;       /* [C] */
} vkgpt__gpt2_layer_t;

struct vkgpt_model {
    vkgpt__device_t *dev;
    vkgpt__gpt2_hparams_t hp;
    vkgpt__wtype_t wtype;
    vkgpt__arena_t *arena;
    vkgpt__matrix_t wte;              /* [V][C] */
    vkgpt__matrix_t wpe;              /* [P][C] */
    vkgpt__matrix_t lm_head;          /* wte itself unless the checkpoint has lm_head.weight */
    vkgpt__buffer_t ln_f_g, ln_f_b;   /* [C] */
    vkgpt__gpt2_layer_t *layers;
    char source[512];                 /* the folder or preset it came from */
};

typedef struct vkgpt_model vkgpt__model_t;

/* Session buffers a recording reads and writes; all f32. T is the most tokens per pass, R the
 * number of cache rows (sequences: beams, batch entries). */
typedef struct vkgpt__gpt2_buffers {
    vkgpt__buffer_t ids;              /* [T] u32, host-visible */
    vkgpt__buffer_t table;            /* [T] vkgpt__token_slot_t, host-visible */
    vkgpt__buffer_t x;                /* [T][C] the residual stream */
    vkgpt__buffer_t h;                /* [T][C] normalised input / sub-layer output */
    vkgpt__buffer_t qkv;              /* [T][3C] */
    vkgpt__buffer_t att;              /* [T][C] */
    vkgpt__buffer_t mlp;              /* [T][I] */
    vkgpt__buffer_t head_in;          /* [R][C] the positions whose logits are wanted */
    vkgpt__buffer_t head_norm;        /* [R][C] the same after ln_f */
    vkgpt__buffer_t logits;           /* [R][V] */
    vkgpt__buffer_t *k_cache;         /* per layer [R][n_ctx][C] */
    vkgpt__buffer_t *v_cache;
    uint32_t max_tokens;
    uint32_t n_rows;
    uint32_t n_ctx;
} vkgpt__gpt2_buffers_t;

vkgpt_status_t vkgpt__gpt2_record_embed(vkgpt__cmd_t *cmd, const vkgpt__model_t *m,
                                        const vkgpt__gpt2_buffers_t *b, uint32_t n_tokens);
vkgpt_status_t vkgpt__gpt2_record_block(vkgpt__cmd_t *cmd, const vkgpt__model_t *m,
                                        const vkgpt__gpt2_buffers_t *b, uint32_t layer,
                                        uint32_t n_tokens);
/* Final LayerNorm and LM head on n_out consecutive positions of the pass starting at `first`,
 * into b->logits rows 0..n_out-1. */
vkgpt_status_t vkgpt__gpt2_record_head(vkgpt__cmd_t *cmd, const vkgpt__model_t *m,
                                       const vkgpt__gpt2_buffers_t *b, uint32_t first,
                                       uint32_t n_out);

#endif
