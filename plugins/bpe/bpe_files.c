/* bpe_files.c: finding a tokenizer's files, reading them safely, and the order the loader
 * applies them in. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bpe_load.h"

#define PATH_MAX_LEN 4096

/* The files a byte-level BPE tokenizer may come with; "" where absent. */
typedef struct bpe_files {
    char tokenizer_json[PATH_MAX_LEN];
    char vocab[PATH_MAX_LEN];
    char merges[PATH_MAX_LEN];
    char special_map[PATH_MAX_LEN];
    char config[PATH_MAX_LEN];
    char added[PATH_MAX_LEN];
} bpe_files_t;

/* ---- Reading ---- */

vkgpt_status_t bpe_read_file(const char *path, uint8_t **buf, size_t *len, bpe_err_t *err) {
    *buf = NULL;
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (!f) {
        return bpe_fail(err, VKGPT_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    }
    struct stat sb;
    if (fstat(fileno(f), &sb) != 0 || !S_ISREG(sb.st_mode)) {
        fclose(f);
        return bpe_fail(err, VKGPT_ERR_IO, "%s: not a regular file", path);
    }
    if ((uint64_t)sb.st_size > BPE_MAX_FILE) {
        fclose(f);
        return bpe_fail(err, VKGPT_ERR_BAD_FORMAT,
                        "%s: %lld bytes, over the %u-byte limit for a tokenizer file", path,
                        (long long)sb.st_size, BPE_MAX_FILE);
    }

    size_t size = (size_t)sb.st_size;
    *buf = malloc(size + 1);
    if (!*buf) {
        fclose(f);
        return bpe_fail(err, VKGPT_ERR_OUT_OF_HOST_MEMORY, "%s: out of memory", path);
    }
    size_t got = fread(*buf, 1, size, f);
    fclose(f);
    if (got != size) {
        free(*buf);
        *buf = NULL;
        return bpe_fail(err, VKGPT_ERR_IO, "%s: read %zu of %zu bytes", path, got, size);
    }
    (*buf)[size] = 0;
    *len = size;
    return VKGPT_OK;
}

/* Finds a JSON string longer than the limit without parsing: jansson would first copy it
 * (a 100 MB string costs 100 MB more), and no tokenizer file needs one. Returns its start
 * offset, or SIZE_MAX. */
static size_t long_string_at(const uint8_t *buf, size_t len) {
    bool in_string = false;
    size_t start = 0;
    for (size_t i = 0; i < len; i++) {
        if (!in_string) {
            if (buf[i] == '"') {
                in_string = true;
                start = i;
            }
            continue;
        }
        if (buf[i] == '\\') {
            i++;
        } else if (buf[i] == '"') {
            in_string = false;
        } else if (i - start > BPE_MAX_JSON_STRING) {
            return start;
        }
    }
    return SIZE_MAX;
}

vkgpt_status_t bpe_read_json(const char *path, json_t **out, bpe_err_t *err) {
    uint8_t *buf;
    size_t len;
    *out = NULL;
    vkgpt_status_t st = bpe_read_file(path, &buf, &len, err);
    if (st != VKGPT_OK) {
        return st;
    }
    size_t at = long_string_at(buf, len);
    if (at != SIZE_MAX) {
        free(buf);
        return bpe_fail(err, VKGPT_ERR_BAD_FORMAT,
                        "%s: byte offset %zu: a string longer than %u bytes", path, at,
                        BPE_MAX_JSON_STRING);
    }

    json_error_t jerr;
    *out = json_loadb((const char *)buf, len, JSON_REJECT_DUPLICATES, &jerr);
    free(buf);
    if (!*out) {
        return bpe_fail(err, VKGPT_ERR_BAD_FORMAT, "%s:%d:%d: %s", path, jerr.line,
                        jerr.column, jerr.text);
    }
    return VKGPT_OK;
}

/* ---- tokenizer.json options ---- */

static const char *type_of(json_t *o) {
    const char *t = json_string_value(json_object_get(o, "type"));
    return t ? t : "(no type)";
}

static vkgpt_status_t check_pipeline(bpe_t *b, const char *path, json_t *root, bpe_err_t *err) {
    json_t *norm = json_object_get(root, "normalizer");
    if (norm && !json_is_null(norm)) {
        return bpe_fail(err, VKGPT_ERR_UNSUPPORTED,
                        "%s: normalizer '%s' is not supported (byte-level BPE reads text as "
                        "it is)", path, type_of(norm));
    }
    json_t *pre = json_object_get(root, "pre_tokenizer");
    if (!json_is_object(pre) || strcmp(type_of(pre), "ByteLevel") != 0) {
        return bpe_fail(err, VKGPT_ERR_UNSUPPORTED,
                        "%s: pre_tokenizer '%s' is not supported: only GPT-2's ByteLevel",
                        path, json_is_object(pre) ? type_of(pre) : "null");
    }
    if (json_is_false(json_object_get(pre, "use_regex"))) {
        return bpe_fail(err, VKGPT_ERR_UNSUPPORTED,
                        "%s: ByteLevel pre_tokenizer without GPT-2's split (use_regex false) "
                        "is not supported", path);
    }
    b->add_prefix_space = json_is_true(json_object_get(pre, "add_prefix_space"));

    json_t *dec = json_object_get(root, "decoder");
    if (dec && !json_is_null(dec) && strcmp(type_of(dec), "ByteLevel") != 0) {
        return bpe_fail(err, VKGPT_ERR_UNSUPPORTED,
                        "%s: decoder '%s' is not supported: only ByteLevel", path,
                        type_of(dec));
    }
    return VKGPT_OK;
}

vkgpt_status_t bpe_check_tokenizer_json(bpe_t *b, const char *path, json_t *root,
                                        json_t *model, bpe_err_t *err) {
    if (!json_is_object(root) || !json_is_object(model)) {
        return bpe_fail(err, VKGPT_ERR_BAD_FORMAT, "%s: no \"model\" object", path);
    }
    json_t *type = json_object_get(model, "type");
    if (type ? strcmp(type_of(model), "BPE") != 0 : !json_object_get(model, "merges")) {
        return bpe_fail(err, VKGPT_ERR_UNSUPPORTED,
                        "%s: model type '%s' is not BPE; the bpe plugin reads byte-level BPE "
                        "tokenizers only", path, type_of(model));
    }
    if (json_is_true(json_object_get(model, "byte_fallback"))) {
        return bpe_fail(err, VKGPT_ERR_UNSUPPORTED, "%s: BPE with byte_fallback is not "
                        "byte-level BPE and is not supported", path);
    }
    const char *affix[2] = {"continuing_subword_prefix", "end_of_word_suffix"};
    for (int i = 0; i < 2; i++) {
        const char *v = json_string_value(json_object_get(model, affix[i]));
        if (v && v[0]) {
            return bpe_fail(err, VKGPT_ERR_UNSUPPORTED, "%s: model.%s is not supported", path,
                            affix[i]);
        }
    }
    b->ignore_merges = json_is_true(json_object_get(model, "ignore_merges"));
    return check_pipeline(b, path, root, err);
}

/* ---- Finding the files ---- */

static bool exists(const char *path) {
    struct stat sb;
    return stat(path, &sb) == 0;
}

static vkgpt_status_t join(char *out, const char *folder, const char *name, bpe_err_t *err) {
    int n = snprintf(out, PATH_MAX_LEN, "%s/%s", folder, name);
    if (n < 0 || n >= PATH_MAX_LEN) {
        return bpe_fail(err, VKGPT_ERR_INVALID_ARGUMENT, "%s: path too long", folder);
    }
    if (!exists(out)) {
        out[0] = '\0';
    }
    return VKGPT_OK;
}

static vkgpt_status_t locate_in_folder(const char *folder, bpe_files_t *f, bpe_err_t *err) {
    vkgpt_status_t st = VKGPT_OK;
    char *slots[6] = {f->tokenizer_json, f->vocab, f->merges, f->special_map, f->config,
                      f->added};
    const char *names[6] = {"tokenizer.json", "vocab.json", "merges.txt",
                            "special_tokens_map.json", "tokenizer_config.json",
                            "added_tokens.json"};
    for (int i = 0; i < 6 && st == VKGPT_OK; i++) {
        st = join(slots[i], folder, names[i], err);
    }
    if (st != VKGPT_OK) {
        return st;
    }
    if (!exists(folder)) {
        return bpe_fail(err, VKGPT_ERR_IO, "%s: no such folder", folder);
    }
    if (!f->tokenizer_json[0] && !(f->vocab[0] && f->merges[0])) {
        return bpe_fail(err, VKGPT_ERR_IO,
                        "%s: no tokenizer.json, and no vocab.json with merges.txt", folder);
    }
    return VKGPT_OK;
}

static const char *base_name(const char *path) {
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

/* Explicit files are recognised by their base names. */
static vkgpt_status_t locate_files(const vkgpt_tokenizer_source_t *src, bpe_files_t *f,
                                   bpe_err_t *err) {
    char *slots[6] = {f->tokenizer_json, f->vocab, f->merges, f->special_map, f->config,
                      f->added};
    const char *names[6] = {"tokenizer.json", "vocab.json", "merges.txt",
                            "special_tokens_map.json", "tokenizer_config.json",
                            "added_tokens.json"};
    for (size_t i = 0; i < src->n_files; i++) {
        const char *path = src->files[i];
        int slot = -1;
        for (int k = 0; path && k < 6; k++) {
            slot = strcmp(base_name(path), names[k]) == 0 ? k : slot;
        }
        if (slot < 0 || strlen(path) >= PATH_MAX_LEN) {
            return bpe_fail(err, VKGPT_ERR_INVALID_ARGUMENT,
                            "%s: not a file the bpe plugin reads (tokenizer.json, vocab.json, "
                            "merges.txt, special_tokens_map.json, tokenizer_config.json, "
                            "added_tokens.json)", path ? path : "(null)");
        }
        strcpy(slots[slot], path);
    }
    if (!f->tokenizer_json[0] && !(f->vocab[0] && f->merges[0])) {
        return bpe_fail(err, VKGPT_ERR_INVALID_ARGUMENT,
                        "the files include no tokenizer.json, and not both vocab.json and "
                        "merges.txt");
    }
    return VKGPT_OK;
}

/* ---- Loading in order ---- */

static vkgpt_status_t load_model(bpe_t *b, const bpe_files_t *f, bpe_err_t *err) {
    if (!f->tokenizer_json[0]) {
        return bpe_load_vocab_merges(b, f->vocab, f->merges, err);
    }
    json_t *root = NULL;
    vkgpt_status_t st = bpe_read_json(f->tokenizer_json, &root, err);
    if (st == VKGPT_OK) {
        st = bpe_load_tokenizer_json(b, f->tokenizer_json, root, err);
    }
    json_decref(root);
    return st;
}

/* added_tokens.json: {"text": id, ...} */
static vkgpt_status_t load_added_json(bpe_t *b, const char *path, json_t *root,
                                      bpe_err_t *err) {
    size_t limit = b->n_tokens + json_object_size(root);
    const char *key;
    json_t *v;
    json_object_foreach(root, key, v) {
        if (!json_is_integer(v)) {
            return bpe_fail(err, VKGPT_ERR_BAD_FORMAT, "%s: token '%s' has a non-integer id",
                            path, key);
        }
        vkgpt_status_t st =
            bpe_add_token(b, path, json_integer_value(v), key, strlen(key), false, limit, err);
        if (st != VKGPT_OK) {
            return st;
        }
    }
    return VKGPT_OK;
}

/* tokenizer_config.json: added_tokens_decoder {"id": {"content", "special"}}, the role keys
 * and add_prefix_space. */
static vkgpt_status_t load_config_json(bpe_t *b, const char *path, json_t *root, bool *declared,
                                       bpe_err_t *err) {
    json_t *dec = json_object_get(root, "added_tokens_decoder");
    size_t limit = b->n_tokens + json_object_size(dec);
    const char *key;
    json_t *v;
    json_object_foreach(dec, key, v) {
        char *end = NULL;
        long long id = strtoll(key, &end, 10);
        json_t *content = json_object_get(v, "content");
        if (end == key || *end || !json_is_string(content)) {
            return bpe_fail(err, VKGPT_ERR_BAD_FORMAT,
                            "%s: added_tokens_decoder entry '%s' needs an integer key and a "
                            "content string", path, key);
        }
        vkgpt_status_t st = bpe_add_token(b, path, id, json_string_value(content),
                                          json_string_length(content),
                                          json_is_true(json_object_get(v, "special")), limit,
                                          err);
        if (st != VKGPT_OK) {
            return st;
        }
    }
    if (json_is_true(json_object_get(root, "add_prefix_space"))) {
        b->add_prefix_space = true;
    }
    return bpe_read_roles(b, path, root, declared, err);
}

typedef vkgpt_status_t (*side_file_fn)(bpe_t *b, const char *path, json_t *root,
                                       bool *declared, bpe_err_t *err);

static vkgpt_status_t added_adapter(bpe_t *b, const char *path, json_t *root, bool *declared,
                                    bpe_err_t *err) {
    (void)declared;
    return load_added_json(b, path, root, err);
}

static vkgpt_status_t side_file(bpe_t *b, const char *path, side_file_fn fn, bool *declared,
                                bpe_err_t *err) {
    if (!path[0]) {
        return VKGPT_OK;
    }
    json_t *root = NULL;
    vkgpt_status_t st = bpe_read_json(path, &root, err);
    if (st == VKGPT_OK && !json_is_object(root)) {
        st = bpe_fail(err, VKGPT_ERR_BAD_FORMAT, "%s: not a JSON object", path);
    }
    if (st == VKGPT_OK) {
        st = fn(b, path, root, declared, err);
    }
    json_decref(root);
    return st;
}

vkgpt_status_t bpe_load(const vkgpt_tokenizer_source_t *src, bpe_t **out, bpe_err_t *err) {
    *out = NULL;
    bpe_files_t *f = calloc(1, sizeof(*f));
    bpe_t *b = calloc(1, sizeof(*b));
    vkgpt_status_t st = (!f || !b) ? bpe_fail(err, VKGPT_ERR_OUT_OF_HOST_MEMORY, "out of memory")
                                   : VKGPT_OK;
    if (st == VKGPT_OK) {
        st = src->n_files > 0 ? locate_files(src, f, err)
             : src->folder    ? locate_in_folder(src->folder, f, err)
                              : bpe_fail(err, VKGPT_ERR_INVALID_ARGUMENT, "no folder or files");
    }
    if (st == VKGPT_OK) {
        st = load_model(b, f, err);
    }

    /* Side files may add tokens and name roles; without roles, conventional names get them. */
    bool declared = false;
    if (st == VKGPT_OK) {
        st = side_file(b, f->added, added_adapter, &declared, err);
    }
    if (st == VKGPT_OK) {
        st = side_file(b, f->config, load_config_json, &declared, err);
    }
    if (st == VKGPT_OK) {
        st = side_file(b, f->special_map, bpe_read_roles, &declared, err);
    }
    if (st == VKGPT_OK && !declared) {
        st = bpe_default_roles(b, err);
    }
    if (st == VKGPT_OK) {
        st = bpe_finish(b, f->tokenizer_json[0] ? f->tokenizer_json : f->vocab, err);
    }

    free(f);
    if (st != VKGPT_OK) {
        bpe_free(b);
        return st;
    }
    *out = b;
    return VKGPT_OK;
}
