/* test_driver.c: the generation driver against tools/reference_decoder.py's expected ids on the
 * toy model (tests/fixtures/decode/expected.json), one test per strategy, and its behaviour on
 * cancel, model failures and bad input. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <math.h>
#include <string.h>

#include "decode/driver.h"
#include "toy_model.h"

/* ---- Fixture cases ---- */

static void config_from_json(json_t *j, vkgpt__gen_config_t *c) {
    vkgpt__gen_config_init(c);
    c->eos_token_ids[0] = 1; /* the reference's default: the toy model's eos */
    c->n_eos = 1;
    c->eos_set = true;
    c->seed_set = true;
    const char *key;
    json_t *v;
    json_object_foreach(j, key, v) {
        if (strcmp(key, "strategy") == 0) {
            cr_assert(vkgpt__strategy_parse(json_string_value(v), &c->strategy));
        } else if (strcmp(key, "max_new_tokens") == 0) {
            c->max_new_tokens = (uint32_t)json_integer_value(v);
        } else if (strcmp(key, "min_new_tokens") == 0) {
            c->min_new_tokens = (uint32_t)json_integer_value(v);
        } else if (strcmp(key, "temperature") == 0) {
            c->temperature = json_number_value(v);
        } else if (strcmp(key, "top_k") == 0) {
            c->top_k = (uint32_t)json_integer_value(v);
        } else if (strcmp(key, "top_p") == 0) {
            c->top_p = json_number_value(v);
        } else if (strcmp(key, "num_beams") == 0) {
            c->num_beams = (uint32_t)json_integer_value(v);
        } else if (strcmp(key, "length_penalty") == 0) {
            c->length_penalty = json_number_value(v);
        } else if (strcmp(key, "early_stopping") == 0) {
            c->early_stopping = json_is_string(v) ? VKGPT__EARLY_STOP_NEVER
                                : json_is_true(v) ? VKGPT__EARLY_STOP_TRUE
                                                  : VKGPT__EARLY_STOP_FALSE;
        } else if (strcmp(key, "num_return_sequences") == 0) {
            c->num_return_sequences = (uint32_t)json_integer_value(v);
        } else if (strcmp(key, "repetition_penalty") == 0) {
            c->repetition_penalty = json_number_value(v);
        } else if (strcmp(key, "no_repeat_ngram_size") == 0) {
            c->no_repeat_ngram_size = (uint32_t)json_integer_value(v);
        } else if (strcmp(key, "seed") == 0) {
            c->seed = (uint64_t)json_integer_value(v);
        } else if (strcmp(key, "eos_token_id") == 0) {
            c->n_eos = 0;
            for (size_t i = 0; i < json_array_size(v); i++) {
                c->eos_token_ids[c->n_eos++] = (int32_t)json_integer_value(json_array_get(v, i));
            }
        } else if (strcmp(key, "stop") == 0) {
            c->n_stop = 0;
            for (size_t i = 0; i < json_array_size(v); i++) {
                snprintf(c->stop[c->n_stop++], VKGPT__GEN_STOP_CAP, "%s",
                         json_string_value(json_array_get(v, i)));
            }
        } else {
            cr_assert_fail("unknown config key '%s' in the fixture", key);
        }
    }
}

static void check_seq(const char *name, uint32_t p, uint32_t j, json_t *want,
                      const vkgpt__decode_seq_t *got) {
    json_t *ids = json_object_get(want, "ids");
    cr_assert_eq(got->n_ids, json_array_size(ids), "%s prompt %u seq %u: %zu ids, expected %zu",
                 name, p, j, got->n_ids, json_array_size(ids));
    for (size_t i = 0; i < got->n_ids; i++) {
        cr_assert_eq(got->ids[i], json_integer_value(json_array_get(ids, i)),
                     "%s prompt %u seq %u: id %zu is %d", name, p, j, i, got->ids[i]);
    }
    const char *finish = json_string_value(json_object_get(want, "finish"));
    cr_assert_str_eq(vkgpt__finish_name(got->finish), finish, "%s prompt %u seq %u", name, p, j);
    double score = json_number_value(json_object_get(want, "score"));
    cr_assert(fabs(got->score - score) <= 1e-9 * fmax(1.0, fabs(score)),
              "%s prompt %u seq %u: score %.17g, expected %.17g", name, p, j, got->score, score);
    json_t *off = json_object_get(want, "stop_offset");
    if (off) {
        cr_assert_eq(got->stop_offset, (size_t)json_integer_value(off), "%s stop offset", name);
    }
}

