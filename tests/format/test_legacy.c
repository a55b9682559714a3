/* test_legacy.c: PyTorch's legacy (pre-1.6) pytorch_model.bin: five pickles, then one record
 * per storage. Built byte by byte here; broken one way per test. */
#define _GNU_SOURCE /* memmem */
#include <criterion/criterion.h>
#include <string.h>

#include "helpers.h"

TestSuite(legacy, .init = t_setup, .fini = t_teardown);

/* Two tensors on storage "100" (F32, 6 elements) and one on "200" (F16, 4 elements). */
static const test_tensor_t tensors[3] = {
    {.name = "a",
     .storage = "FloatStorage",
     .key = "100",
     .storage_numel = 6,
     .rank = 2,
     .shape = {2, 3}},
    {.name = "a_tail",
     .storage = "FloatStorage",
     .key = "100",
     .storage_numel = 6,
     .offset = 4,
     .rank = 1,
     .shape = {2}},
    {.name = "b",
     .storage = "HalfStorage",
     .key = "200",
     .storage_numel = 4,
     .rank = 1,
     .shape = {4}},
};

/* The legacy file with a given key list and record sizes. */
static void build(tbuf_t *out, const char *const *keys, const uint64_t *numel, const uint32_t *size,
                  size_t n_keys) {
    tbuf_t state = {0};
    pk_state_dict(&state, tensors, 3, true);
    legacy_file(out, &state, keys, numel, size, n_keys);
    tb_free(&state);
}

static const char *const keys[2] = {"100", "200"};
static const uint64_t numel[2] = {6, 4};
static const uint32_t size[2] = {4, 2};

static const char *write_valid(tbuf_t *b) {
    build(b, keys, numel, size, 2);
    return t_write_buf("pytorch_model.bin", b);
}

Test(legacy, valid_file_loads) {
    tbuf_t b = {0};
    vkgpt__weights_t *w = expect_open(write_valid(&b));
    cr_assert_eq(vkgpt__weights_format(w), VKGPT__WEIGHTS_TORCH_LEGACY);
    cr_assert_eq(vkgpt__weights_count(w), 3);

    /* a_tail views elements 4..5 of storage "100": 16 bytes past a's start. */
    const vkgpt__tensor_view_t *a = vkgpt__weights_find(w, "a");
    const vkgpt__tensor_view_t *tail = vkgpt__weights_find(w, "a_tail");
    cr_assert_eq((const uint8_t *)tail->data - (const uint8_t *)a->data, 16);
    cr_assert_eq(memcmp(tail->data, (const uint8_t *)a->data + 16, 8), 0);
    cr_assert_eq(vkgpt__weights_find(w, "b")->nbytes, 8);

    /* The records follow each other: b's bytes start 8 (numel) after a's 24. */
    cr_assert_eq((const uint8_t *)vkgpt__weights_find(w, "b")->data - (const uint8_t *)a->data,
                 24 + 8);
    vkgpt__weights_close(w);
    tb_free(&b);
}

Test(legacy, wrong_magic) {
    tbuf_t b = {0};
    build(&b, keys, numel, size, 2);
    b.p[5] ^= 0xff; /* inside the 10-byte LONG1 after PROTO and the opcode/length bytes */
    expect_reject(t_write_buf("pytorch_model.bin", &b), VKGPT_ERR_BAD_FORMAT,
                  "first pickle is not PyTorch's magic number");
    tb_free(&b);
}

Test(legacy, wrong_protocol_version) {
    tbuf_t b = {0};
    build(&b, keys, numel, size, 2);
    uint8_t *v = memmem(b.p, b.n, "\x4d\xe9\x03", 3); /* BININT2 1001 */
    cr_assert_not_null(v);
    v[1] = 0xea;
    expect_reject(t_write_buf("pytorch_model.bin", &b), VKGPT_ERR_UNSUPPORTED,
                  "legacy protocol version is not 1001");
    tb_free(&b);
}

Test(legacy, big_endian_refused) {
    tbuf_t b = {0};
    build(&b, keys, numel, size, 2);
    uint8_t *v = memmem(b.p, b.n, "little_endian\x88", 14);
    cr_assert_not_null(v);
    v[13] = 0x89;
    expect_reject(t_write_buf("pytorch_model.bin", &b), VKGPT_ERR_UNSUPPORTED,
                  "big-endian PyTorch file");
    tb_free(&b);
}

