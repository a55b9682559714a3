/* test_generate_api.c: vkgpt_generate() as an application uses it, on the tiny3 checkpoint with
 * the byte-level tokenizer written for it (tests/fixtures/decode/tiny3-tokenizer):
 *   - its results equal a direct run of the decoding driver over the same session, for greedy
 *     search on a batch, a stop string, sampling with two sequences per prompt and beams;
 *   - streamed pieces never split a UTF-8 character, and add up to the final text;
 *   - two sessions on one model, generating in two threads at once, give the results of
 *     running one after the other;
 *   - vkgpt_cancel() from another thread stops a generation within one step, leaving the
 *     tokens generated so far in the result. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#include "../decode/decode_cases.h"
#include "../runtime/gpu.h"
#include "api_fixtures.h"

#define MAX_SEQS 8
#define TEXT_CAP 1024

/* ---- Helpers ---- */

typedef struct fixture {
    vkgpt_device_t *dev;
    vkgpt_model_t *model;
    vkgpt_tokenizer_t *tok;
} fixture_t;

static fixture_t fixture_open(void) {
    fixture_t f = {.dev = test_device(0)};
    f.model = fixture_model(f.dev, "tiny3-st");
    f.tok = fixture_tokenizer();
    return f;
}

static void fixture_close(fixture_t *f) {
    vkgpt_tokenizer_destroy(f->tok);
    vkgpt_model_destroy(f->model);
    test_device_done(f->dev);
}

static size_t decode_ids(vkgpt_tokenizer_t *tok, const int32_t *ids, size_t n, char *out) {
    size_t len = 0;
    vkgpt_status_t st = vkgpt_tokenizer_decode(tok, ids, n, VKGPT_DETOKENIZE_SKIP_SPECIAL, out,
                                               TEXT_CAP, &len, NULL);
    cr_assert_eq(st, VKGPT_OK, "decoding %zu ids: %s", n, vkgpt_tokenizer_last_error(tok));
    return len;
}

/* The case named `name` of the tiny3 reference fixture, borrowed from doc. */
static json_t *reference_case(json_t *doc, const char *name) {
    json_t *cases = json_object_get(doc, "cases");
    for (size_t i = 0; i < json_array_size(cases); i++) {
        json_t *c = json_array_get(cases, i);
        if (strcmp(json_string_value(json_object_get(c, "name")), name) == 0) {
            return c;
        }
    }
    cr_assert_fail("the tiny3 fixture has no case %s", name);
    return NULL;
}

/* The case's first prompt as text, and its first output's ids. */
static const char *reference_prompt(json_t *c) {
    const char *text = json_string_value(json_array_get(json_object_get(c, "prompt_texts"), 0));
    cr_assert(text, "%s has no prompt_texts", json_string_value(json_object_get(c, "name")));
    return text;
}

static void check_reference_ids(json_t *c, const int32_t *ids, size_t n_ids) {
    json_t *want = json_object_get(json_array_get(json_array_get(json_object_get(c, "outputs"),
                                                                 0), 0), "ids");
    cr_assert_eq(n_ids, json_array_size(want), "%zu ids, the reference %zu", n_ids,
                 json_array_size(want));
    for (size_t i = 0; i < n_ids; i++) {
        cr_assert_eq(ids[i], json_integer_value(json_array_get(want, i)), "id %zu", i);
    }
}

/* The public settings as the driver's config: what vkgpt_generate must run. */
static void internal_config(const vkgpt_generation_params_t *p, int32_t eos,
                            vkgpt__gen_config_t *c) {
    vkgpt__gen_config_init(c);
    c->strategy = (vkgpt__strategy_t)p->strategy;
    c->max_new_tokens = p->max_new_tokens;
    c->temperature = p->temperature;
    c->top_k = p->top_k;
    c->top_p = p->top_p;
    c->num_beams = p->num_beams;
    c->length_penalty = p->length_penalty;
    c->num_return_sequences = p->num_return_sequences;
    c->repetition_penalty = p->repetition_penalty;
    c->eos_token_ids[0] = eos;
    c->n_eos = 1;
    c->eos_set = true;
    for (size_t i = 0; i < p->n_stop; i++) {
        snprintf(c->stop[c->n_stop++], VKGPT__GEN_STOP_CAP, "%s", p->stop[i]);
    }
    c->seed = p->seed;
    c->seed_set = true;
}

