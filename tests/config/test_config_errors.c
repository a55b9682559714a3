/* test_config_errors.c: every class of config error, each with the exact file:line:column it
 * must report (1-based; the column counts characters). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "model/hparams.h"

/* Loads text as "t.yaml" and checks that it fails with VKGPT_ERR_CONFIG, that the message
 * starts with `where` and that it contains `what`. */
static void expect_error_len(const char *text, size_t len, const char *where, const char *what) {
    vkgpt__config_t cfg;
    vkgpt__error_t err = {0};
    vkgpt_status_t st = vkgpt__config_load_string(&cfg, "t.yaml", text, len, &err);
    if (st == VKGPT_OK) {
        st = vkgpt__config_validate(&cfg, &err);
    }
    cr_assert_eq(st, VKGPT_ERR_CONFIG, "expected an error at %s for:\n%s", where, text);
    cr_assert(strncmp(err.message, where, strlen(where)) == 0, "message '%s' does not start "
              "with '%s'", err.message, where);
    cr_assert(strstr(err.message, what), "message '%s' lacks '%s'", err.message, what);
    vkgpt__config_free(&cfg);
}

static void expect_error(const char *text, const char *where, const char *what) {
    expect_error_len(text, strlen(text), where, what);
}

Test(config_errors, unknown_key_suggests_the_nearest) {
    expect_error("generation:\n  temprature: 1.0\n", "t.yaml:2:3: ",
                 "unknown key 'temprature' in generation; did you mean 'temperature'?");
    expect_error("generation:\n  top-k: 5\n", "t.yaml:2:3: ", "did you mean 'top_k'?");
    expect_error("generation:\n  beams: 5\n", "t.yaml:2:3: ", "did you mean 'num_beams'?");
    expect_error("generaton:\n  top_k: 5\n", "t.yaml:1:1: ", "did you mean 'generation'?");
    expect_error("model:\n  top_k: 5\n", "t.yaml:2:3: ",
                 "unknown key 'top_k' in model; it belongs in section 'generation'");
    expect_error("model:\n  xyzzy: 5\n", "t.yaml:2:3: ", "unknown key 'xyzzy' in model");
}

Test(config_errors, wrong_type_names_what_was_expected) {
    expect_error("generation:\n  top_k: many\n", "t.yaml:2:10: ",
                 "generation.top_k: expected an integer, got 'many'");
    expect_error("generation:\n  top_k: 2.5\n", "t.yaml:2:10: ", "expected a whole number");
    expect_error("generation:\n  temperature: \"0.7\"\n", "t.yaml:2:16: ",
                 "expected a number, got the quoted string '0.7'");
    expect_error("generation:\n  do_sample: yes\n", "t.yaml:2:14: ", "expected true or false");
    expect_error("generation:\n  early_stopping: sometimes\n", "t.yaml:2:19: ",
                 "expected true, false or never");
    expect_error("model:\n  dtype: fp16\n", "t.yaml:2:10: ",
                 "model.dtype: expected one of f32, f16, got 'fp16'");
    expect_error("generation:\n  temperature: [1]\n", "t.yaml:2:16: ",
                 "expected a single value, got a list");
    expect_error("generation:\n  top_k: {a: 1}\n", "t.yaml:2:10: ",
                 "expected a value, got a mapping");
    expect_error("generation:\n  stop: [[a]]\n", "t.yaml:2:10: ", "list items must be plain");
    expect_error("model: 5\n", "t.yaml:1:8: ", "section 'model' must be a mapping");
    expect_error("- a\n- b\n", "t.yaml:1:1: ", "the top level must be a mapping");
    expect_error("{[a]: 1}\n", "t.yaml:1:2: ", "a key must be a name");
}

