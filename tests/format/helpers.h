/* helpers.h: building weight files byte by byte for the format tests: a growable buffer,
 * pickle opcode emitters, a stored-zip writer with knobs for breaking it, temporary files, and
 * the assertion that a file is refused with a given status and message. */
#ifndef VKGPT_TESTS_FORMAT_HELPERS_H
#define VKGPT_TESTS_FORMAT_HELPERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "format/weights.h"

/* ---- Byte buffer ---- */

typedef struct tbuf {
    uint8_t *p;
    size_t n, cap;
} tbuf_t;

void tb_bytes(tbuf_t *b, const void *p, size_t n);
void tb_u8(tbuf_t *b, uint8_t v);
void tb_u16(tbuf_t *b, uint16_t v);
void tb_u32(tbuf_t *b, uint32_t v);
void tb_u64(tbuf_t *b, uint64_t v);
void tb_str(tbuf_t *b, const char *s); /* without the NUL */
void tb_free(tbuf_t *b);

/* ---- Pickle ---- */

void pk_proto(tbuf_t *b);                                        /* PROTO 2 */
void pk_global(tbuf_t *b, const char *module, const char *name); /* GLOBAL */
void pk_unicode(tbuf_t *b, const char *s);                       /* BINUNICODE */
void pk_int(tbuf_t *b, int64_t v);                               /* BININT1/2, BININT, LONG1 */

/* One tensor of a state dict. stride[0] == 0 means "contiguous for this shape". */
typedef struct test_tensor {
    const char *name;
    const char *storage; /* "FloatStorage", ... */
    const char *key;
    uint64_t storage_numel;
    uint64_t offset;
    uint32_t rank;
    uint64_t shape[4];
    uint64_t stride[4];
} test_tensor_t;

/* A whole state dict pickle, PROTO to STOP, shaped as torch.save writes it. `legacy` selects
 * the 6-item persistent id of the legacy format. */
void pk_state_dict(tbuf_t *b, const test_tensor_t *t, size_t n, bool legacy);

/* The legacy file: magic, version, sys_info, `state` (a complete pickle), the key list, then
 * one record per key: u64 numel and numel * elem_size bytes of a pattern. */
void legacy_file(tbuf_t *out, const tbuf_t *state, const char *const *keys, const uint64_t *numel,
                 const uint32_t *elem_size, size_t n_keys);

/* ---- Zip ---- */

typedef struct tzip_entry {
    const char *name;
    const void *data;
    size_t size;
    uint16_t method; /* 0 stored */
    uint16_t flags;
    const char *local_name; /* NULL: same as name */
    int64_t local_offset_delta;
    uint64_t size_claim_delta; /* central directory claims this many more bytes */
} tzip_entry_t;

typedef struct tzip_opts {
    bool zip64;            /* ZIP64 extra fields, record and locator throughout */
    bool zip64_bad_record; /* locator points at the wrong place */
    bool zip64_bad_extra;  /* extra field shorter than its sentinels need */
    int64_t cd_offset_delta;
    bool count_ffff; /* EOCD entry count 0xffff without ZIP64 */
} tzip_opts_t;

void tzip_build(tbuf_t *out, const tzip_entry_t *e, size_t n, const tzip_opts_t *opts);

/* A zip holding "archive/data.pkl" = pickle and, for each tensor, "archive/data/<key>" with
 * storage_numel * 4 bytes (skipping keys already written). */
void torch_zip(tbuf_t *out, const tbuf_t *pickle, const test_tensor_t *t, size_t n);

/* ---- Files and assertions ---- */

void t_setup(void);    /* creates a fresh temporary folder */
void t_teardown(void); /* removes it */
const char *t_dir(void);

/* Writes `name` (which may contain one level of folder) in the temporary folder; returns its
 * path (valid until teardown). */
const char *t_write(const char *name, const void *data, size_t n);
const char *t_write_buf(const char *name, const tbuf_t *b);

/* $VKGPT_SOURCE_ROOT/tests/fixtures/<rel> (static buffer per call site is fine: copied). */
const char *t_fixture(const char *rel);

/* Asserts that opening `path` fails with `status`, that the message names the file (its base
 * name) and contains `detail`. */
void expect_reject(const char *path, vkgpt_status_t status, const char *detail);

/* Asserts that opening succeeds and returns the weights. */
vkgpt__weights_t *expect_open(const char *path);

#endif
