/* test_registry.c: finding and loading plugins: the whitespace plugin from its module by name,
 * a table linked into the program, and clear errors for every kind of broken module. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "tok_util.h"
#include "vkgpt_tokenizer_plugin.h"

static const char *bad_module(const char *kind) {
    static char path[4096];
    snprintf(path, sizeof(path), "%s/tests/tokenizer/vkgpt_plugin_%s.so",
             getenv("VKGPT_BUILD_ROOT"), kind);
    return path;
}

static void expect_load_error(const char *plugin, vkgpt_status_t st, const char *fragment) {
    vkgpt_tokenizer_t *tok = NULL;
    vkgpt_status_t got = tu_load("/tmp", plugin, &tok);
    cr_assert_eq(got, st, "%s: status %s: %s", plugin, vkgpt_status_name(got),
                 vkgpt_tokenizer_error());
    cr_assert_null(tok);
    cr_assert_neq(strstr(vkgpt_tokenizer_error(), fragment), NULL, "message lacks '%s': %s",
                  fragment, vkgpt_tokenizer_error());
}

Test(registry, whitespace_plugin_loads_from_its_module_by_name) {
    char *dir = tu_tempdir();
    tu_writes(dir, "vocab.txt", "<unk>\nhello\nworld\n");
    vkgpt_tokenizer_t *tok = NULL;
    cr_assert_eq(tu_load(dir, "whitespace", &tok), VKGPT_OK, "%s", vkgpt_tokenizer_error());
    cr_assert_str_eq(vkgpt_tokenizer_plugin_name(tok), "whitespace");
    cr_assert_eq(vkgpt_tokenizer_vocab_size(tok), 3);
    int32_t *ids;
    size_t n = tu_encode(tok, " hello  there\tworld ", 20, 0, &ids);
    cr_assert_eq(n, 3);
    cr_assert_arr_eq(ids, ((int32_t[]){1, 0, 2}), 3 * sizeof(int32_t));
    size_t len;
    char *text = tu_decode(tok, ids, n, 0, &len);
    cr_assert_str_eq(text, "hello <unk> world");
    cr_assert_eq(vkgpt_tokenizer_special_id(tok, VKGPT_SPECIAL_UNK), 0);
    free(text);
    free(ids);
    vkgpt_tokenizer_destroy(tok);
    tu_rmdir(dir);
}

Test(registry, a_plugin_that_cannot_train_says_so) {
    vkgpt_tokenizer_train_params_t p;
    vkgpt_tokenizer_train_params_init(&p);
    p.plugin = "whitespace";
    const char *files[] = {"/dev/null"};
    p.files = files;
    p.n_files = 1;
    p.out_dir = "/tmp";
    p.vocab_size = 300;
    cr_assert_eq(vkgpt_tokenizer_train(&p), VKGPT_ERR_UNSUPPORTED);
    cr_assert_neq(strstr(vkgpt_tokenizer_error(), "cannot train"), NULL);
}

Test(registry, unknown_plugin_names_where_it_looked) {
    expect_load_error("nosuchplugin", VKGPT_ERR_PLUGIN_ABI, "vkgpt_plugin_nosuchplugin.so");
    cr_assert_neq(strstr(vkgpt_tokenizer_error(), getenv("VKGPT_PLUGIN_PATH")), NULL);
    expect_load_error("bad name", VKGPT_ERR_INVALID_ARGUMENT, "not a plugin name");
}

Test(registry, module_without_entry_point) {
    expect_load_error(bad_module("noentry"), VKGPT_ERR_PLUGIN_ABI,
                      "exports no vkgpt_tokenizer_plugin_entry");
}

Test(registry, module_for_another_abi) {
    expect_load_error(bad_module("badabi"), VKGPT_ERR_PLUGIN_ABI, "tokenizer ABI 999");
}

Test(registry, entry_point_without_a_table) {
    expect_load_error(bad_module("nulltable"), VKGPT_ERR_PLUGIN_ABI, "offers no table");
}

Test(registry, table_missing_a_function) {
    expect_load_error(bad_module("nofunctions"), VKGPT_ERR_PLUGIN_ABI,
                      "lacks the required function 'create'");
}

Test(registry, file_that_is_not_a_module) {
    char *dir = tu_tempdir();
    tu_writes(dir, "vkgpt_plugin_junk.so", "this is text, not a shared object\n");
    cr_assert_eq(vkgpt_tokenizer_add_plugin_dir(dir), VKGPT_OK);
    expect_load_error("junk", VKGPT_ERR_PLUGIN_ABI, "cannot load as a module");
    cr_assert_neq(strstr(vkgpt_tokenizer_error(), dir), NULL);
    tu_rmdir(dir);
}

Test(registry, api_folders_are_searched_by_name) {
    char dir[4096];
    snprintf(dir, sizeof(dir), "%s/tests/tokenizer", getenv("VKGPT_BUILD_ROOT"));
    cr_assert_eq(vkgpt_tokenizer_add_plugin_dir(dir), VKGPT_OK);
    expect_load_error("badabi", VKGPT_ERR_PLUGIN_ABI, "tokenizer ABI 999");
}

/* ---- A plugin linked into the program: every byte is its own token ---- */

