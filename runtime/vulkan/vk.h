/* vk.h: the Vulkan layer: instance and device, memory, pipelines and command recording.
 *
 * Everything above this layer speaks in kernels, buffers and dispatches; only files in
 * runtime/vulkan/ call Vulkan directly. Every Vulkan failure becomes a vkgpt_status_t and a
 * message in the device's error record naming the call, its result and what was being done. */
#ifndef VKGPT_VULKAN_VK_H
#define VKGPT_VULKAN_VK_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <threads.h>
#include <vulkan/vulkan.h>

#include "common.h"
#include "vulkan/kernels.h"

/* What the shaders depend on, as the device reports it (limits possibly lowered through
 * VKGPT_MAX_BUFFER_RANGE and VKGPT_MAX_ALLOCATION). */
typedef struct vkgpt__device_caps {
    char name[VK_MAX_PHYSICAL_DEVICE_NAME_SIZE];
    char driver_name[VK_MAX_DRIVER_NAME_SIZE];
    char driver_info[VK_MAX_DRIVER_INFO_SIZE];
    VkPhysicalDeviceType type;
    uint32_t vendor_id;
    uint32_t device_id;
    uint32_t api_version;
    uint32_t driver_version;

    bool storage_16bit;         /* storageBuffer16BitAccess */
    bool float16_arithmetic;    /* shaderFloat16 */
    bool storage_8bit;          /* storageBuffer8BitAccess */
    uint32_t subgroup_size;     /* 0 when compute shaders get no subgroup support */
    VkSubgroupFeatureFlags subgroup_ops;
    bool subgroup_arithmetic;   /* subgroupAdd/subgroupMax usable in compute */

    uint32_t max_shared_memory;
    uint64_t max_storage_range;  /* bytes one storage-buffer binding may span */
    uint64_t max_allocation;     /* bytes one VkDeviceMemory may hold */
    uint64_t storage_offset_alignment;
    uint32_t max_workgroup_size[3];
    uint32_t max_workgroup_invocations;
    uint32_t max_workgroup_count[3];
    uint32_t max_push_constants;

    bool timestamps;            /* the compute queue supports timestamp queries */
    float timestamp_period_ns;
    uint64_t device_local_bytes; /* the largest device-local heap */
} vkgpt__device_caps_t;

/* Injected failures (VKGPT_FAULT, tests only): the n-th call at one point fails. */
typedef enum vkgpt__fault_point {
    VKGPT__FAULT_NONE,
    VKGPT__FAULT_ALLOC,  /* vkAllocateMemory */
    VKGPT__FAULT_SUBMIT, /* vkQueueSubmit */
    VKGPT__FAULT_WAIT    /* vkWaitForFences */
} vkgpt__fault_point_t;

typedef struct vkgpt__fault {
    vkgpt__fault_point_t point;
    uint32_t countdown;  /* calls at `point` left before the failing one */
    VkResult result;
    bool fired;
} vkgpt__fault_t;

typedef struct vkgpt__pipeline {
    VkDescriptorSetLayout set_layout;
    VkPipelineLayout layout;
    VkPipeline pipeline;
} vkgpt__pipeline_t;

struct vkgpt_device {
    VkInstance instance;
    VkDebugUtilsMessengerEXT messenger;
    VkPhysicalDevice physical;
    VkDevice vk;
    VkQueue queue;
    uint32_t queue_family;
    VkPhysicalDeviceMemoryProperties memory_props;
    vkgpt__device_caps_t caps;
    uint32_t index; /* in the instance's enumeration order */

    /* Pipelines are created on first use; the mutex lets sessions on several threads share
     * them. The queue mutex serialises vkQueueSubmit, which Vulkan requires. */
    mtx_t pipeline_mutex;
    mtx_t queue_mutex;
    vkgpt__pipeline_t pipelines[VKGPT__KERNEL_COUNT];
    VkPipelineCache pipeline_cache;
    char pipeline_cache_path[1024];

    /* Validation-layer messages of warning or error severity, counted for the tests. */
    atomic_uint validation_messages;

    /* Nanoseconds a fence wait may take before the device is declared unresponsive. */
    uint64_t fence_timeout_ns;

    mtx_t fault_mutex;
    vkgpt__fault_t fault;

    vkgpt__error_t error;
};

typedef struct vkgpt_device vkgpt__device_t;

/* ---- Results and errors (vk_util.c) ---- */

const char *vkgpt__vk_result_name(VkResult r);
vkgpt_status_t vkgpt__status_from_vk(VkResult r);

/* Records a failed Vulkan call in err: "vkAllocateMemory(...) returned
 * VK_ERROR_OUT_OF_DEVICE_MEMORY while <what>". */
vkgpt_status_t vkgpt__vk_fail(vkgpt__error_t *err, VkResult r, const char *call, const char *what);

