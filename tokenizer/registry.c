/* registry.c: the process-wide list of tokenizer plugins: tables the application registered,
 * modules already loaded, and the folders searched for new ones.
 *
 * Modules are opened with dlopen() and never closed: a tokenizer created from a plugin keeps
 * pointers into it, and a process loads a handful of plugins at most. The loader is POSIX
 * dlopen() only: a Windows build would need a LoadLibrary() variant of open_module(), which
 * does not exist yet. */
#define _GNU_SOURCE /* dladdr */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <threads.h>

#include "env.h"
#include "plugin_config.h"
#include "registry.h"

#define MAX_PLUGINS 64
#define MAX_DIRS 64
#define MAX_NAME 64

/* Everything below is guarded by reg_mutex. */
static mtx_t reg_mutex;
static once_flag reg_once = ONCE_FLAG_INIT;
static const vkgpt_tokenizer_plugin_t *tables[MAX_PLUGINS]; /* registered or loaded */
static size_t n_tables;
static char *api_dirs[MAX_DIRS]; /* newest first */
static size_t n_api_dirs;

static void reg_init(void) {
    mtx_init(&reg_mutex, mtx_plain);
}

static void reg_lock(void) {
    call_once(&reg_once, reg_init);
    mtx_lock(&reg_mutex);
}

vkgpt_status_t vkgpt__plugin_check(const vkgpt_tokenizer_plugin_t *t, const char *where,
                                   vkgpt__error_t *err) {
    if (t->abi_version != VKGPT_TOKENIZER_ABI_VERSION) {
        return vkgpt__error_set(err, VKGPT_ERR_PLUGIN_ABI,
                                "%s: plugin built for tokenizer ABI %u, this vkgpt speaks %u; "
                                "rebuild the plugin against this vkgpt's headers",
                                where, t->abi_version, VKGPT_TOKENIZER_ABI_VERSION);
    }
    if (t->struct_size < sizeof(vkgpt_tokenizer_plugin_t)) {
        return vkgpt__error_set(err, VKGPT_ERR_PLUGIN_ABI,
                                "%s: plugin table is %u bytes, ABI %u needs %zu", where,
                                t->struct_size, VKGPT_TOKENIZER_ABI_VERSION,
                                sizeof(vkgpt_tokenizer_plugin_t));
    }
    if (!t->name || !t->name[0] || strlen(t->name) > MAX_NAME) {
        return vkgpt__error_set(err, VKGPT_ERR_PLUGIN_ABI,
                                "%s: plugin table has no name (or one over %d bytes)", where,
                                MAX_NAME);
    }

    const char *missing = !t->create           ? "create"
                          : !t->destroy        ? "destroy"
                          : !t->encode         ? "encode"
                          : !t->decode         ? "decode"
                          : !t->token_to_piece ? "token_to_piece"
                          : !t->piece_to_token ? "piece_to_token"
                          : !t->vocab_size     ? "vocab_size"
                          : !t->special_count  ? "special_count"
                          : !t->special_at     ? "special_at"
                                               : NULL;
    if (missing) {
        return vkgpt__error_set(err, VKGPT_ERR_PLUGIN_ABI,
                                "%s: plugin '%s' lacks the required function '%s'", where,
                                t->name, missing);
    }
    return VKGPT_OK;
}

/* The table called name among those registered or loaded; call with the lock held. */
static const vkgpt_tokenizer_plugin_t *table_by_name(const char *name) {
    for (size_t i = 0; i < n_tables; i++) {
        if (strcmp(tables[i]->name, name) == 0) {
            return tables[i];
        }
    }
    return NULL;
}

static vkgpt_status_t table_add(const vkgpt_tokenizer_plugin_t *t, vkgpt__error_t *err) {
    if (table_by_name(t->name) == t) {
        return VKGPT_OK;
    }
    if (n_tables == MAX_PLUGINS) {
        return vkgpt__error_set(err, VKGPT_ERR_UNSUPPORTED,
                                "too many tokenizer plugins (at most %d per process)",
                                MAX_PLUGINS);
    }
    tables[n_tables++] = t;
    return VKGPT_OK;
}

vkgpt_status_t vkgpt__plugin_register(const vkgpt_tokenizer_plugin_t *t, vkgpt__error_t *err) {
    if (!t) {
        return vkgpt__error_set(err, VKGPT_ERR_INVALID_ARGUMENT, "plugin table is NULL");
    }
    vkgpt_status_t st = vkgpt__plugin_check(t, "registered table", err);
    if (st != VKGPT_OK) {
        return st;
    }
    reg_lock();
    st = table_add(t, err);
    mtx_unlock(&reg_mutex);
    return st;
}

