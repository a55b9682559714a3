/* decode_internal.h: state and helpers shared by the two generation loops (driver.c for
 * greedy and sample rows, driver_beam.c for beam search). */
#ifndef VKGPT_DECODE_INTERNAL_H
#define VKGPT_DECODE_INTERNAL_H

#include "driver.h"
#include "logits.h"

typedef struct vkgpt__dstate {
    const vkgpt__gen_config_t *cfg;
    const vkgpt__decode_model_t *model;
    const vkgpt__decode_hooks_t *hooks;
    const vkgpt__decode_prompt_t *prompts;
    uint32_t n_prompts;
    uint32_t group;          /* rows per prompt */
    uint32_t n_rows;         /* n_prompts * group */
    size_t n_vocab;
    vkgpt__error_t *err;

    float *logits;           /* [n_rows][n_vocab]: the last model call's rows, packed */
    double *work;            /* [group][n_vocab] */
    vkgpt__logits_scratch_t scratch;
    uint32_t *rows;          /* [n_rows] rows passed to step() */
    int32_t *tokens;         /* [n_rows] tokens passed to step() */
    uint32_t *src;           /* [n_rows] reorder() sources */
    char *text;              /* decoded text for stop strings, grown as needed */
    size_t text_cap;
    uint32_t n_steps;
} vkgpt__dstate_t;

/* Tokens prompt p may generate: max_new_tokens, or fewer where the context ends first. */
size_t vkgpt__dstate_limit(const vkgpt__dstate_t *d, uint32_t p);

/* Prefills the first row of every prompt, copies it to the prompt's other rows (reorder) and
 * fills d->logits for all n_rows rows in order. */
vkgpt_status_t vkgpt__dstate_prefill(vkgpt__dstate_t *d);

/* Calls step() for d->rows/d->tokens[0..n), filling d->logits[0..n). */
vkgpt_status_t vkgpt__dstate_step(vkgpt__dstate_t *d, uint32_t n);

/* True when the caller asked to stop. */
bool vkgpt__dstate_cancelled(const vkgpt__dstate_t *d);

/* Widens one row of float logits into scores, refusing NaN and +infinity. */
vkgpt_status_t vkgpt__dstate_widen(vkgpt__dstate_t *d, const float *logits, double *scores,
                                   uint32_t row);

/* Decodes ids and looks for the configured stop strings: *found and the byte offset of the
 * earliest match. Does nothing (found false) when the config has none. */
vkgpt_status_t vkgpt__dstate_find_stop(vkgpt__dstate_t *d, const int32_t *ids, size_t n_ids,
                                       bool *found, size_t *offset);

/* The beam search loop (driver_beam.c); d is set up and out->seqs allocated. */
vkgpt_status_t vkgpt__decode_beam(vkgpt__dstate_t *d, vkgpt__decode_result_t *out);

#endif
