/* device.c: physical device features, device choice, and the public device calls. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "env.h"
#include "vulkan/vk.h"

/* Fence waits longer than this mean the device stopped answering. A single submission is one
 * transformer block or one LM-head chunk, which takes well under a second on a GPU and at most
 * tens of seconds for the largest preset's long prompts on lavapipe. */
#define FENCE_TIMEOUT_NS (300ull * 1000 * 1000 * 1000)

/* ---- Capabilities ---- */

static void query_features(VkPhysicalDevice phys, uint32_t api, vkgpt__device_caps_t *caps) {
    VkPhysicalDevice16BitStorageFeatures storage16 = {
        .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_16BIT_STORAGE_FEATURES,
    };
    VkPhysicalDeviceShaderFloat16Int8Features f16 = {
        .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_FLOAT16_INT8_FEATURES,
    };
    VkPhysicalDevice8BitStorageFeatures storage8 = {
        .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_8BIT_STORAGE_FEATURES,
    };
    /* The float16 and 8-bit structures are core only from 1.2; on 1.1 devices they would
     * need their extensions, which the runtime does not use, so they are left unasked. */
    if (api >= VK_API_VERSION_1_2) {
        storage16.pNext = &f16;
        f16.pNext = &storage8;
    }
    VkPhysicalDeviceFeatures2 features = {
        .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2,
        .pNext = &storage16,
    };
    vkGetPhysicalDeviceFeatures2(phys, &features);
    caps->storage_16bit = storage16.storageBuffer16BitAccess;
    caps->float16_arithmetic = f16.shaderFloat16;
    caps->storage_8bit = storage8.storageBuffer8BitAccess;
}

static void query_properties(VkPhysicalDevice phys, vkgpt__device_caps_t *caps) {
    VkPhysicalDeviceSubgroupProperties subgroup = {
        .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_PROPERTIES,
    };
    VkPhysicalDeviceMaintenance3Properties maint3 = {
        .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_MAINTENANCE_3_PROPERTIES,
        .pNext = &subgroup,
    };
    VkPhysicalDeviceDriverProperties driver = {
        .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_DRIVER_PROPERTIES,
        .pNext = &maint3,
    };
    VkPhysicalDeviceProperties basic;
    vkGetPhysicalDeviceProperties(phys, &basic);
    VkPhysicalDeviceProperties2 props = {
        .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2,
        .pNext = basic.apiVersion >= VK_API_VERSION_1_2 ? (void *)&driver : (void *)&maint3,
    };
    vkGetPhysicalDeviceProperties2(phys, &props);
    const VkPhysicalDeviceLimits *lim = &props.properties.limits;

    snprintf(caps->name, sizeof(caps->name), "%s", props.properties.deviceName);
    snprintf(caps->driver_name, sizeof(caps->driver_name), "%s", driver.driverName);
    snprintf(caps->driver_info, sizeof(caps->driver_info), "%s", driver.driverInfo);
    caps->type = props.properties.deviceType;
    caps->vendor_id = props.properties.vendorID;
    caps->device_id = props.properties.deviceID;
    caps->api_version = props.properties.apiVersion;
    caps->driver_version = props.properties.driverVersion;

    bool compute_subgroups = subgroup.supportedStages & VK_SHADER_STAGE_COMPUTE_BIT;
    caps->subgroup_size = compute_subgroups ? subgroup.subgroupSize : 0;
    caps->subgroup_ops = compute_subgroups ? subgroup.supportedOperations : 0;
    caps->subgroup_arithmetic = compute_subgroups &&
                                (subgroup.supportedOperations & VK_SUBGROUP_FEATURE_BASIC_BIT) &&
                                (subgroup.supportedOperations &
                                 VK_SUBGROUP_FEATURE_ARITHMETIC_BIT);

    caps->max_shared_memory = lim->maxComputeSharedMemorySize;
    caps->max_storage_range = lim->maxStorageBufferRange;
    caps->max_allocation = maint3.maxMemoryAllocationSize;
    caps->storage_offset_alignment = lim->minStorageBufferOffsetAlignment;
    memcpy(caps->max_workgroup_size, lim->maxComputeWorkGroupSize, sizeof(uint32_t) * 3);
    memcpy(caps->max_workgroup_count, lim->maxComputeWorkGroupCount, sizeof(uint32_t) * 3);
    caps->max_workgroup_invocations = lim->maxComputeWorkGroupInvocations;
    caps->max_push_constants = lim->maxPushConstantsSize;
    caps->timestamp_period_ns = lim->timestampPeriod;
}

