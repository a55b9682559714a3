/* bpe_load.c: reads a byte-level BPE tokenizer from Hugging Face files.
 *
 * Two layouts: tokenizer.json (model.vocab, model.merges, added_tokens), or vocab.json +
 * merges.txt. Either may sit beside special_tokens_map.json, tokenizer_config.json and
 * added_tokens.json, which name the special tokens and their roles. Every count, id and
 * length is checked before it is used, and every error names the file and where in it. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "bpe.h"
#include "bpe_load.h"
#include "utf8.h"

vkgpt_status_t bpe_fail(bpe_err_t *err, vkgpt_status_t status, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof(err->message), fmt, ap);
    va_end(ap);
    return status;
}

const char *bpe_quote(const void *piece, size_t len, char *buf, size_t size) {
    const uint8_t *p = piece;
    size_t o = 0, i = 0;
    while (i < len && o + 8 < size) {
        if (i >= 48) {
            memcpy(buf + o, "...", 3);
            o += 3;
            break;
        }
        if (p[i] >= 0x20 && p[i] < 0x7F && p[i] != '\\') {
            buf[o++] = (char)p[i++];
            continue;
        }
        int32_t cp;
        size_t n = vkgpt__utf8_decode(p + i, len - i, &cp);
        if (cp >= 0xA0) {
            memcpy(buf + o, p + i, n);
            o += n;
        } else {
            o += (size_t)snprintf(buf + o, size - o, "\\x%02x", p[i]);
            n = 1;
        }
        i += n;
    }
    buf[o] = '\0';
    return buf;
}

/* ---- The token table ---- */

static vkgpt_status_t oom(bpe_err_t *err) {
    return bpe_fail(err, VKGPT_ERR_OUT_OF_HOST_MEMORY, "out of memory while loading");
}

static vkgpt_status_t pool_add(bpe_t *b, const void *data, size_t n, uint32_t *off,
                               bpe_err_t *err) {
    if (n > UINT32_MAX - b->pool_len) {
        return bpe_fail(err, VKGPT_ERR_UNSUPPORTED, "tokens hold over 4 GiB of text");
    }
    if (b->pool_len + n > b->pool_cap) {
        size_t cap = b->pool_cap ? b->pool_cap : 1 << 16;
        while (cap < b->pool_len + n) {
            cap *= 2;
        }
        uint8_t *pool = realloc(b->pool, cap);
        if (!pool) {
            return oom(err);
        }
        b->pool = pool;
        b->pool_cap = cap;
    }
    memcpy(b->pool + b->pool_len, data, n);
    *off = (uint32_t)b->pool_len;
    b->pool_len += n;
    return VKGPT_OK;
}

/* Grows the table to n ids; new ids are holes. */
static vkgpt_status_t tokens_resize(bpe_t *b, size_t n, bpe_err_t *err) {
    if (n <= b->n_tokens) {
        return VKGPT_OK;
    }
    bpe_token_t *t = realloc(b->tokens, n * sizeof(*t));
    if (!t) {
        return oom(err);
    }
    memset(t + b->n_tokens, 0, (n - b->n_tokens) * sizeof(*t));
    b->tokens = t;
    b->n_tokens = n;
    return VKGPT_OK;
}

/* Fills token id. A vocabulary token's bytes are what its piece spells through the byte
 * table; an added or special token's bytes are its text as written (as Hugging Face decodes
 * them), and so is a vocabulary piece holding a character the table lacks. */
static vkgpt_status_t set_token(bpe_t *b, int32_t id, const char *piece, size_t len,
                                bpe_kind_t kind, bpe_err_t *err) {
    uint8_t bytes[BPE_MAX_PIECE];
    size_t n = SIZE_MAX;
    if (kind == BPE_NORMAL) {
        n = bpe_piece_to_bytes((const uint8_t *)piece, len, bytes);
    }
    const void *raw = n == SIZE_MAX ? (const void *)piece : bytes;
    n = n == SIZE_MAX ? len : n;

    bpe_token_t *t = &b->tokens[id];
    vkgpt_status_t st = pool_add(b, piece, len, &t->piece_off, err);
    if (st == VKGPT_OK) {
        st = pool_add(b, raw, n, &t->bytes_off, err);
    }
    t->piece_len = (uint32_t)len;
    t->bytes_len = (uint32_t)n;
    t->kind = (uint8_t)kind;
    return st;
}

