/* vkgpt_tokenizer_plugin.h: the ABI between vkgpt and tokenizer plugins.
 *
 * A tokenizer plugin is a loadable module (vkgpt_plugin_<name>.so) that
 * exports one C function, vkgpt_tokenizer_plugin_entry(), returning a
 * constant table of functions. vkgpt finds the module by name on its search
 * path (see vkgpt_tokenizer_add_plugin_dir() in vkgpt.h), or an application
 * hands a table it links in to vkgpt_tokenizer_register_plugin().
 *
 * Versioning: the table starts with abi_version and struct_size. vkgpt
 * refuses a table whose abi_version differs from the one it was built with,
 * or whose struct_size is smaller than the version's table, with
 * VKGPT_ERR_PLUGIN_ABI. Fields are only ever appended within one version.
 *
 * Ownership:
 * - Everything a plugin allocates, the plugin frees: a tokenizer instance in
 *   destroy(), and strings it returns (pieces, special-token text) live as
 *   long as the instance.
 * - Every buffer vkgpt passes in (text, ids, output buffers, files, error
 *   records) is borrowed for the duration of the call and owned by vkgpt.
 * - Output buffers have a capacity. When the result does not fit, the
 *   function returns VKGPT_ERR_BUFFER_TOO_SMALL, stores the count it needs
 *   in its count argument, and writes nothing to the buffer at all.
 *
 * Errors: functions that can fail return vkgpt_status_t and, on failure,
 * write a NUL-terminated message into the caller's error record: what is
 * wrong and where (file, line, byte offset). A plugin never aborts, exits,
 * or writes to stdout or stderr.
 *
 * Threads: an instance is used by one thread at a time; different instances
 * may be used concurrently. create() may run on any thread.
 *
 * Plugins include this header and no other vkgpt header but vkgpt.h (for
 * vkgpt_status_t); they need no symbol from libvkgpt.
 */
#ifndef VKGPT_TOKENIZER_PLUGIN_H
#define VKGPT_TOKENIZER_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#include "vkgpt.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The ABI this header describes. */
#define VKGPT_TOKENIZER_ABI_VERSION 1u

/* The name of the exported entry point, for dlsym(). */
#define VKGPT_TOKENIZER_PLUGIN_ENTRY "vkgpt_tokenizer_plugin_entry"

#if defined(_WIN32)
#  define VKGPT_PLUGIN_EXPORT __declspec(dllexport)
#elif defined(__GNUC__)
#  define VKGPT_PLUGIN_EXPORT __attribute__((visibility("default")))
#else
#  define VKGPT_PLUGIN_EXPORT
#endif

/* A plugin's tokenizer instance; each plugin defines the struct. */
typedef struct vkgpt_tokenizer_impl vkgpt_tokenizer_impl_t;

/* Filled by the plugin on failure. */
#define VKGPT_TOKENIZER_ERROR_MAX 1024
typedef struct vkgpt_tokenizer_plugin_error {
    char message[VKGPT_TOKENIZER_ERROR_MAX];
} vkgpt_tokenizer_plugin_error_t;

/* Where a tokenizer's files are. With n_files == 0 the plugin looks in
 * folder for the names it knows (for BPE: tokenizer.json, or vocab.json and
 * merges.txt, plus special_tokens_map.json and friends). With n_files > 0
 * the plugin uses exactly those paths, recognising them by base name, and
 * folder may be NULL. */
typedef struct vkgpt_tokenizer_source {
    uint32_t struct_size;
    const char *folder;
    const char *const *files;
    size_t n_files;
} vkgpt_tokenizer_source_t;

/* The plugin's table. Every function pointer is required except train. */
typedef struct vkgpt_tokenizer_plugin {
    uint32_t abi_version; /* VKGPT_TOKENIZER_ABI_VERSION */
    uint32_t struct_size; /* sizeof(vkgpt_tokenizer_plugin_t) */

    const char *name;        /* the name it is loaded by: "bpe" */
    const char *description; /* one line for people */

    /* Reads the tokenizer's files and creates an instance in *out. */
    vkgpt_status_t (*create)(const vkgpt_tokenizer_source_t *source,
                             vkgpt_tokenizer_impl_t **out,
                             vkgpt_tokenizer_plugin_error_t *err);

    /* Frees an instance and everything it returned. NULL is a no-op. */
    void (*destroy)(vkgpt_tokenizer_impl_t *tok);

    /* Bytes to ids. text[0..len) is any byte string (valid UTF-8 or not).
     * flags: VKGPT_TOKENIZE_* from vkgpt.h. On success *n_ids is the number
     * of ids written to ids[0..capacity). ids may be NULL when capacity is
     * 0, to ask for the count. */
    vkgpt_status_t (*encode)(vkgpt_tokenizer_impl_t *tok, const char *text,
                             size_t len, uint32_t flags, int32_t *ids,
                             size_t capacity, size_t *n_ids,
                             vkgpt_tokenizer_plugin_error_t *err);

    /* Ids to bytes. flags: VKGPT_DETOKENIZE_* from vkgpt.h. An id that
     * names no token (negative, past the vocabulary, or a hole in it)
     * decodes to nothing and is counted in *n_invalid (which may be NULL).
     * On success *n_bytes is the number of bytes written to out. */
    vkgpt_status_t (*decode)(vkgpt_tokenizer_impl_t *tok, const int32_t *ids,
                             size_t n_ids, uint32_t flags, char *out,
                             size_t capacity, size_t *n_bytes,
                             size_t *n_invalid,
                             vkgpt_tokenizer_plugin_error_t *err);

    /* The token's piece as the tokenizer's files spell it (byte-level BPE:
     * "\xc4\xa0the" for " the"), not NUL-terminated; NULL when id names no
     * token. Borrowed until destroy. */
    const char *(*token_to_piece)(const vkgpt_tokenizer_impl_t *tok,
                                  int32_t id, size_t *len);

    /* The id of a piece spelled as in the files, or -1. */
    int32_t (*piece_to_token)(const vkgpt_tokenizer_impl_t *tok,
                              const char *piece, size_t len);

    /* One past the largest id the tokenizer can produce or decode. */
    size_t (*vocab_size)(const vkgpt_tokenizer_impl_t *tok);

    /* The special tokens the files declare, index 0..count-1. The host
     * sets out->struct_size; the plugin fills the fields that fit. */
    size_t (*special_count)(const vkgpt_tokenizer_impl_t *tok);
    vkgpt_status_t (*special_at)(const vkgpt_tokenizer_impl_t *tok,
                                 size_t index,
                                 vkgpt_tokenizer_special_t *out);

    /* Optional (NULL when the plugin cannot train): learns a vocabulary
     * from params->files and writes it to params->out_dir. */
    vkgpt_status_t (*train)(const vkgpt_tokenizer_train_params_t *params,
                            vkgpt_tokenizer_plugin_error_t *err);
} vkgpt_tokenizer_plugin_t;

/* The entry point every plugin module exports. host_abi_version is the
 * host's VKGPT_TOKENIZER_ABI_VERSION, so that a plugin may serve several;
 * it returns its table (never freed), or NULL when it speaks none. */
typedef const vkgpt_tokenizer_plugin_t *(*vkgpt_tokenizer_plugin_entry_fn)(
    uint32_t host_abi_version);

#ifdef __cplusplus
}
#endif

#endif /* VKGPT_TOKENIZER_PLUGIN_H */
