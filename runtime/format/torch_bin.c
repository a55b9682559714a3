/* torch_bin.c: pytorch_model.bin as torch.save writes a state dict, in both of its layouts.
 *
 * Zip layout (PyTorch 1.6 and later): a stored zip whose entries share one folder name
 * ("<archive>", the file's base name or "archive"): <archive>/data.pkl is the state dict
 * pickle; each storage's bytes are the entry <archive>/data/<key>; <archive>/version and, in
 * newer versions, <archive>/byteorder describe the file.
 *
 * Legacy layout (before 1.6, or _use_new_zipfile_serialization=False): five pickles in a row
 *   1. the magic number 0x1950a86a20f9469cfc6c   2. the protocol version 1001
 *   3. sys_info {"little_endian": True, ...}     4. the state dict
 *   5. the list of storage keys, sorted
 * then, for each key in that order, a little-endian u64 element count and the raw elements.
 *
 * Which layout do published ruGPT-3 files use? The bytes of the hub's files are not at hand
 * and both layouts appear in checkpoints of that period (the zip format became torch.save's
 * default in PyTorch 1.6, July 2020, when ruGPT-3 was being trained and published), so vkgpt
 * reads both rather than refuse either. The even older tar layout (PyTorch before 0.4) is
 * refused with a message that says so.
 *
 * Tensors must be contiguous, row-major views of their storage: torch.save of a state dict
 * writes them so; a transposed or strided view is refused (VKGPT_ERR_UNSUPPORTED) rather than
 * copied, and the message says how to re-save it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format/pickle.h"
#include "format/zip.h"

static const char *kind_name(vkgpt__pk_kind_t kind) {
    static const char *names[] = {"None", "bool", "int",    "int",     "str",   "tuple",
                                  "list", "dict", "global", "storage", "tensor"};
    return (size_t)kind < VKGPT__ARRAY_LEN(names) ? names[kind] : "?";
}

/* ---- Shared: checking one tensor record against its storage's bytes ---- */

static bool is_contiguous(const vkgpt__pk_value_t *t, uint64_t numel) {
    uint64_t expect = 1;
    if (numel == 0) {
        return true;
    }
    for (uint32_t i = t->u.tensor.rank; i-- > 0;) {
        if (t->u.tensor.shape[i] != 1 && t->u.tensor.stride[i] != expect) {
            return false;
        }
        expect *= t->u.tensor.shape[i]; /* bounded by numel, which did not overflow */
    }
    return true;
}

static vkgpt_status_t refuse_strided(const char *path, const char *name, const vkgpt__pk_value_t *t,
                                     vkgpt__error_t *err) {
    char strides[160];
    size_t used = 0;
    for (uint32_t i = 0; i < t->u.tensor.rank && used < sizeof(strides); i++) {
        used += (size_t)snprintf(strides + used, sizeof(strides) - used, "%s%llu", i ? ", " : "",
                                 (unsigned long long)t->u.tensor.stride[i]);
    }
    return vkgpt__error_set(err, VKGPT_ERR_UNSUPPORTED,
                            "%s: tensor '%s' is not contiguous (strides [%s]); vkgpt reads "
                            "row-major tensors only: re-save it with tensor.contiguous()",
                            path, name, t->u.tensor.rank ? strides : "");
}

/* `bytes`/`size`: where the storage's data lies and how much of it the file holds. */
static vkgpt_status_t add_tensor(vkgpt__weights_t *w, const char *path, const char *name,
                                 const vkgpt__pk_value_t *t, const uint8_t *bytes, uint64_t size,
                                 vkgpt__error_t *err) {
    const vkgpt__pk_value_t *s = t->u.tensor.storage;
    const vkgpt__file_dtype_t *dt = s->u.storage.dtype;
    uint64_t storage_bytes, numel, nbytes, end;

    if (vkgpt__mul_overflow_u64(s->u.storage.numel, dt->size, &storage_bytes) ||
        storage_bytes > size) {
        return vkgpt__error_set(err, VKGPT_ERR_BAD_FORMAT,
                                "%s: tensor '%s': storage '%s' should hold %llu elements of "
                                "%s, but the file has only %llu bytes for it",
                                path, name, s->u.storage.key,
                                (unsigned long long)s->u.storage.numel, dt->name,
                                (unsigned long long)size);
    }
    if (!vkgpt__shape_bytes(t->u.tensor.rank, t->u.tensor.shape, dt->size, &numel, &nbytes)) {
        return vkgpt__error_set(err, VKGPT_ERR_BAD_FORMAT,
                                "%s: tensor '%s': shape x element size overflows", path, name);
    }
    if (!is_contiguous(t, numel)) {
        return refuse_strided(path, name, t, err);
    }
    if (numel > 0 &&
        (vkgpt__add_overflow_u64(t->u.tensor.offset, numel, &end) || end > s->u.storage.numel)) {
        return vkgpt__error_set(err, VKGPT_ERR_BAD_FORMAT,
                                "%s: tensor '%s': elements [%llu, +%llu) run past storage '%s' "
                                "(%llu elements)",
                                path, name, (unsigned long long)t->u.tensor.offset,
                                (unsigned long long)numel, s->u.storage.key,
                                (unsigned long long)s->u.storage.numel);
    }

    /* offset * size <= storage_bytes here, so the pointer stays inside the storage. */
    const uint8_t *data = numel > 0 ? bytes + t->u.tensor.offset * dt->size : bytes;
    return vkgpt__weights_add(w, path, name, dt, t->u.tensor.rank, t->u.tensor.shape, data, err);
}

