/* test_weights.c: the committed tiny GPT-2 checkpoints (tests/fixtures/gpt2) read through
 * every format give the same tensors; folder and shard handling; lookups; element types. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "ops/half.h"

TestSuite(weights, .init = t_setup, .fini = t_teardown);

static bool ends_with(const char *s, const char *suffix) {
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

/* Every tensor of `ref` is in `other` (under either naming) with the same type, shape and
 * bytes. PyTorch files of a tied model also list lm_head.weight, which safetensors omit. */
static void expect_same_tensors(const vkgpt__weights_t *ref, const vkgpt__weights_t *other) {
    for (size_t i = 0; i < vkgpt__weights_count(ref); i++) {
        const vkgpt__tensor_view_t *a = vkgpt__weights_at(ref, i);
        if (strcmp(a->name, "lm_head.weight") == 0) {
            continue;
        }
        const vkgpt__tensor_view_t *b = vkgpt__weights_find_gpt2(other, a->name);
        cr_assert_not_null(b, "%s: '%s' missing", vkgpt__weights_path(other), a->name);
        cr_assert_eq(a->dtype, b->dtype, "%s: dtype differs", a->name);
        cr_assert_eq(a->rank, b->rank, "%s: rank differs", a->name);
        for (uint32_t d = 0; d < a->rank; d++) {
            cr_assert_eq(a->shape[d], b->shape[d], "%s: shape[%u] differs", a->name, d);
        }
        cr_assert_eq(a->nbytes, b->nbytes);
        cr_assert_eq(memcmp(a->data, b->data, a->nbytes), 0, "%s: values differ in %s", a->name,
                     vkgpt__weights_path(other));
    }
}

Test(weights, all_formats_hold_identical_tensors) {
    vkgpt__weights_t *st = expect_open(t_fixture("gpt2/tiny2-st"));
    /* 2 layers x 12 tensors + wte, wpe, ln_f.weight, ln_f.bias */
    cr_assert_eq(vkgpt__weights_count(st), 28);

    static const char *others[] = {"gpt2/tiny2-st-sharded", "gpt2/tiny2-zip", "gpt2/tiny2-legacy"};
    static const vkgpt__weights_format_t formats[] = {
        VKGPT__WEIGHTS_SAFETENSORS, VKGPT__WEIGHTS_TORCH_ZIP, VKGPT__WEIGHTS_TORCH_LEGACY};
    for (size_t i = 0; i < 3; i++) {
        vkgpt__weights_t *w = expect_open(t_fixture(others[i]));
        cr_assert_eq(vkgpt__weights_format(w), formats[i]);
        expect_same_tensors(st, w);
        expect_same_tensors(w, st);
        vkgpt__weights_close(w);
    }
    vkgpt__weights_close(st);
}

Test(weights, torch_files_drop_mask_buffers_and_share_the_tied_head) {
    static const char *dirs[] = {"gpt2/tiny2-zip", "gpt2/tiny2-legacy"};
    for (size_t i = 0; i < 2; i++) {
        vkgpt__weights_t *w = expect_open(t_fixture(dirs[i]));
        cr_assert_eq(vkgpt__weights_count(w), 29); /* the 28 plus lm_head.weight */
        cr_assert_null(vkgpt__weights_find(w, "transformer.h.0.attn.bias"));
        cr_assert_null(vkgpt__weights_find(w, "transformer.h.1.attn.masked_bias"));
        const vkgpt__tensor_view_t *head = vkgpt__weights_find(w, "lm_head.weight");
        const vkgpt__tensor_view_t *wte = vkgpt__weights_find(w, "transformer.wte.weight");
        cr_assert_not_null(head);
        cr_assert_eq(head->data, wte->data, "lm_head.weight shares wte's storage");
        vkgpt__weights_close(w);
    }
}