/* ---- Vocabulary ---- */

static vkgpt_status_t vocab_entry(bpe_t *b, const char *path, const char *key, size_t klen,
                                  json_t *value, size_t n, bpe_err_t *err) {
    char q[128], q2[128];
    if (!json_is_integer(value)) {
        return bpe_fail(err, VKGPT_ERR_BAD_FORMAT, "%s: token '%s' has a non-integer id", path,
                        bpe_quote(key, klen, q, sizeof(q)));
    }
    json_int_t id = json_integer_value(value);
    if (id < 0 || (size_t)id >= n) {
        return bpe_fail(err, VKGPT_ERR_BAD_FORMAT,
                        "%s: token '%s' has id %lld, past the vocabulary of %zu tokens (ids "
                        "must be 0..%zu)", path, bpe_quote(key, klen, q, sizeof(q)),
                        (long long)id, n, n - 1);
    }
    if (klen == 0 || klen > BPE_MAX_PIECE) {
        return bpe_fail(err, VKGPT_ERR_BAD_FORMAT,
                        "%s: token %lld is %zu bytes long (must be 1..%d)", path,
                        (long long)id, klen, BPE_MAX_PIECE);
    }
    if (b->tokens[id].kind != BPE_HOLE) {
        const uint8_t *other = bpe_piece(b, (int32_t)id);
        return bpe_fail(err, VKGPT_ERR_BAD_FORMAT, "%s: id %lld is given to both '%s' and '%s'",
                        path, (long long)id,
                        bpe_quote(other, b->tokens[id].piece_len, q2, sizeof(q2)),
                        bpe_quote(key, klen, q, sizeof(q)));
    }

    vkgpt_status_t st = set_token(b, (int32_t)id, key, klen, BPE_NORMAL, err);
    if (st == VKGPT_OK && bpe_idmap_insert(b, &b->by_piece, false, (int32_t)id) == -2) {
        st = oom(err);
    }
    return st;
}

/* Reads a JSON object of piece -> id whose ids are exactly 0..size-1. */
static vkgpt_status_t load_vocab(bpe_t *b, const char *path, json_t *vocab, bpe_err_t *err) {
    if (!json_is_object(vocab)) {
        return bpe_fail(err, VKGPT_ERR_BAD_FORMAT, "%s: the vocabulary is not a JSON object",
                        path);
    }
    size_t n = json_object_size(vocab);
    if (n == 0 || n > BPE_MAX_TOKENS) {
        return bpe_fail(err, VKGPT_ERR_BAD_FORMAT, "%s: %zu tokens (must be 1..%u)", path, n,
                        BPE_MAX_TOKENS);
    }
    vkgpt_status_t st = tokens_resize(b, n, err);
    if (st != VKGPT_OK) {
        return st;
    }
    if (!bpe_idmap_reserve(b, &b->by_piece, false, n + 64)) {
        return oom(err);
    }

    const char *key;
    size_t klen;
    json_t *value;
    json_object_keylen_foreach(vocab, key, klen, value) {
        st = vocab_entry(b, path, key, klen, value, n, err);
        if (st != VKGPT_OK) {
            return st;
        }
    }
    return VKGPT_OK;
}

/* ---- Merges ---- */

/* Adds the merge of pieces l and r with the given rank; where names the file and line. */
static vkgpt_status_t add_merge(bpe_t *b, const char *where, const char *l, size_t llen,
                                const char *r, size_t rlen, uint32_t rank, bpe_err_t *err) {
    char q[128], q2[128];
    int32_t left = bpe_idmap_find(b, &b->by_piece, false, l, llen);
    int32_t right = bpe_idmap_find(b, &b->by_piece, false, r, rlen);
    if (left < 0 || right < 0) {
        const char *bad = left < 0 ? l : r;
        size_t bad_len = left < 0 ? llen : rlen;
        return bpe_fail(err, VKGPT_ERR_BAD_FORMAT,
                        "%s: the merge names '%s', which is not in the vocabulary", where,
                        bpe_quote(bad, bad_len, q, sizeof(q)));
    }

    uint8_t both[2 * BPE_MAX_PIECE];
    int32_t merged = -1;
    if (llen + rlen <= sizeof(both)) {
        memcpy(both, l, llen);
        memcpy(both + llen, r, rlen);
        merged = bpe_idmap_find(b, &b->by_piece, false, both, llen + rlen);
    }
    if (merged < 0) {
        bpe_quote(l, llen, q, sizeof(q));
        return bpe_fail(err, VKGPT_ERR_BAD_FORMAT,
                        "%s: merging '%s' and '%s' makes a token that is not in the "
                        "vocabulary", where, q, bpe_quote(r, rlen, q2, sizeof(q2)));
    }
    bpe_mergemap_insert(&b->merges, left, right, rank, merged);
    return VKGPT_OK;
}