/* ---- Streamed text ---- */

typedef struct stream_log {
    char text[MAX_SEQS][TEXT_CAP];
    size_t len[MAX_SEQS];
    unsigned pieces[MAX_SEQS];
    size_t ends[MAX_SEQS][TEXT_CAP]; /* where each piece ended in text */
    unsigned invalid;                /* pieces that are not valid UTF-8 */
    bool overflow;                   /* a piece did not fit, or named an unknown sequence */
} stream_log_t;

static int log_piece(uint32_t seq, const char *text, size_t len, void *user) {
    stream_log_t *log = user;
    if (seq >= MAX_SEQS || len == 0 || log->len[seq] + len > TEXT_CAP) {
        log->overflow = true;
        return 1;
    }
    log->invalid += !utf8_valid(text, len);
    memcpy(log->text[seq] + log->len[seq], text, len);
    log->len[seq] += len;
    log->ends[seq][log->pieces[seq]++] = log->len[seq];
    return 1;
}

/* Checks that the pieces of every sequence add up to its text and ids. */
static void check_stream(const stream_log_t *log, vkgpt_tokenizer_t *tok,
                         const vkgpt_generation_t *g) {
    cr_assert(!log->overflow, "a piece was empty, too long or for an unknown sequence");
    for (size_t i = 0; i < vkgpt_generation_count(g); i++) {
        for (unsigned k = 0; k < log->pieces[i]; k++) {
            cr_assert(!utf8_char_spans(log->text[i], log->len[i], log->ends[i][k]),
                      "seq %zu: piece %u ends inside a character", i, k);
        }
        size_t len, n_ids;
        const char *text = vkgpt_generation_text(g, i, &len);
        const int32_t *ids = vkgpt_generation_ids(g, i, &n_ids);
        char decoded[TEXT_CAP];
        size_t n_decoded = decode_ids(tok, ids, n_ids, decoded);
        cr_assert(len == n_decoded && memcmp(text, decoded, len) == 0, "seq %zu: text", i);
        cr_assert(log->len[i] == len && memcmp(log->text[i], text, len) == 0,
                  "seq %zu: the streamed pieces (%zu bytes) are not the text (%zu bytes)", i,
                  log->len[i], len);
    }
}

/* ---- vkgpt_generate() against the driver ---- */

/* Runs params through vkgpt_generate() and through the driver on the same session (prompts
 * encoded by the same tokenizer) and requires the same sequences, finish reasons, scores and
 * texts. Returns the generation for further checks. */
