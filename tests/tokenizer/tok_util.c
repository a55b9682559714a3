/* tok_util.c: see tok_util.h. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "tok_util.h"

char *tu_tempdir(void) {
    char *dir = strdup("/tmp/vkgpt-tok-XXXXXX");
    cr_assert(dir && mkdtemp(dir), "mkdtemp failed");
    return dir;
}

void tu_rmdir(char *dir) {
    DIR *d = opendir(dir);
    struct dirent *e;
    char path[4096];
    while (d && (e = readdir(d))) {
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
            snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
            unlink(path);
        }
    }
    if (d) {
        closedir(d);
    }
    rmdir(dir);
    free(dir);
}

void tu_write(const char *dir, const char *name, const void *data, size_t len) {
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    cr_assert(f, "cannot create %s", path);
    cr_assert_eq(fwrite(data, 1, len, f), len);
    cr_assert_eq(fclose(f), 0);
}

void tu_writes(const char *dir, const char *name, const char *text) {
    tu_write(dir, name, text, strlen(text));
}

void tu_byte_piece(uint8_t b, char out[3]) {
    int printable = (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || b >= 0xAE;
    unsigned cp = b;
    if (!printable) {
        cp = 256;
        for (unsigned i = 0; i < b; i++) {
            cp += !((i >= 0x21 && i <= 0x7E) || (i >= 0xA1 && i <= 0xAC) || i >= 0xAE);
        }
    }
    if (cp < 0x80) {
        out[0] = (char)cp;
        out[1] = '\0';
    } else {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        out[2] = '\0';
    }
}

void tu_toy_vocab(const char *dir, const char *const *extra, size_t n_extra,
                  const char *merges) {
    size_t cap = 8192 + n_extra * 64, o = 0;
    char *json = malloc(cap);
    cr_assert(json);
    o += (size_t)snprintf(json + o, cap - o, "{");
    for (unsigned b = 0; b < 256; b++) {
        char piece[3];
        tu_byte_piece((uint8_t)b, piece);
        const char *esc = strcmp(piece, "\"") == 0    ? "\\\""
                          : strcmp(piece, "\\") == 0 ? "\\\\"
                                                      : piece;
        o += (size_t)snprintf(json + o, cap - o, "%s\"%s\": %u", b ? ", " : "", esc, b);
    }
    for (size_t i = 0; i < n_extra; i++) {
        o += (size_t)snprintf(json + o, cap - o, ", \"%s\": %zu", extra[i], 256 + i);
    }
    snprintf(json + o, cap - o, "}\n");
    tu_writes(dir, "vocab.json", json);
    free(json);

    char *m = malloc(strlen(merges) + 32);
    cr_assert(m);
    sprintf(m, "#version: 0.2\n%s", merges);
    tu_writes(dir, "merges.txt", m);
    free(m);
}

vkgpt_status_t tu_load(const char *dir, const char *plugin, vkgpt_tokenizer_t **tok) {
    vkgpt_tokenizer_params_t p;
    vkgpt_tokenizer_params_init(&p);
    p.folder = dir;
    if (plugin) {
        p.plugin = plugin;
    }
    return vkgpt_tokenizer_load(&p, tok);
}

size_t tu_encode(vkgpt_tokenizer_t *tok, const void *text, size_t len, uint32_t flags,
                 int32_t **ids) {
    size_t cap = len + 16, n = 0;
    *ids = malloc(cap * sizeof(int32_t));
    cr_assert(*ids);
    vkgpt_status_t st = vkgpt_tokenizer_encode(tok, text, len, flags, *ids, cap, &n);
    cr_assert_eq(st, VKGPT_OK, "encode failed: %s", vkgpt_tokenizer_last_error(tok));
    return n;
}

char *tu_decode(vkgpt_tokenizer_t *tok, const int32_t *ids, size_t n, uint32_t flags,
                size_t *len) {
    size_t need = 0;
    vkgpt_status_t st = vkgpt_tokenizer_decode(tok, ids, n, flags, NULL, 0, &need, NULL);
    cr_assert(st == VKGPT_OK || st == VKGPT_ERR_BUFFER_TOO_SMALL);
    char *out = malloc(need + 1);
    cr_assert(out);
    st = vkgpt_tokenizer_decode(tok, ids, n, flags, out, need, len, NULL);
    cr_assert_eq(st, VKGPT_OK, "decode failed: %s", vkgpt_tokenizer_last_error(tok));
    out[*len] = '\0';
    return out;
}

const char *tu_gpt2_dir(const char **why) {
    static char dir[4096], stamp[4096], reason[4400];
    const char *root = getenv("VKGPT_BUILD_ROOT");
    if (!root) {
        *why = "VKGPT_BUILD_ROOT is not set (run the tests through meson test)";
        return NULL;
    }
    snprintf(dir, sizeof(dir), "%s/tests/tokenizer/gpt2", root);
    snprintf(stamp, sizeof(stamp), "%s/tests/tokenizer/gpt2-fetch.stamp", root);
    char path[4200];
    snprintf(path, sizeof(path), "%s/vocab.json", dir);
    if (access(path, R_OK) == 0) {
        return dir;
    }
    FILE *f = fopen(stamp, "r");
    snprintf(reason, sizeof(reason), "GPT-2 vocabulary not fetched (see %s)", stamp);
    if (f) {
        size_t n = fread(reason, 1, sizeof(reason) - 1, f);
        reason[n] = '\0';
        fclose(f);
    }
    *why = reason;
    return NULL;
}

const char *tu_fixture(const char *name) {
    static char path[4096];
    const char *root = getenv("VKGPT_SOURCE_ROOT");
    snprintf(path, sizeof(path), "%s/tests/fixtures/tokenizer/%s", root ? root : ".", name);
    return path;
}

uint64_t tu_rand(uint64_t *s) {
    /* xorshift64*: small, fast, and the same sequence everywhere for a given seed. */
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 0x2545F4914F6CDD1DULL;
}
