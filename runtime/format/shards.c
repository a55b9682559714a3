/* shards.c: sharded checkpoints. An index file (model.safetensors.index.json or
 * pytorch_model.bin.index.json) sits next to the shards:
 *   {"metadata": {"total_size": N}, "weight_map": {"h.0.ln_1.weight": "model-00001-of-00002
 *    .safetensors", ...}}
 * Every shard named is read with the single-file readers; every tensor found must be mapped to
 * the shard it came from, and every mapped tensor must be found. Shard names are plain file
 * names in the index's folder: a path separator or ".." is refused, so an index cannot make
 * vkgpt open files elsewhere. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "format/weights_internal.h"

#define INDEX_MAX_BYTES (64u << 20)
#define MAX_SHARDS 10000u

static vkgpt_status_t load_index(const char *path, json_t **weight_map, json_t **root,
                                 vkgpt__error_t *err) {
    vkgpt__mapped_file_t mf;
    vkgpt_status_t st = vkgpt__mapped_file_open(path, &mf, err);
    if (st != VKGPT_OK) {
        return st;
    }
    json_error_t jerr;
    *root = NULL;
    if (mf.size > INDEX_MAX_BYTES) {
        st = vkgpt__error_set(err, VKGPT_ERR_BAD_FORMAT, "%s: %llu bytes (limit %u)", path,
                              (unsigned long long)mf.size, INDEX_MAX_BYTES);
    } else if (!(*root = json_loadb((const char *)mf.data, (size_t)mf.size, JSON_REJECT_DUPLICATES,
                                    &jerr))) {
        st = vkgpt__error_set(err, VKGPT_ERR_BAD_FORMAT, "%s:%d:%d: %s", path, jerr.line,
                              jerr.column, jerr.text);
    } else if (!json_is_object(*weight_map = json_object_get(*root, "weight_map"))) {
        st = vkgpt__error_set(err, VKGPT_ERR_BAD_FORMAT,
                              "%s: 'weight_map' is missing or not an object", path);
    }
    vkgpt__mapped_file_close(&mf);
    return st;
}

static bool plain_file_name(const char *s) {
    return *s && !strchr(s, '/') && !strchr(s, '\\') && strcmp(s, ".") != 0 &&
           strcmp(s, "..") != 0 && strlen(s) < 256;
}

/* The distinct shard names in order of first appearance, checked; returns a json array. */
static vkgpt_status_t list_shards(const char *path, json_t *weight_map, json_t **shards,
                                  vkgpt__error_t *err) {
    const char *key;
    json_t *value;
    json_t *seen = json_object();
    *shards = json_array();
    if (!seen || !*shards) {
        json_decref(seen);
        return vkgpt__error_set(err, VKGPT_ERR_OUT_OF_HOST_MEMORY, "%s: out of memory", path);
    }
    vkgpt_status_t st = VKGPT_OK;
    json_object_foreach(weight_map, key, value) {
        const char *file = json_string_value(value);
        if (!file || !plain_file_name(file)) {
            st = vkgpt__error_set(err, VKGPT_ERR_BAD_FORMAT,
                                  "%s: tensor '%s' maps to %s, not a file name in the index's "
                                  "folder",
                                  path, key, file ? file : "a non-string");
            break;
        }
        if (!json_object_get(seen, file)) {
            json_object_set_new(seen, file, json_true());
            json_array_append(*shards, value);
        }
    }
    if (st == VKGPT_OK && json_array_size(*shards) > MAX_SHARDS) {
        st = vkgpt__error_set(err, VKGPT_ERR_BAD_FORMAT, "%s: %zu shards (limit %u)", path,
                              json_array_size(*shards), MAX_SHARDS);
    }
    json_decref(seen);
    return st;
}

static char *dir_of(const char *path) {
    const char *slash = strrchr(path, '/');
    if (!slash) {
        return strdup(".");
    }
    size_t n = slash == path ? 1 : (size_t)(slash - path);
    char *d = malloc(n + 1);
    if (d) {
        memcpy(d, path, n);
        d[n] = '\0';
    }
    return d;
}

static vkgpt_status_t read_shard(vkgpt__weights_t *w, const char *index, const char *dir,
                                 const char *shard, json_t *weight_map, vkgpt__error_t *err) {
    char *path = vkgpt__path_join(dir, shard);
    if (!path) {
        return vkgpt__error_set(err, VKGPT_ERR_OUT_OF_HOST_MEMORY, "%s: out of memory", index);
    }
    size_t before = w->n_tensors;
    vkgpt_status_t st = vkgpt__weights_read_file(w, path, err);
    for (size_t i = before; st == VKGPT_OK && i < w->n_tensors; i++) {
        const char *mapped = json_string_value(json_object_get(weight_map, w->tensors[i].name));
        if (!mapped || strcmp(mapped, shard) != 0) {
            st = vkgpt__error_set(
                err, VKGPT_ERR_BAD_FORMAT, "%s: tensor '%s' is in shard '%s', but the index %s%s",
                index, w->tensors[i].name, shard, mapped ? "maps it to " : "does not list it",
                mapped ? mapped : "");
        }
    }
    free(path);
    return st;
}

/* Every listed tensor (except skipped buffers) must have been found in its shard. */
static vkgpt_status_t check_all_found(vkgpt__weights_t *w, const char *index, json_t *weight_map,
                                      vkgpt__error_t *err) {
    const char *key;
    json_t *value;
    vkgpt_status_t st = vkgpt__weights_finish(w, err);
    if (st != VKGPT_OK) {
        return st;
    }
    json_object_foreach(weight_map, key, value) {
        if (!vkgpt__weights_is_skipped(key) && !vkgpt__weights_find(w, key)) {
            return vkgpt__error_set(err, VKGPT_ERR_BAD_FORMAT,
                                    "%s: tensor '%s' is missing from shard '%s'", index, key,
                                    json_string_value(value));
        }
    }
    return VKGPT_OK;
}

vkgpt_status_t vkgpt__shards_read(vkgpt__weights_t *w, const char *index_path,
                                  vkgpt__error_t *err) {
    json_t *root = NULL, *weight_map = NULL, *shards = NULL;
    char *dir = NULL;
    vkgpt_status_t st = load_index(index_path, &weight_map, &root, err);
    if (st == VKGPT_OK) {
        st = list_shards(index_path, weight_map, &shards, err);
    }
    if (st == VKGPT_OK && !(dir = dir_of(index_path))) {
        st = vkgpt__error_set(err, VKGPT_ERR_OUT_OF_HOST_MEMORY, "%s: out of memory", index_path);
    }
    for (size_t i = 0; st == VKGPT_OK && i < json_array_size(shards); i++) {
        st = read_shard(w, index_path, dir, json_string_value(json_array_get(shards, i)),
                        weight_map, err);
    }
    if (st == VKGPT_OK) {
        st = check_all_found(w, index_path, weight_map, err);
    }
    free(dir);
    json_decref(shards);
    json_decref(root);
    return st;
}
