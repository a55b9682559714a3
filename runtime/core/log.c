/* log.c: the process-wide log sink. Silent by default; VKGPT_LOG (read in env.c) selects
 * stderr at a level; vkgpt_log_set() installs an application's callback. */
#include <stdarg.h>
#include <stdio.h>
#include <threads.h>

#include "common.h"
#include "env.h"

static mtx_t log_mutex;
static once_flag log_once = ONCE_FLAG_INIT;
static vkgpt_log_fn log_fn;
static void *log_user;
static int log_max_level = -1; /* -1: silent */
static bool log_to_stderr;

static void log_init(void) {
    mtx_init(&log_mutex, mtx_plain);
    int env_level = vkgpt__env_log_level();
    if (env_level >= 0) {
        log_max_level = env_level;
        log_to_stderr = true;
    }
}

static const char *level_name(vkgpt_log_level_t level) {
    static const char *names[] = {"error", "warning", "info", "debug", "trace"};
    return (unsigned)level < 5 ? names[level] : "log";
}

VKGPT_API void vkgpt_log_set(vkgpt_log_fn fn, vkgpt_log_level_t max_level, void *user_data) {
    call_once(&log_once, log_init);
    mtx_lock(&log_mutex);
    log_fn = fn;
    log_user = user_data;
    log_to_stderr = false;
    log_max_level = fn ? (int)max_level : -1;
    if (!fn) {
        int env_level = vkgpt__env_log_level();
        log_max_level = env_level;
        log_to_stderr = env_level >= 0;
    }
    mtx_unlock(&log_mutex);
}

bool vkgpt__log_enabled(vkgpt_log_level_t level) {
    call_once(&log_once, log_init);
    return (int)level <= log_max_level;
}

void vkgpt__log(vkgpt_log_level_t level, const char *fmt, ...) {
    if (!vkgpt__log_enabled(level)) {
        return;
    }
    char buf[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);

    /* The mutex keeps a callback from being replaced while it runs and keeps lines whole. */
    mtx_lock(&log_mutex);
    if (log_fn) {
        log_fn(level, buf, log_user);
    } else if (log_to_stderr) {
        fprintf(stderr, "vkgpt %s: %s\n", level_name(level), buf);
    }
    mtx_unlock(&log_mutex);
}
