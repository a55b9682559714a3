/* weights.h: one interface over every weight file vkgpt reads (safetensors, single or sharded;
 * PyTorch's zip pytorch_model.bin; PyTorch's legacy pickle file). Opening a path maps the
 * file(s), validates every header, offset and size, and yields a table of tensor views.
 *
 * Ownership: the weights object owns the mappings and the name strings. A view's `data` and
 * `name` stay valid until vkgpt__weights_close(). Nothing is copied: `data` points into the
 * mapping, so the model loader uploads straight from it and closing releases the memory.
 *
 * Layout of `data`: contiguous, row-major (C order), little-endian, exactly `nbytes` bytes.
 * There is NO alignment guarantee: a legacy PyTorch file or a safetensors header of odd length
 * puts tensors at any byte, so read elements with memcpy (vkgpt__tensor_to_f32() does).
 *
 * Known limit: a file truncated by another process while it is mapped makes reads fault
 * (SIGBUS); vkgpt checks sizes at open time only. */
#ifndef VKGPT_FORMAT_WEIGHTS_H
#define VKGPT_FORMAT_WEIGHTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common.h"

/* Element types a tensor view can have. Files may hold others (bool masks, int64 ids): those
 * are accepted only for buffers that vkgpt skips (vkgpt__weights_is_skipped()) and refused by
 * name anywhere else. */
typedef enum vkgpt__dtype {
    VKGPT__DTYPE_F32 = 0,
    VKGPT__DTYPE_F16 = 1,
    VKGPT__DTYPE_BF16 = 2
} vkgpt__dtype_t;

#define VKGPT__MAX_RANK 8

typedef struct vkgpt__tensor_view {
    const char *name; /* as stored in the file, e.g. "transformer.h.0.ln_1.weight" */
    vkgpt__dtype_t dtype;
    uint32_t rank;                   /* 0 for a scalar */
    uint64_t shape[VKGPT__MAX_RANK]; /* shape[0] is the outermost dimension; unused are 0 */
    uint64_t numel;                  /* product of shape; 1 for rank 0; may be 0 */
    const void *data;                /* contiguous row-major, unaligned, read-only */
    uint64_t nbytes;                 /* numel * element size */
} vkgpt__tensor_view_t;

typedef enum vkgpt__weights_format {
    VKGPT__WEIGHTS_SAFETENSORS = 0,
    VKGPT__WEIGHTS_TORCH_ZIP = 1,   /* torch.save since PyTorch 1.6: a zip of data.pkl + data/N */
    VKGPT__WEIGHTS_TORCH_LEGACY = 2 /* torch.save before 1.6: pickles then raw storages */
} vkgpt__weights_format_t;

typedef struct vkgpt__weights vkgpt__weights_t;

/* Opens `path`: either a model folder or one file.
 *   folder: the first present of model.safetensors, model.safetensors.index.json,
 *           pytorch_model.bin, pytorch_model.bin.index.json;
 *   file:   *.index.json is a shard index; *.safetensors is safetensors; anything else is
 *           recognised by its first bytes (zip "PK\3\4", pickle protocol 2 "\x80\x02").
 * On failure returns VKGPT_ERR_IO (cannot read), VKGPT_ERR_BAD_FORMAT (malformed; the message
 * names the file, tensor and byte offset), VKGPT_ERR_UNSUPPORTED (valid but outside what vkgpt
 * reads, e.g. an int64 weight) or VKGPT_ERR_OUT_OF_HOST_MEMORY; *out is then NULL. */
vkgpt_status_t vkgpt__weights_open(const char *path, vkgpt__weights_t **out, vkgpt__error_t *err);

/* Unmaps everything; every view and name from `w` becomes invalid. NULL is a no-op. */
void vkgpt__weights_close(vkgpt__weights_t *w);

/* Tensors are kept sorted by name (strcmp order); skipped buffers are not listed. */
size_t vkgpt__weights_count(const vkgpt__weights_t *w);
const vkgpt__tensor_view_t *vkgpt__weights_at(const vkgpt__weights_t *w, size_t index);

/* Exact-name lookup (binary search); NULL when absent. */
const vkgpt__tensor_view_t *vkgpt__weights_find(const vkgpt__weights_t *w, const char *name);

/* GPT-2 lookup that ignores the "transformer." prefix: "h.0.ln_1.weight" finds either
 * "h.0.ln_1.weight" or "transformer.h.0.ln_1.weight", and the reverse. NULL when absent. */
const vkgpt__tensor_view_t *vkgpt__weights_find_gpt2(const vkgpt__weights_t *w, const char *name);

/* Finds `name` like vkgpt__weights_find_gpt2() and checks its rank and shape; the message names
 * the file, the tensor, and the shape found versus expected. `shape` has `rank` entries. */
vkgpt_status_t vkgpt__weights_require(const vkgpt__weights_t *w, const char *name, uint32_t rank,
                                      const uint64_t *shape, const vkgpt__tensor_view_t **out,
                                      vkgpt__error_t *err);

/* The file that was opened (for a folder, the file chosen in it; for shards, the index). */
const char *vkgpt__weights_path(const vkgpt__weights_t *w);
vkgpt__weights_format_t vkgpt__weights_format(const vkgpt__weights_t *w);
const char *vkgpt__weights_format_name(vkgpt__weights_format_t format);

/* Sum of nbytes over listed tensors; a storage shared by two names counts twice. */
uint64_t vkgpt__weights_total_bytes(const vkgpt__weights_t *w);

/* True for buffers the GPT-2 code never reads and the readers drop: names ending in
 * ".attn.bias" (the causal mask) or ".attn.masked_bias" (a constant -1e4). */
bool vkgpt__weights_is_skipped(const char *name);

/* ---- Element types ---- */

const char *vkgpt__dtype_name(vkgpt__dtype_t dtype); /* "F32", "F16", "BF16" */
size_t vkgpt__dtype_size(vkgpt__dtype_t dtype);

/* vkgpt__f16_to_f32() and vkgpt__bf16_to_f32() are in ops/half.h. */

/* Converts all of t's elements to f32 into dst[0..t->numel). */
void vkgpt__tensor_to_f32(const vkgpt__tensor_view_t *t, float *dst);

#endif
