/* bpe_maps.c: the plugin's hash maps: ids by piece or bytes, and merge ranks by id pair.
 *
 * Both are open addressing with linear probing at most half full. The id map stores only ids
 * (plus 32 bits of hash to skip most key comparisons): the keys already live in the token
 * table, so a 50,257-token vocabulary costs 1 MiB of slots and no copies. */
#include <stdlib.h>
#include <string.h>

#include "bpe.h"

/* A multiply-xorshift hash over 8-byte words; the finaliser's constants are the widely
 * published 64-bit mixing constants of MurmurHash3. */
static inline uint64_t mix64(uint64_t h) {
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;
    return h;
}

uint64_t bpe_hash(const void *data, size_t len) {
    const uint8_t *p = data;
    uint64_t h = 0x9e3779b97f4a7c15ULL ^ (uint64_t)len;
    while (len >= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        h = (h ^ w) * 0xbf58476d1ce4e5b9ULL;
        h ^= h >> 29;
        p += 8;
        len -= 8;
    }
    uint64_t tail = 0;
    memcpy(&tail, p, len);
    return mix64(h ^ tail);
}

/* Smallest power of two at least twice n (and at least 16), or 0 on overflow. */
static size_t table_size(size_t n) {
    size_t size = 16;
    while (size < 2 * n) {
        if (size > SIZE_MAX / 4) {
            return 0;
        }
        size *= 2;
    }
    return size;
}

/* ---- Ids by piece or bytes ---- */

static const uint8_t *key_of(const bpe_t *b, bool by_bytes, int32_t id, size_t *len) {
    const bpe_token_t *t = &b->tokens[id];
    *len = by_bytes ? t->bytes_len : t->piece_len;
    return b->pool + (by_bytes ? t->bytes_off : t->piece_off);
}

/* Rebuilds the slots at a size for n entries, re-hashing every key from the token table. */
static bool idmap_rebuild(const bpe_t *b, bpe_idmap_t *m, bool by_bytes, size_t n) {
    size_t size = table_size(n);
    if (size == 0) {
        return false;
    }
    uint64_t *slots = calloc(size, sizeof(slots[0]));
    if (!slots) {
        return false;
    }
    for (size_t i = 0; m->slots && i <= m->mask; i++) {
        if (m->slots[i] == 0) {
            continue;
        }
        int32_t id = (int32_t)(uint32_t)m->slots[i] - 1;
        size_t len;
        const uint8_t *key = key_of(b, by_bytes, id, &len);
        size_t j = bpe_hash(key, len) & (size - 1);
        while (slots[j] != 0) {
            j = (j + 1) & (size - 1);
        }
        slots[j] = m->slots[i];
    }
    free(m->slots);
    m->slots = slots;
    m->mask = size - 1;
    return true;
}

bool bpe_idmap_reserve(const bpe_t *b, bpe_idmap_t *m, bool by_bytes, size_t n) {
    if (m->slots && 2 * n <= m->mask + 1) {
        return true;
    }
    return idmap_rebuild(b, m, by_bytes, n);
}

int32_t bpe_idmap_find(const bpe_t *b, const bpe_idmap_t *m, bool by_bytes, const void *key,
                       size_t len) {
    if (!m->slots) {
        return -1;
    }
    uint64_t h = bpe_hash(key, len);
    uint32_t tag = (uint32_t)(h >> 32);
    for (size_t i = h & m->mask;; i = (i + 1) & m->mask) {
        uint64_t s = m->slots[i];
        if (s == 0) {
            return -1;
        }
        if ((uint32_t)(s >> 32) != tag) {
            continue;
        }
        int32_t id = (int32_t)(uint32_t)s - 1;
        size_t klen;
        const uint8_t *k = key_of(b, by_bytes, id, &klen);
        if (klen == len && memcmp(k, key, len) == 0) {
            return id;
        }
    }
}

int32_t bpe_idmap_insert(const bpe_t *b, bpe_idmap_t *m, bool by_bytes, int32_t id) {
    if (!bpe_idmap_reserve(b, m, by_bytes, m->count + 1)) {
        return -2;
    }
    size_t len;
    const uint8_t *key = key_of(b, by_bytes, id, &len);
    int32_t old = bpe_idmap_find(b, m, by_bytes, key, len);
    if (old >= 0) {
        return old;
    }
    uint64_t h = bpe_hash(key, len);
    size_t i = h & m->mask;
    while (m->slots[i] != 0) {
        i = (i + 1) & m->mask;
    }
    m->slots[i] = (h & 0xFFFFFFFF00000000ULL) | (uint64_t)(uint32_t)(id + 1);
    m->count++;
    return id;
}

void bpe_idmap_free(bpe_idmap_t *m) {
    free(m->slots);
    memset(m, 0, sizeof(*m));
}

/* ---- Merge ranks by pair ---- */

static inline uint64_t pair_key(int32_t left, int32_t right) {
    return ((uint64_t)(uint32_t)left << 32) | (uint32_t)right;
}

bool bpe_mergemap_reserve(bpe_mergemap_t *m, size_t n) {
    size_t size = table_size(n);
    if (size == 0) {
        return false;
    }
    free(m->slots);
    m->slots = malloc(size * sizeof(m->slots[0]));
    if (!m->slots) {
        m->mask = 0;
        return false;
    }
    memset(m->slots, 0xFF, size * sizeof(m->slots[0])); /* key UINT64_MAX: empty */
    m->mask = size - 1;
    m->count = 0;
    return true;
}

void bpe_mergemap_insert(bpe_mergemap_t *m, int32_t left, int32_t right, uint32_t rank,
                         int32_t merged) {
    uint64_t key = pair_key(left, right);
    size_t i = mix64(key) & m->mask;
    while (m->slots[i].key != UINT64_MAX) {
        if (m->slots[i].key == key) {
            return;
        }
        i = (i + 1) & m->mask;
    }
    m->slots[i] = (bpe_merge_slot_t){.key = key, .rank = rank, .merged = merged};
    m->count++;
}

const bpe_merge_slot_t *bpe_mergemap_find(const bpe_mergemap_t *m, int32_t left,
                                          int32_t right) {
    if (!m->slots) {
        return NULL;
    }
    uint64_t key = pair_key(left, right);
    for (size_t i = mix64(key) & m->mask;; i = (i + 1) & m->mask) {
        if (m->slots[i].key == key) {
            return &m->slots[i];
        }
        if (m->slots[i].key == UINT64_MAX) {
            return NULL;
        }
    }
}

void bpe_mergemap_free(bpe_mergemap_t *m) {
    free(m->slots);
    memset(m, 0, sizeof(*m));
}
