/* driver.c: setup shared by every strategy and the loop for greedy and sample rows. The beam
 * loop is in driver_beam.c. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "decode_internal.h"
#include "rng.h"

const char *vkgpt__finish_name(vkgpt__finish_t f) {
    static const char *const names[] = {"eos", "length", "stop", "cancelled"};
    return (unsigned)f < VKGPT__ARRAY_LEN(names) ? names[f] : "unknown";
}

void vkgpt__decode_result_free(vkgpt__decode_result_t *r) {
    if (!r) {
        return;
    }
    for (uint32_t i = 0; r->seqs && i < r->n_seqs; i++) {
        free(r->seqs[i].ids);
    }
    free(r->seqs);
    memset(r, 0, sizeof(*r));
}

/* ---- Shared helpers ---- */

size_t vkgpt__dstate_limit(const vkgpt__dstate_t *d, uint32_t p) {
    size_t room = d->model->n_ctx - d->prompts[p].n_ids; /* > 0: checked in check_prompts */
    return room < d->cfg->max_new_tokens ? room : d->cfg->max_new_tokens;
}

bool vkgpt__dstate_cancelled(const vkgpt__dstate_t *d) {
    return d->hooks && d->hooks->cancel && atomic_load(d->hooks->cancel) != 0;
}

vkgpt_status_t vkgpt__dstate_widen(vkgpt__dstate_t *d, const float *logits, double *scores,
                                   uint32_t row) {
    if (vkgpt__logits_has_invalid(logits, d->n_vocab)) {
        return vkgpt__error_set(d->err, VKGPT_ERR_INTERNAL, "the model returned NaN or "
                                "+infinity logits for row %u after %u steps", row, d->n_steps);
    }
    for (size_t i = 0; i < d->n_vocab; i++) {
        scores[i] = (double)logits[i];
    }
    return VKGPT_OK;
}

vkgpt_status_t vkgpt__dstate_prefill(vkgpt__dstate_t *d) {
    const vkgpt__decode_model_t *m = d->model;
    for (uint32_t p = 0; p < d->n_prompts; p++) {
        uint32_t row = p * d->group;
        float *dst = d->logits + (size_t)row * d->n_vocab;
        vkgpt_status_t st = m->prefill(m->ctx, row, d->prompts[p].ids, d->prompts[p].n_ids, dst);
        if (st != VKGPT_OK) {
            return vkgpt__error_set(d->err, st, "evaluating prompt %u (%zu tokens) failed", p,
                                    d->prompts[p].n_ids);
        }
    }
    if (d->group == 1) {
        return VKGPT_OK;
    }

    /* Every row of a prompt starts as a copy of its first row, on the device and here. */
    for (uint32_t r = 0; r < d->n_rows; r++) {
        uint32_t lead = r / d->group * d->group;
        d->src[r] = lead;
        if (r != lead) {
            memcpy(d->logits + (size_t)r * d->n_vocab, d->logits + (size_t)lead * d->n_vocab,
                   d->n_vocab * sizeof(float));
        }
    }
    vkgpt_status_t st = m->reorder(m->ctx, d->src, d->n_rows);
    if (st != VKGPT_OK) {
        return vkgpt__error_set(d->err, st, "copying prompt rows to %u rows failed", d->n_rows);
    }
    return VKGPT_OK;
}

vkgpt_status_t vkgpt__dstate_step(vkgpt__dstate_t *d, uint32_t n) {
    const vkgpt__decode_model_t *m = d->model;
    vkgpt_status_t st = m->step(m->ctx, d->rows, d->tokens, n, d->logits);
    if (st != VKGPT_OK) {
        return vkgpt__error_set(d->err, st, "decode step %u (%u rows) failed", d->n_steps + 1, n);
    }
    d->n_steps++;
    return VKGPT_OK;
}

