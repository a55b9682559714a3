/* helpers.c: see helpers.h. Test-only code: failures abort the test through Criterion. */
#define _XOPEN_SOURCE 700
#include <criterion/criterion.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helpers.h"

/* ---- Byte buffer ---- */

void tb_bytes(tbuf_t *b, const void *p, size_t n) {
    if (b->n + n > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->n + n) {
            cap *= 2;
        }
        b->p = realloc(b->p, cap);
        cr_assert_not_null(b->p);
        b->cap = cap;
    }
    if (n) {
        memcpy(b->p + b->n, p, n);
    }
    b->n += n;
}

void tb_u8(tbuf_t *b, uint8_t v) {
    tb_bytes(b, &v, 1);
}

void tb_u16(tbuf_t *b, uint16_t v) {
    uint8_t p[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
    tb_bytes(b, p, 2);
}

void tb_u32(tbuf_t *b, uint32_t v) {
    tb_u16(b, (uint16_t)v);
    tb_u16(b, (uint16_t)(v >> 16));
}

void tb_u64(tbuf_t *b, uint64_t v) {
    tb_u32(b, (uint32_t)v);
    tb_u32(b, (uint32_t)(v >> 32));
}

void tb_str(tbuf_t *b, const char *s) {
    tb_bytes(b, s, strlen(s));
}

void tb_free(tbuf_t *b) {
    free(b->p);
    memset(b, 0, sizeof(*b));
}

/* ---- Pickle ---- */

void pk_proto(tbuf_t *b) {
    tb_u8(b, 0x80);
    tb_u8(b, 2);
}

void pk_global(tbuf_t *b, const char *module, const char *name) {
    tb_u8(b, 'c');
    tb_str(b, module);
    tb_u8(b, '\n');
    tb_str(b, name);
    tb_u8(b, '\n');
}

void pk_unicode(tbuf_t *b, const char *s) {
    tb_u8(b, 'X');
    tb_u32(b, (uint32_t)strlen(s));
    tb_str(b, s);
}

void pk_int(tbuf_t *b, int64_t v) {
    if (v >= 0 && v < 256) {
        tb_u8(b, 'K');
        tb_u8(b, (uint8_t)v);
    } else if (v >= 0 && v < 65536) {
        tb_u8(b, 'M');
        tb_u16(b, (uint16_t)v);
    } else if (v >= INT32_MIN && v <= INT32_MAX) {
        tb_u8(b, 'J');
        tb_u32(b, (uint32_t)(int32_t)v);
    } else {
        tb_u8(b, 0x8a);
        tb_u8(b, 8);
        tb_u64(b, (uint64_t)v);
    }
}

static void pk_ordered_dict(tbuf_t *b) {
    pk_global(b, "collections", "OrderedDict");
    tb_u8(b, ')');
    tb_u8(b, 'R');
}

static void pk_dims(tbuf_t *b, uint32_t rank, const uint64_t *d) {
    tb_u8(b, '(');
    for (uint32_t i = 0; i < rank; i++) {
        pk_int(b, (int64_t)d[i]);
    }
    tb_u8(b, 't');
}

static void pk_tensor(tbuf_t *b, const test_tensor_t *t, bool legacy) {
    uint64_t stride[4];
    uint64_t s = 1;
    for (uint32_t i = t->rank; i-- > 0;) {
        stride[i] = t->stride[0] || t->rank == 0 ? t->stride[i] : s;
        s *= t->shape[i];
    }
    pk_unicode(b, t->name);
    pk_global(b, "torch._utils", "_rebuild_tensor_v2");
    tb_u8(b, '(');
    tb_u8(b, '(');
    pk_unicode(b, "storage");
    pk_global(b, "torch", t->storage);
    pk_unicode(b, t->key);
    pk_unicode(b, "cpu");
    pk_int(b, (int64_t)t->storage_numel);
    if (legacy) {
        tb_u8(b, 'N');
    }
    tb_u8(b, 't');
    tb_u8(b, 'Q');
    pk_int(b, (int64_t)t->offset);
    pk_dims(b, t->rank, t->shape);
    pk_dims(b, t->rank, stride);
    tb_u8(b, 0x89);
    pk_ordered_dict(b);
    tb_u8(b, 't');
    tb_u8(b, 'R');
}

void pk_state_dict(tbuf_t *b, const test_tensor_t *t, size_t n, bool legacy) {
    pk_proto(b);
    pk_ordered_dict(b);
    tb_u8(b, '(');
    for (size_t i = 0; i < n; i++) {
        pk_tensor(b, &t[i], legacy);
    }
    tb_u8(b, 'u');
    tb_u8(b, '.');
}

void legacy_file(tbuf_t *out, const tbuf_t *state, const char *const *keys, const uint64_t *numel,
                 const uint32_t *elem_size, size_t n_keys) {
    static const uint8_t magic[10] = {0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19};
    pk_proto(out);
    tb_u8(out, 0x8a);
    tb_u8(out, 10);
    tb_bytes(out, magic, sizeof(magic));
    tb_u8(out, '.');

    pk_proto(out);
    pk_int(out, 1001);
    tb_u8(out, '.');

    pk_proto(out);
    tb_u8(out, '}');
    tb_u8(out, '(');
    pk_unicode(out, "protocol_version");
    pk_int(out, 1001);
    pk_unicode(out, "little_endian");
    tb_u8(out, 0x88);
    tb_u8(out, 'u');
    tb_u8(out, '.');

    tb_bytes(out, state->p, state->n);

    pk_proto(out);
    tb_u8(out, ']');
    tb_u8(out, '(');
    for (size_t i = 0; i < n_keys; i++) {
        pk_unicode(out, keys[i]);
    }
    tb_u8(out, 'e');
    tb_u8(out, '.');

    for (size_t i = 0; i < n_keys; i++) {
        tb_u64(out, numel[i]);
        for (uint64_t j = 0; j < numel[i] * elem_size[i]; j++) {
            tb_u8(out, (uint8_t)(j * 7));
        }
    }
}

/* ---- Zip ---- */

static void zip_local(tbuf_t *out, const tzip_entry_t *e, bool zip64) {
    const char *name = e->local_name ? e->local_name : e->name;
    tb_u32(out, 0x04034b50);
    tb_u16(out, zip64 ? 45 : 20);
    tb_u16(out, e->flags);
    tb_u16(out, e->method);
    tb_u32(out, 0); /* time, date */
    tb_u32(out, 0); /* crc: vkgpt does not check it */
    tb_u32(out, zip64 ? 0xffffffffu : (uint32_t)e->size);
    tb_u32(out, zip64 ? 0xffffffffu : (uint32_t)e->size);
    tb_u16(out, (uint16_t)strlen(name));
    tb_u16(out, zip64 ? 20 : 0);
    tb_str(out, name);
    if (zip64) {
        tb_u16(out, 1);
        tb_u16(out, 16);
        tb_u64(out, e->size);
        tb_u64(out, e->size);
    }
    tb_bytes(out, e->data, e->size);
}

static void zip_central(tbuf_t *out, const tzip_entry_t *e, uint64_t local, const tzip_opts_t *o) {
    uint64_t size = e->size + e->size_claim_delta;
    uint64_t offset = (uint64_t)((int64_t)local + e->local_offset_delta);
    tb_u32(out, 0x02014b50);
    tb_u16(out, o->zip64 ? 45 : 20);
    tb_u16(out, o->zip64 ? 45 : 20);
    tb_u16(out, e->flags);
    tb_u16(out, e->method);
    tb_u32(out, 0);
    tb_u32(out, 0);
    tb_u32(out, o->zip64 ? 0xffffffffu : (uint32_t)size);
    tb_u32(out, o->zip64 ? 0xffffffffu : (uint32_t)size);
    tb_u16(out, (uint16_t)strlen(e->name));
    tb_u16(out, o->zip64 ? (o->zip64_bad_extra ? 12 : 28) : 0);
    tb_u16(out, 0); /* comment */
    tb_u16(out, 0); /* disk */
    tb_u16(out, 0);
    tb_u32(out, 0);
    tb_u32(out, o->zip64 ? 0xffffffffu : (uint32_t)offset);
    tb_str(out, e->name);
    if (o->zip64) {
        tb_u16(out, 1);
        tb_u16(out, o->zip64_bad_extra ? 8 : 24);
        tb_u64(out, size);
        if (!o->zip64_bad_extra) {
            tb_u64(out, size);
            tb_u64(out, offset);
        }
    }
}

static void zip_end(tbuf_t *out, size_t n, uint64_t cd_start, uint64_t cd_size,
                    const tzip_opts_t *o) {
    uint64_t cd_offset = (uint64_t)((int64_t)cd_start + o->cd_offset_delta);
    if (o->zip64) {
        uint64_t rec = out->n;
        tb_u32(out, 0x06064b50);
        tb_u64(out, 44);
        tb_u16(out, 45);
        tb_u16(out, 45);
        tb_u32(out, 0);
        tb_u32(out, 0);
        tb_u64(out, n);
        tb_u64(out, n);
        tb_u64(out, cd_size);
        tb_u64(out, cd_offset);
        tb_u32(out, 0x07064b50);
        tb_u32(out, 0);
        tb_u64(out, o->zip64_bad_record ? rec + 4096 : rec);
        tb_u32(out, 1);
    }
    bool ffff = o->zip64 || o->count_ffff;
    tb_u32(out, 0x06054b50);
    tb_u16(out, 0);
    tb_u16(out, 0);
    tb_u16(out, ffff ? 0xffff : (uint16_t)n);
    tb_u16(out, ffff ? 0xffff : (uint16_t)n);
    tb_u32(out, o->zip64 ? 0xffffffffu : (uint32_t)cd_size);
    tb_u32(out, o->zip64 ? 0xffffffffu : (uint32_t)cd_offset);
    tb_u16(out, 0);
}

void tzip_build(tbuf_t *out, const tzip_entry_t *e, size_t n, const tzip_opts_t *opts) {
    static const tzip_opts_t none = {0};
    const tzip_opts_t *o = opts ? opts : &none;
    uint64_t local[64];
    cr_assert(n <= 64);
    for (size_t i = 0; i < n; i++) {
        local[i] = out->n;
        zip_local(out, &e[i], o->zip64);
    }
    uint64_t cd_start = out->n;
    for (size_t i = 0; i < n; i++) {
        zip_central(out, &e[i], local[i], o);
    }
    zip_end(out, n, cd_start, out->n - cd_start, o);
}

static uint32_t storage_elem_size(const char *storage) {
    if (strcmp(storage, "HalfStorage") == 0 || strcmp(storage, "BFloat16Storage") == 0) {
        return 2;
    }
    if (strcmp(storage, "BoolStorage") == 0 || strcmp(storage, "ByteStorage") == 0) {
        return 1;
    }
    return 4;
}

void torch_zip(tbuf_t *out, const tbuf_t *pickle, const test_tensor_t *t, size_t n) {
    tzip_entry_t e[32] = {{.name = "archive/data.pkl", .data = pickle->p, .size = pickle->n}};
    static char names[32][64];
    static uint8_t data[32][4096];
    size_t k = 1;
    cr_assert(n < 31);
    for (size_t i = 0; i < n; i++) {
        bool seen = false;
        for (size_t j = 0; j < i; j++) {
            seen |= strcmp(t[j].key, t[i].key) == 0;
        }
        if (seen) {
            continue;
        }
        size_t bytes = t[i].storage_numel * storage_elem_size(t[i].storage);
        cr_assert(bytes <= sizeof(data[0]));
        for (size_t j = 0; j < bytes; j++) {
            data[k][j] = (uint8_t)(j * 13 + i);
        }
        snprintf(names[k], sizeof(names[k]), "archive/data/%s", t[i].key);
        e[k] = (tzip_entry_t){.name = names[k], .data = data[k], .size = bytes};
        k++;
    }
    e[k++] = (tzip_entry_t){.name = "archive/version", .data = "3\n", .size = 2};
    tzip_build(out, e, k, NULL);
}

/* ---- Files ---- */

static char tmp_dir[64];
static char *written[256];
static size_t n_written;

void t_setup(void) {
    snprintf(tmp_dir, sizeof(tmp_dir), "/tmp/vkgpt-format-XXXXXX");
    cr_assert_not_null(mkdtemp(tmp_dir));
}

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw) {
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

void t_teardown(void) {
    nftw(tmp_dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    for (size_t i = 0; i < n_written; i++) {
        free(written[i]);
    }
    n_written = 0;
}

const char *t_dir(void) {
    return tmp_dir;
}

const char *t_write(const char *name, const void *data, size_t n) {
    char path[512];
    const char *slash = strchr(name, '/');
    if (slash) {
        snprintf(path, sizeof(path), "%s/%.*s", tmp_dir, (int)(slash - name), name);
        mkdir(path, 0700);
    }
    snprintf(path, sizeof(path), "%s/%s", tmp_dir, name);
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f, "cannot write %s", path);
    cr_assert_eq(fwrite(data, 1, n, f), n);
    fclose(f);
    cr_assert(n_written < 256);
    written[n_written] = strdup(path);
    return written[n_written++];
}

const char *t_write_buf(const char *name, const tbuf_t *b) {
    return t_write(name, b->p, b->n);
}

const char *t_fixture(const char *rel) {
    const char *root = getenv("VKGPT_SOURCE_ROOT");
    char path[1024];
    cr_assert_not_null(root, "VKGPT_SOURCE_ROOT is not set (run through meson test)");
    snprintf(path, sizeof(path), "%s/tests/fixtures/%s", root, rel);
    cr_assert(n_written < 256);
    written[n_written] = strdup(path);
    return written[n_written++];
}

void expect_reject(const char *path, vkgpt_status_t status, const char *detail) {
    vkgpt__weights_t *w = (vkgpt__weights_t *)1;
    vkgpt__error_t err = {0};
    vkgpt_status_t st = vkgpt__weights_open(path, &w, &err);
    const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    cr_assert_eq(st, status, "%s: expected %s, got %s: %s", base, vkgpt_status_name(status),
                 vkgpt_status_name(st), err.message);
    cr_assert_null(w);
    cr_assert_eq(err.status, status);
    cr_assert_not_null(strstr(err.message, base), "message does not name '%s': %s", base,
                       err.message);
    cr_assert_not_null(strstr(err.message, detail), "message lacks '%s': %s", detail, err.message);
}

vkgpt__weights_t *expect_open(const char *path) {
    vkgpt__weights_t *w = NULL;
    vkgpt__error_t err = {0};
    vkgpt_status_t st = vkgpt__weights_open(path, &w, &err);
    cr_assert_eq(st, VKGPT_OK, "%s: %s", path, err.message);
    cr_assert_not_null(w);
    return w;
}
