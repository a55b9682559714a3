/* config_print.c: writes a config back as YAML (for `vkgpt config --print`) with libyaml's
 * emitter, which handles quoting. Every key is written, defaults included, so the output
 * shows exactly what a run would use; keys whose default means "decided later" (the model's
 * preset, the eos ids, the seed, the device, ...) are written as null. Strings are always
 * double-quoted, so that a path such as "true" or "1" reads back as a string. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "config_internal.h"

typedef struct out_buf {
    char *data;
    size_t len, cap;
    bool oom;
} out_buf_t;

static int write_out(void *user, unsigned char *bytes, size_t size) {
    out_buf_t *o = user;
    if (o->len + size + 1 > o->cap) {
        size_t cap = (o->len + size + 1) * 2;
        char *grown = realloc(o->data, cap);
        if (!grown) {
            o->oom = true;
            return 0;
        }
        o->data = grown, o->cap = cap;
    }
    memcpy(o->data + o->len, bytes, size);
    o->len += size;
    o->data[o->len] = '\0';
    return 1;
}

/* ---- Events ---- */

static bool emit(yaml_emitter_t *em, yaml_event_t *e, int made) {
    return made && yaml_emitter_emit(em, e);
}

static bool scalar(yaml_emitter_t *em, const char *text, bool quoted) {
    yaml_event_t e;
    yaml_scalar_style_t style = quoted ? YAML_DOUBLE_QUOTED_SCALAR_STYLE : YAML_PLAIN_SCALAR_STYLE;
    return emit(em, &e, yaml_scalar_event_initialize(&e, NULL, NULL, (yaml_char_t *)text,
                                                    (int)strlen(text), 1, 1, style));
}

static bool plain(yaml_emitter_t *em, const char *text) {
    return scalar(em, text, false);
}

static bool seq_start(yaml_emitter_t *em, bool flow) {
    yaml_event_t e;
    return emit(em, &e, yaml_sequence_start_event_initialize(
                            &e, NULL, NULL, 1, flow ? YAML_FLOW_SEQUENCE_STYLE
                                                    : YAML_BLOCK_SEQUENCE_STYLE));
}

static bool seq_end(yaml_emitter_t *em) {
    yaml_event_t e;
    return emit(em, &e, yaml_sequence_end_event_initialize(&e));
}

static bool map_start(yaml_emitter_t *em) {
    yaml_event_t e;
    return emit(em, &e, yaml_mapping_start_event_initialize(&e, NULL, NULL, 1,
                                                            YAML_BLOCK_MAPPING_STYLE));
}

static bool map_end(yaml_emitter_t *em) {
    yaml_event_t e;
    return emit(em, &e, yaml_mapping_end_event_initialize(&e));
}

/* ---- Values ---- */

static bool emit_uint(yaml_emitter_t *em, unsigned long long v) {
    char buf[32];
    snprintf(buf, sizeof(buf), "%llu", v);
    return plain(em, buf);
}

static bool emit_double(yaml_emitter_t *em, double v) {
    char buf[40];
    vkgpt__cfg_format_double(v, buf, sizeof(buf));
    return plain(em, buf);
}

static bool emit_string_or_null(yaml_emitter_t *em, const char *s) {
    return s[0] ? scalar(em, s, true) : plain(em, "null");
}

static bool emit_strings(yaml_emitter_t *em, const char *const *items, uint32_t n, bool flow) {
    bool ok = seq_start(em, flow || n == 0);
    for (uint32_t i = 0; ok && i < n; i++) {
        ok = scalar(em, items[i], true);
    }
    return ok && seq_end(em);
}

static bool emit_eos(yaml_emitter_t *em, const vkgpt__gen_config_t *g) {
    if (!g->eos_set) {
        return plain(em, "null");
    }
    bool ok = seq_start(em, true);
    for (uint32_t i = 0; ok && i < g->n_eos; i++) {
        ok = emit_uint(em, (unsigned long long)g->eos_token_ids[i]);
    }
    return ok && seq_end(em);
}

static bool emit_stop(yaml_emitter_t *em, const vkgpt__gen_config_t *g) {
    const char *items[VKGPT__GEN_MAX_STOP];
    for (uint32_t i = 0; i < g->n_stop && i < VKGPT__GEN_MAX_STOP; i++) {
        items[i] = g->stop[i];
    }
    return emit_strings(em, items, g->n_stop, true);
}

