/* memory.c: device-local and host-visible buffers, arenas that sub-allocate from large blocks,
 * and staged uploads and downloads. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vulkan/vk.h"

#define BUFFER_USAGE                                                                          \
    (VK_BUFFER_USAGE_STORAGE_BUFFER_BIT | VK_BUFFER_USAGE_TRANSFER_SRC_BIT |                  \
     VK_BUFFER_USAGE_TRANSFER_DST_BIT)

/* Uploads and downloads go through a staging buffer of at most this size, so a 3 GB model
 * needs no 3 GB of extra host-visible memory. */
#define STAGING_BYTES (64ull << 20)

static int find_memory_type(const vkgpt__device_t *dev, uint32_t type_bits,
                            VkMemoryPropertyFlags want, VkMemoryPropertyFlags avoid) {
    const VkPhysicalDeviceMemoryProperties *mp = &dev->memory_props;
    for (uint32_t i = 0; i < mp->memoryTypeCount; i++) {
        VkMemoryPropertyFlags f = mp->memoryTypes[i].propertyFlags;
        if ((type_bits & (1u << i)) && (f & want) == want && !(f & avoid)) {
            return (int)i;
        }
    }
    return -1;
}

static int device_memory_type(const vkgpt__device_t *dev, uint32_t type_bits) {
    int t = find_memory_type(dev, type_bits, VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT, 0);
    return t >= 0 ? t : find_memory_type(dev, type_bits, 0, 0);
}

static int host_memory_type(const vkgpt__device_t *dev, uint32_t type_bits) {
    return find_memory_type(dev, type_bits,
                            VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT |
                                VK_MEMORY_PROPERTY_HOST_COHERENT_BIT,
                            0);
}

static vkgpt_status_t check_allocation_size(vkgpt__device_t *dev, VkDeviceSize size,
                                            const char *what) {
    if (size == 0) {
        return vkgpt__error_set(&dev->error, VKGPT_ERR_INVALID_ARGUMENT,
                                "zero-sized buffer requested for %s", what);
    }
    if (size > dev->caps.max_allocation) {
        return vkgpt__error_set(&dev->error, VKGPT_ERR_OUT_OF_DEVICE_MEMORY,
                                "%s needs %llu bytes in one allocation; device \"%s\" allows at "
                                "most %llu", what, (unsigned long long)size, dev->caps.name,
                                (unsigned long long)dev->caps.max_allocation);
    }
    return VKGPT_OK;
}

static vkgpt_status_t buffer_create_with(vkgpt__device_t *dev, VkDeviceSize size, bool host,
                                         vkgpt__buffer_t *out, const char *what) {
    vkgpt_status_t st = check_allocation_size(dev, size, what);
    if (st != VKGPT_OK) {
        return st;
    }
    memset(out, 0, sizeof(*out));
    out->size = size;
    out->owns_memory = true;

    char doing[160];
    snprintf(doing, sizeof(doing), "allocating %llu bytes for %s", (unsigned long long)size,
             what);
    VkBufferCreateInfo info = {
        .sType = VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO,
        .size = size,
        .usage = BUFFER_USAGE,
        .sharingMode = VK_SHARING_MODE_EXCLUSIVE,
    };
    VKGPT__VK_TRY(&dev->error, vkCreateBuffer(dev->vk, &info, NULL, &out->buffer), doing, fail);

    VkMemoryRequirements req;
    vkGetBufferMemoryRequirements(dev->vk, out->buffer, &req);
    int type = host ? host_memory_type(dev, req.memoryTypeBits)
                    : device_memory_type(dev, req.memoryTypeBits);
    if (type < 0) {
        st = vkgpt__error_set(&dev->error, VKGPT_ERR_UNSUPPORTED,
                              "no suitable memory type while %s", doing);
        goto fail_buffer;
    }
    VkMemoryAllocateInfo alloc = {
        .sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO,
        .allocationSize = req.size,
        .memoryTypeIndex = (uint32_t)type,
    };
    VKGPT__VK_TRY(&dev->error,
                  VKGPT__FAULT_OR(dev, VKGPT__FAULT_ALLOC,
                                  vkAllocateMemory(dev->vk, &alloc, NULL, &out->memory)),
                  doing, fail_buffer);
    VKGPT__VK_TRY(&dev->error, vkBindBufferMemory(dev->vk, out->buffer, out->memory, 0), doing,
                  fail_memory);
    if (host) {
        VKGPT__VK_TRY(&dev->error, vkMapMemory(dev->vk, out->memory, 0, VK_WHOLE_SIZE, 0,
                                               &out->mapped),
                      doing, fail_memory);
    }
    return VKGPT_OK;

fail_memory:
    vkFreeMemory(dev->vk, out->memory, NULL);
fail_buffer:
    vkDestroyBuffer(dev->vk, out->buffer, NULL);
fail:
    memset(out, 0, sizeof(*out));
    return st;
}

