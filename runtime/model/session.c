/* session.c: a context on a GPT-2 model: its KV cache rows, scratch buffers and recordings.
 *
 * A session holds n_rows sequences ("rows": beams, or the prompts of a batch), each with its
 * own slice of every layer's KV cache and its own length. A prompt runs into one row in chunks
 * of at most MAX_CHUNK tokens, each pass recorded afresh and submitted as one command buffer
 * per transformer block (so no single submission grows with the model). A decode step feeds
 * one token to each of several rows in one pass; its command buffers are recorded once per
 * batch size and replayed: token ids, positions and rows live in host-visible buffers that the
 * shaders read, so a new step re-records nothing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/session.h"

#define MAX_CHUNK 256u

/* Timestamps a profiling recorder can hold: one per dispatch of the largest stage plus one. */
#define PROFILE_STAMPS 256u

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

/* ---- Creation ---- */

static vkgpt_status_t create_buffers(vkgpt_session_t *s) {
    vkgpt__model_t *m = s->model;
    vkgpt__device_t *dev = m->dev;
    vkgpt__gpt2_buffers_t *b = &s->buf;
    uint64_t t = b->max_tokens, c = m->hp.n_embd, inner = m->hp.n_inner, r = b->n_rows;

    struct {
        vkgpt__buffer_t *buf;
        uint64_t bytes;
        bool host;
        const char *what;
    } plan[] = {
        {&b->ids, t * 4, true, "token ids"},
        {&b->table, t * sizeof(vkgpt__token_slot_t), true, "the token table"},
        {&b->x, t * c * 4, false, "the residual stream"},
        {&b->h, t * c * 4, false, "layer scratch"},
        {&b->qkv, t * c * 12, false, "queries, keys and values"},
        {&b->att, t * c * 4, false, "attention output"},
        {&b->mlp, t * inner * 4, false, "the MLP's hidden layer"},
        {&b->head_in, r * c * 4, false, "the LM head's input"},
        {&b->head_norm, r * c * 4, false, "the LM head's normalised input"},
        {&b->logits, r * m->hp.vocab_size * 4, false, "logits"},
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
    /* One layer's rows: also the size of the scratch that reordering copies through. */
    uint64_t cache_bytes = r * b->n_ctx * c * 4;
    for (uint32_t l = 0; l < m->hp.n_layer; l++) {
        vkgpt_status_t st = vkgpt__buffer_create(dev, cache_bytes, &b->k_cache[l], "a key cache");
        if (st == VKGPT_OK) {
            st = vkgpt__buffer_create(dev, cache_bytes, &b->v_cache[l], "a value cache");
        }
        if (st != VKGPT_OK) {
            return st;
        }
    }
    if (r > 1) {
        return vkgpt__buffer_create(dev, cache_bytes, &s->reorder_scratch, "reorder scratch");
    }
    return VKGPT_OK;
}

static uint32_t recorder_stamps(const vkgpt_session_t *s) {
    return s->profiling ? PROFILE_STAMPS : 0;
}

static vkgpt_status_t create_recorders(vkgpt_session_t *s) {
    vkgpt__device_t *dev = s->model->dev;
    vkgpt_status_t st = vkgpt__cmd_create(dev, recorder_stamps(s), &s->scratch);
    s->n_stages = s->model->hp.n_layer + 2;
    s->replay = calloc((size_t)s->buf.n_rows + 1, sizeof(*s->replay));
    s->row_len = calloc(s->buf.n_rows, sizeof(*s->row_len));
    s->row_tmp = calloc(s->buf.n_rows, sizeof(*s->row_tmp));
    if (!s->replay || !s->row_len || !s->row_tmp) {
        return vkgpt__error_set(&dev->error, VKGPT_ERR_OUT_OF_HOST_MEMORY, "session tables");
    }
    return st;
}

static void destroy_replay(vkgpt_session_t *s, vkgpt__cmd_t **cmds) {
    for (uint32_t i = 0; cmds && i < s->n_stages; i++) {
        vkgpt__cmd_destroy(cmds[i]);
    }
    free(cmds);
}

VKGPT_API void vkgpt_session_destroy(vkgpt_session_t *s) {
    if (!s) {
        return;
    }
    vkgpt__device_t *dev = s->model->dev;
    vkDeviceWaitIdle(dev->vk);
    vkgpt__cmd_destroy(s->scratch);
    for (uint32_t n = 0; s->replay && n <= s->buf.n_rows; n++) {
        destroy_replay(s, s->replay[n]);
    }
    free(s->replay);
    vkgpt__gpt2_buffers_t *b = &s->buf;
    vkgpt__buffer_t *singles[] = {&b->ids, &b->table,   &b->x,         &b->h,
                                  &b->qkv, &b->att,     &b->mlp,       &b->head_in,
                                  &b->head_norm, &b->logits, &s->reorder_scratch};
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
    free(s->row_len);
    free(s->row_tmp);
    free(s);
}

VKGPT_API void vkgpt_session_params_init(vkgpt_session_params_t *params) {
    if (params) {
        memset(params, 0, sizeof(*params));
        params->struct_size = sizeof(*params);
        params->n_seq = 1;
    }
}

static vkgpt_status_t check_params(const vkgpt__model_t *m, const vkgpt_session_params_t *p,
                                   vkgpt__error_t *err) {
    if (p->n_seq < 1 || p->n_seq > VKGPT__SESSION_MAX_ROWS) {
        return vkgpt__error_set(err, VKGPT_ERR_INVALID_ARGUMENT,
                                "n_seq is %u; a session holds 1 to %u sequences", p->n_seq,
                                VKGPT__SESSION_MAX_ROWS);
    }
    if (p->n_ctx > m->hp.n_positions) {
        return vkgpt__error_set(err, VKGPT_ERR_INVALID_ARGUMENT,
                                "n_ctx %u is past the model's %u positions", p->n_ctx,
                                m->hp.n_positions);
    }
    return VKGPT_OK;
}

VKGPT_API vkgpt_status_t vkgpt_session_create(vkgpt_model_t *model,
                                              const vkgpt_session_params_t *params,
                                              vkgpt_session_t **out) {
    vkgpt__error_t err;
    vkgpt__error_clear(&err);
    if (!model || !out) {
        vkgpt__error_set(&err, VKGPT_ERR_INVALID_ARGUMENT, "vkgpt_session_create: NULL argument");
        return vkgpt__thread_error_set(&err);
    }
    *out = NULL;
    vkgpt_session_params_t p;
    vkgpt_session_params_init(&p);
    if (params) {
        memcpy(&p, params, params->struct_size < sizeof(p) ? params->struct_size : sizeof(p));
    }
    if (check_params(model, &p, &err) != VKGPT_OK) {
        return vkgpt__thread_error_set(&err);
    }

    vkgpt_session_t *s = calloc(1, sizeof(*s));
    if (!s) {
        vkgpt__error_set(&err, VKGPT_ERR_OUT_OF_HOST_MEMORY, "allocating a session");
        return vkgpt__thread_error_set(&err);
    }
    s->model = model;
    s->buf.n_rows = p.n_seq;
    s->buf.n_ctx = p.n_ctx ? p.n_ctx : model->hp.n_positions;
    s->buf.max_tokens = MAX_CHUNK > p.n_seq ? MAX_CHUNK : p.n_seq;
    atomic_init(&s->cancel, 0);
    vkgpt_status_t st = create_recorders(s);
    if (st == VKGPT_OK) {
        st = create_buffers(s);
    }
    if (st != VKGPT_OK) {
        vkgpt__error_set(&err, st, "creating a session: %s", model->dev->error.message);
        vkgpt__error_clear(&model->dev->error);
        vkgpt_session_destroy(s);
        return vkgpt__thread_error_set(&err);
    }
    *out = s;
    return VKGPT_OK;
}

/* ---- Passes ---- */

/* Stage 0 is the embedding, 1..n_layer the blocks, n_layer + 1 the head over n_out positions
 * starting at head_first. */
static vkgpt_status_t record_stage(vkgpt_session_t *s, vkgpt__cmd_t *cmd, uint32_t stage,
                                   uint32_t n_tokens, uint32_t head_first, uint32_t n_out) {
    uint32_t n_layer = s->model->hp.n_layer;
    vkgpt_status_t st = vkgpt__cmd_begin(cmd);
    if (st == VKGPT_OK) {
        st = stage == 0 ? vkgpt__gpt2_record_embed(cmd, s->model, &s->buf, n_tokens)
             : stage <= n_layer
                 ? vkgpt__gpt2_record_block(cmd, s->model, &s->buf, stage - 1, n_tokens)
                 : vkgpt__gpt2_record_head(cmd, s->model, &s->buf, head_first, n_out);
    }
    if (st == VKGPT_OK) {
        st = vkgpt__cmd_end(cmd);
    }
    return st;
}

/* The recordings of a decode step over n rows (one token each, logits for each). */
static vkgpt_status_t replay_for(vkgpt_session_t *s, uint32_t n, vkgpt__cmd_t ***out) {
    if (!s->replay[n]) {
        vkgpt__cmd_t **cmds = calloc(s->n_stages, sizeof(*cmds));
        if (!cmds) {
            return vkgpt__error_set(&s->error, VKGPT_ERR_OUT_OF_HOST_MEMORY, "recordings");
        }
        vkgpt_status_t st = VKGPT_OK;
        for (uint32_t i = 0; i < s->n_stages && st == VKGPT_OK; i++) {
            st = vkgpt__cmd_create(s->model->dev, recorder_stamps(s), &cmds[i]);
            if (st == VKGPT_OK) {
                st = record_stage(s, cmds[i], i, n, 0, n);
            }
        }
        if (st != VKGPT_OK) {
            destroy_replay(s, cmds);
            return st;
        }
        s->replay[n] = cmds;
    }
    *out = s->replay[n];
    return VKGPT_OK;
}

static vkgpt_status_t submit_all(vkgpt_session_t *s, vkgpt__cmd_t **cmds, uint32_t n_stages) {
    for (uint32_t i = 0; i < n_stages; i++) {
        if (atomic_load(&s->cancel)) {
            return vkgpt__error_set(&s->error, VKGPT_ERR_CANCELLED, "cancelled");
        }
        vkgpt_status_t st = vkgpt__cmd_submit_wait(cmds[i]);
        if (st != VKGPT_OK) {
            return st;
        }
        if (s->profiling) {
            vkgpt__cmd_profile_add(cmds[i], s->profile_ns, s->profile_count);
        }
    }
    return VKGPT_OK;
}

/* One chunk of a prompt into `row` at its current length. */
static vkgpt_status_t prefill_chunk(vkgpt_session_t *s, uint32_t row, const int32_t *tokens,
                                    uint32_t n, bool want_logits) {
    uint32_t *ids = s->buf.ids.mapped;
    vkgpt__token_slot_t *slots = s->buf.table.mapped;
    for (uint32_t i = 0; i < n; i++) {
        ids[i] = (uint32_t)tokens[i];
        slots[i] = (vkgpt__token_slot_t){s->row_len[row] + i, row};
    }
    uint32_t stages = s->model->hp.n_layer + (want_logits ? 2 : 1);
    for (uint32_t i = 0; i < stages; i++) {
        if (atomic_load(&s->cancel)) {
            return vkgpt__error_set(&s->error, VKGPT_ERR_CANCELLED, "cancelled");
        }
        vkgpt_status_t st = record_stage(s, s->scratch, i, n, n - 1, 1);
        if (st == VKGPT_OK) {
            st = vkgpt__cmd_submit_wait(s->scratch);
        }
        if (st != VKGPT_OK) {
            return st;
        }
        if (s->profiling) {
            vkgpt__cmd_profile_add(s->scratch, s->profile_ns, s->profile_count);
        }
    }
    s->row_len[row] += n;
    return VKGPT_OK;
}

static vkgpt_status_t check_tokens(vkgpt_session_t *s, uint32_t row, const int32_t *tokens,
                                   size_t n) {
    const vkgpt__gpt2_hparams_t *hp = &s->model->hp;
    if (n > s->buf.n_ctx - s->row_len[row]) {
        return vkgpt__error_set(&s->error, VKGPT_ERR_CONTEXT_FULL,
                                "%zu more token(s) after %u would pass the context of %u "
                                "positions", n, s->row_len[row], s->buf.n_ctx);
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

static vkgpt_status_t download_logits(vkgpt_session_t *s, uint32_t n, float *logits) {
    size_t bytes = (size_t)n * s->model->hp.vocab_size * 4;
    return vkgpt__buffer_download(s->model->dev, &s->buf.logits, 0, logits, bytes);
}

vkgpt_status_t vkgpt__session_append(vkgpt_session_t *s, uint32_t row, const int32_t *tokens,
                                     size_t n_tokens, float *logits) {
    vkgpt__error_clear(&s->error);
    if (row >= s->buf.n_rows || n_tokens == 0) {
        return vkgpt__error_set(&s->error, VKGPT_ERR_INVALID_ARGUMENT,
                                "row %u of %u, %zu tokens: nothing to evaluate", row,
                                s->buf.n_rows, n_tokens);
    }
    vkgpt_status_t st = check_tokens(s, row, tokens, n_tokens);
    for (size_t done = 0; st == VKGPT_OK && done < n_tokens; done += MAX_CHUNK) {
        uint32_t n = (uint32_t)(n_tokens - done < MAX_CHUNK ? n_tokens - done : MAX_CHUNK);
        st = prefill_chunk(s, row, tokens + done, n, done + n == n_tokens && logits);
        if (st == VKGPT_OK && s->progress && n_tokens > MAX_CHUNK) {
            s->progress((float)(done + n) / (float)n_tokens, s->progress_user);
        }
    }
    if (st == VKGPT_OK && logits) {
        st = download_logits(s, 1, logits);
    }
    return st == VKGPT_OK ? st : session_fail(s, st);
}

vkgpt_status_t vkgpt__session_step(vkgpt_session_t *s, const uint32_t *rows,
                                   const int32_t *tokens, uint32_t n, float *logits) {
    vkgpt__error_clear(&s->error);
    if (n == 0 || n > s->buf.n_rows) {
        return vkgpt__error_set(&s->error, VKGPT_ERR_INVALID_ARGUMENT,
                                "a step over %u rows; the session has %u", n, s->buf.n_rows);
    }
    uint32_t *ids = s->buf.ids.mapped;
    vkgpt__token_slot_t *slots = s->buf.table.mapped;
    vkgpt_status_t st = VKGPT_OK;
    for (uint32_t i = 0; i < n && st == VKGPT_OK; i++) {
        st = rows[i] < s->buf.n_rows ? check_tokens(s, rows[i], &tokens[i], 1)
                                     : vkgpt__error_set(&s->error, VKGPT_ERR_INVALID_ARGUMENT,
                                                        "row %u does not exist", rows[i]);
        if (st == VKGPT_OK) {
            ids[i] = (uint32_t)tokens[i];
            slots[i] = (vkgpt__token_slot_t){s->row_len[rows[i]], rows[i]};
        }
    }
    vkgpt__cmd_t **cmds = NULL;
    if (st == VKGPT_OK) {
        st = replay_for(s, n, &cmds);
    }
    if (st == VKGPT_OK) {
        st = submit_all(s, cmds, s->n_stages);
    }
    if (st == VKGPT_OK) {
        for (uint32_t i = 0; i < n; i++) {
            s->row_len[rows[i]]++;
        }
        st = logits ? download_logits(s, n, logits) : VKGPT_OK;
    }
    return st == VKGPT_OK ? st : session_fail(s, st);
}

/* ---- Reordering rows on the device ---- */

typedef struct reorder_job {
    vkgpt_session_t *s;
    const uint32_t *src;
    uint32_t n;
} reorder_job_t;

/* Copies the rows that change of one cache buffer through the scratch: first every source row
 * out (a row may be the source of several), then into place. Only each row's used prefix
 * moves. */
static vkgpt_status_t record_reorder_buffer(vkgpt__cmd_t *cmd, const reorder_job_t *j,
                                            const vkgpt__buffer_t *cache) {
    vkgpt_session_t *s = j->s;
    VkDeviceSize row_bytes = (VkDeviceSize)s->buf.n_ctx * s->model->hp.n_embd * 4;
    VkDeviceSize pos_bytes = (VkDeviceSize)s->model->hp.n_embd * 4;
    VkBufferCopy out[VKGPT__SESSION_MAX_ROWS], in[VKGPT__SESSION_MAX_ROWS];
    uint32_t n_copies = 0;
    for (uint32_t r = 0; r < j->n; r++) {
        uint32_t len = s->row_len[j->src[r]];
        if (j->src[r] == r || len == 0) {
            continue;
        }
        out[n_copies] = (VkBufferCopy){j->src[r] * row_bytes, r * row_bytes, len * pos_bytes};
        in[n_copies] = (VkBufferCopy){r * row_bytes, r * row_bytes, len * pos_bytes};
        n_copies++;
    }
    if (n_copies == 0) {
        return VKGPT_OK;
    }
    vkgpt_status_t st = vkgpt__cmd_copy_regions(cmd, cache->buffer, s->reorder_scratch.buffer,
                                                out, n_copies);
    if (st == VKGPT_OK) {
        st = vkgpt__cmd_copy_regions(cmd, s->reorder_scratch.buffer, cache->buffer, in,
                                     n_copies);
    }
    return st;
}

static vkgpt_status_t record_reorder(vkgpt__cmd_t *cmd, void *user) {
    const reorder_job_t *j = user;
    vkgpt_status_t st = VKGPT_OK;
    for (uint32_t l = 0; l < j->s->model->hp.n_layer && st == VKGPT_OK; l++) {
        st = record_reorder_buffer(cmd, j, &j->s->buf.k_cache[l]);
        if (st == VKGPT_OK) {
            st = record_reorder_buffer(cmd, j, &j->s->buf.v_cache[l]);
        }
    }
    return st;
}

vkgpt_status_t vkgpt__session_reorder(vkgpt_session_t *s, const uint32_t *src, uint32_t n) {
    vkgpt__error_clear(&s->error);
    if (n > s->buf.n_rows) {
        return vkgpt__error_set(&s->error, VKGPT_ERR_INVALID_ARGUMENT, "reorder of %u rows", n);
    }
    for (uint32_t r = 0; r < n; r++) {
        if (src[r] >= s->buf.n_rows) {
            return vkgpt__error_set(&s->error, VKGPT_ERR_INVALID_ARGUMENT,
                                    "reorder source row %u does not exist", src[r]);
        }
    }
    reorder_job_t job = {s, src, n};
    vkgpt_status_t st = vkgpt__run_once(s->model->dev, record_reorder, &job);
    if (st != VKGPT_OK) {
        return session_fail(s, st);
    }
    for (uint32_t r = 0; r < n; r++) {
        s->row_tmp[r] = s->row_len[src[r]];
    }
    memcpy(s->row_len, s->row_tmp, n * sizeof(*s->row_len));
    return VKGPT_OK;
}

uint32_t vkgpt__session_row_len(const vkgpt_session_t *s, uint32_t row) {
    return row < s->buf.n_rows ? s->row_len[row] : 0;
}

/* ---- Public single-sequence calls (row 0) ---- */

VKGPT_API vkgpt_status_t vkgpt_session_eval(vkgpt_session_t *s, const int32_t *tokens,
                                            size_t n_tokens, float *logits) {
    if (!s || (!tokens && n_tokens)) {
        return VKGPT_ERR_INVALID_ARGUMENT;
    }
    atomic_store(&s->cancel, 0);
    if (n_tokens == 1) {
        uint32_t row = 0;
        return vkgpt__session_step(s, &row, tokens, 1, logits);
    }
    return vkgpt__session_append(s, 0, tokens, n_tokens, logits);
}

VKGPT_API uint32_t vkgpt_session_n_past(const vkgpt_session_t *s) {
    return s ? s->row_len[0] : 0;
}

VKGPT_API void vkgpt_session_reset(vkgpt_session_t *s) {
    if (s) {
        memset(s->row_len, 0, s->buf.n_rows * sizeof(*s->row_len));
    }
}

VKGPT_API vkgpt_status_t vkgpt_session_truncate(vkgpt_session_t *s, uint32_t n_keep) {
    if (!s || n_keep > s->row_len[0]) {
        return VKGPT_ERR_INVALID_ARGUMENT;
    }
    s->row_len[0] = n_keep;
    return VKGPT_OK;
}

VKGPT_API void vkgpt_cancel(vkgpt_session_t *s) {
    if (s) {
        atomic_store(&s->cancel, 1);
    }
}

VKGPT_API void vkgpt_session_set_progress(vkgpt_session_t *s,
                                          void (*fn)(float fraction, void *user_data),
                                          void *user_data) {
    if (s) {
        s->progress = fn;
        s->progress_user = user_data;
    }
}

VKGPT_API vkgpt_status_t vkgpt_session_profile(vkgpt_session_t *s, int enable) {
    if (!s) {
        return VKGPT_ERR_INVALID_ARGUMENT;
    }
    memset(s->profile_ns, 0, sizeof(s->profile_ns));
    memset(s->profile_count, 0, sizeof(s->profile_count));
    if ((bool)enable == s->profiling) {
        return VKGPT_OK;
    }
    if (enable && !s->model->dev->caps.timestamps) {
        return vkgpt__error_set(&s->error, VKGPT_ERR_UNSUPPORTED,
                                "device \"%s\" has no timestamp queries on its compute queue",
                                s->model->dev->caps.name);
    }
    /* Recorders are rebuilt with or without timestamps; replays are recorded again. */
    s->profiling = enable;
    vkgpt__cmd_destroy(s->scratch);
    s->scratch = NULL;
    for (uint32_t n = 0; n <= s->buf.n_rows; n++) {
        destroy_replay(s, s->replay[n]);
        s->replay[n] = NULL;
    }
    vkgpt_status_t st = vkgpt__cmd_create(s->model->dev, recorder_stamps(s), &s->scratch);
    return st == VKGPT_OK ? st : session_fail(s, st);
}

VKGPT_API size_t vkgpt_session_profile_read(const vkgpt_session_t *s,
                                            vkgpt_profile_entry_t *entries, size_t capacity) {
    size_t n = 0;
    for (int k = 0; s && k < VKGPT__KERNEL_COUNT; k++) {
        if (!s->profile_count[k]) {
            continue;
        }
        if (n < capacity && entries) {
            vkgpt_profile_entry_t *e = &entries[n];
            snprintf(e->op, sizeof(e->op), "%s", vkgpt__kernel_info((vkgpt__kernel_id_t)k)->name);
            e->milliseconds = s->profile_ns[k] * 1e-6;
            e->dispatches = s->profile_count[k];
        }
        n++;
    }
    return n;
}

VKGPT_API const char *vkgpt_session_last_error(const vkgpt_session_t *s) {
    return s ? s->error.message : "";
}
