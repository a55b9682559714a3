/* session.c: a context on a GPT-2 model: its KV cache, scratch buffers and recordings.
 *
 * A prompt runs in chunks of at most MAX_CHUNK tokens, each pass recorded afresh and submitted
 * as one command buffer per transformer block (so no single submission grows with the model).
 * One-token decode steps replay command buffers recorded once: the token id and the position
 * live in host-visible buffers that the shaders read, so a new step re-records nothing. */
#include <stdlib.h>
#include <string.h>

#include "model/gpt2.h"

#define MAX_CHUNK 256u

struct vkgpt_session {
    vkgpt__model_t *model;
    vkgpt__gpt2_buffers_t buf;
    uint32_t n_past;

    /* Prompt passes: one recorder reused for each stage. */
    vkgpt__cmd_t *scratch;
    /* Decode steps: [0] embedding, [1..n_layer] blocks, [n_layer + 1] head; recorded once. */
    vkgpt__cmd_t **decode;
    bool decode_recorded;

    vkgpt__error_t error;
};

static vkgpt_status_t session_fail(vkgpt_session_t *s, vkgpt_status_t st) {
    /* Device-level failures are recorded on the device; copy them to the session. */
    vkgpt__device_t *dev = s->model->dev;
    if (dev->error.status != VKGPT_OK) {
        vkgpt__error_set(&s->error, st, "%s", dev->error.message);
        vkgpt__error_clear(&dev->error);
    } else if (s->error.status == VKGPT_OK) {
        vkgpt__error_set(&s->error, st, "%s", vkgpt_status_str(st));
    }
    return st;
}

static vkgpt_status_t create_buffers(vkgpt_session_t *s) {
    vkgpt__model_t *m = s->model;
    vkgpt__device_t *dev = m->dev;
    vkgpt__gpt2_buffers_t *b = &s->buf;
    uint64_t t = MAX_CHUNK, c = m->hp.n_embd, inner = m->hp.n_inner;
    uint64_t row_aligned = (c * 4 + 255) / 256 * 256;
    b->max_tokens = MAX_CHUNK;
    b->n_ctx = m->hp.n_positions;

    struct {
        vkgpt__buffer_t *buf;
        uint64_t bytes;
        bool host;
        const char *what;
    } plan[] = {
        {&b->ids, t * 4, true, "token ids"},
        {&b->step, sizeof(vkgpt__step_params_t), true, "step parameters"},
        {&b->x, t * c * 4, false, "the residual stream"},
        {&b->h, t * c * 4, false, "layer scratch"},
        {&b->qkv, t * c * 12, false, "queries, keys and values"},
        {&b->att, t * c * 4, false, "attention output"},
        {&b->mlp, t * inner * 4, false, "the MLP's hidden layer"},
        {&b->last, 2 * row_aligned, false, "the last position"},
        {&b->logits, (uint64_t)m->hp.vocab_size * 4, false, "logits"},
    };
    for (size_t i = 0; i < sizeof(plan) / sizeof(plan[0]); i++) {
        vkgpt_status_t st = plan[i].host
                                ? vkgpt__buffer_create_host(dev, plan[i].bytes, plan[i].buf,
                                                            plan[i].what)
                                : vkgpt__buffer_create(dev, plan[i].bytes, plan[i].buf,
                                                       plan[i].what);
        if (st != VKGPT_OK) {
            return st;
        }
    }

    b->k_cache = calloc(m->hp.n_layer, sizeof(*b->k_cache));
    b->v_cache = calloc(m->hp.n_layer, sizeof(*b->v_cache));
    if (!b->k_cache || !b->v_cache) {
        return vkgpt__error_set(&dev->error, VKGPT_ERR_OUT_OF_HOST_MEMORY, "KV cache tables");
    }
    uint64_t cache_bytes = (uint64_t)b->n_ctx * c * 4;
    for (uint32_t l = 0; l < m->hp.n_layer; l++) {
        vkgpt_status_t st = vkgpt__buffer_create(dev, cache_bytes, &b->k_cache[l], "a key cache");
        if (st == VKGPT_OK) {
            st = vkgpt__buffer_create(dev, cache_bytes, &b->v_cache[l], "a value cache");
        }
        if (st != VKGPT_OK) {
            return st;
        }
    }
    return VKGPT_OK;
}

