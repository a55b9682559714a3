/* test_classifier.c: the lecture's classifier on the device against PyTorch, made by
 * tools/train_classifier.py: models/langid (trained, wide attention) and three small untrained
 * models in tests/fixtures/classifier (narrow attention scaled by the width as the lecture
 * does, narrow scaled by the head size, and wide).
 *
 * References are PyTorch's log-probabilities in float64 for the f32 weights, and for the same
 * weights with every matrix rounded to f16 (vkgpt's f16 storage; vectors stay f32).
 * Tolerances, as max |log p - reference| over all classes:
 *   2e-5  f32 weights (f32 arithmetic on the device against float64);
 *   2e-5  f16 weights against the f16-rounded reference (the same weights; f32 arithmetic);
 *   1e-2  f16 weights against the f32 reference (the rounding of every weight shows).
 * Batching, order, padding and the cut into passes must not change a sequence's result at
 * all: those comparisons are exact. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../runtime/gpu.h"
#include "format/weights.h"
#include "model/classifier.h"

/* Every test of this file has the same timeout: with tests of different timeouts in one
 * binary, Criterion 2.4 leaks an allocation of its own, and LeakSanitizer fails the run. */
#define TIMEOUT_S 300

#define TOL_EXACT_WEIGHTS 2e-5
#define TOL_F16_VS_F32 1e-2
#define MAX_CASES 32

/* ---- Fixtures ---- */

static const char *source_path(const char *rel) {
    static char buf[8][1024];
    static int next;
    char *p = buf[next++ % 8];
    const char *root = getenv("VKGPT_SOURCE_ROOT");
    snprintf(p, sizeof(buf[0]), "%s/%s", root ? root : ".", rel);
    return p;
}

typedef struct cases {
    json_t *root;
    size_t n;
    int32_t *ids[MAX_CASES];
    size_t lengths[MAX_CASES];
    const char *texts[MAX_CASES];
} cases_t;

static cases_t load_cases(const char *file) {
    json_error_t jerr;
    cases_t c = {json_load_file(source_path(file), 0, &jerr), 0, {0}, {0}, {0}};
    cr_assert_not_null(c.root, "%s: %s", file, jerr.text);
    json_t *list = json_object_get(c.root, "cases");
    c.n = json_array_size(list);
    cr_assert(c.n > 0 && c.n <= MAX_CASES, "%s: %zu cases", file, c.n);
    for (size_t i = 0; i < c.n; i++) {
        json_t *kase = json_array_get(list, i), *ids = json_object_get(kase, "ids");
        c.lengths[i] = json_array_size(ids);
        c.ids[i] = malloc(c.lengths[i] * sizeof(int32_t));
        for (size_t t = 0; t < c.lengths[i]; t++) {
            c.ids[i][t] = (int32_t)json_integer_value(json_array_get(ids, t));
        }
        c.texts[i] = json_string_value(json_object_get(kase, "text"));
    }
    return c;
}

static void free_cases(cases_t *c) {
    for (size_t i = 0; i < c->n; i++) {
        free(c->ids[i]);
    }
    json_decref(c->root);
}

static double case_error(const cases_t *c, size_t i, const char *key, const float *got,
                         uint32_t classes) {
    json_t *want = json_object_get(json_array_get(json_object_get(c->root, "cases"), i), key);
    cr_assert_eq(json_array_size(want), classes, "case %zu: %s has %zu classes", i, key,
                 json_array_size(want));
    double err = 0;
    for (uint32_t k = 0; k < classes; k++) {
        double d = fabs(got[k] - json_number_value(json_array_get(want, k)));
        err = isnan(got[k]) ? INFINITY : fmax(err, d);
    }
    return err;
}

static vkgpt_classifier_t *load(vkgpt_device_t *dev, const char *rel, vkgpt_weight_type_t type,
                                uint32_t flags) {
    vkgpt_classifier_params_t p;
    vkgpt_classifier_params_init(&p);
    p.weight_type = type;
    p.flags = flags;
    vkgpt_classifier_t *c = NULL;
    vkgpt_status_t st = vkgpt_classifier_load(dev, source_path(rel), &p, &c);
    cr_assert_eq(st, VKGPT_OK, "loading %s: %s", rel, vkgpt_last_error());
    return c;
}