static void query_memory(VkPhysicalDevice phys, vkgpt__device_caps_t *caps) {
    VkPhysicalDeviceMemoryProperties mem;
    vkGetPhysicalDeviceMemoryProperties(phys, &mem);
    for (uint32_t i = 0; i < mem.memoryHeapCount; i++) {
        if ((mem.memoryHeaps[i].flags & VK_MEMORY_HEAP_DEVICE_LOCAL_BIT) &&
            mem.memoryHeaps[i].size > caps->device_local_bytes) {
            caps->device_local_bytes = mem.memoryHeaps[i].size;
        }
    }
}

static int compute_queue_family(VkPhysicalDevice phys, bool *timestamps) {
    uint32_t count = 0;
    vkGetPhysicalDeviceQueueFamilyProperties(phys, &count, NULL);
    VkQueueFamilyProperties families[32];
    if (count > 32) {
        count = 32;
    }
    vkGetPhysicalDeviceQueueFamilyProperties(phys, &count, families);
    for (uint32_t i = 0; i < count; i++) {
        if (families[i].queueFlags & VK_QUEUE_COMPUTE_BIT) {
            *timestamps = families[i].timestampValidBits > 0;
            return (int)i;
        }
    }
    return -1;
}

static void apply_limit_overrides(vkgpt__device_caps_t *caps) {
    uint64_t range = vkgpt__env_max_buffer_range();
    uint64_t alloc = vkgpt__env_max_allocation();
    if (range && range < caps->max_storage_range) {
        caps->max_storage_range = range;
    }
    if (alloc && alloc < caps->max_allocation) {
        caps->max_allocation = alloc;
    }
}

void vkgpt__caps_query(VkPhysicalDevice phys, vkgpt__device_caps_t *caps) {
    memset(caps, 0, sizeof(*caps));
    query_properties(phys, caps);
    query_features(phys, caps->api_version, caps);
    query_memory(phys, caps);
    bool timestamps = false;
    if (compute_queue_family(phys, &timestamps) >= 0) {
        caps->timestamps = timestamps && caps->timestamp_period_ns > 0;
    }
    apply_limit_overrides(caps);
}

/* ---- Choice ---- */

static int type_rank(VkPhysicalDeviceType type) {
    switch (type) {
    case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU:
        return 0;
    case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU:
        return 1;
    case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU:
        return 2;
    case VK_PHYSICAL_DEVICE_TYPE_CPU:
        return 3;
    default:
        return 4;
    }
}

static bool parse_index(const char *s, uint32_t *out) {
    if (!*s) {
        return false;
    }
    for (const char *c = s; *c; c++) {
        if (!isdigit((unsigned char)*c)) {
            return false;
        }
    }
    errno = 0;
    unsigned long v = strtoul(s, NULL, 10);
    if (errno || v > UINT32_MAX) {
        return false;
    }
    *out = (uint32_t)v;
    return true;
}

static bool name_contains(const char *name, const char *needle) {
    size_t n = strlen(needle);
    for (const char *c = name; *c; c++) {
        if (strncasecmp(c, needle, n) == 0) {
            return true;
        }
    }
    return n == 0;
}

