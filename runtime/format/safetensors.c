/* safetensors.c: the safetensors container, memory-mapped and validated before any use.
 *
 * Layout: bytes [0, 8) hold N, the header length (little-endian u64); bytes [8, 8 + N) hold a
 * UTF-8 JSON object { name: {"dtype": "F32", "shape": [..], "data_offsets": [BEGIN, END]},
 * "__metadata__": {str: str} }; the rest of the file is the data section, and each tensor's
 * offsets are relative to its start.
 *
 * The checks follow the format's own rules: N at most 100,000,000; the tensors tile the data
 * section exactly (first at 0, no gap, no overlap, no trailing byte); END - BEGIN equals
 * prod(shape) * element size, computed with overflow checks; names unique. Zero-sized and
 * rank-0 tensors are valid. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "format/weights_internal.h"
#include "utf8.h"

#define ST_MAX_HEADER 100000000ull

static const vkgpt__file_dtype_t st_dtypes[] = {
    {"F32", VKGPT__DTYPE_F32, 4},       {"F16", VKGPT__DTYPE_F16, 2},
    {"BF16", VKGPT__DTYPE_BF16, 2},     {"F64", VKGPT__DTYPE_OTHER, 8},
    {"I64", VKGPT__DTYPE_OTHER, 8},     {"U64", VKGPT__DTYPE_OTHER, 8},
    {"I32", VKGPT__DTYPE_OTHER, 4},     {"U32", VKGPT__DTYPE_OTHER, 4},
    {"I16", VKGPT__DTYPE_OTHER, 2},     {"U16", VKGPT__DTYPE_OTHER, 2},
    {"I8", VKGPT__DTYPE_OTHER, 1},      {"U8", VKGPT__DTYPE_OTHER, 1},
    {"BOOL", VKGPT__DTYPE_OTHER, 1},    {"F8_E4M3", VKGPT__DTYPE_OTHER, 1},
    {"F8_E5M2", VKGPT__DTYPE_OTHER, 1}, {"F8_E8M0", VKGPT__DTYPE_OTHER, 1},
    {"C64", VKGPT__DTYPE_OTHER, 8},
};

/* One header entry after its own checks; `name` borrows the JSON key. */
struct st_entry {
    const char *name;
    const vkgpt__file_dtype_t *dt;
    uint32_t rank;
    uint64_t shape[VKGPT__MAX_RANK];
    uint64_t begin, end;
};

static uint64_t read_le64(const uint8_t *p) {
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) {
        v = (v << 8) | p[i];
    }
    return v;
}

static vkgpt_status_t check_utf8(const char *path, const uint8_t *s, uint64_t n,
                                 vkgpt__error_t *err) {
    for (uint64_t i = 0; i < n;) {
        int32_t cp;
        size_t len = vkgpt__utf8_decode(s + i, (size_t)(n - i), &cp);
        if (cp < 0) {
            return vkgpt__error_set(err, VKGPT_ERR_BAD_FORMAT,
                                    "%s: header is not valid UTF-8 (byte %llu of the file)", path,
                                    (unsigned long long)(8 + i));
        }
        i += len;
    }
    return VKGPT_OK;
}

static vkgpt_status_t parse_header(const char *path, const uint8_t *s, uint64_t n, json_t **root,
                                   vkgpt__error_t *err) {
    json_error_t jerr;
    *root = json_loadb((const char *)s, (size_t)n, JSON_REJECT_DUPLICATES, &jerr);
    if (!*root) {
        if (strstr(jerr.text, "duplicate object key")) {
            return vkgpt__error_set(err, VKGPT_ERR_BAD_FORMAT,
                                    "%s: duplicate tensor name in header (%s)", path, jerr.text);
        }
        return vkgpt__error_set(err, VKGPT_ERR_BAD_FORMAT,
                                "%s: header is not valid JSON at byte %d: %s", path,
                                8 + jerr.position, jerr.text);
    }
    if (!json_is_object(*root)) {
        json_decref(*root);
        *root = NULL;
        return vkgpt__error_set(err, VKGPT_ERR_BAD_FORMAT, "%s: header is not a JSON object", path);
    }
    return VKGPT_OK;
}

/* __metadata__ is free-form text (e.g. {"format": "pt"}); vkgpt only checks its shape. */
static vkgpt_status_t check_metadata(const char *path, json_t *meta, vkgpt__error_t *err) {
    const char *key;
    json_t *value;
    if (!json_is_object(meta)) {
        return vkgpt__error_set(err, VKGPT_ERR_BAD_FORMAT,
                                "%s: __metadata__ is not an object of strings", path);
    }
    json_object_foreach(meta, key, value) {
        if (!json_is_string(value)) {
            return vkgpt__error_set(err, VKGPT_ERR_BAD_FORMAT,
                                    "%s: __metadata__ value '%s' is not a string", path, key);
        }
    }
    return VKGPT_OK;
}

