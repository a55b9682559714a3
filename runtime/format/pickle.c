/* pickle.c: the allow-list pickle interpreter (see pickle.h for what it accepts).
 *
 * The machine is Python's: a value stack, a stack of MARK positions (a "fence" below which
 * no opcode may pop), and a memo indexed by BINPUT/BINGET. A torch.save state dict in
 * protocol 2 reads, in outline:
 *   PROTO 2  GLOBAL collections.OrderedDict  EMPTY_TUPLE REDUCE      -> the state dict
 *   MARK { BINUNICODE name
 *          GLOBAL torch._utils._rebuild_tensor_v2
 *          MARK MARK "storage" GLOBAL torch.FloatStorage key location numel TUPLE BINPERSID
 *               offset (shape..) (stride..) NEWFALSE OrderedDict() TUPLE REDUCE } SETITEMS
 *   EMPTY_DICT "_metadata" {...} SETITEM BUILD STOP
 * BUILD's state (module versions) is checked for its type and dropped. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format/pickle.h"
#include "utf8.h"

#define PK_MAX_STACK 65536u      /* SETITEMS batches 1000 pairs: 2,000 entries suffice */
#define PK_MAX_MARKS 64u         /* a state dict nests marks 3 deep */
#define PK_MAX_MEMO (1u << 20)   /* memo index; GPT-2 XL's state dict uses ~10,000 */
#define PK_MAX_STRING (1u << 20) /* tensor names are tens of bytes */
#define PK_MAX_GLOBAL_NAME 256u
#define PK_MAX_BYTES ((size_t)256 << 20) /* heap for values; ~100 bytes per opcode at most */

/* Storage classes a state dict may name. Bool and Byte hold the causal-mask buffers that old
 * GPT-2 checkpoints carry (skipped by name later); vkgpt__weights_add refuses them anywhere
 * else. */
static const vkgpt__file_dtype_t storage_types[] = {
    {"FloatStorage", VKGPT__DTYPE_F32, 4},     {"HalfStorage", VKGPT__DTYPE_F16, 2},
    {"BFloat16Storage", VKGPT__DTYPE_BF16, 2}, {"BoolStorage", VKGPT__DTYPE_OTHER, 1},
    {"ByteStorage", VKGPT__DTYPE_OTHER, 1},
};

struct machine {
    vkgpt__pickle_t *pk;
    vkgpt__error_t *err;
    const char *label;
    uint64_t base;
    const uint8_t *buf;
    size_t len, pos, op_pos;
    vkgpt__pk_value_t **stack;
    size_t sp, stack_cap;
    size_t marks[PK_MAX_MARKS];
    size_t n_marks;
    vkgpt__pk_value_t **memo;
    size_t memo_cap;
};

static vkgpt_status_t fail(struct machine *m, vkgpt_status_t st, const char *fmt, ...)
    VKGPT__PRINTF(3, 4);

static vkgpt_status_t fail(struct machine *m, vkgpt_status_t st, const char *fmt, ...) {
    char detail[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof(detail), fmt, ap);
    va_end(ap);
    return vkgpt__error_set(m->err, st, "%s: %s, byte %llu: %s", m->pk->path, m->label,
                            (unsigned long long)(m->base + m->op_pos), detail);
}

/* ---- Memory: every value is registered in pk->objs and charged to the budget ---- */

static vkgpt_status_t charge(struct machine *m, size_t bytes) {
    if (bytes > PK_MAX_BYTES - m->pk->bytes) {
        return fail(m, VKGPT_ERR_BAD_FORMAT, "pickle needs more than %zu MiB of memory",
                    PK_MAX_BYTES >> 20);
    }
    m->pk->bytes += bytes;
    return VKGPT_OK;
}

