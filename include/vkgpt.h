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

/* The message of the last failed call made by this thread that has no object
 * to keep it (vkgpt_devices_list, failed creations). Never NULL; "" when the
 * thread has had no such failure. Valid until this thread's next call. */
VKGPT_API const char *vkgpt_last_error(void);

/* ---- Devices --------------------------------------------------------- */

typedef struct vkgpt_device vkgpt_device_t;

typedef enum vkgpt_device_type {
    VKGPT_DEVICE_TYPE_OTHER = 0,
    VKGPT_DEVICE_TYPE_INTEGRATED = 1,
    VKGPT_DEVICE_TYPE_DISCRETE = 2,
    VKGPT_DEVICE_TYPE_VIRTUAL = 3,
    VKGPT_DEVICE_TYPE_CPU = 4
} vkgpt_device_type_t;

/* What a device is and the features vkgpt's shaders depend on. */
typedef struct vkgpt_device_info {
    uint32_t struct_size;
    uint32_t index;             /* position in the Vulkan enumeration */
    char name[256];
    char driver_name[256];
    char driver_info[256];
    vkgpt_device_type_t type;
    uint32_t vendor_id;
    uint32_t device_id;
    uint32_t api_version;       /* VK_MAKE_API_VERSION packing */
    int32_t storage_16bit;      /* 16-bit storage buffer access */
    int32_t float16;            /* float16 shader arithmetic */
    int32_t storage_8bit;
    uint32_t subgroup_size;     /* 0: no subgroups in compute shaders */
    int32_t subgroup_arithmetic;
    uint32_t max_shared_memory;
    uint64_t max_storage_buffer_range;
    uint64_t max_allocation_size;
    uint64_t device_local_bytes;
    uint32_t max_workgroup_size[3];
    uint32_t max_workgroup_invocations;
    int32_t timestamps;
} vkgpt_device_info_t;

/* Lists every Vulkan device. Writes at most `capacity` entries (infos may be
 * NULL when capacity is 0) and stores the number of devices in *out_count.
 * Each entry's struct_size must be set by the caller (or zeroed entries are
 * filled as the current header's size). */
VKGPT_API vkgpt_status_t vkgpt_devices_list(vkgpt_device_info_t *infos,
                                            size_t capacity,
                                            size_t *out_count);

/* Device flags. */
enum {
    /* Use only shader variants that need no subgroup operations (to check a
     * driver's portable path, or to avoid a subgroup bug). */
    VKGPT_DEVICE_FLAG_NO_SUBGROUPS = 1u << 0
};

typedef struct vkgpt_device_params {
    uint32_t struct_size;
    /* An index ("0") or a case-insensitive name substring ("llvmpipe"). NULL
     * falls back to the VKGPT_DEVICE environment variable, then to the first
     * discrete, integrated, virtual and finally CPU device. */
    const char *selector;
    /* 1: Khronos validation layer on; 0: off; -1 (default): VKGPT_VALIDATE. */
    int32_t validation;
    uint32_t flags;             /* VKGPT_DEVICE_FLAG_* */
} vkgpt_device_params_t;

VKGPT_API void vkgpt_device_params_init(vkgpt_device_params_t *params);

/* Opens a device. params may be NULL for defaults. On failure *out_device is
 * NULL and vkgpt_last_error() says why. A device may be used from several
 * threads (sessions on it are each single-threaded). */
VKGPT_API vkgpt_status_t vkgpt_device_create(
    const vkgpt_device_params_t *params, vkgpt_device_t **out_device);

/* Waits for the device's work, saves its pipeline cache and frees it. All
 * models and sessions on it must be destroyed first. */
VKGPT_API void vkgpt_device_destroy(vkgpt_device_t *device);

/* Fills *info (whose struct_size the caller sets) for an open device. */
VKGPT_API vkgpt_status_t vkgpt_device_info(const vkgpt_device_t *device,
                                           vkgpt_device_info_t *info);

/* The message of the device's last failure; "" when none. */
VKGPT_API const char *vkgpt_device_last_error(const vkgpt_device_t *device);