Test(legacy, truncated_records) {
    tbuf_t b = {0};
    build(&b, keys, numel, size, 2);
    b.n -= 3;
    expect_reject(t_write_buf("pytorch_model.bin", &b), VKGPT_ERR_BAD_FORMAT,
                  "storage '200' at byte");
    b.n -= 8 + 5;
    expect_reject(t_write_buf("pytorch_model.bin", &b), VKGPT_ERR_BAD_FORMAT,
                  "truncated before the record of storage '200'");
    tb_free(&b);
}

Test(legacy, truncated_pickle) {
    tbuf_t b = {0};
    build(&b, keys, numel, size, 2);
    b.n = 60;
    expect_reject(t_write_buf("pytorch_model.bin", &b), VKGPT_ERR_BAD_FORMAT, "truncated");
    tb_free(&b);
}

Test(legacy, record_size_differs_from_pickle) {
    tbuf_t b = {0};
    const uint64_t wrong[2] = {5, 4};
    build(&b, keys, wrong, size, 2);
    expect_reject(t_write_buf("pytorch_model.bin", &b), VKGPT_ERR_BAD_FORMAT,
                  "record of 5 elements, the pickle declares 6");
    tb_free(&b);
}

Test(legacy, huge_record_count) {
    tbuf_t b = {0};
    const uint64_t huge[2] = {6, 4};
    build(&b, keys, huge, size, 2);
    /* Patch the first record's numel to 2^62: numel * 4 overflows. */
    uint8_t *rec = b.p + b.n - (8 + 8) - (8 + 24);
    memcpy(rec, "\0\0\0\0\0\0\0\x40", 8);
    expect_reject(t_write_buf("pytorch_model.bin", &b), VKGPT_ERR_BAD_FORMAT,
                  "record of 4611686018427387904 elements");
    tb_free(&b);
}

Test(legacy, unknown_key_listed) {
    tbuf_t b = {0};
    const char *const other[3] = {"100", "200", "300"};
    const uint64_t n3[3] = {6, 4, 1};
    const uint32_t s3[3] = {4, 2, 4};
    build(&b, other, n3, s3, 3);
    expect_reject(t_write_buf("pytorch_model.bin", &b), VKGPT_ERR_BAD_FORMAT,
                  "storage key '300' in the key list is not used by any tensor");
    tb_free(&b);
}

Test(legacy, key_listed_twice) {
    tbuf_t b = {0};
    const char *const twice[3] = {"100", "100", "200"};
    const uint64_t n3[3] = {6, 6, 4};
    const uint32_t s3[3] = {4, 4, 2};
    build(&b, twice, n3, s3, 3);
    expect_reject(t_write_buf("pytorch_model.bin", &b), VKGPT_ERR_BAD_FORMAT, "listed twice");
    tb_free(&b);
}

Test(legacy, storage_without_record) {
    tbuf_t b = {0};
    build(&b, keys, numel, size, 1);
    expect_reject(t_write_buf("pytorch_model.bin", &b), VKGPT_ERR_BAD_FORMAT,
                  "storage '200' has no record in the file");
    tb_free(&b);
}

Test(legacy, storage_view_metadata_refused) {
    tbuf_t state = {0}, b = {0};
    pk_state_dict(&state, tensors, 1, true);
    /* Replace the None view metadata of the first persistent id with a tuple. */
    uint8_t *n = memmem(state.p, state.n, "Nt", 2);
    cr_assert_not_null(n);
    n[0] = ')';
    legacy_file(&b, &state, keys, numel, size, 1);
    expect_reject(t_write_buf("pytorch_model.bin", &b), VKGPT_ERR_UNSUPPORTED,
                  "storage views (PyTorch before 0.4)");
    tb_free(&state);
    tb_free(&b);
}

Test(legacy, tar_format_named) {
    uint8_t tar[512] = "model";
    memcpy(tar + 257, "ustar", 5);
    expect_reject(t_write("pytorch_model.bin", tar, sizeof(tar)), VKGPT_ERR_UNSUPPORTED,
                  "tar-based PyTorch file");
}
