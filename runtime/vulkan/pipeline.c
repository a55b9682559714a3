/* pipeline.c: compute pipelines, created on first use with specialization constants chosen
 * from the device's limits, and the on-disk VkPipelineCache that makes the second start fast
 * (pipeline creation is a JIT compile on lavapipe: seconds for a model's set). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "env.h"
#include "vulkan/shaders.h"
#include "vulkan/vk.h"

/* A cache file larger than this is not ours to trust. */
#define MAX_CACHE_FILE_BYTES (256u << 20)

/* Specialization constants shared by all kernels: 0 = workgroup size, 1 = the most keys the
 * attention kernel keeps in shared memory. A kernel ignores the ones it does not declare. */
enum { SPEC_LOCAL_SIZE, SPEC_MAX_KEYS, SPEC_COUNT };

static uint32_t pow2_floor(uint32_t v) {
    uint32_t p = 1;
    while (p * 2 <= v) {
        p *= 2;
    }
    return p;
}

static uint32_t local_size_for(const vkgpt__device_t *dev, const vkgpt__kernel_info_t *info) {
    uint32_t limit = dev->caps.max_workgroup_invocations;
    if (dev->caps.max_workgroup_size[0] < limit) {
        limit = dev->caps.max_workgroup_size[0];
    }
    uint32_t size = info->local_size < limit ? info->local_size : limit;
    return pow2_floor(size);
}

/* Shared memory left for attention scores after the reduction buffer (one float per
 * invocation), less a margin for what the compiler adds. */
static uint32_t max_keys_for(const vkgpt__device_t *dev, uint32_t local_size) {
    uint32_t bytes = dev->caps.max_shared_memory;
    uint32_t reserved = local_size * 4 + 1024;
    uint32_t keys = bytes > reserved ? (bytes - reserved) / 4 : 0;
    return keys > 8192 ? 8192 : keys;
}

uint32_t vkgpt__attention_max_keys(const vkgpt__device_t *dev) {
    return max_keys_for(dev, local_size_for(dev, vkgpt__kernel_info(VKGPT__KERNEL_ATTENTION)));
}

static const char *module_name(const vkgpt__device_t *dev, const vkgpt__kernel_info_t *info,
                               char *buf, size_t size) {
    if (info->reduction == VKGPT__REDUCTION_NONE) {
        return info->module;
    }
    snprintf(buf, size, "%s_%s", info->module, dev->caps.subgroup_arithmetic ? "sg" : "sh");
    return buf;
}

static vkgpt_status_t create_layouts(vkgpt__device_t *dev, const vkgpt__kernel_info_t *info,
                                     vkgpt__pipeline_t *p) {
    vkgpt_status_t st;
    VkDescriptorSetLayoutBinding bindings[VKGPT__MAX_BINDINGS];
    for (uint32_t i = 0; i < info->n_bindings; i++) {
        bindings[i] = (VkDescriptorSetLayoutBinding){
            .binding = i,
            .descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER,
            .descriptorCount = 1,
            .stageFlags = VK_SHADER_STAGE_COMPUTE_BIT,
        };
    }
    VkDescriptorSetLayoutCreateInfo set_info = {
        .sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO,
        .bindingCount = info->n_bindings,
        .pBindings = bindings,
    };
    VKGPT__VK_TRY(&dev->error, vkCreateDescriptorSetLayout(dev->vk, &set_info, NULL,
                                                           &p->set_layout),
                  "creating a descriptor set layout", fail);

    VkPushConstantRange push = {VK_SHADER_STAGE_COMPUTE_BIT, 0, info->push_size};
    VkPipelineLayoutCreateInfo layout_info = {
        .sType = VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO,
        .setLayoutCount = 1,
        .pSetLayouts = &p->set_layout,
        .pushConstantRangeCount = info->push_size ? 1 : 0,
        .pPushConstantRanges = &push,
    };
    VKGPT__VK_TRY(&dev->error, vkCreatePipelineLayout(dev->vk, &layout_info, NULL, &p->layout),
                  "creating a pipeline layout", fail);
    return VKGPT_OK;
fail:
    return st;
}