/* Validation-layer warnings and errors seen since the device was created. */
VKGPT_API uint32_t vkgpt_device_validation_messages(
    const vkgpt_device_t *device);

/* ---- Self-test --------------------------------------------------------- */

/* One operation checked on the device against vkgpt's CPU reference. */
typedef struct vkgpt_selftest_result {
    uint32_t struct_size;
    char op[24];
    char shape[64];
    char weight_type[8];        /* "f32" or "f16" */
    char reduction[12];         /* "subgroup" or "shared" */
    double max_abs_error;
    double max_rel_error;       /* max |error| / max |reference| */
    double tolerance;           /* the bound on max_rel_error */
    int32_t passed;             /* also false when an output was left unwritten
                                   or a write landed outside the output */
} vkgpt_selftest_result_t;

typedef void (*vkgpt_selftest_fn)(const vkgpt_selftest_result_t *result,
                                  void *user_data);

/* Runs every operation on the device on seeded random inputs, in f32 and f16
 * weights, and reports each result through on_result (may be NULL). Stores
 * the number of failed checks in *out_failures. Returns an error only when
 * a check could not run at all. */
VKGPT_API vkgpt_status_t vkgpt_device_selftest(vkgpt_device_t *device,
                                               vkgpt_selftest_fn on_result,
                                               void *user_data,
                                               uint32_t *out_failures);

/* ---- Models ------------------------------------------------------------ */

/* A loaded model: weights on one device. Immutable after loading, so one
 * model may serve sessions on several threads at once. */
typedef struct vkgpt_model vkgpt_model_t;

typedef enum vkgpt_weight_type {
    VKGPT_WEIGHT_TYPE_F32 = 0,
    VKGPT_WEIGHT_TYPE_F16 = 1
} vkgpt_weight_type_t;

typedef struct vkgpt_model_params {
    uint32_t struct_size;
    /* How matrices are stored on the device; converted on upload (BF16 and
     * F16 checkpoints included). Default f32, which reproduces the
     * checkpoint's own numbers; f16 halves memory and bandwidth. Vectors
     * stay f32. */
    vkgpt_weight_type_t weight_type;
    /* A size preset ("gpt2-small" ... "rugpt3-large"). With a path, the
     * checkpoint is checked against it; without one, the model is built from
     * the preset with seeded random weights (for benchmarks). May be NULL. */
    const char *preset;
    uint64_t seed;              /* for random weights */
    /* Called from the loading thread as the weights reach the device, with
     * the fraction done (0..1]; may be NULL. */
    void (*progress)(float fraction, void *user_data);
    void *progress_user_data;
} vkgpt_model_params_t;

VKGPT_API void vkgpt_model_params_init(vkgpt_model_params_t *params);

/* Loads a Hugging Face model folder (config.json plus model.safetensors,
 * sharded safetensors or pytorch_model.bin) or, with path NULL and a
 * preset, builds random weights. On failure *out_model is NULL and
 * vkgpt_last_error() names the file and what is wrong. */
VKGPT_API vkgpt_status_t vkgpt_model_load(vkgpt_device_t *device,
                                          const char *path,
                                          const vkgpt_model_params_t *params,
                                          vkgpt_model_t **out_model);

/* What a model folder holds, read without loading it onto a device. */
typedef struct vkgpt_model_file_info {
    uint32_t struct_size;
    char weights_path[1024];    /* the weight file chosen in the folder */
    char format[32];            /* "safetensors", "pytorch zip", ... */
    uint32_t n_layer;
    uint32_t n_embd;
    uint32_t n_head;
    uint32_t n_ctx;
    uint32_t n_vocab;
    uint32_t n_inner;
    double layer_norm_epsilon;
    char activation[24];
    uint64_t n_params;          /* the weights the forward pass uses */
    uint64_t n_tensors;
    uint64_t tensor_bytes;      /* as stored in the file(s) */
    uint64_t n_f32;             /* tensors of each stored type */
    uint64_t n_f16;
    uint64_t n_bf16;
} vkgpt_model_file_info_t;