static void list_names(const vkgpt__physical_list_t *list, char *buf, size_t size) {
    size_t used = 0;
    buf[0] = '\0';
    for (uint32_t i = 0; i < list->count && used < size; i++) {
        VkPhysicalDeviceProperties p;
        vkGetPhysicalDeviceProperties(list->devices[i], &p);
        int n = snprintf(buf + used, size - used, "%s%u: %s", i ? ", " : "", i, p.deviceName);
        used += n > 0 ? (size_t)n : 0;
    }
}

vkgpt_status_t vkgpt__device_choose(const vkgpt__physical_list_t *list, const char *selector,
                                    uint32_t *out_index, vkgpt__error_t *err) {
    char names[1024];
    if (selector) {
        uint32_t index;
        if (parse_index(selector, &index)) {
            if (index < list->count) {
                *out_index = index;
                return VKGPT_OK;
            }
            list_names(list, names, sizeof(names));
            return vkgpt__error_set(err, VKGPT_ERR_NO_DEVICE,
                                    "device index %u is out of range: there are %u device(s) "
                                    "(%s)", index, list->count, names);
        }
        for (uint32_t i = 0; i < list->count; i++) {
            VkPhysicalDeviceProperties p;
            vkGetPhysicalDeviceProperties(list->devices[i], &p);
            if (name_contains(p.deviceName, selector)) {
                *out_index = i;
                return VKGPT_OK;
            }
        }
        list_names(list, names, sizeof(names));
        return vkgpt__error_set(err, VKGPT_ERR_NO_DEVICE,
                                "no device name contains \"%s\" (devices: %s)", selector, names);
    }

    int best = -1, best_rank = 99;
    for (uint32_t i = 0; i < list->count; i++) {
        VkPhysicalDeviceProperties p;
        vkGetPhysicalDeviceProperties(list->devices[i], &p);
        if (p.apiVersion < VK_API_VERSION_1_1) {
            continue;
        }
        int rank = type_rank(p.deviceType);
        if (rank < best_rank) {
            best = (int)i, best_rank = rank;
        }
    }
    if (best < 0) {
        return vkgpt__error_set(err, VKGPT_ERR_NO_DEVICE,
                                "no device supports Vulkan 1.1, which vkgpt needs");
    }
    *out_index = (uint32_t)best;
    return VKGPT_OK;
}

/* ---- Public calls ---- */

static vkgpt_device_type_t public_type(VkPhysicalDeviceType t) {
    switch (t) {
    case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU:
        return VKGPT_DEVICE_TYPE_INTEGRATED;
    case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU:
        return VKGPT_DEVICE_TYPE_DISCRETE;
    case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU:
        return VKGPT_DEVICE_TYPE_VIRTUAL;
    case VK_PHYSICAL_DEVICE_TYPE_CPU:
        return VKGPT_DEVICE_TYPE_CPU;
    default:
        return VKGPT_DEVICE_TYPE_OTHER;
    }
}

static void fill_info(const vkgpt__device_caps_t *caps, uint32_t index, vkgpt_device_info_t *info) {
    /* Copy only as many bytes as the caller's struct has: older callers pass smaller ones. */
    vkgpt_device_info_t full;
    memset(&full, 0, sizeof(full));
    size_t size = info->struct_size ? info->struct_size : sizeof(full);
    if (size > sizeof(full)) {
        size = sizeof(full);
    }
    full.struct_size = (uint32_t)size;
    full.index = index;
    snprintf(full.name, sizeof(full.name), "%s", caps->name);
    snprintf(full.driver_name, sizeof(full.driver_name), "%s", caps->driver_name);
    snprintf(full.driver_info, sizeof(full.driver_info), "%s", caps->driver_info);
    full.type = public_type(caps->type);
    full.vendor_id = caps->vendor_id;
    full.device_id = caps->device_id;
    full.api_version = caps->api_version;
    full.storage_16bit = caps->storage_16bit;
    full.float16 = caps->float16_arithmetic;
    full.storage_8bit = caps->storage_8bit;
    full.subgroup_size = caps->subgroup_size;
    full.subgroup_arithmetic = caps->subgroup_arithmetic;
    full.max_shared_memory = caps->max_shared_memory;
    full.max_storage_buffer_range = caps->max_storage_range;
    full.max_allocation_size = caps->max_allocation;
    full.device_local_bytes = caps->device_local_bytes;
    memcpy(full.max_workgroup_size, caps->max_workgroup_size, sizeof(full.max_workgroup_size));
    full.max_workgroup_invocations = caps->max_workgroup_invocations;
    full.timestamps = caps->timestamps;
    memcpy(info, &full, size);
}