/* Fills d->text with the decoding of ids, growing it when the text is longer. */
static vkgpt_status_t decode_text(vkgpt__dstate_t *d, const int32_t *ids, size_t n_ids,
                                  size_t *len) {
    const vkgpt__decode_model_t *m = d->model;
    for (int attempt = 0; attempt < 2; attempt++) {
        vkgpt_status_t st = m->decode(m->ctx, ids, n_ids, d->text, d->text_cap, len);
        if (st != VKGPT_OK) {
            return vkgpt__error_set(d->err, st, "decoding %zu tokens for stop strings", n_ids);
        }
        if (*len <= d->text_cap) {
            return VKGPT_OK;
        }
        char *grown = realloc(d->text, *len);
        if (!grown) {
            return vkgpt__error_set(d->err, VKGPT_ERR_OUT_OF_HOST_MEMORY, "%zu bytes of text",
                                    *len);
        }
        d->text = grown;
        d->text_cap = *len;
    }
    return vkgpt__error_set(d->err, VKGPT_ERR_INTERNAL, "decode length changed between calls");
}

/* The first occurrence of needle in hay (memmem is a GNU extension). */
static const char *find_bytes(const char *hay, size_t n, const char *needle, size_t m) {
    for (size_t i = 0; m <= n && i <= n - m; i++) {
        if (hay[i] == needle[0] && memcmp(hay + i, needle, m) == 0) {
            return hay + i;
        }
    }
    return NULL;
}

vkgpt_status_t vkgpt__dstate_find_stop(vkgpt__dstate_t *d, const int32_t *ids, size_t n_ids,
                                       bool *found, size_t *offset) {
    *found = false;
    if (d->cfg->n_stop == 0) {
        return VKGPT_OK;
    }

    /* The whole new text is decoded each time: a later token can change how the bytes before
     * it decode (a character split across tokens), and decoding is cheap next to a model
     * step. The cost grows with the square of the output length. */
    size_t len = 0;
    vkgpt_status_t st = decode_text(d, ids, n_ids, &len);
    if (st != VKGPT_OK) {
        return st;
    }
    for (uint32_t i = 0; i < d->cfg->n_stop; i++) {
        const char *s = d->cfg->stop[i];
        const char *hit = find_bytes(d->text, len, s, strlen(s));
        if (hit && (!*found || (size_t)(hit - d->text) < *offset)) {
            *found = true;
            *offset = (size_t)(hit - d->text);
        }
    }
    return VKGPT_OK;
}

/* ---- Greedy and sample rows ---- */

typedef struct seq_row {
    int32_t *ids;     /* [n_prompt + limit]: prompt, then generated tokens */
    size_t n_prompt;
    size_t n_ids;
    size_t limit;
    bool live;
    vkgpt__rng_t rng;
} seq_row_t;

/* Runs the processors on one row's logits and chooses its next token. */
static vkgpt_status_t choose(vkgpt__dstate_t *d, seq_row_t *row, uint32_t r, const float *logits,
                             int32_t *token) {
    double *scores = d->work;
    vkgpt_status_t st = vkgpt__dstate_widen(d, logits, scores, r);
    if (st != VKGPT_OK) {
        return st;
    }
    vkgpt__logits_process(d->cfg, scores, d->n_vocab, row->ids, row->n_ids,
                          row->n_ids - row->n_prompt, &d->scratch);
    if (d->cfg->strategy == VKGPT__STRATEGY_SAMPLE) {
        *token = vkgpt__logits_sample(scores, d->n_vocab, vkgpt__rng_next_double(&row->rng));
    } else {
        *token = vkgpt__logits_argmax(scores, d->n_vocab);
    }
    if (*token < 0) {
        return vkgpt__error_set(d->err, VKGPT_ERR_INVALID_ARGUMENT, "every token was removed "
                                "for sequence %u after %zu new tokens (no_repeat_ngram_size or "
                                "min_new_tokens leave nothing to choose)", r,
                                row->n_ids - row->n_prompt);
    }
    return VKGPT_OK;
}

