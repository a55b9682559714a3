/* classifier_config.c: a classifier's config.json into checked hyper-parameters.
 *
 * The sizes carry the names of the lecture's constructor arguments, so a config can be written
 * from the call that built the PyTorch module:
 *   {"model_type": "classifier", "k": 32, "heads": 2, "depth": 2, "seq_length": 64,
 *    "num_tokens": 1024, "num_classes": 4,
 *    "attention": "wide" | "narrow",            optional: else read from the weights' shapes
 *    "attention_scale": "width" | "head",       optional: "width", the lecture's 1/sqrt(k)
 *    "layer_norm_eps": 1e-5,                    optional
 *    "labels": ["en", "de", "fr", "ru"],        optional: else "0", "1", ...
 *    "tokenizer_plugin": "bpe"}                 optional
 * The six sizes are required; unknown keys are ignored. The lecture's module also offers max
 * pooling instead of the mean ("max_pool": true); vkgpt computes the mean only and refuses
 * that switch rather than compute something else. */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "model/classifier.h"
#include "model/hparams.h"

#define CONFIG_MAX_BYTES (16u << 20)
#define MAX_PARAMS (1ull << 36) /* elements; 256 GiB of f32 */

/* A required integer in [1, max]. */
static vkgpt_status_t get_size(const char *src, json_t *root, const char *key, uint32_t max,
                               uint32_t *dst, vkgpt__error_t *err) {
    json_t *v = json_object_get(root, key);
    if (!v || json_is_null(v)) {
        return vkgpt__error_set(err, VKGPT_ERR_CONFIG, "%s: '%s' is missing", src, key);
    }
    if (!json_is_integer(v)) {
        return vkgpt__error_set(err, VKGPT_ERR_CONFIG, "%s: '%s' must be an integer, not %s",
                                src, key, vkgpt__json_kind(v));
    }
    json_int_t x = json_integer_value(v);
    if (x < 1 || x > (json_int_t)max) {
        return vkgpt__error_set(err, VKGPT_ERR_CONFIG, "%s: '%s' is %lld, outside [1, %u]", src,
                                key, (long long)x, max);
    }
    *dst = (uint32_t)x;
    return VKGPT_OK;
}

/* An optional string that must be one of `names`; *index is left alone when absent. */
static vkgpt_status_t get_choice(const char *src, json_t *root, const char *key,
                                 const char *const *names, size_t n_names, size_t *index,
                                 vkgpt__error_t *err) {
    json_t *v = json_object_get(root, key);
    if (!v || json_is_null(v)) {
        return VKGPT_OK;
    }
    for (size_t i = 0; json_is_string(v) && i < n_names; i++) {
        if (strcmp(json_string_value(v), names[i]) == 0) {
            *index = i;
            return VKGPT_OK;
        }
    }
    return vkgpt__error_set(err, VKGPT_ERR_CONFIG, "%s: '%s' must be \"%s\" or \"%s\"", src, key,
                            names[0], names[1]);
}

static vkgpt_status_t parse_sizes(const char *src, json_t *root, vkgpt__cls_hparams_t *hp,
                                  vkgpt__error_t *err) {
    struct {
        const char *key;
        uint32_t max;
        uint32_t *dst;
    } f[] = {{"k", VKGPT__CLS_MAX_K, &hp->k},
             {"heads", VKGPT__CLS_MAX_HEADS, &hp->heads},
             {"depth", VKGPT__CLS_MAX_DEPTH, &hp->depth},
             {"seq_length", VKGPT__CLS_MAX_SEQ, &hp->seq_length},
             {"num_tokens", VKGPT__CLS_MAX_TOKENS, &hp->num_tokens},
             {"num_classes", VKGPT__CLS_MAX_CLASSES, &hp->num_classes}};
    for (size_t i = 0; i < VKGPT__ARRAY_LEN(f); i++) {
        vkgpt_status_t st = get_size(src, root, f[i].key, f[i].max, f[i].dst, err);
        if (st != VKGPT_OK) {
            return st;
        }
    }
    return VKGPT_OK;
}

