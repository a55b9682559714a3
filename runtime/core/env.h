/* env.h: every environment variable vkgpt reads, in one place (documented in docs/ENV.md). */
#ifndef VKGPT_CORE_ENV_H
#define VKGPT_CORE_ENV_H

#include <stdbool.h>
#include <stdint.h>

/* VKGPT_LOG: error|warn|info|debug|trace, or -1 when unset or unrecognised. */
int vkgpt__env_log_level(void);

/* VKGPT_DEVICE: a device index or a name substring; NULL when unset. */
const char *vkgpt__env_device(void);

/* VKGPT_VALIDATE=1 switches on the Khronos validation layer. */
bool vkgpt__env_validate(void);

/* VKGPT_PIPELINE_CACHE=0 disables the on-disk pipeline cache. */
bool vkgpt__env_pipeline_cache_enabled(void);

/* The folder for the pipeline cache: $XDG_CACHE_HOME/vkgpt or $HOME/.cache/vkgpt. Writes into
 * buf and returns false when neither variable is set or the path does not fit. */
bool vkgpt__env_cache_dir(char *buf, size_t size);

/* VKGPT_MAX_BUFFER_RANGE and VKGPT_MAX_ALLOCATION: bytes, lowering the device's own limits so
 * that tests can exercise split bindings and failed allocations on a tiny model. 0 when unset. */
uint64_t vkgpt__env_max_buffer_range(void);
uint64_t vkgpt__env_max_allocation(void);

/* VKGPT_FAULT: "POINT:N[:RESULT]" makes the N-th call at POINT (alloc, submit, wait) of each
 * device fail with RESULT (oom, lost, timeout); for tests of the error paths. NULL when unset. */
const char *vkgpt__env_fault(void);

/* VKGPT_PLUGIN_PATH: a colon-separated list of folders searched for tokenizer plugins. */
const char *vkgpt__env_plugin_path(void);

#endif