/* model.preset takes exactly the model layer's size presets, and an unknown one lists them. */
Test(config_errors, preset_names_come_from_the_model_table) {
    size_t n = vkgpt__gpt2_preset_count();
    cr_assert_gt(n, 0);
    for (size_t i = 0; i < n; i++) {
        const char *name = vkgpt__gpt2_preset_at(i)->name;
        char text[128];
        snprintf(text, sizeof(text), "model:\n  preset: %s\n", name);
        vkgpt__config_t cfg;
        vkgpt__error_t err = {0};
        cr_assert_eq(vkgpt__config_load_string(&cfg, "t.yaml", text, strlen(text), &err),
                     VKGPT_OK, "%s: %s", name, err.message);
        cr_assert_str_eq(cfg.model.preset, name);
        vkgpt__config_free(&cfg);
    }
    expect_error("model:\n  preset: gpt2-huge\n", "t.yaml:2:11: ",
                 "model.preset: expected one of gpt2-small, gpt2-medium");
    expect_error("model:\n  preset: gpt2-huge\n", "t.yaml:2:11: ", "rugpt3-large");
}

Test(config_errors, out_of_range_values) {
    expect_error("generation:\n  top_p: 1.5\n", "t.yaml:2:10: ",
                 "generation.top_p: '1.5' is out of range [0, 1]");
    expect_error("generation:\n  temperature: 0\n", "t.yaml:2:16: ", "out of range (0, 100]");
    expect_error("generation:\n  num_beams: 0\n", "t.yaml:2:14: ", "out of range [1, 64]");
    expect_error("generation:\n  top_k: -1\n", "t.yaml:2:10: ", "out of range");
    expect_error("generation:\n  max_new_tokens: 99999999999999999999\n", "t.yaml:2:19: ",
                 "out of range");
    expect_error("generation:\n  seed: -1\n", "t.yaml:2:9: ", "out of range [0, 1844674407");
    expect_error("generation:\n  temperature: 1e999\n", "t.yaml:2:16: ", "out of range");
    expect_error("generation:\n  eos_token_id: [1, 2, 3, 4, 5, 6, 7, 8, 9]\n", "t.yaml:2:17: ",
                 "more than 8 items");
    expect_error("generation:\n  eos_token_id: [1, -2]\n", "t.yaml:2:21: ", "out of range");
    expect_error("device: 5000\n", "t.yaml:1:9: ", "device: '5000' is out of range [0, 1023]");
    expect_error("model:\n  path: \"\"\n", "t.yaml:2:9: ", "the string is empty");
    expect_error("model:\n  path: \"a\\0b\"\n", "t.yaml:2:9: ", "NUL byte");
    expect_error("classifier:\n  labels: [cat, dog, cat]\n", "t.yaml:2:22: ",
                 "label 'cat' also appears at 2:12");
}

Test(config_errors, duplicate_keys_name_the_first) {
    expect_error("generation:\n  top_k: 5\n  top_k: 6\n", "t.yaml:3:3: ",
                 "duplicate key 'top_k' (first at 2:3)");
    expect_error("model:\n  dtype: f16\nmodel:\n  dtype: f32\n", "t.yaml:3:1: ",
                 "duplicate key 'model' (first at 1:1)");
    expect_error("device: 0\ndevice: 1\n", "t.yaml:2:1: ", "duplicate key 'device'");
}

Test(config_errors, anchors_aliases_and_tags_refused) {
    expect_error("generation: &g\n  top_k: 5\n", "t.yaml:1:13: ", "anchors (&g) are not allowed");
    expect_error("model:\n  path: &p x\ntokenizer:\n  path: *p\n", "t.yaml:2:9: ",
                 "anchors (&p)");
    expect_error("tokenizer:\n  path: *p\n", "t.yaml:2:9: ", "aliases (*p) are not allowed");
    expect_error("generation:\n  top_k: !!int 5\n", "t.yaml:2:10: ", "tags (");
}

Test(config_errors, deep_nesting_refused_by_the_depth_limit) {
    size_t n = 40000;
    char *deep = malloc(n + 32);
    strcpy(deep, "generation:\n  stop: ");
    size_t at = strlen(deep);
    memset(deep + at, '[', n);
    deep[at + n] = '\0';
    /* The 17th '[' opens level 18 (the two mappings count): refused there. */
    expect_error(deep, "t.yaml:2:23: ", "nesting deeper than 16 levels");
    memset(deep, '[', n);
    deep[n] = '\0';
    expect_error(deep, "t.yaml:1:17: ", "nesting deeper than 16 levels");
    free(deep);
}

