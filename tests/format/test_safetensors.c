/* test_safetensors.c: one test per known attack on the safetensors header, each refused with
 * a message that names the file and the problem, plus the odd-but-valid cases that must load
 * (zero-sized and rank-0 tensors, metadata, skipped buffers of other types). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "helpers.h"

TestSuite(safetensors, .init = t_setup, .fini = t_teardown);

/* Writes [u64 header_len][header][data_len bytes] as "x.safetensors". */
static const char *st_file_len(uint64_t header_len, const char *header, size_t data_len) {
    tbuf_t b = {0};
    tb_u64(&b, header_len);
    tb_bytes(&b, header, strlen(header));
    for (size_t i = 0; i < data_len; i++) {
        tb_u8(&b, (uint8_t)i);
    }
    const char *path = t_write_buf("x.safetensors", &b);
    tb_free(&b);
    return path;
}

static const char *st_file(const char *header, size_t data_len) {
    return st_file_len(strlen(header), header, data_len);
}

/* ---- The length prefix ---- */

Test(safetensors, file_shorter_than_8_bytes) {
    expect_reject(t_write("x.safetensors", "\x10\0\0\0\0", 5), VKGPT_ERR_BAD_FORMAT, "too short");
}

Test(safetensors, empty_file) {
    expect_reject(t_write("x.safetensors", "", 0), VKGPT_ERR_BAD_FORMAT, "is 0 bytes");
}

Test(safetensors, header_length_past_end) {
    expect_reject(st_file_len(1000, "{}", 0), VKGPT_ERR_BAD_FORMAT, "runs past the end");
}

Test(safetensors, header_length_over_limit) {
    expect_reject(st_file_len(100000001, "{}", 0), VKGPT_ERR_BAD_FORMAT,
                  "exceeds the limit of 100000000");
}

Test(safetensors, header_length_wrapping_8_plus_n) {
    /* 8 + N wraps to 0 and 7: both would look in range to unchecked arithmetic. */
    expect_reject(st_file_len(UINT64_MAX - 7, "{}", 0), VKGPT_ERR_BAD_FORMAT, "exceeds");
    expect_reject(st_file_len(UINT64_MAX, "{}", 0), VKGPT_ERR_BAD_FORMAT, "exceeds");
}

/* ---- The header text ---- */

Test(safetensors, header_not_utf8) {
    expect_reject(st_file("{\"a\xff\":{}}", 0), VKGPT_ERR_BAD_FORMAT, "not valid UTF-8 (byte 11");
}

Test(safetensors, header_not_json) {
    expect_reject(st_file("{\"a\": [1, 2", 0), VKGPT_ERR_BAD_FORMAT, "not valid JSON");
}

Test(safetensors, header_not_an_object) {
    expect_reject(st_file("[1, 2, 3]", 0), VKGPT_ERR_BAD_FORMAT, "not a JSON object");
}

Test(safetensors, header_with_nul_escape) {
    expect_reject(st_file("{\"a\\u0000b\":{}}", 0), VKGPT_ERR_BAD_FORMAT, "not valid JSON");
}

Test(safetensors, duplicate_names) {
    expect_reject(st_file("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                          "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}",
                          8),
                  VKGPT_ERR_BAD_FORMAT, "duplicate tensor name");
}

Test(safetensors, entry_not_an_object) {
    expect_reject(st_file("{\"a\":[0,4]}", 4), VKGPT_ERR_BAD_FORMAT,
                  "tensor 'a': header entry is not an object");
}

/* ---- Offsets ---- */

#define T(name, begin, end)                                                                        \
    "\"" name "\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[" #begin "," #end "]}"

Test(safetensors, offsets_overlapping) {
    expect_reject(st_file("{" T("a", 0, 4) "," T("b", 2, 6) "}", 6), VKGPT_ERR_BAD_FORMAT,
                  "overlap");
}

