/* hparams.c: config.json (GPT2Config) and generation_config.json into checked structs.
 *
 * Fields follow Hugging Face's GPT2Config. The sizes that define the weights' shapes
 * (n_layer, n_embd, n_head, vocab_size, and n_positions or its older name n_ctx) are required:
 * a file without them is more likely broken than meant to take the library's defaults. The
 * rest default as GPT2Config does (layer_norm_epsilon 1e-5, activation gelu_new, n_inner
 * 4 * n_embd). Unknown keys are ignored: real files carry dozens (dropout rates, task heads). */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "model/hparams.h"

#define CONFIG_MAX_BYTES (16u << 20)

const char *vkgpt__json_kind(const json_t *v) {
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return "an object";
    case JSON_ARRAY:
        return "an array";
    case JSON_STRING:
        return "a string";
    case JSON_INTEGER:
        return "an integer";
    case JSON_REAL:
        return "a real number";
    case JSON_TRUE:
    case JSON_FALSE:
        return "a boolean";
    default:
        return "null";
    }
}

/* ---- Field readers: absent or null leaves *dst alone and clears *found ---- */

/* An integer value in [min, max]; `key` names it in messages. */
static vkgpt_status_t check_int(const char *src, const char *key, json_t *v, int64_t min,
                                int64_t max, int64_t *dst, vkgpt__error_t *err) {
    if (!json_is_integer(v)) {
        return vkgpt__error_set(err, VKGPT_ERR_CONFIG, "%s: '%s' must be an integer, not %s", src,
                                key, vkgpt__json_kind(v));
    }
    int64_t x = json_integer_value(v);
    if (x < min || x > max) {
        return vkgpt__error_set(err, VKGPT_ERR_CONFIG, "%s: '%s' is %lld, outside [%lld, %lld]",
                                src, key, (long long)x, (long long)min, (long long)max);
    }
    *dst = x;
    return VKGPT_OK;
}

static vkgpt_status_t get_int(const char *src, json_t *root, const char *key, int64_t min,
                              int64_t max, int64_t *dst, bool *found, vkgpt__error_t *err) {
    json_t *v = json_object_get(root, key);
    *found = v && !json_is_null(v);
    return *found ? check_int(src, key, v, min, max, dst, err) : VKGPT_OK;
}

static vkgpt_status_t get_size(const char *src, json_t *root, const char *key, uint32_t max,
                               bool required, uint32_t *dst, vkgpt__error_t *err) {
    int64_t x = 0;
    bool found;
    vkgpt_status_t st = get_int(src, root, key, 1, max, &x, &found, err);
    if (st == VKGPT_OK && !found && required) {
        st = vkgpt__error_set(err, VKGPT_ERR_CONFIG, "%s: '%s' is missing", src, key);
    }
    if (st == VKGPT_OK && found) {
        *dst = (uint32_t)x;
    }
    return st;
}

static vkgpt_status_t get_real(const char *src, json_t *root, const char *key, double *dst,
                               vkgpt__error_t *err) {
    json_t *v = json_object_get(root, key);
    if (!v || json_is_null(v)) {
        return VKGPT_OK;
    }
    if (!json_is_number(v)) {
        return vkgpt__error_set(err, VKGPT_ERR_CONFIG, "%s: '%s' must be a number, not %s", src,
                                key, vkgpt__json_kind(v));
    }
    *dst = json_number_value(v);
    return VKGPT_OK;
}

static vkgpt_status_t get_bool(const char *src, json_t *root, const char *key, int32_t *dst,
                               vkgpt__error_t *err) {
    json_t *v = json_object_get(root, key);
    if (!v || json_is_null(v)) {
        return VKGPT_OK;
    }
    if (!json_is_boolean(v)) {
        return vkgpt__error_set(err, VKGPT_ERR_CONFIG, "%s: '%s' must be true or false, not %s",
                                src, key, vkgpt__json_kind(v));
    }
    *dst = json_is_true(v);
    return VKGPT_OK;
}

