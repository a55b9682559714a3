/* shaders.c: lookup in the table of embedded SPIR-V modules. */
#include <string.h>

#include "vulkan/shaders.h"

const vkgpt__shader_module_t *vkgpt__shader_find(const char *name) {
    for (size_t i = 0; i < vkgpt__shader_module_count; i++) {
        if (strcmp(vkgpt__shader_modules[i].name, name) == 0) {
            return &vkgpt__shader_modules[i];
        }
    }
    return NULL;
}