Test(weights, folder_picks_the_expected_file) {
    static const struct {
        const char *dir, *file;
    } cases[] = {{"gpt2/tiny2-st", "/model.safetensors"},
                 {"gpt2/tiny2-st-sharded", "/model.safetensors.index.json"},
                 {"gpt2/tiny2-zip", "/pytorch_model.bin"}};
    for (size_t i = 0; i < 3; i++) {
        vkgpt__weights_t *w = expect_open(t_fixture(cases[i].dir));
        cr_assert(ends_with(vkgpt__weights_path(w), cases[i].file), "%s", vkgpt__weights_path(w));
        vkgpt__weights_close(w);
    }
}

Test(weights, single_file_path_accepted) {
    vkgpt__weights_t *w = expect_open(t_fixture("gpt2/tiny2-legacy/pytorch_model.bin"));
    cr_assert_eq(vkgpt__weights_count(w), 29);
    vkgpt__weights_close(w);
}

Test(weights, f16_copy_is_f32_rounded) {
    vkgpt__weights_t *f32 = expect_open(t_fixture("gpt2/tiny2-st"));
    vkgpt__weights_t *f16 = expect_open(t_fixture("gpt2/tiny2-st-f16"));
    for (size_t i = 0; i < vkgpt__weights_count(f32); i++) {
        const vkgpt__tensor_view_t *a = vkgpt__weights_at(f32, i);
        const vkgpt__tensor_view_t *b = vkgpt__weights_find(f16, a->name);
        cr_assert_not_null(b);
        cr_assert_eq(b->dtype, VKGPT__DTYPE_F16);
        cr_assert_eq(b->numel, a->numel);
        float *x = malloc(a->numel * sizeof(float)), *y = malloc(a->numel * sizeof(float));
        vkgpt__tensor_to_f32(a, x);
        vkgpt__tensor_to_f32(b, y);
        for (uint64_t j = 0; j < a->numel; j++) {
            /* round to nearest binary16: half an ulp, 2^-11 relative (plus subnormals) */
            cr_assert(fabsf(x[j] - y[j]) <= fabsf(x[j]) * 0x1p-11f + 0x1p-25f, "%s[%llu]: %g %g",
                      a->name, (unsigned long long)j, x[j], y[j]);
        }
        free(x);
        free(y);
    }
    vkgpt__weights_close(f32);
    vkgpt__weights_close(f16);
}

Test(weights, separate_head_is_listed) {
    vkgpt__weights_t *w = expect_open(t_fixture("gpt2/tiny3-st"));
    const vkgpt__tensor_view_t *head = vkgpt__weights_find_gpt2(w, "lm_head.weight");
    const vkgpt__tensor_view_t *wte = vkgpt__weights_find_gpt2(w, "wte.weight");
    cr_assert_not_null(head);
    cr_assert_not_null(wte);
    cr_assert_eq(head->shape[0], 260);
    cr_assert_eq(head->shape[1], 24);
    cr_assert_neq(memcmp(head->data, wte->data, head->nbytes), 0);
    vkgpt__weights_close(w);
}

Test(weights, gpt2_lookup_ignores_prefix) {
    vkgpt__weights_t *plain = expect_open(t_fixture("gpt2/tiny2-st"));
    vkgpt__weights_t *prefixed = expect_open(t_fixture("gpt2/tiny2-zip"));
    const char *names[] = {"h.1.mlp.c_proj.bias", "transformer.h.1.mlp.c_proj.bias"};
    for (size_t i = 0; i < 2; i++) {
        cr_assert_not_null(vkgpt__weights_find_gpt2(plain, names[i]));
        cr_assert_not_null(vkgpt__weights_find_gpt2(prefixed, names[i]));
    }
    cr_assert_null(vkgpt__weights_find(plain, names[1]));
    cr_assert_null(vkgpt__weights_find(prefixed, names[0]));
    cr_assert_null(vkgpt__weights_find_gpt2(plain, "h.2.ln_1.weight"));
    vkgpt__weights_close(plain);
    vkgpt__weights_close(prefixed);
}

