/* session.h: the session's insides, for the generation code: several rows (sequences) per
 * session, batched steps, and reordering of rows on the device. */
#ifndef VKGPT_MODEL_SESSION_H
#define VKGPT_MODEL_SESSION_H

#include <stdatomic.h>

#include "model/gpt2.h"

/* The most rows (beams times prompts) one session holds. */
#define VKGPT__SESSION_MAX_ROWS 64u

struct vkgpt_session {
    vkgpt__model_t *model;
    vkgpt__gpt2_buffers_t buf;
    uint32_t *row_len;         /* [n_rows] tokens in each row */
    uint32_t *row_tmp;         /* [n_rows] scratch for reordering */
    vkgpt__buffer_t reorder_scratch; /* one layer's cache rows */

    vkgpt__cmd_t *scratch;     /* prompt passes: re-recorded each time */
    vkgpt__cmd_t ***replay;    /* [n + 1]: recordings of a step over n rows, made on first use */
    uint32_t n_stages;         /* embedding + blocks + head */

    atomic_int cancel;         /* set by vkgpt_cancel() from any thread */
    void (*progress)(float fraction, void *user);
    void *progress_user;

    /* vkgpt_session_profile(): GPU time per kernel since profiling was switched on. */
    bool profiling;
    double profile_ns[VKGPT__KERNEL_COUNT];
    uint32_t profile_count[VKGPT__KERNEL_COUNT];
    vkgpt__error_t error;
};

/* Appends tokens to one row (a prompt, in chunks); logits of the last token when not NULL. */
vkgpt_status_t vkgpt__session_append(vkgpt_session_t *s, uint32_t row, const int32_t *tokens,
                                     size_t n_tokens, float *logits);

/* Appends tokens[i] to rows[i] for i < n in one pass; logits [n][n_vocab] when not NULL. */
vkgpt_status_t vkgpt__session_step(vkgpt_session_t *s, const uint32_t *rows,
                                   const int32_t *tokens, uint32_t n, float *logits);

/* Row r takes the cache and length row src[r] had, for r < n; copies stay on the device. */
vkgpt_status_t vkgpt__session_reorder(vkgpt_session_t *s, const uint32_t *src, uint32_t n);

uint32_t vkgpt__session_row_len(const vkgpt_session_t *s, uint32_t row);

#endif