vkgpt_status_t vkgpt__buffer_create(vkgpt__device_t *dev, VkDeviceSize size,
                                    vkgpt__buffer_t *out, const char *what) {
    return buffer_create_with(dev, size, false, out, what);
}

vkgpt_status_t vkgpt__buffer_create_host(vkgpt__device_t *dev, VkDeviceSize size,
                                         vkgpt__buffer_t *out, const char *what) {
    return buffer_create_with(dev, size, true, out, what);
}

void vkgpt__buffer_destroy(vkgpt__device_t *dev, vkgpt__buffer_t *b) {
    if (!b || !b->buffer) {
        return;
    }
    vkDestroyBuffer(dev->vk, b->buffer, NULL);
    if (b->owns_memory && b->memory) {
        if (b->mapped) {
            vkUnmapMemory(dev->vk, b->memory);
        }
        vkFreeMemory(dev->vk, b->memory, NULL);
    }
    memset(b, 0, sizeof(*b));
}

/* ---- Arenas ---- */

typedef struct arena_block {
    VkDeviceMemory memory;
    VkDeviceSize size;
    VkDeviceSize used;
    uint32_t type;
    uint8_t *mapped; /* when the memory is also host-visible (integrated GPUs, lavapipe) */
} arena_block_t;

struct vkgpt__arena {
    vkgpt__device_t *dev;
    VkDeviceSize block_size;
    arena_block_t *blocks;
    size_t n_blocks, cap_blocks;
    VkBuffer *buffers;
    size_t n_buffers, cap_buffers;
    VkDeviceSize bytes;
};

vkgpt_status_t vkgpt__arena_create(vkgpt__device_t *dev, VkDeviceSize block_size,
                                   vkgpt__arena_t **out) {
    vkgpt__arena_t *a = calloc(1, sizeof(*a));
    if (!a) {
        return vkgpt__error_set(&dev->error, VKGPT_ERR_OUT_OF_HOST_MEMORY, "creating an arena");
    }
    a->dev = dev;
    a->block_size = block_size < dev->caps.max_allocation ? block_size : dev->caps.max_allocation;
    *out = a;
    return VKGPT_OK;
}

static bool grow(void **array, size_t *cap, size_t need, size_t elem) {
    if (need <= *cap) {
        return true;
    }
    size_t n = *cap ? *cap * 2 : 16;
    while (n < need) {
        n *= 2;
    }
    void *p = realloc(*array, n * elem);
    if (!p) {
        return false;
    }
    *array = p;
    *cap = n;
    return true;
}

static VkDeviceSize align_up(VkDeviceSize v, VkDeviceSize a) {
    return a ? (v + a - 1) / a * a : v;
}