VKGPT_API vkgpt_status_t vkgpt_devices_list(vkgpt_device_info_t *infos, size_t capacity,
                                            size_t *out_count) {
    vkgpt__error_t err;
    vkgpt__error_clear(&err);
    if (!out_count || (capacity && !infos)) {
        vkgpt__error_set(&err, VKGPT_ERR_INVALID_ARGUMENT, "vkgpt_devices_list: NULL output");
        return vkgpt__thread_error_set(&err);
    }
    vkgpt__physical_list_t list;
    vkgpt_status_t st = vkgpt__instance_open(false, NULL, &list, &err);
    if (st != VKGPT_OK) {
        *out_count = 0;
        return vkgpt__thread_error_set(&err);
    }
    for (uint32_t i = 0; i < list.count && i < capacity; i++) {
        vkgpt__device_caps_t caps;
        vkgpt__caps_query(list.devices[i], &caps);
        fill_info(&caps, i, &infos[i]);
    }
    *out_count = list.count;
    vkgpt__instance_close(&list);
    return VKGPT_OK;
}

VKGPT_API void vkgpt_device_params_init(vkgpt_device_params_t *params) {
    if (!params) {
        return;
    }
    memset(params, 0, sizeof(*params));
    params->struct_size = sizeof(*params);
    params->validation = -1;
}

static vkgpt_status_t create_logical(vkgpt__device_t *dev, vkgpt__error_t *err) {
    vkgpt_status_t st;
    bool timestamps = false;
    int family = compute_queue_family(dev->physical, &timestamps);
    if (family < 0) {
        return vkgpt__error_set(err, VKGPT_ERR_UNSUPPORTED,
                                "device \"%s\" has no compute queue", dev->caps.name);
    }
    dev->queue_family = (uint32_t)family;

    float priority = 1.0f;
    VkDeviceQueueCreateInfo queue_info = {
        .sType = VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO,
        .queueFamilyIndex = dev->queue_family,
        .queueCount = 1,
        .pQueuePriorities = &priority,
    };
    /* No optional feature is enabled: f16 weights are read as packed 32-bit words, so the
     * shaders run on devices without 16-bit storage too. */
    VkDeviceCreateInfo info = {
        .sType = VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO,
        .queueCreateInfoCount = 1,
        .pQueueCreateInfos = &queue_info,
    };
    VKGPT__VK_TRY(err, vkCreateDevice(dev->physical, &info, NULL, &dev->vk),
                  "creating the logical device", fail);
    vkGetDeviceQueue(dev->vk, dev->queue_family, 0, &dev->queue);
    return VKGPT_OK;
fail:
    return st;
}

static void device_free(vkgpt__device_t *dev) {
    if (dev->vk) {
        vkDeviceWaitIdle(dev->vk);
        vkgpt__pipeline_cache_save(dev);
        vkgpt__pipelines_destroy(dev);
        vkDestroyDevice(dev->vk, NULL);
    }
    vkgpt__physical_list_t list = {
        .instance = dev->instance,
        .messenger = dev->messenger,
    };
    vkgpt__instance_close(&list);
    mtx_destroy(&dev->pipeline_mutex);
    mtx_destroy(&dev->queue_mutex);
    mtx_destroy(&dev->fault_mutex);
    free(dev);
}

