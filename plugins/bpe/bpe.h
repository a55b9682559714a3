/* bpe.h: the byte-level BPE plugin's internal model, shared by its loader, encoder and
 * trainer.
 *
 * Byte-level BPE as GPT-2 defines it: text is split by GPT-2's pre-tokenizer; each piece's
 * bytes start as one symbol per byte and adjacent symbols merge in the order merges.txt lists
 * the pairs (lowest rank first) until no listed pair remains. Vocabulary files spell each
 * token's bytes through GPT-2's byte-to-character table (a space is "\xc4\xa0", U+0120), so a
 * token has two forms here: its piece (as the files spell it) and its bytes. */
#ifndef VKGPT_PLUGIN_BPE_H
#define VKGPT_PLUGIN_BPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vkgpt_tokenizer_plugin.h"

/* Limits on what the files may declare, checked before use. */
#define BPE_MAX_TOKENS (1u << 24)     /* ids 0..16,777,215 */
#define BPE_MAX_MERGES (1u << 24)
#define BPE_MAX_PIECE 4096            /* bytes of one token's piece */
#define BPE_MAX_FILE (512u << 20)     /* bytes of one tokenizer file */
#define BPE_MAX_JSON_STRING (1u << 16) /* bytes of any one JSON string */

typedef enum bpe_kind {
    BPE_HOLE = 0,    /* no token has this id */
    BPE_NORMAL = 1,  /* from the vocabulary */
    BPE_ADDED = 2,   /* an added token: always matched whole in text */
    BPE_SPECIAL = 3, /* a special token: matched in text only when asked */
} bpe_kind_t;

typedef struct bpe_token {
    uint32_t piece_off, piece_len; /* in bpe_t.pool */
    uint32_t bytes_off, bytes_len; /* in bpe_t.pool */
    uint8_t kind;                  /* bpe_kind_t */
} bpe_token_t;

/* An open-addressing set of token ids keyed by a token's piece or bytes. */
typedef struct bpe_idmap {
    uint64_t *slots; /* (hash high 32 bits << 32) | (id + 1); 0 = empty */
    size_t mask;
    size_t count;
} bpe_idmap_t;

/* Merge ranks keyed by the pair of ids: a hash, not a scan of merges.txt. */
typedef struct bpe_merge_slot {
    uint64_t key; /* (left << 32) | right; UINT64_MAX = empty */
    uint32_t rank;
    int32_t merged;
} bpe_merge_slot_t;

typedef struct bpe_mergemap {
    bpe_merge_slot_t *slots;
    size_t mask;
    size_t count;
} bpe_mergemap_t;

typedef struct bpe_special {
    int32_t id;
    uint32_t roles; /* vkgpt_special_role_t bits */
} bpe_special_t;

/* Encoded words by their bytes: most text repeats its words, and a hit skips BPE entirely. */
typedef struct bpe_cache {
    uint64_t *slots; /* (hash high 32 bits << 32) | (entry + 1); 0 = empty */
    size_t mask;
    struct bpe_cache_entry {
        uint32_t bytes_off, bytes_len; /* in bytes */
        uint32_t ids_off, ids_len;     /* in ids */
    } *entries;
    size_t n_entries;
    uint8_t *bytes;
    size_t bytes_len;
    int32_t *ids;
    size_t ids_len;
} bpe_cache_t;

/* A growable array of ids; the encoder's scratch space. */
typedef struct bpe_ids {
    int32_t *v;
    size_t len, cap;
} bpe_ids_t;

struct vkgpt_tokenizer_impl {
    bpe_token_t *tokens; /* by id; n_tokens is the vocabulary size */
    size_t n_tokens;
    uint8_t *pool; /* pieces and bytes of every token */
    size_t pool_len, pool_cap;

    bpe_idmap_t by_piece; /* every token with a piece */
    bpe_idmap_t by_bytes; /* normal tokens by their bytes (for ignore_merges) */
    bpe_mergemap_t merges;
    int32_t byte_token[256]; /* the single-byte tokens every piece starts from */

    bpe_special_t *specials; /* declared special tokens, in declaration order */
    size_t n_specials;
    int32_t *matchable; /* added and special ids, longest text first */
    size_t n_matchable;

