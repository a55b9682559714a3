/* common.h: what every internal vkgpt module shares: the error record, logging macros and
 * overflow-checked size arithmetic.
 *
 * Internal functions return vkgpt_status_t and, on failure, fill a vkgpt__error_t that the
 * public object copies into its last-error buffer. vkgpt__error_set() both records and returns
 * the status, so a failure reads `return vkgpt__error_set(err, VKGPT_ERR_IO, "...", ...);`. */
#ifndef VKGPT_CORE_COMMON_H
#define VKGPT_CORE_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vkgpt.h"

#define VKGPT__ERROR_MAX 1024

typedef struct vkgpt__error {
    vkgpt_status_t status;
    char message[VKGPT__ERROR_MAX];
} vkgpt__error_t;

#if defined(__GNUC__)
#define VKGPT__PRINTF(fmt_index, first_arg) __attribute__((format(printf, fmt_index, first_arg)))
#else
#define VKGPT__PRINTF(fmt_index, first_arg)
#endif

/* Records status and a formatted message in err (which may be NULL) and returns status. The
 * message is also logged at error level. */
vkgpt_status_t vkgpt__error_set(vkgpt__error_t *err, vkgpt_status_t status, const char *fmt, ...)
    VKGPT__PRINTF(3, 4);

/* Prefixes err's message with a formatted context ("loading x.safetensors: ") and returns its
 * status; used on the way up so the final message names both the file and the detail. */
vkgpt_status_t vkgpt__error_prefix(vkgpt__error_t *err, const char *fmt, ...) VKGPT__PRINTF(2, 3);

void vkgpt__error_clear(vkgpt__error_t *err);

/* Copies err's message to the calling thread's vkgpt_last_error() and returns its status; for
 * public calls that fail before an object exists to hold the message. */
vkgpt_status_t vkgpt__thread_error_set(const vkgpt__error_t *err);

/* ---- Logging ---- */

void vkgpt__log(vkgpt_log_level_t level, const char *fmt, ...) VKGPT__PRINTF(2, 3);
bool vkgpt__log_enabled(vkgpt_log_level_t level);

#define VKGPT_LOGE(...) vkgpt__log(VKGPT_LOG_LEVEL_ERROR, __VA_ARGS__)
#define VKGPT_LOGW(...) vkgpt__log(VKGPT_LOG_LEVEL_WARN, __VA_ARGS__)
#define VKGPT_LOGI(...) vkgpt__log(VKGPT_LOG_LEVEL_INFO, __VA_ARGS__)
#define VKGPT_LOGD(...) vkgpt__log(VKGPT_LOG_LEVEL_DEBUG, __VA_ARGS__)

/* ---- Checked arithmetic: true when the result overflowed (and *out is unspecified) ---- */

static inline bool vkgpt__mul_overflow(size_t a, size_t b, size_t *out) {
    return __builtin_mul_overflow(a, b, out);
}

static inline bool vkgpt__add_overflow(size_t a, size_t b, size_t *out) {
    return __builtin_add_overflow(a, b, out);
}

static inline bool vkgpt__mul_overflow_u64(uint64_t a, uint64_t b, uint64_t *out) {
    return __builtin_mul_overflow(a, b, out);
}

static inline bool vkgpt__add_overflow_u64(uint64_t a, uint64_t b, uint64_t *out) {
    return __builtin_add_overflow(a, b, out);
}

#define VKGPT__ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Internal invariants only; never for caller input or device results. Logs and returns
 * VKGPT_ERR_INTERNAL from the enclosing function instead of aborting. */
#define VKGPT__CHECK_INTERNAL(cond)                                                          \
    do {                                                                                     \
        if (!(cond)) {                                                                       \
            VKGPT_LOGE("internal check failed: %s (%s:%d)", #cond, __FILE__, __LINE__);      \
            return VKGPT_ERR_INTERNAL;                                                       \
        }                                                                                    \
    } while (0)

#endif
