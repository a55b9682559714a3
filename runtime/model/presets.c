/* presets.c: the named GPT-2 sizes, with the hyper-parameters of their published
 * config.json files.
 *
 * Sources: OpenAI's GPT-2 configs on the Hugging Face hub (openai-community/gpt2, -medium,
 * -large, -xl) and Sber's ruGPT-3 configs (ai-forever/rugpt3{small,medium,large}_based_on_gpt2,
 * first published as sberbank-ai/...). ruGPT-3 small has 50264 embedding rows, medium and
 * large 50257; all three have a 2048-token context. Their config.json files name token 50256
 * as bos and eos (a GPT-2 leftover; the tokenizer files define the real special tokens), which
 * is what the presets record. */
#include <string.h>

#include "model/hparams.h"

#define GPT2_SIZE(layers, embd, heads, positions, vocab)                                           \
    {                                                                                              \
        .n_layer = (layers), .n_embd = (embd), .n_head = (heads), .n_positions = (positions),      \
        .vocab_size = (vocab), .n_inner = 4 * (embd), .layer_norm_epsilon = 1e-5,                  \
        .activation = VKGPT__ACT_GELU_TANH, .bos_token_id = 50256, .eos_token_id = 50256,          \
        .pad_token_id = -1                                                                         \
    }

static const vkgpt__gpt2_preset_t presets[] = {
    {"gpt2-small", "openai-community/gpt2", GPT2_SIZE(12, 768, 12, 1024, 50257)},
    {"gpt2-medium", "openai-community/gpt2-medium", GPT2_SIZE(24, 1024, 16, 1024, 50257)},
    {"gpt2-large", "openai-community/gpt2-large", GPT2_SIZE(36, 1280, 20, 1024, 50257)},
    {"gpt2-xl", "openai-community/gpt2-xl", GPT2_SIZE(48, 1600, 25, 1024, 50257)},
    {"rugpt3-small", "ai-forever/rugpt3small_based_on_gpt2", GPT2_SIZE(12, 768, 12, 2048, 50264)},
    {"rugpt3-medium", "ai-forever/rugpt3medium_based_on_gpt2",
     GPT2_SIZE(24, 1024, 16, 2048, 50257)},
    {"rugpt3-large", "ai-forever/rugpt3large_based_on_gpt2", GPT2_SIZE(24, 1536, 16, 2048, 50257)},
    /* Not a published model: a size for benchmarks that finish in seconds on lavapipe. */
    {"gpt2-tiny", "",
     {.n_layer = 4, .n_embd = 256, .n_head = 4, .n_positions = 512, .vocab_size = 8192,
      .n_inner = 1024, .layer_norm_epsilon = 1e-5, .activation = VKGPT__ACT_GELU_TANH,
      .bos_token_id = 8191, .eos_token_id = 8191, .pad_token_id = -1}},
};

size_t vkgpt__gpt2_preset_count(void) {
    return VKGPT__ARRAY_LEN(presets);
}

const vkgpt__gpt2_preset_t *vkgpt__gpt2_preset_at(size_t index) {
    return index < VKGPT__ARRAY_LEN(presets) ? &presets[index] : NULL;
}

const vkgpt__gpt2_preset_t *vkgpt__gpt2_preset_find(const char *name) {
    for (size_t i = 0; i < VKGPT__ARRAY_LEN(presets); i++) {
        if (strcmp(presets[i].name, name) == 0) {
            return &presets[i];
        }
    }
    return NULL;
}

vkgpt_status_t vkgpt__gpt2_hparams_check_preset(const vkgpt__gpt2_hparams_t *hp, const char *source,
                                                const vkgpt__gpt2_preset_t *preset,
                                                vkgpt__error_t *err) {
    const vkgpt__gpt2_hparams_t *p = &preset->hp;
    struct {
        const char *name;
        uint32_t have, want;
    } f[] = {{"n_layer", hp->n_layer, p->n_layer},
             {"n_embd", hp->n_embd, p->n_embd},
             {"n_head", hp->n_head, p->n_head},
             {"n_positions", hp->n_positions, p->n_positions},
             {"n_inner", hp->n_inner, p->n_inner}};
    for (size_t i = 0; i < VKGPT__ARRAY_LEN(f); i++) {
        if (f[i].have != f[i].want) {
            return vkgpt__error_set(err, VKGPT_ERR_CONFIG, "%s: %s is %u, but preset '%s' has %u",
                                    source, f[i].name, f[i].have, preset->name, f[i].want);
        }
    }
    if (hp->vocab_size < p->vocab_size) {
        return vkgpt__error_set(err, VKGPT_ERR_CONFIG,
                                "%s: vocab_size is %u, but preset '%s' has %u", source,
                                hp->vocab_size, preset->name, p->vocab_size);
    }
    if (hp->activation != p->activation) {
        return vkgpt__error_set(err, VKGPT_ERR_CONFIG,
                                "%s: activation_function is %s, but preset '%s' has %s", source,
                                vkgpt__activation_name(hp->activation), preset->name,
                                vkgpt__activation_name(p->activation));
    }
    if (hp->layer_norm_epsilon != p->layer_norm_epsilon) {
        return vkgpt__error_set(err, VKGPT_ERR_CONFIG,
                                "%s: layer_norm_epsilon is %g, but preset '%s' has %g", source,
                                hp->layer_norm_epsilon, preset->name, p->layer_norm_epsilon);
    }
    return VKGPT_OK;
}
