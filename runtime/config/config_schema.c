/* config_schema.c: the keys a config may hold, their conversion and storage, merging, and
 * the checks across keys. docs/CONFIG.md documents the same table for users. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_internal.h"
#include "model/hparams.h"

/* The size presets a config may name are the model layer's own table (runtime/model/presets.c). */
static const char *preset_name_at(size_t index) {
    const vkgpt__gpt2_preset_t *p = vkgpt__gpt2_preset_at(index);
    return p ? p->name : NULL;
}

static const char *const dtype_names[] = {"f32", "f16", NULL};
static const char *const strategy_names[] = {"greedy", "sample", "beam", "beam_sample", NULL};

#define PATH_LEN (VKGPT__CONFIG_PATH_CAP - 1)
#define NAME_LEN (VKGPT__CONFIG_NAME_CAP - 1)

static const cfg_key_def_t key_table[VKGPT__CFG_N_KEYS] = {
    {VKGPT__CFG_MODEL_PATH, "model", "path", CFG_T_STRING, .max_len = PATH_LEN},
    {VKGPT__CFG_MODEL_PRESET, "model", "preset", CFG_T_CHOICE, .choice_at = preset_name_at},
    {VKGPT__CFG_MODEL_DTYPE, "model", "dtype", CFG_T_CHOICE, .choices = dtype_names},
    {VKGPT__CFG_TOKENIZER_PLUGIN, "tokenizer", "plugin", CFG_T_STRING, .max_len = NAME_LEN},
    {VKGPT__CFG_TOKENIZER_PATH, "tokenizer", "path", CFG_T_STRING, .max_len = PATH_LEN},
    {VKGPT__CFG_GEN_STRATEGY, "generation", "strategy", CFG_T_CHOICE,
     .choices = strategy_names},
    {VKGPT__CFG_GEN_DO_SAMPLE, "generation", "do_sample", CFG_T_BOOL},
    {VKGPT__CFG_GEN_NUM_BEAMS, "generation", "num_beams", CFG_T_UINT, 1, VKGPT__GEN_MAX_BEAMS},
    {VKGPT__CFG_GEN_TEMPERATURE, "generation", "temperature", CFG_T_FLOAT, 0, 100,
     .min_exclusive = true},
    {VKGPT__CFG_GEN_TOP_K, "generation", "top_k", CFG_T_UINT, 0, 1000000},
    {VKGPT__CFG_GEN_TOP_P, "generation", "top_p", CFG_T_FLOAT, 0, 1},
    {VKGPT__CFG_GEN_REPETITION_PENALTY, "generation", "repetition_penalty", CFG_T_FLOAT, 0, 100,
     .min_exclusive = true},
    {VKGPT__CFG_GEN_NO_REPEAT_NGRAM_SIZE, "generation", "no_repeat_ngram_size", CFG_T_UINT, 0,
     VKGPT__GEN_MAX_NGRAM},
    {VKGPT__CFG_GEN_MAX_NEW_TOKENS, "generation", "max_new_tokens", CFG_T_UINT, 1,
     VKGPT__GEN_MAX_NEW_TOKENS},
    {VKGPT__CFG_GEN_MIN_NEW_TOKENS, "generation", "min_new_tokens", CFG_T_UINT, 0,
     VKGPT__GEN_MAX_NEW_TOKENS},
    {VKGPT__CFG_GEN_LENGTH_PENALTY, "generation", "length_penalty", CFG_T_FLOAT, -100, 100},
    {VKGPT__CFG_GEN_EARLY_STOPPING, "generation", "early_stopping", CFG_T_EARLY},
    {VKGPT__CFG_GEN_NUM_RETURN_SEQUENCES, "generation", "num_return_sequences", CFG_T_UINT, 1,
     VKGPT__GEN_MAX_RETURN},
    {VKGPT__CFG_GEN_EOS_TOKEN_ID, "generation", "eos_token_id", CFG_T_INT_LIST, 0, INT32_MAX,
     .max_items = VKGPT__GEN_MAX_EOS},
    {VKGPT__CFG_GEN_STOP, "generation", "stop", CFG_T_STR_LIST, .max_items = VKGPT__GEN_MAX_STOP,
     .max_len = VKGPT__GEN_STOP_CAP - 1},
    {VKGPT__CFG_GEN_SEED, "generation", "seed", CFG_T_U64},
    {VKGPT__CFG_DEVICE, NULL, "device", CFG_T_DEVICE, 0, 1023, .max_len = NAME_LEN},
    {VKGPT__CFG_CLASSIFIER_LABELS, "classifier", "labels", CFG_T_STR_LIST,
     .max_items = VKGPT__CONFIG_MAX_LABELS, .max_len = NAME_LEN},
};

static const char *const section_names[] = {"model", "tokenizer", "generation", "classifier"};

/* ---- Lookup ---- */

