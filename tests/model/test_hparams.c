/* test_hparams.c: config.json and generation_config.json into checked hyper-parameters, and
 * the size presets. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/hparams.h"

TestSuite(hparams);

/* A valid GPT-2 small config; with(), plus() and without() derive broken ones from it
 * (duplicate keys are refused, so a changed field is replaced in place). */
static const char *small =
    "{\"n_layer\": 12, \"n_embd\": 768, \"n_head\": 12, \"n_positions\": 1024, "
    "\"vocab_size\": 50257, \"bos_token_id\": 50256, \"eos_token_id\": 50256}";

static vkgpt_status_t parse(const char *json, vkgpt__gpt2_hparams_t *hp, vkgpt__error_t *err) {
    return vkgpt__gpt2_hparams_parse(json, strlen(json), "config.json", hp, err);
}

/* small with the value of `key` replaced by `value` (the raw JSON text). */
static const char *with(const char *key, const char *value) {
    static char out[1024];
    char pat[64];
    snprintf(pat, sizeof(pat), "\"%s\": ", key);
    const char *at = strstr(small, pat);
    cr_assert_not_null(at, "%s not in the base config", key);
    const char *end = at + strlen(pat);
    while (*end != ',' && *end != '}') {
        end++;
    }
    snprintf(out, sizeof(out), "%.*s%s%s%s", (int)(at - small), small, pat, value, end);
    return out;
}

/* small plus one more field. */
static const char *plus(const char *field) {
    static char out[1024];
    snprintf(out, sizeof(out), "{%s, %s", field, small + 1);
    return out;
}

/* small without `key`. */
static const char *without(const char *key) {
    static char out[1024];
    char pat[64];
    snprintf(pat, sizeof(pat), "\"%s\": ", key);
    const char *at = strstr(small, pat);
    cr_assert_not_null(at);
    const char *end = strchr(at, ',');
    snprintf(out, sizeof(out), "%.*s%s", (int)(at - small), small, end + 2);
    return out;
}

static void expect_error(const char *json, vkgpt_status_t status, const char *detail) {
    vkgpt__gpt2_hparams_t hp;
    vkgpt__error_t err = {0};
    vkgpt_status_t st = parse(json, &hp, &err);
    cr_assert_eq(st, status, "expected %s, got %s (%s) for %s", vkgpt_status_name(status),
                 vkgpt_status_name(st), err.message, json);
    cr_assert_not_null(strstr(err.message, "config.json"), "%s", err.message);
    cr_assert_not_null(strstr(err.message, detail), "message lacks '%s': %s", detail, err.message);
}

Test(hparams, gpt2_small_with_defaults) {
    vkgpt__gpt2_hparams_t hp;
    vkgpt__error_t err = {0};
    cr_assert_eq(parse(small, &hp, &err), VKGPT_OK, "%s", err.message);
    cr_assert_eq(hp.n_layer, 12);
    cr_assert_eq(hp.n_embd, 768);
    cr_assert_eq(hp.n_head, 12);
    cr_assert_eq(hp.n_positions, 1024);
    cr_assert_eq(hp.vocab_size, 50257);
    cr_assert_eq(hp.n_inner, 3072);
    cr_assert_float_eq(hp.layer_norm_epsilon, 1e-5, 0);
    cr_assert_eq(hp.activation, VKGPT__ACT_GELU_TANH);
    cr_assert_eq(hp.bos_token_id, 50256);
    cr_assert_eq(hp.pad_token_id, -1);
    cr_assert_eq(vkgpt__gpt2_hparams_n_params(&hp), 124439808); /* GPT-2 small, tied */
}

Test(hparams, explicit_fields_and_old_n_ctx) {
    vkgpt__gpt2_hparams_t hp;
    vkgpt__error_t err = {0};
    const char *json = "{\"n_layer\": 2, \"n_embd\": 64, \"n_head\": 4, \"n_ctx\": 128, "
                       "\"vocab_size\": 100, \"n_inner\": 100, \"layer_norm_epsilon\": 1e-6, "
                       "\"activation_function\": \"relu\", \"pad_token_id\": null, "
                       "\"model_type\": \"gpt2\", \"summary_type\": \"cls_index\"}";
    cr_assert_eq(parse(json, &hp, &err), VKGPT_OK, "%s", err.message);
    cr_assert_eq(hp.n_positions, 128);
    cr_assert_eq(hp.n_inner, 100);
    cr_assert_float_eq(hp.layer_norm_epsilon, 1e-6, 0);
    cr_assert_eq(hp.activation, VKGPT__ACT_RELU);
    cr_assert_eq(hp.pad_token_id, -1);
}