/* Appends a chosen token and decides whether the row goes on. */
static vkgpt_status_t advance(vkgpt__dstate_t *d, seq_row_t *row, uint32_t r, int32_t token,
                              vkgpt__decode_seq_t *seq, bool *stop_all) {
    row->ids[row->n_ids++] = token;
    size_t n_new = row->n_ids - row->n_prompt;
    if (d->hooks && d->hooks->on_token && !d->hooks->on_token(d->hooks->user, r, token)) {
        *stop_all = true;
    }

    bool hit = false;
    vkgpt_status_t st = vkgpt__dstate_find_stop(d, row->ids + row->n_prompt, n_new, &hit,
                                                &seq->stop_offset);
    if (st != VKGPT_OK) {
        return st;
    }
    if (vkgpt__gen_is_eos(d->cfg, token)) {
        seq->finish = VKGPT__FINISH_EOS;
    } else if (hit) {
        seq->finish = VKGPT__FINISH_STOP;
    } else if (n_new >= row->limit) {
        seq->finish = VKGPT__FINISH_LENGTH;
    } else {
        return VKGPT_OK;
    }
    row->live = false;
    return VKGPT_OK;
}

/* One round: a token for every live row (logits packed in live order), then the next step's
 * row list in d->rows/d->tokens. */
static vkgpt_status_t rows_round(vkgpt__dstate_t *d, seq_row_t *rows, vkgpt__decode_seq_t *seqs,
                                 const uint32_t *live, uint32_t n_live, uint32_t *n_next,
                                 bool *stop_all) {
    uint32_t next = 0;
    for (uint32_t i = 0; i < n_live; i++) {
        uint32_t r = live[i];
        int32_t token;
        vkgpt_status_t st = choose(d, &rows[r], r, d->logits + (size_t)i * d->n_vocab, &token);
        if (st == VKGPT_OK) {
            st = advance(d, &rows[r], r, token, &seqs[r], stop_all);
        }
        if (st != VKGPT_OK) {
            return st;
        }
        if (rows[r].live) {
            d->tokens[next] = token;
            d->rows[next++] = r;
        }
    }
    *n_next = next;
    return VKGPT_OK;
}

static vkgpt_status_t rows_loop(vkgpt__dstate_t *d, seq_row_t *rows, vkgpt__decode_seq_t *seqs) {
    if (vkgpt__dstate_cancelled(d)) {
        return vkgpt__error_set(d->err, VKGPT_ERR_CANCELLED, "cancelled before the prompt");
    }
    vkgpt_status_t st = vkgpt__dstate_prefill(d);
    uint32_t n_live = d->n_rows;
    for (uint32_t r = 0; r < d->n_rows; r++) {
        d->rows[r] = r;
    }

    while (st == VKGPT_OK && n_live > 0) {
        /* rows_round rewrites d->rows, so the round reads the previous list from a copy. */
        bool stop_all = false;
        memcpy(d->src, d->rows, n_live * sizeof(*d->rows));
        st = rows_round(d, rows, seqs, d->src, n_live, &n_live, &stop_all);
        if (st == VKGPT_OK && n_live > 0 && (stop_all || vkgpt__dstate_cancelled(d))) {
            st = vkgpt__error_set(d->err, VKGPT_ERR_CANCELLED, "cancelled after %u steps",
                                  d->n_steps);
        } else if (st == VKGPT_OK && n_live > 0) {
            st = vkgpt__dstate_step(d, n_live);
        }
    }
    return st;
}

/* Gives every row its prompt, limit and random stream (numbered by row). */
static vkgpt_status_t rows_init(vkgpt__dstate_t *d, seq_row_t *rows) {
    for (uint32_t r = 0; r < d->n_rows; r++) {
        uint32_t p = r / d->group;
        size_t n_prompt = d->prompts[p].n_ids;
        rows[r].limit = vkgpt__dstate_limit(d, p);
        rows[r].ids = malloc((n_prompt + rows[r].limit) * sizeof(int32_t));
        if (!rows[r].ids) {
            return vkgpt__error_set(d->err, VKGPT_ERR_OUT_OF_HOST_MEMORY, "token buffers");
        }
        memcpy(rows[r].ids, d->prompts[p].ids, n_prompt * sizeof(int32_t));
        rows[r].n_prompt = rows[r].n_ids = n_prompt;
        rows[r].live = true;
        vkgpt__rng_init(&rows[r].rng, d->cfg->seed, r);
    }
    return VKGPT_OK;
}