/* merges.txt: an optional "#version" line, then one "left right" pair per line; the line
 * order is the rank. */
static vkgpt_status_t load_merges_txt(bpe_t *b, const char *path, bpe_err_t *err) {
    uint8_t *buf = NULL;
    size_t len = 0;
    vkgpt_status_t st = bpe_read_file(path, &buf, &len, err);
    if (st != VKGPT_OK) {
        return st;
    }
    size_t lines = 1;
    for (size_t i = 0; i < len; i++) {
        lines += buf[i] == '\n';
    }
    if (lines > BPE_MAX_MERGES || !bpe_mergemap_reserve(&b->merges, lines)) {
        free(buf);
        return lines > BPE_MAX_MERGES
                   ? bpe_fail(err, VKGPT_ERR_BAD_FORMAT, "%s: over %u merges", path,
                              BPE_MAX_MERGES)
                   : oom(err);
    }

    uint32_t rank = 0;
    size_t line_no = 0;
    char *p = (char *)buf, *end = (char *)buf + len;
    while (p < end && st == VKGPT_OK) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        char *eol = nl ? nl : end;
        size_t n = (size_t)(eol - p);
        line_no++;
        if (n > 0 && p[n - 1] == '\r') {
            n--;
        }
        bool skip = n == 0 || (line_no == 1 && n >= 8 && memcmp(p, "#version", 8) == 0);
        if (!skip) {
            char where[4200];
            snprintf(where, sizeof(where), "%s:%zu", path, line_no);
            char *space = memchr(p, ' ', n);
            size_t right = space ? (size_t)(p + n - space - 1) : 0;
            if (!space || space == p || right == 0 || memchr(space + 1, ' ', right)) {
                st = bpe_fail(err, VKGPT_ERR_BAD_FORMAT,
                              "%s: expected two pieces separated by one space", where);
                break;
            }
            st = add_merge(b, where, p, (size_t)(space - p), space + 1, right, rank++, err);
        }
        p = eol + 1;
    }
    free(buf);
    return st;
}

/* tokenizer.json's model.merges: "left right" strings, or [left, right] arrays. */
static vkgpt_status_t load_merges_json(bpe_t *b, const char *path, json_t *merges,
                                       bpe_err_t *err) {
    if (!json_is_array(merges)) {
        return bpe_fail(err, VKGPT_ERR_BAD_FORMAT, "%s: model.merges is not an array", path);
    }
    size_t n = json_array_size(merges);
    if (n > BPE_MAX_MERGES || !bpe_mergemap_reserve(&b->merges, n)) {
        return n > BPE_MAX_MERGES ? bpe_fail(err, VKGPT_ERR_BAD_FORMAT, "%s: over %u merges",
                                             path, BPE_MAX_MERGES)
                                  : oom(err);
    }

    for (size_t i = 0; i < n; i++) {
        json_t *m = json_array_get(merges, i);
        char where[4200];
        snprintf(where, sizeof(where), "%s: model.merges[%zu]", path, i);
        const char *l = NULL, *r = NULL;
        size_t llen = 0, rlen = 0;
        if (json_is_string(m)) {
            l = json_string_value(m);
            const char *space = strchr(l, ' ');
            if (space && space != l && space[1] && !strchr(space + 1, ' ')) {
                llen = (size_t)(space - l);
                r = space + 1;
                rlen = strlen(r);
            }
        } else if (json_is_array(m) && json_array_size(m) == 2 &&
                   json_is_string(json_array_get(m, 0)) && json_is_string(json_array_get(m, 1))) {
            l = json_string_value(json_array_get(m, 0));
            r = json_string_value(json_array_get(m, 1));
            llen = json_string_length(json_array_get(m, 0));
            rlen = json_string_length(json_array_get(m, 1));
        }
        if (!r) {
            return bpe_fail(err, VKGPT_ERR_BAD_FORMAT,
                            "%s: expected \"left right\" or [\"left\", \"right\"]", where);
        }
        vkgpt_status_t st = add_merge(b, where, l, llen, r, rlen, (uint32_t)i, err);
        if (st != VKGPT_OK) {
            return st;
        }
    }
    return VKGPT_OK;
}