Test(hparams, n_positions_wins_over_n_ctx) {
    vkgpt__gpt2_hparams_t hp;
    vkgpt__error_t err = {0};
    cr_assert_eq(parse(plus("\"n_ctx\": 2048"), &hp, &err), VKGPT_OK, "%s", err.message);
    cr_assert_eq(hp.n_positions, 1024);
}

Test(hparams, missing_fields) {
    static const char *required[] = {"n_layer", "n_embd", "n_head", "vocab_size"};
    for (size_t i = 0; i < 4; i++) {
        char want[64];
        snprintf(want, sizeof(want), "'%s' is missing", required[i]);
        expect_error(without(required[i]), VKGPT_ERR_CONFIG, want);
    }
    expect_error(without("n_positions"), VKGPT_ERR_CONFIG, "'n_positions' is missing");
}

Test(hparams, mistyped_fields) {
    expect_error(with("n_layer", "\"12\""), VKGPT_ERR_CONFIG,
                 "'n_layer' must be an integer, not a string");
    expect_error(with("n_embd", "768.0"), VKGPT_ERR_CONFIG,
                 "'n_embd' must be an integer, not a real number");
    expect_error(plus("\"layer_norm_epsilon\": \"1e-5\""), VKGPT_ERR_CONFIG,
                 "'layer_norm_epsilon' must be a number, not a string");
    expect_error(plus("\"activation_function\": 3"), VKGPT_ERR_CONFIG,
                 "'activation_function' must be a string");
    expect_error(plus("\"scale_attn_weights\": 1"), VKGPT_ERR_CONFIG,
                 "'scale_attn_weights' must be true or false");
    expect_error(with("bos_token_id", "[1]"), VKGPT_ERR_CONFIG,
                 "'bos_token_id' must be an integer, not an array");
}

Test(hparams, impossible_numbers) {
    expect_error(with("n_head", "7"), VKGPT_ERR_CONFIG, "n_embd 768 is not divisible by n_head 7");
    expect_error(with("n_layer", "0"), VKGPT_ERR_CONFIG, "'n_layer' is 0, outside [1, 1024]");
    expect_error(with("n_layer", "-3"), VKGPT_ERR_CONFIG, "'n_layer' is -3");
    expect_error(with("n_embd", "9223372036854775807"), VKGPT_ERR_CONFIG,
                 "'n_embd' is 9223372036854775807, outside [1, 65536]");
    expect_error(with("vocab_size", "4000000000"), VKGPT_ERR_CONFIG, "'vocab_size' is 4000000000");
    expect_error(with("n_positions", "99999999"), VKGPT_ERR_CONFIG, "'n_positions' is 99999999");
    expect_error(plus("\"n_inner\": 0"), VKGPT_ERR_CONFIG, "'n_inner' is 0");
    expect_error(plus("\"layer_norm_epsilon\": 0"), VKGPT_ERR_CONFIG,
                 "layer_norm_epsilon 0 is not in (0, 1)");
    expect_error(plus("\"layer_norm_epsilon\": -1e-5"), VKGPT_ERR_CONFIG,
                 "layer_norm_epsilon -1e-05 is not in (0, 1)");
    expect_error(with("eos_token_id", "50257"), VKGPT_ERR_CONFIG,
                 "'eos_token_id' is 50257, past the vocabulary (vocab_size 50257)");
    expect_error(with("bos_token_id", "-1"), VKGPT_ERR_CONFIG, "'bos_token_id' is -1");
}

Test(hparams, absurd_total_size) {
    /* Each field inside its limit, the product far outside: 2^24 x 2^16 embedding rows. */
    expect_error("{\"n_layer\": 1024, \"n_embd\": 65536, \"n_head\": 1024, \"n_positions\": 1, "
                 "\"vocab_size\": 16777216}",
                 VKGPT_ERR_CONFIG, "weights (limit 68719476736)");
}

Test(hparams, variants_refused_by_name) {
    expect_error(plus("\"activation_function\": \"swish\""), VKGPT_ERR_UNSUPPORTED,
                 "activation_function 'swish' is not supported");
    expect_error(plus("\"model_type\": \"llama\""), VKGPT_ERR_UNSUPPORTED, "model_type is 'llama'");
    expect_error(plus("\"scale_attn_weights\": false"), VKGPT_ERR_UNSUPPORTED,
                 "scale_attn_weights = false");
    expect_error(plus("\"scale_attn_by_inverse_layer_idx\": true"), VKGPT_ERR_UNSUPPORTED,
                 "scale_attn_by_inverse_layer_idx = true");
    expect_error(plus("\"add_cross_attention\": true"), VKGPT_ERR_UNSUPPORTED,
                 "add_cross_attention = true");
}

