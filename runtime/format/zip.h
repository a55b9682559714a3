/* zip.h: a read-only view of a zip archive held in memory (a mapped pytorch_model.bin).
 *
 * Only what PyTorch writes is accepted: one disk, stored (uncompressed) entries, no
 * encryption; ZIP64 records are read when present, as PyTorch writes them for archives past
 * 4 GiB. Sizes and offsets come from the central directory (PyTorch's local headers carry
 * zeros and a data descriptor); each local header is still checked to name the same entry. */
#ifndef VKGPT_FORMAT_ZIP_H
#define VKGPT_FORMAT_ZIP_H

#include "common.h"

typedef struct vkgpt__zip_entry {
    const char *name;    /* NUL-terminated copy */
    const uint8_t *data; /* inside the archive buffer */
    uint64_t size;
} vkgpt__zip_entry_t;

typedef struct vkgpt__zip {
    vkgpt__zip_entry_t *entries; /* sorted by name */
    size_t n_entries;
} vkgpt__zip_t;

/* Archives with more entries are refused (a GPT-2 checkpoint has a few hundred). */
#define VKGPT__ZIP_MAX_ENTRIES 1000000u

/* Reads the directory of the archive data[0..size). `path` names it in messages. On failure
 * *z is left empty (vkgpt__zip_close is still safe). */
vkgpt_status_t vkgpt__zip_open(const uint8_t *data, uint64_t size, const char *path,
                               vkgpt__zip_t *z, vkgpt__error_t *err);

/* NULL when no entry has exactly this name. */
const vkgpt__zip_entry_t *vkgpt__zip_find(const vkgpt__zip_t *z, const char *name);

void vkgpt__zip_close(vkgpt__zip_t *z);

#endif