/* Reads config.json and the weight headers of a model folder (every header
 * validated, no tensor data read). Set info->struct_size first. */
VKGPT_API vkgpt_status_t vkgpt_model_inspect(const char *path,
                                             vkgpt_model_file_info_t *info);

/* All sessions on the model must be destroyed first. */
VKGPT_API void vkgpt_model_destroy(vkgpt_model_t *model);

VKGPT_API uint32_t vkgpt_model_n_layer(const vkgpt_model_t *model);
VKGPT_API uint32_t vkgpt_model_n_embd(const vkgpt_model_t *model);
VKGPT_API uint32_t vkgpt_model_n_head(const vkgpt_model_t *model);
VKGPT_API uint32_t vkgpt_model_n_ctx(const vkgpt_model_t *model);
/* Rows of the embedding: the logits' length. */
VKGPT_API uint32_t vkgpt_model_n_vocab(const vkgpt_model_t *model);
/* Bytes of weights on the device. */
VKGPT_API uint64_t vkgpt_model_weight_bytes(const vkgpt_model_t *model);

/* ---- Sessions ---------------------------------------------------------- */

/* A context on a model: its KV cache and scratch buffers. One thread at a
 * time; several sessions may share one model. */
typedef struct vkgpt_session vkgpt_session_t;

typedef struct vkgpt_session_params {
    uint32_t struct_size;
    /* Sequences the session holds at once: beams times prompts for
     * vkgpt_generate(). Each has its own KV cache slice. Default 1. */
    uint32_t n_seq;
    /* Positions per sequence; 0 (default) is the model's n_ctx. Smaller
     * saves memory: the cache is n_layer * n_seq * n_ctx * n_embd * 8
     * bytes. */
    uint32_t n_ctx;
} vkgpt_session_params_t;

VKGPT_API void vkgpt_session_params_init(vkgpt_session_params_t *params);

/* params may be NULL for defaults. */
VKGPT_API vkgpt_status_t vkgpt_session_create(
    vkgpt_model_t *model, const vkgpt_session_params_t *params,
    vkgpt_session_t **out_session);
VKGPT_API void vkgpt_session_destroy(vkgpt_session_t *session);

/* Appends tokens to the context and runs them through the model (a prompt
 * in chunks through the GEMM path, one token through the decode path).
 * When logits is not NULL it receives the n_vocab logits of the last
 * token. VKGPT_ERR_CONTEXT_FULL when the context would pass n_ctx (nothing
 * is appended then); VKGPT_ERR_INVALID_ARGUMENT for an id outside the
 * vocabulary. */
VKGPT_API vkgpt_status_t vkgpt_session_eval(vkgpt_session_t *session,
                                            const int32_t *tokens,
                                            size_t n_tokens, float *logits);

/* Tokens in the context so far. */
VKGPT_API uint32_t vkgpt_session_n_past(const vkgpt_session_t *session);

/* Forgets the context (the cache is overwritten by the next eval). */
VKGPT_API void vkgpt_session_reset(vkgpt_session_t *session);

/* Drops the context after its first n_keep tokens. */
VKGPT_API vkgpt_status_t vkgpt_session_truncate(vkgpt_session_t *session,
                                                uint32_t n_keep);

VKGPT_API const char *vkgpt_session_last_error(const vkgpt_session_t *session);

/* Reports how much of a prompt has been evaluated (0..1], after each chunk
 * of a prompt longer than one chunk (256 tokens); fn NULL switches it off.
 * Called on the thread running the eval or generation. */
VKGPT_API void vkgpt_session_set_progress(vkgpt_session_t *session,
                                          void (*fn)(float fraction,
                                                     void *user_data),
                                          void *user_data);

/* GPU time spent in one kind of operation. */
typedef struct vkgpt_profile_entry {
    char op[24];                /* "matvec_f16", "attention", ... */
    double milliseconds;        /* summed over its dispatches */
    uint32_t dispatches;
} vkgpt_profile_entry_t;

