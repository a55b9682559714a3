/* kernels.h: every compute kernel the runtime can dispatch, with its shader variants, binding
 * count and push-constant size. The table lives in kernels.c; the host-side recording of each
 * operation is in runtime/ops/. */
#ifndef VKGPT_VULKAN_KERNELS_H
#define VKGPT_VULKAN_KERNELS_H

#include <stdint.h>

typedef enum vkgpt__kernel_id {
    VKGPT__KERNEL_ADD,
    VKGPT__KERNEL_GELU,
    VKGPT__KERNEL_RELU,
    VKGPT__KERNEL_LAYERNORM,
    VKGPT__KERNEL_SOFTMAX,
    VKGPT__KERNEL_LOG_SOFTMAX,
    VKGPT__KERNEL_MATMUL_F32,
    VKGPT__KERNEL_MATMUL_F16,
    VKGPT__KERNEL_MATVEC_F32,
    VKGPT__KERNEL_MATVEC_F16,
    VKGPT__KERNEL_EMBED_F32,
    VKGPT__KERNEL_EMBED_F16,
    VKGPT__KERNEL_ATTENTION,
    VKGPT__KERNEL_KV_STORE,
    VKGPT__KERNEL_GAP,
    VKGPT__KERNEL_COUNT
} vkgpt__kernel_id_t;

/* Which reduction a kernel's variant uses. Subgroup arithmetic is faster where the device has
 * it; the shared-memory variant works everywhere. */
typedef enum vkgpt__reduction {
    VKGPT__REDUCTION_NONE,      /* the kernel has a single variant */
    VKGPT__REDUCTION_SUBGROUP,
    VKGPT__REDUCTION_SHARED
} vkgpt__reduction_t;

typedef struct vkgpt__kernel_info {
    const char *name;            /* for messages and profiles */
    const char *module;          /* SPIR-V module, or the prefix of its _sg/_sh variants */
    uint32_t n_bindings;
    uint32_t push_size;
    uint32_t local_size;         /* spec constant 0; clamped to the device's limit */
    vkgpt__reduction_t reduction;
} vkgpt__kernel_info_t;

const vkgpt__kernel_info_t *vkgpt__kernel_info(vkgpt__kernel_id_t id);

#endif
