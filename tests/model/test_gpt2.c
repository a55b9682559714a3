/* test_gpt2.c: GPT-2 forward passes on the device against the float64 PyTorch reference of
 * tests/fixtures/gpt2 (made by tools/make_gpt2_fixtures.py): last-position logits for several
 * prompts and the greedy continuation, for every weight file format, with f32 and f16 weights
 * on the device.
 * Tolerances, as max |error| / max |reference logit|:
 *   1e-4  f32 weights on the device (the bound), and f16 on the device for a
 *         checkpoint already in f16 (the reference was computed from those same f16 values);
 *   2e-2  f32 checkpoints narrowed to f16 on upload (the rounding of every weight shows).
 * Greedy ids must be identical wherever the weights are the reference's own.
 * Under valgrind (test_light) the device runs the first prompt only, four greedy steps, and
 * shorter sequences. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../runtime/gpu.h"
#include "gpt2_ref.h"
#include "model/session.h"

typedef struct expected {
    json_t *root;
    json_t *cases;
} expected_t;

static char *fixture_path(const char *rel) {
    static char buf[4][1024];
    static int next;
    char *p = buf[next++ % 4];
    const char *root = getenv("VKGPT_SOURCE_ROOT");
    snprintf(p, sizeof(buf[0]), "%s/tests/fixtures/gpt2/%s", root ? root : ".", rel);
    return p;
}

static expected_t load_expected(const char *file) {
    json_error_t jerr;
    expected_t e = {json_load_file(fixture_path(file), 0, &jerr), NULL};
    cr_assert_not_null(e.root, "%s: %s", file, jerr.text);
    e.cases = json_object_get(e.root, "cases");
    cr_assert(json_is_array(e.cases));
    return e;
}

static size_t json_ints(json_t *array, int32_t *out, size_t cap) {
    size_t n = json_array_size(array);
    cr_assert_leq(n, cap);
    for (size_t i = 0; i < n; i++) {
        out[i] = (int32_t)json_integer_value(json_array_get(array, i));
    }
    return n;
}

static double rel_error(const float *got, json_t *want, uint32_t n) {
    cr_assert_eq(json_array_size(want), n);
    double err = 0.0, ref = 0.0;
    for (uint32_t i = 0; i < n; i++) {
        double w = json_number_value(json_array_get(want, i));
        double e = isnan(got[i]) ? INFINITY : fabs(got[i] - w);
        err = e > err ? e : err;
        ref = fabs(w) > ref ? fabs(w) : ref;
    }
    return err / ref;
}

static uint32_t argmax(const float *v, uint32_t n) {
    uint32_t best = 0;
    for (uint32_t i = 1; i < n; i++) {
        best = v[i] > v[best] ? i : best;
    }
    return best;
}

static vkgpt_model_t *load(vkgpt_device_t *dev, const char *dir, vkgpt_weight_type_t type) {
    vkgpt_model_params_t params;
    vkgpt_model_params_init(&params);
    params.weight_type = type;
    vkgpt_model_t *m = NULL;
    vkgpt_status_t st = vkgpt_model_load(dev, fixture_path(dir), &params, &m);
    cr_assert_eq(st, VKGPT_OK, "loading %s: %s", dir, vkgpt_last_error());
    return m;
}

/* Checks logits of every case and, when check_greedy, the greedy continuation. */
static void check_model(const char *dir, const char *expected_file, vkgpt_weight_type_t type,
                        double tolerance, bool check_greedy) {
    vkgpt_device_t *dev = test_device(0);
    vkgpt_model_t *m = load(dev, dir, type);
    expected_t e = load_expected(expected_file);
    uint32_t vocab = vkgpt_model_n_vocab(m);
    float *logits = malloc(vocab * sizeof(float));
    vkgpt_session_t *s = NULL;
    cr_assert_eq(vkgpt_session_create(m, NULL, &s), VKGPT_OK, "%s", vkgpt_last_error());

    size_t n_cases = test_count(json_array_size(e.cases), 1);
    for (size_t c = 0; c < n_cases; c++) {
        json_t *kase = json_array_get(e.cases, c);
        int32_t prompt[256], greedy[64];
        size_t n = json_ints(json_object_get(kase, "prompt"), prompt, 256);
        size_t n_greedy = test_count(json_ints(json_object_get(kase, "greedy"), greedy, 64), 4);

        vkgpt_session_reset(s);
        cr_assert_eq(vkgpt_session_eval(s, prompt, n, logits), VKGPT_OK, "%s",
                     vkgpt_session_last_error(s));
        double err = rel_error(logits, json_object_get(kase, "last_logits"), vocab);
        cr_expect_leq(err, tolerance, "%s (%s weights) case %zu: relative error %.3g > %.3g",
                      dir, type == VKGPT_WEIGHT_TYPE_F16 ? "f16" : "f32", c, err, tolerance);

        for (size_t g = 0; check_greedy && g < n_greedy; g++) {
            int32_t next = (int32_t)argmax(logits, vocab);
            cr_expect_eq(next, greedy[g], "%s case %zu: greedy token %zu is %d, expected %d",
                         dir, c, g, next, greedy[g]);
            if (next != greedy[g]) {
                break;
            }
            cr_assert_eq(vkgpt_session_eval(s, &next, 1, logits), VKGPT_OK, "%s",
                         vkgpt_session_last_error(s));
        }
    }
    vkgpt_session_destroy(s);
    free(logits);
    json_decref(e.root);
    vkgpt_model_destroy(m);
    test_device_done(dev);
}