/* Where a storage key's bytes are: a zip entry or a legacy record. */
typedef vkgpt_status_t (*storage_fn)(void *ctx, const char *name, const vkgpt__pk_value_t *s,
                                     const uint8_t **bytes, uint64_t *size, vkgpt__error_t *err);

static vkgpt_status_t check_state_dict(const char *path, const char *what,
                                       const vkgpt__pk_value_t *root, vkgpt__error_t *err) {
    if (root->kind != VKGPT__PK_DICT) {
        return vkgpt__error_set(
            err, VKGPT_ERR_BAD_FORMAT,
            "%s: %s holds a value of type %s, not a state dict (a dict of tensors)", path, what,
            kind_name(root->kind));
    }
    for (size_t i = 0; i < root->u.dict.n; i++) {
        const vkgpt__pk_value_t *k = root->u.dict.kv[2 * i], *v = root->u.dict.kv[2 * i + 1];
        if (k->kind != VKGPT__PK_STR) {
            return vkgpt__error_set(err, VKGPT_ERR_BAD_FORMAT,
                                    "%s: state dict key %zu is of type %s, not str", path, i,
                                    kind_name(k->kind));
        }
        if (v->kind != VKGPT__PK_TENSOR) {
            return vkgpt__error_set(err, VKGPT_ERR_BAD_FORMAT,
                                    "%s: state dict entry '%s' is of type %s, not a tensor", path,
                                    k->u.str.chars, kind_name(v->kind));
        }
    }
    return VKGPT_OK;
}

static vkgpt_status_t add_state_dict(vkgpt__weights_t *w, const char *path,
                                     const vkgpt__pk_value_t *root, storage_fn find, void *ctx,
                                     vkgpt__error_t *err) {
    for (size_t i = 0; i < root->u.dict.n; i++) {
        const char *name = root->u.dict.kv[2 * i]->u.str.chars;
        const vkgpt__pk_value_t *t = root->u.dict.kv[2 * i + 1];
        const uint8_t *bytes = NULL;
        uint64_t size = 0;
        vkgpt_status_t st = find(ctx, name, t->u.tensor.storage, &bytes, &size, err);
        if (st == VKGPT_OK) {
            st = add_tensor(w, path, name, t, bytes, size, err);
        }
        if (st != VKGPT_OK) {
            return st;
        }
    }
    return VKGPT_OK;
}

/* ---- Zip layout ---- */

struct zip_ctx {
    const char *path;
    const vkgpt__zip_t *zip;
    char prefix[256];
};

/* The archive folder is whatever precedes "/data.pkl"; exactly one such entry must exist. */
static vkgpt_status_t find_data_pkl(struct zip_ctx *c, const vkgpt__zip_entry_t **pkl,
                                    vkgpt__error_t *err) {
    *pkl = NULL;
    for (size_t i = 0; i < c->zip->n_entries; i++) {
        const char *name = c->zip->entries[i].name;
        const char *slash = strchr(name, '/');
        if (!slash || strcmp(slash, "/data.pkl") != 0) {
            continue;
        }
        if (*pkl) {
            return vkgpt__error_set(err, VKGPT_ERR_BAD_FORMAT,
                                    "%s: zip holds more than one data.pkl ('%s', '%s')", c->path,
                                    (*pkl)->name, name);
        }
        if ((size_t)(slash - name) >= sizeof(c->prefix)) {
            return vkgpt__error_set(err, VKGPT_ERR_BAD_FORMAT,
                                    "%s: zip folder name longer than %zu bytes", c->path,
                                    sizeof(c->prefix) - 1);
        }
        memcpy(c->prefix, name, (size_t)(slash - name));
        c->prefix[slash - name] = '\0';
        *pkl = &c->zip->entries[i];
    }
    if (!*pkl) {
        return vkgpt__error_set(err, VKGPT_ERR_BAD_FORMAT,
                                "%s: zip has no '<folder>/data.pkl' entry; it is not a "
                                "torch.save file",
                                c->path);
    }
    return VKGPT_OK;
}

