/* cmd.c: recording dispatches and copies with the barriers between them, submitting with a
 * fence and a finite wait, and timestamp queries. */
#include <stdlib.h>
#include <string.h>

#include "vulkan/vk.h"

/* Descriptor sets come from pools of this many sets; a recording that needs more adds a pool. */
#define SETS_PER_POOL 128

struct vkgpt__cmd {
    vkgpt__device_t *dev;
    VkCommandPool pool;
    VkCommandBuffer cb;
    VkFence fence;

    VkDescriptorPool *set_pools;
    uint32_t n_set_pools, cap_set_pools, active_set_pool;

    VkQueryPool queries;
    uint32_t max_timestamps, n_timestamps;
    /* Profiling recorders stamp after every dispatch; stamp_kernel[i] is the kernel whose
     * work ended at stamp i (stamp 0 marks the start). */
    vkgpt__kernel_id_t *stamp_kernel;

    uint32_t n_dispatches;
    bool pending_writes; /* something recorded since the last barrier */
    bool recording;
    bool in_flight;      /* submitted, and its fence wait failed: not yet known finished */
};

/* Waits once more for a submission whose wait failed, so that the command buffer and fence can
 * be reused or freed. A device that still does not answer is reported as lost. */
static vkgpt_status_t settle(vkgpt__cmd_t *cmd) {
    if (!cmd->in_flight) {
        return VKGPT_OK;
    }
    vkgpt__device_t *dev = cmd->dev;
    VkResult r = vkWaitForFences(dev->vk, 1, &cmd->fence, VK_TRUE, dev->fence_timeout_ns);
    if (r == VK_SUCCESS) {
        r = vkResetFences(dev->vk, 1, &cmd->fence);
    }
    if (r != VK_SUCCESS) {
        return vkgpt__error_set(&dev->error, VKGPT_ERR_DEVICE_LOST,
                                "earlier work never finished (%s); the device must be "
                                "recreated", vkgpt__vk_result_name(r));
    }
    cmd->in_flight = false;
    return VKGPT_OK;
}

static vkgpt_status_t add_set_pool(vkgpt__cmd_t *cmd) {
    vkgpt__device_t *dev = cmd->dev;
    vkgpt_status_t st;
    if (cmd->n_set_pools == cmd->cap_set_pools) {
        uint32_t cap = cmd->cap_set_pools ? cmd->cap_set_pools * 2 : 4;
        VkDescriptorPool *p = realloc(cmd->set_pools, cap * sizeof(*p));
        if (!p) {
            return vkgpt__error_set(&dev->error, VKGPT_ERR_OUT_OF_HOST_MEMORY,
                                    "growing descriptor pools");
        }
        cmd->set_pools = p, cmd->cap_set_pools = cap;
    }
    VkDescriptorPoolSize size = {
        .type = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER,
        .descriptorCount = SETS_PER_POOL * VKGPT__MAX_BINDINGS,
    };
    VkDescriptorPoolCreateInfo info = {
        .sType = VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO,
        .maxSets = SETS_PER_POOL,
        .poolSizeCount = 1,
        .pPoolSizes = &size,
    };
    VKGPT__VK_TRY(&dev->error,
                  vkCreateDescriptorPool(dev->vk, &info, NULL,
                                         &cmd->set_pools[cmd->n_set_pools]),
                  "creating a descriptor pool", fail);
    cmd->n_set_pools++;
    return VKGPT_OK;
fail:
    return st;
}

