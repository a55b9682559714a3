/* driver.h: the generation loop, written against an abstract model so that it runs the same
 * way on the Vulkan session, on a CPU reference and on the toy model of the tests.
 *
 * The model holds n_rows independent sequences ("rows": one KV cache slot each on the
 * device). The driver
 *   - prefills one row per prompt (the first row of the prompt's group),
 *   - copies it to the group's other rows with reorder() when a prompt needs several rows
 *     (beams, or several returned samples),
 *   - then alternates: choose one token per live row on the host, reorder() rows when beams
 *     change places, step() every live row by one token.
 * Rows are laid out by prompt: prompt p owns rows [p * g, (p + 1) * g) where g is num_beams
 * for beam strategies and num_return_sequences otherwise.
 *
 * Greedy and sample rows finish on an eos id (kept in the output), after max_new_tokens, when
 * a stop string appears in their decoded new text, or on cancel. Beam search follows Hugging
 * Face's BeamSearchScorer (beam.h) and ends a prompt when its hypotheses are done, after
 * max_new_tokens, or when every open beam holds a stop string.
 *
 * Determinism: every choice is a function of the logits, the config and the seed (rng.h), so
 * the same config, prompt and seed give the same ids on the same device and driver. Devices
 * whose logits differ in the last bits can choose differently where two candidates are that
 * close. */
#ifndef VKGPT_DECODE_DRIVER_H
#define VKGPT_DECODE_DRIVER_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gen_config.h"

typedef struct vkgpt__decode_model {
    void *ctx;
    size_t n_vocab; /* logits per row */
    size_t n_ctx;   /* positions per row: prompt plus generated tokens */
    uint32_t n_rows;

    /* Evaluates tokens[0..n_tokens) from position 0 into row `row`, replacing what it held,
     * and writes the last position's logits to logits[0..n_vocab). */
    vkgpt_status_t (*prefill)(void *ctx, uint32_t row, const int32_t *tokens, size_t n_tokens,
                              float *logits);

    /* Appends tokens[i] to row rows[i] for each i < n (rows distinct, ascending), evaluates
     * them as one batch and writes row rows[i]'s logits to logits[i * n_vocab ..]. */
    vkgpt_status_t (*step)(void *ctx, const uint32_t *rows, const int32_t *tokens, uint32_t n,
                           float *logits);

    /* For every r < n: row r takes the content (cache and length) that row src[r] had before
     * the call. src is not a permutation in general: a good beam is copied to several rows
     * and a bad one dropped. On the device this is a row copy through scratch, never a trip
     * through the host. */
    vkgpt_status_t (*reorder)(void *ctx, const uint32_t *src, uint32_t n);

    /* Decodes ids to UTF-8 text into buf[0..cap) and sets *len to the full length, which may
     * exceed cap (the driver then grows buf and calls again; buf is NULL while cap is 0).
     * NULL when there is no
     * tokenizer: a config with stop strings is then refused. */
    vkgpt_status_t (*decode)(void *ctx, const int32_t *ids, size_t n_ids, char *buf, size_t cap,
                             size_t *len);
} vkgpt__decode_model_t;

typedef struct vkgpt__decode_prompt {
    const int32_t *ids; /* at least one id, each in [0, n_vocab) */
    size_t n_ids;
} vkgpt__decode_prompt_t;

typedef struct vkgpt__decode_hooks {
    /* Receives each token of a greedy or sample sequence as soon as it is chosen (beam tokens
     * are not final until the end, so beams are not streamed). seq: prompt *
     * num_return_sequences + j. Returning false stops like a cancel. May be NULL. */
    bool (*on_token)(void *user, uint32_t seq, int32_t token);
    void *user;

    /* Non-zero stops the generation before its next model call; set from any thread. */
    const atomic_int *cancel;
} vkgpt__decode_hooks_t;

typedef enum vkgpt__finish {
    VKGPT__FINISH_EOS = 0,      /* an eos id was chosen (it ends ids) */
    VKGPT__FINISH_LENGTH = 1,   /* max_new_tokens, or the model's context, was reached */
    VKGPT__FINISH_STOP = 2,     /* a stop string appeared */
    VKGPT__FINISH_CANCELLED = 3
} vkgpt__finish_t;

typedef struct vkgpt__decode_seq {
    int32_t *ids;       /* the generated tokens, owned by the result */
    size_t n_ids;
    double score;       /* beams: sum of log-probabilities / length^length_penalty; else 0 */
    vkgpt__finish_t finish;
    size_t stop_offset; /* FINISH_STOP: byte offset of the stop string in the decoded ids */
} vkgpt__decode_seq_t;

typedef struct vkgpt__decode_result {
    vkgpt__decode_seq_t *seqs; /* [n_prompts * num_return_sequences], best beam first */
    uint32_t n_seqs;
    uint32_t n_steps;          /* model calls after the prefill */
} vkgpt__decode_result_t;

/* Runs one generation. cfg must pass vkgpt__gen_config_check and name its eos ids (eos_set);
 * the rows needed (n_prompts times the group size above) must not exceed model->n_rows.
 * A prompt as long as the context is refused with VKGPT_ERR_CONTEXT_FULL; a prompt whose
 * context leaves fewer than max_new_tokens positions generates what fits and finishes with
 * VKGPT__FINISH_LENGTH.
 * Returns VKGPT_OK, VKGPT_ERR_CANCELLED with *out holding what was generated so far, or
 * another error (from the model's callbacks, or an unusable config or logits) with *out
 * empty. The caller frees *out with vkgpt__decode_result_free in every case. */
vkgpt_status_t vkgpt__decode_run(const vkgpt__gen_config_t *cfg,
                                 const vkgpt__decode_model_t *model,
                                 const vkgpt__decode_prompt_t *prompts, uint32_t n_prompts,
                                 const vkgpt__decode_hooks_t *hooks, vkgpt__decode_result_t *out,
                                 vkgpt__error_t *err);

void vkgpt__decode_result_free(vkgpt__decode_result_t *r);

const char *vkgpt__finish_name(vkgpt__finish_t f);

#endif
