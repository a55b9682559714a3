/* test_ru_model.c: the Russian model that ships in models/gpt2-ru-tiny against what PyTorch
 * computed from the same float16 weights (tests/fixtures/gpt2-ru-tiny/greedy.json, written by
 * tools/train_ru_gpt2.py):
 *   - the tokenizer plugin encodes each prompt to the ids of the script's own BPE encoder;
 *   - the device, with f16 and with f32 weights, continues each prompt greedily with the
 *     reference's ids (the reference stops before any step whose best two logits are closer
 *     than 0.02, so f32 rounding cannot flip a choice), and the first prompt's last-position
 *     logits agree to 1e-4 of their largest magnitude;
 *   - the continuation decodes to the reference's text.
 * Under valgrind (test_light) the device checks only the first prompt and its first four
 * greedy steps. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../runtime/gpu.h"

#define MAX_IDS 128

typedef struct ru_case {
    const char *text;
    int32_t prompt[MAX_IDS], greedy[MAX_IDS];
    size_t n_prompt, n_greedy;
    const char *greedy_text;
    json_t *last_logits; /* only the first case has them */
} ru_case_t;

static char *source_path(const char *rel) {
    static char buf[2][1024];
    static int next;
    char *p = buf[next++ % 2];
    const char *root = getenv("VKGPT_SOURCE_ROOT");
    snprintf(p, sizeof(buf[0]), "%s/%s", root ? root : ".", rel);
    return p;
}

static json_t *load_fixture(void) {
    json_error_t jerr;
    const char *path = source_path("tests/fixtures/gpt2-ru-tiny/greedy.json");
    json_t *root = json_load_file(path, 0, &jerr);
    cr_assert_not_null(root, "%s:%d: %s", path, jerr.line, jerr.text);
    cr_assert(json_array_size(json_object_get(root, "cases")) > 0, "%s: no cases", path);
    return root;
}

static size_t json_ids(json_t *array, int32_t *out) {
    size_t n = json_array_size(array);
    cr_assert(n > 0 && n <= MAX_IDS, "a fixture id list holds %zu ids", n);
    for (size_t i = 0; i < n; i++) {
        out[i] = (int32_t)json_integer_value(json_array_get(array, i));
    }
    return n;
}

static ru_case_t case_at(json_t *root, size_t i) {
    json_t *c = json_array_get(json_object_get(root, "cases"), i);
    ru_case_t k = {
        .text = json_string_value(json_object_get(c, "text")),
        .greedy_text = json_string_value(json_object_get(c, "greedy_text")),
        .last_logits = json_object_get(c, "last_logits"),
    };
    cr_assert(k.text && k.greedy_text, "fixture case %zu lacks its texts", i);
    k.n_prompt = json_ids(json_object_get(c, "prompt"), k.prompt);
    k.n_greedy = json_ids(json_object_get(c, "greedy"), k.greedy);
    return k;
}

static vkgpt_tokenizer_t *load_tokenizer(void) {
    vkgpt_tokenizer_params_t p;
    vkgpt_tokenizer_params_init(&p);
    p.folder = source_path("models/gpt2-ru-tiny");
    vkgpt_tokenizer_t *tok = NULL;
    cr_assert_eq(vkgpt_tokenizer_load(&p, &tok), VKGPT_OK, "%s", vkgpt_tokenizer_error());
    return tok;
}

Test(ru_model, prompts_encode_as_the_reference) {
    json_t *root = load_fixture();
    vkgpt_tokenizer_t *tok = load_tokenizer();
    for (size_t i = 0; i < json_array_size(json_object_get(root, "cases")); i++) {
        ru_case_t k = case_at(root, i);
        int32_t ids[MAX_IDS];
        size_t n = 0;
        cr_assert_eq(vkgpt_tokenizer_encode(tok, k.text, strlen(k.text), 0, ids, MAX_IDS, &n),
                     VKGPT_OK, "'%s': %s", k.text, vkgpt_tokenizer_last_error(tok));
        cr_expect_eq(n, k.n_prompt, "'%s': %zu ids, the reference has %zu", k.text, n,
                     k.n_prompt);
        for (size_t j = 0; j < n && j < k.n_prompt; j++) {
            cr_expect_eq(ids[j], k.prompt[j], "'%s': id %zu is %d, the reference's is %d",
                         k.text, j, ids[j], k.prompt[j]);
        }
    }
    vkgpt_tokenizer_destroy(tok);
    json_decref(root);
}