#define VKGPT__VK_TRY(err, call, what, label)                                                \
    do {                                                                                     \
        VkResult vk_result_ = (call);                                                        \
        if (vk_result_ != VK_SUCCESS) {                                                      \
            st = vkgpt__vk_fail((err), vk_result_, #call, (what));                           \
            goto label;                                                                      \
        }                                                                                    \
    } while (0)

/* Parses VKGPT_FAULT into f (point NONE when unset or malformed). */
void vkgpt__fault_init(vkgpt__fault_t *f);

/* VK_SUCCESS, or the injected result when this is the failing call at `point`. */
VkResult vkgpt__fault_hit(vkgpt__device_t *dev, vkgpt__fault_point_t point);

/* Runs `call` unless an injected fault at `point` fails it first (the call then never runs, so
 * nothing leaks from it). */
#define VKGPT__FAULT_OR(dev, point, call)                                                    \
    (vkgpt__fault_hit((dev), (point)) != VK_SUCCESS ? (dev)->fault.result : (call))

/* Validation-layer messages seen by every device of the process, including those reported
 * while a device is destroyed (objects left alive). */
uint32_t vkgpt__validation_total(void);

/* ---- Instance and device (instance.c, device.c) ---- */

typedef struct vkgpt__physical_list {
    VkInstance instance;
    VkDebugUtilsMessengerEXT messenger;
    VkPhysicalDevice *devices;
    uint32_t count;
} vkgpt__physical_list_t;

/* Creates an instance (with validation when asked) and lists its physical devices. The
 * validation counter, if not NULL, receives the count of validation messages. */
vkgpt_status_t vkgpt__instance_open(bool validate, atomic_uint *validation_counter,
                                    vkgpt__physical_list_t *out, vkgpt__error_t *err);
void vkgpt__instance_close(vkgpt__physical_list_t *list);

void vkgpt__caps_query(VkPhysicalDevice phys, vkgpt__device_caps_t *caps);

/* Chooses a physical device by selector (an index, a name substring, or NULL for the default
 * order: discrete, integrated, virtual, CPU). */
vkgpt_status_t vkgpt__device_choose(const vkgpt__physical_list_t *list, const char *selector,
                                    uint32_t *out_index, vkgpt__error_t *err);

/* ---- Buffers and memory (memory.c) ---- */

typedef struct vkgpt__buffer {
    VkBuffer buffer;
    VkDeviceMemory memory;  /* owned only when the buffer has its own allocation */
    VkDeviceSize size;
    void *mapped;           /* host-visible buffers only */
    bool owns_memory;
} vkgpt__buffer_t;

/* A range of a buffer, as bound to one shader binding. */
typedef struct vkgpt__range {
    VkBuffer buffer;
    VkDeviceSize offset;
    VkDeviceSize size;
} vkgpt__range_t;

static inline vkgpt__range_t vkgpt__range_of(const vkgpt__buffer_t *b) {
    return (vkgpt__range_t){b->buffer, 0, b->size};
}

/* A device-local buffer with its own allocation (for activations and small tensors). */
vkgpt_status_t vkgpt__buffer_create(vkgpt__device_t *dev, VkDeviceSize size,
                                    vkgpt__buffer_t *out, const char *what);

/* A host-visible, coherent, persistently mapped buffer (staging, readback, step parameters). */
vkgpt_status_t vkgpt__buffer_create_host(vkgpt__device_t *dev, VkDeviceSize size,
                                         vkgpt__buffer_t *out, const char *what);

void vkgpt__buffer_destroy(vkgpt__device_t *dev, vkgpt__buffer_t *b);

/* An arena sub-allocates buffers from large device-local blocks, so a model's hundreds of
 * tensors need a handful of allocations. All of its buffers are freed together. */
typedef struct vkgpt__arena vkgpt__arena_t;

vkgpt_status_t vkgpt__arena_create(vkgpt__device_t *dev, VkDeviceSize block_size,
                                   vkgpt__arena_t **out);
vkgpt_status_t vkgpt__arena_alloc(vkgpt__arena_t *arena, VkDeviceSize size, vkgpt__buffer_t *out,
                                  const char *what);
VkDeviceSize vkgpt__arena_bytes(const vkgpt__arena_t *arena);
void vkgpt__arena_destroy(vkgpt__arena_t *arena);

/* Copies host bytes into a device buffer at offset (through a staging buffer when the buffer is
 * not host-visible) and waits for the copy. Large uploads go in staging-sized pieces. */
vkgpt_status_t vkgpt__buffer_upload(vkgpt__device_t *dev, const vkgpt__buffer_t *dst,
                                    VkDeviceSize offset, const void *src, size_t size);

/* Copies size bytes at offset of a device buffer to host memory and waits. */
vkgpt_status_t vkgpt__buffer_download(vkgpt__device_t *dev, const vkgpt__buffer_t *src,
                                      VkDeviceSize offset, void *dst, size_t size);

/* Fills a device buffer range with a 32-bit pattern (e.g. NaN bits, to poison outputs). */
vkgpt_status_t vkgpt__buffer_fill(vkgpt__device_t *dev, const vkgpt__buffer_t *dst,
                                  VkDeviceSize offset, VkDeviceSize size, uint32_t pattern);

/* ---- Pipelines (pipeline.c) ---- */

/* The pipeline for a kernel, created on first use (thread-safe). */
vkgpt_status_t vkgpt__pipeline_get(vkgpt__device_t *dev, vkgpt__kernel_id_t id,
                                   const vkgpt__pipeline_t **out);

void vkgpt__pipelines_destroy(vkgpt__device_t *dev);

/* The most keys the attention kernel holds in shared memory on this device. */
uint32_t vkgpt__attention_max_keys(const vkgpt__device_t *dev);

/* Loads the on-disk cache (a missing or foreign file is not an error) and saves it back. */
void vkgpt__pipeline_cache_open(vkgpt__device_t *dev);
void vkgpt__pipeline_cache_save(vkgpt__device_t *dev);

/* ---- Command recording (cmd.c) ---- */

/* A command buffer with its descriptor sets, fence and optional timestamp queries. A recorded
 * sequence can be submitted any number of times; descriptor sets live until reset. */
typedef struct vkgpt__cmd vkgpt__cmd_t;

#define VKGPT__MAX_BINDINGS 8

vkgpt_status_t vkgpt__cmd_create(vkgpt__device_t *dev, uint32_t max_timestamps,
                                 vkgpt__cmd_t **out);
void vkgpt__cmd_destroy(vkgpt__cmd_t *cmd);

/* Starts a new recording, dropping the previous one and its descriptor sets. */
vkgpt_status_t vkgpt__cmd_begin(vkgpt__cmd_t *cmd);

/* Records one dispatch. Bindings are in the kernel's binding order; push holds the kernel's
 * push-constant block. A barrier is recorded before it when a previous dispatch of this
 * recording may have written memory it touches (every dispatch is treated so). */
vkgpt_status_t vkgpt__cmd_dispatch(vkgpt__cmd_t *cmd, vkgpt__kernel_id_t kernel,
                                   const vkgpt__range_t *bindings, uint32_t n_bindings,
                                   const void *push, uint32_t push_size, uint32_t groups_x,
                                   uint32_t groups_y, uint32_t groups_z);

/* Records a buffer-to-buffer copy (ordered after earlier dispatches and before later ones). */
vkgpt_status_t vkgpt__cmd_copy(vkgpt__cmd_t *cmd, VkBuffer src, VkDeviceSize src_offset,
                               VkBuffer dst, VkDeviceSize dst_offset, VkDeviceSize size);

/* Records one copy command of several regions between two buffers (the regions must not
 * overlap one another in dst). */
vkgpt_status_t vkgpt__cmd_copy_regions(vkgpt__cmd_t *cmd, VkBuffer src, VkBuffer dst,
                                       const VkBufferCopy *regions, uint32_t n_regions);

/* Records a fill of size bytes (a multiple of 4) with a 32-bit pattern. */
vkgpt_status_t vkgpt__cmd_fill(vkgpt__cmd_t *cmd, VkBuffer dst, VkDeviceSize offset,
                               VkDeviceSize size, uint32_t pattern);

/* Writes a timestamp after everything recorded so far; returns its index or -1 when the
 * device has no timestamps or the query pool is full. A recorder created with timestamps
 * also stamps the start of each recording and the end of each dispatch. */
int vkgpt__cmd_timestamp(vkgpt__cmd_t *cmd);

vkgpt_status_t vkgpt__cmd_end(vkgpt__cmd_t *cmd);

/* Submits the recorded commands and waits for them with the device's fence timeout. */
vkgpt_status_t vkgpt__cmd_submit_wait(vkgpt__cmd_t *cmd);

/* Nanoseconds between two timestamps of the last submission; negative when unavailable. */
double vkgpt__cmd_elapsed_ns(vkgpt__cmd_t *cmd, int from, int to);

uint32_t vkgpt__cmd_dispatch_count(const vkgpt__cmd_t *cmd);

/* For a recorder created with timestamps: adds the GPU time of each dispatch of its last
 * submission to ns[kernel] and counts it in count[kernel] (arrays of VKGPT__KERNEL_COUNT). A
 * dispatch's time includes the barrier before it. */
void vkgpt__cmd_profile_add(vkgpt__cmd_t *cmd, double *ns, uint32_t *count);

vkgpt__device_t *vkgpt__cmd_device(const vkgpt__cmd_t *cmd);

/* One-shot helper: begin, record through fn, end, submit and wait. */
typedef vkgpt_status_t (*vkgpt__record_fn)(vkgpt__cmd_t *cmd, void *user);
vkgpt_status_t vkgpt__run_once(vkgpt__device_t *dev, vkgpt__record_fn fn, void *user);

#endif