/* Classifies every case of `expected` in one batch and compares with `key`. */
static void check_model(const char *dir, const char *expected, vkgpt_weight_type_t type,
                        const char *key, double tolerance) {
    vkgpt_device_t *dev = test_device(0);
    vkgpt_classifier_t *c = load(dev, dir, type, VKGPT_CLASSIFIER_FLAG_NO_TOKENIZER);
    cases_t cs = load_cases(expected);
    uint32_t classes = vkgpt_classifier_n_classes(c);
    float *out = malloc(cs.n * classes * sizeof(float));
    cr_assert_eq(vkgpt_classifier_classify(c, (const int32_t *const *)cs.ids, cs.lengths, cs.n,
                                           out),
                 VKGPT_OK, "%s", vkgpt_classifier_last_error(c));
    for (size_t i = 0; i < cs.n; i++) {
        double err = case_error(&cs, i, key, out + i * classes, classes);
        cr_expect_leq(err, tolerance, "%s (%s weights) case %zu (%zu tokens) vs %s: max error "
                      "%.3g > %.3g", dir, type == VKGPT_WEIGHT_TYPE_F16 ? "f16" : "f32", i,
                      cs.lengths[i], key, err, tolerance);
    }
    free(out);
    free_cases(&cs);
    vkgpt_classifier_destroy(c);
    test_device_done(dev);
}

/* ---- Against PyTorch ---- */

Test(classifier, langid_f32, .timeout = TIMEOUT_S) {
    check_model("models/langid", "tests/fixtures/classifier/langid.expected.json",
                VKGPT_WEIGHT_TYPE_F32, "log_probs_f32", TOL_EXACT_WEIGHTS);
}

Test(classifier, langid_f16, .timeout = TIMEOUT_S) {
    check_model("models/langid", "tests/fixtures/classifier/langid.expected.json",
                VKGPT_WEIGHT_TYPE_F16, "log_probs_f16", TOL_EXACT_WEIGHTS);
    check_model("models/langid", "tests/fixtures/classifier/langid.expected.json",
                VKGPT_WEIGHT_TYPE_F16, "log_probs_f32", TOL_F16_VS_F32);
}

Test(classifier, narrow_scaled_by_width, .timeout = TIMEOUT_S) {
    const char *e = "tests/fixtures/classifier/tiny-narrow.expected.json";
    check_model("tests/fixtures/classifier/tiny-narrow", e, VKGPT_WEIGHT_TYPE_F32,
                "log_probs_f32", TOL_EXACT_WEIGHTS);
    check_model("tests/fixtures/classifier/tiny-narrow", e, VKGPT_WEIGHT_TYPE_F16,
                "log_probs_f16", TOL_EXACT_WEIGHTS);
}

Test(classifier, narrow_scaled_by_head_size, .timeout = TIMEOUT_S) {
    const char *e = "tests/fixtures/classifier/tiny-narrow-headscale.expected.json";
    check_model("tests/fixtures/classifier/tiny-narrow-headscale", e, VKGPT_WEIGHT_TYPE_F32,
                "log_probs_f32", TOL_EXACT_WEIGHTS);
    check_model("tests/fixtures/classifier/tiny-narrow-headscale", e, VKGPT_WEIGHT_TYPE_F16,
                "log_probs_f16", TOL_EXACT_WEIGHTS);
}

Test(classifier, wide_untrained, .timeout = TIMEOUT_S) {
    const char *e = "tests/fixtures/classifier/tiny-wide.expected.json";
    check_model("tests/fixtures/classifier/tiny-wide", e, VKGPT_WEIGHT_TYPE_F32,
                "log_probs_f32", TOL_EXACT_WEIGHTS);
    check_model("tests/fixtures/classifier/tiny-wide", e, VKGPT_WEIGHT_TYPE_F16,
                "log_probs_f16", TOL_EXACT_WEIGHTS);
}

/* The texts of the fixture through vkgpt's tokenizer give the ids PyTorch was given (the
 * first seq_length of them) and the same log-probabilities. */
