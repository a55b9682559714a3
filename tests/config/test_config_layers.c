/* test_config_layers.c: overrides on top of files, merging, the strategy rule, printing and
 * reading back, and the public config API. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "vkgpt.h"

static void load(vkgpt__config_t *cfg, const char *text) {
    vkgpt__error_t err = {0};
    cr_assert_eq(vkgpt__config_load_string(cfg, "base.yaml", text, strlen(text), &err), VKGPT_OK,
                 "%s", err.message);
}

static void set_ok(vkgpt__config_t *cfg, const char *key, const char *value) {
    vkgpt__error_t err = {0};
    cr_assert_eq(vkgpt__config_set(cfg, key, value, &err), VKGPT_OK, "%s=%s: %s", key, value,
                 err.message);
}

static const char *base =
    "model:\n"
    "  path: models/gpt2\n"
    "generation:\n"
    "  strategy: beam\n"
    "  num_beams: 5\n"
    "  temperature: 0.5\n"
    "  seed: 7\n"
    "  stop: [\"\\n\\n\"]\n";

Test(config_layers, overrides_win_over_the_file) {
    vkgpt__config_t cfg;
    load(&cfg, base);
    set_ok(&cfg, "generation.temperature", "0.9");
    set_ok(&cfg, "generation.eos_token_id", "[50256, 0]");
    set_ok(&cfg, "generation.stop", "END");
    set_ok(&cfg, "device", "\"1\"");
    set_ok(&cfg, "model.dtype", "f16");
    cr_assert_float_eq(cfg.generation.temperature, 0.9, 0);
    cr_assert_eq(cfg.generation.n_eos, 2);
    cr_assert_eq(cfg.generation.eos_token_ids[0], 50256);
    cr_assert(cfg.generation.eos_set);
    cr_assert_eq(cfg.generation.n_stop, 1);
    cr_assert_str_eq(cfg.generation.stop[0], "END");
    cr_assert_eq(cfg.device.index, -1);
    cr_assert_str_eq(cfg.device.name, "1", "a quoted number names a device");
    cr_assert_eq(cfg.model.dtype, VKGPT__CONFIG_DTYPE_F16);
    cr_assert_eq(cfg.origin[VKGPT__CFG_GEN_TEMPERATURE].source, VKGPT__CONFIG_SOURCE_OVERRIDE);
    cr_assert_eq(cfg.origin[VKGPT__CFG_GEN_NUM_BEAMS].source, VKGPT__CONFIG_SOURCE_FILE);
    cr_assert_eq(cfg.origin[VKGPT__CFG_GEN_NUM_BEAMS].line, 5);
    cr_assert_eq(cfg.origin[VKGPT__CFG_GEN_NUM_BEAMS].column, 14);
    cr_assert_str_eq(cfg.origin[VKGPT__CFG_GEN_NUM_BEAMS].file, "base.yaml");
    vkgpt__config_free(&cfg);
}

Test(config_layers, null_or_empty_override_restores_the_default) {
    vkgpt__config_t cfg;
    load(&cfg, base);
    cr_assert(cfg.generation.seed_set);
    set_ok(&cfg, "generation.seed", "null");
    cr_assert_not(cfg.generation.seed_set);
    set_ok(&cfg, "generation.temperature", "");
    cr_assert_float_eq(cfg.generation.temperature, 1.0, 0);
    set_ok(&cfg, "model.path", "~");
    cr_assert_str_eq(cfg.model.path, "");
    vkgpt__config_free(&cfg);
}

Test(config_layers, a_bad_override_changes_nothing) {
    vkgpt__config_t cfg;
    vkgpt__error_t err = {0};
    load(&cfg, base);
    cr_assert_eq(vkgpt__config_set(&cfg, "generation.top_k", "lots", &err), VKGPT_ERR_CONFIG);
    cr_assert_str_eq(err.message, "override generation.top_k:1:1: generation.top_k: expected an "
                     "integer, got 'lots'");
    cr_assert_eq(vkgpt__config_set(&cfg, "generation.temprature", "1", &err), VKGPT_ERR_CONFIG);
    cr_assert(strstr(err.message, "did you mean 'temperature'?"), "%s", err.message);
    cr_assert_eq(vkgpt__config_set(&cfg, "generaton.top_k", "1", &err), VKGPT_ERR_CONFIG);
    cr_assert(strstr(err.message, "no section 'generaton'"), "%s", err.message);
    cr_assert_eq(vkgpt__config_set(&cfg, "top_k", "1", &err), VKGPT_ERR_CONFIG);
    cr_assert(strstr(err.message, "belongs in section 'generation'"), "%s", err.message);
    cr_assert_eq(vkgpt__config_set(&cfg, "generation.stop", "[a, [b]]", &err), VKGPT_ERR_CONFIG);
    cr_assert(strstr(err.message, ":1:5: "), "%s", err.message);
    cr_assert_eq(vkgpt__config_set(&cfg, "generation.top_p", "1 2: 3", &err), VKGPT_ERR_CONFIG);
    cr_assert_eq(vkgpt__config_set(&cfg, "generation.top_k", "1\n---\n2", &err),
                 VKGPT_ERR_CONFIG);
    cr_assert_eq(cfg.generation.top_k, 50);
    cr_assert_eq(cfg.generation.n_stop, 1);
    vkgpt__config_free(&cfg);
}

Test(config_layers, strategy_override_replaces_the_files_choice) {
    vkgpt__config_t cfg;
    vkgpt__error_t err = {0};
    load(&cfg, base);
    set_ok(&cfg, "generation.strategy", "greedy");
    cr_assert_eq(vkgpt__config_validate(&cfg, &err), VKGPT_OK, "%s", err.message);
    cr_assert_eq(cfg.generation.strategy, VKGPT__STRATEGY_GREEDY);
    cr_assert_eq(cfg.generation.num_beams, 1);

    /* beam_sample keeps the file's beams */
    vkgpt__config_t cfg2;
    load(&cfg2, base);
    set_ok(&cfg2, "generation.strategy", "beam_sample");
    cr_assert_eq(vkgpt__config_validate(&cfg2, &err), VKGPT_OK, "%s", err.message);
    cr_assert_eq(cfg2.generation.num_beams, 5);
    cr_assert(cfg2.do_sample);

    /* Within one file the same pair is a conflict. */
    vkgpt__config_t cfg3;
    load(&cfg3, "generation:\n  strategy: greedy\n  num_beams: 5\n");
    cr_assert_eq(vkgpt__config_validate(&cfg3, &err), VKGPT_ERR_CONFIG);
    vkgpt__config_free(&cfg);
    vkgpt__config_free(&cfg2);
    vkgpt__config_free(&cfg3);
}