/* A token id: null or absent is -1; otherwise it must index the embedding. */
static vkgpt_status_t get_token(const char *src, json_t *root, const char *key, uint32_t vocab,
                                int32_t *dst, vkgpt__error_t *err) {
    int64_t x = -1;
    bool found;
    vkgpt_status_t st = get_int(src, root, key, 0, INT32_MAX, &x, &found, err);
    if (st == VKGPT_OK && found && x >= vocab) {
        st = vkgpt__error_set(err, VKGPT_ERR_CONFIG,
                              "%s: '%s' is %lld, past the vocabulary (vocab_size %u)", src, key,
                              (long long)x, vocab);
    }
    *dst = st == VKGPT_OK ? (int32_t)x : -1;
    return st;
}

/* ---- config.json ---- */

static vkgpt_status_t parse_activation(const char *src, json_t *root, vkgpt__activation_t *act,
                                       vkgpt__error_t *err) {
    static const struct {
        const char *name;
        vkgpt__activation_t act;
    } names[] = {{"gelu_new", VKGPT__ACT_GELU_TANH},
                 {"gelu_pytorch_tanh", VKGPT__ACT_GELU_TANH},
                 {"gelu_fast", VKGPT__ACT_GELU_TANH},
                 {"gelu", VKGPT__ACT_GELU_ERF},
                 {"relu", VKGPT__ACT_RELU}};
    json_t *v = json_object_get(root, "activation_function");
    *act = VKGPT__ACT_GELU_TANH;
    if (!v || json_is_null(v)) {
        return VKGPT_OK;
    }
    if (!json_is_string(v)) {
        return vkgpt__error_set(err, VKGPT_ERR_CONFIG,
                                "%s: 'activation_function' must be a string, not %s", src,
                                vkgpt__json_kind(v));
    }
    for (size_t i = 0; i < VKGPT__ARRAY_LEN(names); i++) {
        if (strcmp(json_string_value(v), names[i].name) == 0) {
            *act = names[i].act;
            return VKGPT_OK;
        }
    }
    return vkgpt__error_set(err, VKGPT_ERR_UNSUPPORTED,
                            "%s: activation_function '%s' is not supported (gelu_new, "
                            "gelu_pytorch_tanh, gelu_fast, gelu, relu)",
                            src, json_string_value(v));
}

/* GPT2Config switches that change the arithmetic; vkgpt runs GPT-2 as published and refuses
 * the variants rather than compute something else. */
static vkgpt_status_t check_variant(const char *src, json_t *root, vkgpt__error_t *err) {
    int32_t scale = 1, by_layer = 0, cross = 0;
    json_t *type = json_object_get(root, "model_type");
    if (type && !(json_is_string(type) && strcmp(json_string_value(type), "gpt2") == 0)) {
        bool named = json_is_string(type);
        const char *quote = named ? "'" : "";
        return vkgpt__error_set(err, VKGPT_ERR_UNSUPPORTED,
                                "%s: model_type is %s%s%s; vkgpt runs \"gpt2\" models", src,
                                quote, named ? json_string_value(type) : vkgpt__json_kind(type),
                                quote);
    }
    vkgpt_status_t st = get_bool(src, root, "scale_attn_weights", &scale, err);
    if (st == VKGPT_OK) {
        st = get_bool(src, root, "scale_attn_by_inverse_layer_idx", &by_layer, err);
    }
    if (st == VKGPT_OK) {
        st = get_bool(src, root, "add_cross_attention", &cross, err);
    }
    if (st == VKGPT_OK && (!scale || by_layer || cross)) {
        st = vkgpt__error_set(err, VKGPT_ERR_UNSUPPORTED, "%s: %s is not supported", src,
                              !scale     ? "scale_attn_weights = false"
                              : by_layer ? "scale_attn_by_inverse_layer_idx = true"
                                         : "add_cross_attention = true");
    }
    return st;
}