Test(classifier, langid_texts, .timeout = TIMEOUT_S) {
    vkgpt_device_t *dev = test_device(0);
    vkgpt_classifier_t *c = load(dev, "models/langid", VKGPT_WEIGHT_TYPE_F32, 0);
    cases_t cs = load_cases("tests/fixtures/classifier/langid.expected.json");
    uint32_t classes = vkgpt_classifier_n_classes(c);
    cr_assert_eq(classes, 4);
    cr_assert_str_eq(vkgpt_classifier_label(c, 3), "ru");
    cr_assert_null(vkgpt_classifier_label(c, 4));

    vkgpt_tokenizer_t *tok = vkgpt_classifier_tokenizer(c);
    for (size_t i = 0; i < cs.n; i++) {
        int32_t ids[512];
        size_t n = 0;
        cr_assert_eq(vkgpt_tokenizer_encode(tok, cs.texts[i], strlen(cs.texts[i]), 0, ids, 512,
                                            &n), VKGPT_OK);
        n = n < vkgpt_classifier_max_tokens(c) ? n : vkgpt_classifier_max_tokens(c);
        cr_expect(n == cs.lengths[i] && memcmp(ids, cs.ids[i], n * sizeof(int32_t)) == 0,
                  "text %zu: vkgpt's %zu ids differ from the fixture's %zu", i, n,
                  cs.lengths[i]);
    }

    float *out = malloc(cs.n * classes * sizeof(float));
    cr_assert_eq(vkgpt_classifier_classify_texts(c, cs.texts, NULL, cs.n, out), VKGPT_OK, "%s",
                 vkgpt_classifier_last_error(c));
    for (size_t i = 0; i < cs.n; i++) {
        double err = case_error(&cs, i, "log_probs_f32", out + i * classes, classes);
        cr_expect_leq(err, TOL_EXACT_WEIGHTS, "text %zu \"%s\": max error %.3g", i, cs.texts[i],
                      err);
    }
    free(out);
    free_cases(&cs);
    vkgpt_classifier_destroy(c);
    test_device_done(dev);
}

/* ---- Batching, padding and passes ---- */

/* Each sequence classified alone, then all together in reverse order, then together in passes
 * of a few rows: every row identical. The sequences' lengths differ, so in a batch each one is
 * padded to the longest of its pass. */
Test(classifier, batch_and_padding_do_not_change_results, .timeout = TIMEOUT_S) {
    vkgpt_device_t *dev = test_device(0);
    vkgpt_classifier_t *c = load(dev, "tests/fixtures/classifier/tiny-narrow",
                                 VKGPT_WEIGHT_TYPE_F32, VKGPT_CLASSIFIER_FLAG_NO_TOKENIZER);
    enum { N = 9 };
    uint32_t classes = vkgpt_classifier_n_classes(c), max = vkgpt_classifier_max_tokens(c);
    int32_t ids[N][16];
    const int32_t *seqs[N], *reversed[N];
    size_t lengths[N], rev_lengths[N];
    for (int i = 0; i < N; i++) {
        lengths[i] = 1 + (size_t)(i * 5) % max;
        for (size_t t = 0; t < lengths[i]; t++) {
            ids[i][t] = (int32_t)((i * 7 + t * 3) % vkgpt_classifier_n_vocab(c));
        }
        seqs[i] = ids[i];
        reversed[N - 1 - i] = ids[i];
        rev_lengths[N - 1 - i] = lengths[i];
    }

    float alone[N][8], batch[N][8], passes[N][8];
    for (int i = 0; i < N; i++) {
        cr_assert_eq(vkgpt_classifier_classify(c, &seqs[i], &lengths[i], 1, alone[i]), VKGPT_OK);
    }
    float out[N * 8];
    cr_assert_eq(vkgpt_classifier_classify(c, reversed, rev_lengths, N, out), VKGPT_OK);
    for (int i = 0; i < N; i++) {
        memcpy(batch[i], out + (N - 1 - i) * classes, classes * sizeof(float));
    }
    c->max_rows = vkgpt__cls_slot_rows(c, max) * 2; /* two longest sequences per pass */
    cr_assert_eq(vkgpt_classifier_classify(c, seqs, lengths, N, out), VKGPT_OK);
    for (int i = 0; i < N; i++) {
        memcpy(passes[i], out + i * classes, classes * sizeof(float));
    }
    for (int i = 0; i < N; i++) {
        cr_expect(memcmp(alone[i], batch[i], classes * sizeof(float)) == 0,
                  "sequence %d (%zu tokens): alone %.9g, in a batch %.9g", i, lengths[i],
                  alone[i][0], batch[i][0]);
        cr_expect(memcmp(alone[i], passes[i], classes * sizeof(float)) == 0,
                  "sequence %d (%zu tokens): alone %.9g, in small passes %.9g", i, lengths[i],
                  alone[i][0], passes[i][0]);
    }
    vkgpt_classifier_destroy(c);
    test_device_done(dev);
}

