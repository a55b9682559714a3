/* driver_beam.c: beam search and beam sampling, step by step as Hugging Face's _beam_search
 * with BeamSearchScorer (transformers 4.45):
 *
 *   scores = log_softmax(logits) -> processors (logits.h) -> + the beam's running score
 *   beam:        the best K of the prompt's num_beams * n_vocab candidates, K = max(2, 1 +
 *                number of eos ids) * num_beams, by score then by lower flat index
 *   beam_sample: K candidates drawn without replacement (weights exp(score - max), inverse CDF
 *                in flat order as in logits.h, one uniform double per draw from the prompt's
 *                stream), then ordered by score
 *   walking the K in order until num_beams beams are filled: an eos candidate among the first
 *   num_beams becomes a finished hypothesis (beam.h), a later one is skipped; any other
 *   candidate continues as a beam.
 *
 * At the start every beam is a copy of the prompt and only the first counts (the others start
 * at -1e9), as in Hugging Face. The flat index is beam * n_vocab + token. Where fewer than K
 * candidates have a non-zero weight, beam_sample fills the rest with the best remaining scores
 * (Hugging Face raises an error there). The eos that ends a hypothesis is the one chosen
 * (Hugging Face appends its first eos id instead). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "beam.h"
#include "decode_internal.h"
#include "rng.h"

typedef struct cand {
    double score;
    uint32_t flat;
} cand_t;

typedef struct beam_group {
    vkgpt__beam_hyps_t hyps;
    size_t n_prompt;
    size_t limit;
    size_t t;              /* tokens each beam has generated */
    bool closed;           /* hyps.done, or ended by length, stop strings or cancel */
    vkgpt__finish_t end;   /* how the open beams ended, for the final hypotheses */
    vkgpt__rng_t rng;
} beam_group_t;

typedef struct beam_state {
    vkgpt__dstate_t *d;
    beam_group_t *groups;  /* [n_prompts] */
    size_t row_cap;        /* ids per row */
    int32_t *ids;          /* [n_rows][row_cap]: prompt then generated tokens */
    int32_t *ids_next;
    double *score;         /* [n_rows] running sums of log-probabilities */
    double *score_next;
    cand_t *cands;         /* [k] */
    double *weights;       /* [num_beams * n_vocab], beam_sample only */
    uint32_t k;
} beam_state_t;

static int32_t *row_ids(const beam_state_t *b, int32_t *base, uint32_t row) {
    return base + (size_t)row * b->row_cap;
}

/* ---- Candidates ---- */

/* Inserts into the best-k list kept sorted by (score desc, flat asc); flats arrive ascending,
 * so an equal score goes after the ones already there. */
static void topk_insert(cand_t *c, uint32_t *n, uint32_t k, double score, uint32_t flat) {
    if (*n == k && !(score > c[k - 1].score)) {
        return;
    }
    uint32_t i = *n < k ? (*n)++ : k - 1;
    while (i > 0 && c[i - 1].score < score) {
        c[i] = c[i - 1];
        i--;
    }
    c[i] = (cand_t){score, flat};
}

static int cmp_cand(const void *pa, const void *pb) {
    const cand_t *a = pa, *b = pb;
    if (a->score != b->score) {
        return a->score > b->score ? -1 : 1;
    }
    return a->flat < b->flat ? -1 : a->flat > b->flat;
}

/* One inverse-CDF draw over w[0..n) in flat order; -1 when every weight is zero. */
static int64_t draw(const double *w, size_t n, double u) {
    double total = 0.0, running = 0.0;
    for (size_t i = 0; i < n; i++) {
        total += w[i];
    }
    if (!(total > 0.0)) {
        return -1;
    }
    int64_t last = -1;
    for (size_t i = 0; i < n; i++) {
        if (w[i] > 0.0) {
            running += w[i];
            last = (int64_t)i;
            if (running > u * total) {
                break;
            }
        }
    }
    return last;
}

