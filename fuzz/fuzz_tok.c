/* fuzz_tok.c: the tokenizer fuzzers' shared harness (fuzz_tok.h). */
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz_tok.h"
#include "utf8.h"
#include "vkgpt_tokenizer_plugin.h"

/* The plugin's only export (plugins/bpe/bpe_plugin.c), linked into the fuzzer. */
const vkgpt_tokenizer_plugin_t *vkgpt_tokenizer_plugin_entry(uint32_t host_abi_version);

static char dir[64];
static char paths[FUZZ_MAX_PARTS][128];

static void fail(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "fuzz check failed: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    abort();
}

void fuzz_register_bpe(void) {
    static bool done;
    if (done) {
        return;
    }
    const vkgpt_tokenizer_plugin_t *t = vkgpt_tokenizer_plugin_entry(VKGPT_TOKENIZER_ABI_VERSION);
    if (!t || vkgpt_tokenizer_register_plugin(t) != VKGPT_OK) {
        fail("cannot register the bpe plugin: %s", vkgpt_tokenizer_error());
    }
    done = true;
}

size_t fuzz_split(const uint8_t *data, size_t size, size_t off[FUZZ_MAX_PARTS],
                  size_t len[FUZZ_MAX_PARTS]) {
    size_t n = 0, start = 0;
    for (size_t i = 0; i < size && n + 1 < FUZZ_MAX_PARTS; i++) {
        if (data[i] == 0) {
            off[n] = start;
            len[n++] = i - start;
            start = i + 1;
        }
    }
    off[n] = start;
    len[n++] = size - start;
    return n;
}

/* ---- The private folder ---- */

static void remove_dir(void) {
    for (size_t i = 0; i < FUZZ_MAX_PARTS; i++) {
        if (paths[i][0]) {
            unlink(paths[i]);
        }
    }
    rmdir(dir);
}

/* /dev/shm keeps the files in memory, which matters at thousands of inputs a second. */
static void make_dir(void) {
    strcpy(dir, "/dev/shm/vkgpt-fuzz-XXXXXX");
    if (!mkdtemp(dir)) {
        strcpy(dir, "/tmp/vkgpt-fuzz-XXXXXX");
        if (!mkdtemp(dir)) {
            fail("cannot create a folder for the tokenizer files");
        }
    }
    atexit(remove_dir);
}

const char *fuzz_write(size_t slot, const char *name, const uint8_t *data, size_t n) {
    if (!dir[0]) {
        make_dir();
    }
    /* A slot keeps one name, so remove_dir() finds every file. */
    if (paths[slot][0] && strcmp(strrchr(paths[slot], '/') + 1, name) != 0) {
        unlink(paths[slot]);
    }
    snprintf(paths[slot], sizeof(paths[slot]), "%s/%s", dir, name);

    int fd = open(paths[slot], O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0) {
        fail("cannot write %s", paths[slot]);
    }
    for (size_t o = 0; o < n;) {
        ssize_t w = write(fd, data + o, n - o);
        if (w <= 0) {
            fail("cannot write %s", paths[slot]);
        }
        o += (size_t)w;
    }
    close(fd);
    return paths[slot];
}

vkgpt_status_t fuzz_load(const char *const *files, size_t n_files, vkgpt_tokenizer_t **tok) {
    fuzz_register_bpe();
    vkgpt_tokenizer_params_t p;
    vkgpt_tokenizer_params_init(&p);
    p.files = files;
    p.n_files = n_files;
    return vkgpt_tokenizer_load(&p, tok);
}

/* ---- Checks ---- */

#define SENTINEL 0xA5

static bool untouched(const void *buf, size_t n) {
    const uint8_t *p = buf;
    for (size_t i = 0; i < n; i++) {
        if (p[i] != SENTINEL) {
            return false;
        }
    }
    return true;
}

/* Encodes into a malloc'd array of *n ids after the too-small calls; NULL when the text makes
 * no ids. */
static int32_t *encode_checked(vkgpt_tokenizer_t *tok, const uint8_t *text, size_t len,
                               uint32_t flags, size_t *n) {
    const char *t = (const char *)text;
    vkgpt_status_t st = vkgpt_tokenizer_encode(tok, t, len, flags, NULL, 0, n);
    if (st != (*n ? VKGPT_ERR_BUFFER_TOO_SMALL : VKGPT_OK)) {
        fail("encode asking for the count: %s (%s)", vkgpt_status_name(st),
             vkgpt_tokenizer_last_error(tok));
    }
    if (*n == 0) {
        return NULL;
    }

    /* One spare id after the n the text needs: nothing may land there. */
    size_t need = *n, got = 0;
    int32_t *ids = malloc((need + 1) * sizeof(int32_t));
    if (!ids) {
        fail("out of memory for %zu ids", need);
    }
    memset(ids, SENTINEL, (need + 1) * sizeof(int32_t));
    st = vkgpt_tokenizer_encode(tok, t, len, flags, ids, need - 1, &got);
    if (st != VKGPT_ERR_BUFFER_TOO_SMALL || got != need ||
        !untouched(ids, (need + 1) * sizeof(int32_t))) {
        fail("encode into %zu ids of %zu: %s, count %zu, buffer %s", need - 1, need,
             vkgpt_status_name(st), got, untouched(ids, (need + 1) * 4) ? "intact" : "written");
    }
    st = vkgpt_tokenizer_encode(tok, t, len, flags, ids, need, &got);
    if (st != VKGPT_OK || got != need || !untouched(ids + need, sizeof(int32_t))) {
        fail("encode into %zu ids: %s, count %zu", need, vkgpt_status_name(st), got);
    }

    size_t vocab = vkgpt_tokenizer_vocab_size(tok);
    for (size_t i = 0; i < need; i++) {
        if (ids[i] < 0 || (size_t)ids[i] >= vocab) {
            fail("id %d at %zu is outside the vocabulary of %zu", (int)ids[i], i, vocab);
        }
    }
    return ids;
}