/* Switches per-operation GPU timing on (timestamps after every dispatch)
 * or off, and resets the totals. VKGPT_ERR_UNSUPPORTED when the device has
 * no timestamps. Timing adds a little overhead of its own. */
VKGPT_API vkgpt_status_t vkgpt_session_profile(vkgpt_session_t *session,
                                               int enable);

/* Writes up to capacity entries (one per operation seen since the reset)
 * and returns how many there are. */
VKGPT_API size_t vkgpt_session_profile_read(const vkgpt_session_t *session,
                                            vkgpt_profile_entry_t *entries,
                                            size_t capacity);

/* Stops a running eval or generation on the session within one transformer
 * block; it then returns VKGPT_ERR_CANCELLED. Safe to call from any thread
 * while another uses the session. */
VKGPT_API void vkgpt_cancel(vkgpt_session_t *session);
/* ---- Tokenizer ------------------------------------------------------- */

/* Tokenizers are plugins (vkgpt_tokenizer_plugin.h). vkgpt finds a plugin
 * named NAME as vkgpt_plugin_NAME.so, directly in or in a NAME/ subfolder
 * of each folder on its search path, in this order: the folders added with
 * vkgpt_tokenizer_add_plugin_dir(), the colon-separated VKGPT_PLUGIN_PATH,
 * and the install folder <libdir>/vkgpt/plugins. A table registered with
 * vkgpt_tokenizer_register_plugin() is found first. A plugin name that
 * contains '/' is the path of the module itself.
 *
 * Loaded modules stay loaded until the process ends. Calls that have no
 * tokenizer object to keep their message (load, train, registry calls)
 * leave it in vkgpt_tokenizer_error(). */

typedef struct vkgpt_tokenizer vkgpt_tokenizer_t;
typedef struct vkgpt_tokenizer_stream vkgpt_tokenizer_stream_t;
struct vkgpt_tokenizer_plugin;

/* encode flags: match special-token strings in the text ("<|endoftext|>");
 * without it they are ordinary text. */
#define VKGPT_TOKENIZE_SPECIAL (1u << 0)

/* decode flags: special tokens decode to nothing. */
#define VKGPT_DETOKENIZE_SKIP_SPECIAL (1u << 0)

/* What a special token is for; one token may hold several roles. */
typedef enum vkgpt_special_role {
    VKGPT_SPECIAL_BOS = 1 << 0,
    VKGPT_SPECIAL_EOS = 1 << 1,
    VKGPT_SPECIAL_PAD = 1 << 2,
    VKGPT_SPECIAL_UNK = 1 << 3,
    VKGPT_SPECIAL_SEP = 1 << 4,
    VKGPT_SPECIAL_CLS = 1 << 5,
    VKGPT_SPECIAL_MASK = 1 << 6
} vkgpt_special_role_t;

/* One declared special token. text is borrowed until its tokenizer is
 * destroyed and is not NUL-terminated. roles is 0 for a special token with
 * no known role (additional_special_tokens). */
typedef struct vkgpt_tokenizer_special {
    uint32_t struct_size;
    int32_t id;
    uint32_t roles; /* vkgpt_special_role_t bits */
    const char *text;
    size_t text_len;
} vkgpt_tokenizer_special_t;

typedef struct vkgpt_tokenizer_params {
    uint32_t struct_size;
    const char *plugin;       /* default "bpe" */
    const char *folder;       /* the folder with the tokenizer's files */
    const char *const *files; /* or exactly these files (n_files > 0) */
    size_t n_files;
} vkgpt_tokenizer_params_t;

VKGPT_API void vkgpt_tokenizer_params_init(vkgpt_tokenizer_params_t *params);

/* Loads a tokenizer through its plugin into *out (NULL on failure). */
VKGPT_API vkgpt_status_t vkgpt_tokenizer_load(
    const vkgpt_tokenizer_params_t *params, vkgpt_tokenizer_t **out);

VKGPT_API void vkgpt_tokenizer_destroy(vkgpt_tokenizer_t *tok);

/* The message of the last failed call on tok; "" when none failed. */
VKGPT_API const char *vkgpt_tokenizer_last_error(const vkgpt_tokenizer_t *tok);