/* A sequence's result depends on its own tokens only: appending tokens changes it (no
 * hidden truncation), and the same prefix classified again gives the first result back. */
Test(classifier, length_changes_only_what_it_should, .timeout = TIMEOUT_S) {
    vkgpt_device_t *dev = test_device(0);
    vkgpt_classifier_t *c = load(dev, "tests/fixtures/classifier/tiny-wide",
                                 VKGPT_WEIGHT_TYPE_F32, VKGPT_CLASSIFIER_FLAG_NO_TOKENIZER);
    int32_t ids[12] = {3, 14, 15, 9, 26, 5, 35, 8, 9, 7, 9, 3};
    const int32_t *seq[2] = {ids, ids};
    size_t n_short[2] = {4, 4}, n_mixed[2] = {4, 12};
    float a[8], b[2 * 8];
    cr_assert_eq(vkgpt_classifier_classify(c, seq, n_short, 1, a), VKGPT_OK);
    cr_assert_eq(vkgpt_classifier_classify(c, seq, n_mixed, 2, b), VKGPT_OK);
    uint32_t classes = vkgpt_classifier_n_classes(c);
    cr_expect(memcmp(a, b, classes * sizeof(float)) == 0, "4 tokens next to 12: %.9g vs %.9g",
              a[0], b[0]);
    cr_expect(memcmp(a, b + classes, classes * sizeof(float)) != 0,
              "4 and 12 tokens gave the same log-probabilities");
    vkgpt_classifier_destroy(c);
    test_device_done(dev);
}

/* ---- Refusals ---- */

Test(classifier, bad_sequences_are_refused_by_index, .timeout = TIMEOUT_S) {
    vkgpt_device_t *dev = test_device(0);
    vkgpt_classifier_t *c = load(dev, "tests/fixtures/classifier/tiny-wide",
                                 VKGPT_WEIGHT_TYPE_F32, VKGPT_CLASSIFIER_FLAG_NO_TOKENIZER);
    int32_t ok[3] = {1, 2, 3}, bad[2] = {1, 40}, big[13] = {0};
    const int32_t *seqs[2] = {ok, bad};
    size_t lengths[2] = {3, 2};
    float out[2 * 3];
    cr_assert_eq(vkgpt_classifier_classify(c, seqs, lengths, 2, out),
                 VKGPT_ERR_INVALID_ARGUMENT);
    cr_assert(strstr(vkgpt_classifier_last_error(c), "sequence 1, token 1 is 40"), "%s",
              vkgpt_classifier_last_error(c));
    seqs[1] = big;
    lengths[1] = 13;
    cr_assert_eq(vkgpt_classifier_classify(c, seqs, lengths, 2, out),
                 VKGPT_ERR_INVALID_ARGUMENT);
    cr_assert(strstr(vkgpt_classifier_last_error(c), "sequence 1 has 13 tokens"), "%s",
              vkgpt_classifier_last_error(c));
    lengths[1] = 0;
    cr_assert_eq(vkgpt_classifier_classify(c, seqs, lengths, 2, out),
                 VKGPT_ERR_INVALID_ARGUMENT);
    const char *text = "x";
    cr_assert_eq(vkgpt_classifier_classify_texts(c, &text, NULL, 1, out),
                 VKGPT_ERR_INVALID_ARGUMENT);
    cr_assert(strstr(vkgpt_classifier_last_error(c), "without a tokenizer"), "%s",
              vkgpt_classifier_last_error(c));
    vkgpt_classifier_destroy(c);
    test_device_done(dev);
}