/* Decodes into a malloc'd buffer of *n bytes after the too-small call. */
static char *decode_checked(vkgpt_tokenizer_t *tok, const int32_t *ids, size_t n_ids,
                            uint32_t flags, size_t *n) {
    size_t invalid = 1;
    vkgpt_status_t st = vkgpt_tokenizer_decode(tok, ids, n_ids, flags, NULL, 0, n, &invalid);
    if (st != (*n ? VKGPT_ERR_BUFFER_TOO_SMALL : VKGPT_OK) || invalid != 0) {
        fail("decode asking for the size: %s, %zu invalid ids", vkgpt_status_name(st), invalid);
    }

    size_t need = *n, got = 0;
    char *out = malloc(need + 1);
    if (!out) {
        fail("out of memory for %zu bytes", need);
    }
    memset(out, SENTINEL, need + 1);
    if (need > 0) {
        st = vkgpt_tokenizer_decode(tok, ids, n_ids, flags, out, need - 1, &got, NULL);
        if (st != VKGPT_ERR_BUFFER_TOO_SMALL || got != need || !untouched(out, need + 1)) {
            fail("decode into %zu bytes of %zu: %s, size %zu", need - 1, need,
                 vkgpt_status_name(st), got);
        }
    }
    st = vkgpt_tokenizer_decode(tok, ids, n_ids, flags, out, need, &got, NULL);
    if (st != VKGPT_OK || got != need || !untouched(out + need, 1)) {
        fail("decode into %zu bytes: %s, size %zu", need, vkgpt_status_name(st), got);
    }
    return out;
}

/* Marks each offset of text that lies strictly inside a valid multi-byte character: no
 * streamed piece may end there. */
static bool *inside_characters(const uint8_t *text, size_t len) {
    bool *inside = calloc(len + 1, 1);
    if (!inside) {
        fail("out of memory");
    }
    for (size_t i = 0; i < len;) {
        int32_t cp;
        size_t n = vkgpt__utf8_decode(text + i, len - i, &cp);
        for (size_t k = 1; cp >= 0 && k < n; k++) {
            inside[i + k] = true;
        }
        i += n;
    }
    return inside;
}

/* Streams ids one at a time and checks the pieces against the whole decoded text. */
static void check_stream(vkgpt_tokenizer_t *tok, const int32_t *ids, size_t n_ids,
                         uint32_t flags, const char *whole, size_t whole_len) {
    vkgpt_tokenizer_stream_t *s = NULL;
    if (vkgpt_tokenizer_stream_create(tok, flags, &s) != VKGPT_OK) {
        fail("stream_create: %s", vkgpt_tokenizer_last_error(tok));
    }
    bool *inside = inside_characters((const uint8_t *)whole, whole_len);
    size_t at = 0;
    for (size_t i = 0; i <= n_ids; i++) {
        const char *piece;
        size_t n;
        vkgpt_status_t st = i < n_ids ? vkgpt_tokenizer_stream_push(s, ids[i], &piece, &n)
                                      : vkgpt_tokenizer_stream_flush(s, &piece, &n);
        if (st != VKGPT_OK) {
            fail("stream at id %zu: %s", i, vkgpt_status_name(st));
        }
        if (n > whole_len - at || (n && memcmp(piece, whole + at, n) != 0)) {
            fail("stream piece %zu (%zu bytes at %zu) differs from the decoded text of %zu "
                 "bytes", i, n, at, whole_len);
        }
        at += n;
        if (inside[at]) {
            fail("stream piece %zu ends at byte %zu, inside a UTF-8 character", i, at);
        }
    }
    if (at != whole_len) {
        fail("the stream gave %zu bytes, decode %zu", at, whole_len);
    }
    free(inside);
    vkgpt_tokenizer_stream_destroy(s);
}

void fuzz_check_text(vkgpt_tokenizer_t *tok, const uint8_t *text, size_t len,
                     uint32_t encode_flags, uint32_t decode_flags, bool identity) {
    size_t n_ids = 0, n_bytes = 0;
    int32_t *ids = encode_checked(tok, text, len, encode_flags, &n_ids);
    char *whole = decode_checked(tok, ids, n_ids, decode_flags, &n_bytes);

    if (identity && (n_bytes != len || (len && memcmp(whole, text, len) != 0))) {
        size_t i = 0;
        while (i < len && i < n_bytes && (uint8_t)whole[i] == text[i]) {
            i++;
        }
        fail("decode(encode(text)) differs from the text of %zu bytes: %zu bytes back, first "
             "difference at byte %zu", len, n_bytes, i);
    }
    check_stream(tok, ids, n_ids, decode_flags, whole, n_bytes);
    free(whole);
    free(ids);
}