struct vkgpt_tokenizer_impl {
    int unused;
};

static vkgpt_status_t echo_create(const vkgpt_tokenizer_source_t *src,
                                  vkgpt_tokenizer_impl_t **out,
                                  vkgpt_tokenizer_plugin_error_t *err) {
    (void)src;
    (void)err;
    *out = calloc(1, sizeof(**out));
    return VKGPT_OK;
}

static void echo_destroy(vkgpt_tokenizer_impl_t *t) {
    free(t);
}

static vkgpt_status_t echo_encode(vkgpt_tokenizer_impl_t *t, const char *text, size_t len,
                                  uint32_t flags, int32_t *ids, size_t cap, size_t *n,
                                  vkgpt_tokenizer_plugin_error_t *err) {
    (void)t, (void)flags, (void)err;
    *n = len;
    if (len > cap) {
        return VKGPT_ERR_BUFFER_TOO_SMALL;
    }
    for (size_t i = 0; i < len; i++) {
        ids[i] = (uint8_t)text[i];
    }
    return VKGPT_OK;
}

static vkgpt_status_t echo_decode(vkgpt_tokenizer_impl_t *t, const int32_t *ids, size_t n,
                                  uint32_t flags, char *out, size_t cap, size_t *n_bytes,
                                  size_t *n_invalid, vkgpt_tokenizer_plugin_error_t *err) {
    (void)t, (void)flags, (void)err;
    *n_bytes = n;
    if (n_invalid) {
        *n_invalid = 0;
    }
    if (n > cap) {
        return VKGPT_ERR_BUFFER_TOO_SMALL;
    }
    for (size_t i = 0; i < n; i++) {
        out[i] = (char)ids[i];
    }
    return VKGPT_OK;
}

static const char *echo_piece(const vkgpt_tokenizer_impl_t *t, int32_t id, size_t *len) {
    (void)t, (void)id;
    *len = 0;
    return NULL;
}

static int32_t echo_id(const vkgpt_tokenizer_impl_t *t, const char *p, size_t len) {
    (void)t;
    return len == 1 ? (uint8_t)p[0] : -1;
}

static size_t echo_vocab(const vkgpt_tokenizer_impl_t *t) {
    (void)t;
    return 256;
}

static size_t echo_nspecial(const vkgpt_tokenizer_impl_t *t) {
    (void)t;
    return 0;
}

static vkgpt_status_t echo_special(const vkgpt_tokenizer_impl_t *t, size_t i,
                                   vkgpt_tokenizer_special_t *out) {
    (void)t, (void)i, (void)out;
    return VKGPT_ERR_INVALID_ARGUMENT;
}

static const vkgpt_tokenizer_plugin_t echo_plugin = {
    .abi_version = VKGPT_TOKENIZER_ABI_VERSION,
    .struct_size = sizeof(vkgpt_tokenizer_plugin_t),
    .name = "echo",
    .description = "bytes as ids",
    .create = echo_create,
    .destroy = echo_destroy,
    .encode = echo_encode,
    .decode = echo_decode,
    .token_to_piece = echo_piece,
    .piece_to_token = echo_id,
    .vocab_size = echo_vocab,
    .special_count = echo_nspecial,
    .special_at = echo_special,
};

Test(registry, linked_table_is_found_by_name) {
    cr_assert_eq(vkgpt_tokenizer_register_plugin(&echo_plugin), VKGPT_OK);
    vkgpt_tokenizer_t *tok = NULL;
    cr_assert_eq(tu_load("/tmp", "echo", &tok), VKGPT_OK, "%s", vkgpt_tokenizer_error());
    int32_t *ids;
    cr_assert_eq(tu_encode(tok, "hi", 2, 0, &ids), 2);
    cr_assert_eq(ids[1], 'i');
    free(ids);
    vkgpt_tokenizer_destroy(tok);
}

Test(registry, linked_table_with_another_abi_is_refused) {
    vkgpt_tokenizer_plugin_t bad = echo_plugin;
    bad.abi_version = 2;
    cr_assert_eq(vkgpt_tokenizer_register_plugin(&bad), VKGPT_ERR_PLUGIN_ABI);
    bad = echo_plugin;
    bad.struct_size = 16;
    cr_assert_eq(vkgpt_tokenizer_register_plugin(&bad), VKGPT_ERR_PLUGIN_ABI);
    cr_assert_neq(strstr(vkgpt_tokenizer_error(), "16 bytes"), NULL);
}