Test(hparams, not_json_or_not_object) {
    expect_error("{\"n_layer\": 12,", VKGPT_ERR_CONFIG, "config.json:1:");
    expect_error("[12]", VKGPT_ERR_CONFIG, "not a JSON object");
    expect_error("{\"n_layer\": 1, \"n_layer\": 2}", VKGPT_ERR_CONFIG, "duplicate");
}

/* ---- generation_config.json ---- */

static vkgpt_status_t parse_gen(const char *json, vkgpt__generation_config_t *gen,
                                vkgpt__error_t *err) {
    vkgpt__gpt2_hparams_t hp;
    cr_assert_eq(parse(small, &hp, err), VKGPT_OK);
    return vkgpt__generation_config_parse(json, strlen(json), "generation_config.json", &hp, gen,
                                          err);
}

Test(hparams, generation_config_fields) {
    vkgpt__generation_config_t gen;
    vkgpt__error_t err = {0};
    const char *json = "{\"bos_token_id\": 1, \"eos_token_id\": [2, 50256], \"do_sample\": true,"
                       " \"temperature\": 0.7, \"top_k\": 50, \"top_p\": 0.95, \"num_beams\": 4,"
                       " \"max_new_tokens\": 100, \"early_stopping\": \"never\","
                       " \"transformers_version\": \"4.40\"}";
    cr_assert_eq(parse_gen(json, &gen, &err), VKGPT_OK, "%s", err.message);
    cr_assert(gen.present);
    cr_assert_eq(gen.bos_token_id, 1);
    cr_assert_eq(gen.n_eos, 2);
    cr_assert_eq(gen.eos_token_ids[1], 50256);
    cr_assert_eq(gen.do_sample, 1);
    cr_assert_float_eq(gen.temperature, 0.7, 1e-12);
    cr_assert_eq(gen.top_k, 50);
    cr_assert_eq(gen.num_beams, 4);
    cr_assert_eq(gen.max_new_tokens, 100);
    cr_assert_eq(gen.max_length, -1);
    cr_assert_eq(gen.early_stopping, 0);
    cr_assert(isnan(gen.repetition_penalty));
    cr_assert_eq(gen.pad_token_id, -1);
}

