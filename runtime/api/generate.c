/* generate.c: vkgpt_generate(): the decoding driver (runtime/decode) over a device session and
 * a tokenizer. The session provides the model callbacks: a prompt into one row, a batched
 * step over rows, and row reordering on the device; the tokenizer encodes the prompts, decodes
 * for stop strings and results, and streams whole characters to the caller. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "decode/driver.h"
#include "api/generate_internal.h"

struct vkgpt_generation {
    vkgpt__decode_result_t result;
    char **texts;
    size_t *text_lens;
    size_t prompt_tokens;
    double prompt_seconds;
    size_t generated_tokens;
    double generate_seconds;
};

typedef vkgpt__session_runner_t run_ctx_t;

static double now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* ---- Model callbacks over the session ---- */

static vkgpt_status_t cb_prefill(void *ctx, uint32_t row, const int32_t *tokens, size_t n,
                                 float *logits) {
    run_ctx_t *c = ctx;
    c->session->row_len[row] = 0; /* the row's old content is replaced */
    return vkgpt__session_append(c->session, row, tokens, n, logits);
}

static vkgpt_status_t cb_step(void *ctx, const uint32_t *rows, const int32_t *tokens, uint32_t n,
                              float *logits) {
    run_ctx_t *c = ctx;
    if (c->t_first_step == 0.0) {
        c->t_first_step = now_seconds();
    }
    c->n_generated += n;
    return vkgpt__session_step(c->session, rows, tokens, n, logits);
}

static vkgpt_status_t cb_reorder(void *ctx, const uint32_t *src, uint32_t n) {
    run_ctx_t *c = ctx;
    return vkgpt__session_reorder(c->session, src, n);
}

static vkgpt_status_t cb_decode(void *ctx, const int32_t *ids, size_t n_ids, char *buf,
                                size_t cap, size_t *len) {
    run_ctx_t *c = ctx;
    vkgpt_status_t st = vkgpt_tokenizer_decode(c->tok, ids, n_ids, 0, buf, cap, len, NULL);
    return st == VKGPT_ERR_BUFFER_TOO_SMALL ? VKGPT_OK : st; /* *len holds the size needed */
}

static bool on_token(void *user, uint32_t seq, int32_t token) {
    run_ctx_t *c = user;
    if (!c->on_text || seq >= c->n_streams) {
        return true;
    }
    if (!c->streams[seq] &&
        vkgpt_tokenizer_stream_create(c->tok, VKGPT_DETOKENIZE_SKIP_SPECIAL, &c->streams[seq]) !=
            VKGPT_OK) {
        return true; /* no stream: the text still arrives in the result */
    }
    const char *text;
    size_t len;
    if (vkgpt_tokenizer_stream_push(c->streams[seq], token, &text, &len) != VKGPT_OK || !len) {
        return true;
    }
    if (!c->on_text(seq, text, len, c->user)) {
        c->stopped_by_caller = true;
        return false;
    }
    return true;
}

/* ---- Settings ---- */

VKGPT_API void vkgpt_generation_params_init(vkgpt_generation_params_t *p) {
    if (!p) {
        return;
    }
    vkgpt__gen_config_t d;
    vkgpt__gen_config_init(&d);
    memset(p, 0, sizeof(*p));
    p->struct_size = sizeof(*p);
    p->strategy = (vkgpt_strategy_t)d.strategy;
    p->max_new_tokens = d.max_new_tokens;
    p->min_new_tokens = d.min_new_tokens;
    p->temperature = d.temperature;
    p->top_k = d.top_k;
    p->top_p = d.top_p;
    p->num_beams = d.num_beams;
    p->length_penalty = d.length_penalty;
    p->early_stopping = (int32_t)d.early_stopping;
    p->num_return_sequences = d.num_return_sequences;
    p->repetition_penalty = d.repetition_penalty;
    p->no_repeat_ngram_size = d.no_repeat_ngram_size;
    p->eos_from_tokenizer = 1;
}