vkgpt_status_t vkgpt__cmd_create(vkgpt__device_t *dev, uint32_t max_timestamps,
                                 vkgpt__cmd_t **out) {
    vkgpt_status_t st;
    vkgpt__cmd_t *cmd = calloc(1, sizeof(*cmd));
    if (!cmd) {
        return vkgpt__error_set(&dev->error, VKGPT_ERR_OUT_OF_HOST_MEMORY,
                                "allocating a command recorder");
    }
    cmd->dev = dev;

    VkCommandPoolCreateInfo pool_info = {
        .sType = VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO,
        .flags = VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT,
        .queueFamilyIndex = dev->queue_family,
    };
    VKGPT__VK_TRY(&dev->error, vkCreateCommandPool(dev->vk, &pool_info, NULL, &cmd->pool),
                  "creating a command pool", fail);
    VkCommandBufferAllocateInfo cb_info = {
        .sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO,
        .commandPool = cmd->pool,
        .level = VK_COMMAND_BUFFER_LEVEL_PRIMARY,
        .commandBufferCount = 1,
    };
    VKGPT__VK_TRY(&dev->error, vkAllocateCommandBuffers(dev->vk, &cb_info, &cmd->cb),
                  "allocating a command buffer", fail);
    VkFenceCreateInfo fence_info = {.sType = VK_STRUCTURE_TYPE_FENCE_CREATE_INFO};
    VKGPT__VK_TRY(&dev->error, vkCreateFence(dev->vk, &fence_info, NULL, &cmd->fence),
                  "creating a fence", fail);

    if (max_timestamps && dev->caps.timestamps) {
        VkQueryPoolCreateInfo q_info = {
            .sType = VK_STRUCTURE_TYPE_QUERY_POOL_CREATE_INFO,
            .queryType = VK_QUERY_TYPE_TIMESTAMP,
            .queryCount = max_timestamps,
        };
        VKGPT__VK_TRY(&dev->error, vkCreateQueryPool(dev->vk, &q_info, NULL, &cmd->queries),
                      "creating a timestamp query pool", fail);
        cmd->max_timestamps = max_timestamps;
        cmd->stamp_kernel = calloc(max_timestamps, sizeof(*cmd->stamp_kernel));
        if (!cmd->stamp_kernel) {
            st = vkgpt__error_set(&dev->error, VKGPT_ERR_OUT_OF_HOST_MEMORY, "profiling");
            goto fail;
        }
    }

    st = add_set_pool(cmd);
    if (st != VKGPT_OK) {
        goto fail;
    }
    *out = cmd;
    return VKGPT_OK;

fail:
    vkgpt__cmd_destroy(cmd);
    return st;
}

void vkgpt__cmd_destroy(vkgpt__cmd_t *cmd) {
    if (!cmd) {
        return;
    }
    VkDevice vk = cmd->dev->vk;
    if (cmd->in_flight && settle(cmd) != VKGPT_OK) {
        /* Freeing a command buffer the device may still run is undefined: wait for the queue
         * (a lost device returns at once). */
        mtx_lock(&cmd->dev->queue_mutex);
        vkQueueWaitIdle(cmd->dev->queue);
        mtx_unlock(&cmd->dev->queue_mutex);
    }
    for (uint32_t i = 0; i < cmd->n_set_pools; i++) {
        vkDestroyDescriptorPool(vk, cmd->set_pools[i], NULL);
    }
    free(cmd->set_pools);
    free(cmd->stamp_kernel);
    if (cmd->queries) {
        vkDestroyQueryPool(vk, cmd->queries, NULL);
    }
    if (cmd->fence) {
        vkDestroyFence(vk, cmd->fence, NULL);
    }
    if (cmd->pool) {
        vkDestroyCommandPool(vk, cmd->pool, NULL); /* frees the command buffer too */
    }
    free(cmd);
}

