/* bpe_encode.c: bytes to ids and back.
 *
 * Encoding runs three stages: added and special tokens are cut out of the text whole; GPT-2's
 * pre-tokenizer splits the rest into words; each word's bytes are merged by rank.
 *
 * The merge loop has two forms. Up to SMALL_WORD bytes it keeps the symbols and their pair
 * ranks in arrays and scans for the lowest rank after each merge: quadratic, but over a few
 * dozen integers, and a hash lookup only for the two pairs a merge changes. Longer words (a
 * megabyte of "a", a run of Cyrillic with no space) use a linked list of symbols and a binary
 * heap of candidate pairs keyed by (rank, position), which is O(n log n); stale heap entries
 * are skipped when popped. The lowest rank wins, and among equal ranks the leftmost, which is
 * what GPT-2's reference loop does when it merges every occurrence of the best pair left to
 * right.
 *
 * Words up to CACHE_MAX_WORD bytes are cached with their ids: prose repeats its words, and a
 * cache hit costs one hash of the word. */
#include <stdlib.h>
#include <string.h>

#include "bpe.h"
#include "pretokenize.h"

#define SMALL_WORD 64
#define CACHE_MAX_WORD 128
#define CACHE_MAX_ENTRIES (1u << 16)
#define CACHE_MAX_BYTES (1u << 20)
#define NONE UINT32_MAX

/* ---- Output ---- */

static bool ids_reserve(bpe_ids_t *v, size_t extra) {
    if (extra <= v->cap - v->len) {
        return true;
    }
    if (extra > SIZE_MAX / sizeof(int32_t) / 2 - v->len) {
        return false;
    }
    size_t cap = v->cap ? v->cap : 256;
    while (cap - v->len < extra) {
        cap *= 2;
    }
    int32_t *grown = realloc(v->v, cap * sizeof(int32_t));
    if (!grown) {
        return false;
    }
    v->v = grown;
    v->cap = cap;
    return true;
}

bool bpe_ids_push(bpe_ids_t *v, int32_t id) {
    if (v->len == v->cap && !ids_reserve(v, 1)) {
        return false;
    }
    v->v[v->len++] = id;
    return true;
}

/* ---- Word cache ---- */

void bpe_cache_free(bpe_cache_t *c) {
    free(c->slots);
    free(c->entries);
    free(c->bytes);
    free(c->ids);
    memset(c, 0, sizeof(*c));
}

static bool cache_init(bpe_cache_t *c) {
    c->slots = calloc(2 * CACHE_MAX_ENTRIES, sizeof(c->slots[0]));
    c->entries = malloc(CACHE_MAX_ENTRIES * sizeof(c->entries[0]));
    c->bytes = malloc(CACHE_MAX_BYTES);
    c->ids = malloc(CACHE_MAX_BYTES * sizeof(int32_t));
    if (!c->slots || !c->entries || !c->bytes || !c->ids) {
        bpe_cache_free(c);
        return false;
    }
    c->mask = 2 * CACHE_MAX_ENTRIES - 1;
    return true;
}

static const int32_t *cache_find(const bpe_cache_t *c, const uint8_t *w, size_t n, uint64_t h,
                                 size_t *n_ids) {
    if (!c->slots) {
        return NULL;
    }
    uint32_t tag = (uint32_t)(h >> 32);
    for (size_t i = h & c->mask;; i = (i + 1) & c->mask) {
        uint64_t s = c->slots[i];
        if (s == 0) {
            return NULL;
        }
        const struct bpe_cache_entry *e = &c->entries[(uint32_t)s - 1];
        if ((uint32_t)(s >> 32) == tag && e->bytes_len == n &&
            memcmp(c->bytes + e->bytes_off, w, n) == 0) {
            *n_ids = e->ids_len;
            return c->ids + e->ids_off;
        }
    }
}

/* Adds a word; when the cache is full it starts over, which keeps memory bounded and costs
 * one re-merge per word that comes back. */
static void cache_put(bpe_cache_t *c, const uint8_t *w, size_t n, uint64_t h,
                      const int32_t *ids, size_t n_ids) {
    if (!c->slots && !cache_init(c)) {
        return; /* no cache: slower, same ids */
    }
    if (c->n_entries == CACHE_MAX_ENTRIES || c->bytes_len + n > CACHE_MAX_BYTES ||
        c->ids_len + n_ids > CACHE_MAX_BYTES) {
        memset(c->slots, 0, (c->mask + 1) * sizeof(c->slots[0]));
        c->n_entries = c->bytes_len = c->ids_len = 0;
    }
    struct bpe_cache_entry *e = &c->entries[c->n_entries];
    *e = (struct bpe_cache_entry){(uint32_t)c->bytes_len, (uint32_t)n, (uint32_t)c->ids_len,
                                  (uint32_t)n_ids};
    memcpy(c->bytes + c->bytes_len, w, n);
    memcpy(c->ids + c->ids_len, ids, n_ids * sizeof(int32_t));
    c->bytes_len += n;
    c->ids_len += n_ids;

    size_t i = h & c->mask;
    while (c->slots[i] != 0) {
        i = (i + 1) & c->mask;
    }
    c->slots[i] = (h & 0xFFFFFFFF00000000ULL) | (uint32_t)++c->n_entries;
}

