/* vkgpt.h: the public C API of vkgpt.
 *
 * vkgpt runs GPT-2-architecture language models and transformer classifiers
 * on any Vulkan device. This header is the whole contract with applications:
 *
 * - Every fallible call returns vkgpt_status_t: VKGPT_OK (0) or a negative
 *   error code. vkgpt_status_str() names a code; the object that failed keeps
 *   a readable message (vkgpt_device_last_error() and friends).
 * - Objects are opaque and come in create/destroy pairs. Destroying NULL is a
 *   no-op. The caller owns what it creates; strings returned by a getter are
 *   borrowed until their owner is destroyed; input buffers are borrowed for
 *   the duration of the call.
 * - Each object is used by one thread at a time unless its comment says
 *   otherwise.
 * - Parameter structs start with `uint32_t struct_size` and are filled by
 *   their *_params_init() function, so fields can be added without breaking
 *   callers built against an older header.
 * - The library never aborts, never calls exit() and never writes to stdout.
 */
#ifndef VKGPT_H
#define VKGPT_H

#include <stddef.h>
#include <stdint.h>

#include "vkgpt_version.h"

#if defined(_WIN32)
#  if defined(VKGPT_BUILDING)
#    define VKGPT_API __declspec(dllexport)
#  else
#    define VKGPT_API __declspec(dllimport)
#  endif
#elif defined(__GNUC__)
#  define VKGPT_API __attribute__((visibility("default")))
#else
#  define VKGPT_API
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Status codes ---------------------------------------------------- */

typedef enum vkgpt_status {
    VKGPT_OK = 0,
    VKGPT_ERR_INVALID_ARGUMENT = -1,  /* a caller passed a bad value   */
    VKGPT_ERR_OUT_OF_HOST_MEMORY = -2,
    VKGPT_ERR_OUT_OF_DEVICE_MEMORY = -3,
    VKGPT_ERR_NO_DEVICE = -4,         /* no Vulkan device, or not found */
    VKGPT_ERR_DEVICE_LOST = -5,
    VKGPT_ERR_UNSUPPORTED = -6,       /* the device or build lacks it   */
    VKGPT_ERR_IO = -7,                /* a file could not be read       */
    VKGPT_ERR_BAD_FORMAT = -8,        /* a file's content is malformed  */
    VKGPT_ERR_CONFIG = -9,            /* a config value is wrong        */
    VKGPT_ERR_PLUGIN_ABI = -10,       /* a plugin is missing/mismatched */
    VKGPT_ERR_VULKAN = -11,           /* any other Vulkan failure       */
    VKGPT_ERR_TIMEOUT = -12,          /* the device did not finish      */
    VKGPT_ERR_CANCELLED = -13,        /* vkgpt_cancel() stopped it      */
    VKGPT_ERR_CONTEXT_FULL = -14,     /* past the model's n_positions   */
    VKGPT_ERR_BUFFER_TOO_SMALL = -15, /* a caller's output is too small */
    VKGPT_ERR_INTERNAL = -16          /* a bug in vkgpt: please report  */
} vkgpt_status_t;

/* A short constant description of a status ("out of device memory"). */
VKGPT_API const char *vkgpt_status_str(vkgpt_status_t status);

/* The enumerator's name without the prefix ("ERR_OUT_OF_DEVICE_MEMORY"). */
VKGPT_API const char *vkgpt_status_name(vkgpt_status_t status);

/* ---- Version --------------------------------------------------------- */

/* The library's version as VKGPT_VERSION_HEX, to compare with the header. */
VKGPT_API uint32_t vkgpt_version(void);

/* The library's version as "MAJOR.MINOR.PATCH". */
VKGPT_API const char *vkgpt_version_string(void);

/* ---- Logging --------------------------------------------------------- */

typedef enum vkgpt_log_level {
    VKGPT_LOG_LEVEL_ERROR = 0,
    VKGPT_LOG_LEVEL_WARN = 1,
    VKGPT_LOG_LEVEL_INFO = 2,
    VKGPT_LOG_LEVEL_DEBUG = 3,
    VKGPT_LOG_LEVEL_TRACE = 4
} vkgpt_log_level_t;

/* Receives one message (no trailing newline). Called from whichever thread
 * produced it; the callback must be thread-safe. */
typedef void (*vkgpt_log_fn)(vkgpt_log_level_t level, const char *message,
                             void *user_data);

/* Installs a process-wide log sink and the most verbose level passed to it.
 * The default sink is silent; VKGPT_LOG=error|warn|info|debug|trace in the
 * environment selects stderr at that level. Passing NULL restores the
 * default. Safe to call from any thread. */
VKGPT_API void vkgpt_log_set(vkgpt_log_fn fn, vkgpt_log_level_t max_level,
                             void *user_data);

/* ---- Configs --------------------------------------------------------- */

/* A config holds the settings of docs/CONFIG.md: the model, the tokenizer,
 * decoding (Hugging Face GenerationConfig names), the device and a
 * classifier's labels. Files are YAML; every error names the file, line and
 * column. Layers apply in call order: start from the defaults, load one or
 * more files, then set command-line overrides; the last layer wins. */
typedef struct vkgpt_config vkgpt_config_t;

/* Creates a config holding every default. */
VKGPT_API vkgpt_status_t vkgpt_config_create(vkgpt_config_t **out_config);

/* Reads a YAML file and applies every key it sets on top of config. On error
 * (VKGPT_ERR_IO, VKGPT_ERR_CONFIG) config is unchanged and
 * vkgpt_config_last_error() says what and where. */
VKGPT_API vkgpt_status_t vkgpt_config_load_file(vkgpt_config_t *config,
                                                const char *path);

/* The same for YAML text of len bytes; name stands for the file in
 * messages. */
VKGPT_API vkgpt_status_t vkgpt_config_load_string(vkgpt_config_t *config,
                                                  const char *name,
                                                  const char *text,
                                                  size_t len);

/* Sets one key from a command-line override. key is "section.name"
 * ("generation.temperature") or "device"; value is the YAML text of the
 * value ("0.7", "[50256]", "never"; "" or "null" restores the default).
 * Setting generation.strategy replaces do_sample and, for greedy and
 * sample, num_beams from earlier layers. */
VKGPT_API vkgpt_status_t vkgpt_config_set(vkgpt_config_t *config,
                                          const char *key, const char *value);

/* Checks the keys against each other (strategy, beams, sequences, token
 * counts) and settles the decoding strategy. */
VKGPT_API vkgpt_status_t vkgpt_config_validate(vkgpt_config_t *config);

/* Validates, then writes the whole config as YAML (every key, defaults
 * included) into buf[0..cap) with a terminating NUL and sets *out_len to the
 * text's length without it. VKGPT_ERR_BUFFER_TOO_SMALL when cap is not more
 * than that length (nothing is written; *out_len says what is needed). buf
 * may be NULL when cap is 0. */
VKGPT_API vkgpt_status_t vkgpt_config_print(vkgpt_config_t *config,
                                            char *buf, size_t cap,
                                            size_t *out_len);

/* The message of the last failed call on config ("" after success);
 * borrowed until the next call on config. */
VKGPT_API const char *vkgpt_config_last_error(const vkgpt_config_t *config);

VKGPT_API void vkgpt_config_destroy(vkgpt_config_t *config);

#ifdef __cplusplus
}
#endif

#endif /* VKGPT_H */
