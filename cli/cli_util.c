/* cli_util.c: what several commands share: reading files and loading a tokenizer. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "commands.h"

bool cli_read_file(const char *path, char **data, size_t *len) {
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "vkgpt: %s: %s\n", path, strerror(errno));
        return false;
    }
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        n += fread(buf + n, 1, cap - n, f);
        if (n < cap) {
            break;
        }
        char *grown = cap <= SIZE_MAX / 2 ? realloc(buf, cap * 2) : NULL;
        if (!grown) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = grown;
        cap *= 2;
    }
    bool failed = !buf || ferror(f);
    if (f != stdin) {
        fclose(f);
    }
    if (failed) {
        fprintf(stderr, "vkgpt: %s: %s\n", path, buf ? "read error" : "out of memory");
        free(buf);
        return false;
    }
    *data = buf;
    *len = n;
    return true;
}

vkgpt_tokenizer_t *cli_load_tokenizer(const char *folder, const char *plugin) {
    vkgpt_tokenizer_params_t p;
    vkgpt_tokenizer_params_init(&p);
    p.folder = folder;
    if (plugin) {
        p.plugin = plugin;
    }
    vkgpt_tokenizer_t *tok = NULL;
    vkgpt_status_t st = vkgpt_tokenizer_load(&p, &tok);
    if (st != VKGPT_OK) {
        fprintf(stderr, "vkgpt: %s\n", vkgpt_tokenizer_error());
        return NULL;
    }
    return tok;
}

static double seconds_on(clockid_t clock) {
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

double cli_now(void) {
    return seconds_on(CLOCK_MONOTONIC);
}

double cli_cpu_now(void) {
    return seconds_on(CLOCK_PROCESS_CPUTIME_ID);
}