const cfg_key_def_t *vkgpt__cfg_key_def(vkgpt__config_key_t key) {
    return (unsigned)key < VKGPT__CFG_N_KEYS ? &key_table[key] : NULL;
}

static bool same(const char *a, const char *b, size_t b_len) {
    return a && strlen(a) == b_len && memcmp(a, b, b_len) == 0;
}

const cfg_key_def_t *vkgpt__cfg_find(const char *section, const char *name, size_t len) {
    for (size_t i = 0; i < VKGPT__CFG_N_KEYS; i++) {
        const cfg_key_def_t *d = &key_table[i];
        bool sec_ok = section ? d->section && strcmp(d->section, section) == 0 : !d->section;
        if (sec_ok && same(d->name, name, len)) {
            return d;
        }
    }
    return NULL;
}

bool vkgpt__cfg_is_section(const char *name, size_t len) {
    for (size_t i = 0; i < VKGPT__ARRAY_LEN(section_names); i++) {
        if (same(section_names[i], name, len)) {
            return true;
        }
    }
    return false;
}

bool vkgpt__config_key_lookup(const char *path, vkgpt__config_key_t *out) {
    const char *dot = strchr(path, '.');
    const cfg_key_def_t *d = NULL;
    char section[32];
    if (!dot) {
        d = vkgpt__cfg_find(NULL, path, strlen(path));
    } else if ((size_t)(dot - path) < sizeof(section)) {
        memcpy(section, path, (size_t)(dot - path));
        section[dot - path] = '\0';
        d = vkgpt__cfg_find(section, dot + 1, strlen(dot + 1));
    }
    if (d) {
        *out = d->id;
    }
    return d != NULL;
}

const char *vkgpt__config_key_name(vkgpt__config_key_t key) {
    static const char *const full_names[VKGPT__CFG_N_KEYS] = {
        "model.path", "model.preset", "model.dtype", "tokenizer.plugin", "tokenizer.path",
        "generation.strategy", "generation.do_sample", "generation.num_beams",
        "generation.temperature", "generation.top_k", "generation.top_p",
        "generation.repetition_penalty", "generation.no_repeat_ngram_size",
        "generation.max_new_tokens", "generation.min_new_tokens", "generation.length_penalty",
        "generation.early_stopping", "generation.num_return_sequences",
        "generation.eos_token_id", "generation.stop", "generation.seed", "device",
        "classifier.labels"};
    return (unsigned)key < VKGPT__CFG_N_KEYS ? full_names[key] : "?";
}

/* ---- Edit distance and hints ---- */

size_t vkgpt__edit_distance(const char *a, const char *b, size_t cap) {
    size_t n = strlen(a), m = strlen(b);
    if (n > 64 || m > 64) {
        return cap + 1;
    }
    size_t prev2[65], prev[65], cur[65];
    for (size_t j = 0; j <= m; j++) {
        prev[j] = j;
    }
    for (size_t i = 1; i <= n; i++) {
        cur[0] = i;
        for (size_t j = 1; j <= m; j++) {
            size_t cost = a[i - 1] != b[j - 1];
            size_t best = prev[j - 1] + cost;
            best = prev[j] + 1 < best ? prev[j] + 1 : best;
            best = cur[j - 1] + 1 < best ? cur[j - 1] + 1 : best;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                prev2[j - 2] + 1 < best) {
                best = prev2[j - 2] + 1; /* neighbours swapped */
            }
            cur[j] = best;
        }
        memcpy(prev2, prev, sizeof(prev));
        memcpy(prev, cur, sizeof(cur));
    }
    return prev[m] > cap ? cap + 1 : prev[m];
}

/* The name in section closest to name, or NULL when nothing is near. */
static const char *nearest(const char *section, const char *name) {
    size_t len = strlen(name), best_d = 4;
    const char *best = NULL;
    for (size_t i = 0; i < VKGPT__CFG_N_KEYS; i++) {
        const cfg_key_def_t *d = &key_table[i];
        bool in = section ? d->section && strcmp(d->section, section) == 0 : !d->section;
        if (!in) {
            continue;
        }
        size_t dist = vkgpt__edit_distance(name, d->name, 3);
        if (len >= 4 && strstr(d->name, name)) {
            dist = dist < 2 ? dist : 2; /* "beams" in "num_beams" */
        }
        if (dist < best_d && dist <= 1 + len / 3) {
            best_d = dist, best = d->name;
        }
    }
    for (size_t i = 0; !section && i < VKGPT__ARRAY_LEN(section_names); i++) {
        size_t dist = vkgpt__edit_distance(name, section_names[i], 3);
        if (dist < best_d && dist <= 1 + len / 3) {
            best_d = dist, best = section_names[i];
        }
    }
    return best;
}