static vkgpt_status_t create_recorders(vkgpt_session_t *s) {
    vkgpt__device_t *dev = s->model->dev;
    uint32_t n = s->model->hp.n_layer + 2;
    vkgpt_status_t st = vkgpt__cmd_create(dev, 0, &s->scratch);
    if (st != VKGPT_OK) {
        return st;
    }
    s->decode = calloc(n, sizeof(*s->decode));
    if (!s->decode) {
        return vkgpt__error_set(&dev->error, VKGPT_ERR_OUT_OF_HOST_MEMORY, "decode recorders");
    }
    for (uint32_t i = 0; i < n && st == VKGPT_OK; i++) {
        st = vkgpt__cmd_create(dev, 0, &s->decode[i]);
    }
    return st;
}

VKGPT_API void vkgpt_session_destroy(vkgpt_session_t *s) {
    if (!s) {
        return;
    }
    vkgpt__device_t *dev = s->model->dev;
    vkDeviceWaitIdle(dev->vk);
    vkgpt__cmd_destroy(s->scratch);
    for (uint32_t i = 0; s->decode && i < s->model->hp.n_layer + 2; i++) {
        vkgpt__cmd_destroy(s->decode[i]);
    }
    free(s->decode);
    vkgpt__gpt2_buffers_t *b = &s->buf;
    vkgpt__buffer_t *singles[] = {&b->ids, &b->step, &b->x,  &b->h,     &b->qkv,
                                  &b->att, &b->mlp,  &b->last, &b->logits};
    for (size_t i = 0; i < sizeof(singles) / sizeof(singles[0]); i++) {
        vkgpt__buffer_destroy(dev, singles[i]);
    }
    for (uint32_t l = 0; l < s->model->hp.n_layer; l++) {
        if (b->k_cache) {
            vkgpt__buffer_destroy(dev, &b->k_cache[l]);
        }
        if (b->v_cache) {
            vkgpt__buffer_destroy(dev, &b->v_cache[l]);
        }
    }
    free(b->k_cache);
    free(b->v_cache);
    free(s);
}

VKGPT_API vkgpt_status_t vkgpt_session_create(vkgpt_model_t *model, vkgpt_session_t **out) {
    vkgpt__error_t err;
    vkgpt__error_clear(&err);
    if (!model || !out) {
        vkgpt__error_set(&err, VKGPT_ERR_INVALID_ARGUMENT, "vkgpt_session_create: NULL argument");
        return vkgpt__thread_error_set(&err);
    }
    *out = NULL;
    vkgpt_session_t *s = calloc(1, sizeof(*s));
    if (!s) {
        vkgpt__error_set(&err, VKGPT_ERR_OUT_OF_HOST_MEMORY, "allocating a session");
        return vkgpt__thread_error_set(&err);
    }
    s->model = model;
    vkgpt_status_t st = create_buffers(s);
    if (st == VKGPT_OK) {
        st = create_recorders(s);
    }
    if (st != VKGPT_OK) {
        vkgpt__error_set(&err, st, "creating a session: %s", model->dev->error.message);
        vkgpt_session_destroy(s);
        return vkgpt__thread_error_set(&err);
    }
    *out = s;
    return VKGPT_OK;
}

/* ---- Passes ---- */

/* Stage 0 is the embedding, 1..n_layer the blocks, n_layer + 1 the head. */
static vkgpt_status_t record_stage(vkgpt_session_t *s, vkgpt__cmd_t *cmd, uint32_t stage,
                                   uint32_t n_tokens) {
    uint32_t n_layer = s->model->hp.n_layer;
    vkgpt_status_t st = vkgpt__cmd_begin(cmd);
    if (st == VKGPT_OK) {
        st = stage == 0 ? vkgpt__gpt2_record_embed(cmd, s->model, &s->buf, n_tokens)
             : stage <= n_layer
                 ? vkgpt__gpt2_record_block(cmd, s->model, &s->buf, stage - 1, n_tokens)
                 : vkgpt__gpt2_record_head(cmd, s->model, &s->buf, n_tokens);
    }
    if (st == VKGPT_OK) {
        st = vkgpt__cmd_end(cmd);
    }
    return st;
}

static void write_inputs(vkgpt_session_t *s, const int32_t *tokens, uint32_t n, uint32_t pos0) {
    uint32_t *ids = s->buf.ids.mapped;
    for (uint32_t i = 0; i < n; i++) {
        ids[i] = (uint32_t)tokens[i];
    }
    vkgpt__step_params_t step = {pos0, {0, 0, 0}};
    memcpy(s->buf.step.mapped, &step, sizeof(step));
}