static vkgpt_status_t to_config(const vkgpt_generation_params_t *p, vkgpt_tokenizer_t *tok,
                                vkgpt__gen_config_t *cfg, vkgpt__error_t *err) {
    vkgpt__gen_config_init(cfg);
    cfg->strategy = (vkgpt__strategy_t)p->strategy;
    cfg->max_new_tokens = p->max_new_tokens;
    cfg->min_new_tokens = p->min_new_tokens;
    cfg->temperature = p->temperature;
    cfg->top_k = p->top_k;
    cfg->top_p = p->top_p;
    cfg->num_beams = p->num_beams;
    cfg->length_penalty = p->length_penalty;
    cfg->early_stopping = (vkgpt__early_stop_t)p->early_stopping;
    cfg->num_return_sequences = p->num_return_sequences;
    cfg->repetition_penalty = p->repetition_penalty;
    cfg->no_repeat_ngram_size = p->no_repeat_ngram_size;

    if (p->n_eos_token_ids > VKGPT__GEN_MAX_EOS || p->n_stop > VKGPT__GEN_MAX_STOP) {
        return vkgpt__error_set(err, VKGPT_ERR_INVALID_ARGUMENT,
                                "at most %d eos ids and %d stop strings", VKGPT__GEN_MAX_EOS,
                                VKGPT__GEN_MAX_STOP);
    }
    cfg->eos_set = true;
    cfg->n_eos = 0;
    if (p->n_eos_token_ids) {
        memcpy(cfg->eos_token_ids, p->eos_token_ids, p->n_eos_token_ids * sizeof(int32_t));
        cfg->n_eos = (uint32_t)p->n_eos_token_ids;
    } else if (p->eos_from_tokenizer) {
        int32_t eos = vkgpt_tokenizer_special_id(tok, VKGPT_SPECIAL_EOS);
        if (eos >= 0) {
            cfg->eos_token_ids[cfg->n_eos++] = eos;
        }
    }
    for (size_t i = 0; i < p->n_stop; i++) {
        if (!p->stop[i] || strlen(p->stop[i]) >= VKGPT__GEN_STOP_CAP || !p->stop[i][0]) {
            return vkgpt__error_set(err, VKGPT_ERR_INVALID_ARGUMENT,
                                    "stop string %zu is empty or longer than %d bytes", i,
                                    VKGPT__GEN_STOP_CAP - 1);
        }
        strcpy(cfg->stop[cfg->n_stop++], p->stop[i]);
    }
    cfg->seed = p->seed_set ? p->seed : (uint64_t)(now_seconds() * 1e9);
    cfg->seed_set = true;
    return vkgpt__gen_config_check(cfg, err);
}

/* ---- Prompts and results ---- */

static vkgpt_status_t encode_prompts(vkgpt_tokenizer_t *tok, const char *const *prompts,
                                     size_t n, vkgpt__decode_prompt_t *out, size_t *total,
                                     vkgpt__error_t *err) {
    *total = 0;
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(prompts[i]), need = 0;
        vkgpt_status_t st = vkgpt_tokenizer_encode(tok, prompts[i], len, 0, NULL, 0, &need);
        if (st != VKGPT_OK && st != VKGPT_ERR_BUFFER_TOO_SMALL) {
            return vkgpt__error_set(err, st, "prompt %zu: %s", i, vkgpt_tokenizer_last_error(tok));
        }
        if (need == 0) {
            return vkgpt__error_set(err, VKGPT_ERR_INVALID_ARGUMENT,
                                    "prompt %zu encodes to no tokens", i);
        }
        int32_t *ids = malloc(need * sizeof(*ids));
        if (!ids) {
            return vkgpt__error_set(err, VKGPT_ERR_OUT_OF_HOST_MEMORY, "encoding prompts");
        }
        out[i] = (vkgpt__decode_prompt_t){ids, need};
        st = vkgpt_tokenizer_encode(tok, prompts[i], len, 0, ids, need, &out[i].n_ids);
        if (st != VKGPT_OK) {
            return vkgpt__error_set(err, st, "prompt %zu: %s", i, vkgpt_tokenizer_last_error(tok));
        }
        *total += need;
    }
    return VKGPT_OK;
}