vkgpt_status_t vkgpt__cmd_begin(vkgpt__cmd_t *cmd) {
    vkgpt__device_t *dev = cmd->dev;
    vkgpt_status_t st = settle(cmd);
    if (st != VKGPT_OK) {
        return st;
    }
    VKGPT__VK_TRY(&dev->error, vkResetCommandBuffer(cmd->cb, 0), "resetting a command buffer",
                  fail);
    for (uint32_t i = 0; i < cmd->n_set_pools; i++) {
        VKGPT__VK_TRY(&dev->error, vkResetDescriptorPool(dev->vk, cmd->set_pools[i], 0),
                      "resetting a descriptor pool", fail);
    }
    cmd->active_set_pool = 0;

    VkCommandBufferBeginInfo info = {.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO};
    VKGPT__VK_TRY(&dev->error, vkBeginCommandBuffer(cmd->cb, &info),
                  "beginning a command buffer", fail);
    cmd->n_timestamps = 0;
    if (cmd->queries) {
        vkCmdResetQueryPool(cmd->cb, cmd->queries, 0, cmd->max_timestamps);
        vkgpt__cmd_timestamp(cmd);
    }
    cmd->n_dispatches = 0;
    /* The first command waits for earlier submissions' writes: a barrier's first scope covers
     * everything before it in submission order, and a fence wait alone makes nothing visible
     * to the next submission. */
    cmd->pending_writes = true;
    cmd->recording = true;
    return VKGPT_OK;
fail:
    return st;
}

/* Makes everything written by earlier dispatches and copies visible to what follows. A global
 * memory barrier is as cheap as a buffer barrier on every driver vkgpt targets, and it cannot
 * miss a buffer. */
static void barrier(vkgpt__cmd_t *cmd) {
    if (!cmd->pending_writes) {
        return;
    }
    VkMemoryBarrier mb = {
        .sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER,
        .srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_WRITE_BIT,
        .dstAccessMask = VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT |
                         VK_ACCESS_TRANSFER_READ_BIT | VK_ACCESS_TRANSFER_WRITE_BIT,
    };
    VkPipelineStageFlags stages =
        VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT;
    vkCmdPipelineBarrier(cmd->cb, stages, stages, 0, 1, &mb, 0, NULL, 0, NULL);
    cmd->pending_writes = false;
}

static vkgpt_status_t allocate_set(vkgpt__cmd_t *cmd, VkDescriptorSetLayout layout,
                                   VkDescriptorSet *out) {
    vkgpt__device_t *dev = cmd->dev;
    for (;;) {
        VkDescriptorSetAllocateInfo info = {
            .sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO,
            .descriptorPool = cmd->set_pools[cmd->active_set_pool],
            .descriptorSetCount = 1,
            .pSetLayouts = &layout,
        };
        VkResult r = vkAllocateDescriptorSets(dev->vk, &info, out);
        if (r == VK_SUCCESS) {
            return VKGPT_OK;
        }
        if (r != VK_ERROR_OUT_OF_POOL_MEMORY && r != VK_ERROR_FRAGMENTED_POOL) {
            return vkgpt__vk_fail(&dev->error, r, "vkAllocateDescriptorSets",
                                  "recording a dispatch");
        }
        /* This pool is full: move to the next one, adding it if needed. */
        cmd->active_set_pool++;
        if (cmd->active_set_pool == cmd->n_set_pools) {
            vkgpt_status_t st = add_set_pool(cmd);
            if (st != VKGPT_OK) {
                return st;
            }
        }
    }
}

static vkgpt_status_t check_binding(vkgpt__device_t *dev, const vkgpt__kernel_info_t *info,
                                    uint32_t i, const vkgpt__range_t *b) {
    if (!b->buffer || b->size == 0) {
        return vkgpt__error_set(&dev->error, VKGPT_ERR_INTERNAL,
                                "%s: binding %u is empty", info->name, i);
    }
    if (b->size > dev->caps.max_storage_range) {
        return vkgpt__error_set(&dev->error, VKGPT_ERR_INTERNAL,
                                "%s: binding %u spans %llu bytes, over the device's storage "
                                "range of %llu", info->name, i, (unsigned long long)b->size,
                                (unsigned long long)dev->caps.max_storage_range);
    }
    if (b->offset % dev->caps.storage_offset_alignment) {
        return vkgpt__error_set(&dev->error, VKGPT_ERR_INTERNAL,
                                "%s: binding %u offset %llu is not aligned to %llu", info->name,
                                i, (unsigned long long)b->offset,
                                (unsigned long long)dev->caps.storage_offset_alignment);
    }
    return VKGPT_OK;
}