/* beam_sample's K draws without replacement from scores[0..n), then sorted by score. */
static void sample_cands(beam_state_t *b, beam_group_t *g, const double *scores, size_t n) {
    double max = -INFINITY;
    for (size_t i = 0; i < n; i++) {
        max = scores[i] > max ? scores[i] : max;
    }
    for (size_t i = 0; i < n; i++) {
        b->weights[i] = isfinite(max) ? exp(scores[i] - max) : 0.0;
    }

    uint32_t got = 0;
    for (; got < b->k; got++) {
        int64_t i = draw(b->weights, n, vkgpt__rng_next_double(&g->rng));
        if (i < 0) {
            break;
        }
        b->cands[got] = (cand_t){scores[i], (uint32_t)i};
        b->weights[i] = 0.0;
    }

    /* Too few non-zero weights: the best scores not drawn yet (weight 0 marks drawn ones
     * only while got < k, so scan by score with the drawn flats excluded). */
    for (uint32_t fill = got; fill < b->k; fill++) {
        int64_t best = -1;
        for (size_t i = 0; i < n; i++) {
            bool drawn = false;
            for (uint32_t j = 0; j < fill && !drawn; j++) {
                drawn = b->cands[j].flat == i;
            }
            if (!drawn && (best < 0 || scores[i] > scores[best])) {
                best = (int64_t)i;
            }
        }
        b->cands[fill] = (cand_t){scores[best], (uint32_t)best};
    }
    qsort(b->cands, b->k, sizeof(*b->cands), cmp_cand);
}

/* Scores every candidate of one prompt (logits: its num_beams rows, packed) into b->cands. */
static vkgpt_status_t group_cands(beam_state_t *b, uint32_t gi, const float *logits) {
    vkgpt__dstate_t *d = b->d;
    beam_group_t *g = &b->groups[gi];
    bool sample = vkgpt__strategy_samples(d->cfg->strategy);
    uint32_t nb = d->group, n = 0;
    for (uint32_t j = 0; j < nb; j++) {
        uint32_t row = gi * nb + j;
        double *s = sample ? d->work + (size_t)j * d->n_vocab : d->work;
        vkgpt_status_t st = vkgpt__dstate_widen(d, logits + (size_t)j * d->n_vocab, s, row);
        if (st != VKGPT_OK) {
            return st;
        }
        if (!vkgpt__logits_log_softmax(s, d->n_vocab)) {
            return vkgpt__error_set(d->err, VKGPT_ERR_INTERNAL, "row %u has no finite logit",
                                    row);
        }
        vkgpt__logits_process(d->cfg, s, d->n_vocab, row_ids(b, b->ids, row), g->n_prompt + g->t,
                              g->t, &d->scratch);
        for (size_t v = 0; v < d->n_vocab; v++) {
            s[v] += b->score[row];
            if (!sample) {
                topk_insert(b->cands, &n, b->k, s[v], (uint32_t)(j * d->n_vocab + v));
            }
        }
    }
    if (sample) {
        sample_cands(b, g, d->work, (size_t)nb * d->n_vocab);
    }
    return VKGPT_OK;
}

/* ---- One prompt's step: BeamSearchScorer.process ---- */

/* Copies row src's history into new row dst with token appended. */
static void continue_beam(beam_state_t *b, beam_group_t *g, uint32_t dst, uint32_t src,
                          int32_t token, double score) {
    int32_t *to = row_ids(b, b->ids_next, dst);
    memcpy(to, row_ids(b, b->ids, src), (g->n_prompt + g->t) * sizeof(int32_t));
    to[g->n_prompt + g->t] = token;
    b->score_next[dst] = score;
    b->d->src[dst] = src;
}

/* Adds a finished hypothesis: beam src's generated tokens followed by the eos chosen. */
static void finish_beam(beam_state_t *b, beam_group_t *g, uint32_t src, int32_t eos,
                        double score) {
    const int32_t *gen = row_ids(b, b->ids, src) + g->n_prompt;
    vkgpt__beam_hyps_add(&g->hyps, gen, g->t, eos, score, g->t + 1, VKGPT__FINISH_EOS);
}

