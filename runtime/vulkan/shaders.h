/* shaders.h: the SPIR-V modules compiled from shaders/ at build time and embedded in the
 * library (see tools/embed_spirv.py), found by variant name such as "matmul_f16". */
#ifndef VKGPT_VULKAN_SHADERS_H
#define VKGPT_VULKAN_SHADERS_H

#include <stddef.h>
#include <stdint.h>

typedef struct vkgpt__shader_module {
    const char *name;
    const uint32_t *words;
    size_t size_bytes;
} vkgpt__shader_module_t;

extern const vkgpt__shader_module_t vkgpt__shader_modules[];
extern const size_t vkgpt__shader_module_count;

/* NULL when no module has that name. */
const vkgpt__shader_module_t *vkgpt__shader_find(const char *name);

#endif