static vkgpt_status_t check_dispatch(vkgpt__cmd_t *cmd, const vkgpt__kernel_info_t *info,
                                     const vkgpt__range_t *bindings, uint32_t n_bindings,
                                     uint32_t push_size, const uint32_t groups[3]) {
    vkgpt__device_t *dev = cmd->dev;
    if (!cmd->recording) {
        return vkgpt__error_set(&dev->error, VKGPT_ERR_INTERNAL, "dispatch outside a recording");
    }
    if (n_bindings != info->n_bindings || push_size != info->push_size) {
        return vkgpt__error_set(&dev->error, VKGPT_ERR_INTERNAL,
                                "%s: %u bindings and %u push bytes given, %u and %u expected",
                                info->name, n_bindings, push_size, info->n_bindings,
                                info->push_size);
    }
    for (uint32_t i = 0; i < n_bindings; i++) {
        vkgpt_status_t st = check_binding(dev, info, i, &bindings[i]);
        if (st != VKGPT_OK) {
            return st;
        }
    }
    for (int d = 0; d < 3; d++) {
        if (groups[d] > dev->caps.max_workgroup_count[d]) {
            return vkgpt__error_set(&dev->error, VKGPT_ERR_UNSUPPORTED,
                                    "%s needs %u workgroups in dimension %d; the device allows "
                                    "%u", info->name, groups[d], d,
                                    dev->caps.max_workgroup_count[d]);
        }
    }
    return VKGPT_OK;
}

vkgpt_status_t vkgpt__cmd_dispatch(vkgpt__cmd_t *cmd, vkgpt__kernel_id_t kernel,
                                   const vkgpt__range_t *bindings, uint32_t n_bindings,
                                   const void *push, uint32_t push_size, uint32_t groups_x,
                                   uint32_t groups_y, uint32_t groups_z) {
    const vkgpt__kernel_info_t *info = vkgpt__kernel_info(kernel);
    VKGPT__CHECK_INTERNAL(info != NULL);
    uint32_t groups[3] = {groups_x, groups_y, groups_z};
    vkgpt_status_t st = check_dispatch(cmd, info, bindings, n_bindings, push_size, groups);
    if (st != VKGPT_OK) {
        return st;
    }
    if (groups_x == 0 || groups_y == 0 || groups_z == 0) {
        return VKGPT_OK; /* nothing to do; a zero-sized dispatch is legal but pointless */
    }

    const vkgpt__pipeline_t *pipe;
    st = vkgpt__pipeline_get(cmd->dev, kernel, &pipe);
    if (st != VKGPT_OK) {
        return st;
    }
    VkDescriptorSet set;
    st = allocate_set(cmd, pipe->set_layout, &set);
    if (st != VKGPT_OK) {
        return st;
    }

    VkDescriptorBufferInfo buffers[VKGPT__MAX_BINDINGS];
    VkWriteDescriptorSet writes[VKGPT__MAX_BINDINGS];
    for (uint32_t i = 0; i < n_bindings; i++) {
        buffers[i] = (VkDescriptorBufferInfo){bindings[i].buffer, bindings[i].offset,
                                              bindings[i].size};
        writes[i] = (VkWriteDescriptorSet){
            .sType = VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET,
            .dstSet = set,
            .dstBinding = i,
            .descriptorCount = 1,
            .descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER,
            .pBufferInfo = &buffers[i],
        };
    }
    vkUpdateDescriptorSets(cmd->dev->vk, n_bindings, writes, 0, NULL);

    barrier(cmd);
    vkCmdBindPipeline(cmd->cb, VK_PIPELINE_BIND_POINT_COMPUTE, pipe->pipeline);
    vkCmdBindDescriptorSets(cmd->cb, VK_PIPELINE_BIND_POINT_COMPUTE, pipe->layout, 0, 1, &set, 0,
                            NULL);
    if (push_size) {
        vkCmdPushConstants(cmd->cb, pipe->layout, VK_SHADER_STAGE_COMPUTE_BIT, 0, push_size,
                           push);
    }
    vkCmdDispatch(cmd->cb, groups_x, groups_y, groups_z);
    cmd->pending_writes = true;
    cmd->n_dispatches++;
    int stamp = cmd->queries ? vkgpt__cmd_timestamp(cmd) : -1;
    if (stamp >= 0) {
        cmd->stamp_kernel[stamp] = kernel;
    }
    return VKGPT_OK;
}

