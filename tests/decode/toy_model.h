/* toy_model.h: the deterministic toy language model of tools/reference_decoder.py
 * (tests/fixtures/decode/toy_model.json), behind the driver's model interface.
 *
 * Each row keeps its whole token history instead of a KV cache; reorder() copies histories
 * the way the device copies cache rows, so a driver that reorders wrongly computes the next
 * logits from the wrong history and fails the comparison with the reference. */
#ifndef VKGPT_TESTS_TOY_MODEL_H
#define VKGPT_TESTS_TOY_MODEL_H

#include <stddef.h>
#include <stdatomic.h>
#include <stdint.h>

#include "decode/driver.h"

typedef struct toy_model {
    size_t n_vocab, n_ctx, n_pos;
    double *bigram, *skip, *position; /* [n_vocab][n_vocab], [n_vocab][n_vocab], [n_pos][n_vocab] */
    char **pieces;                    /* [n_vocab] */
    int32_t eos[8];
    uint32_t n_eos;

    uint32_t n_rows;
    int32_t *hist;                    /* [n_rows][n_ctx] */
    size_t *len;                      /* [n_rows] */
    int32_t *tmp_hist;
    size_t *tmp_len;

    /* Counters and injected failures for behaviour tests. */
    unsigned n_prefill, n_step, n_reorder;
    unsigned fail_step_at;            /* 0: never; k: the k-th step() fails */
    unsigned nan_step_at;             /* 0: never; k: the k-th step() returns a NaN */
    atomic_int *cancel;               /* set to 1 during the cancel_at_step-th step() */
    unsigned cancel_at_step;
} toy_model_t;

/* Loads the JSON fixture; aborts the test (cr_assert) when it cannot. */
void toy_load(toy_model_t *t, const char *path, uint32_t n_rows);
void toy_free(toy_model_t *t);

/* The driver interface over t. */
vkgpt__decode_model_t toy_interface(toy_model_t *t);

/* Path of a file under tests/fixtures/decode/ (static buffer). */
const char *toy_fixture(const char *name);

#endif