static vkgpt_status_t parse_variant(const char *src, json_t *root, vkgpt__cls_hparams_t *hp,
                                    vkgpt__error_t *err) {
    static const char *const layouts[] = {"wide", "narrow"};
    static const char *const scales[] = {"width", "head"};
    json_t *type = json_object_get(root, "model_type");
    if (type && !(json_is_string(type) && strcmp(json_string_value(type), "classifier") == 0)) {
        return vkgpt__error_set(err, VKGPT_ERR_CONFIG,
                                "%s: 'model_type' must be \"classifier\" for a classifier", src);
    }
    json_t *max_pool = json_object_get(root, "max_pool");
    if (json_is_true(max_pool)) {
        return vkgpt__error_set(err, VKGPT_ERR_UNSUPPORTED,
                                "%s: 'max_pool' is true; vkgpt pools by the mean over the "
                                "sequence only", src);
    }
    size_t layout = SIZE_MAX, scale = 0;
    vkgpt_status_t st = get_choice(src, root, "attention", layouts, 2, &layout, err);
    if (st == VKGPT_OK) {
        st = get_choice(src, root, "attention_scale", scales, 2, &scale, err);
    }
    hp->layout = layout == SIZE_MAX ? VKGPT__CLS_LAYOUT_AUTO
                 : layout == 0      ? VKGPT__CLS_LAYOUT_WIDE
                                    : VKGPT__CLS_LAYOUT_NARROW;
    hp->scale = scale == 0 ? VKGPT__CLS_SCALE_WIDTH : VKGPT__CLS_SCALE_HEAD;

    json_t *eps = json_object_get(root, "layer_norm_eps");
    if (st == VKGPT_OK && eps && !json_is_null(eps)) {
        hp->layer_norm_eps = json_is_number(eps) ? json_number_value(eps) : -1.0;
        if (!(hp->layer_norm_eps > 0 && hp->layer_norm_eps < 1)) {
            st = vkgpt__error_set(err, VKGPT_ERR_CONFIG,
                                  "%s: 'layer_norm_eps' must be a number in (0, 1)", src);
        }
    }
    return st;
}

static char *copy_string(const char *s, size_t len) {
    char *out = malloc(len + 1);
    if (out) {
        memcpy(out, s, len);
        out[len] = '\0';
    }
    return out;
}

/* One label: 1..VKGPT__CLS_MAX_LABEL bytes without NUL or control characters, so that it can
 * be printed and put into JSON as it is (after escaping quotes and backslashes). */
static vkgpt_status_t check_label(const char *src, size_t i, json_t *v, vkgpt__error_t *err) {
    if (!json_is_string(v)) {
        return vkgpt__error_set(err, VKGPT_ERR_CONFIG, "%s: 'labels'[%zu] must be a string, "
                                "not %s", src, i, vkgpt__json_kind(v));
    }
    const char *s = json_string_value(v);
    size_t len = json_string_length(v);
    bool printable = len >= 1 && len <= VKGPT__CLS_MAX_LABEL;
    for (size_t j = 0; printable && j < len; j++) {
        printable = (unsigned char)s[j] >= 0x20 && s[j] != 0x7f;
    }
    if (!printable) {
        return vkgpt__error_set(err, VKGPT_ERR_CONFIG,
                                "%s: 'labels'[%zu] must be 1 to %u bytes with no control "
                                "characters", src, i, VKGPT__CLS_MAX_LABEL);
    }
    return VKGPT_OK;
}

static vkgpt_status_t parse_labels(const char *src, json_t *root, vkgpt__cls_hparams_t *hp,
                                   vkgpt__error_t *err) {
    json_t *labels = json_object_get(root, "labels");
    bool given = labels && !json_is_null(labels);
    if (given && !json_is_array(labels)) {
        return vkgpt__error_set(err, VKGPT_ERR_CONFIG, "%s: 'labels' must be an array of "
                                "strings, not %s", src, vkgpt__json_kind(labels));
    }
    if (given && json_array_size(labels) != hp->num_classes) {
        return vkgpt__error_set(err, VKGPT_ERR_CONFIG, "%s: 'labels' has %zu names for "
                                "num_classes %u", src, json_array_size(labels),
                                hp->num_classes);
    }
    hp->labels = calloc(hp->num_classes, sizeof(*hp->labels));
    if (!hp->labels) {
        return vkgpt__error_set(err, VKGPT_ERR_OUT_OF_HOST_MEMORY, "%s: labels", src);
    }
    for (uint32_t i = 0; i < hp->num_classes; i++) {
        char number[16];
        json_t *v = given ? json_array_get(labels, i) : NULL;
        vkgpt_status_t st = v ? check_label(src, i, v, err) : VKGPT_OK;
        if (st != VKGPT_OK) {
            return st;
        }
        snprintf(number, sizeof(number), "%u", i);
        hp->labels[i] = v ? copy_string(json_string_value(v), json_string_length(v))
                          : copy_string(number, strlen(number));
        if (!hp->labels[i]) {
            return vkgpt__error_set(err, VKGPT_ERR_OUT_OF_HOST_MEMORY, "%s: labels", src);
        }
    }
    return VKGPT_OK;
}

static vkgpt_status_t parse_tokenizer(const char *src, json_t *root, vkgpt__cls_hparams_t *hp,
                                      vkgpt__error_t *err) {
    json_t *v = json_object_get(root, "tokenizer_plugin");
    if (!v || json_is_null(v)) {
        return VKGPT_OK;
    }
    if (!json_is_string(v) || json_string_length(v) == 0 || json_string_length(v) > 255) {
        return vkgpt__error_set(err, VKGPT_ERR_CONFIG,
                                "%s: 'tokenizer_plugin' must be a plugin name (1 to 255 bytes)",
                                src);
    }
    hp->tokenizer_plugin = copy_string(json_string_value(v), json_string_length(v));
    return hp->tokenizer_plugin ? VKGPT_OK
                                : vkgpt__error_set(err, VKGPT_ERR_OUT_OF_HOST_MEMORY, "%s", src);
}