Test(gpt2, safetensors_f32, .timeout = 300) {
    check_model("tiny2-st", "tiny2.expected.json", VKGPT_WEIGHT_TYPE_F32, 1e-4, true);
}

Test(gpt2, safetensors_sharded_f32, .timeout = 300) {
    check_model("tiny2-st-sharded", "tiny2.expected.json", VKGPT_WEIGHT_TYPE_F32, 1e-4, true);
}

Test(gpt2, pytorch_zip_f32, .timeout = 300) {
    check_model("tiny2-zip", "tiny2.expected.json", VKGPT_WEIGHT_TYPE_F32, 1e-4, true);
}

Test(gpt2, pytorch_legacy_f32, .timeout = 300) {
    check_model("tiny2-legacy", "tiny2.expected.json", VKGPT_WEIGHT_TYPE_F32, 1e-4, true);
}

Test(gpt2, separate_lm_head_f32, .timeout = 300) {
    check_model("tiny3-st", "tiny3.expected.json", VKGPT_WEIGHT_TYPE_F32, 1e-4, true);
}

Test(gpt2, f16_checkpoint_f16_device, .timeout = 300) {
    check_model("tiny2-st-f16", "tiny2-f16.expected.json", VKGPT_WEIGHT_TYPE_F16, 1e-4, true);
}

Test(gpt2, f32_checkpoint_narrowed_to_f16, .timeout = 300) {
    check_model("tiny2-st", "tiny2.expected.json", VKGPT_WEIGHT_TYPE_F16, 2e-2, false);
}

/* Decoding one token at a time against the cache gives the logits of recomputing the whole
 * sequence at once, at every step. */
Test(gpt2, decode_equals_full_recomputation, .timeout = 300) {
    vkgpt_device_t *dev = test_device(0);
    vkgpt_model_t *m = load(dev, "tiny3-st", VKGPT_WEIGHT_TYPE_F32);
    uint32_t vocab = vkgpt_model_n_vocab(m);
    float *step = malloc(vocab * sizeof(float)), *full = malloc(vocab * sizeof(float));
    vkgpt_session_t *inc = NULL, *once = NULL;
    cr_assert_eq(vkgpt_session_create(m, NULL, &inc), VKGPT_OK);
    cr_assert_eq(vkgpt_session_create(m, NULL, &once), VKGPT_OK);

    int32_t seq[20];
    for (int i = 0; i < 20; i++) {
        seq[i] = (i * 37 + 11) % (int32_t)vocab;
    }
    int max_len = (int)test_count(20, 8);
    cr_assert_eq(vkgpt_session_eval(inc, seq, 5, step), VKGPT_OK);
    for (int n = 6; n <= max_len; n++) {
        cr_assert_eq(vkgpt_session_eval(inc, &seq[n - 1], 1, step), VKGPT_OK);
        vkgpt_session_reset(once);
        cr_assert_eq(vkgpt_session_eval(once, seq, (size_t)n, full), VKGPT_OK);
        double err = 0, ref = 0;
        for (uint32_t i = 0; i < vocab; i++) {
            err = fmax(err, fabs(step[i] - full[i]));
            ref = fmax(ref, fabs(full[i]));
        }
        cr_expect_leq(err / ref, 1e-5, "length %d: decode vs recompute %.3g", n, err / ref);
    }
    vkgpt_session_destroy(inc);
    vkgpt_session_destroy(once);
    free(step);
    free(full);
    vkgpt_model_destroy(m);
    test_device_done(dev);
}