Test(config_layers, strategy_follows_hugging_face_when_absent) {
    struct { const char *text; vkgpt__strategy_t want; } cases[] = {
        {"generation: {}\n", VKGPT__STRATEGY_GREEDY},
        {"generation: {do_sample: true}\n", VKGPT__STRATEGY_SAMPLE},
        {"generation: {num_beams: 3}\n", VKGPT__STRATEGY_BEAM},
        {"generation: {num_beams: 3, do_sample: true}\n", VKGPT__STRATEGY_BEAM_SAMPLE},
    };
    for (size_t i = 0; i < 4; i++) {
        vkgpt__config_t cfg;
        vkgpt__error_t err = {0};
        load(&cfg, cases[i].text);
        cr_assert_eq(vkgpt__config_validate(&cfg, &err), VKGPT_OK, "%s", err.message);
        cr_assert_eq(cfg.generation.strategy, cases[i].want, "case %zu", i);
        vkgpt__config_free(&cfg);
    }
}

Test(config_layers, merge_applies_only_what_the_later_layer_set) {
    vkgpt__config_t a, b;
    vkgpt__error_t err = {0};
    load(&a, base);
    load(&b, "generation:\n  top_k: 3\nclassifier:\n  labels: [neg, pos]\n");
    cr_assert_eq(vkgpt__config_merge(&a, &b, &err), VKGPT_OK);
    cr_assert_eq(a.generation.top_k, 3);
    cr_assert_eq(a.generation.num_beams, 5, "not set by b: kept");
    cr_assert_str_eq(a.model.path, "models/gpt2");
    cr_assert_eq(a.classifier.n_labels, 2);
    cr_assert_str_eq(a.classifier.labels[1], "pos");
    vkgpt__config_free(&b);
    cr_assert_str_eq(a.classifier.labels[0], "neg", "merged labels are a copy");
    vkgpt__config_free(&a);
}

/* Prints, reads the text back, prints again: the two texts must be equal. */
static void round_trip(vkgpt__config_t *cfg) {
    vkgpt__error_t err = {0};
    char *one = NULL, *two = NULL;
    size_t n1, n2;
    cr_assert_eq(vkgpt__config_print(cfg, &one, &n1, &err), VKGPT_OK, "%s", err.message);
    vkgpt__config_t back;
    cr_assert_eq(vkgpt__config_load_string(&back, "printed", one, n1, &err), VKGPT_OK,
                 "%s\n%s", err.message, one);
    cr_assert_eq(vkgpt__config_print(&back, &two, &n2, &err), VKGPT_OK, "%s", err.message);
    cr_assert_str_eq(one, two);
    cr_assert_eq(back.generation.temperature, cfg->generation.temperature);
    cr_assert_eq(back.generation.top_p, cfg->generation.top_p);
    cr_assert_eq(back.generation.seed, cfg->generation.seed);
    free(one);
    free(two);
    vkgpt__config_free(&back);
}

