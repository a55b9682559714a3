/* generate_internal.h: a device session as the decoding driver's model (runtime/decode),
 * for vkgpt_generate() and for tests that drive the decoder on a real model without a
 * tokenizer. */
#ifndef VKGPT_API_GENERATE_INTERNAL_H
#define VKGPT_API_GENERATE_INTERNAL_H

#include "decode/driver.h"
#include "model/session.h"

typedef struct vkgpt__session_runner {
    vkgpt_session_t *session;
    vkgpt_tokenizer_t *tok;             /* NULL: no stop strings, no streaming */
    vkgpt_stream_fn on_text;
    void *user;
    vkgpt_tokenizer_stream_t **streams; /* one per streamed sequence, made on first token */
    uint32_t n_streams;
    bool stopped_by_caller;
    double t_start, t_first_step;
    size_t n_generated;
} vkgpt__session_runner_t;

/* Fills out with callbacks over c->session (and c->tok for decoding, when not NULL). c must
 * outlive every use of out. */
void vkgpt__session_decode_model(vkgpt__session_runner_t *c, vkgpt__decode_model_t *out);

#endif
