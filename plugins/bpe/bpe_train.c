/* bpe_train.c: learns byte-level BPE merges from text and writes Hugging Face GPT-2 files.
 *
 * The text is split by GPT-2's pre-tokenizer and counted as words. Every word starts as its
 * bytes (ids 0..255 in byte order); the most frequent adjacent pair across all words becomes a
 * new token, and the loop repeats until the vocabulary is full or no pair occurs
 * min_frequency times. Special tokens take the last ids, as <|endoftext|> does in GPT-2.
 *
 * Each pair keeps its count and the list of words it occurs in, so a merge only revisits
 * those words. A max-heap orders pairs by count; counts only fall for existing pairs (new
 * pairs contain the new token), so a popped entry whose count is out of date is pushed again
 * with the current count. Ties go to the pair with the smaller (left, right) ids, and words
 * are numbered in order of first appearance, so the same files give the same vocabulary.
 * Memory grows with the number of distinct words, not with the text. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bpe.h"
#include "pretokenize.h"
#include "utf8.h"

#define MAX_TRAIN_FILE (2u << 30)
#define MAX_TOKEN_BYTES (BPE_MAX_PIECE / 2) /* so that its piece (2 bytes a byte) loads back */

typedef struct u32vec {
    uint32_t *v;
    uint32_t len, cap;
} u32vec_t;

typedef struct pair {
    int32_t left, right;
    int64_t count;
    u32vec_t words; /* words the pair occurs in (repeats and stale entries allowed) */
} pair_t;

typedef struct word {
    uint64_t count;
    uint32_t sym_off, sym_len; /* symbols in trainer.syms */
} word_t;

typedef struct trainer {
    /* distinct words: bytes in wbytes, looked up through wslots */
    word_t *words;
    uint32_t *wbyte_off;
    size_t n_words, words_cap, off_cap;
    uint8_t *wbytes;
    size_t wbytes_len, wbytes_cap;
    uint64_t *wslots; /* (hash high 32 << 32) | (word + 1) */
    size_t wmask;

    int32_t *syms; /* every word's current symbols */
    size_t n_syms;

    pair_t *pairs;
    size_t n_pairs, pairs_cap;
    uint64_t *pslots; /* (pair key) -> index + 1 in the low half of pvals */
    uint32_t *pvals;
    size_t pmask;

    uint64_t *heap; /* (count << 32 | pair index), max-heap */
    size_t heap_len, heap_cap;

    /* tokens: bytes of each id */
    uint32_t *tok_off, *tok_len;
    size_t tok_cap;
    uint8_t *tbytes;
    size_t tbytes_len, tbytes_cap;
    size_t n_tokens;
    int32_t (*merges)[2];
    size_t n_merges, merges_cap;

    u32vec_t touched; /* pairs that gained count in the current merge */
} trainer_t;

/* ---- Growth helpers ---- */

static bool grow(void **p, size_t *cap, size_t need, size_t elem) {
    if (need <= *cap) {
        return true;
    }
    size_t c = *cap ? *cap : 64;
    while (c < need) {
        if (c > SIZE_MAX / 2 / elem) {
            return false;
        }
        c *= 2;
    }
    void *q = realloc(*p, c * elem);
    if (!q) {
        return false;
    }
    *p = q;
    *cap = c;
    return true;
}

static bool u32_push(u32vec_t *v, uint32_t x) {
    if (v->len == v->cap) {
        uint32_t cap = v->cap ? v->cap * 2 : 4;
        uint32_t *q = cap > v->cap ? realloc(v->v, (size_t)cap * sizeof(uint32_t)) : NULL;
        if (!q) {
            return false;
        }
        v->v = q;
        v->cap = cap;
    }
    v->v[v->len++] = x;
    return true;
}

/* ---- Words ---- */