Test(safetensors, offsets_with_gap) {
    expect_reject(st_file("{" T("a", 0, 4) "," T("b", 8, 12) "}", 12), VKGPT_ERR_BAD_FORMAT,
                  "gap before tensor 'b'");
}

Test(safetensors, offsets_not_starting_at_zero) {
    expect_reject(st_file("{" T("a", 4, 8) "}", 8), VKGPT_ERR_BAD_FORMAT,
                  "starts at data offset 4 instead of 0");
}

Test(safetensors, offsets_end_before_begin) {
    expect_reject(st_file("{" T("a", 4, 0) "}", 8), VKGPT_ERR_BAD_FORMAT, "END 0 < BEGIN 4");
}

Test(safetensors, offsets_past_end) {
    expect_reject(st_file("{" T("a", 0, 4) "," T("b", 4, 8) "}", 6), VKGPT_ERR_BAD_FORMAT,
                  "past the end of the data section (6 bytes)");
}

Test(safetensors, trailing_bytes) {
    expect_reject(st_file("{" T("a", 0, 4) "}", 7), VKGPT_ERR_BAD_FORMAT,
                  "3 trailing bytes after the last tensor");
}

Test(safetensors, offsets_malformed) {
    expect_reject(st_file("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0]}}", 4),
                  VKGPT_ERR_BAD_FORMAT, "'data_offsets' must be [BEGIN, END]");
    expect_reject(st_file("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[-4,0]}}", 4),
                  VKGPT_ERR_BAD_FORMAT, "'data_offsets' must be [BEGIN, END]");
}

/* ---- Shapes and types ---- */

Test(safetensors, shape_times_dtype_overflow_2_by_2pow64_minus_2) {
    /* 2^64 - 2 does not fit a JSON parser's signed 64-bit integer: refused while parsing. */
    expect_reject(st_file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2,18446744073709551614],"
                          "\"data_offsets\":[0,4]}}",
                          4),
                  VKGPT_ERR_BAD_FORMAT, "too big integer");
}

Test(safetensors, shape_times_dtype_overflow_2_by_2pow63_minus_1) {
    /* numel = 2^64 - 2 still fits; times 4 bytes it does not. */
    expect_reject(st_file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2,9223372036854775807],"
                          "\"data_offsets\":[0,4]}}",
                          4),
                  VKGPT_ERR_BAD_FORMAT, "tensor 'a': shape x dtype size overflows 64 bits");
}

Test(safetensors, shape_numel_overflow) {
    expect_reject(st_file("{\"a\":{\"dtype\":\"BF16\",\"shape\":[4294967296,4294967296],"
                          "\"data_offsets\":[0,4]}}",
                          4),
                  VKGPT_ERR_BAD_FORMAT, "overflows 64 bits");
}

Test(safetensors, size_mismatch) {
    expect_reject(
        st_file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,20]}}", 20),
        VKGPT_ERR_BAD_FORMAT, "hold 20 bytes but shape x F32 needs 24");
}

Test(safetensors, negative_dimension) {
    expect_reject(st_file("{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", 4),
                  VKGPT_ERR_BAD_FORMAT, "shape[0] is not a non-negative integer");
}

Test(safetensors, rank_above_limit) {
    expect_reject(st_file("{\"a\":{\"dtype\":\"F32\",\"shape\":[1,1,1,1,1,1,1,1,1],"
                          "\"data_offsets\":[0,4]}}",
                          4),
                  VKGPT_ERR_UNSUPPORTED, "rank 9");
}

