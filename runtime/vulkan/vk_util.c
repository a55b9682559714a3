/* vk_util.c: VkResult names and their mapping onto vkgpt status codes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "env.h"

#include "vulkan/vk.h"

const char *vkgpt__vk_result_name(VkResult r) {
    switch (r) {
#define NAME(x) \
    case x:     \
        return #x
        NAME(VK_SUCCESS);
        NAME(VK_NOT_READY);
        NAME(VK_TIMEOUT);
        NAME(VK_INCOMPLETE);
        NAME(VK_ERROR_OUT_OF_HOST_MEMORY);
        NAME(VK_ERROR_OUT_OF_DEVICE_MEMORY);
        NAME(VK_ERROR_INITIALIZATION_FAILED);
        NAME(VK_ERROR_DEVICE_LOST);
        NAME(VK_ERROR_MEMORY_MAP_FAILED);
        NAME(VK_ERROR_LAYER_NOT_PRESENT);
        NAME(VK_ERROR_EXTENSION_NOT_PRESENT);
        NAME(VK_ERROR_FEATURE_NOT_PRESENT);
        NAME(VK_ERROR_INCOMPATIBLE_DRIVER);
        NAME(VK_ERROR_TOO_MANY_OBJECTS);
        NAME(VK_ERROR_FORMAT_NOT_SUPPORTED);
        NAME(VK_ERROR_FRAGMENTED_POOL);
        NAME(VK_ERROR_OUT_OF_POOL_MEMORY);
        NAME(VK_ERROR_INVALID_EXTERNAL_HANDLE);
        NAME(VK_ERROR_FRAGMENTATION);
        NAME(VK_PIPELINE_COMPILE_REQUIRED);
#undef NAME
    default:
        return "VK_ERROR_UNKNOWN";
    }
}

vkgpt_status_t vkgpt__status_from_vk(VkResult r) {
    switch (r) {
    case VK_SUCCESS:
        return VKGPT_OK;
    case VK_ERROR_OUT_OF_HOST_MEMORY:
        return VKGPT_ERR_OUT_OF_HOST_MEMORY;
    case VK_ERROR_OUT_OF_DEVICE_MEMORY:
    case VK_ERROR_OUT_OF_POOL_MEMORY:
    case VK_ERROR_FRAGMENTED_POOL:
    case VK_ERROR_FRAGMENTATION:
    case VK_ERROR_TOO_MANY_OBJECTS:
        return VKGPT_ERR_OUT_OF_DEVICE_MEMORY;
    case VK_ERROR_DEVICE_LOST:
        return VKGPT_ERR_DEVICE_LOST;
    case VK_TIMEOUT:
        return VKGPT_ERR_TIMEOUT;
    case VK_ERROR_INCOMPATIBLE_DRIVER:
        return VKGPT_ERR_NO_DEVICE;
    case VK_ERROR_FEATURE_NOT_PRESENT:
    case VK_ERROR_EXTENSION_NOT_PRESENT:
    case VK_ERROR_LAYER_NOT_PRESENT:
    case VK_ERROR_FORMAT_NOT_SUPPORTED:
        return VKGPT_ERR_UNSUPPORTED;
    default:
        return VKGPT_ERR_VULKAN;
    }
}

vkgpt_status_t vkgpt__vk_fail(vkgpt__error_t *err, VkResult r, const char *call, const char *what) {
    /* Keep only the function name of the call text: the arguments add noise, not meaning. */
    char name[96];
    size_t i = 0;
    while (call[i] && call[i] != '(' && i + 1 < sizeof(name)) {
        name[i] = call[i];
        i++;
    }
    name[i] = '\0';
    return vkgpt__error_set(err, vkgpt__status_from_vk(r), "%s returned %s while %s", name,
                            vkgpt__vk_result_name(r), what);
}

void vkgpt__fault_init(vkgpt__fault_t *f) {
    memset(f, 0, sizeof(*f));
    const char *spec = vkgpt__env_fault();
    if (!spec) {
        return;
    }
    char point[16] = {0}, result[16] = "oom";
    unsigned n = 0;
    if (sscanf(spec, "%15[a-z]:%u:%15[a-z]", point, &n, result) < 2 || n == 0) {
        VKGPT_LOGW("VKGPT_FAULT=%s is not POINT:N[:RESULT]; ignored", spec);
        return;
    }
    f->point = !strcmp(point, "alloc")    ? VKGPT__FAULT_ALLOC
               : !strcmp(point, "submit") ? VKGPT__FAULT_SUBMIT
               : !strcmp(point, "wait")   ? VKGPT__FAULT_WAIT
                                          : VKGPT__FAULT_NONE;
    f->result = !strcmp(result, "lost")      ? VK_ERROR_DEVICE_LOST
                : !strcmp(result, "timeout") ? VK_TIMEOUT
                                             : VK_ERROR_OUT_OF_DEVICE_MEMORY;
    f->countdown = n - 1;
}

VkResult vkgpt__fault_hit(vkgpt__device_t *dev, vkgpt__fault_point_t point) {
    if (dev->fault.point != point) {
        return VK_SUCCESS;
    }
    mtx_lock(&dev->fault_mutex);
    VkResult r = VK_SUCCESS;
    if (!dev->fault.fired) {
        if (dev->fault.countdown == 0) {
            dev->fault.fired = true;
            r = dev->fault.result;
        } else {
            dev->fault.countdown--;
        }
    }
    mtx_unlock(&dev->fault_mutex);
    return r;
}