static vkgpt_status_t decode_results(vkgpt_tokenizer_t *tok, vkgpt_generation_t *g) {
    uint32_t n = g->result.n_seqs;
    g->texts = calloc(n ? n : 1, sizeof(*g->texts));
    g->text_lens = calloc(n ? n : 1, sizeof(*g->text_lens));
    if (!g->texts || !g->text_lens) {
        return VKGPT_ERR_OUT_OF_HOST_MEMORY;
    }
    for (uint32_t i = 0; i < n; i++) {
        const vkgpt__decode_seq_t *q = &g->result.seqs[i];
        size_t need = 0;
        vkgpt_tokenizer_decode(tok, q->ids, q->n_ids, VKGPT_DETOKENIZE_SKIP_SPECIAL, NULL, 0,
                               &need, NULL);
        g->texts[i] = malloc(need + 1);
        if (!g->texts[i]) {
            return VKGPT_ERR_OUT_OF_HOST_MEMORY;
        }
        vkgpt_status_t st = vkgpt_tokenizer_decode(tok, q->ids, q->n_ids,
                                                   VKGPT_DETOKENIZE_SKIP_SPECIAL, g->texts[i],
                                                   need, &g->text_lens[i], NULL);
        if (st != VKGPT_OK) {
            return st;
        }
        /* A stop string ends the text where it begins, as users of stop strings expect. */
        if (q->finish == VKGPT__FINISH_STOP && q->stop_offset < g->text_lens[i]) {
            g->text_lens[i] = q->stop_offset;
        }
        g->texts[i][g->text_lens[i]] = '\0';
    }
    return VKGPT_OK;
}

static void flush_streams(run_ctx_t *c) {
    for (uint32_t i = 0; i < c->n_streams; i++) {
        const char *text;
        size_t len;
        if (c->streams[i] && vkgpt_tokenizer_stream_flush(c->streams[i], &text, &len) ==
                                 VKGPT_OK && len && !c->stopped_by_caller) {
            c->on_text(i, text, len, c->user);
        }
        vkgpt_tokenizer_stream_destroy(c->streams[i]);
    }
    free(c->streams);
}

void vkgpt__session_decode_model(vkgpt__session_runner_t *c, vkgpt__decode_model_t *out) {
    vkgpt_session_t *s = c->session;
    *out = (vkgpt__decode_model_t){
        .ctx = c,
        .n_vocab = s->model->hp.vocab_size,
        .n_ctx = s->buf.n_ctx,
        .n_rows = s->buf.n_rows,
        .prefill = cb_prefill,
        .step = cb_step,
        .reorder = cb_reorder,
        .decode = c->tok ? cb_decode : NULL,
    };
}

static vkgpt_status_t run(vkgpt_session_t *s, vkgpt_tokenizer_t *tok, const vkgpt__gen_config_t
                          *cfg, const vkgpt__decode_prompt_t *prompts, uint32_t n_prompts,
                          run_ctx_t *c, vkgpt_generation_t *g) {
    vkgpt__decode_model_t model;
    vkgpt__session_decode_model(c, &model);
    vkgpt__decode_hooks_t hooks = {.on_token = on_token, .user = c, .cancel = &s->cancel};
    c->n_streams = n_prompts * cfg->num_return_sequences;
    c->streams = calloc(c->n_streams, sizeof(*c->streams));
    if (!c->streams) {
        return vkgpt__error_set(&s->error, VKGPT_ERR_OUT_OF_HOST_MEMORY, "streams");
    }
    c->t_start = now_seconds();
    vkgpt_status_t st = vkgpt__decode_run(cfg, &model, prompts, n_prompts, &hooks, &g->result,
                                          &s->error);
    double t_end = now_seconds();
    flush_streams(c);
    if (c->t_first_step == 0.0) {
        c->t_first_step = t_end;
    }
    g->prompt_seconds = c->t_first_step - c->t_start;
    g->generate_seconds = t_end - c->t_first_step;
    g->generated_tokens = c->n_generated;
    if (st == VKGPT_ERR_CANCELLED && c->stopped_by_caller) {
        st = VKGPT_OK; /* the caller asked for it: not an error */
    }
    if (st == VKGPT_OK || st == VKGPT_ERR_CANCELLED) {
        vkgpt_status_t dst = decode_results(tok, g);
        st = dst != VKGPT_OK ? dst : st;
    }
    (void)tok;
    return st;
}

