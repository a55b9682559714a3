/* kernels.c: the kernel table. Push sizes must match the structs in runtime/ops/params.h, which
 * mirror the push-constant blocks in shaders/include/params_*.glsl. */
#include "ops/params.h"
#include "vulkan/kernels.h"

#define R_NONE VKGPT__REDUCTION_NONE
#define R_SPLIT VKGPT__REDUCTION_SUBGROUP

static const vkgpt__kernel_info_t kernel_table[VKGPT__KERNEL_COUNT] = {
    [VKGPT__KERNEL_ADD] = {"add", "add_f32", 3, sizeof(vkgpt__push_n_t), 64, R_NONE},
    [VKGPT__KERNEL_GELU] = {"gelu", "act_gelu", 2, sizeof(vkgpt__push_n_t), 64, R_NONE},
    [VKGPT__KERNEL_RELU] = {"relu", "act_relu", 2, sizeof(vkgpt__push_n_t), 64, R_NONE},
    [VKGPT__KERNEL_LAYERNORM] = {"layernorm", "layernorm", 4, sizeof(vkgpt__push_layernorm_t),
                                 64, R_SPLIT},
    [VKGPT__KERNEL_SOFTMAX] = {"softmax", "softmax", 2, sizeof(vkgpt__push_softmax_t), 64,
                               R_SPLIT},
    [VKGPT__KERNEL_LOG_SOFTMAX] = {"log_softmax", "log_softmax", 2, sizeof(vkgpt__push_rows_t),
                                   64, R_SPLIT},
    [VKGPT__KERNEL_MATMUL_F32] = {"matmul_f32", "matmul_f32", 4, sizeof(vkgpt__push_matmul_t),
                                  256, R_NONE},
    [VKGPT__KERNEL_MATMUL_F16] = {"matmul_f16", "matmul_f16", 4, sizeof(vkgpt__push_matmul_t),
                                  256, R_NONE},
    [VKGPT__KERNEL_MATVEC_F32] = {"matvec_f32", "matvec_f32", 4, sizeof(vkgpt__push_matmul_t),
                                  64, R_SPLIT},
    [VKGPT__KERNEL_MATVEC_F16] = {"matvec_f16", "matvec_f16", 4, sizeof(vkgpt__push_matmul_t),
                                  64, R_SPLIT},
    [VKGPT__KERNEL_EMBED_F32] = {"embed_f32", "embed_f32", 5, sizeof(vkgpt__push_embed_t), 64,
                                 R_NONE},
    [VKGPT__KERNEL_EMBED_F16] = {"embed_f16", "embed_f16", 5, sizeof(vkgpt__push_embed_t), 64,
                                 R_NONE},
    [VKGPT__KERNEL_ATTENTION] = {"attention", "attention", 5, sizeof(vkgpt__push_attention_t),
                                 64, R_SPLIT},
    [VKGPT__KERNEL_KV_STORE] = {"kv_store", "kv_store", 4, sizeof(vkgpt__push_kv_store_t), 64,
                                R_NONE},
    [VKGPT__KERNEL_GAP] = {"gap", "gap", 3, sizeof(vkgpt__push_gap_t), 64, R_NONE},
};

const vkgpt__kernel_info_t *vkgpt__kernel_info(vkgpt__kernel_id_t id) {
    if ((unsigned)id >= VKGPT__KERNEL_COUNT) {
        return NULL;
    }
    return &kernel_table[id];
}