static vkgpt_status_t check_byteorder(const struct zip_ctx *c, vkgpt__error_t *err) {
    char name[300];
    snprintf(name, sizeof(name), "%s/byteorder", c->prefix);
    const vkgpt__zip_entry_t *e = vkgpt__zip_find(c->zip, name);
    if (e && !(e->size == 6 && memcmp(e->data, "little", 6) == 0)) {
        return vkgpt__error_set(err, VKGPT_ERR_UNSUPPORTED,
                                "%s: '%s' does not say \"little\"; vkgpt reads little-endian "
                                "files only",
                                c->path, name);
    }
    return VKGPT_OK;
}

static vkgpt_status_t zip_storage(void *ctx, const char *name, const vkgpt__pk_value_t *s,
                                  const uint8_t **bytes, uint64_t *size, vkgpt__error_t *err) {
    const struct zip_ctx *c = ctx;
    char entry[512];
    int n = snprintf(entry, sizeof(entry), "%s/data/%s", c->prefix, s->u.storage.key);
    const vkgpt__zip_entry_t *e =
        n > 0 && (size_t)n < sizeof(entry) ? vkgpt__zip_find(c->zip, entry) : NULL;
    if (!e) {
        return vkgpt__error_set(err, VKGPT_ERR_BAD_FORMAT,
                                "%s: tensor '%s' refers to storage '%.64s', but the zip has no "
                                "entry '%s/data/%.64s'",
                                c->path, name, s->u.storage.key, c->prefix, s->u.storage.key);
    }
    *bytes = e->data;
    *size = e->size;
    return VKGPT_OK;
}

vkgpt_status_t vkgpt__torch_zip_read(vkgpt__weights_t *w, const vkgpt__mapped_file_t *mf,
                                     vkgpt__error_t *err) {
    struct zip_ctx c = {.path = mf->path};
    vkgpt__zip_t zip;
    vkgpt__pickle_t pk;
    vkgpt__pickle_init(&pk, mf->path);
    const vkgpt__zip_entry_t *pkl = NULL;
    vkgpt__pk_value_t *root = NULL;
    size_t used = 0;

    vkgpt_status_t st = vkgpt__zip_open(mf->data, mf->size, mf->path, &zip, err);
    c.zip = &zip;
    if (st == VKGPT_OK) {
        st = find_data_pkl(&c, &pkl, err);
    }
    if (st == VKGPT_OK) {
        st = check_byteorder(&c, err);
    }
    if (st == VKGPT_OK) {
        st = vkgpt__pickle_load(&pk, pkl->data, (size_t)pkl->size, pkl->name, 0, &used, &root, err);
    }
    if (st == VKGPT_OK) {
        st = check_state_dict(mf->path, pkl->name, root, err);
    }
    if (st == VKGPT_OK) {
        st = add_state_dict(w, mf->path, root, zip_storage, &c, err);
    }
    vkgpt__pickle_free(&pk);
    vkgpt__zip_close(&zip);
    return st;
}

/* ---- Legacy layout ---- */

/* One storage of the legacy file: its type and size from the pickle, its bytes from the
 * record that follows the key list. */
struct legacy_storage {
    const char *key;
    const vkgpt__file_dtype_t *dt;
    uint64_t numel;
    const uint8_t *data;
    bool found;
};

struct legacy_ctx {
    const char *path;
    struct legacy_storage *s; /* sorted by key */
    size_t n;
};

static int compare_keys(const void *a, const void *b) {
    return strcmp(((const struct legacy_storage *)a)->key, ((const struct legacy_storage *)b)->key);
}

static struct legacy_storage *legacy_find(const struct legacy_ctx *c, const char *key) {
    struct legacy_storage k = {.key = key};
    return c->n ? bsearch(&k, c->s, c->n, sizeof(k), compare_keys) : NULL;
}

/* Collects the distinct storage keys the state dict uses; a key seen twice must agree on its
 * element size and count. */