/* Moves each row's generated tokens into its output sequence. */
static vkgpt_status_t rows_collect(vkgpt__dstate_t *d, seq_row_t *rows, vkgpt__decode_seq_t *seqs) {
    for (uint32_t r = 0; r < d->n_rows; r++) {
        size_t n_new = rows[r].n_ids - rows[r].n_prompt;
        if (rows[r].live) {
            seqs[r].finish = VKGPT__FINISH_CANCELLED;
        }
        seqs[r].ids = malloc((n_new ? n_new : 1) * sizeof(int32_t));
        if (!seqs[r].ids) {
            return vkgpt__error_set(d->err, VKGPT_ERR_OUT_OF_HOST_MEMORY, "output tokens");
        }
        memcpy(seqs[r].ids, rows[r].ids + rows[r].n_prompt, n_new * sizeof(int32_t));
        seqs[r].n_ids = n_new;
    }
    return VKGPT_OK;
}

static vkgpt_status_t decode_rows(vkgpt__dstate_t *d, vkgpt__decode_result_t *out) {
    seq_row_t *rows = calloc(d->n_rows, sizeof(*rows));
    if (!rows) {
        return vkgpt__error_set(d->err, VKGPT_ERR_OUT_OF_HOST_MEMORY, "row state");
    }
    vkgpt_status_t st = rows_init(d, rows);
    if (st == VKGPT_OK) {
        st = rows_loop(d, rows, out->seqs);
    }
    if (st == VKGPT_OK || st == VKGPT_ERR_CANCELLED) {
        vkgpt_status_t st2 = rows_collect(d, rows, out->seqs);
        st = st2 != VKGPT_OK ? st2 : st;
    }
    for (uint32_t r = 0; r < d->n_rows; r++) {
        free(rows[r].ids);
    }
    free(rows);
    return st;
}

/* ---- Setup ---- */

static vkgpt_status_t check_prompts(const vkgpt__decode_model_t *m,
                                    const vkgpt__decode_prompt_t *prompts, uint32_t n_prompts,
                                    vkgpt__error_t *err) {
    for (uint32_t p = 0; p < n_prompts; p++) {
        const vkgpt__decode_prompt_t *pr = &prompts[p];
        if (pr->n_ids == 0 || !pr->ids) {
            return vkgpt__error_set(err, VKGPT_ERR_INVALID_ARGUMENT, "prompt %u is empty", p);
        }
        if (pr->n_ids >= m->n_ctx) {
            return vkgpt__error_set(err, VKGPT_ERR_CONTEXT_FULL, "prompt %u has %zu tokens; the "
                                    "model's context holds %zu including at least one new "
                                    "token", p, pr->n_ids, m->n_ctx);
        }
        for (size_t i = 0; i < pr->n_ids; i++) {
            if (pr->ids[i] < 0 || (size_t)pr->ids[i] >= m->n_vocab) {
                return vkgpt__error_set(err, VKGPT_ERR_INVALID_ARGUMENT, "prompt %u token %zu "
                                        "is id %d, outside the vocabulary of %zu", p, i,
                                        pr->ids[i], m->n_vocab);
            }
        }
    }
    return VKGPT_OK;
}

static vkgpt_status_t check_setup(const vkgpt__gen_config_t *cfg, const vkgpt__decode_model_t *m,
                                  uint32_t n_prompts, uint32_t group, vkgpt__error_t *err) {
    const vkgpt_status_t bad = VKGPT_ERR_INVALID_ARGUMENT;
    vkgpt_status_t st = vkgpt__gen_config_check(cfg, err);
    if (st != VKGPT_OK) {
        return st;
    }
    if (!cfg->eos_set) {
        return vkgpt__error_set(err, bad, "the eos ids were not resolved from the tokenizer");
    }
    if (!m->prefill || !m->step || !m->reorder || m->n_vocab == 0 || m->n_vocab > INT32_MAX) {
        return vkgpt__error_set(err, bad, "the model interface is incomplete");
    }
    if (cfg->n_stop > 0 && !m->decode) {
        return vkgpt__error_set(err, bad, "stop strings need a tokenizer to decode with");
    }
    uint64_t rows = (uint64_t)n_prompts * group;
    if (n_prompts == 0 || rows > m->n_rows) {
        return vkgpt__error_set(err, bad, "%u prompts of %u rows each need %llu rows; the "
                                "session has %u", n_prompts, group, (unsigned long long)rows,
                                m->n_rows);
    }
    uint64_t keep = (uint64_t)(cfg->n_eos + 1 > 2 ? cfg->n_eos + 1 : 2) * cfg->num_beams;
    if (vkgpt__strategy_is_beam(cfg->strategy) && keep > (uint64_t)cfg->num_beams * m->n_vocab) {
        return vkgpt__error_set(err, bad, "a vocabulary of %zu is too small for %u beams",
                                m->n_vocab, cfg->num_beams);
    }
    return VKGPT_OK;
}