vkgpt_status_t vkgpt__plugin_add_dir(const char *dir, vkgpt__error_t *err) {
    if (!dir || !dir[0]) {
        return vkgpt__error_set(err, VKGPT_ERR_INVALID_ARGUMENT, "plugin folder is empty");
    }
    char *copy = strdup(dir);
    if (!copy) {
        return vkgpt__error_set(err, VKGPT_ERR_OUT_OF_HOST_MEMORY, "out of memory");
    }

    reg_lock();
    if (n_api_dirs == MAX_DIRS) {
        mtx_unlock(&reg_mutex);
        free(copy);
        return vkgpt__error_set(err, VKGPT_ERR_UNSUPPORTED,
                                "too many plugin folders (at most %d)", MAX_DIRS);
    }
    memmove(api_dirs + 1, api_dirs, n_api_dirs * sizeof(api_dirs[0]));
    api_dirs[0] = copy;
    n_api_dirs++;
    mtx_unlock(&reg_mutex);
    return VKGPT_OK;
}

/* dlsym() returns an object pointer; converting it through memcpy keeps the conversion to a
 * function pointer defined on every compiler that warns about the cast. */
static vkgpt_tokenizer_plugin_entry_fn entry_of(void *module) {
    void *sym = dlsym(module, VKGPT_TOKENIZER_PLUGIN_ENTRY);
    vkgpt_tokenizer_plugin_entry_fn fn = NULL;
    if (sym) {
        memcpy(&fn, &sym, sizeof(fn));
    }
    return fn;
}

static vkgpt_status_t open_module(const char *path, const vkgpt_tokenizer_plugin_t **out,
                                  vkgpt__error_t *err) {
    void *module = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!module) {
        const char *why = dlerror();
        return vkgpt__error_set(err, VKGPT_ERR_PLUGIN_ABI, "%s: cannot load as a module: %s",
                                path, why ? why : "unknown reason");
    }
    vkgpt_tokenizer_plugin_entry_fn entry = entry_of(module);
    if (!entry) {
        dlclose(module);
        return vkgpt__error_set(err, VKGPT_ERR_PLUGIN_ABI,
                                "%s: not a vkgpt tokenizer plugin (it exports no %s)", path,
                                VKGPT_TOKENIZER_PLUGIN_ENTRY);
    }

    const vkgpt_tokenizer_plugin_t *t = entry(VKGPT_TOKENIZER_ABI_VERSION);
    if (!t) {
        dlclose(module);
        return vkgpt__error_set(err, VKGPT_ERR_PLUGIN_ABI,
                                "%s: the plugin offers no table for tokenizer ABI %u", path,
                                VKGPT_TOKENIZER_ABI_VERSION);
    }
    vkgpt_status_t st = vkgpt__plugin_check(t, path, err);
    if (st != VKGPT_OK) {
        dlclose(module);
        return st;
    }
    *out = t; /* the module stays open for the rest of the process */
    return VKGPT_OK;
}

vkgpt_status_t vkgpt__plugin_load_file(const char *path, const char *expect_name,
                                       const vkgpt_tokenizer_plugin_t **out,
                                       vkgpt__error_t *err) {
    const vkgpt_tokenizer_plugin_t *t = NULL;
    vkgpt_status_t st = open_module(path, &t, err);
    if (st != VKGPT_OK) {
        return st;
    }
    if (expect_name && strcmp(t->name, expect_name) != 0) {
        return vkgpt__error_set(err, VKGPT_ERR_PLUGIN_ABI,
                                "%s: module calls itself '%s', expected '%s'", path, t->name,
                                expect_name);
    }

    reg_lock();
    const vkgpt_tokenizer_plugin_t *known = table_by_name(t->name);
    st = known ? VKGPT_OK : table_add(t, err);
    mtx_unlock(&reg_mutex);
    *out = known ? known : t;
    return st;
}

/* ---- Search ---- */

static bool valid_name(const char *name) {
    size_t n = strlen(name);
    if (n == 0 || n > MAX_NAME) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '_' || c == '-';
        if (!ok) {
            return false;
        }
    }
    return true;
}

static bool is_file(const char *path) {
    struct stat sb;
    return stat(path, &sb) == 0 && S_ISREG(sb.st_mode);
}

/* Appends dir to the "looked in" list for the not-found message, as far as it fits. */
static void note_dir(char *list, size_t size, const char *dir) {
    size_t used = strlen(list);
    size_t sep = used ? 2 : 0;
    size_t n = strlen(dir);
    if (used + sep + n + 1 > size) {
        return;
    }
    memcpy(list + used, ", ", sep);
    memcpy(list + used + sep, dir, n + 1);
}

/* Tries <dir>/vkgpt_plugin_<name>.so, then <dir>/<name>/vkgpt_plugin_<name>.so (the layout of
 * a build folder). Returns true when a module file was found; *st is then the load result. */