Test(weights, require_checks_shape) {
    vkgpt__weights_t *w = expect_open(t_fixture("gpt2/tiny2-zip"));
    const vkgpt__tensor_view_t *t;
    vkgpt__error_t err = {0};
    const uint64_t good[2] = {32, 96}, bad[2] = {96, 32};
    cr_assert_eq(vkgpt__weights_require(w, "h.0.attn.c_attn.weight", 2, good, &t, &err), VKGPT_OK,
                 "%s", err.message);
    cr_assert_eq(t->shape[1], 96);

    cr_assert_eq(vkgpt__weights_require(w, "h.0.attn.c_attn.weight", 2, bad, &t, &err),
                 VKGPT_ERR_BAD_FORMAT);
    cr_assert_null(t);
    cr_assert_not_null(strstr(err.message, "pytorch_model.bin: tensor "
                                           "'transformer.h.0.attn.c_attn.weight' has shape "
                                           "[32, 96], expected [96, 32]"),
                       "%s", err.message);

    cr_assert_eq(vkgpt__weights_require(w, "h.9.ln_1.weight", 1, good, &t, &err),
                 VKGPT_ERR_BAD_FORMAT);
    cr_assert_not_null(strstr(err.message, "tensor 'h.9.ln_1.weight' is missing"));
    vkgpt__weights_close(w);
}

Test(weights, total_bytes_counts_listed_tensors) {
    vkgpt__weights_t *w = expect_open(t_fixture("gpt2/tiny2-st"));
    uint64_t sum = 0;
    for (size_t i = 0; i < vkgpt__weights_count(w); i++) {
        sum += vkgpt__weights_at(w, i)->nbytes;
    }
    cr_assert_eq(vkgpt__weights_total_bytes(w), sum);
    cr_assert_eq(sum % 4, 0);
    vkgpt__weights_close(w);
}

/* ---- Folders and shards ---- */

Test(weights, missing_path) {
    char path[600];
    snprintf(path, sizeof(path), "%s/nowhere", t_dir());
    expect_reject(path, VKGPT_ERR_IO, "No such file");
}

Test(weights, folder_without_weights) {
    t_write("empty/config.json", "{}", 2);
    char path[600];
    snprintf(path, sizeof(path), "%s/empty", t_dir());
    expect_reject(path, VKGPT_ERR_IO, "no weights found");
}

static void copy_fixture(const char *from, const char *to) {
    FILE *f = fopen(t_fixture(from), "rb");
    cr_assert_not_null(f);
    static uint8_t buf[1 << 18];
    size_t n = fread(buf, 1, sizeof(buf), f);
    fclose(f);
    cr_assert(n > 0 && n < sizeof(buf));
    t_write(to, buf, n);
}

/* The two tiny2 shards next to an index whose text the test supplies. */
static const char *shards_with_index(const char *index) {
    copy_fixture("gpt2/tiny2-st-sharded/model-00001-of-00002.safetensors",
                 "m/model-00001-of-00002.safetensors");
    copy_fixture("gpt2/tiny2-st-sharded/model-00002-of-00002.safetensors",
                 "m/model-00002-of-00002.safetensors");
    return t_write("m/model.safetensors.index.json", index, strlen(index));
}

/* The fixture's own index with one substitution applied. */
static const char *shards_with_edited_index(const char *from, const char *to) {
    FILE *f = fopen(t_fixture("gpt2/tiny2-st-sharded/model.safetensors.index.json"), "rb");
    cr_assert_not_null(f);
    static char text[16384], out[16384];
    size_t n = fread(text, 1, sizeof(text) - 1, f);
    fclose(f);
    text[n] = '\0';
    char *at = strstr(text, from);
    cr_assert_not_null(at, "fixture index lacks '%s'", from);
    snprintf(out, sizeof(out), "%.*s%s%s", (int)(at - text), text, to, at + strlen(from));
    return shards_with_index(out);
}