static const vkgpt__file_dtype_t *find_dtype(const char *name) {
    for (size_t i = 0; i < VKGPT__ARRAY_LEN(st_dtypes); i++) {
        if (strcmp(st_dtypes[i].name, name) == 0) {
            return &st_dtypes[i];
        }
    }
    return NULL;
}

static bool get_u64(json_t *v, uint64_t *out) {
    if (!json_is_integer(v) || json_integer_value(v) < 0) {
        return false;
    }
    *out = (uint64_t)json_integer_value(v);
    return true;
}

static vkgpt_status_t parse_dtype_shape(const char *path, json_t *obj, struct st_entry *e,
                                        vkgpt__error_t *err) {
    json_t *dtype = json_object_get(obj, "dtype");
    if (!json_is_string(dtype)) {
        return vkgpt__error_set(err, VKGPT_ERR_BAD_FORMAT,
                                "%s: tensor '%s': 'dtype' is missing or not a string", path,
                                e->name);
    }
    e->dt = find_dtype(json_string_value(dtype));
    if (!e->dt) {
        return vkgpt__error_set(err, VKGPT_ERR_BAD_FORMAT, "%s: tensor '%s' has unknown dtype '%s'",
                                path, e->name, json_string_value(dtype));
    }

    json_t *shape = json_object_get(obj, "shape");
    if (!json_is_array(shape)) {
        return vkgpt__error_set(err, VKGPT_ERR_BAD_FORMAT,
                                "%s: tensor '%s': 'shape' is missing or not an array", path,
                                e->name);
    }
    if (json_array_size(shape) > VKGPT__MAX_RANK) {
        return vkgpt__error_set(err, VKGPT_ERR_UNSUPPORTED,
                                "%s: tensor '%s' has rank %zu (at most %d)", path, e->name,
                                json_array_size(shape), VKGPT__MAX_RANK);
    }
    e->rank = (uint32_t)json_array_size(shape);
    for (uint32_t i = 0; i < e->rank; i++) {
        if (!get_u64(json_array_get(shape, i), &e->shape[i])) {
            return vkgpt__error_set(err, VKGPT_ERR_BAD_FORMAT,
                                    "%s: tensor '%s': shape[%u] is not a non-negative integer",
                                    path, e->name, i);
        }
    }
    return VKGPT_OK;
}

static vkgpt_status_t parse_offsets(const char *path, json_t *obj, uint64_t data_size,
                                    struct st_entry *e, vkgpt__error_t *err) {
    json_t *offs = json_object_get(obj, "data_offsets");
    if (!json_is_array(offs) || json_array_size(offs) != 2 ||
        !get_u64(json_array_get(offs, 0), &e->begin) ||
        !get_u64(json_array_get(offs, 1), &e->end)) {
        return vkgpt__error_set(err, VKGPT_ERR_BAD_FORMAT,
                                "%s: tensor '%s': 'data_offsets' must be [BEGIN, END] with "
                                "non-negative integers",
                                path, e->name);
    }
    if (e->end < e->begin) {
        return vkgpt__error_set(err, VKGPT_ERR_BAD_FORMAT,
                                "%s: tensor '%s': data_offsets END %llu < BEGIN %llu", path,
                                e->name, (unsigned long long)e->end, (unsigned long long)e->begin);
    }
    if (e->end > data_size) {
        return vkgpt__error_set(err, VKGPT_ERR_BAD_FORMAT,
                                "%s: tensor '%s': data_offsets END %llu is past the end of the "
                                "data section (%llu bytes)",
                                path, e->name, (unsigned long long)e->end,
                                (unsigned long long)data_size);
    }
    return VKGPT_OK;
}

static vkgpt_status_t parse_entry(const char *path, json_t *obj, uint64_t data_size,
                                  struct st_entry *e, vkgpt__error_t *err) {
    if (!json_is_object(obj)) {
        return vkgpt__error_set(err, VKGPT_ERR_BAD_FORMAT,
                                "%s: tensor '%s': header entry is not an object", path, e->name);
    }
    vkgpt_status_t st = parse_dtype_shape(path, obj, e, err);
    if (st == VKGPT_OK) {
        st = parse_offsets(path, obj, data_size, e, err);
    }
    if (st != VKGPT_OK) {
        return st;
    }

    uint64_t numel, bytes;
    if (!vkgpt__shape_bytes(e->rank, e->shape, e->dt->size, &numel, &bytes)) {
        return vkgpt__error_set(err, VKGPT_ERR_BAD_FORMAT,
                                "%s: tensor '%s': shape x dtype size overflows 64 bits", path,
                                e->name);
    }
    if (bytes != e->end - e->begin) {
        return vkgpt__error_set(err, VKGPT_ERR_BAD_FORMAT,
                                "%s: tensor '%s': data_offsets hold %llu bytes but shape x "
                                "%s needs %llu",
                                path, e->name, (unsigned long long)(e->end - e->begin), e->dt->name,
                                (unsigned long long)bytes);
    }
    return VKGPT_OK;
}