Test(gpt2, context_limit_is_an_error) {
    vkgpt_device_t *dev = test_device(0);
    vkgpt_model_t *m = load(dev, "tiny3-st", VKGPT_WEIGHT_TYPE_F32);
    uint32_t n_ctx = vkgpt_model_n_ctx(m);
    int32_t *ids = calloc(n_ctx + 1, sizeof(*ids));
    vkgpt_session_t *s = NULL;
    cr_assert_eq(vkgpt_session_create(m, NULL, &s), VKGPT_OK);
    cr_assert_eq(vkgpt_session_eval(s, ids, n_ctx + 1, NULL), VKGPT_ERR_CONTEXT_FULL);
    cr_assert(strstr(vkgpt_session_last_error(s), "context"), "%s",
              vkgpt_session_last_error(s));
    cr_assert_eq(vkgpt_session_n_past(s), 0);
    cr_assert_eq(vkgpt_session_eval(s, ids, n_ctx, NULL), VKGPT_OK);
    cr_assert_eq(vkgpt_session_eval(s, ids, 1, NULL), VKGPT_ERR_CONTEXT_FULL);
    int32_t bad = (int32_t)vkgpt_model_n_vocab(m);
    vkgpt_session_reset(s);
    cr_assert_eq(vkgpt_session_eval(s, &bad, 1, NULL), VKGPT_ERR_INVALID_ARGUMENT);
    vkgpt_session_destroy(s);
    free(ids);
    vkgpt_model_destroy(m);
    test_device_done(dev);
}

/* A size preset without weights builds a model with random weights that runs. */
Test(gpt2, preset_with_random_weights_generates, .timeout = 600) {
    vkgpt_device_t *dev = test_device(0);
    vkgpt_model_params_t params;
    vkgpt_model_params_init(&params);
    params.preset = "gpt2-small";
    vkgpt_model_t *m = NULL;
    cr_assert_eq(vkgpt_model_load(dev, NULL, &params, &m), VKGPT_OK, "%s", vkgpt_last_error());
    cr_assert_eq(vkgpt_model_n_layer(m), 12);
    cr_assert_eq(vkgpt_model_n_vocab(m), 50257);
    vkgpt_session_t *s = NULL;
    cr_assert_eq(vkgpt_session_create(m, NULL, &s), VKGPT_OK);
    float *logits = malloc(50257 * sizeof(float));
    int32_t tok = 464;
    int n_steps = (int)test_count(32, 2);
    for (int i = 0; i < n_steps; i++) {
        cr_assert_eq(vkgpt_session_eval(s, &tok, 1, logits), VKGPT_OK, "%s",
                     vkgpt_session_last_error(s));
        for (uint32_t v = 0; v < 50257; v++) {
            cr_assert(isfinite(logits[v]), "step %d logit %u is %f", i, v, logits[v]);
        }
        tok = (int32_t)argmax(logits, 50257);
    }
    cr_assert_eq(vkgpt_session_n_past(s), (uint32_t)n_steps);
    free(logits);
    vkgpt_session_destroy(s);
    vkgpt_model_destroy(m);
    test_device_done(dev);
}

/* The CPU reference path, fed from the same files, reproduces the PyTorch logits too: the
 * oracle that `vkgpt selftest` and the op tests rest on agrees with an outside one. */
