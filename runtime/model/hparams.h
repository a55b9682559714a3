/* hparams.h: GPT-2 hyper-parameters from a Hugging Face config.json (GPT2Config), the
 * defaults from generation_config.json, and the named size presets.
 *
 * Everything is checked before a caller allocates anything from it: required fields present
 * and of the right JSON type, sizes inside fixed limits (VKGPT__HP_MAX_*), n_embd divisible by
 * n_head, token ids inside the vocabulary. Errors name the file and the field. */
#ifndef VKGPT_MODEL_HPARAMS_H
#define VKGPT_MODEL_HPARAMS_H

#include <stdbool.h>
#include <stdint.h>

#include "common.h"

struct json_t;

/* "an object", "a string", ... for a jansson value: the config readers' messages say what was
 * found where something else was expected. */
const char *vkgpt__json_kind(const struct json_t *v);

/* Limits far above any published GPT-2-style model (GPT-2 XL: 48 layers, 1600 wide, 25
 * heads, 1024 positions, 50257 tokens); they keep every later size product inside 64 bits. */
#define VKGPT__HP_MAX_LAYERS 1024u
#define VKGPT__HP_MAX_EMBD 65536u
#define VKGPT__HP_MAX_HEADS 1024u
#define VKGPT__HP_MAX_POSITIONS 1048576u
#define VKGPT__HP_MAX_VOCAB 16777216u
#define VKGPT__HP_MAX_INNER 262144u
#define VKGPT__HP_MAX_PARAMS (1ull << 36) /* elements; 256 GiB of f32 */

typedef enum vkgpt__activation {
    VKGPT__ACT_GELU_TANH = 0, /* "gelu_new" (GPT-2), "gelu_pytorch_tanh", "gelu_fast" */
    VKGPT__ACT_GELU_ERF = 1,  /* "gelu" */
    VKGPT__ACT_RELU = 2       /* "relu" */
} vkgpt__activation_t;

typedef struct vkgpt__gpt2_hparams {
    uint32_t n_layer;
    uint32_t n_embd;
    uint32_t n_head;                /* divides n_embd; head size = n_embd / n_head */
    uint32_t n_positions;           /* the context limit: "n_positions", else "n_ctx" */
    uint32_t vocab_size;            /* rows of wte; may exceed the tokenizer's token count */
    uint32_t n_inner;               /* MLP width; 4 * n_embd when null or absent */
    double layer_norm_epsilon;      /* 1e-5 when absent */
    vkgpt__activation_t activation; /* gelu_new when absent */
    int32_t bos_token_id;           /* -1 when absent or null */
    int32_t eos_token_id;
    int32_t pad_token_id;
} vkgpt__gpt2_hparams_t;

#define VKGPT__MAX_EOS 8

/* generation_config.json: Hugging Face's defaults for decoding. A field the file does not set
 * is -1 (integers and booleans) or NaN (reals); keys vkgpt does not use are ignored. */
typedef struct vkgpt__generation_config {
    bool present; /* the file exists */
    int32_t bos_token_id;
    int32_t pad_token_id;
    int32_t eos_token_ids[VKGPT__MAX_EOS]; /* "eos_token_id": an id or a list of ids */
    uint32_t n_eos;
    int64_t max_length;
    int64_t max_new_tokens;
    int32_t do_sample; /* -1, 0 or 1 */
    int32_t top_k;
    int32_t num_beams;
    int32_t no_repeat_ngram_size;
    int32_t early_stopping; /* -1, 0 or 1 ("never" reads as 0) */
    double temperature;
    double top_p;
    double repetition_penalty;
    double length_penalty;
} vkgpt__generation_config_t;

/* Reads `path`/config.json, or `path` itself when it is a file, and, when `gen` is not NULL,
 * generation_config.json from the same folder (gen->present = false when there is none).
 * VKGPT_ERR_IO when config.json cannot be read, VKGPT_ERR_CONFIG for a wrong value,
 * VKGPT_ERR_UNSUPPORTED for a valid GPT2Config that vkgpt does not run (another model_type,
 * another activation, cross-attention, attention scaling switched off). */
vkgpt_status_t vkgpt__gpt2_hparams_load(const char *path, vkgpt__gpt2_hparams_t *hp,
                                        vkgpt__generation_config_t *gen, vkgpt__error_t *err);

/* The same from text in memory; `source` names it in messages. */
vkgpt_status_t vkgpt__gpt2_hparams_parse(const char *json, size_t len, const char *source,
                                         vkgpt__gpt2_hparams_t *hp, vkgpt__error_t *err);

/* Token ids are checked against hp->vocab_size. */
vkgpt_status_t vkgpt__generation_config_parse(const char *json, size_t len, const char *source,
                                              const vkgpt__gpt2_hparams_t *hp,
                                              vkgpt__generation_config_t *gen, vkgpt__error_t *err);

/* The limits and relations above, for hyper-parameters from any source. */
vkgpt_status_t vkgpt__gpt2_hparams_validate(const vkgpt__gpt2_hparams_t *hp, const char *source,
                                            vkgpt__error_t *err);

/* Weights of the model, counting a tied LM head once:
 * wte + wpe + n_layer * (2 LayerNorms + c_attn + attn c_proj + c_fc + mlp c_proj) + ln_f. */
uint64_t vkgpt__gpt2_hparams_n_params(const vkgpt__gpt2_hparams_t *hp);

const char *vkgpt__activation_name(vkgpt__activation_t act);

/* ---- Size presets (presets.c) ---- */

typedef struct vkgpt__gpt2_preset {
    const char *name;   /* "gpt2-small", ..., "rugpt3-large" */
    const char *hub_id; /* where the published weights live, e.g. "openai-community/gpt2" */
    vkgpt__gpt2_hparams_t hp;
} vkgpt__gpt2_preset_t;

size_t vkgpt__gpt2_preset_count(void);
const vkgpt__gpt2_preset_t *vkgpt__gpt2_preset_at(size_t index);

/* NULL when no preset has this name. */
const vkgpt__gpt2_preset_t *vkgpt__gpt2_preset_find(const char *name);

/* VKGPT_ERR_CONFIG naming the first field where `hp` (read from `source`) differs from the
 * preset: n_layer, n_embd, n_head, n_positions, n_inner, activation, layer_norm_epsilon, or a
 * vocab_size below the preset's (a larger one is a fine-tune with added tokens and passes).
 * Token ids are not compared: fine-tunes change them. */
vkgpt_status_t vkgpt__gpt2_hparams_check_preset(const vkgpt__gpt2_hparams_t *hp, const char *source,
                                                const vkgpt__gpt2_preset_t *preset,
                                                vkgpt__error_t *err);

#endif