static vkgpt_generation_t *generate_and_compare(fixture_t *f, vkgpt_session_t *s,
                                                const char *const *prompts, uint32_t n,
                                                const vkgpt_generation_params_t *p) {
    vkgpt_generation_t *g = NULL;
    vkgpt_status_t st = vkgpt_generate(s, f->tok, prompts, n, p, NULL, NULL, &g);
    cr_assert_eq(st, VKGPT_OK, "vkgpt_generate: %s", vkgpt_session_last_error(s));

    int32_t ids[MAX_SEQS][64];
    vkgpt__decode_prompt_t dp[MAX_SEQS];
    for (uint32_t i = 0; i < n; i++) {
        size_t n_ids = 0;
        st = vkgpt_tokenizer_encode(f->tok, prompts[i], strlen(prompts[i]), 0, ids[i], 64,
                                    &n_ids);
        cr_assert_eq(st, VKGPT_OK);
        dp[i] = (vkgpt__decode_prompt_t){ids[i], n_ids};
    }
    vkgpt__gen_config_t cfg;
    internal_config(p, vkgpt_tokenizer_special_id(f->tok, VKGPT_SPECIAL_EOS), &cfg);
    vkgpt__decode_result_t res;
    fixture_decode(s, f->tok, &cfg, dp, n, NULL, VKGPT_OK, &res);

    cr_assert_eq(vkgpt_generation_count(g), res.n_seqs);
    for (uint32_t i = 0; i < res.n_seqs; i++) {
        size_t n_ids, len;
        const int32_t *got = vkgpt_generation_ids(g, i, &n_ids);
        cr_assert_eq(n_ids, res.seqs[i].n_ids, "seq %u: %zu ids, the driver %zu", i, n_ids,
                     res.seqs[i].n_ids);
        cr_assert_arr_eq(got, res.seqs[i].ids, n_ids * sizeof(int32_t), "seq %u ids", i);
        cr_assert_str_eq(vkgpt_generation_finish(g, i), vkgpt__finish_name(res.seqs[i].finish));
        cr_assert_eq(vkgpt_generation_score(g, i), res.seqs[i].score, "seq %u score", i);

        char want[TEXT_CAP];
        size_t n_want = decode_ids(f->tok, got, n_ids, want);
        if (res.seqs[i].finish == VKGPT__FINISH_STOP) {
            n_want = res.seqs[i].stop_offset; /* the text ends where the stop string begins */
        }
        const char *text = vkgpt_generation_text(g, i, &len);
        cr_assert(len == n_want && memcmp(text, want, len) == 0 && text[len] == '\0',
                  "seq %u: text of %zu bytes, expected %zu", i, len, n_want);
    }
    vkgpt__decode_result_free(&res);
    return g;
}

Test(generate_api, greedy_batch_matches_driver, .timeout = 300) {
    fixture_t f = fixture_open();
    vkgpt_session_t *s = fixture_session(f.model, 3);
    const char *prompts[] = {"ebc the", "Zq.", "a"};
    vkgpt_generation_params_t p;
    vkgpt_generation_params_init(&p);
    p.max_new_tokens = 12;
    vkgpt_generation_destroy(generate_and_compare(&f, s, prompts, 3, &p));
    vkgpt_session_destroy(s);
    fixture_close(&f);
}

Test(generate_api, sample_and_beams_match_driver, .timeout = 300) {
    fixture_t f = fixture_open();
    vkgpt_session_t *s = fixture_session(f.model, 4);
    const char *prompts[] = {"the ebc", "Q"};
    vkgpt_generation_params_t p;
    vkgpt_generation_params_init(&p);
    p.strategy = VKGPT_STRATEGY_SAMPLE;
    p.temperature = 1.3;
    p.top_k = 20;
    p.top_p = 0.8;
    p.num_return_sequences = 2;
    p.max_new_tokens = 10;
    p.seed = 5;
    p.seed_set = 1;
    vkgpt_generation_t *g = generate_and_compare(&f, s, prompts, 2, &p);
    cr_assert_eq(vkgpt_generation_count(g), 4);
    vkgpt_generation_destroy(g);

    vkgpt_generation_params_init(&p);
    p.strategy = VKGPT_STRATEGY_BEAM;
    p.num_beams = 3;
    p.num_return_sequences = 2;
    p.length_penalty = 0.5;
    p.max_new_tokens = 8;
    g = generate_and_compare(&f, s, prompts, 1, &p);
    cr_assert(vkgpt_generation_score(g, 0) >= vkgpt_generation_score(g, 1));
    vkgpt_generation_destroy(g);
    vkgpt_session_destroy(s);
    fixture_close(&f);
}

