/* test_zip.c: the zip container of pytorch_model.bin: ZIP64 read when present, and every
 * malformed directory, record or entry refused with the file named. */
#include <criterion/criterion.h>
#include <string.h>

#include "format/zip.h"
#include "helpers.h"

static void zip_fini(void);
TestSuite(zip, .init = t_setup, .fini = zip_fini);

static const test_tensor_t tensor = {.name = "w",
                                     .storage = "FloatStorage",
                                     .key = "0",
                                     .storage_numel = 4,
                                     .rank = 1,
                                     .shape = {4}};
static const uint8_t floats[16] = {0, 0, 0x80, 0x3f}; /* 1.0f, then zeros */

/* The entries of a valid one-tensor archive; tests break one thing each. */
static tzip_entry_t entries[3];
static tbuf_t pickle;

static void make_entries(void) {
    memset(&pickle, 0, sizeof(pickle));
    pk_state_dict(&pickle, &tensor, 1, false);
    entries[0] = (tzip_entry_t){.name = "archive/data.pkl", .data = pickle.p, .size = pickle.n};
    entries[1] = (tzip_entry_t){.name = "archive/data/0", .data = floats, .size = 16};
    entries[2] = (tzip_entry_t){.name = "archive/version", .data = "3\n", .size = 2};
}

static void zip_fini(void) {
    tb_free(&pickle);
    t_teardown();
}

static const char *write_zip(const tzip_opts_t *o, size_t n_entries) {
    tbuf_t z = {0};
    tzip_build(&z, entries, n_entries, o);
    const char *path = t_write_buf("pytorch_model.bin", &z);
    tb_free(&z);
    return path;
}

static void check_one_tensor(const char *path) {
    vkgpt__weights_t *w = expect_open(path);
    cr_assert_eq(vkgpt__weights_format(w), VKGPT__WEIGHTS_TORCH_ZIP);
    const vkgpt__tensor_view_t *t = vkgpt__weights_find(w, "w");
    cr_assert_not_null(t);
    float f[4];
    vkgpt__tensor_to_f32(t, f);
    cr_assert_float_eq(f[0], 1.0f, 0);
    vkgpt__weights_close(w);
}

Test(zip, valid_archive_loads) {
    make_entries();
    check_one_tensor(write_zip(NULL, 3));
}

Test(zip, zip64_records_read) {
    make_entries();
    tzip_opts_t o = {.zip64 = true};
    check_one_tensor(write_zip(&o, 3));
}

Test(zip, archive_comment_allowed) {
    make_entries();
    tbuf_t z = {0};
    tzip_build(&z, entries, 3, NULL);
    z.p[z.n - 2] = 5; /* comment length */
    tb_str(&z, "hello");
    check_one_tensor(t_write_buf("pytorch_model.bin", &z));
    tb_free(&z);
}

Test(zip, too_short) {
    expect_reject(t_write("pytorch_model.bin", "PK\x03\x04....", 8), VKGPT_ERR_BAD_FORMAT,
                  "too short for a zip archive");
}

Test(zip, truncated_no_end_record) {
    make_entries();
    tbuf_t z = {0};
    tzip_build(&z, entries, 3, NULL);
    z.n -= 10;
    expect_reject(t_write_buf("pytorch_model.bin", &z), VKGPT_ERR_BAD_FORMAT,
                  "no zip end-of-central-directory record");
    tb_free(&z);
}

Test(zip, directory_offset_out_of_range) {
    make_entries();
    tzip_opts_t o = {.cd_offset_delta = 1 << 20};
    expect_reject(write_zip(&o, 3), VKGPT_ERR_BAD_FORMAT, "does not fit before its end record");
}

Test(zip, directory_offset_points_at_data) {
    make_entries();
    tzip_opts_t o = {.cd_offset_delta = -4};
    expect_reject(write_zip(&o, 3), VKGPT_ERR_BAD_FORMAT, "bad zip central directory record");
}

