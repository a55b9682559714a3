/* beam.h: the finished hypotheses of one prompt's beam search, kept as Hugging Face's
 * BeamHypotheses does (transformers 4.45).
 *
 * A hypothesis's score is its sum of log-probabilities divided by length^length_penalty,
 * where length counts the generated tokens including the eos that ended it (the prompt is not
 * counted). At most num_beams hypotheses are kept; a new one enters while there is room or
 * when it beats the worst, which then leaves (the earliest added among equal worst scores).
 *
 * is_done (asked after every step with the best candidate's running score):
 *   - fewer than num_beams hypotheses: not done;
 *   - early_stopping true: done;
 *   - false: done when the worst kept score >= best / cur_len^lp (cur_len: generated tokens
 *     including the one just chosen) -- Hugging Face's heuristic;
 *   - "never": as false, but with max_new_tokens in place of cur_len when lp > 0, which is the
 *     best score any continuation could still reach. */
#ifndef VKGPT_DECODE_BEAM_H
#define VKGPT_DECODE_BEAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "driver.h"

typedef struct vkgpt__beam_hyp {
    double score;            /* length-penalised */
    int32_t *ids;            /* [cap_ids] generated tokens, eos included when it ended one */
    size_t n_ids;
    vkgpt__finish_t finish;
} vkgpt__beam_hyp_t;

typedef struct vkgpt__beam_hyps {
    vkgpt__beam_hyp_t *items; /* [num_beams + 1] in the order they were added */
    uint32_t n;
    uint32_t num_beams;
    size_t cap_ids;
    double length_penalty;
    vkgpt__early_stop_t early_stopping;
    size_t max_new;           /* the prompt's token limit, for early_stopping "never" */
    double worst_score;       /* 1e9 until the first hypothesis, as in Hugging Face */
    bool done;
} vkgpt__beam_hyps_t;

vkgpt_status_t vkgpt__beam_hyps_init(vkgpt__beam_hyps_t *h, const vkgpt__gen_config_t *cfg,
                                     size_t max_new, vkgpt__error_t *err);
void vkgpt__beam_hyps_free(vkgpt__beam_hyps_t *h);

/* Offers ids[0..n_ids) followed by `last` when last >= 0 (at most max_new + 1 tokens in all
 * are stored) with its running sum of log-probabilities; gen_len is the length of the length
 * penalty. */
void vkgpt__beam_hyps_add(vkgpt__beam_hyps_t *h, const int32_t *ids, size_t n_ids, int32_t last,
                          double sum_logprobs, size_t gen_len, vkgpt__finish_t finish);

bool vkgpt__beam_hyps_is_done(const vkgpt__beam_hyps_t *h, double best_sum_logprobs,
                              size_t cur_len);

/* Writes the indices of the best n hypotheses, best first (n <= h->n). Among equal scores the
 * later added comes first, as popping Hugging Face's stable ascending sort does. */
void vkgpt__beam_hyps_best(const vkgpt__beam_hyps_t *h, uint32_t *order, uint32_t n);

#endif