/* The message of the last failure on this thread of a call that has no
 * tokenizer to keep it; valid until this thread's next such call. */
VKGPT_API const char *vkgpt_tokenizer_error(void);

/* The plugin's name ("bpe"), borrowed until tok is destroyed. */
VKGPT_API const char *vkgpt_tokenizer_plugin_name(const vkgpt_tokenizer_t *tok);

/* One past the largest id the tokenizer produces or decodes. */
VKGPT_API size_t vkgpt_tokenizer_vocab_size(const vkgpt_tokenizer_t *tok);

/* Bytes to ids: text[0..len) is any byte string. Writes *n_ids ids to
 * ids[0..capacity). When they do not fit, returns VKGPT_ERR_BUFFER_TOO_SMALL
 * with the count needed in *n_ids and ids untouched; ids may be NULL with
 * capacity 0 to ask for the count. */
VKGPT_API vkgpt_status_t vkgpt_tokenizer_encode(
    vkgpt_tokenizer_t *tok, const char *text, size_t len, uint32_t flags,
    int32_t *ids, size_t capacity, size_t *n_ids);

/* Ids to bytes (not NUL-terminated), with the same capacity contract as
 * encode. An id that names no token decodes to nothing and is counted in
 * *n_invalid (may be NULL): a model may have more rows than the tokenizer
 * has tokens. */
VKGPT_API vkgpt_status_t vkgpt_tokenizer_decode(
    vkgpt_tokenizer_t *tok, const int32_t *ids, size_t n_ids, uint32_t flags,
    char *out, size_t capacity, size_t *n_bytes, size_t *n_invalid);

/* The token's piece as the files spell it, borrowed until tok is
 * destroyed, or NULL when id names no token. */
VKGPT_API const char *vkgpt_tokenizer_token_to_piece(
    const vkgpt_tokenizer_t *tok, int32_t id, size_t *len);

/* The id of a piece spelled as in the files, or -1. */
VKGPT_API int32_t vkgpt_tokenizer_piece_to_token(const vkgpt_tokenizer_t *tok,
                                                 const char *piece,
                                                 size_t len);

/* The first special token holding role, or -1. */
VKGPT_API int32_t vkgpt_tokenizer_special_id(const vkgpt_tokenizer_t *tok,
                                             vkgpt_special_role_t role);

/* The declared special tokens, index 0..count-1. Set out->struct_size. */
VKGPT_API size_t vkgpt_tokenizer_special_count(const vkgpt_tokenizer_t *tok);
VKGPT_API vkgpt_status_t vkgpt_tokenizer_special_at(
    const vkgpt_tokenizer_t *tok, size_t index,
    vkgpt_tokenizer_special_t *out);

/* Streaming decode for generated tokens: push one id at a time and get
 * back only whole UTF-8 characters; a character split across tokens is
 * held back until a later token completes it (bytes that can never form a
 * character are passed through). The stream borrows tok, which must
 * outlive it. flags: VKGPT_DETOKENIZE_*. */
VKGPT_API vkgpt_status_t vkgpt_tokenizer_stream_create(
    vkgpt_tokenizer_t *tok, uint32_t flags, vkgpt_tokenizer_stream_t **out);

/* Decodes id and points *text, *len at the bytes ready to show, borrowed
 * until the next call on the stream. *len may be 0. */
VKGPT_API vkgpt_status_t vkgpt_tokenizer_stream_push(
    vkgpt_tokenizer_stream_t *stream, int32_t id, const char **text,
    size_t *len);

/* Returns whatever is held back (an unfinished character) and resets. */
VKGPT_API vkgpt_status_t vkgpt_tokenizer_stream_flush(
    vkgpt_tokenizer_stream_t *stream, const char **text, size_t *len);

VKGPT_API void vkgpt_tokenizer_stream_destroy(vkgpt_tokenizer_stream_t *s);

/* Adds a folder to the front of the plugin search path (process-wide,
 * thread-safe; the string is copied). */