Test(config_layers, print_reads_back_to_the_same_config) {
    vkgpt__config_t cfg;
    vkgpt__config_init(&cfg);
    round_trip(&cfg);
    load(&cfg, "model:\n  path: \"true\"\n  preset: gpt2-xl\n"
               "tokenizer:\n  path: 'it''s \"here\"/Жи ё'\n"
               "generation:\n  strategy: beam\n  num_beams: 4\n  temperature: 0.1\n"
               "  top_p: 0.30000000000000004\n  length_penalty: -1e-7\n"
               "  early_stopping: never\n  eos_token_id: []\n  stop: [\"\\t\", \"\\u00e9\"]\n"
               "  seed: 18446744073709551615\n"
               "device: \"Intel(R) UHD\"\n"
               "classifier:\n  labels:\n    - \"yes\"\n    - '2'\n    - null-ish\n");
    round_trip(&cfg);
    cr_assert_eq(cfg.generation.seed, UINT64_MAX);
    cr_assert_eq(cfg.generation.n_eos, 0);
    cr_assert(cfg.generation.eos_set);
    cr_assert_str_eq(cfg.tokenizer.path, "it's \"here\"/Жи ё");
    vkgpt__config_free(&cfg);
}

Test(config_layers, printed_text_names_every_key) {
    vkgpt__config_t cfg;
    vkgpt__config_init(&cfg);
    vkgpt__error_t err = {0};
    char *text = NULL;
    size_t n;
    cr_assert_eq(vkgpt__config_print(&cfg, &text, &n, &err), VKGPT_OK);
    for (int k = 0; k < VKGPT__CFG_N_KEYS; k++) {
        const char *full = vkgpt__config_key_name((vkgpt__config_key_t)k);
        const char *dot = strchr(full, '.');
        char line[64];
        snprintf(line, sizeof(line), "\n%s%s:", dot ? "  " : "", dot ? dot + 1 : full);
        cr_assert(strstr(text, line), "'%s' missing from:\n%s", full, text);
    }
    free(text);
}

Test(config_api, public_calls_layer_and_report) {
    vkgpt_config_t *cfg = NULL;
    cr_assert_eq(vkgpt_config_create(&cfg), VKGPT_OK);
    const char *text = "generation:\n  strategy: sample\n  temperature: 1.3\n";
    cr_assert_eq(vkgpt_config_load_string(cfg, "a.yaml", text, strlen(text)), VKGPT_OK);
    cr_assert_eq(vkgpt_config_load_string(cfg, "b.yaml", "generation:\n  top_k: x\n", 22),
                 VKGPT_ERR_CONFIG);
    cr_assert_str_eq(vkgpt_config_last_error(cfg),
                     "b.yaml:2:10: generation.top_k: expected an integer, got 'x'");
    cr_assert_eq(vkgpt_config_set(cfg, "generation.top_k", "20"), VKGPT_OK);
    cr_assert_str_eq(vkgpt_config_last_error(cfg), "");

    size_t need = 0;
    char small[8];
    cr_assert_eq(vkgpt_config_print(cfg, small, sizeof(small), &need), VKGPT_ERR_BUFFER_TOO_SMALL);
    cr_assert_gt(need, sizeof(small));
    char *buf = malloc(need + 1);
    size_t len = 0;
    cr_assert_eq(vkgpt_config_print(cfg, buf, need + 1, &len), VKGPT_OK);
    cr_assert_eq(len, need);
    cr_assert(strstr(buf, "  temperature: 1.3\n") && strstr(buf, "  top_k: 20\n"), "%s", buf);
    cr_assert_eq(strlen(buf), len);
    free(buf);

    cr_assert_eq(vkgpt_config_set(cfg, "generation.num_beams", "3"), VKGPT_OK);
    cr_assert_eq(vkgpt_config_validate(cfg), VKGPT_ERR_CONFIG);
    cr_assert(strstr(vkgpt_config_last_error(cfg), "the command line"), "%s",
              vkgpt_config_last_error(cfg));
    cr_assert_eq(vkgpt_config_load_file(cfg, "/nonexistent.yaml"), VKGPT_ERR_IO);
    cr_assert_eq(vkgpt_config_set(NULL, "a", "b"), VKGPT_ERR_INVALID_ARGUMENT);
    vkgpt_config_destroy(cfg);
    vkgpt_config_destroy(NULL);
}
