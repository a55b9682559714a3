/* config_bridge.c: what a loaded config selects, in the terms of the public calls that take
 * it (model parameters, tokenizer, device, generation parameters, labels). */
#include <stdio.h>
#include <string.h>

#include "config/config.h"

VKGPT_API const char *vkgpt_config_model_path(const vkgpt_config_t *c) {
    return c ? c->cfg.model.path : "";
}

VKGPT_API const char *vkgpt_config_model_preset(const vkgpt_config_t *c) {
    return c ? c->cfg.model.preset : "";
}

VKGPT_API void vkgpt_config_model_params(const vkgpt_config_t *c, vkgpt_model_params_t *p) {
    if (!c || !p) {
        return;
    }
    p->weight_type = c->cfg.model.dtype == VKGPT__CONFIG_DTYPE_F32 ? VKGPT_WEIGHT_TYPE_F32
                                                                   : VKGPT_WEIGHT_TYPE_F16;
    p->preset = c->cfg.model.preset[0] ? c->cfg.model.preset : NULL;
}

VKGPT_API const char *vkgpt_config_tokenizer_plugin(const vkgpt_config_t *c) {
    return c ? c->cfg.tokenizer.plugin : "";
}

VKGPT_API const char *vkgpt_config_tokenizer_path(const vkgpt_config_t *c) {
    return c ? c->cfg.tokenizer.path : "";
}

VKGPT_API const char *vkgpt_config_device(vkgpt_config_t *c) {
    if (!c) {
        return "";
    }
    if (c->cfg.device.index >= 0) {
        snprintf(c->device_text, sizeof(c->device_text), "%d", c->cfg.device.index);
        return c->device_text;
    }
    return c->cfg.device.name;
}

VKGPT_API void vkgpt_config_generation_params(vkgpt_config_t *c, vkgpt_generation_params_t *p) {
    if (!c || !p) {
        return;
    }
    const vkgpt__gen_config_t *g = &c->cfg.generation;
    vkgpt_generation_params_init(p);
    p->strategy = (vkgpt_strategy_t)g->strategy;
    p->max_new_tokens = g->max_new_tokens;
    p->min_new_tokens = g->min_new_tokens;
    p->temperature = g->temperature;
    p->top_k = g->top_k;
    p->top_p = g->top_p;
    p->num_beams = g->num_beams;
    p->length_penalty = g->length_penalty;
    p->early_stopping = (int32_t)g->early_stopping;
    p->num_return_sequences = g->num_return_sequences;
    p->repetition_penalty = g->repetition_penalty;
    p->no_repeat_ngram_size = g->no_repeat_ngram_size;
    /* eos_token_id set in the file overrides the tokenizer's, even to an empty list. */
    p->eos_from_tokenizer = !g->eos_set;
    p->eos_token_ids = g->eos_token_ids;
    p->n_eos_token_ids = g->eos_set ? g->n_eos : 0;
    for (uint32_t i = 0; i < g->n_stop; i++) {
        c->stop_ptrs[i] = g->stop[i];
    }
    p->stop = c->stop_ptrs;
    p->n_stop = g->n_stop;
    p->seed = g->seed;
    p->seed_set = g->seed_set;
}

VKGPT_API const char *const *vkgpt_config_labels(const vkgpt_config_t *c, size_t *n) {
    if (n) {
        *n = c ? c->cfg.classifier.n_labels : 0;
    }
    return c ? (const char *const *)c->cfg.classifier.labels : NULL;
}

VKGPT_API const char *vkgpt_config_origin(vkgpt_config_t *c, const char *key) {
    vkgpt__config_key_t k;
    if (!c || !key || !vkgpt__config_key_lookup(key, &k)) {
        return "";
    }
    vkgpt__config_origin_str(&c->cfg, k, c->origin_text, sizeof(c->origin_text));
    return c->origin_text;
}
