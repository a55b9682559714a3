/* logits.c: the logits processors and token choice specified in logits.h. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "logits.h"

vkgpt_status_t vkgpt__logits_scratch_alloc(vkgpt__logits_scratch_t *s, size_t n_vocab,
                                           vkgpt__error_t *err) {
    memset(s, 0, sizeof(*s));
    s->n_vocab = n_vocab;
    s->mark = calloc(n_vocab, 1);
    s->sorted = calloc(n_vocab, sizeof(*s->sorted));
    s->heap = calloc(n_vocab, sizeof(*s->heap));
    if (!s->mark || !s->sorted || !s->heap) {
        vkgpt__logits_scratch_free(s);
        return vkgpt__error_set(err, VKGPT_ERR_OUT_OF_HOST_MEMORY,
                                "decoding scratch for a vocabulary of %zu", n_vocab);
    }
    return VKGPT_OK;
}

void vkgpt__logits_scratch_free(vkgpt__logits_scratch_t *s) {
    free(s->mark);
    free(s->sorted);
    free(s->heap);
    memset(s, 0, sizeof(*s));
}

static bool id_ok(int32_t id, size_t n_vocab) {
    return id >= 0 && (size_t)id < n_vocab;
}

void vkgpt__logits_repetition_penalty(double *scores, size_t n_vocab, const int32_t *ids,
                                      size_t n_ids, double penalty, uint8_t *mark) {
    for (size_t i = 0; i < n_ids; i++) {
        int32_t id = ids[i];
        if (!id_ok(id, n_vocab) || mark[id]) {
            continue;
        }
        mark[id] = 1;
        double s = scores[id];
        scores[id] = s < 0.0 ? s * penalty : s / penalty;
    }

    /* Leave the marks clear for the next caller. */
    for (size_t i = 0; i < n_ids; i++) {
        if (id_ok(ids[i], n_vocab)) {
            mark[ids[i]] = 0;
        }
    }
}

void vkgpt__logits_no_repeat_ngram(double *scores, size_t n_vocab, const int32_t *ids,
                                   size_t n_ids, uint32_t n) {
    if (n == 0 || n_ids + 1 < n) {
        return;
    }
    /* The prefix is the last n-1 ids; every earlier occurrence bans the id that followed it. */
    size_t plen = n - 1;
    const int32_t *prefix = ids + n_ids - plen;
    for (size_t start = 0; start + n <= n_ids; start++) {
        if (memcmp(ids + start, prefix, plen * sizeof(*ids)) != 0) {
            continue;
        }
        int32_t banned = ids[start + plen];
        if (id_ok(banned, n_vocab)) {
            scores[banned] = -INFINITY;
        }
    }
}

void vkgpt__logits_mask_ids(double *scores, size_t n_vocab, const int32_t *ids, size_t n_ids) {
    for (size_t i = 0; i < n_ids; i++) {
        if (id_ok(ids[i], n_vocab)) {
            scores[ids[i]] = -INFINITY;
        }
    }
}

void vkgpt__logits_temperature(double *scores, size_t n_vocab, double temperature) {
    for (size_t i = 0; i < n_vocab; i++) {
        scores[i] = scores[i] / temperature;
    }
}

static void heap_sift_down(double *h, size_t n, size_t i) {
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < n && h[l] < h[m]) {
            m = l;
        }
        if (r < n && h[r] < h[m]) {
            m = r;
        }
        if (m == i) {
            return;
        }
        double t = h[i];
        h[i] = h[m];
        h[m] = t;
        i = m;
    }
}

static void heap_push(double *h, size_t *n, double v) {
    size_t i = (*n)++;
    h[i] = v;
    while (i > 0 && h[(i - 1) / 2] > h[i]) {
        double t = h[i];
        h[i] = h[(i - 1) / 2];
        h[(i - 1) / 2] = t;
        i = (i - 1) / 2;
    }
}

void vkgpt__logits_top_k(double *scores, size_t n_vocab, uint32_t k, uint32_t min_keep,
                         double *heap) {
    if (k == 0) {
        return;
    }
    size_t kk = k > min_keep ? k : min_keep;
    if (kk >= n_vocab) {
        return;
    }

    /* A min-heap of the kk largest scores seen so far; its root ends as the kk-th largest. */
    size_t n = 0;
    for (size_t i = 0; i < n_vocab; i++) {
        if (n < kk) {
            heap_push(heap, &n, scores[i]);
        } else if (scores[i] > heap[0]) {
            heap[0] = scores[i];
            heap_sift_down(heap, n, 0);
        }
    }

    double kth = heap[0];
    for (size_t i = 0; i < n_vocab; i++) {
        if (scores[i] < kth) {
            scores[i] = -INFINITY;
        }
    }
}