Test(safetensors, unknown_dtype_named) {
    expect_reject(st_file("{\"a\":{\"dtype\":\"F33\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4),
                  VKGPT_ERR_BAD_FORMAT, "unknown dtype 'F33'");
}

Test(safetensors, unsupported_dtype_named) {
    expect_reject(st_file("{\"h.0.mlp.c_fc.weight\":{\"dtype\":\"I64\",\"shape\":[1],"
                          "\"data_offsets\":[0,8]}}",
                          8),
                  VKGPT_ERR_UNSUPPORTED, "'h.0.mlp.c_fc.weight' has element type I64");
}

Test(safetensors, missing_dtype) {
    expect_reject(st_file("{\"a\":{\"shape\":[1],\"data_offsets\":[0,4]}}", 4),
                  VKGPT_ERR_BAD_FORMAT, "'dtype' is missing or not a string");
}

Test(safetensors, metadata_must_hold_strings) {
    expect_reject(st_file("{\"__metadata__\":{\"format\":1}}", 0), VKGPT_ERR_BAD_FORMAT,
                  "__metadata__ value 'format' is not a string");
    expect_reject(st_file("{\"__metadata__\":[]}", 0), VKGPT_ERR_BAD_FORMAT,
                  "__metadata__ is not an object");
}

/* ---- Valid odd cases ---- */

Test(safetensors, zero_sized_and_rank0_accepted) {
    const char *path = st_file("{\"__metadata__\":{\"format\":\"pt\"},"
                               "\"empty\":{\"dtype\":\"F16\",\"shape\":[0,3],"
                               "\"data_offsets\":[0,0]},"
                               "\"scalar\":{\"dtype\":\"F32\",\"shape\":[],"
                               "\"data_offsets\":[0,4]},"
                               "\"also_empty\":{\"dtype\":\"F32\",\"shape\":[5,0],"
                               "\"data_offsets\":[4,4]}}",
                               4);
    vkgpt__weights_t *w = expect_open(path);
    cr_assert_eq(vkgpt__weights_count(w), 3);

    const vkgpt__tensor_view_t *e = vkgpt__weights_find(w, "empty");
    cr_assert_not_null(e);
    cr_assert_eq(e->rank, 2);
    cr_assert_eq(e->numel, 0);
    cr_assert_eq(e->nbytes, 0);
    cr_assert_eq(e->dtype, VKGPT__DTYPE_F16);

    const vkgpt__tensor_view_t *s = vkgpt__weights_find(w, "scalar");
    cr_assert_not_null(s);
    cr_assert_eq(s->rank, 0);
    cr_assert_eq(s->numel, 1);
    cr_assert_eq(s->nbytes, 4);
    cr_assert_eq(memcmp(s->data, "\x00\x01\x02\x03", 4), 0);
    vkgpt__weights_close(w);
}

Test(safetensors, empty_header_accepted) {
    vkgpt__weights_t *w = expect_open(st_file("{}", 0));
    cr_assert_eq(vkgpt__weights_count(w), 0);
    vkgpt__weights_close(w);
}

Test(safetensors, header_padding_spaces_accepted) {
    vkgpt__weights_t *w = expect_open(st_file("{" T("a", 0, 4) "}      ", 4));
    cr_assert_eq(vkgpt__weights_count(w), 1);
    vkgpt__weights_close(w);
}

Test(safetensors, skipped_buffer_of_other_type_dropped) {
    vkgpt__weights_t *w = expect_open(
        st_file("{" T("wte.weight", 0, 4) ","
                                          "\"h.0.attn.bias\":{\"dtype\":\"BOOL\","
                                          "\"shape\":[1,1,2,2],\"data_offsets\":[4,8]}}",
                8));
    cr_assert_eq(vkgpt__weights_count(w), 1);
    cr_assert_null(vkgpt__weights_find(w, "h.0.attn.bias"));
    cr_assert_not_null(vkgpt__weights_find(w, "wte.weight"));
    vkgpt__weights_close(w);
}

Test(safetensors, skipped_buffer_still_bounds_checked) {
    expect_reject(st_file("{\"h.0.attn.bias\":{\"dtype\":\"BOOL\",\"shape\":[1,1,2,2],"
                          "\"data_offsets\":[0,8]}}",
                          8),
                  VKGPT_ERR_BAD_FORMAT, "hold 8 bytes but shape x BOOL needs 4");
}