/* ---- Added and special tokens ---- */

static bpe_special_t *special_find(bpe_t *b, int32_t id) {
    for (size_t i = 0; i < b->n_specials; i++) {
        if (b->specials[i].id == id) {
            return &b->specials[i];
        }
    }
    return NULL;
}

static vkgpt_status_t special_add(bpe_t *b, int32_t id, uint32_t roles, bpe_err_t *err) {
    bpe_special_t *s = special_find(b, id);
    if (s) {
        s->roles |= roles;
        return VKGPT_OK;
    }
    bpe_special_t *grown = realloc(b->specials, (b->n_specials + 1) * sizeof(*grown));
    if (!grown) {
        return oom(err);
    }
    b->specials = grown;
    b->specials[b->n_specials++] = (bpe_special_t){.id = id, .roles = roles};
    return VKGPT_OK;
}

/* An added token with a fixed id (tokenizer.json added_tokens, tokenizer_config.json's
 * added_tokens_decoder). Its id either names the vocabulary token with the same text or lies
 * past the vocabulary, below limit. */
vkgpt_status_t bpe_add_token(bpe_t *b, const char *path, json_int_t id, const char *text,
                             size_t len, bool special, size_t limit, bpe_err_t *err) {
    char q[128], q2[128];
    if (len == 0 || len > BPE_MAX_PIECE) {
        return bpe_fail(err, VKGPT_ERR_BAD_FORMAT, "%s: added token %lld is %zu bytes long",
                        path, (long long)id, len);
    }
    /* Every message below names the token. */
    bpe_quote(text, len, q, sizeof(q));
    if (id < 0 || (size_t)id >= limit) {
        return bpe_fail(err, VKGPT_ERR_BAD_FORMAT,
                        "%s: added token '%s' has id %lld, past the vocabulary (ids must be "
                        "below %zu)", path, q, (long long)id, limit);
    }
    bpe_kind_t kind = special ? BPE_SPECIAL : BPE_ADDED;
    int32_t same = bpe_idmap_find(b, &b->by_piece, false, text, len);
    vkgpt_status_t st = VKGPT_OK;

    if ((size_t)id < b->n_tokens && b->tokens[id].kind != BPE_HOLE) {
        if (same != (int32_t)id) {
            const bpe_token_t *t = &b->tokens[id];
            return bpe_fail(err, VKGPT_ERR_BAD_FORMAT,
                            "%s: added token '%s' has id %lld, which is already '%s'", path, q,
                            (long long)id, bpe_quote(bpe_piece(b, (int32_t)id), t->piece_len,
                                                     q2, sizeof(q2)));
        }
        b->tokens[id].kind = (uint8_t)kind;
    } else {
        if (same >= 0) {
            return bpe_fail(err, VKGPT_ERR_BAD_FORMAT,
                            "%s: added token '%s' has id %lld but is already token %d", path,
                            q, (long long)id, (int)same);
        }
        st = tokens_resize(b, (size_t)id + 1, err);
        if (st == VKGPT_OK) {
            st = set_token(b, (int32_t)id, text, len, kind, err);
        }
        if (st == VKGPT_OK && bpe_idmap_insert(b, &b->by_piece, false, (int32_t)id) == -2) {
            st = oom(err);
        }
    }
    if (st == VKGPT_OK && special) {
        st = special_add(b, (int32_t)id, 0, err);
    }
    return st;
}

/* A special token named only by its text (special_tokens_map.json): the vocabulary token with
 * that text, or a new token after the last id, as Hugging Face's GPT-2 tokenizer adds one. */
static vkgpt_status_t declare_special(bpe_t *b, const char *path, const char *text, size_t len,
                                      uint32_t roles, bpe_err_t *err) {
    int32_t id = bpe_idmap_find(b, &b->by_piece, false, text, len);
    if (id < 0) {
        vkgpt_status_t st = bpe_add_token(b, path, (json_int_t)b->n_tokens, text, len, true,
                                          b->n_tokens + 1, err);
        if (st != VKGPT_OK) {
            return st;
        }
        id = (int32_t)b->n_tokens - 1;
    }
    b->tokens[id].kind = BPE_SPECIAL;
    return special_add(b, id, roles, err);
}

