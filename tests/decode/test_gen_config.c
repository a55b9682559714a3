/* test_gen_config.c: defaults and the consistency checks of the decoding settings. */
#include <criterion/criterion.h>
#include <string.h>

#include "decode/gen_config.h"

Test(gen_config, defaults_follow_hugging_face) {
    vkgpt__gen_config_t c;
    vkgpt__gen_config_init(&c);
    cr_assert_eq(c.strategy, VKGPT__STRATEGY_GREEDY);
    cr_assert_float_eq(c.temperature, 1.0, 0);
    cr_assert_eq(c.top_k, 50);
    cr_assert_float_eq(c.top_p, 1.0, 0);
    cr_assert_eq(c.num_beams, 1);
    cr_assert_float_eq(c.repetition_penalty, 1.0, 0);
    cr_assert_float_eq(c.length_penalty, 1.0, 0);
    cr_assert_eq(c.early_stopping, VKGPT__EARLY_STOP_FALSE);
    cr_assert_eq(c.num_return_sequences, 1);
    cr_assert_eq(c.no_repeat_ngram_size, 0);
}

Test(gen_config, defaults_pass_the_check) {
    vkgpt__gen_config_t c;
    vkgpt__gen_config_init(&c);
    vkgpt__error_t err = {0};
    cr_assert_eq(vkgpt__gen_config_check(&c, &err), VKGPT_OK, "%s", err.message);
}

static void break_temperature(vkgpt__gen_config_t *c) { c->temperature = 0.0; }
static void break_top_p(vkgpt__gen_config_t *c) { c->top_p = 1.5; }
static void break_beams(vkgpt__gen_config_t *c) { c->strategy = VKGPT__STRATEGY_BEAM; }
static void break_returns(vkgpt__gen_config_t *c) { c->num_return_sequences = 2; }
static void break_min_new(vkgpt__gen_config_t *c) { c->min_new_tokens = 100; }
static void break_stop(vkgpt__gen_config_t *c) { c->n_stop = 1; /* an empty string */ }

Test(gen_config, refusals_name_the_field) {
    struct { const char *field; void (*apply)(vkgpt__gen_config_t *); } cases[] = {
        {"temperature", break_temperature}, {"top_p", break_top_p},
        {"num_beams", break_beams}, {"returns 1 to 1", break_returns},
        {"min_new_tokens", break_min_new}, {"stop string", break_stop},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        vkgpt__gen_config_t c;
        vkgpt__gen_config_init(&c);
        cases[i].apply(&c);
        vkgpt__error_t err = {0};
        cr_assert_eq(vkgpt__gen_config_check(&c, &err), VKGPT_ERR_INVALID_ARGUMENT, "case %zu", i);
        cr_assert(strstr(err.message, cases[i].field), "case %zu: %s", i, err.message);
    }
}

Test(gen_config, strategy_names_round_trip) {
    for (int s = 0; s < 4; s++) {
        vkgpt__strategy_t back;
        cr_assert(vkgpt__strategy_parse(vkgpt__strategy_name((vkgpt__strategy_t)s), &back));
        cr_assert_eq((int)back, s);
    }
    vkgpt__strategy_t x;
    cr_assert_not(vkgpt__strategy_parse("beams", &x));
    cr_assert_null(vkgpt__strategy_name((vkgpt__strategy_t)9));
}
