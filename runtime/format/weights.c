/* weights.c: opening a model folder or weight file, the sorted tensor table, and lookups.
 *
 * The readers (safetensors.c, torch_bin.c, shards.c) validate their own containers and call
 * vkgpt__weights_add() for each tensor; this file owns everything they share: the mappings,
 * the name strings, the checks every format needs (dtype, size, duplicates) and the choice of
 * which file in a folder to read. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "format/weights_internal.h"

/* ---- Mapped files ---- */

vkgpt_status_t vkgpt__mapped_file_open(const char *path, vkgpt__mapped_file_t *mf,
                                       vkgpt__error_t *err) {
    memset(mf, 0, sizeof(*mf));
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return vkgpt__error_set(err, VKGPT_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    }

    vkgpt_status_t st = VKGPT_OK;
    struct stat sb;
    if (fstat(fd, &sb) != 0) {
        st = vkgpt__error_set(err, VKGPT_ERR_IO, "%s: cannot stat: %s", path, strerror(errno));
        goto done;
    }
    if (!S_ISREG(sb.st_mode)) {
        st = vkgpt__error_set(err, VKGPT_ERR_IO, "%s: not a regular file", path);
        goto done;
    }
    if ((uint64_t)sb.st_size > (uint64_t)SIZE_MAX) {
        st = vkgpt__error_set(err, VKGPT_ERR_UNSUPPORTED,
                              "%s: %lld bytes do not fit this process's address space", path,
                              (long long)sb.st_size);
        goto done;
    }

    /* mmap of length 0 fails; an empty file keeps data == NULL and the readers report it as
     * too short. */
    if (sb.st_size > 0) {
        void *p = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (p == MAP_FAILED) {
            st = vkgpt__error_set(err, VKGPT_ERR_IO, "%s: cannot map %lld bytes: %s", path,
                                  (long long)sb.st_size, strerror(errno));
            goto done;
        }
        mf->data = p;
    }
    mf->size = (uint64_t)sb.st_size;
    mf->path = strdup(path);
    if (!mf->path) {
        vkgpt__mapped_file_close(mf);
        st = vkgpt__error_set(err, VKGPT_ERR_OUT_OF_HOST_MEMORY, "%s: out of memory", path);
    }

done:
    close(fd);
    return st;
}

void vkgpt__mapped_file_close(vkgpt__mapped_file_t *mf) {
    if (mf->data) {
        munmap((void *)mf->data, (size_t)mf->size);
    }
    free(mf->path);
    memset(mf, 0, sizeof(*mf));
}

/* ---- The tensor table ---- */

bool vkgpt__weights_is_skipped(const char *name) {
    static const char *suffixes[] = {".attn.bias", ".attn.masked_bias"};
    size_t n = strlen(name);
    for (size_t i = 0; i < VKGPT__ARRAY_LEN(suffixes); i++) {
        size_t k = strlen(suffixes[i]);
        if (n >= k && strcmp(name + n - k, suffixes[i]) == 0) {
            return true;
        }
    }
    return false;
}

bool vkgpt__shape_bytes(uint32_t rank, const uint64_t *shape, uint64_t elem_size, uint64_t *numel,
                        uint64_t *bytes) {
    uint64_t n = 1;
    for (uint32_t i = 0; i < rank; i++) {
        if (vkgpt__mul_overflow_u64(n, shape[i], &n)) {
            return false;
        }
    }
    *numel = n;
    return !vkgpt__mul_overflow_u64(n, elem_size, bytes);
}

static vkgpt_status_t grow(void **items, size_t *cap, size_t need, size_t item_size) {
    if (need <= *cap) {
        return VKGPT_OK;
    }
    size_t new_cap = *cap ? *cap : 16;
    while (new_cap < need) {
        if (vkgpt__mul_overflow(new_cap, 2, &new_cap)) {
            return VKGPT_ERR_OUT_OF_HOST_MEMORY;
        }
    }
    size_t bytes;
    if (vkgpt__mul_overflow(new_cap, item_size, &bytes)) {
        return VKGPT_ERR_OUT_OF_HOST_MEMORY;
    }
    void *p = realloc(*items, bytes);
    if (!p) {
        return VKGPT_ERR_OUT_OF_HOST_MEMORY;
    }
    *items = p;
    *cap = new_cap;
    return VKGPT_OK;
}

