/* test_generate.c: the decoding driver over a device session (vkgpt__session_decode_model) on
 * the tiny GPT-2 checkpoints, against the reference decoder's outputs for the same checkpoints
 * (tests/fixtures/decode/gpt2-*.expected.json, made by tools/reference_decoder_gpt2.py).
 *
 * Every id, finish reason and stop offset must match: the reference only keeps cases whose
 * decisions are all at least 1e-4 from a tie, fifty times the distance between the device's
 * float32 logits and the reference's float64 ones. Beam scores are sums of log-probabilities
 * over at most ten steps and must agree to 1e-4 (relative). */
#include <criterion/criterion.h>
#include <string.h>

#include "../decode/decode_cases.h"
#include "../runtime/gpu.h"
#include "api_fixtures.h"

#define SCORE_TOLERANCE 1e-4

/* Which cases of a file a test runs. */
typedef struct case_filter {
    const char *strategy; /* NULL: every strategy */
    int with_stop;        /* 1: only cases with stop strings; 0: only without; -1: both */
} case_filter_t;

static bool selected(const decode_case_t *c, case_filter_t f) {
    if (f.strategy && strcmp(decode_case_strategy(c), f.strategy) != 0) {
        return false;
    }
    return f.with_stop < 0 || (c->cfg.n_stop > 0) == (f.with_stop == 1);
}

/* The most rows any selected case of the file needs. */
static uint32_t rows_needed(json_t *doc, int32_t eos, case_filter_t f) {
    uint32_t rows = 1;
    for (size_t i = 0; i < json_array_size(json_object_get(doc, "cases")); i++) {
        decode_case_t c;
        decode_case_read(doc, i, eos, &c);
        if (selected(&c, f) && decode_case_rows(&c) > rows) {
            rows = decode_case_rows(&c);
        }
    }
    return rows;
}

/* Runs the selected cases of `file` on one session of its model, one after the other (each
 * prefill replaces what the rows held); with_tokenizer attaches the tiny3 tokenizer for stop
 * strings. Returns how many cases ran. */
static int run_file(const char *file, case_filter_t f, bool with_tokenizer) {
    char rel[256];
    snprintf(rel, sizeof(rel), "decode/%s", file);
    json_t *doc = decode_cases_load(fixture_path(rel));
    const char *model_dir = json_string_value(json_object_get(doc, "model"));
    cr_assert(model_dir && strncmp(model_dir, "../gpt2/", 8) == 0, "%s: model", file);

    vkgpt_device_t *dev = test_device(0);
    vkgpt_model_t *m = fixture_model(dev, model_dir + 8);
    int32_t eos = (int32_t)vkgpt_model_n_vocab(m) - 1; /* config.json's eos in the fixtures */
    vkgpt_session_t *s = fixture_session(m, rows_needed(doc, eos, f));
    vkgpt_tokenizer_t *tok = with_tokenizer ? fixture_tokenizer() : NULL;

    int n = 0;
    for (size_t i = 0; i < json_array_size(json_object_get(doc, "cases")); i++) {
        decode_case_t c;
        decode_case_read(doc, i, eos, &c);
        if (!selected(&c, f)) {
            continue;
        }
        vkgpt__decode_result_t res;
        fixture_decode(s, tok, &c.cfg, c.prompts, c.n_prompts, NULL, VKGPT_OK, &res);
        decode_case_check(&c, &res, SCORE_TOLERANCE);
        vkgpt__decode_result_free(&res);
        n++;
    }
    vkgpt_tokenizer_destroy(tok);
    vkgpt_session_destroy(s);
    vkgpt_model_destroy(m);
    test_device_done(dev);
    json_decref(doc);
    return n;
}

Test(generate_reference, tiny3_greedy, .timeout = 300) {
    cr_assert_geq(run_file("gpt2-tiny3.expected.json", (case_filter_t){"greedy", 0}, true), 5);
}

Test(generate_reference, tiny3_sample, .timeout = 300) {
    cr_assert_geq(run_file("gpt2-tiny3.expected.json", (case_filter_t){"sample", 0}, true), 3);
}

Test(generate_reference, tiny3_beam, .timeout = 300) {
    cr_assert_geq(run_file("gpt2-tiny3.expected.json", (case_filter_t){"beam", 0}, true), 9);
}

Test(generate_reference, tiny3_stop_strings, .timeout = 300) {
    cr_assert_geq(run_file("gpt2-tiny3.expected.json", (case_filter_t){NULL, 1}, true), 2);
}

/* tiny2 has a tied LM head and no tokenizer: the driver runs without a decode callback. */
Test(generate_reference, tiny2_without_tokenizer, .timeout = 300) {
    cr_assert_geq(run_file("gpt2-tiny2.expected.json", (case_filter_t){NULL, -1}, false), 3);
}