vkgpt_status_t vkgpt__cmd_copy(vkgpt__cmd_t *cmd, VkBuffer src, VkDeviceSize src_offset,
                               VkBuffer dst, VkDeviceSize dst_offset, VkDeviceSize size) {
    VKGPT__CHECK_INTERNAL(cmd->recording);
    barrier(cmd);
    VkBufferCopy region = {src_offset, dst_offset, size};
    vkCmdCopyBuffer(cmd->cb, src, dst, 1, &region);
    cmd->pending_writes = true;
    return VKGPT_OK;
}

vkgpt_status_t vkgpt__cmd_copy_regions(vkgpt__cmd_t *cmd, VkBuffer src, VkBuffer dst,
                                       const VkBufferCopy *regions, uint32_t n_regions) {
    VKGPT__CHECK_INTERNAL(cmd->recording);
    barrier(cmd);
    vkCmdCopyBuffer(cmd->cb, src, dst, n_regions, regions);
    cmd->pending_writes = true;
    return VKGPT_OK;
}

vkgpt_status_t vkgpt__cmd_fill(vkgpt__cmd_t *cmd, VkBuffer dst, VkDeviceSize offset,
                               VkDeviceSize size, uint32_t pattern) {
    VKGPT__CHECK_INTERNAL(cmd->recording);
    barrier(cmd);
    vkCmdFillBuffer(cmd->cb, dst, offset, size, pattern);
    cmd->pending_writes = true;
    return VKGPT_OK;
}

int vkgpt__cmd_timestamp(vkgpt__cmd_t *cmd) {
    if (!cmd->queries || cmd->n_timestamps >= cmd->max_timestamps) {
        return -1;
    }
    vkCmdWriteTimestamp(cmd->cb, VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT, cmd->queries,
                        cmd->n_timestamps);
    return (int)cmd->n_timestamps++;
}

vkgpt_status_t vkgpt__cmd_end(vkgpt__cmd_t *cmd) {
    vkgpt_status_t st;
    VKGPT__CHECK_INTERNAL(cmd->recording);
    /* Make the last writes visible to the host, which reads results after the fence. */
    VkMemoryBarrier mb = {
        .sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER,
        .srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_WRITE_BIT,
        .dstAccessMask = VK_ACCESS_HOST_READ_BIT,
    };
    vkCmdPipelineBarrier(cmd->cb,
                         VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT,
                         VK_PIPELINE_STAGE_HOST_BIT, 0, 1, &mb, 0, NULL, 0, NULL);
    cmd->recording = false;
    VKGPT__VK_TRY(&cmd->dev->error, vkEndCommandBuffer(cmd->cb), "ending a command buffer",
                  fail);
    return VKGPT_OK;
fail:
    return st;
}

