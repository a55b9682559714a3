/* test_driver.c: the generation driver against tools/reference_decoder.py's expected ids on the
 * toy model (tests/fixtures/decode/expected.json), one test per strategy, and its behaviour on
 * cancel, model failures and bad input. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <string.h>

#include "decode/driver.h"
#include "decode_cases.h"
#include "toy_model.h"

/* ---- Fixture cases ---- */

static void run_case(json_t *doc, size_t i) {
    decode_case_t c;
    decode_case_read(doc, i, 1, &c); /* the reference's default eos: the toy model's */

    toy_model_t toy;
    toy_load(&toy, toy_fixture("toy_model.json"), decode_case_rows(&c));
    vkgpt__decode_model_t m = toy_interface(&toy);
    vkgpt__decode_result_t res;
    vkgpt__error_t err = {0};
    vkgpt_status_t st = vkgpt__decode_run(&c.cfg, &m, c.prompts, c.n_prompts, NULL, &res, &err);
    cr_assert_eq(st, VKGPT_OK, "%s: %s", c.name, err.message);
    cr_assert_eq(toy.n_prefill, c.n_prompts, "%s: one prefill per prompt", c.name);
    decode_case_check(&c, &res, 1e-9);
    vkgpt__decode_result_free(&res);
    toy_free(&toy);
}

/* Runs every fixture case whose strategy is `strategy`; returns how many. */
static int run_strategy(const char *strategy) {
    json_t *doc = decode_cases_load(toy_fixture("expected.json"));
    json_t *cases = json_object_get(doc, "cases");
    int n = 0;
    for (size_t i = 0; i < json_array_size(cases); i++) {
        json_t *s = json_object_get(json_object_get(json_array_get(cases, i), "config"),
                                    "strategy");
        if (strcmp(s ? json_string_value(s) : "greedy", strategy) == 0) {
            run_case(doc, i);
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
