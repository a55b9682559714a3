/* bad_plugins.c: modules that are not valid tokenizer plugins, one per BAD_KIND, for the
 * loader's error paths: no entry point, a table for another ABI, an entry that returns NULL,
 * and a table that lacks a required function. */
#include "vkgpt_tokenizer_plugin.h"

#if BAD_KIND == 0
/* Exports something, but not the entry point. */
VKGPT_PLUGIN_EXPORT int vkgpt_not_a_plugin(void);
VKGPT_PLUGIN_EXPORT int vkgpt_not_a_plugin(void) {
    return 1;
}
#else
static const vkgpt_tokenizer_plugin_t table = {
    .abi_version = BAD_KIND == 1 ? 999 : VKGPT_TOKENIZER_ABI_VERSION,
    .struct_size = sizeof(vkgpt_tokenizer_plugin_t),
    .name = "bad",
};

VKGPT_PLUGIN_EXPORT const vkgpt_tokenizer_plugin_t *vkgpt_tokenizer_plugin_entry(uint32_t abi);
VKGPT_PLUGIN_EXPORT const vkgpt_tokenizer_plugin_t *vkgpt_tokenizer_plugin_entry(uint32_t abi) {
    (void)abi;
    return BAD_KIND == 2 ? NULL : &table;
}
#endif