static const struct {
    const char *key;
    uint32_t role;
} role_keys[] = {
    {"bos_token", VKGPT_SPECIAL_BOS}, {"eos_token", VKGPT_SPECIAL_EOS},
    {"pad_token", VKGPT_SPECIAL_PAD}, {"unk_token", VKGPT_SPECIAL_UNK},
    {"sep_token", VKGPT_SPECIAL_SEP}, {"cls_token", VKGPT_SPECIAL_CLS},
    {"mask_token", VKGPT_SPECIAL_MASK},
};

/* A token's text: a string, or an object with "content" (a serialised AddedToken). */
static const char *token_text(json_t *v, size_t *len) {
    if (json_is_object(v)) {
        v = json_object_get(v, "content");
    }
    if (!json_is_string(v)) {
        return NULL;
    }
    *len = json_string_length(v);
    return json_string_value(v);
}

/* Reads the role keys and additional_special_tokens of special_tokens_map.json or
 * tokenizer_config.json. Sets *declared when any role was given. */
vkgpt_status_t bpe_read_roles(bpe_t *b, const char *path, json_t *root, bool *declared,
                              bpe_err_t *err) {
    vkgpt_status_t st = VKGPT_OK;
    for (size_t i = 0; i < sizeof(role_keys) / sizeof(role_keys[0]) && st == VKGPT_OK; i++) {
        size_t len;
        const char *text = token_text(json_object_get(root, role_keys[i].key), &len);
        if (text && len > 0) {
            st = declare_special(b, path, text, len, role_keys[i].role, err);
            *declared = true;
        }
    }
    json_t *extra = json_object_get(root, "additional_special_tokens");
    for (size_t i = 0; json_is_array(extra) && i < json_array_size(extra) && st == VKGPT_OK;
         i++) {
        size_t len;
        const char *text = token_text(json_array_get(extra, i), &len);
        if (text && len > 0) {
            st = declare_special(b, path, text, len, 0, err);
        }
    }
    return st;
}

/* Without any file naming roles, the conventional names take them: GPT-2's tokenizer treats
 * <|endoftext|> as its bos, eos and unk token. */
vkgpt_status_t bpe_default_roles(bpe_t *b, bpe_err_t *err) {
    static const struct {
        const char *text;
        uint32_t roles;
    } conventional[] = {
        {"<|endoftext|>", VKGPT_SPECIAL_BOS | VKGPT_SPECIAL_EOS | VKGPT_SPECIAL_UNK},
        {"<s>", VKGPT_SPECIAL_BOS}, {"</s>", VKGPT_SPECIAL_EOS},
        {"<pad>", VKGPT_SPECIAL_PAD}, {"<unk>", VKGPT_SPECIAL_UNK},
        {"<mask>", VKGPT_SPECIAL_MASK},
    };
    for (size_t i = 0; i < sizeof(conventional) / sizeof(conventional[0]); i++) {
        const char *t = conventional[i].text;
        int32_t id = bpe_idmap_find(b, &b->by_piece, false, t, strlen(t));
        if (id < 0) {
            continue;
        }
        b->tokens[id].kind = BPE_SPECIAL;
        vkgpt_status_t st = special_add(b, id, conventional[i].roles, err);
        if (st != VKGPT_OK) {
            return st;
        }
    }
    return VKGPT_OK;
}

/* ---- Finishing ---- */

static int compare_by_length(const void *a, const void *c, void *ctx) {
    const bpe_t *b = ctx;
    uint32_t la = b->tokens[*(const int32_t *)a].bytes_len;
    uint32_t lc = b->tokens[*(const int32_t *)c].bytes_len;
    if (la != lc) {
        return la > lc ? -1 : 1;
    }
    return *(const int32_t *)a - *(const int32_t *)c;
}

/* Sorts ids[0..n) longest text first (ties by id), so the first match is the longest. */
static void sort_by_length(bpe_t *b, int32_t *ids, size_t n) {
    /* Insertion sort: a tokenizer declares a handful of added tokens, rarely hundreds. */
    for (size_t i = 1; i < n; i++) {
        int32_t v = ids[i];
        size_t j = i;
        while (j > 0 && compare_by_length(&ids[j - 1], &v, b) > 0) {
            ids[j] = ids[j - 1];
            j--;
        }
        ids[j] = v;
    }
}