Test(config_errors, syntax_errors_and_documents) {
    expect_error("generation:\n  top_k: [1, 2\n", "t.yaml:3:1: ", "did not find expected");
    expect_error("generation:\n top_k: 1\n  top_p: 1\n", "t.yaml:3:8: ",
                 "mapping values are not allowed");
    expect_error("model:\n  dtype: f16\n---\nmodel:\n  dtype: f32\n", "t.yaml:3:1: ",
                 "one YAML document");
}

Test(config_errors, invalid_utf8_by_byte_offset) {
    /* 0xff at byte 18: "model:\n" is 7 bytes, "  path: \"ab" 11 more. */
    expect_error("model:\n  path: \"ab\xff\"\n", "t.yaml: byte offset 18 (line 2, column 12): ",
                 "invalid UTF-8 (byte 0xff)");
    /* A two-byte character counts as one column; a truncated sequence is invalid. */
    expect_error("model:\n  path: \"\xd1\x91\xd1\"\n", "t.yaml: byte offset 18 (line 2, column 11)",
                 "invalid UTF-8 (byte 0xd1)");
    /* An overlong encoding of '/' */
    expect_error("model:\n  path: \xc0\xaf\n", "t.yaml: byte offset 15 (line 2, column 9)",
                 "invalid UTF-8");
    /* A control character is valid UTF-8 but not YAML: libyaml's reader reports its offset. */
    expect_error_len("model:\n  path: a\x01" "b\n", 19,
                     "t.yaml: byte offset 16 (line 2, column 10)",
                     "control characters are not allowed");
}

Test(config_errors, keys_that_contradict_each_other) {
    expect_error("generation:\n  strategy: greedy\n  num_beams: 4\n", "t.yaml:3:14: ",
                 "generation.num_beams: 4 beams contradict strategy greedy (use beam or "
                 "beam_sample) (generation.strategy from t.yaml:2:13)");
    expect_error("generation:\n  do_sample: false\n  strategy: sample\n", "t.yaml:2:14: ",
                 "false contradicts strategy sample");
    expect_error("generation:\n  strategy: beam\n", "t.yaml:2:13: ",
                 "strategy beam needs num_beams of at least 2");
    expect_error("generation:\n  num_beams: 3\n  num_return_sequences: 4\n", "t.yaml:3:25: ",
                 "4 sequences from 3 beams");
    expect_error("generation:\n  num_return_sequences: 2\n", "t.yaml:2:25: ",
                 "greedy search returns one sequence");
    expect_error("generation:\n  max_new_tokens: 5\n  min_new_tokens: 6\n", "t.yaml:3:19: ",
                 "6 is more than max_new_tokens 5 (generation.max_new_tokens from t.yaml:2:19)");
}

Test(config_errors, size_and_missing_file) {
    size_t n = VKGPT__CONFIG_MAX_BYTES + 1;
    char *big = malloc(n);
    memset(big, '#', n);
    expect_error_len(big, n, "t.yaml: ", "at most 1048576");
    free(big);

    vkgpt__config_t cfg;
    vkgpt__error_t err = {0};
    cr_assert_eq(vkgpt__config_load_file(&cfg, "/nonexistent/vkgpt.yaml", &err), VKGPT_ERR_IO);
    cr_assert(strstr(err.message, "/nonexistent/vkgpt.yaml: cannot open"), "%s", err.message);
}

Test(config_errors, a_failed_load_leaves_defaults) {
    vkgpt__config_t cfg;
    vkgpt__error_t err = {0};
    const char *text = "generation:\n  top_k: 7\n  top_p: 2\n";
    cr_assert_eq(vkgpt__config_load_string(&cfg, "t.yaml", text, strlen(text), &err),
                 VKGPT_ERR_CONFIG);
    cr_assert_eq(cfg.generation.top_k, 50, "top_k back at its default");
    cr_assert_eq(cfg.origin[VKGPT__CFG_GEN_TOP_K].source, VKGPT__CONFIG_SOURCE_DEFAULT);
}
