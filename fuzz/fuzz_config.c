/* fuzz_config.c: libFuzzer target for the YAML config reader. The input up to its first NUL
 * is the config file; each NUL-separated part after it is a command-line override
 * "section.key=value". A config that loads, takes its overrides and validates must print to
 * YAML that loads and validates again and prints the same; every refusal must be
 * VKGPT_ERR_CONFIG with a message that starts with the file's name (or names the override). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"

#define MAX_OVERRIDE 512

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what, const char *detail) {
    fprintf(stderr, "fuzz check failed: %s: %s\n", what, detail);
    abort();
}

static void check_refusal(vkgpt_status_t st, const vkgpt__error_t *err, const char *prefix) {
    if (st == VKGPT_ERR_OUT_OF_HOST_MEMORY) {
        return;
    }
    if (st != VKGPT_ERR_CONFIG) {
        fail("a refusal that is not VKGPT_ERR_CONFIG", err->message);
    }
    if (prefix && strncmp(err->message, prefix, strlen(prefix)) != 0) {
        fail("an error message that does not start with the file's name", err->message);
    }
}

/* Applies each "key=value" part after the config text; false when one is refused. */
static bool apply_overrides(vkgpt__config_t *cfg, const uint8_t *p, const uint8_t *end) {
    while (p < end) {
        const uint8_t *nul = memchr(p, 0, (size_t)(end - p));
        const uint8_t *stop = nul ? nul : end;
        char text[MAX_OVERRIDE];
        size_t n = (size_t)(stop - p) < sizeof(text) - 1 ? (size_t)(stop - p) : sizeof(text) - 1;
        memcpy(text, p, n);
        text[n] = '\0';
        p = stop + 1;

        char *eq = strchr(text, '=');
        if (!eq) {
            continue;
        }
        *eq = '\0';
        vkgpt__error_t err = {0};
        vkgpt_status_t st = vkgpt__config_set(cfg, text, eq + 1, &err);
        if (st != VKGPT_OK) {
            check_refusal(st, &err, NULL);
            return false;
        }
    }
    return true;
}

/* Prints cfg, reads the text back, prints again: both texts must be equal. */
static void check_print_round_trip(vkgpt__config_t *cfg) {
    vkgpt__error_t err = {0};
    char *first = NULL, *second = NULL;
    size_t first_len = 0, second_len = 0;
    if (vkgpt__config_print(cfg, &first, &first_len, &err) != VKGPT_OK) {
        fail("a validated config does not print", err.message);
    }

    vkgpt__config_t again;
    if (vkgpt__config_load_string(&again, "printed.yaml", first, first_len, &err) != VKGPT_OK ||
        vkgpt__config_validate(&again, &err) != VKGPT_OK) {
        fprintf(stderr, "printed:\n%s\n", first);
        fail("the printed config does not load", err.message);
    }
    if (vkgpt__config_print(&again, &second, &second_len, &err) != VKGPT_OK) {
        fail("the reloaded config does not print", err.message);
    }
    if (first_len != second_len || memcmp(first, second, first_len) != 0) {
        fprintf(stderr, "first:\n%s\nsecond:\n%s\n", first, second);
        fail("printing the reloaded config", "gives different text");
    }
    free(first);
    free(second);
    vkgpt__config_free(&again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const uint8_t *nul = memchr(data, 0, size);
    size_t text_len = nul ? (size_t)(nul - data) : size;

    vkgpt__config_t cfg;
    vkgpt__error_t err = {0};
    vkgpt_status_t st = vkgpt__config_load_string(&cfg, "fuzz.yaml", (const char *)data,
                                                  text_len, &err);
    if (st != VKGPT_OK) {
        check_refusal(st, &err, "fuzz.yaml");
        vkgpt__config_free(&cfg);
        return 0;
    }
    if (nul && !apply_overrides(&cfg, nul + 1, data + size)) {
        vkgpt__config_free(&cfg);
        return 0;
    }

    st = vkgpt__config_validate(&cfg, &err);
    if (st == VKGPT_OK) {
        check_print_round_trip(&cfg);
    } else {
        check_refusal(st, &err, NULL);
    }
    vkgpt__config_free(&cfg);
    return 0;
}