static int cmp_scored_ascending(const void *pa, const void *pb) {
    const vkgpt__scored_t *a = pa, *b = pb;
    if (a->score != b->score) {
        return a->score < b->score ? -1 : 1;
    }
    return a->id < b->id ? -1 : a->id > b->id;
}

void vkgpt__logits_top_p(double *scores, size_t n_vocab, double top_p, uint32_t min_keep,
                         vkgpt__scored_t *sorted) {
    if (top_p >= 1.0) {
        return;
    }
    /* Removed tokens (-inf) sort first with probability 0 and stay removed, so only the finite
     * scores take part. */
    size_t m = 0;
    for (size_t i = 0; i < n_vocab; i++) {
        if (isfinite(scores[i])) {
            sorted[m++] = (vkgpt__scored_t){scores[i], (uint32_t)i};
        }
    }
    if (m == 0) {
        return;
    }
    qsort(sorted, m, sizeof(*sorted), cmp_scored_ascending);

    double max = sorted[m - 1].score, total = 0.0, running = 0.0;
    for (size_t j = 0; j < m; j++) {
        total += exp(sorted[j].score - max);
    }
    double cut = 1.0 - top_p;
    for (size_t j = 0; j + min_keep < m; j++) {
        running += exp(sorted[j].score - max);
        if (running / total <= cut) {
            scores[sorted[j].id] = -INFINITY;
        }
    }
}

static bool finite_max(const double *scores, size_t n_vocab, double *max) {
    bool any = false;
    for (size_t i = 0; i < n_vocab; i++) {
        if (isfinite(scores[i]) && (!any || scores[i] > *max)) {
            *max = scores[i];
            any = true;
        }
    }
    return any;
}

bool vkgpt__logits_log_softmax(double *scores, size_t n_vocab) {
    double max = 0.0, sum = 0.0;
    if (!finite_max(scores, n_vocab, &max)) {
        return false;
    }
    for (size_t i = 0; i < n_vocab; i++) {
        sum += exp(scores[i] - max);
    }
    double log_sum = log(sum);
    for (size_t i = 0; i < n_vocab; i++) {
        scores[i] = (scores[i] - max) - log_sum;
    }
    return true;
}

int32_t vkgpt__logits_argmax(const double *scores, size_t n_vocab) {
    int32_t best = -1;
    for (size_t i = 0; i < n_vocab; i++) {
        if (isfinite(scores[i]) && (best < 0 || scores[i] > scores[best])) {
            best = (int32_t)i;
        }
    }
    return best;
}

int32_t vkgpt__logits_sample(const double *scores, size_t n_vocab, double u) {
    double max = 0.0, total = 0.0, running = 0.0;
    if (!finite_max(scores, n_vocab, &max)) {
        return -1;
    }
    for (size_t i = 0; i < n_vocab; i++) {
        total += exp(scores[i] - max);
    }

    double target = u * total;
    int32_t last = -1;
    for (size_t i = 0; i < n_vocab; i++) {
        double w = exp(scores[i] - max);
        if (w > 0.0) {
            running += w;
            last = (int32_t)i;
            if (running > target) {
                return last;
            }
        }
    }
    return last;
}

bool vkgpt__logits_has_invalid(const float *logits, size_t n_vocab) {
    for (size_t i = 0; i < n_vocab; i++) {
        if (isnan(logits[i]) || logits[i] == INFINITY) {
            return true;
        }
    }
    return false;
}

void vkgpt__logits_process(const vkgpt__gen_config_t *cfg, double *scores, size_t n_vocab,
                           const int32_t *ids, size_t n_ids, size_t n_new,
                           vkgpt__logits_scratch_t *scratch) {
    if (cfg->repetition_penalty != 1.0) {
        vkgpt__logits_repetition_penalty(scores, n_vocab, ids, n_ids, cfg->repetition_penalty,
                                         scratch->mark);
    }
    if (cfg->no_repeat_ngram_size > 0) {
        vkgpt__logits_no_repeat_ngram(scores, n_vocab, ids, n_ids, cfg->no_repeat_ngram_size);
    }
    if (n_new < cfg->min_new_tokens) {
        vkgpt__logits_mask_ids(scores, n_vocab, cfg->eos_token_ids, cfg->n_eos);
    }
    if (!vkgpt__strategy_samples(cfg->strategy)) {
        return;
    }

    /* Hugging Face keeps at least two candidates per beam when sampling beams. */
    uint32_t min_keep = vkgpt__strategy_is_beam(cfg->strategy) ? 2 : 1;
    if (cfg->temperature != 1.0) {
        vkgpt__logits_temperature(scores, n_vocab, cfg->temperature);
    }
    if (cfg->top_k != 0) {
        vkgpt__logits_top_k(scores, n_vocab, cfg->top_k, min_keep, scratch->heap);
    }
    if (cfg->top_p < 1.0) {
        vkgpt__logits_top_p(scores, n_vocab, cfg->top_p, min_keep, scratch->sorted);
    }
}
