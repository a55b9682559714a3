/* config.h: vkgpt's YAML configuration: what a file may hold, how it is read, merged with
 * command-line overrides, checked and written back.
 *
 * A config has four sections and one scalar (docs/CONFIG.md lists every key with its type,
 * default and range):
 *     model:      path, preset, dtype
 *     tokenizer:  plugin, path
 *     generation: strategy and Hugging Face GenerationConfig fields
 *     classifier: labels
 *     device:     an index or a name substring
 *
 * Reading uses libyaml's event API, never its document loader, and refuses what a config has
 * no use for and an attacker might: nesting deeper than VKGPT__CONFIG_MAX_DEPTH, anchors and
 * aliases, tags, duplicate keys, more than one document, files over VKGPT__CONFIG_MAX_BYTES
 * and bytes that are not UTF-8. Every error is VKGPT_ERR_CONFIG with a message that starts
 * "file:line:column: " (1-based; the column counts characters) or, where libyaml or the UTF-8
 * check reports a byte, "file: byte offset N (line L, column C): ". Numbers are parsed the
 * same under every locale: '.' is the decimal point and "1,3" is an error.
 *
 * Each key remembers where its value came from (the file position, or the command line), so
 * that checks across keys (vkgpt__config_validate) and later checks against the model (a preset
 * that contradicts the checkpoint) can point at the line to fix. */
#ifndef VKGPT_CONFIG_CONFIG_H
#define VKGPT_CONFIG_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common.h"
#include "decode/gen_config.h"

#define VKGPT__CONFIG_MAX_BYTES (1u << 20) /* a config larger than 1 MiB is refused */
#define VKGPT__CONFIG_MAX_DEPTH 16          /* mappings and sequences open at once */
#define VKGPT__CONFIG_PATH_CAP 4096
#define VKGPT__CONFIG_NAME_CAP 256
#define VKGPT__CONFIG_MAX_LABELS 4096

typedef enum vkgpt__config_dtype {
    VKGPT__CONFIG_DTYPE_F32 = 0,
    VKGPT__CONFIG_DTYPE_F16 = 1
} vkgpt__config_dtype_t;

/* Every key, in the order the printer writes them. */
typedef enum vkgpt__config_key {
    VKGPT__CFG_MODEL_PATH,
    VKGPT__CFG_MODEL_PRESET,
    VKGPT__CFG_MODEL_DTYPE,
    VKGPT__CFG_TOKENIZER_PLUGIN,
    VKGPT__CFG_TOKENIZER_PATH,
    VKGPT__CFG_GEN_STRATEGY,
    VKGPT__CFG_GEN_DO_SAMPLE,
    VKGPT__CFG_GEN_NUM_BEAMS,
    VKGPT__CFG_GEN_TEMPERATURE,
    VKGPT__CFG_GEN_TOP_K,
    VKGPT__CFG_GEN_TOP_P,
    VKGPT__CFG_GEN_REPETITION_PENALTY,
    VKGPT__CFG_GEN_NO_REPEAT_NGRAM_SIZE,
    VKGPT__CFG_GEN_MAX_NEW_TOKENS,
    VKGPT__CFG_GEN_MIN_NEW_TOKENS,
    VKGPT__CFG_GEN_LENGTH_PENALTY,
    VKGPT__CFG_GEN_EARLY_STOPPING,
    VKGPT__CFG_GEN_NUM_RETURN_SEQUENCES,
    VKGPT__CFG_GEN_EOS_TOKEN_ID,
    VKGPT__CFG_GEN_STOP,
    VKGPT__CFG_GEN_SEED,
    VKGPT__CFG_DEVICE,
    VKGPT__CFG_CLASSIFIER_LABELS,
    VKGPT__CFG_N_KEYS
} vkgpt__config_key_t;

typedef enum vkgpt__config_source {
    VKGPT__CONFIG_SOURCE_DEFAULT = 0,
    VKGPT__CONFIG_SOURCE_FILE = 1,
    VKGPT__CONFIG_SOURCE_OVERRIDE = 2 /* vkgpt__config_set: the command line */
} vkgpt__config_source_t;

typedef struct vkgpt__config_origin {
    vkgpt__config_source_t source;
    char *file;        /* SOURCE_FILE: the file's name as given, owned by the config */
    uint32_t line;     /* 1-based */
    uint32_t column;   /* 1-based, in characters */
} vkgpt__config_origin_t;