vkgpt_status_t vkgpt__weights_add(vkgpt__weights_t *w, const char *file, const char *name,
                                  const vkgpt__file_dtype_t *dt, uint32_t rank,
                                  const uint64_t *shape, const void *data, vkgpt__error_t *err) {
    if (vkgpt__weights_is_skipped(name)) {
        return VKGPT_OK;
    }
    if (dt->dtype == VKGPT__DTYPE_OTHER) {
        return vkgpt__error_set(err, VKGPT_ERR_UNSUPPORTED,
                                "%s: tensor '%s' has element type %s; vkgpt reads F32, F16 "
                                "and BF16 weights",
                                file, name, dt->name);
    }
    if (rank > VKGPT__MAX_RANK) {
        return vkgpt__error_set(err, VKGPT_ERR_UNSUPPORTED,
                                "%s: tensor '%s' has rank %u (at most %d)", file, name, rank,
                                VKGPT__MAX_RANK);
    }

    vkgpt__tensor_view_t t = {.dtype = (vkgpt__dtype_t)dt->dtype, .rank = rank, .data = data};
    memcpy(t.shape, shape, rank * sizeof(uint64_t));
    if (!vkgpt__shape_bytes(rank, shape, dt->size, &t.numel, &t.nbytes)) {
        return vkgpt__error_set(err, VKGPT_ERR_BAD_FORMAT, "%s: tensor '%s': size overflows", file,
                                name);
    }

    if (grow((void **)&w->tensors, &w->cap_tensors, w->n_tensors + 1, sizeof(t)) != VKGPT_OK ||
        !(t.name = strdup(name))) {
        return vkgpt__error_set(err, VKGPT_ERR_OUT_OF_HOST_MEMORY, "%s: out of memory", file);
    }
    w->tensors[w->n_tensors++] = t;
    return VKGPT_OK;
}

vkgpt_status_t vkgpt__weights_keep_file(vkgpt__weights_t *w, vkgpt__mapped_file_t *mf,
                                        const vkgpt__mapped_file_t **kept, vkgpt__error_t *err) {
    if (grow((void **)&w->files, &w->cap_files, w->n_files + 1, sizeof(*mf)) != VKGPT_OK) {
        return vkgpt__error_set(err, VKGPT_ERR_OUT_OF_HOST_MEMORY, "%s: out of memory", mf->path);
    }
    w->files[w->n_files] = *mf;
    memset(mf, 0, sizeof(*mf));
    *kept = &w->files[w->n_files++];
    return VKGPT_OK;
}

static int compare_views(const void *a, const void *b) {
    return strcmp(((const vkgpt__tensor_view_t *)a)->name, ((const vkgpt__tensor_view_t *)b)->name);
}

vkgpt_status_t vkgpt__weights_finish(vkgpt__weights_t *w, vkgpt__error_t *err) {
    if (w->n_tensors > 1) {
        qsort(w->tensors, w->n_tensors, sizeof(w->tensors[0]), compare_views);
    }
    for (size_t i = 1; i < w->n_tensors; i++) {
        if (strcmp(w->tensors[i - 1].name, w->tensors[i].name) == 0) {
            return vkgpt__error_set(err, VKGPT_ERR_BAD_FORMAT, "%s: duplicate tensor name '%s'",
                                    w->path, w->tensors[i].name);
        }
    }
    return VKGPT_OK;
}

/* ---- Choosing and opening files ---- */

char *vkgpt__path_join(const char *dir, const char *name) {
    size_t a = strlen(dir), b = strlen(name);
    char *p = malloc(a + b + 2);
    if (p) {
        bool slash = a > 0 && dir[a - 1] == '/';
        memcpy(p, dir, a);
        if (!slash) {
            p[a++] = '/';
        }
        memcpy(p + a, name, b + 1);
    }
    return p;
}

