/* inspect.c: vkgpt_model_inspect(): what a model folder holds, from config.json and the weight
 * headers, without reading tensor data or touching a device. */
#include <stdio.h>
#include <string.h>

#include "format/weights.h"
#include "model/hparams.h"

static void fill(const vkgpt__gpt2_hparams_t *hp, const vkgpt__weights_t *w,
                 vkgpt_model_file_info_t *out) {
    snprintf(out->weights_path, sizeof(out->weights_path), "%s", vkgpt__weights_path(w));
    snprintf(out->format, sizeof(out->format), "%s",
             vkgpt__weights_format_name(vkgpt__weights_format(w)));
    out->n_layer = hp->n_layer;
    out->n_embd = hp->n_embd;
    out->n_head = hp->n_head;
    out->n_ctx = hp->n_positions;
    out->n_vocab = hp->vocab_size;
    out->n_inner = hp->n_inner;
    out->layer_norm_epsilon = hp->layer_norm_epsilon;
    snprintf(out->activation, sizeof(out->activation), "%s",
             vkgpt__activation_name(hp->activation));
    out->n_params = vkgpt__gpt2_hparams_n_params(hp);
    out->n_tensors = vkgpt__weights_count(w);
    out->tensor_bytes = vkgpt__weights_total_bytes(w);
    for (size_t i = 0; i < out->n_tensors; i++) {
        vkgpt__dtype_t t = vkgpt__weights_at(w, i)->dtype;
        out->n_f32 += t == VKGPT__DTYPE_F32;
        out->n_f16 += t == VKGPT__DTYPE_F16;
        out->n_bf16 += t == VKGPT__DTYPE_BF16;
    }
}

VKGPT_API vkgpt_status_t vkgpt_model_inspect(const char *path, vkgpt_model_file_info_t *info) {
    vkgpt__error_t err;
    vkgpt__error_clear(&err);
    if (!path || !info || info->struct_size == 0) {
        vkgpt__error_set(&err, VKGPT_ERR_INVALID_ARGUMENT,
                         "vkgpt_model_inspect: NULL argument or unset struct_size");
        return vkgpt__thread_error_set(&err);
    }
    vkgpt__gpt2_hparams_t hp;
    vkgpt_status_t st = vkgpt__gpt2_hparams_load(path, &hp, NULL, &err);
    vkgpt__weights_t *w = NULL;
    if (st == VKGPT_OK) {
        st = vkgpt__weights_open(path, &w, &err);
    }
    if (st != VKGPT_OK) {
        return vkgpt__thread_error_set(&err);
    }

    /* Fill a full-size struct, then copy as much as the caller's version holds. */
    vkgpt_model_file_info_t full;
    memset(&full, 0, sizeof(full));
    fill(&hp, w, &full);
    vkgpt__weights_close(w);
    size_t n = info->struct_size < sizeof(full) ? info->struct_size : sizeof(full);
    full.struct_size = (uint32_t)n;
    memcpy(info, &full, n);
    return VKGPT_OK;
}