static bool words_rehash(trainer_t *t, size_t size) {
    uint64_t *slots = calloc(size, sizeof(uint64_t));
    if (!slots) {
        return false;
    }
    for (size_t w = 0; w < t->n_words; w++) {
        uint32_t len = t->words[w].sym_len; /* still the byte length while counting */
        uint64_t h = bpe_hash(t->wbytes + t->wbyte_off[w], len);
        size_t i = h & (size - 1);
        while (slots[i]) {
            i = (i + 1) & (size - 1);
        }
        slots[i] = (h & 0xFFFFFFFF00000000ULL) | (w + 1);
    }
    free(t->wslots);
    t->wslots = slots;
    t->wmask = size - 1;
    return true;
}

/* Counts one occurrence of the word w[0..n). While counting, sym_len holds the byte length. */
static bool word_count(trainer_t *t, const uint8_t *w, size_t n) {
    if (2 * (t->n_words + 1) > t->wmask + 1 && !words_rehash(t, 2 * (t->wmask + 1))) {
        return false;
    }
    uint64_t h = bpe_hash(w, n);
    size_t i = h & t->wmask;
    for (; t->wslots[i]; i = (i + 1) & t->wmask) {
        size_t k = (uint32_t)t->wslots[i] - 1;
        if ((t->wslots[i] >> 32) == (h >> 32) && t->words[k].sym_len == n &&
            memcmp(t->wbytes + t->wbyte_off[k], w, n) == 0) {
            t->words[k].count++;
            return true;
        }
    }

    if (n > UINT32_MAX - t->wbytes_len || t->n_words >= UINT32_MAX - 1 ||
        !grow((void **)&t->words, &t->words_cap, t->n_words + 1, sizeof(word_t)) ||
        !grow((void **)&t->wbyte_off, &t->off_cap, t->n_words + 1, sizeof(uint32_t)) ||
        !grow((void **)&t->wbytes, &t->wbytes_cap, t->wbytes_len + n, 1)) {
        return false;
    }
    memcpy(t->wbytes + t->wbytes_len, w, n);
    t->wbyte_off[t->n_words] = (uint32_t)t->wbytes_len;
    t->words[t->n_words] = (word_t){.count = 1, .sym_len = (uint32_t)n};
    t->wbytes_len += n;
    t->wslots[i] = (h & 0xFFFFFFFF00000000ULL) | (t->n_words + 1);
    t->n_words++;
    return true;
}

static vkgpt_status_t count_file(trainer_t *t, const char *path, bpe_err_t *err) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        return bpe_fail(err, VKGPT_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    }
    struct stat sb;
    uint8_t *buf = NULL;
    size_t len = 0;
    vkgpt_status_t st = VKGPT_OK;
    if (fstat(fileno(f), &sb) != 0 || !S_ISREG(sb.st_mode) ||
        (uint64_t)sb.st_size > MAX_TRAIN_FILE) {
        st = bpe_fail(err, VKGPT_ERR_IO, "%s: not a regular file of at most %u bytes", path,
                      MAX_TRAIN_FILE);
    } else if (!(buf = malloc((size_t)sb.st_size + 1))) {
        st = bpe_fail(err, VKGPT_ERR_OUT_OF_HOST_MEMORY, "%s: out of memory", path);
    } else if ((len = fread(buf, 1, (size_t)sb.st_size, f)) != (size_t)sb.st_size) {
        st = bpe_fail(err, VKGPT_ERR_IO, "%s: short read", path);
    }
    fclose(f);

    for (size_t pos = 0; st == VKGPT_OK && pos < len;) {
        size_t end = vkgpt__pretok_next(buf, len, pos);
        if (end - pos > UINT32_MAX / 2 || !word_count(t, buf + pos, end - pos)) {
            st = bpe_fail(err, VKGPT_ERR_OUT_OF_HOST_MEMORY, "%s: out of memory counting words",
                          path);
        }
        pos = end;
    }
    free(buf);
    return st;
}

/* ---- Pairs ---- */