static vkgpt_status_t group_process(beam_state_t *b, uint32_t gi) {
    vkgpt__dstate_t *d = b->d;
    beam_group_t *g = &b->groups[gi];
    uint32_t nb = d->group, filled = 0;
    for (uint32_t rank = 0; rank < b->k && filled < nb; rank++) {
        const cand_t *c = &b->cands[rank];
        uint32_t src = gi * nb + c->flat / (uint32_t)d->n_vocab;
        int32_t token = (int32_t)(c->flat % (uint32_t)d->n_vocab);
        if (!vkgpt__gen_is_eos(d->cfg, token)) {
            continue_beam(b, g, gi * nb + filled++, src, token, c->score);
        } else if (rank < nb) {
            finish_beam(b, g, src, token, c->score);
        }
    }
    VKGPT__CHECK_INTERNAL(filled == nb);

    g->hyps.done = vkgpt__beam_hyps_is_done(&g->hyps, b->cands[0].score, g->t + 1);
    g->t++;
    if (g->hyps.done || g->t >= g->limit) {
        g->closed = true;
        g->end = VKGPT__FINISH_LENGTH;
    }
    return VKGPT_OK;
}

/* ---- The loop ---- */

/* Makes the step's new beams current: processed prompts take their new rows, the others keep
 * theirs (identity in d->src). */
static void commit_step(beam_state_t *b, const bool *processed) {
    vkgpt__dstate_t *d = b->d;
    for (uint32_t r = 0; r < d->n_rows; r++) {
        beam_group_t *g = &b->groups[r / d->group];
        if (!processed[r / d->group]) {
            d->src[r] = r;
            continue;
        }
        memcpy(row_ids(b, b->ids, r), row_ids(b, b->ids_next, r),
               (g->n_prompt + g->t) * sizeof(int32_t));
        b->score[r] = b->score_next[r];
    }
}

/* Ends every open prompt when every open beam holds a stop string (Hugging Face stops a
 * beam search when its stopping criteria hold for all rows). */
static vkgpt_status_t check_stops(beam_state_t *b) {
    vkgpt__dstate_t *d = b->d;
    bool all = true, any_open = false;
    for (uint32_t r = 0; all && d->cfg->n_stop > 0 && r < d->n_rows; r++) {
        beam_group_t *g = &b->groups[r / d->group];
        if (g->closed) {
            continue;
        }
        size_t off;
        vkgpt_status_t st = vkgpt__dstate_find_stop(d, row_ids(b, b->ids, r) + g->n_prompt, g->t,
                                                    &all, &off);
        if (st != VKGPT_OK) {
            return st;
        }
        any_open = true;
    }
    for (uint32_t gi = 0; any_open && all && gi < d->n_prompts; gi++) {
        if (!b->groups[gi].closed) {
            b->groups[gi].closed = true;
            b->groups[gi].end = VKGPT__FINISH_STOP;
        }
    }
    return VKGPT_OK;
}

/* Lists the rows of open prompts with their last tokens. */
static uint32_t open_rows(beam_state_t *b) {
    vkgpt__dstate_t *d = b->d;
    uint32_t n = 0;
    for (uint32_t r = 0; r < d->n_rows; r++) {
        beam_group_t *g = &b->groups[r / d->group];
        if (!g->closed) {
            d->rows[n] = r;
            d->tokens[n++] = row_ids(b, b->ids, r)[g->n_prompt + g->t - 1];
        }
    }
    return n;
}

/* Moves the device's rows to where the step put the beams, when any moved. */
static vkgpt_status_t reorder_rows(beam_state_t *b) {
    vkgpt__dstate_t *d = b->d;
    bool moved = false;
    for (uint32_t r = 0; r < d->n_rows && !moved; r++) {
        moved = d->src[r] != r;
    }
    vkgpt_status_t st = moved ? d->model->reorder(d->model->ctx, d->src, d->n_rows) : VKGPT_OK;
    if (st != VKGPT_OK) {
        return vkgpt__error_set(d->err, st, "reordering %u beam rows failed", d->n_rows);
    }
    return VKGPT_OK;
}

static void close_open(beam_state_t *b, vkgpt__finish_t why) {
    for (uint32_t gi = 0; gi < b->d->n_prompts; gi++) {
        if (!b->groups[gi].closed) {
            b->groups[gi].closed = true;
            b->groups[gi].end = why;
        }
    }
}