/* ---- Merging a short word ---- */

/* The rank of the pair (a, c) and its merged id, or NONE. */
static inline uint32_t pair_rank(const bpe_t *b, int32_t a, int32_t c, int32_t *merged) {
    const bpe_merge_slot_t *m = bpe_mergemap_find(&b->merges, a, c);
    if (!m) {
        return NONE;
    }
    *merged = m->merged;
    return m->rank;
}

static bool merge_small(const bpe_t *b, const uint8_t *w, size_t n, bpe_ids_t *out) {
    int32_t sym[SMALL_WORD], merged[SMALL_WORD];
    uint32_t rank[SMALL_WORD]; /* rank[i]: the pair (sym[i], sym[i + 1]) */
    for (size_t i = 0; i < n; i++) {
        sym[i] = b->byte_token[w[i]];
    }
    for (size_t i = 0; i + 1 < n; i++) {
        rank[i] = pair_rank(b, sym[i], sym[i + 1], &merged[i]);
    }

    while (n > 1) {
        size_t best = 0;
        for (size_t i = 1; i + 1 < n; i++) {
            best = rank[i] < rank[best] ? i : best;
        }
        if (rank[best] == NONE) {
            break;
        }
        /* sym[best] and sym[best + 1] become one; the arrays close the gap. */
        sym[best] = merged[best];
        size_t tail = n - best - 2;
        memmove(sym + best + 1, sym + best + 2, tail * sizeof(sym[0]));
        memmove(rank + best + 1, rank + best + 2, (tail ? tail - 1 : 0) * sizeof(rank[0]));
        memmove(merged + best + 1, merged + best + 2, (tail ? tail - 1 : 0) * sizeof(merged[0]));
        n--;
        if (best > 0) {
            rank[best - 1] = pair_rank(b, sym[best - 1], sym[best], &merged[best - 1]);
        }
        if (best + 1 < n) {
            rank[best] = pair_rank(b, sym[best], sym[best + 1], &merged[best]);
        }
    }

    if (!ids_reserve(out, n)) {
        return false;
    }
    memcpy(out->v + out->len, sym, n * sizeof(int32_t));
    out->len += n;
    return true;
}

/* ---- Merging a long word ---- */

/* A binary min-heap of (rank << 32 | position): one integer compare orders by rank, then by
 * position, which is exactly the tie-break wanted. */
typedef struct heap {
    uint64_t *v;
    size_t len, cap;
} heap_t;

static bool heap_push(heap_t *h, uint64_t x) {
    if (h->len == h->cap) {
        size_t cap = h->cap ? 2 * h->cap : 1024;
        uint64_t *grown = realloc(h->v, cap * sizeof(uint64_t));
        if (!grown) {
            return false;
        }
        h->v = grown;
        h->cap = cap;
    }
    size_t i = h->len++;
    while (i > 0 && h->v[(i - 1) / 2] > x) {
        h->v[i] = h->v[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    h->v[i] = x;
    return true;
}

static uint64_t heap_pop(heap_t *h) {
    uint64_t top = h->v[0];
    uint64_t last = h->v[--h->len];
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= h->len) {
            break;
        }
        if (c + 1 < h->len && h->v[c + 1] < h->v[c]) {
            c++;
        }
        if (h->v[c] >= last) {
            break;
        }
        h->v[i] = h->v[c];
        i = c;
    }
    if (h->len > 0) {
        h->v[i] = last;
    }
    return top;
}

static bool push_pair(const bpe_t *b, heap_t *h, const int32_t *id, uint32_t left,
                      uint32_t right) {
    int32_t merged;
    uint32_t r = pair_rank(b, id[left], id[right], &merged);
    return r == NONE || heap_push(h, ((uint64_t)r << 32) | left);
}

/* Merges w[0..n) with symbols in a linked list: id[i] is the symbol starting at byte i (-1
 * once merged into its left neighbour), next[i] and prev[i] link the live ones. */