static inline uint64_t pkey(int32_t l, int32_t r) {
    return ((uint64_t)(uint32_t)l << 32) | (uint32_t)r;
}

static bool pairs_rehash(trainer_t *t, size_t size) {
    uint64_t *slots = malloc(size * sizeof(uint64_t));
    uint32_t *vals = malloc(size * sizeof(uint32_t));
    if (!slots || !vals) {
        free(slots);
        free(vals);
        return false;
    }
    memset(slots, 0xFF, size * sizeof(uint64_t));
    for (size_t p = 0; p < t->n_pairs; p++) {
        uint64_t k = pkey(t->pairs[p].left, t->pairs[p].right);
        size_t i = bpe_hash(&k, 8) & (size - 1);
        while (slots[i] != UINT64_MAX) {
            i = (i + 1) & (size - 1);
        }
        slots[i] = k;
        vals[i] = (uint32_t)p;
    }
    free(t->pslots);
    free(t->pvals);
    t->pslots = slots;
    t->pvals = vals;
    t->pmask = size - 1;
    return true;
}

/* The index of pair (l, r), created with count 0 when new; -1 when memory runs out. */
static int64_t pair_get(trainer_t *t, int32_t l, int32_t r) {
    if (2 * (t->n_pairs + 1) > t->pmask + 1 && !pairs_rehash(t, 2 * (t->pmask + 1))) {
        return -1;
    }
    uint64_t k = pkey(l, r);
    size_t i = bpe_hash(&k, 8) & t->pmask;
    for (; t->pslots[i] != UINT64_MAX; i = (i + 1) & t->pmask) {
        if (t->pslots[i] == k) {
            return t->pvals[i];
        }
    }
    if (t->n_pairs >= UINT32_MAX - 1 ||
        !grow((void **)&t->pairs, &t->pairs_cap, t->n_pairs + 1, sizeof(pair_t))) {
        return -1;
    }
    t->pairs[t->n_pairs] = (pair_t){.left = l, .right = r};
    t->pslots[i] = k;
    t->pvals[i] = (uint32_t)t->n_pairs;
    return (int64_t)t->n_pairs++;
}

/* Adds delta occurrences of (l, r) from word w; a gain records the word and the pair. */
static bool pair_add(trainer_t *t, int32_t l, int32_t r, int64_t delta, uint32_t w) {
    int64_t p = pair_get(t, l, r);
    if (p < 0) {
        return false;
    }
    pair_t *pr = &t->pairs[p];
    pr->count += delta;
    if (delta <= 0) {
        return true;
    }
    bool listed = pr->words.len > 0 && pr->words.v[pr->words.len - 1] == w;
    return (listed || u32_push(&pr->words, w)) && u32_push(&t->touched, (uint32_t)p);
}

/* ---- Heap: count first, then the smaller (left, right) ---- */

static bool heap_before(const trainer_t *t, uint64_t a, uint64_t b) {
    if ((a >> 32) != (b >> 32)) {
        return (a >> 32) > (b >> 32);
    }
    const pair_t *pa = &t->pairs[(uint32_t)a], *pb = &t->pairs[(uint32_t)b];
    return pkey(pa->left, pa->right) < pkey(pb->left, pb->right);
}

static bool heap_push(trainer_t *t, uint32_t p) {
    int64_t c = t->pairs[p].count;
    if (c <= 0) {
        return true;
    }
    if (!grow((void **)&t->heap, &t->heap_cap, t->heap_len + 1, sizeof(uint64_t))) {
        return false;
    }
    uint64_t x = ((uint64_t)(c > UINT32_MAX ? UINT32_MAX : c) << 32) | p;
    size_t i = t->heap_len++;
    while (i > 0 && heap_before(t, x, t->heap[(i - 1) / 2])) {
        t->heap[i] = t->heap[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    t->heap[i] = x;
    return true;
}

static uint64_t heap_pop(trainer_t *t) {
    uint64_t top = t->heap[0], last = t->heap[--t->heap_len];
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= t->heap_len) {
            break;
        }
        if (c + 1 < t->heap_len && heap_before(t, t->heap[c + 1], t->heap[c])) {
            c++;
        }
        if (!heap_before(t, t->heap[c], last)) {
            break;
        }
        t->heap[i] = t->heap[c];
        i = c;
    }
    if (t->heap_len > 0) {
        t->heap[i] = last;
    }
    return top;
}

