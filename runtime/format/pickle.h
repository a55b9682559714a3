/* pickle.h: an allow-list interpreter for the pickles torch.save writes for a state dict.
 *
 * It understands only protocol 2 and only what a state dict needs: None, bools, ints, str,
 * tuples, lists, dicts, memo references, collections.OrderedDict(), the persistent id of a
 * storage and torch._utils._rebuild_tensor_v2(...). Any other opcode, any other global and any
 * other call is refused by name. Nothing is imported or executed: a "call" builds a plain
 * value (an empty dict, or a tensor record pointing at a storage key).
 *
 * Bounds: stack, mark depth, memo index, string length and total memory are all limited (see
 * pickle.c), so a hostile pickle costs at most a few times its own size. */
#ifndef VKGPT_FORMAT_PICKLE_H
#define VKGPT_FORMAT_PICKLE_H

#include "format/weights_internal.h"

typedef enum vkgpt__pk_kind {
    VKGPT__PK_NONE,
    VKGPT__PK_BOOL,
    VKGPT__PK_INT,
    VKGPT__PK_BIGINT, /* a LONG1 wider than 64 bits (the legacy format's magic number) */
    VKGPT__PK_STR,
    VKGPT__PK_TUPLE,
    VKGPT__PK_LIST,
    VKGPT__PK_DICT,
    VKGPT__PK_GLOBAL,  /* an allowed name, not yet called */
    VKGPT__PK_STORAGE, /* the value of a storage persistent id */
    VKGPT__PK_TENSOR   /* the value of _rebuild_tensor_v2(...) */
} vkgpt__pk_kind_t;

typedef enum vkgpt__pk_global {
    VKGPT__PK_GLOBAL_ORDERED_DICT,
    VKGPT__PK_GLOBAL_REBUILD_TENSOR_V2,
    VKGPT__PK_GLOBAL_STORAGE_TYPE /* torch.FloatStorage etc.; see u.global.storage */
} vkgpt__pk_global_t;

typedef struct vkgpt__pk_value vkgpt__pk_value_t;

struct vkgpt__pk_value {
    vkgpt__pk_kind_t kind;
    union {
        bool b;
        int64_t i;
        struct {
            const uint8_t *bytes; /* little-endian two's complement, inside the input */
            uint32_t len;
        } big;
        struct {
            char *chars; /* NUL-terminated UTF-8 without NUL bytes inside */
            size_t len;
        } str;
        struct {
            vkgpt__pk_value_t **items;
            size_t n, cap;
        } seq; /* TUPLE and LIST */
        struct {
            vkgpt__pk_value_t **kv; /* key i at kv[2i], value at kv[2i+1], in insertion order */
            size_t n, cap;          /* n counts pairs */
        } dict;
        struct {
            vkgpt__pk_global_t id;
            const vkgpt__file_dtype_t *storage; /* for STORAGE_TYPE */
        } global;
        struct {
            const vkgpt__file_dtype_t *dtype;
            const char *key; /* zip: "<archive>/data/<key>"; legacy: the record key */
            uint64_t numel;  /* elements the pickle says the storage holds */
        } storage;
        struct {
            const vkgpt__pk_value_t *storage; /* kind STORAGE */
            uint64_t offset;                  /* in elements */
            uint32_t rank;
            uint64_t shape[VKGPT__MAX_RANK];
            uint64_t stride[VKGPT__MAX_RANK]; /* in elements */
        } tensor;
    } u;
};

/* Owns every value made by the loads run through it, until vkgpt__pickle_free(). */
typedef struct vkgpt__pickle {
    const char *path; /* the file, for messages */
    vkgpt__pk_value_t **objs;
    size_t n_objs, cap_objs;
    size_t bytes; /* heap used by values, against a fixed budget */
} vkgpt__pickle_t;

void vkgpt__pickle_init(vkgpt__pickle_t *pk, const char *path);

/* Runs one pickle from buf[0..len) up to its STOP opcode. `label` ("archive/data.pkl") and
 * `base` (the offset of buf in the file) make messages point at the failing byte. Stores the
 * result in *out and the bytes consumed in *consumed. Values stay valid until
 * vkgpt__pickle_free(). */
vkgpt_status_t vkgpt__pickle_load(vkgpt__pickle_t *pk, const uint8_t *buf, size_t len,
                                  const char *label, uint64_t base, size_t *consumed,
                                  vkgpt__pk_value_t **out, vkgpt__error_t *err);

void vkgpt__pickle_free(vkgpt__pickle_t *pk);

#endif