/* Finds room for req in an existing block of a compatible type, or adds a block. */
static vkgpt_status_t arena_place(vkgpt__arena_t *a, const VkMemoryRequirements *req,
                                  arena_block_t **out_block, VkDeviceSize *out_offset,
                                  const char *what) {
    vkgpt__device_t *dev = a->dev;
    for (size_t i = 0; i < a->n_blocks; i++) {
        arena_block_t *b = &a->blocks[i];
        VkDeviceSize off = align_up(b->used, req->alignment);
        if ((req->memoryTypeBits & (1u << b->type)) && off + req->size <= b->size) {
            *out_block = b, *out_offset = off;
            return VKGPT_OK;
        }
    }

    int type = device_memory_type(dev, req->memoryTypeBits);
    if (type < 0) {
        return vkgpt__error_set(&dev->error, VKGPT_ERR_UNSUPPORTED,
                                "no device memory type suits %s", what);
    }
    VkDeviceSize size = req->size > a->block_size ? req->size : a->block_size;
    vkgpt_status_t st = check_allocation_size(dev, size, what);
    if (st != VKGPT_OK) {
        return st;
    }
    if (!grow((void **)&a->blocks, &a->cap_blocks, a->n_blocks + 1, sizeof(*a->blocks))) {
        return vkgpt__error_set(&dev->error, VKGPT_ERR_OUT_OF_HOST_MEMORY, "arena bookkeeping");
    }
    char doing[160];
    snprintf(doing, sizeof(doing), "allocating a %llu-byte memory block for %s",
             (unsigned long long)size, what);
    VkMemoryAllocateInfo alloc = {
        .sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO,
        .allocationSize = size,
        .memoryTypeIndex = (uint32_t)type,
    };
    arena_block_t *b = &a->blocks[a->n_blocks];
    VKGPT__VK_TRY(&dev->error,
                  VKGPT__FAULT_OR(dev, VKGPT__FAULT_ALLOC,
                                  vkAllocateMemory(dev->vk, &alloc, NULL, &b->memory)),
                  doing, fail);
    b->size = size, b->used = 0, b->type = (uint32_t)type, b->mapped = NULL;
    a->n_blocks++;

    /* Device-local memory that the host can also see needs no staging copies: uploads into it
     * become a memcpy, and loading a model submits nothing. */
    VkMemoryPropertyFlags host = VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT |
                                 VK_MEMORY_PROPERTY_HOST_COHERENT_BIT;
    void *p = NULL;
    if ((dev->memory_props.memoryTypes[type].propertyFlags & host) == host &&
        vkMapMemory(dev->vk, b->memory, 0, VK_WHOLE_SIZE, 0, &p) == VK_SUCCESS) {
        b->mapped = p;
    }
    *out_block = b, *out_offset = 0;
    return VKGPT_OK;
fail:
    return st;
}

vkgpt_status_t vkgpt__arena_alloc(vkgpt__arena_t *a, VkDeviceSize size, vkgpt__buffer_t *out,
                                  const char *what) {
    vkgpt__device_t *dev = a->dev;
    vkgpt_status_t st = check_allocation_size(dev, size, what);
    if (st != VKGPT_OK) {
        return st;
    }
    if (!grow((void **)&a->buffers, &a->cap_buffers, a->n_buffers + 1, sizeof(*a->buffers))) {
        return vkgpt__error_set(&dev->error, VKGPT_ERR_OUT_OF_HOST_MEMORY, "arena bookkeeping");
    }
    memset(out, 0, sizeof(*out));
    VkBufferCreateInfo info = {
        .sType = VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO,
        .size = size,
        .usage = BUFFER_USAGE,
        .sharingMode = VK_SHARING_MODE_EXCLUSIVE,
    };
    VKGPT__VK_TRY(&dev->error, vkCreateBuffer(dev->vk, &info, NULL, &out->buffer),
                  "creating a buffer in an arena", fail);

    VkMemoryRequirements req;
    vkGetBufferMemoryRequirements(dev->vk, out->buffer, &req);
    arena_block_t *block = NULL;
    VkDeviceSize offset = 0;
    st = arena_place(a, &req, &block, &offset, what);
    if (st != VKGPT_OK) {
        goto fail_buffer;
    }
    VKGPT__VK_TRY(&dev->error, vkBindBufferMemory(dev->vk, out->buffer, block->memory, offset),
                  "binding arena memory", fail_buffer);
    block->used = offset + req.size;
    a->buffers[a->n_buffers++] = out->buffer;
    a->bytes += req.size;
    out->memory = block->memory;
    out->size = size;
    out->mapped = block->mapped ? block->mapped + offset : NULL;
    return VKGPT_OK;

fail_buffer:
    vkDestroyBuffer(dev->vk, out->buffer, NULL);
    out->buffer = VK_NULL_HANDLE;
fail:
    return st;
}

VkDeviceSize vkgpt__arena_bytes(const vkgpt__arena_t *a) {
    return a ? a->bytes : 0;
}

void vkgpt__arena_destroy(vkgpt__arena_t *a) {
    if (!a) {
        return;
    }
    for (size_t i = 0; i < a->n_buffers; i++) {
        vkDestroyBuffer(a->dev->vk, a->buffers[i], NULL);
    }
    for (size_t i = 0; i < a->n_blocks; i++) {
        if (a->blocks[i].mapped) {
            vkUnmapMemory(a->dev->vk, a->blocks[i].memory);
        }
        vkFreeMemory(a->dev->vk, a->blocks[i].memory, NULL);
    }
    free(a->buffers);
    free(a->blocks);
    free(a);
}