/* The stop string of the reference's greedy_stop_string case, on its prompt. */
Test(generate_api, stop_string_matches_driver_and_reference, .timeout = 300) {
    json_t *doc = decode_cases_load(fixture_path("decode/gpt2-tiny3.expected.json"));
    const char *prompt = reference_prompt(reference_case(doc, "stream_greedy"));
    json_t *stop = reference_case(doc, "greedy_stop_string");
    json_t *stops = json_object_get(json_object_get(stop, "config"), "stop");
    const char *stop_strings[2] = {json_string_value(json_array_get(stops, 0)),
                                   json_string_value(json_array_get(stops, 1))};
    cr_assert(stop_strings[0] && stop_strings[1]);

    fixture_t f = fixture_open();
    vkgpt_session_t *s = fixture_session(f.model, 1);
    vkgpt_generation_params_t p;
    vkgpt_generation_params_init(&p);
    p.max_new_tokens = 24;
    p.stop = stop_strings;
    p.n_stop = 2;
    vkgpt_generation_t *g = generate_and_compare(&f, s, &prompt, 1, &p);
    cr_assert_str_eq(vkgpt_generation_finish(g, 0), "stop");
    size_t n_ids;
    const int32_t *ids = vkgpt_generation_ids(g, 0, &n_ids);
    check_reference_ids(stop, ids, n_ids);
    vkgpt_generation_destroy(g);
    vkgpt_session_destroy(s);
    fixture_close(&f);
    json_decref(doc);
}

/* ---- Streaming ---- */

/* How many tokens of ids end inside a character: the stream must hold those bytes back. */
static unsigned held_back(vkgpt_tokenizer_t *tok, const int32_t *ids, size_t n_ids) {
    char text[TEXT_CAP];
    size_t len = decode_ids(tok, ids, n_ids, text);
    unsigned held = 0;
    for (size_t i = 1; i < n_ids; i++) {
        char prefix[TEXT_CAP];
        held += utf8_char_spans(text, len, decode_ids(tok, ids, i, prefix));
    }
    return held;
}

/* The greedy continuation of the stream_greedy prompt is valid UTF-8 whose multi-byte
 * characters are all split across tokens (the tokenizer was made so); every streamed piece
 * must be valid UTF-8 on its own. */
Test(generate_api, stream_never_splits_a_character, .timeout = 300) {
    json_t *doc = decode_cases_load(fixture_path("decode/gpt2-tiny3.expected.json"));
    json_t *stream = reference_case(doc, "stream_greedy");
    const char *prompt = reference_prompt(stream);

    fixture_t f = fixture_open();
    vkgpt_session_t *s = fixture_session(f.model, 4);
    vkgpt_generation_params_t p;
    vkgpt_generation_params_init(&p);
    p.max_new_tokens =
        (uint32_t)json_integer_value(json_object_get(json_object_get(stream, "config"),
                                                     "max_new_tokens"));
    stream_log_t *log = calloc(1, sizeof(*log));
    vkgpt_generation_t *g = NULL;
    cr_assert_eq(vkgpt_generate(s, f.tok, &prompt, 1, &p, log_piece, log, &g), VKGPT_OK);

    size_t n_ids, len;
    const int32_t *ids = vkgpt_generation_ids(g, 0, &n_ids);
    check_reference_ids(stream, ids, n_ids);
    const char *text = vkgpt_generation_text(g, 0, &len);
    cr_assert(utf8_valid(text, len), "the reference made this text valid UTF-8");
    unsigned held = held_back(f.tok, ids, n_ids);
    cr_assert_geq(held, 4, "only %u tokens end inside a character", held);
    cr_assert_eq(log->invalid, 0, "%u piece(s) are not valid UTF-8", log->invalid);
    cr_assert_leq(log->pieces[0], n_ids - held, "%u pieces for %zu tokens, %u held back",
                  log->pieces[0], n_ids, held);
    check_stream(log, f.tok, g);
    vkgpt_generation_destroy(g);

    /* Sampled bytes include ones that can never form a character (passed through as they
     * are); still no piece may end inside a character that a later piece continues. */
    const char *prompts[] = {prompt, "the"};
    memset(log, 0, sizeof(*log));
    p.strategy = VKGPT_STRATEGY_SAMPLE;
    p.top_k = 0;
    p.num_return_sequences = 2;
    p.seed = 77;
    p.seed_set = 1;
    cr_assert_eq(vkgpt_generate(s, f.tok, prompts, 2, &p, log_piece, log, &g), VKGPT_OK);
    check_stream(log, f.tok, g);
    for (size_t i = 0; i < 4; i++) {
        cr_assert_gt(log->pieces[i], 0, "sequence %zu streamed nothing", i);
    }
    vkgpt_generation_destroy(g);
    free(log);
    vkgpt_session_destroy(s);
    fixture_close(&f);
    json_decref(doc);
}