static bool try_dir(const char *dir, const char *name, const vkgpt_tokenizer_plugin_t **out,
                    vkgpt_status_t *st, vkgpt__error_t *err) {
    char path[4096];
    const char *layouts[2] = {"%s/" VKGPT__PLUGIN_PREFIX "%s" VKGPT__PLUGIN_SUFFIX,
                              "%s/%s/" VKGPT__PLUGIN_PREFIX "%s" VKGPT__PLUGIN_SUFFIX};
    for (int i = 0; i < 2; i++) {
        int n = i == 0 ? snprintf(path, sizeof(path), layouts[0], dir, name)
                       : snprintf(path, sizeof(path), layouts[1], dir, name, name);
        if (n < 0 || (size_t)n >= sizeof(path) || !is_file(path)) {
            continue;
        }
        *st = vkgpt__plugin_load_file(path, name, out, err);
        return true;
    }
    return false;
}

/* Walks VKGPT_PLUGIN_PATH's colon-separated folders. */
static bool try_env_path(const char *name, const vkgpt_tokenizer_plugin_t **out,
                         vkgpt_status_t *st, char *looked, size_t looked_size,
                         vkgpt__error_t *err) {
    const char *p = vkgpt__env_plugin_path();
    while (p && *p) {
        const char *colon = strchr(p, ':');
        size_t n = colon ? (size_t)(colon - p) : strlen(p);
        char dir[4096];
        if (n > 0 && n < sizeof(dir)) {
            memcpy(dir, p, n);
            dir[n] = '\0';
            note_dir(looked, looked_size, dir);
            if (try_dir(dir, name, out, st, err)) {
                return true;
            }
        }
        p = colon ? colon + 1 : NULL;
    }
    return false;
}

/* The API folders are copied under the lock, then searched without it (loading a module runs
 * its constructors, which must not run under our lock). */
static bool try_api_dirs(const char *name, const vkgpt_tokenizer_plugin_t **out,
                         vkgpt_status_t *st, char *looked, size_t looked_size,
                         vkgpt__error_t *err) {
    char *dirs[MAX_DIRS];
    reg_lock();
    size_t n = n_api_dirs;
    memcpy(dirs, api_dirs, n * sizeof(dirs[0]));
    mtx_unlock(&reg_mutex);

    for (size_t i = 0; i < n; i++) {
        note_dir(looked, looked_size, dirs[i]);
        if (try_dir(dirs[i], name, out, st, err)) {
            return true;
        }
    }
    return false;
}

/* The folder "plugins" beside the file this code was loaded from: in a build tree that is
 * <builddir>/plugins next to libvkgpt.so, so an uninstalled vkgpt finds its plugins without
 * VKGPT_PLUGIN_PATH. Installed, the folder does not exist and nothing is found here. */
static bool try_beside_library(const char *name, const vkgpt_tokenizer_plugin_t **out,
                               vkgpt_status_t *st, char *looked, size_t looked_size,
                               vkgpt__error_t *err) {
    Dl_info info;
    if (!dladdr((void *)try_beside_library, &info) || !info.dli_fname) {
        return false;
    }
    char dir[1024];
    snprintf(dir, sizeof(dir), "%s", info.dli_fname);
    char *slash = strrchr(dir, '/');
    if (!slash || (size_t)(slash - dir) + sizeof("/plugins") > sizeof(dir)) {
        return false;
    }
    strcpy(slash, "/plugins");
    note_dir(looked, looked_size, dir);
    return try_dir(dir, name, out, st, err);
}

vkgpt_status_t vkgpt__plugin_find(const char *name, const vkgpt_tokenizer_plugin_t **out,
                                  vkgpt__error_t *err) {
    if (!name) {
        return vkgpt__error_set(err, VKGPT_ERR_INVALID_ARGUMENT, "plugin name is NULL");
    }
    if (strchr(name, '/')) {
        return vkgpt__plugin_load_file(name, NULL, out, err);
    }
    if (!valid_name(name)) {
        return vkgpt__error_set(err, VKGPT_ERR_INVALID_ARGUMENT,
                                "'%s' is not a plugin name (letters, digits, '_' and '-', "
                                "at most %d)", name, MAX_NAME);
    }

    reg_lock();
    *out = table_by_name(name);
    mtx_unlock(&reg_mutex);
    if (*out) {
        return VKGPT_OK;
    }

    char looked[2048] = "";
    vkgpt_status_t st = VKGPT_OK;
    if (try_api_dirs(name, out, &st, looked, sizeof(looked), err) ||
        try_env_path(name, out, &st, looked, sizeof(looked), err)) {
        return st;
    }
    note_dir(looked, sizeof(looked), VKGPT__PLUGIN_INSTALL_DIR);
    if (try_dir(VKGPT__PLUGIN_INSTALL_DIR, name, out, &st, err) ||
        try_beside_library(name, out, &st, looked, sizeof(looked), err)) {
        return st;
    }
    return vkgpt__error_set(err, VKGPT_ERR_PLUGIN_ABI,
                            "tokenizer plugin '%s' not found: no " VKGPT__PLUGIN_PREFIX
                            "%s" VKGPT__PLUGIN_SUFFIX " in %s (set VKGPT_PLUGIN_PATH or call "
                            "vkgpt_tokenizer_add_plugin_dir())",
                            name, name, looked);
}
