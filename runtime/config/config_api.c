/* config_api.c: the public config calls of include/vkgpt.h over config.h. */
#include <stdlib.h>
#include <string.h>

#include "config.h"

VKGPT_API vkgpt_status_t vkgpt_config_create(vkgpt_config_t **out_config) {
    if (!out_config) {
        return VKGPT_ERR_INVALID_ARGUMENT;
    }
    *out_config = calloc(1, sizeof(**out_config));
    if (!*out_config) {
        return VKGPT_ERR_OUT_OF_HOST_MEMORY;
    }
    vkgpt__config_init(&(*out_config)->cfg);
    return VKGPT_OK;
}

VKGPT_API void vkgpt_config_destroy(vkgpt_config_t *config) {
    if (config) {
        vkgpt__config_free(&config->cfg);
        free(config);
    }
}

VKGPT_API const char *vkgpt_config_last_error(const vkgpt_config_t *config) {
    return config ? config->err.message : "no config";
}

/* Loads into a layer of its own and merges it, so that a failure leaves config unchanged. */
static vkgpt_status_t load_layer(vkgpt_config_t *config, const char *path, const char *name,
                                 const char *text, size_t len) {
    vkgpt__config_t *layer = malloc(sizeof(*layer));
    if (!layer) {
        return vkgpt__error_set(&config->err, VKGPT_ERR_OUT_OF_HOST_MEMORY, "config layer");
    }
    vkgpt_status_t st = path ? vkgpt__config_load_file(layer, path, &config->err)
                             : vkgpt__config_load_string(layer, name, text, len, &config->err);
    if (st == VKGPT_OK) {
        st = vkgpt__config_merge(&config->cfg, layer, &config->err);
    }
    vkgpt__config_free(layer);
    free(layer);
    return st;
}

VKGPT_API vkgpt_status_t vkgpt_config_load_file(vkgpt_config_t *config, const char *path) {
    if (!config || !path) {
        return VKGPT_ERR_INVALID_ARGUMENT;
    }
    vkgpt__error_clear(&config->err);
    return load_layer(config, path, NULL, NULL, 0);
}

VKGPT_API vkgpt_status_t vkgpt_config_load_string(vkgpt_config_t *config, const char *name,
                                                  const char *text, size_t len) {
    if (!config || (!text && len > 0)) {
        return VKGPT_ERR_INVALID_ARGUMENT;
    }
    vkgpt__error_clear(&config->err);
    return load_layer(config, NULL, name ? name : "<string>", text ? text : "", len);
}

VKGPT_API vkgpt_status_t vkgpt_config_set(vkgpt_config_t *config, const char *key,
                                          const char *value) {
    if (!config || !key || !value) {
        return VKGPT_ERR_INVALID_ARGUMENT;
    }
    vkgpt__error_clear(&config->err);
    return vkgpt__config_set(&config->cfg, key, value, &config->err);
}

VKGPT_API vkgpt_status_t vkgpt_config_validate(vkgpt_config_t *config) {
    if (!config) {
        return VKGPT_ERR_INVALID_ARGUMENT;
    }
    vkgpt__error_clear(&config->err);
    return vkgpt__config_validate(&config->cfg, &config->err);
}

VKGPT_API vkgpt_status_t vkgpt_config_print(vkgpt_config_t *config, char *buf, size_t cap,
                                            size_t *out_len) {
    if (!config || !out_len || (!buf && cap > 0)) {
        return VKGPT_ERR_INVALID_ARGUMENT;
    }
    vkgpt__error_clear(&config->err);
    char *text = NULL;
    size_t len = 0;
    vkgpt_status_t st = vkgpt__config_print(&config->cfg, &text, &len, &config->err);
    if (st != VKGPT_OK) {
        return st;
    }
    *out_len = len;
    if (cap <= len) {
        free(text);
        return vkgpt__error_set(&config->err, VKGPT_ERR_BUFFER_TOO_SMALL, "the config is %zu "
                                "bytes; the buffer holds %zu", len + 1, cap);
    }
    memcpy(buf, text, len + 1);
    free(text);
    return VKGPT_OK;
}