static void run_case(json_t *c) {
    const char *name = json_string_value(json_object_get(c, "name"));
    vkgpt__gen_config_t cfg;
    config_from_json(json_object_get(c, "config"), &cfg);

    json_t *prompts = json_object_get(c, "prompts");
    uint32_t n_prompts = (uint32_t)json_array_size(prompts);
    vkgpt__decode_prompt_t pr[8];
    int32_t ids[8][128];
    cr_assert(n_prompts <= 8);
    for (uint32_t p = 0; p < n_prompts; p++) {
        json_t *a = json_array_get(prompts, p);
        cr_assert(json_array_size(a) <= 128);
        for (size_t i = 0; i < json_array_size(a); i++) {
            ids[p][i] = (int32_t)json_integer_value(json_array_get(a, i));
        }
        pr[p] = (vkgpt__decode_prompt_t){ids[p], json_array_size(a)};
    }

    uint32_t group = vkgpt__strategy_is_beam(cfg.strategy) ? cfg.num_beams
                                                          : cfg.num_return_sequences;
    toy_model_t toy;
    toy_load(&toy, toy_fixture("toy_model.json"), n_prompts * group);
    vkgpt__decode_model_t m = toy_interface(&toy);
    vkgpt__decode_result_t res;
    vkgpt__error_t err = {0};
    vkgpt_status_t st = vkgpt__decode_run(&cfg, &m, pr, n_prompts, NULL, &res, &err);
    cr_assert_eq(st, VKGPT_OK, "%s: %s", name, err.message);
    cr_assert_eq(toy.n_prefill, n_prompts, "%s: one prefill per prompt", name);

    json_t *outputs = json_object_get(c, "outputs");
    uint32_t nrs = cfg.num_return_sequences;
    cr_assert_eq(res.n_seqs, n_prompts * nrs);
    for (uint32_t p = 0; p < n_prompts; p++) {
        json_t *want = json_array_get(outputs, p);
        cr_assert_eq(json_array_size(want), nrs, "%s prompt %u", name, p);
        for (uint32_t j = 0; j < nrs; j++) {
            check_seq(name, p, j, json_array_get(want, j), &res.seqs[p * nrs + j]);
        }
    }
    vkgpt__decode_result_free(&res);
    toy_free(&toy);
}

/* Runs every fixture case whose strategy is `strategy`; returns how many. */
static int run_strategy(const char *strategy) {
    json_error_t jerr;
    json_t *doc = json_load_file(toy_fixture("expected.json"), 0, &jerr);
    cr_assert(doc, "expected.json:%d: %s", jerr.line, jerr.text);
    cr_assert_str_eq(json_string_value(json_object_get(doc, "format")), "vkgpt-decode-expected-1");
    json_t *cases = json_object_get(doc, "cases");
    int n = 0;
    for (size_t i = 0; i < json_array_size(cases); i++) {
        json_t *c = json_array_get(cases, i);
        json_t *s = json_object_get(json_object_get(c, "config"), "strategy");
        const char *cs = s ? json_string_value(s) : "greedy";
        if (strcmp(cs, strategy) == 0) {
            run_case(c);
            n++;
        }
    }
    json_decref(doc);
    return n;
}

Test(driver_fixtures, greedy) {
    cr_assert_geq(run_strategy("greedy"), 5);
}

Test(driver_fixtures, sample) {
    cr_assert_geq(run_strategy("sample"), 3);
}

Test(driver_fixtures, beam) {
    cr_assert_geq(run_strategy("beam"), 5);
}

Test(driver_fixtures, beam_sample) {
    cr_assert_geq(run_strategy("beam_sample"), 1);
}

/* ---- Behaviour ---- */

static const int32_t prompt_ids[] = {5, 9, 12};

typedef struct run_env {
    toy_model_t toy;
    vkgpt__decode_model_t m;
    vkgpt__gen_config_t cfg;
    vkgpt__decode_prompt_t prompt;
    vkgpt__decode_result_t res;
    vkgpt__error_t err;
} run_env_t;

static void env_init(run_env_t *e, vkgpt__strategy_t s, uint32_t rows) {
    memset(e, 0, sizeof(*e));
    toy_load(&e->toy, toy_fixture("toy_model.json"), rows);
    e->m = toy_interface(&e->toy);
    vkgpt__gen_config_init(&e->cfg);
    e->cfg.strategy = s;
    e->cfg.num_beams = vkgpt__strategy_is_beam(s) ? rows : 1;
    e->cfg.eos_set = true; /* no eos: sequences run to max_new_tokens */
    e->cfg.max_new_tokens = 10;
    e->prompt = (vkgpt__decode_prompt_t){prompt_ids, 3};
}