    bool add_prefix_space; /* tokenizer.json ByteLevel option */
    bool ignore_merges;    /* tokenizer.json: a word in the vocabulary is one token */

    /* Encoder scratch; an instance is used by one thread at a time. */
    bpe_cache_t cache;
    bpe_ids_t out;
    uint32_t *work; /* the merge loop's arrays */
    size_t work_cap;
};

typedef struct vkgpt_tokenizer_impl bpe_t;
typedef vkgpt_tokenizer_plugin_error_t bpe_err_t;

/* ---- bpe_maps.c ---- */

uint64_t bpe_hash(const void *data, size_t len);

/* Grows the map to hold n entries; false when memory runs out. */
bool bpe_idmap_reserve(const bpe_t *b, bpe_idmap_t *m, bool by_bytes, size_t n);
/* Finds the id whose key (per the by_bytes flag: bytes or piece) equals key, or -1. */
int32_t bpe_idmap_find(const bpe_t *b, const bpe_idmap_t *m, bool by_bytes, const void *key,
                       size_t len);
/* Adds id under its key; returns the id already there instead when the key is taken, or -2
 * when memory runs out. */
int32_t bpe_idmap_insert(const bpe_t *b, bpe_idmap_t *m, bool by_bytes, int32_t id);
void bpe_idmap_free(bpe_idmap_t *m);

bool bpe_mergemap_reserve(bpe_mergemap_t *m, size_t n);
/* Adds a merge unless the pair is already there (the earlier, lower rank wins). */
void bpe_mergemap_insert(bpe_mergemap_t *m, int32_t left, int32_t right, uint32_t rank,
                         int32_t merged);
const bpe_merge_slot_t *bpe_mergemap_find(const bpe_mergemap_t *m, int32_t left,
                                          int32_t right);
void bpe_mergemap_free(bpe_mergemap_t *m);

/* ---- bpe_bytes.c: GPT-2's byte <-> character table ---- */

/* The character that stands for byte b in vocabulary files. */
int32_t bpe_byte_to_char(uint8_t b);
/* The byte a character stands for, or -1 when it stands for none. */
int bpe_char_to_byte(int32_t cp);
/* Writes the piece spelling of bytes[0..n) to out (at most 2 bytes per byte); returns its
 * length. */
size_t bpe_bytes_to_piece(const uint8_t *bytes, size_t n, uint8_t *out);
/* Writes the bytes a piece spells to out (at most len bytes); returns their count, or
 * SIZE_MAX when the piece holds a character that stands for no byte. */
size_t bpe_piece_to_bytes(const uint8_t *piece, size_t len, uint8_t *out);

/* ---- bpe_load.c ---- */

vkgpt_status_t bpe_load(const vkgpt_tokenizer_source_t *src, bpe_t **out, bpe_err_t *err);
void bpe_free(bpe_t *b);

/* Sets err's message (printf-style) and returns status. */
vkgpt_status_t bpe_fail(bpe_err_t *err, vkgpt_status_t status, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* Writes a short, printable rendering of a piece for messages ("\xc4\xa0the" -> "Ġthe",
 * control bytes as \xNN, long pieces cut with "..."). */
const char *bpe_quote(const void *piece, size_t len, char *buf, size_t size);

/* ---- bpe_encode.c ---- */

vkgpt_status_t bpe_encode(bpe_t *b, const uint8_t *text, size_t len, uint32_t flags,
                          bpe_err_t *err);
vkgpt_status_t bpe_decode(const bpe_t *b, const int32_t *ids, size_t n_ids, uint32_t flags,
                          char *out, size_t capacity, size_t *n_bytes, size_t *n_invalid);
bool bpe_ids_push(bpe_ids_t *v, int32_t id);
void bpe_cache_free(bpe_cache_t *c);

/* ---- bpe_train.c ---- */

vkgpt_status_t bpe_train(const vkgpt_tokenizer_train_params_t *p, bpe_err_t *err);

/* ---- small helpers ---- */

static inline const uint8_t *bpe_piece(const bpe_t *b, int32_t id) {
    return b->pool + b->tokens[id].piece_off;
}

static inline const uint8_t *bpe_bytes(const bpe_t *b, int32_t id) {
    return b->pool + b->tokens[id].bytes_off;
}

#endif
