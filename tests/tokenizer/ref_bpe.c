/* ref_bpe.c: see ref_bpe.h. Slow on purpose: every step is the textbook one. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "ref_bpe.h"
#include "tok_util.h"

struct ref_bpe {
    json_t *vocab;
    char **left, **right; /* merges, by rank */
    size_t n_merges;
};

ref_bpe_t *ref_bpe_load(const char *dir) {
    char path[4096];
    ref_bpe_t *r = calloc(1, sizeof(*r));
    snprintf(path, sizeof(path), "%s/vocab.json", dir);
    r->vocab = json_load_file(path, 0, NULL);
    cr_assert(r->vocab, "reference: cannot read %s", path);

    snprintf(path, sizeof(path), "%s/merges.txt", dir);
    FILE *f = fopen(path, "r");
    cr_assert(f);
    char line[8192];
    size_t cap = 0;
    while (fgets(line, sizeof(line), f)) {
        line[strcspn(line, "\r\n")] = '\0';
        char *space = strchr(line, ' ');
        if (strncmp(line, "#version", 8) == 0 || !space) {
            continue;
        }
        if (r->n_merges == cap) {
            cap = cap ? 2 * cap : 64;
            r->left = realloc(r->left, cap * sizeof(char *));
            r->right = realloc(r->right, cap * sizeof(char *));
        }
        *space = '\0';
        r->left[r->n_merges] = strdup(line);
        r->right[r->n_merges] = strdup(space + 1);
        r->n_merges++;
    }
    fclose(f);
    return r;
}

void ref_bpe_free(ref_bpe_t *r) {
    for (size_t i = 0; i < r->n_merges; i++) {
        free(r->left[i]);
        free(r->right[i]);
    }
    free(r->left);
    free(r->right);
    json_decref(r->vocab);
    free(r);
}

static size_t rank_of(const ref_bpe_t *r, const char *a, const char *b) {
    for (size_t i = 0; i < r->n_merges; i++) {
        if (strcmp(r->left[i], a) == 0 && strcmp(r->right[i], b) == 0) {
            return i;
        }
    }
    return SIZE_MAX;
}

size_t ref_bpe_word(const ref_bpe_t *r, const uint8_t *w, size_t n, int32_t *ids, size_t cap) {
    char **sym = calloc(n, sizeof(char *));
    size_t m = n;
    for (size_t i = 0; i < n; i++) {
        sym[i] = malloc(3);
        tu_byte_piece(w[i], sym[i]);
    }
    for (;;) {
        size_t best = SIZE_MAX, at = 0;
        for (size_t i = 0; i + 1 < m; i++) {
            size_t k = rank_of(r, sym[i], sym[i + 1]);
            if (k < best) {
                best = k;
                at = i;
            }
        }
        if (best == SIZE_MAX) {
            break;
        }
        const char *a = r->left[best], *b = r->right[best];
        size_t o = 0;
        for (size_t i = at; i < m; i++) {
            if (i + 1 < m && strcmp(sym[i], a) == 0 && strcmp(sym[i + 1], b) == 0) {
                char *joined = malloc(strlen(a) + strlen(b) + 1);
                strcat(strcpy(joined, a), b);
                free(sym[i]);
                free(sym[i + 1]);
                sym[at + o++] = joined;
                i++;
            } else {
                sym[at + o++] = sym[i];
            }
        }
        m = at + o;
    }
    size_t out = 0;
    for (size_t i = 0; i < m; i++) {
        json_t *id = json_object_get(r->vocab, sym[i]);
        cr_assert(id, "reference: piece '%s' not in vocab.json", sym[i]);
        if (out < cap) {
            ids[out++] = (int32_t)json_integer_value(id);
        }
        free(sym[i]);
    }
    free(sym);
    return out;
}