/* ---- Merging ---- */

static bool setup_symbols(trainer_t *t) {
    size_t total = t->wbytes_len;
    t->syms = malloc((total ? total : 1) * sizeof(int32_t));
    if (!t->syms) {
        return false;
    }
    for (uint32_t w = 0; w < t->n_words; w++) {
        word_t *wd = &t->words[w];
        wd->sym_off = t->wbyte_off[w];
        for (uint32_t i = 0; i < wd->sym_len; i++) {
            t->syms[wd->sym_off + i] = t->wbytes[t->wbyte_off[w] + i];
        }
        for (uint32_t i = 0; i + 1 < wd->sym_len; i++) {
            int32_t *s = t->syms + wd->sym_off;
            if (!pair_add(t, s[i], s[i + 1], (int64_t)wd->count, w)) {
                return false;
            }
        }
    }
    for (uint32_t p = 0; p < t->n_pairs; p++) {
        if (!heap_push(t, p)) {
            return false;
        }
    }
    return true;
}

/* Replaces every (l, r) in word w by id, updating the neighbouring pairs' counts. */
static bool merge_word(trainer_t *t, uint32_t w, int32_t l, int32_t r, int32_t id) {
    word_t *wd = &t->words[w];
    int32_t *s = t->syms + wd->sym_off;
    int64_t c = (int64_t)wd->count;
    uint32_t n = wd->sym_len, o = 0;
    bool ok = true;
    for (uint32_t i = 0; i < n && ok; i++) {
        if (!(i + 1 < n && s[i] == l && s[i + 1] == r)) {
            s[o++] = s[i];
            continue;
        }
        /* s[0..o) is already rewritten; s[i + 2..n) is not yet. */
        ok = pair_add(t, l, r, -c, w);
        if (ok && o > 0) {
            ok = pair_add(t, s[o - 1], l, -c, w) && pair_add(t, s[o - 1], id, c, w);
        }
        if (ok && i + 2 < n) {
            ok = pair_add(t, r, s[i + 2], -c, w) && pair_add(t, id, s[i + 2], c, w);
        }
        s[o++] = id;
        i++;
    }
    wd->sym_len = o;
    return ok;
}

static bool add_token(trainer_t *t, int32_t l, int32_t r) {
    uint32_t ll = t->tok_len[l], rl = t->tok_len[r];
    size_t cap = t->tok_cap;
    if (!grow((void **)&t->tok_off, &cap, t->n_tokens + 1, sizeof(uint32_t)) ||
        !grow((void **)&t->tok_len, &t->tok_cap, t->n_tokens + 1, sizeof(uint32_t)) ||
        !grow((void **)&t->merges, &t->merges_cap, t->n_merges + 1, sizeof(t->merges[0])) ||
        !grow((void **)&t->tbytes, &t->tbytes_cap, t->tbytes_len + ll + rl, 1)) {
        return false;
    }
    memcpy(t->tbytes + t->tbytes_len, t->tbytes + t->tok_off[l], ll);
    memcpy(t->tbytes + t->tbytes_len + ll, t->tbytes + t->tok_off[r], rl);
    t->tok_off[t->n_tokens] = (uint32_t)t->tbytes_len;
    t->tok_len[t->n_tokens] = ll + rl;
    t->tbytes_len += ll + rl;
    t->n_tokens++;
    t->merges[t->n_merges][0] = l;
    t->merges[t->n_merges][1] = r;
    t->n_merges++;
    return true;
}