static vkgpt_status_t create_pipeline(vkgpt__device_t *dev, const vkgpt__kernel_info_t *info,
                                      vkgpt__pipeline_t *p) {
    vkgpt_status_t st;
    char buf[96];
    const char *name = module_name(dev, info, buf, sizeof(buf));
    const vkgpt__shader_module_t *spv = vkgpt__shader_find(name);
    if (!spv) {
        return vkgpt__error_set(&dev->error, VKGPT_ERR_INTERNAL,
                                "shader module %s is not embedded in this build", name);
    }
    if (info->push_size > dev->caps.max_push_constants) {
        return vkgpt__error_set(&dev->error, VKGPT_ERR_UNSUPPORTED,
                                "%s needs %u bytes of push constants; the device has %u",
                                info->name, info->push_size, dev->caps.max_push_constants);
    }
    st = create_layouts(dev, info, p);
    if (st != VKGPT_OK) {
        return st;
    }

    VkShaderModuleCreateInfo module_info = {
        .sType = VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO,
        .codeSize = spv->size_bytes,
        .pCode = spv->words,
    };
    VkShaderModule module;
    char doing[128];
    snprintf(doing, sizeof(doing), "creating the %s pipeline", name);
    VKGPT__VK_TRY(&dev->error, vkCreateShaderModule(dev->vk, &module_info, NULL, &module), doing,
                  fail);

    uint32_t local_size = local_size_for(dev, info);
    uint32_t spec_values[SPEC_COUNT] = {local_size, max_keys_for(dev, local_size)};
    VkSpecializationMapEntry entries[SPEC_COUNT] = {
        {SPEC_LOCAL_SIZE, 0, sizeof(uint32_t)},
        {SPEC_MAX_KEYS, sizeof(uint32_t), sizeof(uint32_t)},
    };
    VkSpecializationInfo spec = {SPEC_COUNT, entries, sizeof(spec_values), spec_values};
    VkComputePipelineCreateInfo pipe_info = {
        .sType = VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO,
        .stage = {
            .sType = VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO,
            .stage = VK_SHADER_STAGE_COMPUTE_BIT,
            .module = module,
            .pName = "main",
            .pSpecializationInfo = &spec,
        },
        .layout = p->layout,
    };
    VkResult r = vkCreateComputePipelines(dev->vk, dev->pipeline_cache, 1, &pipe_info, NULL,
                                          &p->pipeline);
    vkDestroyShaderModule(dev->vk, module, NULL);
    if (r != VK_SUCCESS) {
        st = vkgpt__vk_fail(&dev->error, r, "vkCreateComputePipelines", doing);
        goto fail;
    }
    return VKGPT_OK;

fail:
    if (p->layout) {
        vkDestroyPipelineLayout(dev->vk, p->layout, NULL);
    }
    if (p->set_layout) {
        vkDestroyDescriptorSetLayout(dev->vk, p->set_layout, NULL);
    }
    memset(p, 0, sizeof(*p));
    return st;
}

vkgpt_status_t vkgpt__pipeline_get(vkgpt__device_t *dev, vkgpt__kernel_id_t id,
                                   const vkgpt__pipeline_t **out) {
    const vkgpt__kernel_info_t *info = vkgpt__kernel_info(id);
    VKGPT__CHECK_INTERNAL(info != NULL);
    vkgpt_status_t st = VKGPT_OK;
    mtx_lock(&dev->pipeline_mutex);
    vkgpt__pipeline_t *p = &dev->pipelines[id];
    if (!p->pipeline) {
        st = create_pipeline(dev, info, p);
    }
    mtx_unlock(&dev->pipeline_mutex);
    *out = p;
    return st;
}

void vkgpt__pipelines_destroy(vkgpt__device_t *dev) {
    for (int i = 0; i < VKGPT__KERNEL_COUNT; i++) {
        vkgpt__pipeline_t *p = &dev->pipelines[i];
        if (p->pipeline) {
            vkDestroyPipeline(dev->vk, p->pipeline, NULL);
            vkDestroyPipelineLayout(dev->vk, p->layout, NULL);
            vkDestroyDescriptorSetLayout(dev->vk, p->set_layout, NULL);
        }
        memset(p, 0, sizeof(*p));
    }
    if (dev->pipeline_cache) {
        vkDestroyPipelineCache(dev->vk, dev->pipeline_cache, NULL);
        dev->pipeline_cache = VK_NULL_HANDLE;
    }
}

/* ---- The on-disk cache ---- */