/* ---- Two sessions in two threads ---- */

typedef struct job {
    vkgpt_session_t *session;
    vkgpt_tokenizer_t *tok;
    const char *const *prompts;
    size_t n_prompts;
    vkgpt_generation_params_t params;
    stream_log_t log;
    vkgpt_generation_t *out;
    vkgpt_status_t status;
} job_t;

static void *run_job(void *arg) {
    job_t *j = arg;
    memset(&j->log, 0, sizeof(j->log));
    j->status = vkgpt_generate(j->session, j->tok, j->prompts, j->n_prompts, &j->params,
                               log_piece, &j->log, &j->out);
    return NULL;
}

static void same_generation(const vkgpt_generation_t *a, const vkgpt_generation_t *b,
                            const char *what) {
    cr_assert_eq(vkgpt_generation_count(a), vkgpt_generation_count(b), "%s: count", what);
    for (size_t i = 0; i < vkgpt_generation_count(a); i++) {
        size_t na, nb;
        const int32_t *ia = vkgpt_generation_ids(a, i, &na);
        const int32_t *ib = vkgpt_generation_ids(b, i, &nb);
        cr_assert(na == nb && memcmp(ia, ib, na * sizeof(int32_t)) == 0, "%s: seq %zu ids",
                  what, i);
        cr_assert_eq(vkgpt_generation_score(a, i), vkgpt_generation_score(b, i), "%s: score",
                     what);
        cr_assert_str_eq(vkgpt_generation_text(a, i, NULL), vkgpt_generation_text(b, i, NULL),
                         "%s: seq %zu text", what, i);
    }
}

/* Two different jobs: beams over two prompts, and streamed samples of three. */
static job_t *make_jobs(vkgpt_tokenizer_t *tok0, vkgpt_tokenizer_t *tok1) {
    static const char *beam_prompts[] = {"ebc the", "Zq."};
    static const char *sample_prompts[] = {"a", "the cat", "Q."};
    job_t *jobs = calloc(2, sizeof(*jobs));
    cr_assert_not_null(jobs);
    jobs[0] = (job_t){.tok = tok0, .prompts = beam_prompts, .n_prompts = 2};
    vkgpt_generation_params_init(&jobs[0].params);
    jobs[0].params.strategy = VKGPT_STRATEGY_BEAM;
    jobs[0].params.num_beams = 5;
    jobs[0].params.num_return_sequences = 2;
    jobs[0].params.max_new_tokens = 10;
    jobs[1] = (job_t){.tok = tok1, .prompts = sample_prompts, .n_prompts = 3};
    vkgpt_generation_params_init(&jobs[1].params);
    jobs[1].params.strategy = VKGPT_STRATEGY_SAMPLE;
    jobs[1].params.temperature = 1.3;
    jobs[1].params.top_k = 20;
    jobs[1].params.top_p = 0.8;
    jobs[1].params.max_new_tokens = 16;
    jobs[1].params.seed = 42;
    jobs[1].params.seed_set = 1;
    return jobs;
}