Test(hparams, generation_config_errors) {
    static const struct {
        const char *json, *detail;
    } cases[] = {
        {"{\"eos_token_id\": [1, 99999]}", "'eos_token_id[1]' is 99999"},
        {"{\"eos_token_id\": [1,2,3,4,5,6,7,8,9]}", "more than 8 eos_token_id"},
        {"{\"top_p\": 1.5}", "'top_p' is 1.5, outside [0, 1]"},
        {"{\"num_beams\": 0}", "'num_beams' is 0"},
        {"{\"do_sample\": \"yes\"}", "'do_sample' must be true or false"},
        {"{\"max_length\": -5}", "'max_length' is -5"},
        {"{\"pad_token_id\": 60000}", "'pad_token_id' is 60000, past the vocabulary"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        vkgpt__generation_config_t gen;
        vkgpt__error_t err = {0};
        cr_assert_eq(parse_gen(cases[i].json, &gen, &err), VKGPT_ERR_CONFIG, "%s", cases[i].json);
        cr_assert_not_null(strstr(err.message, "generation_config.json"), "%s", err.message);
        cr_assert_not_null(strstr(err.message, cases[i].detail), "%s", err.message);
    }
}

/* ---- Files ---- */

static const char *fixture(const char *rel) {
    static char path[1024];
    const char *root = getenv("VKGPT_SOURCE_ROOT");
    cr_assert_not_null(root, "VKGPT_SOURCE_ROOT is not set (run through meson test)");
    snprintf(path, sizeof(path), "%s/tests/fixtures/%s", root, rel);
    return path;
}

Test(hparams, load_folder_with_generation_config) {
    vkgpt__gpt2_hparams_t hp;
    vkgpt__generation_config_t gen;
    vkgpt__error_t err = {0};
    cr_assert_eq(vkgpt__gpt2_hparams_load(fixture("gpt2/tiny2-st"), &hp, &gen, &err), VKGPT_OK,
                 "%s", err.message);
    cr_assert_eq(hp.n_layer, 2);
    cr_assert_eq(hp.n_embd, 32);
    cr_assert_eq(hp.vocab_size, 96);
    cr_assert_eq(hp.n_inner, 128);
    cr_assert(gen.present);
    cr_assert_eq(gen.max_length, 64);
    cr_assert_eq(gen.do_sample, 0);
}

Test(hparams, load_config_file_without_generation_config) {
    vkgpt__gpt2_hparams_t hp;
    vkgpt__generation_config_t gen;
    vkgpt__error_t err = {0};
    cr_assert_eq(vkgpt__gpt2_hparams_load(fixture("gpt2/tiny3-st/config.json"), &hp, &gen, &err),
                 VKGPT_OK, "%s", err.message);
    cr_assert_eq(hp.n_layer, 3);
    cr_assert_eq(hp.n_head, 3);
    cr_assert(!gen.present);
    cr_assert_eq(gen.top_k, -1);
}

Test(hparams, load_missing_folder) {
    vkgpt__gpt2_hparams_t hp;
    vkgpt__error_t err = {0};
    cr_assert_eq(vkgpt__gpt2_hparams_load(fixture("gpt2/nowhere"), &hp, NULL, &err), VKGPT_ERR_IO);
    cr_assert_not_null(strstr(err.message, "nowhere"), "%s", err.message);
}

/* ---- Presets ---- */

Test(hparams, presets_hold_published_sizes) {
    static const struct {
        const char *name;
        uint32_t layers, embd, heads, positions, vocab;
    } want[] = {
        {"gpt2-small", 12, 768, 12, 1024, 50257},   {"gpt2-medium", 24, 1024, 16, 1024, 50257},
        {"gpt2-large", 36, 1280, 20, 1024, 50257},  {"gpt2-xl", 48, 1600, 25, 1024, 50257},
        {"rugpt3-small", 12, 768, 12, 2048, 50264}, {"rugpt3-medium", 24, 1024, 16, 2048, 50257},
        {"rugpt3-large", 24, 1536, 16, 2048, 50257}, {"gpt2-tiny", 4, 256, 4, 512, 8192}};
    cr_assert_eq(vkgpt__gpt2_preset_count(), 8);
    for (size_t i = 0; i < 8; i++) {
        const vkgpt__gpt2_preset_t *p = vkgpt__gpt2_preset_find(want[i].name);
        vkgpt__error_t err = {0};
        cr_assert_not_null(p, "%s", want[i].name);
        cr_assert_eq(p->hp.n_layer, want[i].layers);
        cr_assert_eq(p->hp.n_embd, want[i].embd);
        cr_assert_eq(p->hp.n_head, want[i].heads);
        cr_assert_eq(p->hp.n_positions, want[i].positions);
        cr_assert_eq(p->hp.vocab_size, want[i].vocab);
        cr_assert_eq(p->hp.n_inner, 4 * want[i].embd);
        cr_assert_eq(vkgpt__gpt2_hparams_validate(&p->hp, p->name, &err), VKGPT_OK, "%s",
                     err.message);
    }
    cr_assert_null(vkgpt__gpt2_preset_find("gpt2-huge"));
    cr_assert_null(vkgpt__gpt2_preset_at(8));
}

Test(hparams, check_against_preset_names_the_field) {
    vkgpt__gpt2_hparams_t hp;
    vkgpt__error_t err = {0};
    const vkgpt__gpt2_preset_t *small_preset = vkgpt__gpt2_preset_find("gpt2-small");
    cr_assert_eq(parse(small, &hp, &err), VKGPT_OK);
    cr_assert_eq(vkgpt__gpt2_hparams_check_preset(&hp, "config.json", small_preset, &err), VKGPT_OK,
                 "%s", err.message);

    hp.vocab_size = 50258; /* a fine-tune with one added token still matches */
    cr_assert_eq(vkgpt__gpt2_hparams_check_preset(&hp, "config.json", small_preset, &err), VKGPT_OK,
                 "%s", err.message);

    cr_assert_eq(vkgpt__gpt2_hparams_check_preset(&hp, "config.json",
                                                  vkgpt__gpt2_preset_find("rugpt3-small"), &err),
                 VKGPT_ERR_CONFIG);
    cr_assert_not_null(strstr(err.message, "config.json: n_positions is 1024, but preset "
                                           "'rugpt3-small' has 2048"),
                       "%s", err.message);

    hp.vocab_size = 50000;
    cr_assert_eq(vkgpt__gpt2_hparams_check_preset(&hp, "config.json", small_preset, &err),
                 VKGPT_ERR_CONFIG);
    cr_assert_not_null(strstr(err.message, "vocab_size is 50000, but preset 'gpt2-small' has "
                                           "50257"),
                       "%s", err.message);

    cr_assert_eq(vkgpt__gpt2_hparams_check_preset(&hp, "config.json",
                                                  vkgpt__gpt2_preset_find("gpt2-medium"), &err),
                 VKGPT_ERR_CONFIG);
    cr_assert_not_null(strstr(err.message, "n_layer is 12, but preset 'gpt2-medium' has 24"), "%s",
                       err.message);
}
