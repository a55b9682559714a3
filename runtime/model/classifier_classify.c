/* classifier_classify.c: the public classification calls: checking the caller's sequences,
 * cutting a batch into passes that fit the pass buffers, and tokenizing texts. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "model/classifier.h"

static vkgpt_status_t check_sequences(vkgpt__classifier_t *c, const int32_t *const *seqs,
                                      const size_t *lengths, size_t n) {
    const vkgpt__cls_hparams_t *hp = &c->hp;
    for (size_t i = 0; i < n; i++) {
        if (lengths[i] < 1 || lengths[i] > hp->seq_length || !seqs[i]) {
            return vkgpt__error_set(&c->error, VKGPT_ERR_INVALID_ARGUMENT,
                                    "sequence %zu has %zu tokens; the classifier takes 1 to %u",
                                    i, lengths[i], hp->seq_length);
        }
        for (size_t t = 0; t < lengths[i]; t++) {
            if (seqs[i][t] < 0 || (uint32_t)seqs[i][t] >= hp->num_tokens) {
                return vkgpt__error_set(&c->error, VKGPT_ERR_INVALID_ARGUMENT,
                                        "sequence %zu, token %zu is %d, outside the "
                                        "vocabulary of %u", i, t, seqs[i][t], hp->num_tokens);
            }
        }
    }
    return VKGPT_OK;
}

typedef struct by_length {
    size_t length;
    size_t index;
} by_length_t;

static int compare_length(const void *a, const void *b) {
    const by_length_t *x = a, *y = b;
    if (x->length != y->length) {
        return x->length < y->length ? -1 : 1;
    }
    return x->index < y->index ? -1 : x->index > y->index;
}

/* Scratch for one pass: the sequences' pointers and lengths, and their output rows. */
typedef struct pass_scratch {
    const int32_t **seqs;
    size_t *lengths;
    float *out;
} pass_scratch_t;

/* Runs order[0..n) (sorted by length) in passes of at most max_rows rows and max_batch
 * sequences, and scatters each row back to its sequence's place. */
static vkgpt_status_t run_sorted(vkgpt__classifier_t *c, const int32_t *const *seqs,
                                 const by_length_t *order, size_t n, pass_scratch_t *s,
                                 float *log_probs) {
    uint32_t classes = c->hp.num_classes;
    size_t done = 0;
    while (done < n) {
        /* Lengths only grow along order: the last sequence taken sets the slot. */
        uint32_t count = 0;
        while (done + count < n && count < c->buf.max_batch &&
               (uint64_t)(count + 1) *
                       vkgpt__cls_slot_rows(c, (uint32_t)order[done + count].length) <=
                   c->max_rows) {
            s->seqs[count] = seqs[order[done + count].index];
            s->lengths[count] = order[done + count].length;
            count++;
        }
        VKGPT__CHECK_INTERNAL(count > 0);
        vkgpt_status_t st = vkgpt__cls_run_pass(c, s->seqs, s->lengths, count, s->out);
        if (st != VKGPT_OK) {
            return st;
        }
        for (uint32_t b = 0; b < count; b++) {
            memcpy(log_probs + order[done + b].index * classes, s->out + (size_t)b * classes,
                   classes * sizeof(float));
        }
        done += count;
    }
    return VKGPT_OK;
}

static vkgpt_status_t classify(vkgpt__classifier_t *c, const int32_t *const *seqs,
                               const size_t *lengths, size_t n, float *log_probs) {
    uint32_t batch = c->buf.max_batch;
    by_length_t *order = n <= SIZE_MAX / sizeof(*order) ? malloc(n * sizeof(*order)) : NULL;
    pass_scratch_t s = {malloc(batch * sizeof(*s.seqs)), malloc(batch * sizeof(*s.lengths)),
                        malloc((size_t)batch * c->hp.num_classes * sizeof(*s.out))};
    vkgpt_status_t st = VKGPT_OK;
    if (!order || !s.seqs || !s.lengths || !s.out) {
        st = vkgpt__error_set(&c->error, VKGPT_ERR_OUT_OF_HOST_MEMORY, "ordering %zu sequences",
                              n);
    }
    if (st == VKGPT_OK) {
        for (size_t i = 0; i < n; i++) {
            order[i] = (by_length_t){lengths[i], i};
        }
        qsort(order, n, sizeof(*order), compare_length);
        vkgpt__error_clear(&c->dev->error);
        st = run_sorted(c, seqs, order, n, &s, log_probs);
    }
    if (st != VKGPT_OK && c->error.status == VKGPT_OK) {
        /* Device failures are recorded on the device; the classifier keeps the message. */
        vkgpt__error_set(&c->error, st, "%s", c->dev->error.status != VKGPT_OK
                                                  ? c->dev->error.message
                                                  : vkgpt_status_str(st));
    }
    free(order);
    free(s.seqs);
    free(s.lengths);
    free(s.out);
    return st;
}