/* One round: candidates and scorer for every open prompt, then the stop-string check. */
static vkgpt_status_t beam_round(beam_state_t *b, bool *processed) {
    vkgpt__dstate_t *d = b->d;
    const float *logits = d->logits;
    for (uint32_t gi = 0; gi < d->n_prompts; gi++) {
        processed[gi] = !b->groups[gi].closed;
        if (!processed[gi]) {
            continue;
        }
        vkgpt_status_t st = group_cands(b, gi, logits);
        if (st == VKGPT_OK) {
            st = group_process(b, gi);
        }
        if (st != VKGPT_OK) {
            return st;
        }
        logits += (size_t)d->group * d->n_vocab;
    }
    commit_step(b, processed);
    return check_stops(b);
}

static vkgpt_status_t beam_loop(beam_state_t *b, bool *processed) {
    vkgpt__dstate_t *d = b->d;
    if (vkgpt__dstate_cancelled(d)) {
        close_open(b, VKGPT__FINISH_CANCELLED);
        return vkgpt__error_set(d->err, VKGPT_ERR_CANCELLED, "cancelled before the prompt");
    }
    vkgpt_status_t st = vkgpt__dstate_prefill(d);
    while (st == VKGPT_OK) {
        st = beam_round(b, processed);
        uint32_t n_open = st == VKGPT_OK ? open_rows(b) : 0;
        if (n_open == 0) {
            break;
        }
        if (vkgpt__dstate_cancelled(d)) {
            close_open(b, VKGPT__FINISH_CANCELLED);
            return vkgpt__error_set(d->err, VKGPT_ERR_CANCELLED, "cancelled after %u steps",
                                    d->n_steps);
        }
        st = reorder_rows(b);
        if (st == VKGPT_OK) {
            st = vkgpt__dstate_step(d, n_open);
        }
    }
    return st;
}

/* ---- Results: BeamSearchScorer.finalize ---- */

static vkgpt_status_t finalize_group(beam_state_t *b, uint32_t gi, vkgpt__decode_seq_t *out) {
    vkgpt__dstate_t *d = b->d;
    beam_group_t *g = &b->groups[gi];
    uint32_t order[VKGPT__GEN_MAX_BEAMS + 1];
    uint32_t nrs = d->cfg->num_return_sequences;
    for (uint32_t j = 0; !g->hyps.done && g->t > 0 && j < d->group; j++) {
        uint32_t r = gi * d->group + j;
        vkgpt__beam_hyps_add(&g->hyps, row_ids(b, b->ids, r) + g->n_prompt, g->t, -1,
                             b->score[r], g->t, g->end);
    }
    if (g->hyps.n < nrs) {
        /* Only when cancelled before the first token: every sequence is empty. */
        for (uint32_t j = 0; j < nrs; j++) {
            out[j] = (vkgpt__decode_seq_t){.ids = malloc(sizeof(int32_t)), .finish = g->end};
            if (!out[j].ids) {
                return vkgpt__error_set(d->err, VKGPT_ERR_OUT_OF_HOST_MEMORY, "output tokens");
            }
        }
        return VKGPT_OK;
    }

    vkgpt__beam_hyps_best(&g->hyps, order, nrs);
    for (uint32_t j = 0; j < nrs; j++) {
        const vkgpt__beam_hyp_t *h = &g->hyps.items[order[j]];
        out[j] = (vkgpt__decode_seq_t){.n_ids = h->n_ids, .score = h->score, .finish = h->finish};
        out[j].ids = malloc((h->n_ids ? h->n_ids : 1) * sizeof(int32_t));
        if (!out[j].ids) {
            return vkgpt__error_set(d->err, VKGPT_ERR_OUT_OF_HOST_MEMORY, "output tokens");
        }
        memcpy(out[j].ids, h->ids, h->n_ids * sizeof(int32_t));
        bool hit = false;
        vkgpt_status_t st = h->finish != VKGPT__FINISH_STOP ? VKGPT_OK
            : vkgpt__dstate_find_stop(d, h->ids, h->n_ids, &hit, &out[j].stop_offset);
        if (st != VKGPT_OK) {
            return st;
        }
    }
    return VKGPT_OK;
}