/* ---- Transfers ---- */

typedef struct copy_job {
    VkBuffer src, dst;
    VkDeviceSize src_offset, dst_offset, size;
} copy_job_t;

static vkgpt_status_t record_copy(vkgpt__cmd_t *cmd, void *user) {
    const copy_job_t *job = user;
    return vkgpt__cmd_copy(cmd, job->src, job->src_offset, job->dst, job->dst_offset, job->size);
}

static vkgpt_status_t check_range(vkgpt__device_t *dev, const vkgpt__buffer_t *b,
                                  VkDeviceSize offset, size_t size, const char *what) {
    VkDeviceSize end;
    if (vkgpt__add_overflow_u64(offset, size, &end) || end > b->size) {
        return vkgpt__error_set(&dev->error, VKGPT_ERR_INVALID_ARGUMENT,
                                "%s of %zu bytes at offset %llu is outside a %llu-byte buffer",
                                what, size, (unsigned long long)offset,
                                (unsigned long long)b->size);
    }
    return VKGPT_OK;
}

static vkgpt_status_t transfer(vkgpt__device_t *dev, const vkgpt__buffer_t *dev_buf,
                               VkDeviceSize offset, void *host, size_t size, bool upload) {
    vkgpt_status_t st = check_range(dev, dev_buf, offset, size, upload ? "upload" : "download");
    if (st != VKGPT_OK || size == 0) {
        return st;
    }
    if (dev_buf->mapped) {
        uint8_t *p = (uint8_t *)dev_buf->mapped + offset;
        upload ? memcpy(p, host, size) : memcpy(host, p, size);
        return VKGPT_OK;
    }

    size_t chunk = size < STAGING_BYTES ? size : STAGING_BYTES;
    vkgpt__buffer_t staging;
    st = vkgpt__buffer_create_host(dev, chunk, &staging, "a staging buffer");
    if (st != VKGPT_OK) {
        return st;
    }
    for (size_t done = 0; done < size && st == VKGPT_OK; done += chunk) {
        size_t n = size - done < chunk ? size - done : chunk;
        copy_job_t job = {.size = n};
        if (upload) {
            memcpy(staging.mapped, (const uint8_t *)host + done, n);
            job.src = staging.buffer, job.dst = dev_buf->buffer, job.dst_offset = offset + done;
        } else {
            job.src = dev_buf->buffer, job.src_offset = offset + done, job.dst = staging.buffer;
        }
        st = vkgpt__run_once(dev, record_copy, &job);
        if (st == VKGPT_OK && !upload) {
            memcpy((uint8_t *)host + done, staging.mapped, n);
        }
    }
    vkgpt__buffer_destroy(dev, &staging);
    return st;
}

vkgpt_status_t vkgpt__buffer_upload(vkgpt__device_t *dev, const vkgpt__buffer_t *dst,
                                    VkDeviceSize offset, const void *src, size_t size) {
    return transfer(dev, dst, offset, (void *)src, size, true);
}

vkgpt_status_t vkgpt__buffer_download(vkgpt__device_t *dev, const vkgpt__buffer_t *src,
                                      VkDeviceSize offset, void *dst, size_t size) {
    return transfer(dev, src, offset, dst, size, false);
}

typedef struct fill_job {
    VkBuffer buffer;
    VkDeviceSize offset, size;
    uint32_t pattern;
} fill_job_t;

static vkgpt_status_t record_fill(vkgpt__cmd_t *cmd, void *user) {
    const fill_job_t *job = user;
    return vkgpt__cmd_fill(cmd, job->buffer, job->offset, job->size, job->pattern);
}

vkgpt_status_t vkgpt__buffer_fill(vkgpt__device_t *dev, const vkgpt__buffer_t *dst,
                                  VkDeviceSize offset, VkDeviceSize size, uint32_t pattern) {
    vkgpt_status_t st = check_range(dev, dst, offset, size, "fill");
    if (st != VKGPT_OK || size == 0) {
        return st;
    }
    if (offset % 4 || size % 4) {
        return vkgpt__error_set(&dev->error, VKGPT_ERR_INVALID_ARGUMENT,
                                "fill offset and size must be multiples of 4");
    }
    fill_job_t job = {dst->buffer, offset, size, pattern};
    return vkgpt__run_once(dev, record_fill, &job);
}