VKGPT_API vkgpt_status_t vkgpt_classifier_classify(vkgpt_classifier_t *c,
                                                   const int32_t *const *seqs,
                                                   const size_t *lengths, size_t n_seqs,
                                                   float *log_probs) {
    if (!c) {
        return VKGPT_ERR_INVALID_ARGUMENT;
    }
    vkgpt__error_clear(&c->error);
    if (n_seqs && (!seqs || !lengths || !log_probs)) {
        return vkgpt__error_set(&c->error, VKGPT_ERR_INVALID_ARGUMENT,
                                "vkgpt_classifier_classify: NULL argument");
    }
    vkgpt_status_t st = check_sequences(c, seqs, lengths, n_seqs);
    return st == VKGPT_OK && n_seqs ? classify(c, seqs, lengths, n_seqs, log_probs) : st;
}

/* ---- Texts ---- */

/* Encodes text i into *ids (malloc'ed), keeping at most seq_length tokens. */
static vkgpt_status_t encode(vkgpt__classifier_t *c, size_t i, const char *text, size_t len,
                             int32_t **ids, size_t *n) {
    size_t need = 0;
    vkgpt_status_t st = vkgpt_tokenizer_encode(c->tokenizer, text, len, 0, NULL, 0, &need);
    if (st != VKGPT_OK && st != VKGPT_ERR_BUFFER_TOO_SMALL) {
        return vkgpt__error_set(&c->error, st, "text %zu: %s", i,
                                vkgpt_tokenizer_last_error(c->tokenizer));
    }
    if (need == 0) {
        return vkgpt__error_set(&c->error, VKGPT_ERR_INVALID_ARGUMENT,
                                "text %zu encodes to no tokens", i);
    }
    *ids = malloc(need * sizeof(**ids));
    if (!*ids) {
        return vkgpt__error_set(&c->error, VKGPT_ERR_OUT_OF_HOST_MEMORY, "text %zu: %zu ids", i,
                                need);
    }
    st = vkgpt_tokenizer_encode(c->tokenizer, text, len, 0, *ids, need, n);
    if (st != VKGPT_OK) {
        return vkgpt__error_set(&c->error, st, "text %zu: %s", i,
                                vkgpt_tokenizer_last_error(c->tokenizer));
    }
    /* The model has no positions past seq_length: like the lecture's data preparation, read
     * the beginning. */
    *n = *n < c->hp.seq_length ? *n : c->hp.seq_length;
    return VKGPT_OK;
}

VKGPT_API vkgpt_status_t vkgpt_classifier_classify_texts(vkgpt_classifier_t *c,
                                                         const char *const *texts,
                                                         const size_t *lengths, size_t n_texts,
                                                         float *log_probs) {
    if (!c) {
        return VKGPT_ERR_INVALID_ARGUMENT;
    }
    vkgpt__error_clear(&c->error);
    if (n_texts && (!texts || !log_probs)) {
        return vkgpt__error_set(&c->error, VKGPT_ERR_INVALID_ARGUMENT,
                                "vkgpt_classifier_classify_texts: NULL argument");
    }
    if (!c->tokenizer) {
        return vkgpt__error_set(&c->error, VKGPT_ERR_INVALID_ARGUMENT,
                                "%s was loaded without a tokenizer", c->source);
    }
    int32_t **ids = calloc(n_texts ? n_texts : 1, sizeof(*ids));
    size_t *counts = calloc(n_texts ? n_texts : 1, sizeof(*counts));
    vkgpt_status_t st = ids && counts ? VKGPT_OK
                                      : vkgpt__error_set(&c->error, VKGPT_ERR_OUT_OF_HOST_MEMORY,
                                                         "%zu texts", n_texts);
    for (size_t i = 0; i < n_texts && st == VKGPT_OK; i++) {
        if (!texts[i]) {
            st = vkgpt__error_set(&c->error, VKGPT_ERR_INVALID_ARGUMENT, "text %zu is NULL", i);
            break;
        }
        size_t len = lengths ? lengths[i] : strlen(texts[i]);
        st = encode(c, i, texts[i], len, &ids[i], &counts[i]);
    }
    if (st == VKGPT_OK && n_texts) {
        st = classify(c, (const int32_t *const *)ids, counts, n_texts, log_probs);
    }
    for (size_t i = 0; ids && i < n_texts; i++) {
        free(ids[i]);
    }
    free(ids);
    free(counts);
    return st;
}