/* n_positions is the context limit; configs from before 2021 may carry only n_ctx. */
static vkgpt_status_t parse_sizes(const char *src, json_t *root, vkgpt__gpt2_hparams_t *hp,
                                  vkgpt__error_t *err) {
    vkgpt_status_t st =
        get_size(src, root, "n_layer", VKGPT__HP_MAX_LAYERS, true, &hp->n_layer, err);
    if (st == VKGPT_OK) {
        st = get_size(src, root, "n_embd", VKGPT__HP_MAX_EMBD, true, &hp->n_embd, err);
    }
    if (st == VKGPT_OK) {
        st = get_size(src, root, "n_head", VKGPT__HP_MAX_HEADS, true, &hp->n_head, err);
    }
    if (st == VKGPT_OK) {
        st = get_size(src, root, "vocab_size", VKGPT__HP_MAX_VOCAB, true, &hp->vocab_size, err);
    }
    if (st == VKGPT_OK) {
        st = get_size(src, root, "n_ctx", VKGPT__HP_MAX_POSITIONS, false, &hp->n_positions, err);
    }
    if (st == VKGPT_OK) {
        st = get_size(src, root, "n_positions", VKGPT__HP_MAX_POSITIONS, false, &hp->n_positions,
                      err);
    }
    if (st == VKGPT_OK && hp->n_positions == 0) {
        st = vkgpt__error_set(err, VKGPT_ERR_CONFIG, "%s: 'n_positions' is missing", src);
    }
    if (st == VKGPT_OK) {
        hp->n_inner = 0;
        st = get_size(src, root, "n_inner", VKGPT__HP_MAX_INNER, false, &hp->n_inner, err);
    }
    if (st == VKGPT_OK && hp->n_inner == 0) {
        hp->n_inner = 4 * hp->n_embd; /* n_embd <= 65536: no overflow */
    }
    return st;
}

static vkgpt_status_t parse_config(const char *src, json_t *root, vkgpt__gpt2_hparams_t *hp,
                                   vkgpt__error_t *err) {
    memset(hp, 0, sizeof(*hp));
    hp->layer_norm_epsilon = 1e-5;
    vkgpt_status_t st = parse_sizes(src, root, hp, err);
    if (st == VKGPT_OK) {
        st = get_real(src, root, "layer_norm_epsilon", &hp->layer_norm_epsilon, err);
    }
    if (st == VKGPT_OK) {
        st = parse_activation(src, root, &hp->activation, err);
    }
    if (st == VKGPT_OK) {
        st = check_variant(src, root, err);
    }
    if (st == VKGPT_OK) {
        st = get_token(src, root, "bos_token_id", hp->vocab_size, &hp->bos_token_id, err);
    }
    if (st == VKGPT_OK) {
        st = get_token(src, root, "eos_token_id", hp->vocab_size, &hp->eos_token_id, err);
    }
    if (st == VKGPT_OK) {
        st = get_token(src, root, "pad_token_id", hp->vocab_size, &hp->pad_token_id, err);
    }
    return st == VKGPT_OK ? vkgpt__gpt2_hparams_validate(hp, src, err) : st;
}

static vkgpt_status_t load_json(const char *json, size_t len, const char *src, json_t **root,
                                vkgpt__error_t *err) {
    json_error_t jerr;
    *root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!*root) {
        return vkgpt__error_set(err, VKGPT_ERR_CONFIG, "%s:%d:%d: %s", src, jerr.line, jerr.column,
                                jerr.text);
    }
    if (!json_is_object(*root)) {
        json_decref(*root);
        *root = NULL;
        return vkgpt__error_set(err, VKGPT_ERR_CONFIG, "%s: not a JSON object", src);
    }
    return VKGPT_OK;
}

vkgpt_status_t vkgpt__gpt2_hparams_parse(const char *json, size_t len, const char *source,
                                         vkgpt__gpt2_hparams_t *hp, vkgpt__error_t *err) {
    json_t *root;
    vkgpt_status_t st = load_json(json, len, source, &root, err);
    if (st == VKGPT_OK) {
        st = parse_config(source, root, hp, err);
        json_decref(root);
    }
    return st;
}