Test(weights, shard_index_not_json) {
    expect_reject(shards_with_index("{\"weight_map\": "), VKGPT_ERR_BAD_FORMAT,
                  "model.safetensors.index.json:1:");
}

Test(weights, shard_index_without_weight_map) {
    expect_reject(shards_with_index("{\"metadata\": {}}"), VKGPT_ERR_BAD_FORMAT,
                  "'weight_map' is missing or not an object");
}

Test(weights, shard_name_leaving_the_folder) {
    expect_reject(shards_with_index("{\"weight_map\": {\"wte.weight\": \"../x.safetensors\"}}"),
                  VKGPT_ERR_BAD_FORMAT,
                  "'wte.weight' maps to ../x.safetensors, not a file name in the index's");
}

Test(weights, shard_file_missing) {
    vkgpt__weights_t *w = NULL;
    vkgpt__error_t err = {0};
    const char *index = shards_with_edited_index("model-00002-of-00002", "model-00003-of-00002");
    cr_assert_eq(vkgpt__weights_open(index, &w, &err), VKGPT_ERR_IO);
    cr_assert_not_null(strstr(err.message, "model-00003-of-00002.safetensors: cannot open"), "%s",
                       err.message);
}

Test(weights, tensor_in_the_wrong_shard) {
    expect_reject(shards_with_edited_index("\"transformer.wte.weight\": \"model-00002",
                                           "\"transformer.wte.weight\": \"model-00001"),
                  VKGPT_ERR_BAD_FORMAT,
                  "tensor 'transformer.wte.weight' is in shard 'model-00002-of-00002"
                  ".safetensors', but the index maps it to model-00001");
}

Test(weights, tensor_listed_but_absent) {
    expect_reject(shards_with_edited_index("\"weight_map\": {",
                                           "\"weight_map\": {\"transformer.h.7.ln_1.weight\": "
                                           "\"model-00001-of-00002.safetensors\", "),
                  VKGPT_ERR_BAD_FORMAT,
                  "tensor 'transformer.h.7.ln_1.weight' is missing from shard");
}

Test(weights, tensor_found_but_unlisted) {
    expect_reject(shards_with_edited_index("\"transformer.ln_f.bias\"", "\"unrelated.name\""),
                  VKGPT_ERR_BAD_FORMAT, "'transformer.ln_f.bias' is in shard");
}

/* ---- Element types ---- */

Test(weights, f16_and_bf16_conversion) {
    cr_assert_float_eq(vkgpt__f16_to_f32(0x3c00), 1.0f, 0);
    cr_assert_float_eq(vkgpt__f16_to_f32(0xc000), -2.0f, 0);
    cr_assert_float_eq(vkgpt__f16_to_f32(0x7bff), 65504.0f, 0);
    cr_assert_float_eq(vkgpt__f16_to_f32(0x0001), 0x1p-24f, 0);
    cr_assert_float_eq(vkgpt__f16_to_f32(0x03ff), 0x3ffp-24f, 0);
    cr_assert_float_eq(vkgpt__f16_to_f32(0x8000), -0.0f, 0);
    cr_assert(signbit(vkgpt__f16_to_f32(0x8000)));
    cr_assert(isinf(vkgpt__f16_to_f32(0x7c00)));
    cr_assert(isnan(vkgpt__f16_to_f32(0x7e00)));
    cr_assert_float_eq(vkgpt__bf16_to_f32(0x3f80), 1.0f, 0);
    cr_assert_float_eq(vkgpt__bf16_to_f32(0xc0a0), -5.0f, 0);
    cr_assert_str_eq(vkgpt__dtype_name(VKGPT__DTYPE_BF16), "BF16");
    cr_assert_eq(vkgpt__dtype_size(VKGPT__DTYPE_F32), 4);
    cr_assert_eq(vkgpt__dtype_size(VKGPT__DTYPE_F16), 2);
}
