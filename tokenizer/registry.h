/* registry.h: finding tokenizer plugins by name, loading their modules and checking their
 * tables. Part of libvkgpt (not of tokenizer_common_lib): plugins never call it. */
#ifndef VKGPT_TOKENIZER_REGISTRY_H
#define VKGPT_TOKENIZER_REGISTRY_H

#include "common.h"
#include "vkgpt_tokenizer_plugin.h"

/* Finds the plugin called name (see vkgpt.h's Tokenizer section for the search order) and
 * stores its checked table in *out. A name containing '/' is a module path. */
vkgpt_status_t vkgpt__plugin_find(const char *name, const vkgpt_tokenizer_plugin_t **out,
                                  vkgpt__error_t *err);

/* Loads the module at path and checks its table; expect_name, when not NULL, must match the
 * table's name. Modules stay loaded until the process ends. */
vkgpt_status_t vkgpt__plugin_load_file(const char *path, const char *expect_name,
                                       const vkgpt_tokenizer_plugin_t **out,
                                       vkgpt__error_t *err);

/* Checks a table's ABI version, size, name and required functions; where names it in the
 * message (a module path or "registered table"). */
vkgpt_status_t vkgpt__plugin_check(const vkgpt_tokenizer_plugin_t *t, const char *where,
                                   vkgpt__error_t *err);

vkgpt_status_t vkgpt__plugin_register(const vkgpt_tokenizer_plugin_t *t, vkgpt__error_t *err);
vkgpt_status_t vkgpt__plugin_add_dir(const char *dir, vkgpt__error_t *err);

#endif