vkgpt_status_t vkgpt__gpt2_hparams_validate(const vkgpt__gpt2_hparams_t *hp, const char *source,
                                            vkgpt__error_t *err) {
    struct {
        const char *name;
        uint32_t value, max;
    } sizes[] = {{"n_layer", hp->n_layer, VKGPT__HP_MAX_LAYERS},
                 {"n_embd", hp->n_embd, VKGPT__HP_MAX_EMBD},
                 {"n_head", hp->n_head, VKGPT__HP_MAX_HEADS},
                 {"n_positions", hp->n_positions, VKGPT__HP_MAX_POSITIONS},
                 {"vocab_size", hp->vocab_size, VKGPT__HP_MAX_VOCAB},
                 {"n_inner", hp->n_inner, VKGPT__HP_MAX_INNER}};
    for (size_t i = 0; i < VKGPT__ARRAY_LEN(sizes); i++) {
        if (sizes[i].value < 1 || sizes[i].value > sizes[i].max) {
            return vkgpt__error_set(err, VKGPT_ERR_CONFIG, "%s: '%s' is %u, outside [1, %u]",
                                    source, sizes[i].name, sizes[i].value, sizes[i].max);
        }
    }
    if (hp->n_embd % hp->n_head != 0) {
        return vkgpt__error_set(err, VKGPT_ERR_CONFIG,
                                "%s: n_embd %u is not divisible by n_head %u", source, hp->n_embd,
                                hp->n_head);
    }
    if (!(hp->layer_norm_epsilon > 0 && hp->layer_norm_epsilon < 1)) {
        return vkgpt__error_set(err, VKGPT_ERR_CONFIG, "%s: layer_norm_epsilon %g is not in (0, 1)",
                                source, hp->layer_norm_epsilon);
    }
    uint64_t n = vkgpt__gpt2_hparams_n_params(hp);
    if (n > VKGPT__HP_MAX_PARAMS) {
        return vkgpt__error_set(err, VKGPT_ERR_CONFIG,
                                "%s: these sizes make %llu weights (limit %llu)", source,
                                (unsigned long long)n, VKGPT__HP_MAX_PARAMS);
    }
    return VKGPT_OK;
}

uint64_t vkgpt__gpt2_hparams_n_params(const vkgpt__gpt2_hparams_t *hp) {
    /* With the VKGPT__HP_MAX_* limits every term stays below 2^46. */
    uint64_t e = hp->n_embd, inner = hp->n_inner;
    uint64_t block =
        2 * e + (e * 3 * e + 3 * e) + (e * e + e) + 2 * e + (e * inner + inner) + (inner * e + e);
    return (uint64_t)hp->vocab_size * e + (uint64_t)hp->n_positions * e +
           (uint64_t)hp->n_layer * block + 2 * e;
}

const char *vkgpt__activation_name(vkgpt__activation_t act) {
    switch (act) {
    case VKGPT__ACT_GELU_TANH:
        return "gelu_new";
    case VKGPT__ACT_GELU_ERF:
        return "gelu";
    case VKGPT__ACT_RELU:
        return "relu";
    }
    return "?";
}

/* ---- generation_config.json ---- */

/* "eos_token_id": an id, a list of ids (newer files), or null. */
static vkgpt_status_t parse_eos(const char *src, json_t *root, const vkgpt__gpt2_hparams_t *hp,
                                vkgpt__generation_config_t *gen, vkgpt__error_t *err) {
    json_t *v = json_object_get(root, "eos_token_id");
    if (!json_is_array(v)) {
        int32_t id;
        vkgpt_status_t st = get_token(src, root, "eos_token_id", hp->vocab_size, &id, err);
        if (st == VKGPT_OK && id >= 0) {
            gen->eos_token_ids[gen->n_eos++] = id;
        }
        return st;
    }
    if (json_array_size(v) > VKGPT__MAX_EOS) {
        return vkgpt__error_set(err, VKGPT_ERR_CONFIG, "%s: more than %d eos_token_id values", src,
                                VKGPT__MAX_EOS);
    }
    for (size_t i = 0; i < json_array_size(v); i++) {
        char key[48];
        int64_t id = 0;
        snprintf(key, sizeof(key), "eos_token_id[%zu]", i);
        vkgpt_status_t st =
            check_int(src, key, json_array_get(v, i), 0, (int64_t)hp->vocab_size - 1, &id, err);
        if (st != VKGPT_OK) {
            return st;
        }
        gen->eos_token_ids[gen->n_eos++] = (int32_t)id;
    }
    return VKGPT_OK;
}