/* Runs n tokens at positions pos0.. through every stage; the head only when want_logits. */
static vkgpt_status_t run_pass(vkgpt_session_t *s, const int32_t *tokens, uint32_t n,
                               bool want_logits) {
    uint32_t stages = s->model->hp.n_layer + (want_logits ? 2 : 1);
    write_inputs(s, tokens, n, s->n_past);
    bool replay = n == 1;
    if (replay && !s->decode_recorded) {
        for (uint32_t i = 0; i < s->model->hp.n_layer + 2; i++) {
            vkgpt_status_t st = record_stage(s, s->decode[i], i, 1);
            if (st != VKGPT_OK) {
                return st;
            }
        }
        s->decode_recorded = true;
    }
    for (uint32_t i = 0; i < stages; i++) {
        vkgpt__cmd_t *cmd = replay ? s->decode[i] : s->scratch;
        vkgpt_status_t st = replay ? VKGPT_OK : record_stage(s, cmd, i, n);
        if (st == VKGPT_OK) {
            st = vkgpt__cmd_submit_wait(cmd);
        }
        if (st != VKGPT_OK) {
            return st;
        }
    }
    s->n_past += n;
    return VKGPT_OK;
}

static vkgpt_status_t check_tokens(vkgpt_session_t *s, const int32_t *tokens, size_t n) {
    const vkgpt__gpt2_hparams_t *hp = &s->model->hp;
    if (n > hp->n_positions - s->n_past) {
        return vkgpt__error_set(&s->error, VKGPT_ERR_CONTEXT_FULL,
                                "%zu more token(s) after %u would pass the model's context of "
                                "%u positions", n, s->n_past, hp->n_positions);
    }
    for (size_t i = 0; i < n; i++) {
        if (tokens[i] < 0 || (uint32_t)tokens[i] >= hp->vocab_size) {
            return vkgpt__error_set(&s->error, VKGPT_ERR_INVALID_ARGUMENT,
                                    "token %zu is %d, outside the vocabulary of %u", i,
                                    tokens[i], hp->vocab_size);
        }
    }
    return VKGPT_OK;
}

VKGPT_API vkgpt_status_t vkgpt_session_eval(vkgpt_session_t *s, const int32_t *tokens,
                                            size_t n_tokens, float *logits) {
    if (!s || (!tokens && n_tokens)) {
        return VKGPT_ERR_INVALID_ARGUMENT;
    }
    vkgpt__error_clear(&s->error);
    if (n_tokens == 0) {
        return vkgpt__error_set(&s->error, VKGPT_ERR_INVALID_ARGUMENT, "no tokens to evaluate");
    }
    vkgpt_status_t st = check_tokens(s, tokens, n_tokens);
    if (st != VKGPT_OK) {
        return st;
    }
    for (size_t done = 0; done < n_tokens; done += MAX_CHUNK) {
        uint32_t n = (uint32_t)(n_tokens - done < MAX_CHUNK ? n_tokens - done : MAX_CHUNK);
        bool last = done + n == n_tokens;
        st = run_pass(s, tokens + done, n, last && logits);
        if (st != VKGPT_OK) {
            return session_fail(s, st);
        }
    }
    if (logits) {
        st = vkgpt__buffer_download(s->model->dev, &s->buf.logits, 0, logits,
                                    (size_t)s->model->hp.vocab_size * 4);
        if (st != VKGPT_OK) {
            return session_fail(s, st);
        }
    }
    return VKGPT_OK;
}

VKGPT_API uint32_t vkgpt_session_n_past(const vkgpt_session_t *s) {
    return s ? s->n_past : 0;
}

VKGPT_API void vkgpt_session_reset(vkgpt_session_t *s) {
    if (s) {
        s->n_past = 0;
    }
}

VKGPT_API vkgpt_status_t vkgpt_session_truncate(vkgpt_session_t *s, uint32_t n_keep) {
    if (!s || n_keep > s->n_past) {
        return VKGPT_ERR_INVALID_ARGUMENT;
    }
    s->n_past = n_keep;
    return VKGPT_OK;
}

VKGPT_API const char *vkgpt_session_last_error(const vkgpt_session_t *s) {
    return s ? s->error.message : "";
}