static bool ends_with(const char *s, const char *suffix) {
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

/* PyTorch's legacy format starts with pickle protocol 2 and a LONG1 magic number; the zip
 * format with a local file header. A tar archive (PyTorch before 0.4) goes to the legacy
 * reader, which names it. */
static vkgpt__weights_format_t sniff_format(const vkgpt__mapped_file_t *mf) {
    if (mf->size >= 4 && memcmp(mf->data, "PK\x03\x04", 4) == 0) {
        return VKGPT__WEIGHTS_TORCH_ZIP;
    }
    if ((mf->size >= 2 && mf->data[0] == 0x80 && mf->data[1] == 0x02) ||
        (mf->size >= 262 && memcmp(mf->data + 257, "ustar", 5) == 0)) {
        return VKGPT__WEIGHTS_TORCH_LEGACY;
    }
    return VKGPT__WEIGHTS_SAFETENSORS;
}

vkgpt_status_t vkgpt__weights_read_file(vkgpt__weights_t *w, const char *path,
                                        vkgpt__error_t *err) {
    vkgpt__mapped_file_t mf;
    vkgpt_status_t st = vkgpt__mapped_file_open(path, &mf, err);
    if (st != VKGPT_OK) {
        return st;
    }
    const vkgpt__mapped_file_t *kept;
    st = vkgpt__weights_keep_file(w, &mf, &kept, err);
    if (st != VKGPT_OK) {
        vkgpt__mapped_file_close(&mf);
        return st;
    }

    /* A .safetensors name is trusted over the content, so that a corrupt header is reported
     * as a safetensors problem rather than as an unknown format. */
    w->format = ends_with(path, ".safetensors") ? VKGPT__WEIGHTS_SAFETENSORS : sniff_format(kept);
    switch (w->format) {
    case VKGPT__WEIGHTS_TORCH_ZIP:
        return vkgpt__torch_zip_read(w, kept, err);
    case VKGPT__WEIGHTS_TORCH_LEGACY:
        return vkgpt__torch_legacy_read(w, kept, err);
    default:
        return vkgpt__safetensors_read(w, kept, err);
    }
}

static bool is_file(const char *path) {
    struct stat sb;
    return stat(path, &sb) == 0 && S_ISREG(sb.st_mode);
}

/* For a folder, picks the weight file the way Hugging Face does: safetensors first, then the
 * PyTorch file, each single before sharded. Returns a new string or NULL with err set. */
static char *choose_in_folder(const char *dir, vkgpt__error_t *err) {
    static const char *names[] = {"model.safetensors", "model.safetensors.index.json",
                                  "pytorch_model.bin", "pytorch_model.bin.index.json"};
    for (size_t i = 0; i < VKGPT__ARRAY_LEN(names); i++) {
        char *p = vkgpt__path_join(dir, names[i]);
        if (!p) {
            vkgpt__error_set(err, VKGPT_ERR_OUT_OF_HOST_MEMORY, "%s: out of memory", dir);
            return NULL;
        }
        if (is_file(p)) {
            return p;
        }
        free(p);
    }
    vkgpt__error_set(err, VKGPT_ERR_IO,
                     "%s: no weights found (looked for model.safetensors, "
                     "model.safetensors.index.json, pytorch_model.bin, "
                     "pytorch_model.bin.index.json)",
                     dir);
    return NULL;
}

static vkgpt_status_t resolve_path(const char *path, char **out, vkgpt__error_t *err) {
    struct stat sb;
    if (stat(path, &sb) != 0) {
        return vkgpt__error_set(err, VKGPT_ERR_IO, "%s: %s", path, strerror(errno));
    }
    *out = S_ISDIR(sb.st_mode) ? choose_in_folder(path, err) : strdup(path);
    if (!*out) {
        return err && err->status != VKGPT_OK
                   ? err->status
                   : vkgpt__error_set(err, VKGPT_ERR_OUT_OF_HOST_MEMORY, "out of memory");
    }
    return VKGPT_OK;
}

vkgpt_status_t vkgpt__weights_open(const char *path, vkgpt__weights_t **out, vkgpt__error_t *err) {
    *out = NULL;
    if (err) {
        vkgpt__error_clear(err);
    }
    vkgpt__weights_t *w = calloc(1, sizeof(*w));
    if (!w) {
        return vkgpt__error_set(err, VKGPT_ERR_OUT_OF_HOST_MEMORY, "%s: out of memory", path);
    }

    vkgpt_status_t st = resolve_path(path, &w->path, err);
    if (st == VKGPT_OK) {
        st = ends_with(w->path, ".index.json") ? vkgpt__shards_read(w, w->path, err)
                                               : vkgpt__weights_read_file(w, w->path, err);
    }
    if (st == VKGPT_OK) {
        st = vkgpt__weights_finish(w, err);
    }
    if (st != VKGPT_OK) {
        vkgpt__weights_close(w);
        return st;
    }
    VKGPT_LOGD("%s: %zu tensors (%s)", w->path, w->n_tensors,
               vkgpt__weights_format_name(w->format));
    *out = w;
    return VKGPT_OK;
}

void vkgpt__weights_close(vkgpt__weights_t *w) {
    if (!w) {
        return;
    }
    for (size_t i = 0; i < w->n_tensors; i++) {
        free((char *)w->tensors[i].name);
    }
    for (size_t i = 0; i < w->n_files; i++) {
        vkgpt__mapped_file_close(&w->files[i]);
    }
    free(w->tensors);
    free(w->files);
    free(w->path);
    free(w);
}

/* ---- Queries ---- */

size_t vkgpt__weights_count(const vkgpt__weights_t *w) {
    return w->n_tensors;
}

const vkgpt__tensor_view_t *vkgpt__weights_at(const vkgpt__weights_t *w, size_t index) {
    return index < w->n_tensors ? &w->tensors[index] : NULL;
}

const vkgpt__tensor_view_t *vkgpt__weights_find(const vkgpt__weights_t *w, const char *name) {
    vkgpt__tensor_view_t key = {.name = name};
    return bsearch(&key, w->tensors, w->n_tensors, sizeof(key), compare_views);
}

const vkgpt__tensor_view_t *vkgpt__weights_find_gpt2(const vkgpt__weights_t *w, const char *name) {
    static const char prefix[] = "transformer.";
    const size_t k = sizeof(prefix) - 1;

    const vkgpt__tensor_view_t *t = vkgpt__weights_find(w, name);
    if (t) {
        return t;
    }
    if (strncmp(name, prefix, k) == 0) {
        return vkgpt__weights_find(w, name + k);
    }

    /* Names are short ("h.47.mlp.c_proj.weight"); a longer one cannot be in a GPT-2 file. */
    char buf[256];
    int n = snprintf(buf, sizeof(buf), "%s%s", prefix, name);
    if (n < 0 || (size_t)n >= sizeof(buf)) {
        return NULL;
    }
    return vkgpt__weights_find(w, buf);
}

static void format_shape(char *buf, size_t size, uint32_t rank, const uint64_t *shape) {
    size_t used = (size_t)snprintf(buf, size, "[");
    for (uint32_t i = 0; i < rank && used < size; i++) {
        used += (size_t)snprintf(buf + used, size - used, "%s%llu", i ? ", " : "",
                                 (unsigned long long)shape[i]);
    }
    if (used < size) {
        snprintf(buf + used, size - used, "]");
    }
}

vkgpt_status_t vkgpt__weights_require(const vkgpt__weights_t *w, const char *name, uint32_t rank,
                                      const uint64_t *shape, const vkgpt__tensor_view_t **out,
                                      vkgpt__error_t *err) {
    const vkgpt__tensor_view_t *t = vkgpt__weights_find_gpt2(w, name);
    *out = NULL;
    if (!t) {
        return vkgpt__error_set(err, VKGPT_ERR_BAD_FORMAT, "%s: tensor '%s' is missing", w->path,
                                name);
    }
    bool same = t->rank == rank;
    for (uint32_t i = 0; same && i < rank; i++) {
        same = t->shape[i] == shape[i];
    }
    if (!same) {
        char found[160], want[160];
        format_shape(found, sizeof(found), t->rank, t->shape);
        format_shape(want, sizeof(want), rank, shape);
        return vkgpt__error_set(err, VKGPT_ERR_BAD_FORMAT,
                                "%s: tensor '%s' has shape %s, expected %s", w->path, t->name,
                                found, want);
    }
    *out = t;
    return VKGPT_OK;
}

const char *vkgpt__weights_path(const vkgpt__weights_t *w) {
    return w->path;
}

vkgpt__weights_format_t vkgpt__weights_format(const vkgpt__weights_t *w) {
    return w->format;
}

const char *vkgpt__weights_format_name(vkgpt__weights_format_t format) {
    switch (format) {
    case VKGPT__WEIGHTS_SAFETENSORS:
        return "safetensors";
    case VKGPT__WEIGHTS_TORCH_ZIP:
        return "pytorch zip";
    case VKGPT__WEIGHTS_TORCH_LEGACY:
        return "pytorch legacy";
    }
    return "unknown";
}

uint64_t vkgpt__weights_total_bytes(const vkgpt__weights_t *w) {
    uint64_t total = 0;
    for (size_t i = 0; i < w->n_tensors; i++) {
        /* Saturates: many names may view one huge storage. */
        if (vkgpt__add_overflow_u64(total, w->tensors[i].nbytes, &total)) {
            return UINT64_MAX;
        }
    }
    return total;
}