static vkgpt_status_t env_run(run_env_t *e, const vkgpt__decode_hooks_t *hooks) {
    return vkgpt__decode_run(&e->cfg, &e->m, &e->prompt, 1, hooks, &e->res, &e->err);
}

static void env_free(run_env_t *e) {
    vkgpt__decode_result_free(&e->res);
    toy_free(&e->toy);
}

static bool stop_after_three(void *user, uint32_t seq, int32_t token) {
    (void)seq, (void)token;
    return ++*(int *)user < 3;
}

Test(driver, on_token_false_stops_like_cancel) {
    run_env_t e;
    env_init(&e, VKGPT__STRATEGY_GREEDY, 1);
    int count = 0;
    vkgpt__decode_hooks_t hooks = {.on_token = stop_after_three, .user = &count};
    cr_assert_eq(env_run(&e, &hooks), VKGPT_ERR_CANCELLED);
    cr_assert_eq(e.res.n_seqs, 1);
    cr_assert_eq(e.res.seqs[0].n_ids, 3);
    cr_assert_eq(e.res.seqs[0].finish, VKGPT__FINISH_CANCELLED);
    cr_assert_eq(e.toy.n_step, 2, "no model call after the stop");
    env_free(&e);
}

static bool set_cancel(void *user, uint32_t seq, int32_t token) {
    (void)seq, (void)token;
    atomic_store((atomic_int *)user, 1);
    return true;
}

Test(driver, cancel_flag_checked_between_steps) {
    static const vkgpt__strategy_t all[] = {VKGPT__STRATEGY_GREEDY, VKGPT__STRATEGY_SAMPLE,
                                            VKGPT__STRATEGY_BEAM, VKGPT__STRATEGY_BEAM_SAMPLE};
    for (size_t i = 0; i < 4; i++) {
        run_env_t e;
        env_init(&e, all[i], vkgpt__strategy_is_beam(all[i]) ? 3 : 1);
        atomic_int cancel = 0;
        bool beam = vkgpt__strategy_is_beam(all[i]);
        vkgpt__decode_hooks_t hooks = {.on_token = set_cancel, .user = &cancel,
                                       .cancel = &cancel};
        if (beam) {
            atomic_store(&cancel, 1); /* beams do not stream: cancel before the start */
        }
        cr_assert_eq(env_run(&e, &hooks), VKGPT_ERR_CANCELLED, "strategy %zu", i);
        cr_assert_eq(e.toy.n_step, 0, "strategy %zu: no step after cancel", i);
        cr_assert_eq(e.res.seqs[0].finish, VKGPT__FINISH_CANCELLED);
        cr_assert_eq(e.res.seqs[0].n_ids, beam ? 0 : 1);
        env_free(&e);
    }
}

Test(driver, cancel_during_beam_search_keeps_best_so_far) {
    static const vkgpt__strategy_t beams[] = {VKGPT__STRATEGY_BEAM, VKGPT__STRATEGY_BEAM_SAMPLE};
    for (size_t i = 0; i < 2; i++) {
        run_env_t e;
        env_init(&e, beams[i], 3);
        atomic_int cancel = 0;
        e.toy.cancel = &cancel;
        e.toy.cancel_at_step = 2;
        vkgpt__decode_hooks_t hooks = {.cancel = &cancel};
        cr_assert_eq(env_run(&e, &hooks), VKGPT_ERR_CANCELLED);
        cr_assert_eq(e.toy.n_step, 2);
        cr_assert_eq(e.res.n_seqs, 1);
        cr_assert_eq(e.res.seqs[0].n_ids, 3, "prefill and two steps give three tokens");
        cr_assert_eq(e.res.seqs[0].finish, VKGPT__FINISH_CANCELLED);
        env_free(&e);
    }
}

Test(driver, model_failure_is_returned_and_result_empty) {
    run_env_t e;
    env_init(&e, VKGPT__STRATEGY_BEAM, 3);
    e.toy.fail_step_at = 2;
    cr_assert_eq(env_run(&e, NULL), VKGPT_ERR_DEVICE_LOST);
    cr_assert(strstr(e.err.message, "step 2"), "%s", e.err.message);
    cr_assert_eq(e.res.n_seqs, 0);
    cr_assert_null(e.res.seqs);
    env_free(&e);
}