/* ---- Setup ---- */

static vkgpt_status_t state_alloc(beam_state_t *b) {
    vkgpt__dstate_t *d = b->d;
    const vkgpt__gen_config_t *cfg = d->cfg;
    b->k = (cfg->n_eos + 1 > 2 ? cfg->n_eos + 1 : 2) * cfg->num_beams;
    for (uint32_t p = 0; p < d->n_prompts; p++) {
        size_t need = d->prompts[p].n_ids + vkgpt__dstate_limit(d, p);
        b->row_cap = need > b->row_cap ? need : b->row_cap;
    }
    size_t n_ids = (size_t)d->n_rows * b->row_cap; /* <= n_rows * n_ctx, both bounded */
    b->groups = calloc(d->n_prompts, sizeof(*b->groups));
    b->ids = malloc(n_ids * sizeof(int32_t));
    b->ids_next = malloc(n_ids * sizeof(int32_t));
    b->score = calloc(d->n_rows, sizeof(double));
    b->score_next = calloc(d->n_rows, sizeof(double));
    b->cands = calloc(b->k, sizeof(*b->cands));
    b->weights = vkgpt__strategy_samples(cfg->strategy)
                     ? malloc((size_t)d->group * d->n_vocab * sizeof(double)) : NULL;
    bool ok = b->groups && b->ids && b->ids_next && b->score && b->score_next && b->cands &&
              (b->weights || !vkgpt__strategy_samples(cfg->strategy));
    return ok ? VKGPT_OK : vkgpt__error_set(d->err, VKGPT_ERR_OUT_OF_HOST_MEMORY, "beam state");
}

static vkgpt_status_t state_init(beam_state_t *b) {
    vkgpt__dstate_t *d = b->d;
    vkgpt_status_t st = state_alloc(b);
    for (uint32_t gi = 0; st == VKGPT_OK && gi < d->n_prompts; gi++) {
        beam_group_t *g = &b->groups[gi];
        g->n_prompt = d->prompts[gi].n_ids;
        g->limit = vkgpt__dstate_limit(d, gi);
        vkgpt__rng_init(&g->rng, d->cfg->seed, gi);
        for (uint32_t j = 0; j < d->group; j++) {
            uint32_t r = gi * d->group + j;
            memcpy(row_ids(b, b->ids, r), d->prompts[gi].ids, g->n_prompt * sizeof(int32_t));
            b->score[r] = j == 0 ? 0.0 : -1e9;
        }
        st = vkgpt__beam_hyps_init(&g->hyps, d->cfg, g->limit, d->err);
    }
    return st;
}

static void state_free(beam_state_t *b) {
    for (uint32_t gi = 0; b->groups && gi < b->d->n_prompts; gi++) {
        vkgpt__beam_hyps_free(&b->groups[gi].hyps);
    }
    free(b->groups);
    free(b->ids);
    free(b->ids_next);
    free(b->score);
    free(b->score_next);
    free(b->cands);
    free(b->weights);
}

vkgpt_status_t vkgpt__decode_beam(vkgpt__dstate_t *d, vkgpt__decode_result_t *out) {
    beam_state_t b = {.d = d};
    bool *processed = calloc(d->n_prompts, sizeof(bool));
    vkgpt_status_t st = processed ? state_init(&b)
        : vkgpt__error_set(d->err, VKGPT_ERR_OUT_OF_HOST_MEMORY, "beam state");
    if (st == VKGPT_OK) {
        st = beam_loop(&b, processed);
    }
    uint32_t nrs = d->cfg->num_return_sequences;
    for (uint32_t gi = 0; (st == VKGPT_OK || st == VKGPT_ERR_CANCELLED) && gi < d->n_prompts;
         gi++) {
        vkgpt_status_t st2 = finalize_group(&b, gi, out->seqs + (size_t)gi * nrs);
        st = st2 != VKGPT_OK ? st2 : st;
    }
    state_free(&b);
    free(processed);
    return st;
}