static int compare_ranges(const void *a, const void *b) {
    const struct st_entry *x = a, *y = b;
    if (x->begin != y->begin) {
        return x->begin < y->begin ? -1 : 1;
    }
    return x->end < y->end ? -1 : (x->end > y->end);
}

/* The tensors must tile [0, data_size) exactly; entries are sorted by (BEGIN, END), so a
 * zero-sized tensor sits before a non-empty one at the same offset. */
static vkgpt_status_t check_layout(const char *path, struct st_entry *e, size_t n,
                                   uint64_t data_size, vkgpt__error_t *err) {
    qsort(e, n, sizeof(*e), compare_ranges);
    uint64_t pos = 0;
    for (size_t i = 0; i < n; i++) {
        if (e[i].begin < pos) {
            return vkgpt__error_set(err, VKGPT_ERR_BAD_FORMAT,
                                    "%s: tensors '%s' and '%s' overlap (data offset %llu)", path,
                                    e[i - 1].name, e[i].name, (unsigned long long)e[i].begin);
        }
        if (e[i].begin > pos) {
            return vkgpt__error_set(err, VKGPT_ERR_BAD_FORMAT,
                                    i == 0 ? "%s: the first tensor, '%s', starts at data offset "
                                             "%llu instead of 0"
                                           : "%s: gap before tensor '%s' (data offset %llu)",
                                    path, e[i].name, (unsigned long long)e[i].begin);
        }
        pos = e[i].end;
    }
    if (pos != data_size) {
        return vkgpt__error_set(err, VKGPT_ERR_BAD_FORMAT,
                                "%s: %llu trailing bytes after the last tensor", path,
                                (unsigned long long)(data_size - pos));
    }
    return VKGPT_OK;
}

static vkgpt_status_t collect_entries(const char *path, json_t *root, uint64_t data_size,
                                      struct st_entry *entries, size_t *n, vkgpt__error_t *err) {
    const char *key;
    json_t *value;
    *n = 0;
    json_object_foreach(root, key, value) {
        vkgpt_status_t st;
        if (strcmp(key, "__metadata__") == 0) {
            st = check_metadata(path, value, err);
        } else {
            entries[*n].name = key;
            st = parse_entry(path, value, data_size, &entries[*n], err);
            (*n)++;
        }
        if (st != VKGPT_OK) {
            return st;
        }
    }
    return check_layout(path, entries, *n, data_size, err);
}

/* Checks the 8-byte length prefix; on success [8, 8 + *n) is the header. */
static vkgpt_status_t check_prefix(const vkgpt__mapped_file_t *mf, uint64_t *n,
                                   vkgpt__error_t *err) {
    if (mf->size < 8) {
        return vkgpt__error_set(err, VKGPT_ERR_BAD_FORMAT,
                                "%s: file is %llu bytes, too short for the 8-byte safetensors "
                                "header length",
                                mf->path, (unsigned long long)mf->size);
    }
    *n = read_le64(mf->data);
    uint64_t end;
    if (*n > ST_MAX_HEADER) {
        return vkgpt__error_set(err, VKGPT_ERR_BAD_FORMAT,
                                "%s: header length %llu exceeds the limit of %llu bytes", mf->path,
                                (unsigned long long)*n, ST_MAX_HEADER);
    }
    if (vkgpt__add_overflow_u64(8, *n, &end) || end > mf->size) {
        return vkgpt__error_set(err, VKGPT_ERR_BAD_FORMAT,
                                "%s: header length %llu runs past the end of the file "
                                "(%llu bytes)",
                                mf->path, (unsigned long long)*n, (unsigned long long)mf->size);
    }
    return VKGPT_OK;
}

vkgpt_status_t vkgpt__safetensors_read(vkgpt__weights_t *w, const vkgpt__mapped_file_t *mf,
                                       vkgpt__error_t *err) {
    uint64_t n = 0;
    vkgpt_status_t st = check_prefix(mf, &n, err);
    if (st == VKGPT_OK) {
        st = check_utf8(mf->path, mf->data + 8, n, err);
    }
    json_t *root = NULL;
    if (st == VKGPT_OK) {
        st = parse_header(mf->path, mf->data + 8, n, &root, err);
    }
    if (st != VKGPT_OK) {
        return st;
    }

    const uint8_t *data = mf->data + 8 + n;
    uint64_t data_size = mf->size - 8 - n;
    size_t count = 0;
    struct st_entry *entries = calloc(json_object_size(root) + 1, sizeof(*entries));
    if (!entries) {
        st = vkgpt__error_set(err, VKGPT_ERR_OUT_OF_HOST_MEMORY, "%s: out of memory", mf->path);
        goto done;
    }
    st = collect_entries(mf->path, root, data_size, entries, &count, err);

    for (size_t i = 0; st == VKGPT_OK && i < count; i++) {
        const struct st_entry *e = &entries[i];
        st = vkgpt__weights_add(w, mf->path, e->name, e->dt, e->rank, e->shape, data + e->begin,
                                err);
    }

done:
    free(entries);
    json_decref(root);
    return st;
}