VKGPT_API vkgpt_status_t vkgpt_tokenizer_add_plugin_dir(const char *dir);

/* Registers a plugin table linked into the application (process-wide,
 * thread-safe). The table must stay valid until the process ends; it is
 * checked as a loaded module's would be. */
VKGPT_API vkgpt_status_t vkgpt_tokenizer_register_plugin(
    const struct vkgpt_tokenizer_plugin *plugin);

typedef struct vkgpt_tokenizer_train_params {
    uint32_t struct_size;
    const char *plugin;       /* default "bpe" */
    const char *const *files; /* the training text */
    size_t n_files;
    const char *out_dir;      /* created if missing; files overwritten */
    size_t vocab_size;        /* all tokens: bytes, merges and specials */
    size_t min_frequency;     /* pairs seen fewer times stop it: 2 */
    const char *const *special_tokens; /* default {"<|endoftext|>"} */
    size_t n_special_tokens;
} vkgpt_tokenizer_train_params_t;

VKGPT_API void vkgpt_tokenizer_train_params_init(
    vkgpt_tokenizer_train_params_t *params);

/* Learns a vocabulary through the plugin's trainer and writes its files
 * (for bpe: vocab.json, merges.txt, special_tokens_map.json). */
VKGPT_API vkgpt_status_t vkgpt_tokenizer_train(
    const vkgpt_tokenizer_train_params_t *params);

/* ---- Generation -------------------------------------------------------- */

/* Decoding strategies, as Hugging Face's generate() chooses them from
 * do_sample and num_beams. */
typedef enum vkgpt_strategy {
    VKGPT_STRATEGY_GREEDY = 0,
    VKGPT_STRATEGY_SAMPLE = 1,      /* temperature, then top-k, then top-p */
    VKGPT_STRATEGY_BEAM = 2,
    VKGPT_STRATEGY_BEAM_SAMPLE = 3
} vkgpt_strategy_t;

/* Decoding settings, named and defaulted as Hugging Face's GenerationConfig
 * (temperature 1, top_k 50, top_p 1, num_beams 1, repetition_penalty 1,
 * length_penalty 1); max_new_tokens defaults to 64. */
typedef struct vkgpt_generation_params {
    uint32_t struct_size;
    vkgpt_strategy_t strategy;
    uint32_t max_new_tokens;
    uint32_t min_new_tokens;
    double temperature;
    uint32_t top_k;                 /* 0 disables */
    double top_p;                   /* 1 disables */
    uint32_t num_beams;
    double length_penalty;
    int32_t early_stopping;         /* 0 false, 1 true, 2 "never" */
    uint32_t num_return_sequences;
    double repetition_penalty;      /* 1 disables */
    uint32_t no_repeat_ngram_size;  /* 0 disables */
    /* End-of-sequence ids; with n_eos_token_ids 0 and eos_from_tokenizer
     * set (the default), the tokenizer's eos token. */
    const int32_t *eos_token_ids;
    size_t n_eos_token_ids;
    int32_t eos_from_tokenizer;
    const char *const *stop;        /* stop strings; generation ends at one */
    size_t n_stop;
    /* The same seed, settings, prompt and device give the same text. With
     * seed_set 0 a seed is taken from the clock. */
    uint64_t seed;
    int32_t seed_set;
} vkgpt_generation_params_t;

VKGPT_API void vkgpt_generation_params_init(vkgpt_generation_params_t *p);

/* Receives the text of sequence `seq` as it is generated, in pieces of
 * complete UTF-8 characters (a character split across tokens is held back
 * until it is whole). seq is prompt * num_return_sequences + j. Beam
 * strategies are not streamed (their tokens are final only at the end).
 * Return nonzero to continue, 0 to stop. */
typedef int (*vkgpt_stream_fn)(uint32_t seq, const char *text, size_t len,
                               void *user_data);

/* The sequences a generation produced. */
typedef struct vkgpt_generation vkgpt_generation_t;