/* Grows *arr (elements of `elem` bytes) to hold `need`, zeroing the new part. */
static vkgpt_status_t grow(struct machine *m, void **arr, size_t *cap, size_t need, size_t elem) {
    if (need <= *cap) {
        return VKGPT_OK;
    }
    size_t new_cap = *cap ? *cap * 2 : 8;
    if (new_cap < need) {
        new_cap = need;
    }
    vkgpt_status_t st = charge(m, (new_cap - *cap) * elem); /* bounded: caps are limited */
    if (st != VKGPT_OK) {
        return st;
    }
    void *p = realloc(*arr, new_cap * elem);
    if (!p) {
        return fail(m, VKGPT_ERR_OUT_OF_HOST_MEMORY, "out of memory");
    }
    memset((char *)p + *cap * elem, 0, (new_cap - *cap) * elem);
    *arr = p;
    *cap = new_cap;
    return VKGPT_OK;
}

static vkgpt_status_t new_value(struct machine *m, vkgpt__pk_kind_t kind, vkgpt__pk_value_t **out) {
    vkgpt__pickle_t *pk = m->pk;
    vkgpt_status_t st =
        grow(m, (void **)&pk->objs, &pk->cap_objs, pk->n_objs + 1, sizeof(pk->objs[0]));
    if (st == VKGPT_OK) {
        st = charge(m, sizeof(vkgpt__pk_value_t));
    }
    if (st != VKGPT_OK) {
        return st;
    }
    vkgpt__pk_value_t *v = calloc(1, sizeof(*v));
    if (!v) {
        return fail(m, VKGPT_ERR_OUT_OF_HOST_MEMORY, "out of memory");
    }
    v->kind = kind;
    pk->objs[pk->n_objs++] = v;
    *out = v;
    return VKGPT_OK;
}

/* ---- Stack, marks, input ---- */

static size_t fence(const struct machine *m) {
    return m->n_marks ? m->marks[m->n_marks - 1] : 0;
}

static vkgpt_status_t push(struct machine *m, vkgpt__pk_value_t *v) {
    if (m->sp >= PK_MAX_STACK) {
        return fail(m, VKGPT_ERR_BAD_FORMAT, "stack deeper than %u values", PK_MAX_STACK);
    }
    vkgpt_status_t st = grow(m, (void **)&m->stack, &m->stack_cap, m->sp + 1, sizeof(v));
    if (st == VKGPT_OK) {
        m->stack[m->sp++] = v;
    }
    return st;
}

static vkgpt_status_t top(struct machine *m, vkgpt__pk_value_t **out) {
    if (m->sp <= fence(m)) {
        return fail(m, VKGPT_ERR_BAD_FORMAT, "stack underflow");
    }
    *out = m->stack[m->sp - 1];
    return VKGPT_OK;
}

static vkgpt_status_t pop(struct machine *m, vkgpt__pk_value_t **out) {
    vkgpt_status_t st = top(m, out);
    if (st == VKGPT_OK) {
        m->sp--;
    }
    return st;
}

static vkgpt_status_t pop_mark(struct machine *m, size_t *from) {
    if (m->n_marks == 0) {
        return fail(m, VKGPT_ERR_BAD_FORMAT, "opcode needs a MARK, but none is open");
    }
    *from = m->marks[--m->n_marks];
    return VKGPT_OK;
}

static vkgpt_status_t take(struct machine *m, size_t n, const uint8_t **p) {
    if (m->len - m->pos < n) {
        return fail(m, VKGPT_ERR_BAD_FORMAT, "truncated: %zu more bytes needed, %zu left", n,
                    m->len - m->pos);
    }
    *p = m->buf + m->pos;
    m->pos += n;
    return VKGPT_OK;
}