/* Applies the most frequent pair; returns false when no pair reaches min_frequency. */
static bool merge_step(trainer_t *t, size_t min_frequency, bool *failed) {
    while (t->heap_len > 0) {
        uint64_t top = heap_pop(t);
        pair_t *pr = &t->pairs[(uint32_t)top];
        int64_t now = pr->count > UINT32_MAX ? UINT32_MAX : pr->count;
        if ((uint64_t)now != (top >> 32)) {
            *failed = !heap_push(t, (uint32_t)top); /* stale: counts only fall */
            if (*failed) {
                return false;
            }
            continue;
        }
        if ((uint64_t)pr->count < min_frequency) {
            return false;
        }
        if (t->tok_len[pr->left] + t->tok_len[pr->right] > MAX_TOKEN_BYTES) {
            pr->count = 0; /* never merged: the token would be too long to load back */
            continue;
        }

        int32_t l = pr->left, r = pr->right, id = (int32_t)t->n_tokens;
        t->touched.len = 0;
        bool ok = add_token(t, l, r);
        /* pr->words may move while pairs are added: iterate by index over a stable copy. */
        u32vec_t words = pr->words;
        pr->words = (u32vec_t){0};
        for (uint32_t i = 0; ok && i < words.len; i++) {
            ok = merge_word(t, words.v[i], l, r, id);
        }
        free(words.v);
        for (uint32_t i = 0; ok && i < t->touched.len; i++) {
            ok = heap_push(t, t->touched.v[i]);
        }
        *failed = !ok;
        return ok;
    }
    return false;
}

/* ---- Output ---- */

static void put_json_string(FILE *f, const uint8_t *s, size_t n) {
    fputc('"', f);
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"' || s[i] == '\\') {
            fprintf(f, "\\%c", s[i]);
        } else if (s[i] < 0x20) {
            fprintf(f, "\\u%04x", s[i]);
        } else {
            fputc(s[i], f);
        }
    }
    fputc('"', f);
}

static void put_piece(FILE *f, const trainer_t *t, int32_t id, bool json) {
    uint8_t piece[2 * MAX_TOKEN_BYTES];
    size_t n = bpe_bytes_to_piece(t->tbytes + t->tok_off[id], t->tok_len[id], piece);
    if (json) {
        put_json_string(f, piece, n);
    } else {
        fwrite(piece, 1, n, f);
    }
}

/* A special token spelled like a learned token would make vocab.json hold one key twice. */
static vkgpt_status_t check_special_clash(const trainer_t *t,
                                          const vkgpt_tokenizer_train_params_t *p,
                                          bpe_err_t *err) {
    uint8_t piece[2 * MAX_TOKEN_BYTES];
    for (size_t id = 0; id < t->n_tokens; id++) {
        size_t n = bpe_bytes_to_piece(t->tbytes + t->tok_off[id], t->tok_len[id], piece);
        for (size_t i = 0; i < p->n_special_tokens; i++) {
            const char *s = p->special_tokens[i];
            if (strlen(s) == n && memcmp(s, piece, n) == 0) {
                return bpe_fail(err, VKGPT_ERR_INVALID_ARGUMENT,
                                "special token '%s' is spelled like learned token %zu", s, id);
            }
        }
    }
    return VKGPT_OK;
}

static vkgpt_status_t close_checked(FILE *f, const char *path, bpe_err_t *err) {
    bool bad = ferror(f) != 0;
    bad = fclose(f) != 0 || bad;
    return bad ? bpe_fail(err, VKGPT_ERR_IO, "%s: write failed", path) : VKGPT_OK;
}