static vkgpt_status_t parse_gen_ints(const char *src, json_t *root, vkgpt__generation_config_t *gen,
                                     vkgpt__error_t *err) {
    struct {
        const char *key;
        int64_t min, max;
        int64_t *dst64;
        int32_t *dst32;
    } f[] = {{"max_length", 0, INT32_MAX, &gen->max_length, NULL},
             {"max_new_tokens", 0, INT32_MAX, &gen->max_new_tokens, NULL},
             {"top_k", 0, INT32_MAX, NULL, &gen->top_k},
             {"num_beams", 1, 1024, NULL, &gen->num_beams},
             {"no_repeat_ngram_size", 0, 1024, NULL, &gen->no_repeat_ngram_size}};
    for (size_t i = 0; i < VKGPT__ARRAY_LEN(f); i++) {
        int64_t x = 0;
        bool found;
        vkgpt_status_t st = get_int(src, root, f[i].key, f[i].min, f[i].max, &x, &found, err);
        if (st != VKGPT_OK) {
            return st;
        }
        if (found && f[i].dst64) {
            *f[i].dst64 = x;
        } else if (found) {
            *f[i].dst32 = (int32_t)x;
        }
    }
    return VKGPT_OK;
}

static vkgpt_status_t parse_gen_reals(const char *src, json_t *root,
                                      vkgpt__generation_config_t *gen, vkgpt__error_t *err) {
    struct {
        const char *key;
        double min, max;
        double *dst;
    } f[] = {{"temperature", 0, 1e6, &gen->temperature},
             {"top_p", 0, 1, &gen->top_p},
             {"repetition_penalty", 1e-6, 1e6, &gen->repetition_penalty},
             {"length_penalty", -1e6, 1e6, &gen->length_penalty}};
    for (size_t i = 0; i < VKGPT__ARRAY_LEN(f); i++) {
        vkgpt_status_t st = get_real(src, root, f[i].key, f[i].dst, err);
        if (st != VKGPT_OK) {
            return st;
        }
        double x = *f[i].dst;
        if (!isnan(x) && !(x >= f[i].min && x <= f[i].max)) {
            return vkgpt__error_set(err, VKGPT_ERR_CONFIG, "%s: '%s' is %g, outside [%g, %g]", src,
                                    f[i].key, x, f[i].min, f[i].max);
        }
    }
    return VKGPT_OK;
}

static vkgpt_status_t parse_generation(const char *src, json_t *root,
                                       const vkgpt__gpt2_hparams_t *hp,
                                       vkgpt__generation_config_t *gen, vkgpt__error_t *err) {
    json_t *early = json_object_get(root, "early_stopping");
    vkgpt_status_t st =
        get_token(src, root, "bos_token_id", hp->vocab_size, &gen->bos_token_id, err);
    if (st == VKGPT_OK) {
        st = get_token(src, root, "pad_token_id", hp->vocab_size, &gen->pad_token_id, err);
    }
    if (st == VKGPT_OK) {
        st = parse_eos(src, root, hp, gen, err);
    }
    if (st == VKGPT_OK) {
        st = get_bool(src, root, "do_sample", &gen->do_sample, err);
    }
    if (st == VKGPT_OK && json_is_string(early) && strcmp(json_string_value(early), "never") == 0) {
        gen->early_stopping = 0;
    } else if (st == VKGPT_OK) {
        st = get_bool(src, root, "early_stopping", &gen->early_stopping, err);
    }
    if (st == VKGPT_OK) {
        st = parse_gen_ints(src, root, gen, err);
    }
    return st == VKGPT_OK ? parse_gen_reals(src, root, gen, err) : st;
}

static void generation_defaults(vkgpt__generation_config_t *gen) {
    memset(gen, 0, sizeof(*gen));
    gen->bos_token_id = gen->pad_token_id = -1;
    gen->max_length = gen->max_new_tokens = -1;
    gen->do_sample = gen->top_k = gen->num_beams = -1;
    gen->no_repeat_ngram_size = gen->early_stopping = -1;
    gen->temperature = gen->top_p = NAN;
    gen->repetition_penalty = gen->length_penalty = NAN;
}

vkgpt_status_t vkgpt__generation_config_parse(const char *json, size_t len, const char *source,
                                              const vkgpt__gpt2_hparams_t *hp,
                                              vkgpt__generation_config_t *gen,
                                              vkgpt__error_t *err) {
    json_t *root;
    generation_defaults(gen);
    vkgpt_status_t st = load_json(json, len, source, &root, err);
    if (st == VKGPT_OK) {
        gen->present = true;
        st = parse_generation(source, root, hp, gen, err);
        json_decref(root);
    }
    return st;
}