static vkgpt_status_t legacy_collect(struct legacy_ctx *c, const vkgpt__pk_value_t *root,
                                     vkgpt__error_t *err) {
    c->s = calloc(root->u.dict.n + 1, sizeof(*c->s));
    if (!c->s) {
        return vkgpt__error_set(err, VKGPT_ERR_OUT_OF_HOST_MEMORY, "%s: out of memory", c->path);
    }
    for (size_t i = 0; i < root->u.dict.n; i++) {
        const vkgpt__pk_value_t *s = root->u.dict.kv[2 * i + 1]->u.tensor.storage;
        c->s[c->n++] = (struct legacy_storage){
            .key = s->u.storage.key, .dt = s->u.storage.dtype, .numel = s->u.storage.numel};
    }
    qsort(c->s, c->n, sizeof(*c->s), compare_keys);

    size_t kept = 0;
    for (size_t i = 0; i < c->n; i++) {
        struct legacy_storage *prev = kept ? &c->s[kept - 1] : NULL;
        if (!prev || strcmp(prev->key, c->s[i].key) != 0) {
            c->s[kept++] = c->s[i];
        } else if (prev->dt->size != c->s[i].dt->size || prev->numel != c->s[i].numel) {
            return vkgpt__error_set(err, VKGPT_ERR_BAD_FORMAT,
                                    "%s: storage '%s' is declared twice with different types "
                                    "or sizes",
                                    c->path, prev->key);
        }
    }
    c->n = kept;
    return VKGPT_OK;
}

static vkgpt_status_t legacy_record(struct legacy_ctx *c, const char *key, const uint8_t *data,
                                    uint64_t size, uint64_t *pos, vkgpt__error_t *err) {
    struct legacy_storage *s = legacy_find(c, key);
    if (!s || s->found) {
        return vkgpt__error_set(err, VKGPT_ERR_BAD_FORMAT,
                                "%s: storage key '%.64s' in the key list is %s", c->path, key,
                                s ? "listed twice" : "not used by any tensor");
    }
    uint64_t numel, bytes;
    if (size - *pos < 8) {
        return vkgpt__error_set(err, VKGPT_ERR_BAD_FORMAT,
                                "%s: truncated before the record of storage '%s' (byte %llu)",
                                c->path, key, (unsigned long long)*pos);
    }
    memcpy(&numel, data + *pos, 8); /* little-endian host (see dtype.c) */
    if (numel != s->numel || vkgpt__mul_overflow_u64(numel, s->dt->size, &bytes) ||
        bytes > size - *pos - 8) {
        return vkgpt__error_set(err, VKGPT_ERR_BAD_FORMAT,
                                "%s: storage '%s' at byte %llu: record of %llu elements, the "
                                "pickle declares %llu and %llu bytes remain",
                                c->path, key, (unsigned long long)*pos, (unsigned long long)numel,
                                (unsigned long long)s->numel,
                                (unsigned long long)(size - *pos - 8));
    }
    s->data = data + *pos + 8;
    s->found = true;
    *pos += 8 + bytes;
    return VKGPT_OK;
}

static vkgpt_status_t legacy_records(struct legacy_ctx *c, const vkgpt__pk_value_t *keys,
                                     const vkgpt__mapped_file_t *mf, uint64_t pos,
                                     vkgpt__error_t *err) {
    if (keys->kind != VKGPT__PK_LIST) {
        return vkgpt__error_set(err, VKGPT_ERR_BAD_FORMAT,
                                "%s: the storage key list is of type %s, not list", c->path,
                                kind_name(keys->kind));
    }
    for (size_t i = 0; i < keys->u.seq.n; i++) {
        const vkgpt__pk_value_t *k = keys->u.seq.items[i];
        vkgpt_status_t st = k->kind != VKGPT__PK_STR
                                ? vkgpt__error_set(err, VKGPT_ERR_BAD_FORMAT,
                                                   "%s: storage key %zu is not a str", c->path, i)
                                : legacy_record(c, k->u.str.chars, mf->data, mf->size, &pos, err);
        if (st != VKGPT_OK) {
            return st;
        }
    }
    for (size_t i = 0; i < c->n; i++) {
        if (!c->s[i].found) {
            return vkgpt__error_set(err, VKGPT_ERR_BAD_FORMAT,
                                    "%s: storage '%s' has no record in the file", c->path,
                                    c->s[i].key);
        }
    }
    if (pos != mf->size) {
        VKGPT_LOGW("%s: %llu bytes after the last storage record are ignored", c->path,
                   (unsigned long long)(mf->size - pos));
    }
    return VKGPT_OK;
}