static vkgpt_status_t write_vocab(const trainer_t *t, const char *dir,
                                  const vkgpt_tokenizer_train_params_t *p, bpe_err_t *err) {
    char path[4200];
    snprintf(path, sizeof(path), "%s/vocab.json", dir);
    FILE *f = fopen(path, "wb");
    if (!f) {
        return bpe_fail(err, VKGPT_ERR_IO, "%s: cannot create: %s", path, strerror(errno));
    }
    fputc('{', f);
    for (size_t id = 0; id < t->n_tokens; id++) {
        fputs(id ? ", " : "", f);
        put_piece(f, t, (int32_t)id, true);
        fprintf(f, ": %zu", id);
    }
    for (size_t i = 0; i < p->n_special_tokens; i++) {
        fputs(", ", f);
        const char *s = p->special_tokens[i];
        put_json_string(f, (const uint8_t *)s, strlen(s));
        fprintf(f, ": %zu", t->n_tokens + i);
    }
    fputs("}\n", f);
    return close_checked(f, path, err);
}

static vkgpt_status_t write_merges(const trainer_t *t, const char *dir, bpe_err_t *err) {
    char path[4200];
    snprintf(path, sizeof(path), "%s/merges.txt", dir);
    FILE *f = fopen(path, "wb");
    if (!f) {
        return bpe_fail(err, VKGPT_ERR_IO, "%s: cannot create: %s", path, strerror(errno));
    }
    fputs("#version: 0.2\n", f);
    for (size_t i = 0; i < t->n_merges; i++) {
        put_piece(f, t, t->merges[i][0], false);
        fputc(' ', f);
        put_piece(f, t, t->merges[i][1], false);
        fputc('\n', f);
    }
    return close_checked(f, path, err);
}

/* The first special token is bos, eos and unk, as <|endoftext|> is for GPT-2. */
static vkgpt_status_t write_special_map(const char *dir,
                                        const vkgpt_tokenizer_train_params_t *p,
                                        bpe_err_t *err) {
    char path[4200];
    snprintf(path, sizeof(path), "%s/special_tokens_map.json", dir);
    FILE *f = fopen(path, "wb");
    if (!f) {
        return bpe_fail(err, VKGPT_ERR_IO, "%s: cannot create: %s", path, strerror(errno));
    }
    const uint8_t *first = (const uint8_t *)p->special_tokens[0];
    const char *keys[3] = {"bos_token", "eos_token", "unk_token"};
    fputs("{", f);
    for (int i = 0; i < 3; i++) {
        fprintf(f, "%s\"%s\": ", i ? ", " : "", keys[i]);
        put_json_string(f, first, strlen((const char *)first));
    }
    if (p->n_special_tokens > 1) {
        fputs(", \"additional_special_tokens\": [", f);
        for (size_t i = 1; i < p->n_special_tokens; i++) {
            fputs(i > 1 ? ", " : "", f);
            put_json_string(f, (const uint8_t *)p->special_tokens[i],
                            strlen(p->special_tokens[i]));
        }
        fputs("]", f);
    }
    fputs("}\n", f);
    return close_checked(f, path, err);
}

/* ---- Entry ---- */

static void trainer_free(trainer_t *t) {
    for (size_t i = 0; i < t->n_pairs; i++) {
        free(t->pairs[i].words.v);
    }
    free(t->words);
    free(t->wbyte_off);
    free(t->wbytes);
    free(t->wslots);
    free(t->syms);
    free(t->pairs);
    free(t->pslots);
    free(t->pvals);
    free(t->heap);
    free(t->tok_off);
    free(t->tok_len);
    free(t->tbytes);
    free(t->merges);
    free(t->touched.v);
}

static bool trainer_init(trainer_t *t) {
    t->wslots = calloc(1024, sizeof(uint64_t));
    t->wmask = 1023;
    t->tok_off = malloc(256 * sizeof(uint32_t));
    t->tok_len = malloc(256 * sizeof(uint32_t));
    t->tok_cap = 256;
    t->tbytes = malloc(256);
    t->tbytes_cap = 256;
    if (!t->wslots || !t->tok_off || !t->tok_len || !t->tbytes || !pairs_rehash(t, 1024)) {
        return false;
    }
    for (int b = 0; b < 256; b++) {
        t->tbytes[b] = (uint8_t)b;
        t->tok_off[b] = (uint32_t)b;
        t->tok_len[b] = 1;
    }
    t->tbytes_len = 256;
    t->n_tokens = 256;
    return true;
}

