/* logits.h: the logits processors of Hugging Face's generate() (transformers 4.45), applied on
 * the host to one row of vocabulary scores, and the final choice of a token.
 *
 * Scores are double: the device's float logits are widened once, and every later step is
 * defined in double arithmetic in a fixed order, so that tools/reference_decoder.py reproduces
 * every decision bit for bit. Hugging Face computes in float32; the two can differ only where
 * two candidates or a probability and a threshold lie within float32 rounding of each other.
 * A removed token's score is -INFINITY, as in Hugging Face.
 *
 * Order within one step (what vkgpt__logits_process runs):
 *   repetition_penalty -> no_repeat_ngram_size -> min_new_tokens (eos masked)
 *   then, for sampling strategies only: temperature -> top_k -> top_p.
 * Beam strategies run the same chain on log-softmax scores, as Hugging Face does. */
#ifndef VKGPT_DECODE_LOGITS_H
#define VKGPT_DECODE_LOGITS_H

#include <stddef.h>
#include <stdint.h>

#include "gen_config.h"

/* A score and its token id; the sort key of top-p. */
typedef struct vkgpt__scored {
    double score;
    uint32_t id;
} vkgpt__scored_t;

/* Work memory for one row of n_vocab scores, allocated once per generation. mark must be all
 * zero between calls (each processor that sets marks clears them before it returns). */
typedef struct vkgpt__logits_scratch {
    size_t n_vocab;
    uint8_t *mark;             /* [n_vocab] */
    vkgpt__scored_t *sorted;   /* [n_vocab] */
    double *heap;              /* [n_vocab] */
} vkgpt__logits_scratch_t;

vkgpt_status_t vkgpt__logits_scratch_alloc(vkgpt__logits_scratch_t *s, size_t n_vocab,
                                           vkgpt__error_t *err);
void vkgpt__logits_scratch_free(vkgpt__logits_scratch_t *s);

/* Repetition penalty over every distinct id in ids[0..n_ids) (prompt and output): a positive
 * score is divided by penalty, a negative one multiplied, so penalty > 1 always lowers it.
 * Each id is penalised once however often it occurs. Ids outside [0, n_vocab) are skipped. */
void vkgpt__logits_repetition_penalty(double *scores, size_t n_vocab, const int32_t *ids,
                                      size_t n_ids, double penalty, uint8_t *mark);

/* No-repeat n-gram: when the last n-1 ids of ids[0..n_ids) occurred before followed by t, t is
 * removed, so no n-gram occurs twice. Nothing is removed while n_ids + 1 < n. n == 1 removes
 * every id already present. Cost: O(n_ids * n). */
void vkgpt__logits_no_repeat_ngram(double *scores, size_t n_vocab, const int32_t *ids,
                                   size_t n_ids, uint32_t n);

/* Removes each eos id (min_new_tokens not reached yet). */
void vkgpt__logits_mask_ids(double *scores, size_t n_vocab, const int32_t *ids, size_t n_ids);

/* score / temperature, each computed in double. */
void vkgpt__logits_temperature(double *scores, size_t n_vocab, double temperature);

/* Top-k: with k' = min(max(k, min_keep), n_vocab), removes every score strictly below the
 * k'-th largest (duplicates counted), so ties with the k'-th value are all kept. k == 0 keeps
 * everything. heap: [n_vocab] scratch. Cost: O(n_vocab log k'). */
void vkgpt__logits_top_k(double *scores, size_t n_vocab, uint32_t k, uint32_t min_keep,
                         double *heap);

/* Top-p (nucleus): the finite scores are sorted ascending by (score, id); with w = exp(score -
 * max) and the total of w summed in that order, an entry is removed when its running sum
 * divided by the total is <= 1 - top_p; the last min_keep entries (the largest) are always
 * kept. top_p >= 1 keeps everything. sorted: [n_vocab] scratch. */
void vkgpt__logits_top_p(double *scores, size_t n_vocab, double top_p, uint32_t min_keep,
                         vkgpt__scored_t *sorted);

/* log_softmax in place: x - max - log(sum of exp(x - max)), the sum taken in id order. Returns
 * false (scores untouched) when no score is finite. */
bool vkgpt__logits_log_softmax(double *scores, size_t n_vocab);

/* The id of the largest score, the lowest id on ties; -1 when none is finite. */
int32_t vkgpt__logits_argmax(const double *scores, size_t n_vocab);

/* Inverse-CDF sampling in id order: with w_i = exp(score_i - max) (0 for -inf) and total =
 * sum of w in id order, returns the first id whose running sum exceeds u * total (u in
 * [0, 1)), or the last id with w > 0 if rounding leaves the walk short. -1 when no score is
 * finite. */
int32_t vkgpt__logits_sample(const double *scores, size_t n_vocab, double u);

/* True when a score is NaN or +infinity (the model's output is unusable). */
bool vkgpt__logits_has_invalid(const float *logits, size_t n_vocab);

/* The whole chain of one step for one sequence. ids: prompt followed by the n_new generated
 * tokens; min_keep: 2 for beam_sample (as Hugging Face), else 1. Sampling warpers run only
 * when cfg's strategy samples. */
void vkgpt__logits_process(const vkgpt__gen_config_t *cfg, double *scores, size_t n_vocab,
                           const int32_t *ids, size_t n_ids, size_t n_new,
                           vkgpt__logits_scratch_t *scratch);

#endif
