/* beam.c: finished beam hypotheses, following Hugging Face's BeamHypotheses (see beam.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "beam.h"

vkgpt_status_t vkgpt__beam_hyps_init(vkgpt__beam_hyps_t *h, const vkgpt__gen_config_t *cfg,
                                     size_t max_new, vkgpt__error_t *err) {
    memset(h, 0, sizeof(*h));
    h->num_beams = cfg->num_beams;
    h->cap_ids = max_new + 1;
    h->length_penalty = cfg->length_penalty;
    h->early_stopping = cfg->early_stopping;
    h->max_new = max_new;
    h->worst_score = 1e9;
    h->items = calloc(h->num_beams + 1, sizeof(*h->items));
    if (!h->items) {
        return vkgpt__error_set(err, VKGPT_ERR_OUT_OF_HOST_MEMORY, "beam hypotheses");
    }
    for (uint32_t i = 0; i <= h->num_beams; i++) {
        h->items[i].ids = malloc(h->cap_ids * sizeof(int32_t));
        if (!h->items[i].ids) {
            vkgpt__beam_hyps_free(h);
            return vkgpt__error_set(err, VKGPT_ERR_OUT_OF_HOST_MEMORY, "beam hypotheses");
        }
    }
    return VKGPT_OK;
}

void vkgpt__beam_hyps_free(vkgpt__beam_hyps_t *h) {
    for (uint32_t i = 0; h->items && i <= h->num_beams; i++) {
        free(h->items[i].ids);
    }
    free(h->items);
    memset(h, 0, sizeof(*h));
}

/* Index of the lowest score, the earliest added on ties; and the second lowest score. */
static uint32_t find_worst(const vkgpt__beam_hyps_t *h, double *second) {
    uint32_t w = 0;
    for (uint32_t i = 1; i < h->n; i++) {
        if (h->items[i].score < h->items[w].score) {
            w = i;
        }
    }
    *second = INFINITY;
    for (uint32_t i = 0; i < h->n; i++) {
        if (i != w && h->items[i].score < *second) {
            *second = h->items[i].score;
        }
    }
    return w;
}

/* Removes item k, keeping the others in order; its id buffer moves to the free last slot. */
static void remove_item(vkgpt__beam_hyps_t *h, uint32_t k) {
    int32_t *buf = h->items[k].ids;
    memmove(&h->items[k], &h->items[k + 1], (h->n - k - 1) * sizeof(*h->items));
    h->n--;
    h->items[h->n].ids = buf;
}

void vkgpt__beam_hyps_add(vkgpt__beam_hyps_t *h, const int32_t *ids, size_t n_ids, int32_t last,
                          double sum_logprobs, size_t gen_len, vkgpt__finish_t finish) {
    double score = sum_logprobs / pow((double)gen_len, h->length_penalty);
    if (h->n >= h->num_beams && !(score > h->worst_score)) {
        return;
    }

    vkgpt__beam_hyp_t *it = &h->items[h->n++];
    it->score = score;
    it->n_ids = n_ids < h->cap_ids ? n_ids : h->cap_ids;
    memcpy(it->ids, ids, it->n_ids * sizeof(int32_t));
    if (last >= 0 && it->n_ids < h->cap_ids) {
        it->ids[it->n_ids++] = last;
    }
    it->finish = finish;

    if (h->n > h->num_beams) {
        double second;
        uint32_t w = find_worst(h, &second);
        remove_item(h, w);
        h->worst_score = second;
    } else if (score < h->worst_score) {
        h->worst_score = score;
    }
}

bool vkgpt__beam_hyps_is_done(const vkgpt__beam_hyps_t *h, double best_sum_logprobs,
                              size_t cur_len) {
    if (h->n < h->num_beams) {
        return false;
    }
    if (h->early_stopping == VKGPT__EARLY_STOP_TRUE) {
        return true;
    }
    size_t len = cur_len;
    if (h->early_stopping == VKGPT__EARLY_STOP_NEVER && h->length_penalty > 0.0) {
        len = h->max_new;
    }
    double best = best_sum_logprobs / pow((double)len, h->length_penalty);
    return h->worst_score >= best;
}

void vkgpt__beam_hyps_best(const vkgpt__beam_hyps_t *h, uint32_t *order, uint32_t n) {
    /* Selection by (score descending, insertion order descending); n and h->n are at most
     * num_beams + 1, so quadratic work is nothing. */
    bool taken[VKGPT__GEN_MAX_BEAMS + 1] = {false};
    for (uint32_t j = 0; j < n; j++) {
        int best = -1;
        for (uint32_t i = 0; i < h->n; i++) {
            if (!taken[i] && (best < 0 || h->items[i].score >= h->items[best].score)) {
                best = (int)i;
            }
        }
        taken[best] = true;
        order[j] = (uint32_t)best;
    }
}