Test(gpt2, cpu_reference_path_matches_fixtures) {
    const char *dirs[] = {"tiny2-st", "tiny2-zip", "tiny2-legacy", "tiny3-st"};
    const char *expected[] = {"tiny2.expected.json", "tiny2.expected.json",
                              "tiny2.expected.json", "tiny3.expected.json"};
    for (size_t d = 0; d < 4; d++) {
        expected_t e = load_expected(expected[d]);
        for (size_t c = 0; c < json_array_size(e.cases); c++) {
            json_t *kase = json_array_get(e.cases, c);
            int32_t prompt[256];
            size_t n = json_ints(json_object_get(kase, "prompt"), prompt, 256);
            json_t *want = json_object_get(kase, "last_logits");
            float *logits = malloc(json_array_size(want) * sizeof(float));
            vkgpt__error_t err = {0};
            cr_assert_eq(gpt2_ref_logits(fixture_path(dirs[d]), prompt, n, logits, &err),
                         VKGPT_OK, "%s", err.message);
            double rel = rel_error(logits, want, (uint32_t)json_array_size(want));
            cr_expect_leq(rel, 1e-5, "%s case %zu: CPU reference off by %.3g", dirs[d], c, rel);
            free(logits);
        }
        json_decref(e.root);
    }
}

/* Several sequences in one session: a batched step over rows gives each row the logits its
 * own single-sequence session gives, and reordering rows on the device moves caches whole. */
Test(gpt2, rows_step_and_reorder_like_separate_sessions, .timeout = 300) {
    vkgpt_device_t *dev = test_device(0);
    vkgpt_model_t *m = load(dev, "tiny3-st", VKGPT_WEIGHT_TYPE_F32);
    uint32_t vocab = vkgpt_model_n_vocab(m);
    vkgpt_session_params_t sp;
    vkgpt_session_params_init(&sp);
    sp.n_seq = 3;
    vkgpt_session_t *multi = NULL, *one = NULL;
    cr_assert_eq(vkgpt_session_create(m, &sp, &multi), VKGPT_OK, "%s", vkgpt_last_error());
    cr_assert_eq(vkgpt_session_create(m, NULL, &one), VKGPT_OK);

    const int32_t prompts[3][4] = {{5, 17, 33, 2}, {250, 3}, {7, 7, 7}};
    const size_t lens[3] = {4, 2, 3};
    for (uint32_t r = 0; r < 3; r++) {
        cr_assert_eq(vkgpt__session_append(multi, r, prompts[r], lens[r], NULL), VKGPT_OK, "%s",
                     vkgpt_session_last_error(multi));
    }
    /* Rows 1 and 0 of the old order become rows 0, 1 and 2. */
    const uint32_t src[3] = {1, 1, 0};
    cr_assert_eq(vkgpt__session_reorder(multi, src, 3), VKGPT_OK, "%s",
                 vkgpt_session_last_error(multi));
    cr_assert_eq(vkgpt__session_row_len(multi, 2), 4);

    const uint32_t rows[3] = {0, 1, 2};
    const int32_t next[3] = {9, 10, 11};
    float *batch = malloc(3 * vocab * sizeof(float)), *single = malloc(vocab * sizeof(float));
    cr_assert_eq(vkgpt__session_step(multi, rows, next, 3, batch), VKGPT_OK, "%s",
                 vkgpt_session_last_error(multi));
    for (uint32_t r = 0; r < 3; r++) {
        int32_t seq[8];
        size_t n = lens[src[r]];
        memcpy(seq, prompts[src[r]], n * sizeof(int32_t));
        seq[n] = next[r];
        vkgpt_session_reset(one);
        cr_assert_eq(vkgpt_session_eval(one, seq, n + 1, single), VKGPT_OK);
        double err = 0, ref = 0;
        for (uint32_t i = 0; i < vocab; i++) {
            err = fmax(err, fabs(batch[r * vocab + i] - single[i]));
            ref = fmax(ref, fabs(single[i]));
        }
        cr_expect_leq(err / ref, 1e-5, "row %u: batched step vs own session %.3g", r, err / ref);
    }
    free(batch);
    free(single);
    vkgpt_session_destroy(multi);
    vkgpt_session_destroy(one);
    vkgpt_model_destroy(m);
    test_device_done(dev);
}