Test(driver, nan_logits_refused) {
    run_env_t e;
    env_init(&e, VKGPT__STRATEGY_SAMPLE, 1);
    e.toy.nan_step_at = 1;
    cr_assert_eq(env_run(&e, NULL), VKGPT_ERR_INTERNAL);
    cr_assert(strstr(e.err.message, "NaN"), "%s", e.err.message);
    env_free(&e);
}

Test(driver, bad_prompts_refused) {
    run_env_t e;
    env_init(&e, VKGPT__STRATEGY_GREEDY, 1);
    int32_t out_of_vocab[] = {3, 999};
    e.prompt = (vkgpt__decode_prompt_t){out_of_vocab, 2};
    cr_assert_eq(env_run(&e, NULL), VKGPT_ERR_INVALID_ARGUMENT);
    cr_assert(strstr(e.err.message, "999"), "%s", e.err.message);

    int32_t full[64] = {0};
    e.prompt = (vkgpt__decode_prompt_t){full, 64};
    cr_assert_eq(env_run(&e, NULL), VKGPT_ERR_CONTEXT_FULL);

    e.prompt = (vkgpt__decode_prompt_t){full, 0};
    cr_assert_eq(env_run(&e, NULL), VKGPT_ERR_INVALID_ARGUMENT);
    cr_assert_eq(e.toy.n_prefill, 0);
    env_free(&e);
}

Test(driver, setup_refusals) {
    run_env_t e;
    env_init(&e, VKGPT__STRATEGY_BEAM, 3);
    e.cfg.num_beams = 4; /* needs 4 rows, the toy has 3 */
    cr_assert_eq(env_run(&e, NULL), VKGPT_ERR_INVALID_ARGUMENT);
    cr_assert(strstr(e.err.message, "rows"), "%s", e.err.message);

    e.cfg.num_beams = 3;
    e.cfg.eos_set = false;
    cr_assert_eq(env_run(&e, NULL), VKGPT_ERR_INVALID_ARGUMENT);
    cr_assert(strstr(e.err.message, "eos"), "%s", e.err.message);

    e.cfg.eos_set = true;
    e.cfg.n_stop = 1;
    strcpy(e.cfg.stop[0], "x");
    e.m.decode = NULL;
    cr_assert_eq(env_run(&e, NULL), VKGPT_ERR_INVALID_ARGUMENT);
    cr_assert(strstr(e.err.message, "stop strings"), "%s", e.err.message);
    env_free(&e);
}

Test(driver, everything_masked_is_an_error) {
    run_env_t e;
    env_init(&e, VKGPT__STRATEGY_GREEDY, 1);
    /* A 32-token vocabulary with n-gram size 1 runs out of unused tokens. */
    e.cfg.no_repeat_ngram_size = 1;
    e.cfg.max_new_tokens = 40;
    cr_assert_eq(env_run(&e, NULL), VKGPT_ERR_INVALID_ARGUMENT);
    cr_assert(strstr(e.err.message, "every token was removed"), "%s", e.err.message);
    env_free(&e);
}

Test(driver, same_seed_same_ids_other_seed_other_ids) {
    int32_t first[10], n_first;
    run_env_t e;
    env_init(&e, VKGPT__STRATEGY_SAMPLE, 1);
    e.cfg.top_k = 0;
    e.cfg.seed = 1234;
    cr_assert_eq(env_run(&e, NULL), VKGPT_OK);
    n_first = (int32_t)e.res.seqs[0].n_ids;
    memcpy(first, e.res.seqs[0].ids, (size_t)n_first * sizeof(int32_t));

    vkgpt__decode_result_free(&e.res);
    cr_assert_eq(env_run(&e, NULL), VKGPT_OK);
    cr_assert_eq(e.res.seqs[0].n_ids, (size_t)n_first);
    cr_assert_arr_eq(e.res.seqs[0].ids, first, (size_t)n_first * sizeof(int32_t));

    bool differs = false;
    for (uint64_t seed = 1; seed <= 4 && !differs; seed++) {
        vkgpt__decode_result_free(&e.res);
        e.cfg.seed = 1234 + seed;
        cr_assert_eq(env_run(&e, NULL), VKGPT_OK);
        differs = memcmp(e.res.seqs[0].ids, first, (size_t)n_first * sizeof(int32_t)) != 0;
    }
    cr_assert(differs, "four other seeds all gave the same ten tokens");
    env_free(&e);
}