static uint32_t le32(const uint8_t *p) {
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

/* ---- Scalars ---- */

static vkgpt_status_t push_scalar(struct machine *m, vkgpt__pk_kind_t kind, int64_t i) {
    vkgpt__pk_value_t *v = NULL;
    vkgpt_status_t st = new_value(m, kind, &v);
    if (st == VKGPT_OK) {
        if (kind == VKGPT__PK_BOOL) {
            v->u.b = i != 0;
        } else {
            v->u.i = i;
        }
        st = push(m, v);
    }
    return st;
}

/* LONG1: n bytes of little-endian two's complement. Up to 8 bytes become an int; wider ones
 * (the legacy magic number is 10 bytes) keep their bytes for comparison. */
static vkgpt_status_t op_long1(struct machine *m) {
    const uint8_t *p = NULL;
    vkgpt_status_t st = take(m, 1, &p);
    size_t n = st == VKGPT_OK ? *p : 0;
    if (st == VKGPT_OK) {
        st = take(m, n, &p);
    }
    if (st != VKGPT_OK) {
        return st;
    }
    if (n <= 8) {
        uint64_t u = 0;
        for (size_t i = n; i-- > 0;) {
            u = (u << 8) | p[i];
        }
        if (n > 0 && n < 8 && (p[n - 1] & 0x80)) {
            u |= ~(uint64_t)0 << (8 * n); /* sign-extend */
        }
        return push_scalar(m, VKGPT__PK_INT, (int64_t)u);
    }
    vkgpt__pk_value_t *v = NULL;
    st = new_value(m, VKGPT__PK_BIGINT, &v);
    if (st == VKGPT_OK) {
        v->u.big.bytes = p;
        v->u.big.len = (uint32_t)n;
        st = push(m, v);
    }
    return st;
}

static vkgpt_status_t op_int(struct machine *m, uint8_t op) {
    const uint8_t *p = NULL;
    size_t n = op == 'K' ? 1 : op == 'M' ? 2 : 4;
    vkgpt_status_t st = take(m, n, &p);
    if (st != VKGPT_OK) {
        return st;
    }
    int64_t v = op == 'K' ? p[0] : op == 'M' ? (p[0] | (p[1] << 8)) : (int32_t)le32(p);
    return push_scalar(m, VKGPT__PK_INT, v);
}

static vkgpt_status_t op_binunicode(struct machine *m) {
    const uint8_t *p = NULL;
    vkgpt_status_t st = take(m, 4, &p);
    if (st != VKGPT_OK) {
        return st;
    }
    uint32_t n = le32(p);
    if (n > PK_MAX_STRING) {
        return fail(m, VKGPT_ERR_BAD_FORMAT, "string of %u bytes (limit %u)", n, PK_MAX_STRING);
    }
    if ((st = take(m, n, &p)) != VKGPT_OK) {
        return st;
    }
    for (size_t i = 0; i < n;) {
        int32_t cp;
        i += vkgpt__utf8_decode(p + i, n - i, &cp);
        if (cp <= 0) {
            return fail(m, VKGPT_ERR_BAD_FORMAT, "string is not UTF-8 or holds a NUL byte");
        }
    }

    vkgpt__pk_value_t *v = NULL;
    if ((st = new_value(m, VKGPT__PK_STR, &v)) != VKGPT_OK ||
        (st = charge(m, (size_t)n + 1)) != VKGPT_OK) {
        return st;
    }
    if (!(v->u.str.chars = malloc((size_t)n + 1))) {
        return fail(m, VKGPT_ERR_OUT_OF_HOST_MEMORY, "out of memory");
    }
    memcpy(v->u.str.chars, p, n);
    v->u.str.chars[n] = '\0';
    v->u.str.len = n;
    return push(m, v);
}

/* ---- GLOBAL: the allow-list ---- */

/* Reads "text\n"; only printable ASCII, so the name can go into a message as it is. */
static vkgpt_status_t read_line(struct machine *m, char *buf) {
    for (size_t i = 0; i < PK_MAX_GLOBAL_NAME; i++) {
        const uint8_t *p = NULL;
        vkgpt_status_t st = take(m, 1, &p);
        if (st != VKGPT_OK) {
            return st;
        }
        if (*p == '\n') {
            buf[i] = '\0';
            return VKGPT_OK;
        }
        if (*p < 0x20 || *p > 0x7e) {
            return fail(m, VKGPT_ERR_BAD_FORMAT, "GLOBAL name holds byte 0x%02x", *p);
        }
        buf[i] = (char)*p;
    }
    return fail(m, VKGPT_ERR_BAD_FORMAT, "GLOBAL name longer than %u bytes",
                PK_MAX_GLOBAL_NAME - 1);
}

static bool lookup_global(const char *module, const char *name, vkgpt__pk_value_t *v) {
    if (strcmp(module, "collections") == 0 && strcmp(name, "OrderedDict") == 0) {
        v->u.global.id = VKGPT__PK_GLOBAL_ORDERED_DICT;
        return true;
    }
    if (strcmp(module, "torch._utils") == 0 && strcmp(name, "_rebuild_tensor_v2") == 0) {
        v->u.global.id = VKGPT__PK_GLOBAL_REBUILD_TENSOR_V2;
        return true;
    }
    for (size_t i = 0; strcmp(module, "torch") == 0 && i < VKGPT__ARRAY_LEN(storage_types); i++) {
        if (strcmp(name, storage_types[i].name) == 0) {
            v->u.global.id = VKGPT__PK_GLOBAL_STORAGE_TYPE;
            v->u.global.storage = &storage_types[i];
            return true;
        }
    }
    return false;
}

static vkgpt_status_t op_global(struct machine *m) {
    char module[PK_MAX_GLOBAL_NAME], name[PK_MAX_GLOBAL_NAME];
    vkgpt_status_t st = read_line(m, module);
    if (st == VKGPT_OK) {
        st = read_line(m, name);
    }
    vkgpt__pk_value_t *v = NULL;
    if (st != VKGPT_OK || (st = new_value(m, VKGPT__PK_GLOBAL, &v)) != VKGPT_OK) {
        return st;
    }
    if (!lookup_global(module, name, v)) {
        return fail(m, VKGPT_ERR_BAD_FORMAT,
                    "refuses global '%s.%s': a weight file may only name "
                    "collections.OrderedDict, torch._utils._rebuild_tensor_v2 and "
                    "torch.{Float,Half,BFloat16,Bool,Byte}Storage",
                    module, name);
    }
    return push(m, v);
}

/* ---- Containers ---- */

static vkgpt_status_t push_seq(struct machine *m, vkgpt__pk_kind_t kind, size_t from) {
    vkgpt__pk_value_t *v = NULL;
    size_t n = m->sp - from;
    vkgpt_status_t st = new_value(m, kind, &v);
    if (st == VKGPT_OK) {
        st = grow(m, (void **)&v->u.seq.items, &v->u.seq.cap, n, sizeof(v));
    }
    if (st != VKGPT_OK) {
        return st;
    }
    if (n > 0) {
        memcpy(v->u.seq.items, m->stack + from, n * sizeof(v));
    }
    v->u.seq.n = n;
    m->sp = from;
    return push(m, v);
}

/* EMPTY_TUPLE, TUPLE1..3 take 0..3 values; TUPLE takes everything above the MARK. */
static vkgpt_status_t op_tuple(struct machine *m, uint8_t op) {
    size_t from = 0;
    vkgpt_status_t st = VKGPT_OK;
    if (op == 't') {
        st = pop_mark(m, &from);
    } else {
        size_t n = op == ')' ? 0 : (size_t)(op - 0x85 + 1);
        if (m->sp - fence(m) < n) {
            return fail(m, VKGPT_ERR_BAD_FORMAT, "stack underflow");
        }
        from = m->sp - n;
    }
    return st == VKGPT_OK ? push_seq(m, VKGPT__PK_TUPLE, from) : st;
}

static vkgpt_status_t add_items(struct machine *m, vkgpt__pk_value_t *target, size_t from) {
    size_t n = m->sp - from;
    vkgpt__pk_value_t **src = m->stack + from;
    vkgpt_status_t st;
    if (target->kind == VKGPT__PK_DICT) {
        if (n % 2) {
            return fail(m, VKGPT_ERR_BAD_FORMAT, "SETITEMS with an odd number of values");
        }
        st = grow(m, (void **)&target->u.dict.kv, &target->u.dict.cap, 2 * target->u.dict.n + n,
                  sizeof(*src));
        if (st == VKGPT_OK) {
            memcpy(target->u.dict.kv + 2 * target->u.dict.n, src, n * sizeof(*src));
            target->u.dict.n += n / 2;
        }
    } else if (target->kind == VKGPT__PK_LIST) {
        st = grow(m, (void **)&target->u.seq.items, &target->u.seq.cap, target->u.seq.n + n,
                  sizeof(*src));
        if (st == VKGPT_OK) {
            memcpy(target->u.seq.items + target->u.seq.n, src, n * sizeof(*src));
            target->u.seq.n += n;
        }
    } else {
        return fail(m, VKGPT_ERR_BAD_FORMAT,
                    "SETITEM(S)/APPEND(S) on a value that is not a "
                    "dict or list");
    }
    m->sp = from;
    return st;
}

/* SETITEM/APPEND take the top 2/1 values; SETITEMS/APPENDS everything above the MARK. The
 * target sits just below them and must itself be above the (new) fence. */
static vkgpt_status_t op_add(struct machine *m, uint8_t op) {
    size_t from = 0;
    vkgpt_status_t st = VKGPT_OK;
    if (op == 'u' || op == 'e') {
        st = pop_mark(m, &from);
    } else {
        size_t n = op == 's' ? 2 : 1;
        if (m->sp - fence(m) < n) {
            return fail(m, VKGPT_ERR_BAD_FORMAT, "stack underflow");
        }
        from = m->sp - n;
    }
    if (st != VKGPT_OK) {
        return st;
    }
    if (from <= fence(m)) {
        return fail(m, VKGPT_ERR_BAD_FORMAT, "stack underflow: no dict or list to add to");
    }
    vkgpt__pk_value_t *target = m->stack[from - 1];
    if ((op == 's' || op == 'u') != (target->kind == VKGPT__PK_DICT)) {
        return fail(m, VKGPT_ERR_BAD_FORMAT, "%s on a value of the wrong kind",
                    op == 's' || op == 'u' ? "SETITEM(S)" : "APPEND(S)");
    }
    return add_items(m, target, from);
}

/* ---- Memo ---- */

static vkgpt_status_t op_memo(struct machine *m, uint8_t op) {
    const uint8_t *p = NULL;
    bool wide = op == 'r' || op == 'j';
    vkgpt_status_t st = take(m, wide ? 4 : 1, &p);
    if (st != VKGPT_OK) {
        return st;
    }
    uint32_t idx = wide ? le32(p) : p[0];
    if (op == 'h' || op == 'j') {
        if (idx >= m->memo_cap || !m->memo[idx]) {
            return fail(m, VKGPT_ERR_BAD_FORMAT, "memo entry %u is not defined", idx);
        }
        return push(m, m->memo[idx]);
    }

    vkgpt__pk_value_t *v = NULL;
    if (idx >= PK_MAX_MEMO) {
        return fail(m, VKGPT_ERR_BAD_FORMAT, "memo index %u (limit %u)", idx, PK_MAX_MEMO);
    }
    if ((st = top(m, &v)) != VKGPT_OK ||
        (st = grow(m, (void **)&m->memo, &m->memo_cap, (size_t)idx + 1, sizeof(v))) != VKGPT_OK) {
        return st;
    }
    m->memo[idx] = v;
    return VKGPT_OK;
}

/* ---- Storages and tensors ---- */

static bool is_str(const vkgpt__pk_value_t *v, const char *s) {
    return v->kind == VKGPT__PK_STR && (!s || strcmp(v->u.str.chars, s) == 0);
}

/* BINPERSID with ('storage', torch.XStorage, key, location, numel[, view]): the zip format
 * writes 5 items, the legacy format 6 (the last is None unless the tensor is a view of a
 * storage view, which PyTorch stopped writing in version 0.4). */
static vkgpt_status_t op_persid(struct machine *m) {
    vkgpt__pk_value_t *pid = NULL, *v = NULL;
    vkgpt_status_t st = pop(m, &pid);
    if (st != VKGPT_OK) {
        return st;
    }
    size_t n = pid->kind == VKGPT__PK_TUPLE ? pid->u.seq.n : 0;
    vkgpt__pk_value_t **it = pid->u.seq.items;
    if ((n != 5 && n != 6) || !is_str(it[0], "storage") || it[1]->kind != VKGPT__PK_GLOBAL ||
        it[1]->u.global.id != VKGPT__PK_GLOBAL_STORAGE_TYPE || !is_str(it[2], NULL) ||
        it[2]->u.str.len == 0 || !is_str(it[3], NULL) || it[4]->kind != VKGPT__PK_INT ||
        it[4]->u.i < 0) {
        return fail(m, VKGPT_ERR_BAD_FORMAT,
                    "persistent id is not ('storage', torch.XStorage, key, location, numel)");
    }
    if (n == 6 && it[5]->kind != VKGPT__PK_NONE) {
        return fail(m, VKGPT_ERR_UNSUPPORTED,
                    "storage views (PyTorch before 0.4) are not "
                    "supported");
    }
    if ((st = new_value(m, VKGPT__PK_STORAGE, &v)) != VKGPT_OK) {
        return st;
    }
    v->u.storage.dtype = it[1]->u.global.storage;
    v->u.storage.key = it[2]->u.str.chars;
    v->u.storage.numel = (uint64_t)it[4]->u.i;
    return push(m, v);
}

static vkgpt_status_t get_dims(struct machine *m, const vkgpt__pk_value_t *v, const char *what,
                               uint32_t *rank, uint64_t *dims) {
    if (v->kind != VKGPT__PK_TUPLE) {
        return fail(m, VKGPT_ERR_BAD_FORMAT, "_rebuild_tensor_v2: %s is not a tuple", what);
    }
    if (v->u.seq.n > VKGPT__MAX_RANK) {
        return fail(m, VKGPT_ERR_UNSUPPORTED, "_rebuild_tensor_v2: rank %zu (at most %d)",
                    v->u.seq.n, VKGPT__MAX_RANK);
    }
    *rank = (uint32_t)v->u.seq.n;
    for (uint32_t i = 0; i < *rank; i++) {
        const vkgpt__pk_value_t *d = v->u.seq.items[i];
        if (d->kind != VKGPT__PK_INT || d->u.i < 0) {
            return fail(m, VKGPT_ERR_BAD_FORMAT,
                        "_rebuild_tensor_v2: %s[%u] is not a non-negative int", what, i);
        }
        dims[i] = (uint64_t)d->u.i;
    }
    return VKGPT_OK;
}

/* _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks
 * [, metadata]) as a record; bounds against the storage are checked by the caller, who knows
 * where the storage's bytes are. */
static vkgpt_status_t call_rebuild(struct machine *m, const vkgpt__pk_value_t *args) {
    size_t n = args->u.seq.n;
    vkgpt__pk_value_t **a = args->u.seq.items, *v;
    if (n != 6 && n != 7) {
        return fail(m, VKGPT_ERR_BAD_FORMAT, "_rebuild_tensor_v2 takes 6 or 7 arguments, got %zu",
                    n);
    }
    if (a[0]->kind != VKGPT__PK_STORAGE || a[1]->kind != VKGPT__PK_INT || a[1]->u.i < 0 ||
        a[4]->kind != VKGPT__PK_BOOL || a[5]->kind != VKGPT__PK_DICT ||
        (n == 7 && a[6]->kind != VKGPT__PK_NONE && a[6]->kind != VKGPT__PK_DICT)) {
        return fail(m, VKGPT_ERR_BAD_FORMAT,
                    "_rebuild_tensor_v2 arguments are not (storage, offset, size, stride, "
                    "bool, dict)");
    }
    vkgpt_status_t st = new_value(m, VKGPT__PK_TENSOR, &v);
    uint32_t stride_rank = 0;
    if (st == VKGPT_OK) {
        st = get_dims(m, a[2], "size", &v->u.tensor.rank, v->u.tensor.shape);
    }
    if (st == VKGPT_OK) {
        st = get_dims(m, a[3], "stride", &stride_rank, v->u.tensor.stride);
    }
    if (st == VKGPT_OK && stride_rank != v->u.tensor.rank) {
        st = fail(m, VKGPT_ERR_BAD_FORMAT, "_rebuild_tensor_v2: size and stride differ in rank");
    }
    if (st != VKGPT_OK) {
        return st;
    }
    v->u.tensor.storage = a[0];
    v->u.tensor.offset = (uint64_t)a[1]->u.i;
    return push(m, v);
}

/* REDUCE: the only calls are OrderedDict() and _rebuild_tensor_v2(...). */
static vkgpt_status_t op_reduce(struct machine *m) {
    vkgpt__pk_value_t *args = NULL, *fn = NULL, *v = NULL;
    vkgpt_status_t st = pop(m, &args);
    if (st == VKGPT_OK) {
        st = pop(m, &fn);
    }
    if (st != VKGPT_OK) {
        return st;
    }
    if (fn->kind != VKGPT__PK_GLOBAL || args->kind != VKGPT__PK_TUPLE) {
        return fail(m, VKGPT_ERR_BAD_FORMAT,
                    "REDUCE on something that is not an allowed "
                    "global with a tuple of arguments");
    }
    switch (fn->u.global.id) {
    case VKGPT__PK_GLOBAL_ORDERED_DICT:
        if (args->u.seq.n != 0) {
            return fail(m, VKGPT_ERR_BAD_FORMAT, "collections.OrderedDict called with arguments");
        }
        if ((st = new_value(m, VKGPT__PK_DICT, &v)) != VKGPT_OK) {
            return st;
        }
        return push(m, v);
    case VKGPT__PK_GLOBAL_REBUILD_TENSOR_V2:
        return call_rebuild(m, args);
    default:
        return fail(m, VKGPT_ERR_BAD_FORMAT, "refuses to call torch.%s",
                    fn->u.global.storage->name);
    }
}

/* BUILD sets attributes from a state; on the state dict that is `_metadata` (module
 * versions), which vkgpt does not need. */
static vkgpt_status_t op_build(struct machine *m) {
    vkgpt__pk_value_t *state = NULL, *target = NULL;
    vkgpt_status_t st = pop(m, &state);
    if (st == VKGPT_OK) {
        st = top(m, &target);
    }
    if (st != VKGPT_OK) {
        return st;
    }
    if (target->kind != VKGPT__PK_DICT ||
        (state->kind != VKGPT__PK_DICT && state->kind != VKGPT__PK_NONE)) {
        return fail(m, VKGPT_ERR_BAD_FORMAT, "BUILD on a value that is not a dict");
    }
    return VKGPT_OK;
}

/* ---- The loop ---- */

static vkgpt_status_t op_proto(struct machine *m) {
    const uint8_t *p = NULL;
    vkgpt_status_t st = take(m, 1, &p);
    if (st == VKGPT_OK && *p != 2) {
        st = fail(m, VKGPT_ERR_UNSUPPORTED,
                  "pickle protocol %u; vkgpt reads protocol 2, torch.save's default", *p);
    }
    return st;
}

static vkgpt_status_t step(struct machine *m, uint8_t op) {
    switch (op) {
    case 0x80:
        return op_proto(m);
    case '(':
        if (m->n_marks == PK_MAX_MARKS) {
            return fail(m, VKGPT_ERR_BAD_FORMAT, "MARKs nested deeper than %u", PK_MAX_MARKS);
        }
        m->marks[m->n_marks++] = m->sp;
        return VKGPT_OK;
    case 'N':
        return push_scalar(m, VKGPT__PK_NONE, 0);
    case 0x88:
    case 0x89:
        return push_scalar(m, VKGPT__PK_BOOL, op == 0x88);
    case 'K':
    case 'M':
    case 'J':
        return op_int(m, op);
    case 0x8a:
        return op_long1(m);
    case 'X':
        return op_binunicode(m);
    case 'c':
        return op_global(m);
    case ')':
    case 't':
    case 0x85:
    case 0x86:
    case 0x87:
        return op_tuple(m, op);
    case '}':
    case ']': {
        vkgpt__pk_value_t *v = NULL;
        vkgpt_status_t st = new_value(m, op == '}' ? VKGPT__PK_DICT : VKGPT__PK_LIST, &v);
        return st == VKGPT_OK ? push(m, v) : st;
    }
    case 's':
    case 'u':
    case 'a':
    case 'e':
        return op_add(m, op);
    case 'q':
    case 'r':
    case 'h':
    case 'j':
        return op_memo(m, op);
    case 'Q':
        return op_persid(m);
    case 'R':
        return op_reduce(m);
    case 'b':
        return op_build(m);
    default:
        return fail(m, VKGPT_ERR_BAD_FORMAT, "opcode 0x%02x is not allowed in a weight file", op);
    }
}

void vkgpt__pickle_init(vkgpt__pickle_t *pk, const char *path) {
    memset(pk, 0, sizeof(*pk));
    pk->path = path;
}

vkgpt_status_t vkgpt__pickle_load(vkgpt__pickle_t *pk, const uint8_t *buf, size_t len,
                                  const char *label, uint64_t base, size_t *consumed,
                                  vkgpt__pk_value_t **out, vkgpt__error_t *err) {
    struct machine m = {.pk = pk, .err = err, .label = label, .base = base, .buf = buf, .len = len};
    vkgpt_status_t st = VKGPT_OK;
    for (;;) {
        const uint8_t *p = NULL;
        m.op_pos = m.pos;
        if ((st = take(&m, 1, &p)) != VKGPT_OK) {
            break;
        }
        if (*p == '.') {
            if (m.n_marks != 0 || m.sp != 1) {
                st = fail(&m, VKGPT_ERR_BAD_FORMAT, "STOP with %zu values and %zu MARKs left", m.sp,
                          m.n_marks);
            }
            break;
        }
        if ((st = step(&m, *p)) != VKGPT_OK) {
            break;
        }
    }
    if (st == VKGPT_OK) {
        *out = m.stack[0];
        *consumed = m.pos;
    }
    free(m.stack);
    free(m.memo);
    pk->bytes -= (m.stack_cap + m.memo_cap) * sizeof(vkgpt__pk_value_t *);
    return st;
}

void vkgpt__pickle_free(vkgpt__pickle_t *pk) {
    for (size_t i = 0; i < pk->n_objs; i++) {
        vkgpt__pk_value_t *v = pk->objs[i];
        if (v->kind == VKGPT__PK_STR) {
            free(v->u.str.chars);
        } else if (v->kind == VKGPT__PK_TUPLE || v->kind == VKGPT__PK_LIST) {
            free(v->u.seq.items);
        } else if (v->kind == VKGPT__PK_DICT) {
            free(v->u.dict.kv);
        }
        free(v);
    }
    free(pk->objs);
    memset(pk, 0, sizeof(*pk));
}