Test(classifier, empty_text_is_refused, .timeout = TIMEOUT_S) {
    vkgpt_device_t *dev = test_device(0);
    vkgpt_classifier_t *c = load(dev, "models/langid", VKGPT_WEIGHT_TYPE_F32, 0);
    const char *texts[2] = {"Hallo Welt, wie geht es", ""};
    float out[2 * 4];
    cr_assert_eq(vkgpt_classifier_classify_texts(c, texts, NULL, 2, out),
                 VKGPT_ERR_INVALID_ARGUMENT);
    cr_assert(strstr(vkgpt_classifier_last_error(c), "text 1 encodes to no tokens"), "%s",
              vkgpt_classifier_last_error(c));
    vkgpt_classifier_destroy(c);
    test_device_done(dev);
}

/* ---- Malformed checkpoints ---- */

/* A scratch folder holding a copy of a fixture model (tiny-wide unless a test says
 * otherwise) with one thing changed. */
static char scratch[256];
static const char *fixture = "tiny-wide";

static const char *fixture_file(const char *name) {
    static char rel[256];
    snprintf(rel, sizeof(rel), "tests/fixtures/classifier/%s/%s", fixture, name);
    return source_path(rel);
}

static void scratch_setup(void) {
    snprintf(scratch, sizeof(scratch), "/tmp/vkgpt-cls-XXXXXX");
    cr_assert_not_null(mkdtemp(scratch));
}

static void scratch_teardown(void) {
    char path[512];
    snprintf(path, sizeof(path), "%s/config.json", scratch);
    unlink(path);
    snprintf(path, sizeof(path), "%s/model.safetensors", scratch);
    unlink(path);
    rmdir(scratch);
}

static void write_file(const char *name, const void *data, size_t n) {
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", scratch, name);
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f, "%s", path);
    cr_assert_eq(fwrite(data, 1, n, f), n);
    fclose(f);
}

/* The fixture's config.json with `key` set to the JSON value `value` (NULL: removed). */
static void write_config(const char *key, const char *value) {
    json_error_t jerr;
    json_t *cfg = json_load_file(fixture_file("config.json"), 0, &jerr);
    cr_assert_not_null(cfg, "%s", jerr.text);
    if (key && value) {
        json_object_set_new(cfg, key, json_loads(value, JSON_DECODE_ANY, &jerr));
    } else if (key) {
        json_object_del(cfg, key);
    }
    char *text = json_dumps(cfg, 0);
    write_file("config.json", text, strlen(text));
    free(text);
    json_decref(cfg);
}

/* The fixture's weights as safetensors without tensor `drop`, with tensor `reshape` given the
 * shape [rows, cols] (its data cut or zero-extended), and with `rename` renamed to `to`. */
typedef struct edit {
    const char *drop;
    const char *reshape;
    uint64_t rows, cols;
    const char *rename, *to;
} edit_t;

static void write_weights(const edit_t *e) {
    vkgpt__error_t err;
    vkgpt__weights_t *w = NULL;
    const char *src = fixture_file("model.safetensors");
    cr_assert_eq(vkgpt__weights_open(src, &w, &err), VKGPT_OK, "%s", err.message);
    json_t *header = json_object();
    size_t n = vkgpt__weights_count(w), total = 0;
    uint8_t *data = NULL;
    for (size_t i = 0; i < n; i++) {
        const vkgpt__tensor_view_t *t = vkgpt__weights_at(w, i);
        if (e->drop && strcmp(t->name, e->drop) == 0) {
            continue;
        }
        bool reshaped = e->reshape && strcmp(t->name, e->reshape) == 0;
        uint64_t bytes = reshaped ? e->rows * e->cols * 4 : t->nbytes;
        data = realloc(data, total + bytes);
        memset(data + total, 0, bytes);
        memcpy(data + total, t->data, bytes < t->nbytes ? bytes : t->nbytes);
        json_t *shape = json_array();
        for (uint32_t r = 0; r < (reshaped ? 2 : t->rank); r++) {
            json_array_append_new(shape, json_integer((json_int_t)(
                reshaped ? (r ? e->cols : e->rows) : t->shape[r])));
        }
        json_t *entry = json_pack("{s:s, s:o, s:[I, I]}", "dtype", "F32", "shape", shape,
                                  "data_offsets", (json_int_t)total, (json_int_t)(total + bytes));
        bool renamed = e->rename && strcmp(t->name, e->rename) == 0;
        json_object_set_new(header, renamed ? e->to : t->name, entry);
        total += bytes;
    }
    vkgpt__weights_close(w);
    char *text = json_dumps(header, JSON_COMPACT);
    uint64_t len = strlen(text);
    uint8_t *file = malloc(8 + len + total);
    memcpy(file, &len, 8); /* little-endian host */
    memcpy(file + 8, text, len);
    memcpy(file + 8 + len, data, total);
    write_file("model.safetensors", file, 8 + len + total);
    free(file);
    free(text);
    free(data);
    json_decref(header);
}

