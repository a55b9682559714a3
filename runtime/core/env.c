/* env.c: the only place vkgpt calls getenv(). docs/ENV.md lists the same variables. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common.h"
#include "env.h"

int vkgpt__env_log_level(void) {
    static const char *names[] = {"error", "warn", "info", "debug", "trace"};
    const char *v = getenv("VKGPT_LOG");
    if (!v) {
        return -1;
    }
    for (int i = 0; i < 5; i++) {
        if (strcasecmp(v, names[i]) == 0) {
            return i;
        }
    }
    return -1;
}

const char *vkgpt__env_device(void) {
    const char *v = getenv("VKGPT_DEVICE");
    return (v && *v) ? v : NULL;
}

static bool env_flag(const char *name, bool fallback) {
    const char *v = getenv(name);
    if (!v || !*v) {
        return fallback;
    }
    return !(strcmp(v, "0") == 0 || strcasecmp(v, "false") == 0 || strcasecmp(v, "no") == 0);
}

bool vkgpt__env_validate(void) {
    return env_flag("VKGPT_VALIDATE", false);
}

bool vkgpt__env_pipeline_cache_enabled(void) {
    return env_flag("VKGPT_PIPELINE_CACHE", true);
}

bool vkgpt__env_cache_dir(char *buf, size_t size) {
    const char *xdg = getenv("XDG_CACHE_HOME");
    int n;
    if (xdg && *xdg) {
        n = snprintf(buf, size, "%s/vkgpt", xdg);
    } else {
        const char *home = getenv("HOME");
        if (!home || !*home) {
            return false;
        }
        n = snprintf(buf, size, "%s/.cache/vkgpt", home);
    }
    return n > 0 && (size_t)n < size;
}

static uint64_t env_bytes(const char *name) {
    const char *v = getenv(name);
    if (!v || !*v) {
        return 0;
    }
    char *end = NULL;
    unsigned long long n = strtoull(v, &end, 10);
    if (end == v || *end != '\0') {
        VKGPT_LOGW("%s=%s is not a byte count; ignored", name, v);
        return 0;
    }
    return n;
}

uint64_t vkgpt__env_max_buffer_range(void) {
    return env_bytes("VKGPT_MAX_BUFFER_RANGE");
}

uint64_t vkgpt__env_max_allocation(void) {
    return env_bytes("VKGPT_MAX_ALLOCATION");
}

const char *vkgpt__env_fault(void) {
    const char *v = getenv("VKGPT_FAULT");
    return (v && *v) ? v : NULL;
}

const char *vkgpt__env_plugin_path(void) {
    const char *v = getenv("VKGPT_PLUGIN_PATH");
    return (v && *v) ? v : NULL;
}