Test(ru_model, continuations_decode_as_the_reference) {
    json_t *root = load_fixture();
    vkgpt_tokenizer_t *tok = load_tokenizer();
    for (size_t i = 0; i < json_array_size(json_object_get(root, "cases")); i++) {
        ru_case_t k = case_at(root, i);
        char text[4 * MAX_IDS * 16];
        size_t n = 0, invalid = 0;
        cr_assert_eq(vkgpt_tokenizer_decode(tok, k.greedy, k.n_greedy, 0, text,
                                            sizeof(text) - 1, &n, &invalid), VKGPT_OK);
        text[n] = '\0';
        cr_expect_eq(invalid, 0);
        cr_expect_str_eq(text, k.greedy_text, "'%s' continues as '%s', the reference as '%s'",
                         k.text, text, k.greedy_text);
    }
    vkgpt_tokenizer_destroy(tok);
    json_decref(root);
}

static uint32_t argmax(const float *v, uint32_t n) {
    uint32_t best = 0;
    for (uint32_t i = 1; i < n; i++) {
        best = v[i] > v[best] ? i : best;
    }
    return best;
}

/* max |got - want| / max |want| over the vocabulary. */
static double rel_error(const float *got, json_t *want, uint32_t n) {
    cr_assert_eq(json_array_size(want), n, "the fixture holds %zu logits, the model %u",
                 json_array_size(want), n);
    double err = 0.0, ref = 0.0;
    for (uint32_t i = 0; i < n; i++) {
        double w = json_number_value(json_array_get(want, i));
        err = fmax(err, isnan(got[i]) ? INFINITY : fabs(got[i] - w));
        ref = fmax(ref, fabs(w));
    }
    return err / ref;
}

/* Evaluates the prompt, then feeds back the argmax while it matches the reference. */
static void check_case(vkgpt_session_t *s, const ru_case_t *k, float *logits, uint32_t vocab,
                       const char *wname) {
    vkgpt_session_reset(s);
    cr_assert_eq(vkgpt_session_eval(s, k->prompt, k->n_prompt, logits), VKGPT_OK, "%s",
                 vkgpt_session_last_error(s));
    if (k->last_logits) {
        double err = rel_error(logits, k->last_logits, vocab);
        cr_expect_leq(err, 1e-4, "'%s' (%s weights): last logits off by %.3g", k->text, wname,
                      err);
    }
    size_t n_steps = test_count(k->n_greedy, 4);
    for (size_t g = 0; g < n_steps; g++) {
        int32_t next = (int32_t)argmax(logits, vocab);
        cr_expect_eq(next, k->greedy[g], "'%s' (%s weights): greedy id %zu is %d, the "
                     "reference's is %d", k->text, wname, g, next, k->greedy[g]);
        if (next != k->greedy[g]) {
            return;
        }
        cr_assert_eq(vkgpt_session_eval(s, &next, 1, logits), VKGPT_OK, "%s",
                     vkgpt_session_last_error(s));
    }
}

static void check_greedy(vkgpt_weight_type_t type, const char *wname) {
    json_t *root = load_fixture();
    vkgpt_device_t *dev = test_device(0);
    vkgpt_model_params_t params;
    vkgpt_model_params_init(&params);
    params.weight_type = type;
    vkgpt_model_t *m = NULL;
    cr_assert_eq(vkgpt_model_load(dev, source_path("models/gpt2-ru-tiny"), &params, &m),
                 VKGPT_OK, "%s", vkgpt_last_error());
    uint32_t vocab = vkgpt_model_n_vocab(m);
    cr_assert_eq(vocab, json_integer_value(json_object_get(root, "vocab_size")));
    float *logits = malloc(vocab * sizeof(float));
    vkgpt_session_t *s = NULL;
    cr_assert_eq(vkgpt_session_create(m, NULL, &s), VKGPT_OK, "%s", vkgpt_last_error());

    size_t n_cases = test_count(json_array_size(json_object_get(root, "cases")), 1);
    for (size_t i = 0; i < n_cases; i++) {
        ru_case_t k = case_at(root, i);
        check_case(s, &k, logits, vocab, wname);
    }
    vkgpt_session_destroy(s);
    free(logits);
    vkgpt_model_destroy(m);
    test_device_done(dev);
    json_decref(root);
}

Test(ru_model, greedy_f16_weights_match_pytorch, .timeout = 300) {
    check_greedy(VKGPT_WEIGHT_TYPE_F16, "f16");
}

Test(ru_model, greedy_f32_weights_match_pytorch, .timeout = 300) {
    check_greedy(VKGPT_WEIGHT_TYPE_F32, "f32");
}
