/* toy_model.c: see toy_model.h. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "toy_model.h"

const char *toy_fixture(const char *name) {
    static char path[4096];
    const char *root = getenv("VKGPT_SOURCE_ROOT");
    snprintf(path, sizeof(path), "%s/tests/fixtures/decode/%s", root ? root : ".", name);
    return path;
}

static double *load_table(json_t *root, const char *key, size_t rows, size_t cols) {
    json_t *t = json_object_get(root, key);
    cr_assert(json_is_array(t) && json_array_size(t) == rows, "table %s", key);
    double *out = malloc(rows * cols * sizeof(double));
    for (size_t r = 0; r < rows; r++) {
        json_t *row = json_array_get(t, r);
        cr_assert(json_array_size(row) == cols, "table %s row %zu", key, r);
        for (size_t c = 0; c < cols; c++) {
            out[r * cols + c] = json_number_value(json_array_get(row, c));
        }
    }
    return out;
}

void toy_load(toy_model_t *t, const char *path, uint32_t n_rows) {
    json_error_t jerr;
    json_t *root = json_load_file(path, 0, &jerr);
    cr_assert(root, "%s:%d: %s", path, jerr.line, jerr.text);
    memset(t, 0, sizeof(*t));
    t->n_vocab = json_integer_value(json_object_get(root, "n_vocab"));
    t->n_ctx = json_integer_value(json_object_get(root, "n_ctx"));
    t->n_pos = json_integer_value(json_object_get(root, "n_pos"));
    cr_assert(t->n_vocab > 0 && t->n_vocab < 4096 && t->n_ctx > 0 && t->n_pos > 0);
    t->bigram = load_table(root, "bigram", t->n_vocab, t->n_vocab);
    t->skip = load_table(root, "skip", t->n_vocab, t->n_vocab);
    t->position = load_table(root, "position", t->n_pos, t->n_vocab);

    json_t *pieces = json_object_get(root, "pieces");
    cr_assert(json_array_size(pieces) == t->n_vocab);
    t->pieces = calloc(t->n_vocab, sizeof(char *));
    for (size_t i = 0; i < t->n_vocab; i++) {
        t->pieces[i] = strdup(json_string_value(json_array_get(pieces, i)));
    }
    json_t *eos = json_object_get(root, "eos_token_ids");
    for (size_t i = 0; i < json_array_size(eos) && i < 8; i++) {
        t->eos[t->n_eos++] = (int32_t)json_integer_value(json_array_get(eos, i));
    }
    json_decref(root);

    t->n_rows = n_rows;
    t->hist = calloc((size_t)n_rows * t->n_ctx, sizeof(int32_t));
    t->tmp_hist = calloc((size_t)n_rows * t->n_ctx, sizeof(int32_t));
    t->len = calloc(n_rows, sizeof(size_t));
    t->tmp_len = calloc(n_rows, sizeof(size_t));
}

void toy_free(toy_model_t *t) {
    for (size_t i = 0; t->pieces && i < t->n_vocab; i++) {
        free(t->pieces[i]);
    }
    free(t->pieces);
    free(t->bigram);
    free(t->skip);
    free(t->position);
    free(t->hist);
    free(t->tmp_hist);
    free(t->len);
    free(t->tmp_len);
}

/* logit[v] = float((bigram[a][v] + skip[b][v]) + position[p][v]), the sum in double. */
static void toy_logits(const toy_model_t *t, uint32_t row, float *out) {
    const int32_t *s = t->hist + (size_t)row * t->n_ctx;
    size_t n = t->len[row];
    size_t a = (size_t)s[n - 1], b = n >= 2 ? (size_t)s[n - 2] : a, p = (n - 1) % t->n_pos;
    for (size_t v = 0; v < t->n_vocab; v++) {
        double x = (t->bigram[a * t->n_vocab + v] + t->skip[b * t->n_vocab + v]) +
                   t->position[p * t->n_vocab + v];
        out[v] = (float)x;
    }
}

static vkgpt_status_t toy_prefill(void *ctx, uint32_t row, const int32_t *tokens, size_t n,
                                  float *logits) {
    toy_model_t *t = ctx;
    cr_assert(row < t->n_rows && n >= 1 && n <= t->n_ctx);
    memcpy(t->hist + (size_t)row * t->n_ctx, tokens, n * sizeof(int32_t));
    t->len[row] = n;
    t->n_prefill++;
    toy_logits(t, row, logits);
    return VKGPT_OK;
}

static vkgpt_status_t toy_step(void *ctx, const uint32_t *rows, const int32_t *tokens,
                               uint32_t n, float *logits) {
    toy_model_t *t = ctx;
    t->n_step++;
    if (t->fail_step_at == t->n_step) {
        return VKGPT_ERR_DEVICE_LOST;
    }
    for (uint32_t i = 0; i < n; i++) {
        uint32_t r = rows[i];
        cr_assert(r < t->n_rows && (i == 0 || rows[i - 1] < r), "rows distinct and ascending");
        cr_assert(t->len[r] < t->n_ctx, "row %u stepped past the context", r);
        cr_assert(tokens[i] >= 0 && (size_t)tokens[i] < t->n_vocab);
        t->hist[(size_t)r * t->n_ctx + t->len[r]++] = tokens[i];
        toy_logits(t, r, logits + (size_t)i * t->n_vocab);
    }
    if (t->cancel && t->cancel_at_step == t->n_step) {
        atomic_store(t->cancel, 1);
    }
    if (t->nan_step_at == t->n_step) {
        logits[0] = NAN;
    }
    return VKGPT_OK;
}

static vkgpt_status_t toy_reorder(void *ctx, const uint32_t *src, uint32_t n) {
    toy_model_t *t = ctx;
    cr_assert(n <= t->n_rows);
    t->n_reorder++;
    for (uint32_t r = 0; r < n; r++) {
        cr_assert(src[r] < n);
        memcpy(t->tmp_hist + (size_t)r * t->n_ctx, t->hist + (size_t)src[r] * t->n_ctx,
               t->n_ctx * sizeof(int32_t));
        t->tmp_len[r] = t->len[src[r]];
    }
    memcpy(t->hist, t->tmp_hist, (size_t)n * t->n_ctx * sizeof(int32_t));
    memcpy(t->len, t->tmp_len, n * sizeof(size_t));
    return VKGPT_OK;
}

static vkgpt_status_t toy_decode(void *ctx, const int32_t *ids, size_t n, char *buf, size_t cap,
                                 size_t *len) {
    toy_model_t *t = ctx;
    size_t total = 0;
    for (size_t i = 0; i < n; i++) {
        const char *p = t->pieces[ids[i]];
        size_t m = strlen(p);
        if (total + m <= cap) {
            memcpy(buf + total, p, m);
        }
        total += m;
    }
    *len = total;
    return VKGPT_OK;
}

vkgpt__decode_model_t toy_interface(toy_model_t *t) {
    return (vkgpt__decode_model_t){.ctx = t, .n_vocab = t->n_vocab, .n_ctx = t->n_ctx,
                                   .n_rows = t->n_rows, .prefill = toy_prefill,
                                   .step = toy_step, .reorder = toy_reorder,
                                   .decode = toy_decode};
}