void vkgpt__cfg_unknown_key_hint(const char *section, const char *name, size_t len, char *buf,
                                 size_t size) {
    char key[65];
    size_t n = len < 64 ? len : 64;
    memcpy(key, name, n);
    key[n] = '\0';
    const char *where = section ? section : "the top level";

    for (size_t i = 0; i < VKGPT__CFG_N_KEYS; i++) {
        const cfg_key_def_t *d = &key_table[i];
        if (strcmp(d->name, key) == 0 && d->section && (!section || strcmp(d->section, section))) {
            snprintf(buf, size, "unknown key '%s' in %s; it belongs in section '%s'", key, where,
                     d->section);
            return;
        }
    }
    const char *near = nearest(section, key);
    if (near) {
        snprintf(buf, size, "unknown key '%s' in %s; did you mean '%s'?", key, where, near);
    } else {
        snprintf(buf, size, "unknown key '%s' in %s (docs/CONFIG.md lists the keys)", key, where);
    }
}

/* ---- Defaults and origins ---- */

void vkgpt__config_init(vkgpt__config_t *cfg) {
    memset(cfg, 0, sizeof(*cfg));
    cfg->model.dtype = VKGPT__CONFIG_DTYPE_F32;
    snprintf(cfg->tokenizer.plugin, sizeof(cfg->tokenizer.plugin), "bpe");
    vkgpt__gen_config_init(&cfg->generation);
    cfg->device.index = -1;
}

static void labels_free(vkgpt__config_t *cfg) {
    for (uint32_t i = 0; i < cfg->classifier.n_labels; i++) {
        free(cfg->classifier.labels[i]);
    }
    free(cfg->classifier.labels);
    cfg->classifier.labels = NULL;
    cfg->classifier.n_labels = 0;
}

void vkgpt__config_free(vkgpt__config_t *cfg) {
    labels_free(cfg);
    for (size_t i = 0; i < VKGPT__CFG_N_KEYS; i++) {
        free(cfg->origin[i].file);
    }
    vkgpt__config_init(cfg);
}

static void origin_copy(vkgpt__config_origin_t *dst, const vkgpt__config_origin_t *src) {
    free(dst->file);
    *dst = *src;
    dst->file = src->file ? strdup(src->file) : NULL; /* NULL on OOM: messages say "?" */
}

static void origin_set(vkgpt__config_t *cfg, vkgpt__config_key_t key, const cfg_where_t *where,
                       uint32_t line, uint32_t column) {
    vkgpt__config_origin_t o = {where->source,
                                where->source == VKGPT__CONFIG_SOURCE_FILE ? (char *)where->file
                                                                           : NULL,
                                line, column};
    origin_copy(&cfg->origin[key], &o);
}

void vkgpt__config_origin_str(const vkgpt__config_t *cfg, vkgpt__config_key_t key, char *buf,
                              size_t size) {
    const vkgpt__config_origin_t *o = &cfg->origin[key];
    if (o->source == VKGPT__CONFIG_SOURCE_FILE) {
        snprintf(buf, size, "%s:%u:%u", o->file ? o->file : "?", o->line, o->column);
    } else if (o->source == VKGPT__CONFIG_SOURCE_OVERRIDE) {
        snprintf(buf, size, "the command line");
    } else {
        snprintf(buf, size, "the default");
    }
}

/* ---- Fields ---- */

static uint32_t *uint_field(vkgpt__config_t *c, vkgpt__config_key_t key) {
    vkgpt__gen_config_t *g = &c->generation;
    switch (key) {
    case VKGPT__CFG_GEN_NUM_BEAMS: return &g->num_beams;
    case VKGPT__CFG_GEN_TOP_K: return &g->top_k;
    case VKGPT__CFG_GEN_NO_REPEAT_NGRAM_SIZE: return &g->no_repeat_ngram_size;
    case VKGPT__CFG_GEN_MAX_NEW_TOKENS: return &g->max_new_tokens;
    case VKGPT__CFG_GEN_MIN_NEW_TOKENS: return &g->min_new_tokens;
    case VKGPT__CFG_GEN_NUM_RETURN_SEQUENCES: return &g->num_return_sequences;
    default: return NULL;
    }
}

static double *float_field(vkgpt__config_t *c, vkgpt__config_key_t key) {
    vkgpt__gen_config_t *g = &c->generation;
    switch (key) {
    case VKGPT__CFG_GEN_TEMPERATURE: return &g->temperature;
    case VKGPT__CFG_GEN_TOP_P: return &g->top_p;
    case VKGPT__CFG_GEN_REPETITION_PENALTY: return &g->repetition_penalty;
    case VKGPT__CFG_GEN_LENGTH_PENALTY: return &g->length_penalty;
    default: return NULL;
    }
}