static vkgpt_status_t device_open(vkgpt__device_t *dev, const vkgpt_device_params_t *params,
                                  vkgpt__error_t *err) {
    bool validate = params->validation < 0 ? vkgpt__env_validate() : params->validation > 0;
    vkgpt__physical_list_t list;
    vkgpt_status_t st = vkgpt__instance_open(validate, &dev->validation_messages, &list, err);
    if (st != VKGPT_OK) {
        return st;
    }
    dev->instance = list.instance;
    dev->messenger = list.messenger;

    const char *selector = params->selector ? params->selector : vkgpt__env_device();
    uint32_t index = 0;
    st = vkgpt__device_choose(&list, selector, &index, err);
    if (st == VKGPT_OK) {
        dev->index = index;
        dev->physical = list.devices[index];
    }
    free(list.devices);
    if (st != VKGPT_OK) {
        return st;
    }

    vkgpt__caps_query(dev->physical, &dev->caps);
    vkGetPhysicalDeviceMemoryProperties(dev->physical, &dev->memory_props);
    if (params->flags & VKGPT_DEVICE_FLAG_NO_SUBGROUPS) {
        dev->caps.subgroup_arithmetic = false;
    }
    st = create_logical(dev, err);
    if (st != VKGPT_OK) {
        return st;
    }
    vkgpt__pipeline_cache_open(dev);
    VKGPT_LOGI("device %u: %s (%s), subgroup size %u, storage range %llu MiB", dev->index,
               dev->caps.name, dev->caps.driver_name, dev->caps.subgroup_size,
               (unsigned long long)(dev->caps.max_storage_range >> 20));
    return VKGPT_OK;
}

VKGPT_API vkgpt_status_t vkgpt_device_create(const vkgpt_device_params_t *params,
                                             vkgpt_device_t **out_device) {
    vkgpt__error_t err;
    vkgpt__error_clear(&err);
    if (!out_device) {
        vkgpt__error_set(&err, VKGPT_ERR_INVALID_ARGUMENT, "vkgpt_device_create: NULL output");
        return vkgpt__thread_error_set(&err);
    }
    *out_device = NULL;
    vkgpt_device_params_t defaults;
    vkgpt_device_params_init(&defaults);
    if (params) {
        size_t n = params->struct_size < sizeof(defaults) ? params->struct_size : sizeof(defaults);
        memcpy(&defaults, params, n);
    }

    vkgpt__device_t *dev = calloc(1, sizeof(*dev));
    if (!dev) {
        vkgpt__error_set(&err, VKGPT_ERR_OUT_OF_HOST_MEMORY, "allocating a device");
        return vkgpt__thread_error_set(&err);
    }
    mtx_init(&dev->pipeline_mutex, mtx_plain);
    mtx_init(&dev->queue_mutex, mtx_plain);
    mtx_init(&dev->fault_mutex, mtx_plain);
    vkgpt__fault_init(&dev->fault);
    atomic_init(&dev->validation_messages, 0);
    dev->fence_timeout_ns = FENCE_TIMEOUT_NS;

    vkgpt_status_t st = device_open(dev, &defaults, &err);
    if (st != VKGPT_OK) {
        device_free(dev);
        return vkgpt__thread_error_set(&err);
    }
    *out_device = dev;
    return VKGPT_OK;
}

VKGPT_API void vkgpt_device_destroy(vkgpt_device_t *device) {
    if (device) {
        device_free(device);
    }
}

VKGPT_API vkgpt_status_t vkgpt_device_info(const vkgpt_device_t *device,
                                           vkgpt_device_info_t *info) {
    if (!device || !info) {
        return VKGPT_ERR_INVALID_ARGUMENT;
    }
    fill_info(&device->caps, device->index, info);
    return VKGPT_OK;
}

VKGPT_API const char *vkgpt_device_last_error(const vkgpt_device_t *device) {
    return device ? device->error.message : "";
}

VKGPT_API uint32_t vkgpt_device_validation_messages(const vkgpt_device_t *device) {
    return device ? atomic_load(&((vkgpt_device_t *)device)->validation_messages) : 0;
}