static bool merge_long(bpe_t *b, const uint8_t *w, size_t n, bpe_ids_t *out) {
    size_t need = 3 * n;
    if (need > b->work_cap) {
        uint32_t *grown = realloc(b->work, need * sizeof(uint32_t));
        if (!grown) {
            return false;
        }
        b->work = grown;
        b->work_cap = need;
    }
    int32_t *id = (int32_t *)b->work;
    uint32_t *next = b->work + n, *prev = b->work + 2 * n;
    heap_t h = {0};
    bool ok = true;
    for (size_t i = 0; i < n; i++) {
        id[i] = b->byte_token[w[i]];
        next[i] = i + 1 < n ? (uint32_t)(i + 1) : NONE;
        prev[i] = i > 0 ? (uint32_t)(i - 1) : NONE;
    }
    for (size_t i = 0; i + 1 < n && ok; i++) {
        ok = push_pair(b, &h, id, (uint32_t)i, (uint32_t)(i + 1));
    }

    while (ok && h.len > 0) {
        uint64_t top = heap_pop(&h);
        uint32_t pos = (uint32_t)top, r = (uint32_t)(top >> 32);
        uint32_t nx = next[pos];
        int32_t merged = -1;
        if (id[pos] < 0 || nx == NONE || pair_rank(b, id[pos], id[nx], &merged) != r) {
            continue; /* stale: the pair changed since it was pushed */
        }
        id[pos] = merged;
        id[nx] = -1;
        next[pos] = next[nx];
        if (next[pos] != NONE) {
            prev[next[pos]] = pos;
            ok = push_pair(b, &h, id, pos, next[pos]);
        }
        if (ok && prev[pos] != NONE) {
            ok = push_pair(b, &h, id, prev[pos], pos);
        }
    }
    free(h.v);

    for (uint32_t i = 0; ok && i != NONE; i = next[i]) {
        ok = bpe_ids_push(out, id[i]);
    }
    return ok;
}

/* ---- Words and text ---- */

static vkgpt_status_t encode_word(bpe_t *b, const uint8_t *w, size_t n, bpe_err_t *err) {
    if (b->ignore_merges) {
        int32_t whole = bpe_idmap_find(b, &b->by_bytes, true, w, n);
        if (whole >= 0) {
            return bpe_ids_push(&b->out, whole) ? VKGPT_OK
                                                : bpe_fail(err, VKGPT_ERR_OUT_OF_HOST_MEMORY,
                                                           "out of memory while encoding");
        }
    }
    if (n == 1) {
        return bpe_ids_push(&b->out, b->byte_token[w[0]])
                   ? VKGPT_OK
                   : bpe_fail(err, VKGPT_ERR_OUT_OF_HOST_MEMORY, "out of memory while encoding");
    }

    uint64_t h = 0;
    if (n <= CACHE_MAX_WORD) {
        h = bpe_hash(w, n);
        size_t n_ids;
        const int32_t *hit = cache_find(&b->cache, w, n, h, &n_ids);
        if (hit) {
            bool ok = ids_reserve(&b->out, n_ids);
            if (ok) {
                memcpy(b->out.v + b->out.len, hit, n_ids * sizeof(int32_t));
                b->out.len += n_ids;
            }
            return ok ? VKGPT_OK
                      : bpe_fail(err, VKGPT_ERR_OUT_OF_HOST_MEMORY, "out of memory while encoding");
        }
    }
    if (n >= NONE) {
        return bpe_fail(err, VKGPT_ERR_UNSUPPORTED,
                        "a run of %zu bytes with no break is over the 4 GiB a word may span", n);
    }

    size_t start = b->out.len;
    bool ok = n <= SMALL_WORD ? merge_small(b, w, n, &b->out) : merge_long(b, w, n, &b->out);
    if (!ok) {
        return bpe_fail(err, VKGPT_ERR_OUT_OF_HOST_MEMORY, "out of memory while encoding");
    }
    if (n <= CACHE_MAX_WORD) {
        cache_put(&b->cache, w, n, h, b->out.v + start, b->out.len - start);
    }
    return VKGPT_OK;
}

/* Text with no added tokens in it: split into words, then merge each. */
static vkgpt_status_t encode_plain(bpe_t *b, const uint8_t *s, size_t len, bpe_err_t *err) {
    uint8_t *spaced = NULL;
    if (b->add_prefix_space && len > 0 && s[0] != ' ') {
        /* tokenizer.json's add_prefix_space: each segment reads as if it began with a space. */
        spaced = malloc(len + 1);
        if (!spaced) {
            return bpe_fail(err, VKGPT_ERR_OUT_OF_HOST_MEMORY, "out of memory while encoding");
        }
        spaced[0] = ' ';
        memcpy(spaced + 1, s, len);
        s = spaced;
        len++;
    }

    vkgpt_status_t st = VKGPT_OK;
    for (size_t pos = 0; pos < len && st == VKGPT_OK;) {
        size_t end = vkgpt__pretok_next(s, len, pos);
        st = encode_word(b, s + pos, end - pos, err);
        pos = end;
    }
    free(spaced);
    return st;
}