/* Generates continuations of n_prompts prompts (a batch for greedy and
 * sample; beams for beam strategies). The session needs n_seq of at least
 * n_prompts * max(num_beams, num_return_sequences); its previous content is
 * replaced. on_text may be NULL. *out receives the results even when the
 * generation was cancelled (VKGPT_ERR_CANCELLED) or stopped by on_text;
 * free them with vkgpt_generation_destroy(). */
VKGPT_API vkgpt_status_t vkgpt_generate(
    vkgpt_session_t *session, vkgpt_tokenizer_t *tokenizer,
    const char *const *prompts, size_t n_prompts,
    const vkgpt_generation_params_t *params, vkgpt_stream_fn on_text,
    void *user_data, vkgpt_generation_t **out);

/* Sequences in the result: n_prompts * num_return_sequences, each prompt's
 * best beam first. */
VKGPT_API size_t vkgpt_generation_count(const vkgpt_generation_t *g);

/* The generated text (without the prompt), NUL-terminated, borrowed. */
VKGPT_API const char *vkgpt_generation_text(const vkgpt_generation_t *g,
                                            size_t index, size_t *len);

/* The generated ids, borrowed. */
VKGPT_API const int32_t *vkgpt_generation_ids(const vkgpt_generation_t *g,
                                              size_t index, size_t *n_ids);

/* Beam score (sum of log-probabilities / length^length_penalty); 0 for
 * greedy and sample. */
VKGPT_API double vkgpt_generation_score(const vkgpt_generation_t *g,
                                        size_t index);

/* Why the sequence ended: "eos", "length", "stop" or "cancelled". */
VKGPT_API const char *vkgpt_generation_finish(const vkgpt_generation_t *g,
                                              size_t index);

/* Tokens in the prompts and generated, and seconds spent on each. */
VKGPT_API void vkgpt_generation_timings(const vkgpt_generation_t *g,
                                        size_t *prompt_tokens,
                                        double *prompt_seconds,
                                        size_t *generated_tokens,
                                        double *generate_seconds);

VKGPT_API void vkgpt_generation_destroy(vkgpt_generation_t *g);
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

/* What a config selects, for the calls that take it. Strings are borrowed
 * until the config changes or is destroyed; "" when unset. */
VKGPT_API const char *vkgpt_config_model_path(const vkgpt_config_t *config);
VKGPT_API const char *vkgpt_config_model_preset(const vkgpt_config_t *config);

/* The model parameters (weight type and preset) the config names. */
VKGPT_API void vkgpt_config_model_params(const vkgpt_config_t *config,
                                         vkgpt_model_params_t *params);

/* The tokenizer plugin (default "bpe") and its folder ("" means the
 * model's folder). */
VKGPT_API const char *vkgpt_config_tokenizer_plugin(
    const vkgpt_config_t *config);
VKGPT_API const char *vkgpt_config_tokenizer_path(
    const vkgpt_config_t *config);

/* The device selector (an index as text, or a name), "" when unset. */
VKGPT_API const char *vkgpt_config_device(vkgpt_config_t *config);

/* The decoding settings, after vkgpt_config_validate(). eos ids and stop
 * strings are borrowed from the config. */
VKGPT_API void vkgpt_config_generation_params(vkgpt_config_t *config,
                                              vkgpt_generation_params_t *p);

/* The classifier's class names: *n_labels entries, borrowed. */
VKGPT_API const char *const *vkgpt_config_labels(const vkgpt_config_t *config,
                                                 size_t *n_labels);

/* Where a key ("model.preset") was set: "file:line:column", "command line",
 * or "default". */
VKGPT_API const char *vkgpt_config_origin(vkgpt_config_t *config,
                                          const char *key);
/* ---- Classifier ------------------------------------------------------ */

/* A transformer sequence classifier (the lecture's architecture: token and
 * position embeddings, post-LayerNorm blocks without a causal mask, the mean
 * over the sequence, a linear layer and log-softmax) loaded from a folder:
 * config.json, the weights under the PyTorch module's own parameter names
 * (model.safetensors, or any file vkgpt_model_load reads) and the tokenizer's
 * files. The folder's config.json is described in docs/CLASSIFIER.md.
 *
 * A classifier keeps its own scratch buffers on the device: one thread at a
 * time. Several classifiers may share a device. */