Test(generate_api, two_threads_match_one_after_the_other, .timeout = 600) {
    fixture_t f = fixture_open();
    vkgpt_tokenizer_t *tok2 = fixture_tokenizer(); /* a tokenizer is one thread's at a time */
    vkgpt_session_t *s[2] = {fixture_session(f.model, 10), fixture_session(f.model, 10)};
    job_t *jobs = make_jobs(f.tok, tok2);

    vkgpt_generation_t *alone[2];
    stream_log_t *alone_log = calloc(2, sizeof(*alone_log));
    for (int j = 0; j < 2; j++) {
        jobs[j].session = s[j];
        run_job(&jobs[j]);
        cr_assert_eq(jobs[j].status, VKGPT_OK, "job %d: %s", j,
                     vkgpt_session_last_error(s[j]));
        alone[j] = jobs[j].out;
        alone_log[j] = jobs[j].log;
    }

    /* Twice at once, the second time with the sessions exchanged. */
    for (int round = 0; round < 2; round++) {
        pthread_t th[2];
        for (int j = 0; j < 2; j++) {
            jobs[j].session = s[(j + round) % 2];
            cr_assert_eq(pthread_create(&th[j], NULL, run_job, &jobs[j]), 0);
        }
        for (int j = 0; j < 2; j++) {
            pthread_join(th[j], NULL);
        }
        for (int j = 0; j < 2; j++) {
            cr_assert_eq(jobs[j].status, VKGPT_OK, "round %d job %d: %s", round, j,
                         vkgpt_session_last_error(jobs[j].session));
            same_generation(alone[j], jobs[j].out, j == 0 ? "beams" : "samples");
            cr_assert_eq(memcmp(&alone_log[j], &jobs[j].log, sizeof(stream_log_t)), 0,
                         "round %d job %d: the streamed pieces differ", round, j);
            vkgpt_generation_destroy(jobs[j].out);
        }
    }
    for (int j = 0; j < 2; j++) {
        vkgpt_generation_destroy(alone[j]);
        vkgpt_session_destroy(s[j]);
    }
    free(alone_log);
    free(jobs);
    vkgpt_tokenizer_destroy(tok2);
    fixture_close(&f);
}

/* ---- Cancel from another thread ---- */

/* The canceller waits until the generating thread has produced `trigger` tokens (or pieces),
 * then calls vkgpt_cancel(); the generating thread waits only until the canceller runs, so the
 * cancel lands while generation goes on. */
typedef struct canceller {
    vkgpt_session_t *session;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool go, running;
    unsigned trigger;
    atomic_uint tokens;         /* counted by the generating thread */
    unsigned tokens_at_cancel;  /* read after vkgpt_cancel() returned */
} canceller_t;

static void canceller_init(canceller_t *c, vkgpt_session_t *s, unsigned trigger) {
    memset(c, 0, sizeof(*c));
    c->session = s;
    c->trigger = trigger;
    atomic_init(&c->tokens, 0);
    pthread_mutex_init(&c->mu, NULL);
    pthread_cond_init(&c->cv, NULL);
}

static void canceller_free(canceller_t *c) {
    pthread_mutex_destroy(&c->mu);
    pthread_cond_destroy(&c->cv);
}

static void *canceller_main(void *arg) {
    canceller_t *c = arg;
    pthread_mutex_lock(&c->mu);
    while (!c->go) {
        pthread_cond_wait(&c->cv, &c->mu);
    }
    c->running = true;
    pthread_cond_broadcast(&c->cv);
    pthread_mutex_unlock(&c->mu);
    vkgpt_cancel(c->session);
    c->tokens_at_cancel = atomic_load(&c->tokens);
    return NULL;
}

/* Called by the generating thread for each token or piece. */
static void canceller_count(canceller_t *c) {
    if (atomic_fetch_add(&c->tokens, 1) + 1 != c->trigger) {
        return;
    }
    pthread_mutex_lock(&c->mu);
    c->go = true;
    pthread_cond_broadcast(&c->cv);
    while (!c->running) {
        pthread_cond_wait(&c->cv, &c->mu);
    }
    pthread_mutex_unlock(&c->mu);
}

static bool count_token(void *user, uint32_t seq, int32_t token) {
    (void)seq, (void)token;
    canceller_count(user);
    return true;
}

static int count_piece(uint32_t seq, const char *text, size_t len, void *user) {
    (void)seq, (void)text, (void)len;
    canceller_count(user);
    return 1;
}

/* Through the driver, which reports every token: at most one step's token may follow the
 * cancel, and the tokens kept are those an uncancelled run produces first. */