/* Weights of the model in elements; with the limits above every term stays below 2^62. */
static uint64_t n_params(const vkgpt__cls_hparams_t *hp) {
    uint64_t k = hp->k, h = (uint64_t)hp->heads * k; /* the wide layout, the larger one */
    uint64_t block = 3 * h * k + h * k + k + 4 * k + (4 * k * k + 4 * k) + (4 * k * k + k);
    return (uint64_t)hp->num_tokens * k + (uint64_t)hp->seq_length * k + hp->depth * block +
           (uint64_t)hp->num_classes * (k + 1);
}

static vkgpt_status_t parse_config(const char *src, json_t *root, vkgpt__cls_hparams_t *hp,
                                   vkgpt__error_t *err) {
    vkgpt_status_t st = parse_sizes(src, root, hp, err);
    if (st == VKGPT_OK) {
        st = parse_variant(src, root, hp, err);
    }
    if (st == VKGPT_OK && hp->layout == VKGPT__CLS_LAYOUT_NARROW && hp->k % hp->heads != 0) {
        st = vkgpt__error_set(err, VKGPT_ERR_CONFIG, "%s: the narrow layout needs k (%u) "
                              "divisible by heads (%u)", src, hp->k, hp->heads);
    }
    if (st == VKGPT_OK && n_params(hp) > MAX_PARAMS) {
        st = vkgpt__error_set(err, VKGPT_ERR_CONFIG, "%s: these sizes make %llu weights "
                              "(limit %llu)", src, (unsigned long long)n_params(hp),
                              MAX_PARAMS);
    }
    if (st == VKGPT_OK) {
        st = parse_labels(src, root, hp, err);
    }
    return st == VKGPT_OK ? parse_tokenizer(src, root, hp, err) : st;
}

vkgpt_status_t vkgpt__cls_hparams_parse(const char *json, size_t len, const char *source,
                                        vkgpt__cls_hparams_t *hp, vkgpt__error_t *err) {
    memset(hp, 0, sizeof(*hp));
    hp->layer_norm_eps = 1e-5;
    json_error_t jerr;
    json_t *root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root) {
        return vkgpt__error_set(err, VKGPT_ERR_CONFIG, "%s:%d:%d: %s", source, jerr.line,
                                jerr.column, jerr.text);
    }
    vkgpt_status_t st = json_is_object(root)
                            ? parse_config(source, root, hp, err)
                            : vkgpt__error_set(err, VKGPT_ERR_CONFIG, "%s: not a JSON object",
                                               source);
    json_decref(root);
    if (st != VKGPT_OK) {
        vkgpt__cls_hparams_free(hp);
    }
    return st;
}

void vkgpt__cls_hparams_free(vkgpt__cls_hparams_t *hp) {
    for (uint32_t i = 0; hp->labels && i < hp->num_classes; i++) {
        free(hp->labels[i]);
    }
    free(hp->labels);
    free(hp->tokenizer_plugin);
    hp->labels = NULL;
    hp->tokenizer_plugin = NULL;
}

uint32_t vkgpt__cls_head_dim(const vkgpt__cls_hparams_t *hp) {
    return hp->layout == VKGPT__CLS_LAYOUT_NARROW ? hp->k / hp->heads : hp->k;
}

/* ---- The file ---- */

static vkgpt_status_t read_config(const char *path, char **text, size_t *len,
                                  vkgpt__error_t *err) {
    struct stat sb;
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
        return vkgpt__error_set(err, VKGPT_ERR_IO, "%s: %s", path, strerror(errno));
    }
    /* One byte more than stat said, to notice a file that grew in between. */
    size_t cap = (size_t)sb.st_size + 1;
    vkgpt_status_t st = VKGPT_OK;
    *text = malloc(cap);
    if (!*text) {
        st = vkgpt__error_set(err, VKGPT_ERR_OUT_OF_HOST_MEMORY, "%s: out of memory", path);
    } else if ((*len = fread(*text, 1, cap, f)) == cap || ferror(f)) {
        st = vkgpt__error_set(err, VKGPT_ERR_IO, "%s: read error or file changed while read",
                              path);
        free(*text);
    }
    fclose(f);
    return st;
}

vkgpt_status_t vkgpt__cls_hparams_load(const char *path, vkgpt__cls_hparams_t *hp,
                                       vkgpt__error_t *err) {
    struct stat sb;
    bool dir = stat(path, &sb) == 0 && S_ISDIR(sb.st_mode);
    size_t cap = strlen(path) + sizeof("/config.json");
    char *config = malloc(cap);
    if (!config) {
        return vkgpt__error_set(err, VKGPT_ERR_OUT_OF_HOST_MEMORY, "%s: out of memory", path);
    }
    snprintf(config, cap, dir ? "%s/config.json" : "%s", path);
    char *text = NULL;
    size_t len = 0;
    vkgpt_status_t st = read_config(config, &text, &len, err);
    if (st == VKGPT_OK) {
        st = vkgpt__cls_hparams_parse(text, len, config, hp, err);
        free(text);
    }
    free(config);
    return st;
}