vkgpt_status_t vkgpt__cmd_submit_wait(vkgpt__cmd_t *cmd) {
    vkgpt__device_t *dev = cmd->dev;
    VKGPT__CHECK_INTERNAL(!cmd->recording);
    vkgpt_status_t st = settle(cmd);
    if (st != VKGPT_OK) {
        return st;
    }
    VkSubmitInfo submit = {
        .sType = VK_STRUCTURE_TYPE_SUBMIT_INFO,
        .commandBufferCount = 1,
        .pCommandBuffers = &cmd->cb,
    };
    mtx_lock(&dev->queue_mutex);
    VkResult r = VKGPT__FAULT_OR(dev, VKGPT__FAULT_SUBMIT,
                                 vkQueueSubmit(dev->queue, 1, &submit, cmd->fence));
    mtx_unlock(&dev->queue_mutex);
    if (r != VK_SUCCESS) {
        return vkgpt__vk_fail(&dev->error, r, "vkQueueSubmit", "submitting work");
    }

    r = VKGPT__FAULT_OR(dev, VKGPT__FAULT_WAIT,
                        vkWaitForFences(dev->vk, 1, &cmd->fence, VK_TRUE, dev->fence_timeout_ns));
    cmd->in_flight = r != VK_SUCCESS;
    if (r == VK_TIMEOUT) {
        return vkgpt__error_set(&dev->error, VKGPT_ERR_TIMEOUT,
                                "the device did not finish a submission within %llu s; it may "
                                "be hung or far too slow for this work",
                                (unsigned long long)(dev->fence_timeout_ns / 1000000000ull));
    }
    if (r != VK_SUCCESS) {
        return vkgpt__vk_fail(&dev->error, r, "vkWaitForFences", "waiting for the device");
    }
    VKGPT__VK_TRY(&dev->error, vkResetFences(dev->vk, 1, &cmd->fence), "resetting a fence",
                  fail);
    return VKGPT_OK;
fail:
    return st;
}

double vkgpt__cmd_elapsed_ns(vkgpt__cmd_t *cmd, int from, int to) {
    if (!cmd->queries || from < 0 || to < 0 || (uint32_t)from >= cmd->n_timestamps ||
        (uint32_t)to >= cmd->n_timestamps) {
        return -1.0;
    }
    uint64_t t[2];
    VkResult r1 = vkGetQueryPoolResults(cmd->dev->vk, cmd->queries, (uint32_t)from, 1,
                                        sizeof(uint64_t), &t[0], sizeof(uint64_t),
                                        VK_QUERY_RESULT_64_BIT);
    VkResult r2 = vkGetQueryPoolResults(cmd->dev->vk, cmd->queries, (uint32_t)to, 1,
                                        sizeof(uint64_t), &t[1], sizeof(uint64_t),
                                        VK_QUERY_RESULT_64_BIT);
    if (r1 != VK_SUCCESS || r2 != VK_SUCCESS) {
        return -1.0;
    }
    return (double)(t[1] - t[0]) * cmd->dev->caps.timestamp_period_ns;
}

vkgpt__device_t *vkgpt__cmd_device(const vkgpt__cmd_t *cmd) {
    return cmd->dev;
}

void vkgpt__cmd_profile_add(vkgpt__cmd_t *cmd, double *ns, uint32_t *count) {
    if (!cmd->queries || cmd->n_timestamps < 2) {
        return;
    }
    uint64_t t[512];
    uint32_t n = cmd->n_timestamps < 512 ? cmd->n_timestamps : 512;
    if (vkGetQueryPoolResults(cmd->dev->vk, cmd->queries, 0, n, sizeof(t), t, sizeof(uint64_t),
                              VK_QUERY_RESULT_64_BIT) != VK_SUCCESS) {
        return;
    }
    for (uint32_t i = 1; i < n; i++) {
        vkgpt__kernel_id_t k = cmd->stamp_kernel[i];
        ns[k] += (double)(t[i] - t[i - 1]) * cmd->dev->caps.timestamp_period_ns;
        count[k]++;
    }
}

uint32_t vkgpt__cmd_dispatch_count(const vkgpt__cmd_t *cmd) {
    return cmd->n_dispatches;
}

vkgpt_status_t vkgpt__run_once(vkgpt__device_t *dev, vkgpt__record_fn fn, void *user) {
    vkgpt__cmd_t *cmd;
    vkgpt_status_t st = vkgpt__cmd_create(dev, 0, &cmd);
    if (st != VKGPT_OK) {
        return st;
    }
    st = vkgpt__cmd_begin(cmd);
    if (st == VKGPT_OK) {
        st = fn(cmd, user);
    }
    if (st == VKGPT_OK) {
        st = vkgpt__cmd_end(cmd);
    }
    if (st == VKGPT_OK) {
        st = vkgpt__cmd_submit_wait(cmd);
    }
    vkgpt__cmd_destroy(cmd);
    return st;
}