static size_t find_bytes(const uint8_t *s, size_t len, size_t from, const uint8_t *needle,
                         size_t n) {
    while (from + n <= len) {
        const uint8_t *p = memchr(s + from, needle[0], len - n + 1 - from);
        if (!p) {
            break;
        }
        if (memcmp(p, needle, n) == 0) {
            return (size_t)(p - s);
        }
        from = (size_t)(p - s) + 1;
    }
    return SIZE_MAX;
}

static bool matchable_active(const bpe_t *b, int32_t id, uint32_t flags) {
    return b->tokens[id].kind == BPE_ADDED || (flags & VKGPT_TOKENIZE_SPECIAL);
}

/* Cuts added tokens (and special tokens when asked) out of the text: at each step the
 * earliest occurrence wins, the longest among those starting there. next_at caches each
 * token's next occurrence, so each token's text is searched through once. */
vkgpt_status_t bpe_encode(bpe_t *b, const uint8_t *text, size_t len, uint32_t flags,
                          bpe_err_t *err) {
    b->out.len = 0;
    size_t k = b->n_matchable;
    size_t *next_at = k ? malloc(k * sizeof(size_t)) : NULL;
    if (k && !next_at) {
        return bpe_fail(err, VKGPT_ERR_OUT_OF_HOST_MEMORY, "out of memory while encoding");
    }
    for (size_t i = 0; i < k; i++) {
        const bpe_token_t *t = &b->tokens[b->matchable[i]];
        next_at[i] = matchable_active(b, b->matchable[i], flags)
                         ? find_bytes(text, len, 0, b->pool + t->bytes_off, t->bytes_len)
                         : SIZE_MAX;
    }

    vkgpt_status_t st = VKGPT_OK;
    size_t pos = 0;
    while (st == VKGPT_OK) {
        size_t best_at = SIZE_MAX, best = 0;
        for (size_t i = 0; i < k; i++) {
            const bpe_token_t *t = &b->tokens[b->matchable[i]];
            if (next_at[i] != SIZE_MAX && next_at[i] < pos) {
                next_at[i] = find_bytes(text, len, pos, b->pool + t->bytes_off, t->bytes_len);
            }
            if (next_at[i] < best_at) {
                best_at = next_at[i];
                best = i;
            }
        }
        size_t plain_end = best_at == SIZE_MAX ? len : best_at;
        st = encode_plain(b, text + pos, plain_end - pos, err);
        if (st != VKGPT_OK || best_at == SIZE_MAX) {
            break;
        }
        if (!bpe_ids_push(&b->out, b->matchable[best])) {
            st = bpe_fail(err, VKGPT_ERR_OUT_OF_HOST_MEMORY, "out of memory while encoding");
        }
        pos = best_at + b->tokens[b->matchable[best]].bytes_len;
    }
    free(next_at);
    return st;
}

/* What decoding does with an id: emit its bytes, skip it (a special token the caller asked to
 * skip), or count it as naming no token. */
typedef enum { DECODE_EMIT, DECODE_SKIP, DECODE_INVALID } decode_action_t;

static decode_action_t decode_action(const bpe_t *b, int32_t id, uint32_t flags) {
    if (id < 0 || (size_t)id >= b->n_tokens || b->tokens[id].kind == BPE_HOLE) {
        return DECODE_INVALID;
    }
    bool skip = b->tokens[id].kind == BPE_SPECIAL && (flags & VKGPT_DETOKENIZE_SKIP_SPECIAL);
    return skip ? DECODE_SKIP : DECODE_EMIT;
}

vkgpt_status_t bpe_decode(const bpe_t *b, const int32_t *ids, size_t n_ids, uint32_t flags,
                          char *out, size_t capacity, size_t *n_bytes, size_t *n_invalid) {
    /* Count first, so a buffer that is too small is left untouched. */
    size_t total = 0, invalid = 0;
    for (size_t i = 0; i < n_ids; i++) {
        decode_action_t a = decode_action(b, ids[i], flags);
        invalid += a == DECODE_INVALID;
        if (a == DECODE_EMIT &&
            __builtin_add_overflow(total, (size_t)b->tokens[ids[i]].bytes_len, &total)) {
            return VKGPT_ERR_INVALID_ARGUMENT;
        }
    }
    *n_bytes = total;
    if (n_invalid) {
        *n_invalid = invalid;
    }
    if (total > capacity) {
        return VKGPT_ERR_BUFFER_TOO_SMALL;
    }

    size_t o = 0;
    for (size_t i = 0; i < n_ids; i++) {
        if (decode_action(b, ids[i], flags) == DECODE_EMIT) {
            memcpy(out + o, bpe_bytes(b, ids[i]), b->tokens[ids[i]].bytes_len);
            o += b->tokens[ids[i]].bytes_len;
        }
    }
    return VKGPT_OK;
}