Test(generate_api, cancel_from_another_thread_stops_within_a_step, .timeout = 300) {
    vkgpt_device_t *dev = test_device(0);
    vkgpt_model_t *m = fixture_model(dev, "tiny2-st");
    vkgpt_session_t *s = fixture_session(m, 1);
    static const int32_t prompt_ids[] = {5, 9};
    vkgpt__decode_prompt_t prompt = {prompt_ids, 2};
    vkgpt__gen_config_t cfg;
    vkgpt__gen_config_init(&cfg);
    cfg.eos_set = true; /* no eos: only the cancel ends it early */
    cfg.max_new_tokens = vkgpt_model_n_ctx(m) - 2;

    canceller_t c;
    canceller_init(&c, s, 3);
    pthread_t th;
    cr_assert_eq(pthread_create(&th, NULL, canceller_main, &c), 0);
    vkgpt__decode_hooks_t hooks = {.on_token = count_token, .user = &c, .cancel = &s->cancel};
    vkgpt__decode_result_t res;
    vkgpt_status_t st = fixture_decode(s, NULL, &cfg, &prompt, 1, &hooks, VKGPT_ERR_CANCELLED,
                                       &res);
    pthread_join(th, NULL);
    cr_assert_eq(st, VKGPT_ERR_CANCELLED);
    cr_assert_eq(res.n_seqs, 1);
    cr_assert_eq(res.seqs[0].finish, VKGPT__FINISH_CANCELLED);
    size_t n = res.seqs[0].n_ids;
    cr_assert(n >= 3 && n <= c.tokens_at_cancel + 1 && n < cfg.max_new_tokens,
              "%zu tokens; %u when the cancel returned", n, c.tokens_at_cancel);
    canceller_free(&c);

    vkgpt__decode_result_t full;
    fixture_decode(s, NULL, &cfg, &prompt, 1, NULL, VKGPT_OK, &full);
    cr_assert_eq(full.seqs[0].n_ids, cfg.max_new_tokens);
    cr_assert_arr_eq(full.seqs[0].ids, res.seqs[0].ids, n * sizeof(int32_t));
    vkgpt__decode_result_free(&res);
    vkgpt__decode_result_free(&full);
    vkgpt_session_destroy(s);
    vkgpt_model_destroy(m);
    test_device_done(dev);
}

/* Through the public call: VKGPT_ERR_CANCELLED with the partial result, whose text is what
 * was streamed; the session generates normally afterwards. */
Test(generate_api, cancel_keeps_partial_result, .timeout = 300) {
    fixture_t f = fixture_open();
    vkgpt_session_t *s = fixture_session(f.model, 1);
    const char *prompt = "ebc the";
    vkgpt_generation_params_t p;
    vkgpt_generation_params_init(&p);
    p.eos_from_tokenizer = 0; /* no eos */
    p.max_new_tokens = 32;

    canceller_t c;
    canceller_init(&c, s, 1);
    pthread_t th;
    cr_assert_eq(pthread_create(&th, NULL, canceller_main, &c), 0);
    vkgpt_generation_t *g = NULL;
    vkgpt_status_t st = vkgpt_generate(s, f.tok, &prompt, 1, &p, count_piece, &c, &g);
    pthread_join(th, NULL);
    canceller_free(&c);
    cr_assert_eq(st, VKGPT_ERR_CANCELLED, "%s", vkgpt_status_name(st));
    cr_assert_not_null(g);
    cr_assert_str_eq(vkgpt_generation_finish(g, 0), "cancelled");
    size_t n_ids;
    const int32_t *ids = vkgpt_generation_ids(g, 0, &n_ids);
    cr_assert(n_ids >= 1 && n_ids < p.max_new_tokens, "%zu tokens", n_ids);

    vkgpt_generation_t *full = NULL;
    cr_assert_eq(vkgpt_generate(s, f.tok, &prompt, 1, &p, NULL, NULL, &full), VKGPT_OK);
    size_t n_full;
    const int32_t *full_ids = vkgpt_generation_ids(full, 0, &n_full);
    cr_assert_eq(n_full, p.max_new_tokens);
    cr_assert_arr_eq(full_ids, ids, n_ids * sizeof(int32_t));
    vkgpt_generation_destroy(full);
    vkgpt_generation_destroy(g);
    vkgpt_session_destroy(s);
    fixture_close(&f);
}