Test(zip, count_sentinel_without_zip64) {
    make_entries();
    tzip_opts_t o = {.count_ffff = true};
    expect_reject(write_zip(&o, 3), VKGPT_ERR_BAD_FORMAT, "needs a ZIP64 record");
}

Test(zip, zip64_record_misplaced) {
    make_entries();
    tzip_opts_t o = {.zip64 = true, .zip64_bad_record = true};
    expect_reject(write_zip(&o, 3), VKGPT_ERR_BAD_FORMAT,
                  "ZIP64 end-of-central-directory record at byte");
}

Test(zip, zip64_extra_too_short) {
    make_entries();
    tzip_opts_t o = {.zip64 = true, .zip64_bad_extra = true};
    expect_reject(write_zip(&o, 3), VKGPT_ERR_BAD_FORMAT, "malformed extra field");
}

Test(zip, compressed_entry_refused) {
    make_entries();
    entries[1].method = 8;
    expect_reject(write_zip(NULL, 3), VKGPT_ERR_UNSUPPORTED,
                  "zip entry 'archive/data/0' is compressed (method 8)");
}

Test(zip, encrypted_entry_refused) {
    make_entries();
    entries[1].flags = 1;
    expect_reject(write_zip(NULL, 3), VKGPT_ERR_UNSUPPORTED, "'archive/data/0' is encrypted");
}

Test(zip, local_header_offset_wrong) {
    make_entries();
    entries[1].local_offset_delta = 3;
    expect_reject(write_zip(NULL, 3), VKGPT_ERR_BAD_FORMAT,
                  "zip entry 'archive/data/0': no local header at byte");
}

Test(zip, local_header_names_another_entry) {
    make_entries();
    entries[1].local_name = "archive/data/9";
    expect_reject(write_zip(NULL, 3), VKGPT_ERR_BAD_FORMAT, "local header names a different entry");
}

Test(zip, entry_size_past_directory) {
    make_entries();
    entries[1].size_claim_delta = 1000;
    expect_reject(write_zip(NULL, 3), VKGPT_ERR_BAD_FORMAT, "'archive/data/0': 1016 bytes at byte");
}

Test(zip, duplicate_entries) {
    make_entries();
    entries[2] = entries[1];
    expect_reject(write_zip(NULL, 3), VKGPT_ERR_BAD_FORMAT, "duplicate zip entry 'archive/data/0'");
}

Test(zip, no_data_pkl) {
    make_entries();
    entries[0].name = "archive/other.pkl";
    entries[0].local_name = NULL;
    expect_reject(write_zip(NULL, 3), VKGPT_ERR_BAD_FORMAT, "no '<folder>/data.pkl' entry");
}

Test(zip, two_data_pkl) {
    make_entries();
    entries[2] = entries[0];
    entries[2].name = "other/data.pkl";
    expect_reject(write_zip(NULL, 3), VKGPT_ERR_BAD_FORMAT, "more than one data.pkl");
}

Test(zip, big_endian_byteorder_refused) {
    make_entries();
    entries[2] = (tzip_entry_t){.name = "archive/byteorder", .data = "big", .size = 3};
    expect_reject(write_zip(NULL, 3), VKGPT_ERR_UNSUPPORTED, "little-endian files only");
}

Test(zip, reader_finds_entries_by_name) {
    make_entries();
    tbuf_t z = {0};
    tzip_build(&z, entries, 3, NULL);
    vkgpt__zip_t zip;
    vkgpt__error_t err = {0};
    cr_assert_eq(vkgpt__zip_open(z.p, z.n, "mem.zip", &zip, &err), VKGPT_OK, "%s", err.message);
    cr_assert_eq(zip.n_entries, 3);
    const vkgpt__zip_entry_t *e = vkgpt__zip_find(&zip, "archive/version");
    cr_assert_not_null(e);
    cr_assert_eq(e->size, 2);
    cr_assert_eq(memcmp(e->data, "3\n", 2), 0);
    cr_assert_null(vkgpt__zip_find(&zip, "archive/data"));
    vkgpt__zip_close(&zip);
    tb_free(&z);
}