static vkgpt_status_t check_params(const vkgpt_tokenizer_train_params_t *p, bpe_err_t *err) {
    if (!p || p->struct_size < sizeof(*p) || !p->out_dir || (p->n_files && !p->files)) {
        return bpe_fail(err, VKGPT_ERR_INVALID_ARGUMENT, "train params incomplete");
    }
    if (p->n_files == 0) {
        return bpe_fail(err, VKGPT_ERR_INVALID_ARGUMENT, "no training files");
    }
    for (size_t i = 0; i < p->n_special_tokens; i++) {
        const char *s = p->special_tokens[i];
        if (!s || !s[0] || strlen(s) > BPE_MAX_PIECE ||
            !vkgpt__utf8_valid((const uint8_t *)s, strlen(s))) {
            return bpe_fail(err, VKGPT_ERR_INVALID_ARGUMENT,
                            "special token %zu is empty, over %d bytes, or not UTF-8", i,
                            BPE_MAX_PIECE);
        }
    }
    if (p->vocab_size < 256 + p->n_special_tokens || p->vocab_size > BPE_MAX_TOKENS) {
        return bpe_fail(err, VKGPT_ERR_INVALID_ARGUMENT,
                        "vocab size %zu: must be at least 256 byte tokens + %zu special "
                        "tokens and at most %u", p->vocab_size, p->n_special_tokens,
                        BPE_MAX_TOKENS);
    }
    if (mkdir(p->out_dir, 0777) != 0 && errno != EEXIST) {
        return bpe_fail(err, VKGPT_ERR_IO, "%s: cannot create folder: %s", p->out_dir,
                        strerror(errno));
    }
    return VKGPT_OK;
}

vkgpt_status_t bpe_train(const vkgpt_tokenizer_train_params_t *params, bpe_err_t *err) {
    static const char *const default_special[1] = {"<|endoftext|>"};
    vkgpt_tokenizer_train_params_t p = *params;
    if (p.n_special_tokens == 0 || !p.special_tokens) {
        p.special_tokens = default_special;
        p.n_special_tokens = 1;
    }
    vkgpt_status_t st = check_params(&p, err);
    if (st != VKGPT_OK) {
        return st;
    }

    trainer_t t = {0};
    if (!trainer_init(&t)) {
        st = bpe_fail(err, VKGPT_ERR_OUT_OF_HOST_MEMORY, "out of memory");
    }
    for (size_t i = 0; i < p.n_files && st == VKGPT_OK; i++) {
        st = count_file(&t, p.files[i], err);
    }
    if (st == VKGPT_OK && !setup_symbols(&t)) {
        st = bpe_fail(err, VKGPT_ERR_OUT_OF_HOST_MEMORY, "out of memory");
    }

    size_t want = p.vocab_size - p.n_special_tokens;
    size_t min_freq = p.min_frequency ? p.min_frequency : 1;
    bool failed = false;
    while (st == VKGPT_OK && t.n_tokens < want && merge_step(&t, min_freq, &failed)) {
    }
    if (st == VKGPT_OK && failed) {
        st = bpe_fail(err, VKGPT_ERR_OUT_OF_HOST_MEMORY, "out of memory while merging");
    }

    if (st == VKGPT_OK) {
        st = check_special_clash(&t, &p, err);
    }
    if (st == VKGPT_OK) {
        st = write_vocab(&t, p.out_dir, &p, err);
    }
    if (st == VKGPT_OK) {
        st = write_merges(&t, p.out_dir, err);
    }
    if (st == VKGPT_OK) {
        st = write_special_map(p.out_dir, &p, err);
    }
    trainer_free(&t);
    return st;
}
