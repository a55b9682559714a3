/* weights_internal.h: what the format readers (safetensors.c, torch_bin.c, shards.c) share
 * with weights.c: the mapped file, the weights object's fields and the one call through which a
 * reader adds a tensor. */
#ifndef VKGPT_FORMAT_WEIGHTS_INTERNAL_H
#define VKGPT_FORMAT_WEIGHTS_INTERNAL_H

#include "format/weights.h"

/* A read-only private mapping of a whole file. An empty file has data == NULL, size == 0. */
typedef struct vkgpt__mapped_file {
    char *path;
    const uint8_t *data;
    uint64_t size;
} vkgpt__mapped_file_t;

vkgpt_status_t vkgpt__mapped_file_open(const char *path, vkgpt__mapped_file_t *mf,
                                       vkgpt__error_t *err);
void vkgpt__mapped_file_close(vkgpt__mapped_file_t *mf);

struct vkgpt__weights {
    char *path;
    vkgpt__weights_format_t format;
    vkgpt__mapped_file_t *files; /* [n_files]; one per shard */
    size_t n_files;
    size_t cap_files;
    vkgpt__tensor_view_t *tensors; /* [n_tensors]; names are owned (malloc) */
    size_t n_tensors;
    size_t cap_tensors;
};

/* Sentinel for a file dtype that vkgpt knows but does not read (bool masks, int64, f64...). */
#define VKGPT__DTYPE_OTHER (-1)

/* The element type of a tensor as a reader found it: `dtype` is a vkgpt__dtype_t or
 * VKGPT__DTYPE_OTHER; `name` is the file's own spelling, for messages ("I64", "BoolStorage"). */
typedef struct vkgpt__file_dtype {
    const char *name;
    int dtype;
    uint32_t size; /* bytes per element */
} vkgpt__file_dtype_t;

/* numel = prod(shape) and bytes = numel * elem_size, or false when either overflows 64 bits. */
bool vkgpt__shape_bytes(uint32_t rank, const uint64_t *shape, uint64_t elem_size, uint64_t *numel,
                        uint64_t *bytes);

/* Adds one tensor whose bytes the reader has already bounds-checked inside `file`. Skipped
 * buffers (vkgpt__weights_is_skipped) are dropped here whatever their type; any other tensor
 * of type VKGPT__DTYPE_OTHER is refused with VKGPT_ERR_UNSUPPORTED naming the type. */
vkgpt_status_t vkgpt__weights_add(vkgpt__weights_t *w, const char *file, const char *name,
                                  const vkgpt__file_dtype_t *dt, uint32_t rank,
                                  const uint64_t *shape, const void *data, vkgpt__error_t *err);

/* Takes ownership of *mf (zeroed on success) and returns the stored copy. */
vkgpt_status_t vkgpt__weights_keep_file(vkgpt__weights_t *w, vkgpt__mapped_file_t *mf,
                                        const vkgpt__mapped_file_t **kept, vkgpt__error_t *err);

/* Sorts the table by name and refuses duplicate names (two shards, or a pickle dict that sets
 * one key twice). */
vkgpt_status_t vkgpt__weights_finish(vkgpt__weights_t *w, vkgpt__error_t *err);

/* The single-file readers. Each appends the tensors of `mf` to `w`; messages start with
 * mf->path. */
vkgpt_status_t vkgpt__safetensors_read(vkgpt__weights_t *w, const vkgpt__mapped_file_t *mf,
                                       vkgpt__error_t *err);
vkgpt_status_t vkgpt__torch_zip_read(vkgpt__weights_t *w, const vkgpt__mapped_file_t *mf,
                                     vkgpt__error_t *err);
vkgpt_status_t vkgpt__torch_legacy_read(vkgpt__weights_t *w, const vkgpt__mapped_file_t *mf,
                                        vkgpt__error_t *err);

/* Reads a shard index (model.safetensors.index.json or pytorch_model.bin.index.json) and every
 * shard it names, checking that each tensor sits in the shard the index says. */
vkgpt_status_t vkgpt__shards_read(vkgpt__weights_t *w, const char *index_path, vkgpt__error_t *err);

/* Reads one weight file of any kind into w (format chosen by name, then by magic bytes). */
vkgpt_status_t vkgpt__weights_read_file(vkgpt__weights_t *w, const char *path, vkgpt__error_t *err);

/* Joins folder and file name into a new string (malloc); NULL when out of memory. */
char *vkgpt__path_join(const char *dir, const char *name);

#endif