/* ---- Files ---- */

static vkgpt_status_t read_text(const char *path, char **buf, size_t *len, vkgpt__error_t *err) {
    struct stat sb;
    *buf = NULL;
    if (stat(path, &sb) != 0) {
        return vkgpt__error_set(err, VKGPT_ERR_IO, "%s: %s", path, strerror(errno));
    }
    if (!S_ISREG(sb.st_mode)) {
        return vkgpt__error_set(err, VKGPT_ERR_IO, "%s: not a regular file", path);
    }
    if ((uint64_t)sb.st_size > CONFIG_MAX_BYTES) {
        return vkgpt__error_set(err, VKGPT_ERR_CONFIG, "%s: %lld bytes (limit %u)", path,
                                (long long)sb.st_size, CONFIG_MAX_BYTES);
    }
    FILE *f = fopen(path, "rb");
    if (!f) {
        return vkgpt__error_set(err, VKGPT_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    }

    /* One byte more than stat said, to notice a file that grew in between. */
    vkgpt_status_t st = VKGPT_OK;
    size_t cap = (size_t)sb.st_size + 1;
    if (!(*buf = malloc(cap))) {
        st = vkgpt__error_set(err, VKGPT_ERR_OUT_OF_HOST_MEMORY, "%s: out of memory", path);
    } else if ((*len = fread(*buf, 1, cap, f)) == cap || ferror(f)) {
        st = vkgpt__error_set(err, VKGPT_ERR_IO, "%s: read error or file changed while read", path);
    }
    if (st != VKGPT_OK) {
        free(*buf);
        *buf = NULL;
    }
    fclose(f);
    return st;
}

/* Splits `path` into the config file and its folder's generation_config.json. */
static vkgpt_status_t config_paths(const char *path, char **config, char **generation,
                                   vkgpt__error_t *err) {
    struct stat sb;
    bool dir = stat(path, &sb) == 0 && S_ISDIR(sb.st_mode);
    const char *slash = strrchr(path, '/');
    size_t dir_len = dir ? strlen(path) : slash ? (size_t)(slash - path) : 0;
    size_t cap = strlen(path) + sizeof("/generation_config.json") + 2;
    *config = malloc(cap);
    *generation = malloc(cap);
    if (!*config || !*generation) {
        free(*config);
        free(*generation);
        return vkgpt__error_set(err, VKGPT_ERR_OUT_OF_HOST_MEMORY, "%s: out of memory", path);
    }
    snprintf(*config, cap, dir ? "%s/config.json" : "%s", path);
    if (dir_len == 0 && !dir) {
        snprintf(*generation, cap, "generation_config.json");
    } else {
        snprintf(*generation, cap, "%.*s/generation_config.json", (int)dir_len, path);
    }
    return VKGPT_OK;
}

static vkgpt_status_t load_generation(const char *path, const vkgpt__gpt2_hparams_t *hp,
                                      vkgpt__generation_config_t *gen, vkgpt__error_t *err) {
    struct stat sb;
    generation_defaults(gen);
    if (stat(path, &sb) != 0) {
        return VKGPT_OK; /* optional */
    }
    char *text;
    size_t len;
    vkgpt_status_t st = read_text(path, &text, &len, err);
    if (st == VKGPT_OK) {
        st = vkgpt__generation_config_parse(text, len, path, hp, gen, err);
        free(text);
    }
    return st;
}

vkgpt_status_t vkgpt__gpt2_hparams_load(const char *path, vkgpt__gpt2_hparams_t *hp,
                                        vkgpt__generation_config_t *gen, vkgpt__error_t *err) {
    char *config, *generation, *text = NULL;
    size_t len;
    vkgpt_status_t st = config_paths(path, &config, &generation, err);
    if (st != VKGPT_OK) {
        return st;
    }
    st = read_text(config, &text, &len, err);
    if (st == VKGPT_OK) {
        st = vkgpt__gpt2_hparams_parse(text, len, config, hp, err);
    }
    if (st == VKGPT_OK && gen) {
        st = load_generation(generation, hp, gen, err);
    }
    free(text);
    free(config);
    free(generation);
    return st;
}