/* The fixed-size string of a key and its capacity. */
static char *string_field(vkgpt__config_t *c, vkgpt__config_key_t key, size_t *cap) {
    switch (key) {
    case VKGPT__CFG_MODEL_PATH: *cap = sizeof(c->model.path); return c->model.path;
    case VKGPT__CFG_MODEL_PRESET: *cap = sizeof(c->model.preset); return c->model.preset;
    case VKGPT__CFG_TOKENIZER_PLUGIN:
        *cap = sizeof(c->tokenizer.plugin);
        return c->tokenizer.plugin;
    case VKGPT__CFG_TOKENIZER_PATH: *cap = sizeof(c->tokenizer.path); return c->tokenizer.path;
    default: return NULL;
    }
}

static vkgpt_status_t labels_copy(vkgpt__config_t *dst, const vkgpt__config_t *src) {
    labels_free(dst);
    if (src->classifier.n_labels == 0) {
        return VKGPT_OK;
    }
    dst->classifier.labels = calloc(src->classifier.n_labels, sizeof(char *));
    for (uint32_t i = 0; dst->classifier.labels && i < src->classifier.n_labels; i++) {
        dst->classifier.labels[i] = strdup(src->classifier.labels[i]);
        dst->classifier.n_labels = i + 1;
        if (!dst->classifier.labels[i]) {
            labels_free(dst);
            return VKGPT_ERR_OUT_OF_HOST_MEMORY;
        }
    }
    return dst->classifier.labels ? VKGPT_OK : VKGPT_ERR_OUT_OF_HOST_MEMORY;
}

/* Copies one key's value (not its origin) from src to dst. */
static vkgpt_status_t copy_value(vkgpt__config_t *dst, const vkgpt__config_t *src,
                                 vkgpt__config_key_t key) {
    vkgpt__config_t *s = (vkgpt__config_t *)src; /* the field getters do not write */
    vkgpt__gen_config_t *dg = &dst->generation;
    const vkgpt__gen_config_t *sg = &src->generation;
    size_t cap;
    if (uint_field(dst, key)) {
        *uint_field(dst, key) = *uint_field(s, key);
    } else if (float_field(dst, key)) {
        *float_field(dst, key) = *float_field(s, key);
    } else if (string_field(dst, key, &cap)) {
        memcpy(string_field(dst, key, &cap), string_field(s, key, &cap), cap);
    } else if (key == VKGPT__CFG_MODEL_DTYPE) {
        dst->model.dtype = src->model.dtype;
    } else if (key == VKGPT__CFG_GEN_STRATEGY) {
        dg->strategy = sg->strategy;
    } else if (key == VKGPT__CFG_GEN_DO_SAMPLE) {
        dst->do_sample = src->do_sample;
    } else if (key == VKGPT__CFG_GEN_EARLY_STOPPING) {
        dg->early_stopping = sg->early_stopping;
    } else if (key == VKGPT__CFG_GEN_EOS_TOKEN_ID) {
        memcpy(dg->eos_token_ids, sg->eos_token_ids, sizeof(dg->eos_token_ids));
        dg->n_eos = sg->n_eos;
        dg->eos_set = sg->eos_set;
    } else if (key == VKGPT__CFG_GEN_STOP) {
        memcpy(dg->stop, sg->stop, sizeof(dg->stop));
        dg->n_stop = sg->n_stop;
    } else if (key == VKGPT__CFG_GEN_SEED) {
        dg->seed = sg->seed;
        dg->seed_set = sg->seed_set;
    } else if (key == VKGPT__CFG_DEVICE) {
        dst->device = src->device;
    } else if (key == VKGPT__CFG_CLASSIFIER_LABELS) {
        return labels_copy(dst, src);
    }
    return VKGPT_OK;
}

/* Puts a key back to its default value and origin. */
static void reset_key(vkgpt__config_t *cfg, vkgpt__config_key_t key) {
    static const vkgpt__config_origin_t none = {VKGPT__CONFIG_SOURCE_DEFAULT, NULL, 0, 0};
    vkgpt__config_t *def = malloc(sizeof(*def));
    if (def) {
        vkgpt__config_init(def);
        copy_value(cfg, def, key); /* cannot fail: the default has no labels to copy */
        free(def);
    }
    origin_copy(&cfg->origin[key], &none);
}

/* ---- Storing converted values ---- */

static vkgpt_status_t fail(vkgpt__error_t *err, const cfg_where_t *w, uint32_t line,
                           uint32_t column, const char *fmt, ...) VKGPT__PRINTF(5, 6);