static void *read_cache_file(const char *path, size_t *size) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        return NULL;
    }
    void *data = NULL;
    long n = -1;
    if (fseek(f, 0, SEEK_END) == 0) {
        n = ftell(f);
    }
    if (n > 0 && (unsigned long)n <= MAX_CACHE_FILE_BYTES && fseek(f, 0, SEEK_SET) == 0) {
        data = malloc((size_t)n);
        if (data && fread(data, 1, (size_t)n, f) != (size_t)n) {
            free(data);
            data = NULL;
        }
    }
    fclose(f);
    *size = data ? (size_t)n : 0;
    return data;
}

static bool make_dirs(char *path) {
    for (char *c = path + 1; *c; c++) {
        if (*c == '/') {
            *c = '\0';
            bool ok = mkdir(path, 0755) == 0 || errno == EEXIST;
            *c = '/';
            if (!ok) {
                return false;
            }
        }
    }
    return mkdir(path, 0755) == 0 || errno == EEXIST;
}

void vkgpt__pipeline_cache_open(vkgpt__device_t *dev) {
    char dir[768];
    dev->pipeline_cache_path[0] = '\0';
    if (vkgpt__env_pipeline_cache_enabled() && vkgpt__env_cache_dir(dir, sizeof(dir))) {
        /* One file per device and driver: the driver rejects a foreign header anyway, but
         * separate files keep two GPUs from overwriting each other's cache. */
        snprintf(dev->pipeline_cache_path, sizeof(dev->pipeline_cache_path),
                 "%s/pipelines-%04x-%04x-%08x.bin", dir, dev->caps.vendor_id,
                 dev->caps.device_id, dev->caps.driver_version);
    }
    size_t size = 0;
    void *data = dev->pipeline_cache_path[0] ? read_cache_file(dev->pipeline_cache_path, &size)
                                             : NULL;
    VkPipelineCacheCreateInfo info = {
        .sType = VK_STRUCTURE_TYPE_PIPELINE_CACHE_CREATE_INFO,
        .initialDataSize = size,
        .pInitialData = data,
    };
    if (vkCreatePipelineCache(dev->vk, &info, NULL, &dev->pipeline_cache) != VK_SUCCESS) {
        info.initialDataSize = 0, info.pInitialData = NULL;
        if (vkCreatePipelineCache(dev->vk, &info, NULL, &dev->pipeline_cache) != VK_SUCCESS) {
            dev->pipeline_cache = VK_NULL_HANDLE; /* pipelines still work, only slower */
        }
    }
    VKGPT_LOGD("pipeline cache %s: %zu bytes loaded", dev->pipeline_cache_path, size);
    free(data);
}

void vkgpt__pipeline_cache_save(vkgpt__device_t *dev) {
    if (!dev->pipeline_cache || !dev->pipeline_cache_path[0]) {
        return;
    }
    size_t size = 0;
    if (vkGetPipelineCacheData(dev->vk, dev->pipeline_cache, &size, NULL) != VK_SUCCESS ||
        size == 0) {
        return;
    }
    void *data = malloc(size);
    if (!data || vkGetPipelineCacheData(dev->vk, dev->pipeline_cache, &size, data) !=
                     VK_SUCCESS) {
        free(data);
        return;
    }

    char dir[1024], tmp[1100];
    snprintf(dir, sizeof(dir), "%s", dev->pipeline_cache_path);
    char *slash = strrchr(dir, '/');
    if (slash) {
        *slash = '\0';
    }
    /* Written beside the target and renamed, so a concurrent reader sees old or new, never
     * half a file. */
    snprintf(tmp, sizeof(tmp), "%s.%ld.tmp", dev->pipeline_cache_path, (long)getpid());
    FILE *f = make_dirs(dir) ? fopen(tmp, "wb") : NULL;
    bool ok = f && fwrite(data, 1, size, f) == size;
    if (f) {
        ok = (fclose(f) == 0) && ok;
    }
    if (ok && rename(tmp, dev->pipeline_cache_path) == 0) {
        VKGPT_LOGD("pipeline cache saved: %s (%zu bytes)", dev->pipeline_cache_path, size);
    } else {
        VKGPT_LOGW("could not save the pipeline cache to %s", dev->pipeline_cache_path);
        remove(tmp);
    }
    free(data);
}