typedef struct vkgpt__config {
    struct {
        char path[VKGPT__CONFIG_PATH_CAP];   /* "" until set: a folder or a weights file */
        char preset[VKGPT__CONFIG_NAME_CAP]; /* "" means: take the sizes from config.json */
        vkgpt__config_dtype_t dtype;
    } model;
    struct {
        char plugin[VKGPT__CONFIG_NAME_CAP]; /* "bpe" */
        char path[VKGPT__CONFIG_PATH_CAP];   /* "" means: the model's folder */
    } tokenizer;

    /* The decoding settings. generation.strategy is final only after vkgpt__config_validate,
     * which reconciles it with do_sample and num_beams. */
    vkgpt__gen_config_t generation;
    bool do_sample;

    struct {
        int32_t index;                       /* -1 unless chosen by index */
        char name[VKGPT__CONFIG_NAME_CAP];   /* "" unless chosen by name */
    } device;

    struct {
        char **labels;                       /* [n_labels], owned */
        uint32_t n_labels;
    } classifier;

    vkgpt__config_origin_t origin[VKGPT__CFG_N_KEYS];
} vkgpt__config_t;

/* The public handle (include/vkgpt.h): a config and its last error. */
struct vkgpt_config {
    vkgpt__config_t cfg;
    vkgpt__error_t err;
    /* Storage behind the getters of runtime/api/config_bridge.c. */
    char device_text[VKGPT__CONFIG_NAME_CAP];
    char origin_text[VKGPT__CONFIG_PATH_CAP + 64];
    const char *stop_ptrs[VKGPT__GEN_MAX_STOP];
};

/* Fills cfg with every default. vkgpt__config_free releases what loading added. */
void vkgpt__config_init(vkgpt__config_t *cfg);
void vkgpt__config_free(vkgpt__config_t *cfg);

/* Reads a YAML file (or text named `name` in messages) into a freshly initialised cfg. On
 * error cfg is left initialised to the defaults. */
vkgpt_status_t vkgpt__config_load_file(vkgpt__config_t *cfg, const char *path,
                                       vkgpt__error_t *err);
vkgpt_status_t vkgpt__config_load_string(vkgpt__config_t *cfg, const char *name,
                                         const char *text, size_t len, vkgpt__error_t *err);

/* Sets one key from a command-line override: key is "section.name" ("generation.top_k") or
 * "device"; value is YAML flow text parsed as that key's type ("0.7", "[50256, 0]", "never").
 * Setting generation.strategy drops do_sample, and for greedy and sample also num_beams, set
 * by an earlier layer, so that a strategy given on the command line replaces the file's. */
vkgpt_status_t vkgpt__config_set(vkgpt__config_t *cfg, const char *key, const char *value,
                                 vkgpt__error_t *err);

/* Applies every key that src set (from a file or an override) on top of dst, with the same
 * strategy rule as vkgpt__config_set. */
vkgpt_status_t vkgpt__config_merge(vkgpt__config_t *dst, const vkgpt__config_t *src,
                                   vkgpt__error_t *err);

/* Checks the keys together (strategy against do_sample and num_beams, returned sequences,
 * min against max tokens) and settles generation.strategy. Messages point at the keys'
 * origins. */
vkgpt_status_t vkgpt__config_validate(vkgpt__config_t *cfg, vkgpt__error_t *err);

/* Validates, then writes the whole config (defaults included) as YAML into a malloc'd,
 * NUL-terminated *out of *len bytes that vkgpt__config_load_string reads back to the same
 * values. */
vkgpt_status_t vkgpt__config_print(vkgpt__config_t *cfg, char **out, size_t *len,
                                   vkgpt__error_t *err);

/* The key named "section.name" or "device"; false when there is none. */
bool vkgpt__config_key_lookup(const char *path, vkgpt__config_key_t *out);

/* "generation.top_k" for a key. */
const char *vkgpt__config_key_name(vkgpt__config_key_t key);

/* Writes "file:line:column" or "the command line" or "the default" for a key's origin. */
void vkgpt__config_origin_str(const vkgpt__config_t *cfg, vkgpt__config_key_t key, char *buf,
                              size_t size);

/* The optimal-string-alignment edit distance (insertions, deletions, substitutions and
 * swaps of neighbours each cost 1), capped: returns cap + 1 when larger. Used to suggest the
 * nearest known key. */
size_t vkgpt__edit_distance(const char *a, const char *b, size_t cap);

#endif