static vkgpt_status_t dstate_alloc(vkgpt__dstate_t *d) {
    size_t n_logits, n_work;
    if (vkgpt__mul_overflow(d->n_rows, d->n_vocab, &n_logits) ||
        vkgpt__mul_overflow(d->group, d->n_vocab, &n_work) ||
        n_logits > SIZE_MAX / sizeof(double)) {
        return vkgpt__error_set(d->err, VKGPT_ERR_INVALID_ARGUMENT, "%u rows of %zu logits "
                                "overflow", d->n_rows, d->n_vocab);
    }
    d->logits = malloc(n_logits * sizeof(float));
    d->work = malloc(n_work * sizeof(double));
    d->rows = malloc(d->n_rows * sizeof(uint32_t));
    d->tokens = malloc(d->n_rows * sizeof(int32_t));
    d->src = malloc(d->n_rows * sizeof(uint32_t));
    if (!d->logits || !d->work || !d->rows || !d->tokens || !d->src) {
        return vkgpt__error_set(d->err, VKGPT_ERR_OUT_OF_HOST_MEMORY, "%zu logits", n_logits);
    }
    return vkgpt__logits_scratch_alloc(&d->scratch, d->n_vocab, d->err);
}

static void dstate_free(vkgpt__dstate_t *d) {
    free(d->logits);
    free(d->work);
    free(d->rows);
    free(d->tokens);
    free(d->src);
    free(d->text);
    vkgpt__logits_scratch_free(&d->scratch);
}

vkgpt_status_t vkgpt__decode_run(const vkgpt__gen_config_t *cfg,
                                 const vkgpt__decode_model_t *model,
                                 const vkgpt__decode_prompt_t *prompts, uint32_t n_prompts,
                                 const vkgpt__decode_hooks_t *hooks, vkgpt__decode_result_t *out,
                                 vkgpt__error_t *err) {
    memset(out, 0, sizeof(*out));
    bool beam = vkgpt__strategy_is_beam(cfg->strategy);
    uint32_t group = beam ? cfg->num_beams : cfg->num_return_sequences;
    vkgpt_status_t st = check_setup(cfg, model, n_prompts, group, err);
    if (st == VKGPT_OK) {
        st = check_prompts(model, prompts, n_prompts, err);
    }
    if (st != VKGPT_OK) {
        return st;
    }

    vkgpt__dstate_t d = {.cfg = cfg, .model = model, .hooks = hooks, .prompts = prompts,
                         .n_prompts = n_prompts, .group = group, .n_rows = n_prompts * group,
                         .n_vocab = model->n_vocab, .err = err};
    out->n_seqs = n_prompts * cfg->num_return_sequences;
    out->seqs = calloc(out->n_seqs, sizeof(*out->seqs));
    st = out->seqs ? dstate_alloc(&d)
                   : vkgpt__error_set(err, VKGPT_ERR_OUT_OF_HOST_MEMORY, "output sequences");
    if (st == VKGPT_OK) {
        st = beam ? vkgpt__decode_beam(&d, out) : decode_rows(&d, out);
    }
    out->n_steps = d.n_steps;
    dstate_free(&d);
    if (st != VKGPT_OK && st != VKGPT_ERR_CANCELLED) {
        vkgpt__decode_result_free(out);
    }
    return st;
}