VKGPT_API vkgpt_status_t vkgpt_generate(vkgpt_session_t *s, vkgpt_tokenizer_t *tok,
                                        const char *const *prompts, size_t n_prompts,
                                        const vkgpt_generation_params_t *params,
                                        vkgpt_stream_fn on_text, void *user,
                                        vkgpt_generation_t **out) {
    if (!s || !tok || !prompts || !out || n_prompts == 0 || n_prompts > VKGPT__SESSION_MAX_ROWS) {
        return VKGPT_ERR_INVALID_ARGUMENT;
    }
    *out = NULL;
    vkgpt__error_clear(&s->error);
    atomic_store(&s->cancel, 0);
    vkgpt_generation_params_t p;
    vkgpt_generation_params_init(&p);
    if (params) {
        memcpy(&p, params, params->struct_size < sizeof(p) ? params->struct_size : sizeof(p));
    }

    vkgpt__gen_config_t cfg;
    vkgpt_status_t st = to_config(&p, tok, &cfg, &s->error);
    vkgpt__decode_prompt_t *encoded = calloc(n_prompts, sizeof(*encoded));
    vkgpt_generation_t *g = calloc(1, sizeof(*g));
    if (st == VKGPT_OK && (!encoded || !g)) {
        st = vkgpt__error_set(&s->error, VKGPT_ERR_OUT_OF_HOST_MEMORY, "starting a generation");
    }
    if (st == VKGPT_OK) {
        st = encode_prompts(tok, prompts, n_prompts, encoded, &g->prompt_tokens, &s->error);
    }
    run_ctx_t ctx = {.session = s, .tok = tok, .on_text = on_text, .user = user};
    if (st == VKGPT_OK) {
        st = run(s, tok, &cfg, encoded, (uint32_t)n_prompts, &ctx, g);
    }
    for (size_t i = 0; encoded && i < n_prompts; i++) {
        free((void *)encoded[i].ids);
    }
    free(encoded);
    if (st == VKGPT_OK || st == VKGPT_ERR_CANCELLED) {
        *out = g;
    } else {
        vkgpt_generation_destroy(g);
    }
    return st;
}

/* ---- Results ---- */

VKGPT_API size_t vkgpt_generation_count(const vkgpt_generation_t *g) {
    return g ? g->result.n_seqs : 0;
}

VKGPT_API const char *vkgpt_generation_text(const vkgpt_generation_t *g, size_t i, size_t *len) {
    if (!g || i >= g->result.n_seqs) {
        return NULL;
    }
    if (len) {
        *len = g->text_lens[i];
    }
    return g->texts[i];
}

VKGPT_API const int32_t *vkgpt_generation_ids(const vkgpt_generation_t *g, size_t i,
                                              size_t *n_ids) {
    if (!g || i >= g->result.n_seqs) {
        return NULL;
    }
    if (n_ids) {
        *n_ids = g->result.seqs[i].n_ids;
    }
    return g->result.seqs[i].ids;
}

VKGPT_API double vkgpt_generation_score(const vkgpt_generation_t *g, size_t i) {
    return g && i < g->result.n_seqs ? g->result.seqs[i].score : 0.0;
}

VKGPT_API const char *vkgpt_generation_finish(const vkgpt_generation_t *g, size_t i) {
    static const char *names[] = {"eos", "length", "stop", "cancelled"};
    if (!g || i >= g->result.n_seqs || (unsigned)g->result.seqs[i].finish > 3) {
        return "";
    }
    return names[g->result.seqs[i].finish];
}

VKGPT_API void vkgpt_generation_timings(const vkgpt_generation_t *g, size_t *prompt_tokens,
                                        double *prompt_seconds, size_t *generated_tokens,
                                        double *generate_seconds) {
    if (!g) {
        return;
    }
    if (prompt_tokens) {
        *prompt_tokens = g->prompt_tokens;
    }
    if (prompt_seconds) {
        *prompt_seconds = g->prompt_seconds;
    }
    if (generated_tokens) {
        *generated_tokens = g->generated_tokens;
    }
    if (generate_seconds) {
        *generate_seconds = g->generate_seconds;
    }
}

VKGPT_API void vkgpt_generation_destroy(vkgpt_generation_t *g) {
    if (!g) {
        return;
    }
    for (uint32_t i = 0; g->texts && i < g->result.n_seqs; i++) {
        free(g->texts[i]);
    }
    free(g->texts);
    free(g->text_lens);
    vkgpt__decode_result_free(&g->result);
    free(g);
}