static bool emit_value(yaml_emitter_t *em, const vkgpt__config_t *c, vkgpt__config_key_t key) {
    static const char *const dtypes[] = {"f32", "f16"};
    static const char *const early[] = {"false", "true", "never"};
    const vkgpt__gen_config_t *g = &c->generation;
    switch (key) {
    case VKGPT__CFG_MODEL_PATH: return emit_string_or_null(em, c->model.path);
    case VKGPT__CFG_MODEL_PRESET: return c->model.preset[0] ? plain(em, c->model.preset)
                                                            : plain(em, "null");
    case VKGPT__CFG_MODEL_DTYPE: return plain(em, dtypes[c->model.dtype]);
    case VKGPT__CFG_TOKENIZER_PLUGIN: return emit_string_or_null(em, c->tokenizer.plugin);
    case VKGPT__CFG_TOKENIZER_PATH: return emit_string_or_null(em, c->tokenizer.path);
    case VKGPT__CFG_GEN_STRATEGY: return plain(em, vkgpt__strategy_name(g->strategy));
    case VKGPT__CFG_GEN_DO_SAMPLE: return plain(em, c->do_sample ? "true" : "false");
    case VKGPT__CFG_GEN_NUM_BEAMS: return emit_uint(em, g->num_beams);
    case VKGPT__CFG_GEN_TEMPERATURE: return emit_double(em, g->temperature);
    case VKGPT__CFG_GEN_TOP_K: return emit_uint(em, g->top_k);
    case VKGPT__CFG_GEN_TOP_P: return emit_double(em, g->top_p);
    case VKGPT__CFG_GEN_REPETITION_PENALTY: return emit_double(em, g->repetition_penalty);
    case VKGPT__CFG_GEN_NO_REPEAT_NGRAM_SIZE: return emit_uint(em, g->no_repeat_ngram_size);
    case VKGPT__CFG_GEN_MAX_NEW_TOKENS: return emit_uint(em, g->max_new_tokens);
    case VKGPT__CFG_GEN_MIN_NEW_TOKENS: return emit_uint(em, g->min_new_tokens);
    case VKGPT__CFG_GEN_LENGTH_PENALTY: return emit_double(em, g->length_penalty);
    case VKGPT__CFG_GEN_EARLY_STOPPING: return plain(em, early[g->early_stopping]);
    case VKGPT__CFG_GEN_NUM_RETURN_SEQUENCES: return emit_uint(em, g->num_return_sequences);
    case VKGPT__CFG_GEN_EOS_TOKEN_ID: return emit_eos(em, g);
    case VKGPT__CFG_GEN_STOP: return emit_stop(em, g);
    case VKGPT__CFG_GEN_SEED: return g->seed_set ? emit_uint(em, g->seed) : plain(em, "null");
    case VKGPT__CFG_DEVICE: return c->device.index >= 0 ? emit_uint(em, (unsigned)c->device.index)
                                                        : emit_string_or_null(em, c->device.name);
    case VKGPT__CFG_CLASSIFIER_LABELS:
        return emit_strings(em, (const char *const *)c->classifier.labels, c->classifier.n_labels,
                            false);
    default: return false;
    }
}

/* The top-level mapping: keys in table order, each section opened when its first key comes. */
static bool emit_config(yaml_emitter_t *em, const vkgpt__config_t *c) {
    const char *open = NULL;
    bool ok = map_start(em);
    for (int k = 0; ok && k < VKGPT__CFG_N_KEYS; k++) {
        const cfg_key_def_t *d = vkgpt__cfg_key_def((vkgpt__config_key_t)k);
        if (open && (!d->section || strcmp(open, d->section) != 0)) {
            ok = map_end(em);
            open = NULL;
        }
        if (ok && d->section && !open) {
            ok = plain(em, d->section) && map_start(em);
            open = d->section;
        }
        ok = ok && plain(em, d->name) && emit_value(em, c, (vkgpt__config_key_t)k);
    }
    if (ok && open) {
        ok = map_end(em);
    }
    return ok && map_end(em);
}

static bool emit_document(yaml_emitter_t *em, const vkgpt__config_t *c) {
    yaml_event_t e;
    return emit(em, &e, yaml_stream_start_event_initialize(&e, YAML_UTF8_ENCODING)) &&
           emit(em, &e, yaml_document_start_event_initialize(&e, NULL, NULL, NULL, 1)) &&
           emit_config(em, c) &&
           emit(em, &e, yaml_document_end_event_initialize(&e, 1)) &&
           emit(em, &e, yaml_stream_end_event_initialize(&e));
}

vkgpt_status_t vkgpt__config_print(vkgpt__config_t *cfg, char **out, size_t *len,
                                   vkgpt__error_t *err) {
    *out = NULL;
    *len = 0;
    vkgpt_status_t st = vkgpt__config_validate(cfg, err);
    if (st != VKGPT_OK) {
        return st;
    }

    out_buf_t o = {0};
    static const char header[] = "# vkgpt config: every key with the value a run would use\n";
    write_out(&o, (unsigned char *)header, sizeof(header) - 1);
    yaml_emitter_t em;
    if (o.oom || !yaml_emitter_initialize(&em)) {
        free(o.data);
        return vkgpt__error_set(err, VKGPT_ERR_OUT_OF_HOST_MEMORY, "printing the config");
    }
    yaml_emitter_set_output(&em, write_out, &o);
    yaml_emitter_set_unicode(&em, 1);
    yaml_emitter_set_width(&em, -1);
    yaml_emitter_set_indent(&em, 2);
    bool ok = emit_document(&em, cfg);
    const char *problem = em.problem;
    yaml_emitter_delete(&em);
    if (!ok) {
        free(o.data);
        return vkgpt__error_set(err, o.oom ? VKGPT_ERR_OUT_OF_HOST_MEMORY : VKGPT_ERR_INTERNAL,
                                "printing the config: %s", problem ? problem : "out of memory");
    }
    *out = o.data;
    *len = o.len;
    return VKGPT_OK;
}