static vkgpt_status_t fail(vkgpt__error_t *err, const cfg_where_t *w, uint32_t line,
                           uint32_t column, const char *fmt, ...) {
    char msg[VKGPT__ERROR_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return vkgpt__error_set(err, VKGPT_ERR_CONFIG, "%s:%u:%u: %s", w->file, line, column, msg);
}

/* A scalar's text for messages: at most 40 bytes, cut on a character boundary. */
static void shown(const cfg_scalar_t *s, char *buf, size_t size) {
    size_t n = s->len < 40 ? s->len : 40;
    while (n > 0 && n < s->len && ((unsigned char)s->text[n] & 0xC0) == 0x80) {
        n--;
    }
    snprintf(buf, size, "'%.*s'%s", (int)n, s->text, n < s->len ? "..." : "");
}

static vkgpt_status_t check_string(const cfg_key_def_t *d, const cfg_scalar_t *s,
                                   const cfg_where_t *w, vkgpt__error_t *err) {
    const char *key = vkgpt__config_key_name(d->id);
    if (vkgpt__cfg_is_null(s)) {
        return fail(err, w, s->line, s->column, "%s: a list item cannot be null", key);
    }
    if (s->len == 0) {
        return fail(err, w, s->line, s->column, "%s: the string is empty (write null to leave "
                    "the key unset)", key);
    }
    if (s->len > d->max_len) {
        return fail(err, w, s->line, s->column, "%s: %zu bytes is longer than the %zu allowed",
                    key, s->len, d->max_len);
    }
    if (memchr(s->text, '\0', s->len)) {
        return fail(err, w, s->line, s->column, "%s: the string contains a NUL byte", key);
    }
    return VKGPT_OK;
}

static vkgpt_status_t range_error(const cfg_key_def_t *d, const cfg_scalar_t *s,
                                  const cfg_where_t *w, vkgpt__error_t *err) {
    char v[64], lo[32], hi[32];
    shown(s, v, sizeof(v));
    vkgpt__cfg_format_double(d->min, lo, sizeof(lo));
    vkgpt__cfg_format_double(d->max, hi, sizeof(hi));
    return fail(err, w, s->line, s->column, "%s: %s is out of range %s%s, %s]",
                vkgpt__config_key_name(d->id), v, d->min_exclusive ? "(" : "[", lo, hi);
}

static vkgpt_status_t type_error(const cfg_key_def_t *d, const cfg_scalar_t *s,
                                 const cfg_where_t *w, const char *expected, vkgpt__error_t *err) {
    char v[64];
    shown(s, v, sizeof(v));
    bool comma = d->type == CFG_T_FLOAT && memchr(s->text, ',', s->len);
    return fail(err, w, s->line, s->column, "%s: expected %s, got %s%s%s",
                vkgpt__config_key_name(d->id), expected, s->plain ? "" : "the quoted string ", v,
                comma ? " (the decimal point is '.', whatever the locale)" : "");
}

/* An integer within the key's range. */
static vkgpt_status_t to_int(const cfg_key_def_t *d, const cfg_scalar_t *s, const cfg_where_t *w,
                             int64_t *out, vkgpt__error_t *err) {
    cfg_parse_t r = vkgpt__cfg_parse_int(s, out);
    double f;
    if (r == CFG_PARSE_SYNTAX) {
        bool is_num = vkgpt__cfg_parse_float(s, &f) == CFG_PARSE_OK;
        return type_error(d, s, w, is_num ? "a whole number" : "an integer", err);
    }
    if (r == CFG_PARSE_RANGE || (double)*out < d->min || (double)*out > d->max) {
        return range_error(d, s, w, err);
    }
    return VKGPT_OK;
}

static const char *choice_name(const cfg_key_def_t *d, size_t index) {
    return d->choice_at ? d->choice_at(index) : d->choices[index];
}

static vkgpt_status_t store_choice(vkgpt__config_t *cfg, const cfg_key_def_t *d,
                                   const cfg_scalar_t *s, const cfg_where_t *w,
                                   vkgpt__error_t *err) {
    int found = -1;
    for (int i = 0; choice_name(d, (size_t)i); i++) {
        found = same(choice_name(d, (size_t)i), s->text, s->len) ? i : found;
    }
    if (found < 0) {
        char v[64], list[256] = "";
        shown(s, v, sizeof(v));
        for (size_t i = 0; choice_name(d, i); i++) {
            size_t used = strlen(list);
            snprintf(list + used, sizeof(list) - used, "%s%s", i ? ", " : "",
                     choice_name(d, i));
        }
        return fail(err, w, s->line, s->column, "%s: expected one of %s, got %s",
                    vkgpt__config_key_name(d->id), list, v);
    }
    if (d->id == VKGPT__CFG_MODEL_PRESET) {
        snprintf(cfg->model.preset, sizeof(cfg->model.preset), "%s",
                 choice_name(d, (size_t)found));
    } else if (d->id == VKGPT__CFG_MODEL_DTYPE) {
        cfg->model.dtype = (vkgpt__config_dtype_t)found;
    } else {
        cfg->generation.strategy = (vkgpt__strategy_t)found;
    }
    return VKGPT_OK;
}

static vkgpt_status_t store_number(vkgpt__config_t *cfg, const cfg_key_def_t *d,
                                   const cfg_scalar_t *s, const cfg_where_t *w,
                                   vkgpt__error_t *err) {
    if (d->type == CFG_T_UINT) {
        int64_t v;
        vkgpt_status_t st = to_int(d, s, w, &v, err);
        if (st == VKGPT_OK) {
            *uint_field(cfg, d->id) = (uint32_t)v;
        }
        return st;
    }
    if (d->type == CFG_T_U64) {
        uint64_t v;
        int64_t neg;
        cfg_parse_t r = vkgpt__cfg_parse_u64(s, &v);
        if (r == CFG_PARSE_SYNTAX && vkgpt__cfg_parse_int(s, &neg) == CFG_PARSE_SYNTAX) {
            return type_error(d, s, w, "an integer", err);
        }
        if (r != CFG_PARSE_OK) {
            return fail(err, w, s->line, s->column, "%s: out of range [0, 18446744073709551615]",
                        vkgpt__config_key_name(d->id));
        }
        cfg->generation.seed = v;
        cfg->generation.seed_set = true;
        return VKGPT_OK;
    }
    double f;
    cfg_parse_t r = vkgpt__cfg_parse_float(s, &f);
    if (r == CFG_PARSE_SYNTAX) {
        return type_error(d, s, w, "a number", err);
    }
    if (r == CFG_PARSE_RANGE || f > d->max || f < d->min || (d->min_exclusive && f == d->min)) {
        return range_error(d, s, w, err);
    }
    *float_field(cfg, d->id) = f;
    return VKGPT_OK;
}

static vkgpt_status_t store_device(vkgpt__config_t *cfg, const cfg_key_def_t *d,
                                   const cfg_scalar_t *s, const cfg_where_t *w,
                                   vkgpt__error_t *err) {
    int64_t index;
    if (s->plain && vkgpt__cfg_parse_int(s, &index) != CFG_PARSE_SYNTAX) {
        vkgpt_status_t st = to_int(d, s, w, &index, err);
        if (st == VKGPT_OK) {
            cfg->device.index = (int32_t)index;
            cfg->device.name[0] = '\0';
        }
        return st;
    }
    vkgpt_status_t st = check_string(d, s, w, err);
    if (st == VKGPT_OK) {
        cfg->device.index = -1;
        snprintf(cfg->device.name, sizeof(cfg->device.name), "%.*s", (int)s->len, s->text);
    }
    return st;
}

static vkgpt_status_t store_scalar(vkgpt__config_t *cfg, const cfg_key_def_t *d,
                                   const cfg_scalar_t *s, const cfg_where_t *w,
                                   vkgpt__error_t *err) {
    bool b;
    size_t cap;
    switch (d->type) {
    case CFG_T_STRING: {
        vkgpt_status_t st = check_string(d, s, w, err);
        if (st == VKGPT_OK) {
            char *dst = string_field(cfg, d->id, &cap);
            memcpy(dst, s->text, s->len);
            dst[s->len] = '\0';
        }
        return st;
    }
    case CFG_T_CHOICE:
        return store_choice(cfg, d, s, w, err);
    case CFG_T_BOOL:
        if (vkgpt__cfg_parse_bool(s, &b) != CFG_PARSE_OK) {
            return type_error(d, s, w, "true or false", err);
        }
        cfg->do_sample = b;
        return VKGPT_OK;
    case CFG_T_EARLY:
        if (vkgpt__cfg_parse_bool(s, &b) == CFG_PARSE_OK) {
            cfg->generation.early_stopping = b ? VKGPT__EARLY_STOP_TRUE : VKGPT__EARLY_STOP_FALSE;
        } else if (same("never", s->text, s->len)) {
            cfg->generation.early_stopping = VKGPT__EARLY_STOP_NEVER;
        } else {
            return type_error(d, s, w, "true, false or never", err);
        }
        return VKGPT_OK;
    case CFG_T_DEVICE:
        return store_device(cfg, d, s, w, err);
    default:
        return store_number(cfg, d, s, w, err);
    }
}

static vkgpt_status_t store_ints(vkgpt__config_t *cfg, const cfg_key_def_t *d,
                                 const cfg_scalar_t *items, uint32_t n, const cfg_where_t *w,
                                 vkgpt__error_t *err) {
    vkgpt__gen_config_t *g = &cfg->generation;
    int32_t ids[VKGPT__GEN_MAX_EOS];
    for (uint32_t i = 0; i < n; i++) {
        int64_t v;
        vkgpt_status_t st = to_int(d, &items[i], w, &v, err);
        if (st != VKGPT_OK) {
            return st;
        }
        ids[i] = (int32_t)v;
    }
    memcpy(g->eos_token_ids, ids, n * sizeof(int32_t));
    g->n_eos = n;
    g->eos_set = true;
    return VKGPT_OK;
}

static vkgpt_status_t store_labels(vkgpt__config_t *cfg, const cfg_scalar_t *items, uint32_t n,
                                   const cfg_where_t *w, vkgpt__error_t *err) {
    for (uint32_t i = 0; i < n; i++) {
        for (uint32_t j = 0; j < i; j++) {
            bool equal = items[i].len == items[j].len &&
                         memcmp(items[i].text, items[j].text, items[i].len) == 0;
            if (equal) {
                return fail(err, w, items[i].line, items[i].column, "classifier.labels: label "
                            "'%.*s' also appears at %u:%u", (int)items[i].len, items[i].text,
                            items[j].line, items[j].column);
            }
        }
    }
    labels_free(cfg);
    cfg->classifier.labels = calloc(n ? n : 1, sizeof(char *));
    for (uint32_t i = 0; cfg->classifier.labels && i < n; i++) {
        cfg->classifier.labels[i] = strndup(items[i].text, items[i].len);
        cfg->classifier.n_labels = i + 1;
        if (!cfg->classifier.labels[i]) {
            break;
        }
    }
    if (!cfg->classifier.labels || (n && !cfg->classifier.labels[n - 1])) {
        labels_free(cfg);
        return vkgpt__error_set(err, VKGPT_ERR_OUT_OF_HOST_MEMORY, "%u labels", n);
    }
    return VKGPT_OK;
}

static vkgpt_status_t store_strs(vkgpt__config_t *cfg, const cfg_key_def_t *d,
                                 const cfg_scalar_t *items, uint32_t n, const cfg_where_t *w,
                                 vkgpt__error_t *err) {
    for (uint32_t i = 0; i < n; i++) {
        vkgpt_status_t st = check_string(d, &items[i], w, err);
        if (st != VKGPT_OK) {
            return st;
        }
    }
    if (d->id == VKGPT__CFG_CLASSIFIER_LABELS) {
        return store_labels(cfg, items, n, w, err);
    }
    vkgpt__gen_config_t *g = &cfg->generation;
    memset(g->stop, 0, sizeof(g->stop));
    for (uint32_t i = 0; i < n; i++) {
        memcpy(g->stop[i], items[i].text, items[i].len);
    }
    g->n_stop = n;
    return VKGPT_OK;
}

vkgpt_status_t vkgpt__cfg_store(vkgpt__config_t *cfg, const cfg_key_def_t *d,
                                const cfg_scalar_t *items, uint32_t n, bool list,
                                const cfg_where_t *w, uint32_t line, uint32_t column,
                                vkgpt__error_t *err) {
    const char *key = vkgpt__config_key_name(d->id);
    bool list_type = d->type == CFG_T_INT_LIST || d->type == CFG_T_STR_LIST;
    if (list && !list_type) {
        return fail(err, w, line, column, "%s: expected a single value, got a list", key);
    }
    if (list && n > d->max_items) {
        return fail(err, w, line, column, "%s: %u items, at most %u are allowed", key, n,
                    d->max_items);
    }
    if (!list && vkgpt__cfg_is_null(&items[0])) {
        reset_key(cfg, d->id);
        origin_set(cfg, d->id, w, line, column);
        return VKGPT_OK;
    }

    vkgpt_status_t st;
    if (d->type == CFG_T_INT_LIST) {
        st = store_ints(cfg, d, items, n, w, err);
    } else if (d->type == CFG_T_STR_LIST) {
        st = store_strs(cfg, d, items, n, w, err);
    } else {
        st = store_scalar(cfg, d, &items[0], w, err);
    }
    if (st == VKGPT_OK) {
        origin_set(cfg, d->id, w, line, column);
    }
    return st;
}

/* ---- Layers ---- */

/* A strategy set by a later layer replaces the earlier layer's choice of sampling and, for
 * greedy and sample, its beams; otherwise "strategy: greedy" on the command line over a beam
 * config would be a conflict instead of a switch. */
static void layer_strategy(vkgpt__config_t *dst, vkgpt__strategy_t s) {
    reset_key(dst, VKGPT__CFG_GEN_DO_SAMPLE);
    if (!vkgpt__strategy_is_beam(s)) {
        reset_key(dst, VKGPT__CFG_GEN_NUM_BEAMS);
    }
}

vkgpt_status_t vkgpt__config_merge(vkgpt__config_t *dst, const vkgpt__config_t *src,
                                   vkgpt__error_t *err) {
    for (int k = 0; k < VKGPT__CFG_N_KEYS; k++) {
        if (src->origin[k].source == VKGPT__CONFIG_SOURCE_DEFAULT) {
            continue;
        }
        if (k == VKGPT__CFG_GEN_STRATEGY) {
            layer_strategy(dst, src->generation.strategy);
        }
        vkgpt_status_t st = copy_value(dst, src, (vkgpt__config_key_t)k);
        if (st != VKGPT_OK) {
            return vkgpt__error_set(err, st, "merging %s", vkgpt__config_key_name(k));
        }
        origin_copy(&dst->origin[k], &src->origin[k]);
    }
    return VKGPT_OK;
}

/* ---- Checks across keys ---- */

static bool is_set(const vkgpt__config_t *cfg, vkgpt__config_key_t key) {
    return cfg->origin[key].source != VKGPT__CONFIG_SOURCE_DEFAULT;
}

/* Fails with a message that starts at key's origin and names other's origin. */
static vkgpt_status_t conflict(const vkgpt__config_t *cfg, vkgpt__error_t *err,
                               vkgpt__config_key_t key, vkgpt__config_key_t other,
                               const char *fmt, ...) VKGPT__PRINTF(5, 6);

static vkgpt_status_t conflict(const vkgpt__config_t *cfg, vkgpt__error_t *err,
                               vkgpt__config_key_t key, vkgpt__config_key_t other,
                               const char *fmt, ...) {
    char at[VKGPT__CONFIG_PATH_CAP + 32], other_at[VKGPT__CONFIG_PATH_CAP + 32];
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    vkgpt__config_origin_str(cfg, key, at, sizeof(at));
    vkgpt__config_origin_str(cfg, other, other_at, sizeof(other_at));
    return vkgpt__error_set(err, VKGPT_ERR_CONFIG, "%s: %s: %s (%s from %s)", at,
                            vkgpt__config_key_name(key), msg, vkgpt__config_key_name(other),
                            other_at);
}

/* Settles generation.strategy from strategy, do_sample and num_beams, as Hugging Face does
 * when strategy is absent: do_sample picks sampling, num_beams > 1 picks beams. */
static vkgpt_status_t resolve_strategy(vkgpt__config_t *cfg, vkgpt__error_t *err) {
    vkgpt__gen_config_t *g = &cfg->generation;
    const vkgpt__config_key_t S = VKGPT__CFG_GEN_STRATEGY, D = VKGPT__CFG_GEN_DO_SAMPLE,
                              B = VKGPT__CFG_GEN_NUM_BEAMS;
    if (!is_set(cfg, S)) {
        bool beam = g->num_beams > 1;
        g->strategy = cfg->do_sample ? (beam ? VKGPT__STRATEGY_BEAM_SAMPLE : VKGPT__STRATEGY_SAMPLE)
                                     : (beam ? VKGPT__STRATEGY_BEAM : VKGPT__STRATEGY_GREEDY);
        return VKGPT_OK;
    }

    const char *name = vkgpt__strategy_name(g->strategy);
    bool sample = vkgpt__strategy_samples(g->strategy);
    if (is_set(cfg, D) && cfg->do_sample != sample) {
        return conflict(cfg, err, D, S, "%s contradicts strategy %s",
                        cfg->do_sample ? "true" : "false", name);
    }
    if (vkgpt__strategy_is_beam(g->strategy) && g->num_beams < 2) {
        return conflict(cfg, err, S, B, "strategy %s needs num_beams of at least 2, not %u",
                        name, g->num_beams);
    }
    if (!vkgpt__strategy_is_beam(g->strategy) && g->num_beams != 1) {
        return conflict(cfg, err, B, S, "%u beams contradict strategy %s (use beam or "
                        "beam_sample)", g->num_beams, name);
    }
    cfg->do_sample = sample;
    return VKGPT_OK;
}

vkgpt_status_t vkgpt__config_validate(vkgpt__config_t *cfg, vkgpt__error_t *err) {
    vkgpt__gen_config_t *g = &cfg->generation;
    const vkgpt__config_key_t S = VKGPT__CFG_GEN_STRATEGY, R = VKGPT__CFG_GEN_NUM_RETURN_SEQUENCES;
    vkgpt_status_t st = resolve_strategy(cfg, err);
    if (st != VKGPT_OK) {
        return st;
    }

    const char *name = vkgpt__strategy_name(g->strategy);
    if (g->strategy == VKGPT__STRATEGY_GREEDY && g->num_return_sequences != 1) {
        return conflict(cfg, err, R, S, "greedy search returns one sequence, not %u (use "
                        "sample or beam)", g->num_return_sequences);
    }
    if (vkgpt__strategy_is_beam(g->strategy) && g->num_return_sequences > g->num_beams) {
        return conflict(cfg, err, R, VKGPT__CFG_GEN_NUM_BEAMS, "%u sequences from %u beams "
                        "(strategy %s returns at most num_beams)", g->num_return_sequences,
                        g->num_beams, name);
    }
    if (g->min_new_tokens > g->max_new_tokens) {
        return conflict(cfg, err, VKGPT__CFG_GEN_MIN_NEW_TOKENS, VKGPT__CFG_GEN_MAX_NEW_TOKENS,
                        "%u is more than max_new_tokens %u", g->min_new_tokens,
                        g->max_new_tokens);
    }

    /* Everything above leaves nothing for this to find; it guards the decode layer's own
     * rules should the two drift apart. */
    st = vkgpt__gen_config_check(g, err);
    if (st != VKGPT_OK && err) {
        vkgpt__error_prefix(err, "generation: ");
        err->status = VKGPT_ERR_CONFIG;
    }
    return st == VKGPT_OK ? VKGPT_OK : VKGPT_ERR_CONFIG;
}