typedef struct vkgpt_classifier vkgpt_classifier_t;

enum {
    /* Load no tokenizer: only vkgpt_classifier_classify() (ids) works. */
    VKGPT_CLASSIFIER_FLAG_NO_TOKENIZER = 1u << 0
};

typedef struct vkgpt_classifier_params {
    uint32_t struct_size;
    /* How matrices are stored on the device. Default f32 (classifiers are
     * small); f16 halves the memory. Vectors stay f32. */
    vkgpt_weight_type_t weight_type;
    /* NULL: config.json's "tokenizer_plugin", else "bpe". */
    const char *tokenizer_plugin;
    uint32_t flags;             /* VKGPT_CLASSIFIER_FLAG_* */
} vkgpt_classifier_params_t;

VKGPT_API void vkgpt_classifier_params_init(vkgpt_classifier_params_t *p);

/* Loads the classifier in folder `path`. params may be NULL for defaults.
 * On failure *out is NULL and vkgpt_last_error() names the file and what is
 * wrong in it (a missing tensor, a shape, a config key). */
VKGPT_API vkgpt_status_t vkgpt_classifier_load(
    vkgpt_device_t *device, const char *path,
    const vkgpt_classifier_params_t *params, vkgpt_classifier_t **out);

VKGPT_API void vkgpt_classifier_destroy(vkgpt_classifier_t *classifier);

/* Classes: the row length of the log-probabilities. */
VKGPT_API uint32_t vkgpt_classifier_n_classes(const vkgpt_classifier_t *c);

/* The longest sequence the model reads (its position table's length). */
VKGPT_API uint32_t vkgpt_classifier_max_tokens(const vkgpt_classifier_t *c);

/* Rows of the token embedding: ids are below this. */
VKGPT_API uint32_t vkgpt_classifier_n_vocab(const vkgpt_classifier_t *c);

/* Class index's name from config.json's "labels" ("0", "1", ... when it
 * has none), borrowed until c is destroyed; NULL past the last class. */
VKGPT_API const char *vkgpt_classifier_label(const vkgpt_classifier_t *c,
                                             uint32_t index);

/* The classifier's tokenizer, borrowed until c is destroyed; NULL when it
 * was loaded with VKGPT_CLASSIFIER_FLAG_NO_TOKENIZER. */
VKGPT_API vkgpt_tokenizer_t *vkgpt_classifier_tokenizer(
    vkgpt_classifier_t *c);

/* Classifies n_seqs token sequences: sequence i is seqs[i][0..lengths[i]),
 * 1 to vkgpt_classifier_max_tokens() ids below vkgpt_classifier_n_vocab().
 * Writes n_seqs rows of vkgpt_classifier_n_classes() natural-log
 * probabilities to log_probs. Each sequence is classified as if alone: the
 * batch, its order and the other sequences' lengths do not change its row.
 * VKGPT_ERR_INVALID_ARGUMENT names the first bad sequence (nothing is
 * written then). */
VKGPT_API vkgpt_status_t vkgpt_classifier_classify(
    vkgpt_classifier_t *c, const int32_t *const *seqs, const size_t *lengths,
    size_t n_seqs, float *log_probs);

/* The same for texts through the classifier's tokenizer: text i is
 * texts[i][0..lengths[i]) bytes, or NUL-terminated when lengths is NULL.
 * A text longer than vkgpt_classifier_max_tokens() tokens is classified by
 * its first that many; a text with no tokens is an error. */
VKGPT_API vkgpt_status_t vkgpt_classifier_classify_texts(
    vkgpt_classifier_t *c, const char *const *texts, const size_t *lengths,
    size_t n_texts, float *log_probs);

/* The message of the classifier's last failed call; "" when none. */
VKGPT_API const char *vkgpt_classifier_last_error(
    const vkgpt_classifier_t *c);

#ifdef __cplusplus
}
#endif

#endif /* VKGPT_H */