static vkgpt_status_t legacy_storage_fn(void *ctx, const char *name, const vkgpt__pk_value_t *s,
                                        const uint8_t **bytes, uint64_t *size,
                                        vkgpt__error_t *err) {
    const struct legacy_storage *ls = legacy_find(ctx, s->u.storage.key);
    (void)name;
    (void)err;
    *bytes = ls->data; /* legacy_records saw every key */
    *size = ls->numel * ls->dt->size;
    return VKGPT_OK;
}

/* Checks pickles 1-3: the magic number, the protocol version, and the byte order. */
static vkgpt_status_t legacy_preamble(const vkgpt__mapped_file_t *mf, vkgpt__pk_value_t **v,
                                      vkgpt__error_t *err) {
    static const uint8_t magic[10] = {0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19};
    if (v[0]->kind != VKGPT__PK_BIGINT || v[0]->u.big.len != sizeof(magic) ||
        memcmp(v[0]->u.big.bytes, magic, sizeof(magic)) != 0) {
        return vkgpt__error_set(err, VKGPT_ERR_BAD_FORMAT,
                                "%s: first pickle is not PyTorch's magic number", mf->path);
    }
    if (v[1]->kind != VKGPT__PK_INT || v[1]->u.i != 1001) {
        return vkgpt__error_set(err, VKGPT_ERR_UNSUPPORTED,
                                "%s: legacy protocol version is not 1001", mf->path);
    }
    if (v[2]->kind != VKGPT__PK_DICT) {
        return vkgpt__error_set(err, VKGPT_ERR_BAD_FORMAT, "%s: sys_info is not a dict", mf->path);
    }
    for (size_t i = 0; i < v[2]->u.dict.n; i++) {
        const vkgpt__pk_value_t *k = v[2]->u.dict.kv[2 * i], *x = v[2]->u.dict.kv[2 * i + 1];
        if (k->kind == VKGPT__PK_STR && strcmp(k->u.str.chars, "little_endian") == 0 &&
            !(x->kind == VKGPT__PK_BOOL && x->u.b)) {
            return vkgpt__error_set(err, VKGPT_ERR_UNSUPPORTED,
                                    "%s: big-endian PyTorch file; vkgpt reads little-endian "
                                    "files only",
                                    mf->path);
        }
    }
    return VKGPT_OK;
}

static bool looks_like_tar(const vkgpt__mapped_file_t *mf) {
    return mf->size >= 262 && memcmp(mf->data + 257, "ustar", 5) == 0;
}

/* Runs the five pickles in a row; v[3] is the state dict, v[4] the key list. */
static vkgpt_status_t legacy_pickles(vkgpt__pickle_t *pk, const vkgpt__mapped_file_t *mf,
                                     vkgpt__pk_value_t **v, uint64_t *pos, vkgpt__error_t *err) {
    static const char *labels[5] = {"magic number pickle", "version pickle", "sys_info pickle",
                                    "state dict pickle", "storage key pickle"};
    *pos = 0;
    for (int i = 0; i < 5; i++) {
        size_t used = 0;
        vkgpt_status_t st = vkgpt__pickle_load(pk, mf->data + *pos, (size_t)(mf->size - *pos),
                                               labels[i], *pos, &used, &v[i], err);
        if (st == VKGPT_OK && i == 2) {
            st = legacy_preamble(mf, v, err);
        }
        if (st != VKGPT_OK) {
            return st;
        }
        *pos += used;
    }
    return VKGPT_OK;
}

vkgpt_status_t vkgpt__torch_legacy_read(vkgpt__weights_t *w, const vkgpt__mapped_file_t *mf,
                                        vkgpt__error_t *err) {
    if (looks_like_tar(mf)) {
        return vkgpt__error_set(err, VKGPT_ERR_UNSUPPORTED,
                                "%s: tar-based PyTorch file (PyTorch before 0.4); re-save it "
                                "with a current torch.save",
                                mf->path);
    }
    vkgpt__pickle_t pk;
    vkgpt__pickle_init(&pk, mf->path);
    struct legacy_ctx c = {.path = mf->path};
    vkgpt__pk_value_t *v[5] = {0};
    uint64_t pos = 0;

    vkgpt_status_t st = legacy_pickles(&pk, mf, v, &pos, err);
    if (st == VKGPT_OK) {
        st = check_state_dict(mf->path, "the state dict pickle", v[3], err);
    }
    if (st == VKGPT_OK) {
        st = legacy_collect(&c, v[3], err);
    }
    if (st == VKGPT_OK) {
        st = legacy_records(&c, v[4], mf, pos, err);
    }
    if (st == VKGPT_OK) {
        st = add_state_dict(w, mf->path, v[3], legacy_storage_fn, &c, err);
    }
    free(c.s);
    vkgpt__pickle_free(&pk);
    return st;
}