/* Loading the scratch folder fails with `status`, and the message contains each detail. */
static void expect_refused(vkgpt_status_t status, const char *detail1, const char *detail2) {
    vkgpt_device_t *dev = test_device(0);
    vkgpt_classifier_params_t p;
    vkgpt_classifier_params_init(&p);
    p.flags = VKGPT_CLASSIFIER_FLAG_NO_TOKENIZER;
    vkgpt_classifier_t *c = (vkgpt_classifier_t *)&p; /* must be reset to NULL */
    vkgpt_status_t st = vkgpt_classifier_load(dev, scratch, &p, &c);
    const char *msg = vkgpt_last_error();
    cr_expect_eq(st, status, "status %s, expected %s: %s", vkgpt_status_name(st),
                 vkgpt_status_name(status), msg);
    cr_expect_null(c);
    cr_expect(strstr(msg, detail1) != NULL, "\"%s\" not in: %s", detail1, msg);
    cr_expect(!detail2 || strstr(msg, detail2) != NULL, "\"%s\" not in: %s", detail2, msg);
    vkgpt_classifier_destroy(c);
    test_device_done(dev);
}

TestSuite(classifier_malformed, .init = scratch_setup, .fini = scratch_teardown,
          .timeout = TIMEOUT_S);

Test(classifier_malformed, the_unchanged_copy_loads) {
    write_config(NULL, NULL);
    write_weights(&(edit_t){0});
    vkgpt_device_t *dev = test_device(0);
    vkgpt_classifier_params_t p;
    vkgpt_classifier_params_init(&p);
    p.flags = VKGPT_CLASSIFIER_FLAG_NO_TOKENIZER;
    vkgpt_classifier_t *c = NULL;
    cr_assert_eq(vkgpt_classifier_load(dev, scratch, &p, &c), VKGPT_OK, "%s",
                 vkgpt_last_error());
    vkgpt_classifier_destroy(c);
    test_device_done(dev);
}

/* Without "attention" in the config, the layout comes from the shapes: the narrow model
 * loaded so gives PyTorch's results. */
Test(classifier_malformed, layout_detected_from_shapes) {
    fixture = "tiny-narrow";
    write_config("attention", NULL);
    write_weights(&(edit_t){0});
    vkgpt_device_t *dev = test_device(0);
    vkgpt_classifier_params_t p;
    vkgpt_classifier_params_init(&p);
    p.flags = VKGPT_CLASSIFIER_FLAG_NO_TOKENIZER;
    vkgpt_classifier_t *c = NULL;
    cr_assert_eq(vkgpt_classifier_load(dev, scratch, &p, &c), VKGPT_OK, "%s",
                 vkgpt_last_error());
    cases_t cs = load_cases("tests/fixtures/classifier/tiny-narrow.expected.json");
    float out[MAX_CASES * 3];
    cr_assert_eq(vkgpt_classifier_classify(c, (const int32_t *const *)cs.ids, cs.lengths, cs.n,
                                           out), VKGPT_OK);
    for (size_t i = 0; i < cs.n; i++) {
        double err = case_error(&cs, i, "log_probs_f32", out + i * 3, 3);
        cr_expect_leq(err, TOL_EXACT_WEIGHTS, "case %zu: max error %.3g", i, err);
    }
    free_cases(&cs);
    vkgpt_classifier_destroy(c);
    test_device_done(dev);
}

Test(classifier_malformed, missing_tensor) {
    write_config(NULL, NULL);
    write_weights(&(edit_t){.drop = "tblocks.1.norm2.bias"});
    expect_refused(VKGPT_ERR_BAD_FORMAT, "model.safetensors: tensor 'tblocks.1.norm2.bias' is "
                   "missing", NULL);
}