/* Finds the 256 single-byte tokens and lists the tokens matched whole in text. */
vkgpt_status_t bpe_finish(bpe_t *b, const char *vocab_path, bpe_err_t *err) {
    for (unsigned byte = 0; byte < 256; byte++) {
        uint8_t piece[4];
        size_t n = vkgpt__utf8_encode(bpe_byte_to_char((uint8_t)byte), piece);
        b->byte_token[byte] = bpe_idmap_find(b, &b->by_piece, false, piece, n);
        if (b->byte_token[byte] < 0) {
            char q[16];
            return bpe_fail(err, VKGPT_ERR_BAD_FORMAT,
                            "%s: no token for byte 0x%02x ('%s'): not a byte-level BPE "
                            "vocabulary", vocab_path, byte, bpe_quote(piece, n, q, sizeof(q)));
        }
    }

    size_t n = 0;
    for (size_t id = 0; id < b->n_tokens; id++) {
        n += b->tokens[id].kind == BPE_ADDED || b->tokens[id].kind == BPE_SPECIAL;
    }
    b->matchable = malloc((n ? n : 1) * sizeof(int32_t));
    if (!b->matchable) {
        return oom(err);
    }
    for (size_t id = 0; id < b->n_tokens; id++) {
        if (b->tokens[id].kind == BPE_ADDED || b->tokens[id].kind == BPE_SPECIAL) {
            b->matchable[b->n_matchable++] = (int32_t)id;
        }
    }
    sort_by_length(b, b->matchable, b->n_matchable);

    if (b->ignore_merges) {
        for (size_t id = 0; id < b->n_tokens; id++) {
            if (b->tokens[id].kind == BPE_NORMAL &&
                bpe_idmap_insert(b, &b->by_bytes, true, (int32_t)id) == -2) {
                return oom(err);
            }
        }
    }
    return VKGPT_OK;
}

void bpe_free(bpe_t *b) {
    if (!b) {
        return;
    }
    bpe_idmap_free(&b->by_piece);
    bpe_idmap_free(&b->by_bytes);
    bpe_mergemap_free(&b->merges);
    bpe_cache_free(&b->cache);
    free(b->tokens);
    free(b->pool);
    free(b->specials);
    free(b->matchable);
    free(b->out.v);
    free(b->work);
    free(b);
}

/* ---- The two layouts ---- */

vkgpt_status_t bpe_load_vocab_merges(bpe_t *b, const char *vocab_path, const char *merges_path,
                                     bpe_err_t *err) {
    json_t *vocab = NULL;
    vkgpt_status_t st = bpe_read_json(vocab_path, &vocab, err);
    if (st == VKGPT_OK) {
        st = load_vocab(b, vocab_path, vocab, err);
    }
    json_decref(vocab);
    if (st == VKGPT_OK) {
        st = load_merges_txt(b, merges_path, err);
    }
    return st;
}

vkgpt_status_t bpe_load_tokenizer_json(bpe_t *b, const char *path, json_t *root,
                                       bpe_err_t *err) {
    json_t *model = json_object_get(root, "model");
    vkgpt_status_t st = bpe_check_tokenizer_json(b, path, root, model, err);
    if (st == VKGPT_OK) {
        st = load_vocab(b, path, json_object_get(model, "vocab"), err);
    }
    if (st == VKGPT_OK) {
        st = load_merges_json(b, path, json_object_get(model, "merges"), err);
    }

    json_t *added = json_object_get(root, "added_tokens");
    size_t n_added = json_array_size(added);
    size_t limit = b->n_tokens + n_added;
    for (size_t i = 0; i < n_added && st == VKGPT_OK; i++) {
        json_t *t = json_array_get(added, i);
        json_t *id = json_object_get(t, "id");
        size_t len = 0;
        const char *text = token_text(t, &len);
        if (!json_is_integer(id) || !text) {
            return bpe_fail(err, VKGPT_ERR_BAD_FORMAT,
                            "%s: added_tokens[%zu] lacks an integer id or a content string",
                            path, i);
        }
        st = bpe_add_token(b, path, json_integer_value(id), text, len,
                           json_is_true(json_object_get(t, "special")), limit, err);
    }
    return st;
}