Test(classifier_malformed, missing_query_projection) {
    write_config(NULL, NULL);
    write_weights(&(edit_t){.drop = "tblocks.0.attention.toqueries.weight"});
    expect_refused(VKGPT_ERR_BAD_FORMAT, "tensor 'tblocks.0.attention.toqueries.weight' is "
                   "missing", NULL);
}

Test(classifier_malformed, wrong_shape) {
    write_config(NULL, NULL);
    write_weights(&(edit_t){.reshape = "tblocks.0.ff.0.weight", .rows = 63, .cols = 16});
    expect_refused(VKGPT_ERR_BAD_FORMAT, "tensor 'tblocks.0.ff.0.weight' has shape [63, 16], "
                   "expected [64, 16]", "model.safetensors");
}

Test(classifier_malformed, attention_neither_wide_nor_narrow) {
    write_config("attention", NULL);
    write_weights(&(edit_t){.reshape = "tblocks.0.attention.toqueries.weight", .rows = 32,
                            .cols = 16});
    expect_refused(VKGPT_ERR_BAD_FORMAT, "'tblocks.0.attention.toqueries.weight' has shape "
                   "[32, 16]", "(wide) or [16, 16] (narrow");
}

Test(classifier_malformed, config_layout_disagrees_with_weights) {
    write_config("attention", "\"narrow\"");
    write_weights(&(edit_t){0});
    expect_refused(VKGPT_ERR_BAD_FORMAT, "tensor 'tblocks.0.attention.toqueries.weight' has "
                   "shape [64, 16], expected [16, 16]", NULL);
}

Test(classifier_malformed, more_blocks_than_depth) {
    write_config("depth", "1");
    write_weights(&(edit_t){0});
    expect_refused(VKGPT_ERR_BAD_FORMAT, "tensor 'tblocks.1.", "past the config's depth 1");
}

Test(classifier_malformed, token_table_smaller_than_config) {
    write_config("num_tokens", "41");
    write_weights(&(edit_t){0});
    expect_refused(VKGPT_ERR_BAD_FORMAT, "tensor 'token_emb.weight' has shape [40, 16], "
                   "expected [41, 16]", NULL);
}

Test(classifier_malformed, config_missing_size) {
    write_config("k", NULL);
    write_weights(&(edit_t){0});
    expect_refused(VKGPT_ERR_CONFIG, "config.json: 'k' is missing", NULL);
}

Test(classifier_malformed, config_wrong_type) {
    write_config("heads", "\"four\"");
    write_weights(&(edit_t){0});
    expect_refused(VKGPT_ERR_CONFIG, "config.json: 'heads' must be an integer, not a string",
                   NULL);
}

Test(classifier_malformed, config_labels_count) {
    write_config("labels", "[\"a\", \"b\"]");
    write_weights(&(edit_t){0});
    expect_refused(VKGPT_ERR_CONFIG, "'labels' has 2 names for num_classes 3", NULL);
}

Test(classifier_malformed, config_unknown_layout) {
    write_config("attention", "\"sideways\"");
    write_weights(&(edit_t){0});
    expect_refused(VKGPT_ERR_CONFIG, "'attention' must be \"wide\" or \"narrow\"", NULL);
}

Test(classifier_malformed, config_max_pool_unsupported) {
    write_config("max_pool", "true");
    write_weights(&(edit_t){0});
    expect_refused(VKGPT_ERR_UNSUPPORTED, "'max_pool' is true", NULL);
}

Test(classifier_malformed, config_not_json) {
    write_file("config.json", "{\"k\": 16,\n \"heads\": }", 21);
    write_weights(&(edit_t){0});
    expect_refused(VKGPT_ERR_CONFIG, "config.json:2:", NULL);
}

Test(classifier_malformed, missing_weights_file) {
    write_config(NULL, NULL);
    expect_refused(VKGPT_ERR_IO, scratch, NULL);
}

Test(classifier_malformed, not_a_folder) {
    write_config(NULL, NULL);
    char path[512];
    snprintf(path, sizeof(path), "%s/config.json", scratch);
    vkgpt_device_t *dev = test_device(0);
    vkgpt_classifier_t *c = NULL;
    cr_assert_eq(vkgpt_classifier_load(dev, path, NULL, &c), VKGPT_ERR_IO);
    cr_assert(strstr(vkgpt_last_error(), "not a folder"), "%s", vkgpt_last_error());
    test_device_done(dev);
}
