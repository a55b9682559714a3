/* test_config_shipped.c: every file in configs/ loads, validates and prints back to itself;
 * the presets and strategies the docs promise are there; docs/CONFIG.md documents every key. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"

static const char *source_path(const char *rel) {
    static char path[4096];
    const char *root = getenv("VKGPT_SOURCE_ROOT");
    snprintf(path, sizeof(path), "%s/%s", root ? root : ".", rel);
    return path;
}

static void load_ok(const char *rel, vkgpt__config_t *cfg) {
    vkgpt__error_t err = {0};
    const char *path = source_path(rel);
    cr_assert_eq(vkgpt__config_load_file(cfg, path, &err), VKGPT_OK, "%s", err.message);
    cr_assert_eq(vkgpt__config_validate(cfg, &err), VKGPT_OK, "%s", err.message);
}

Test(config_shipped, every_file_loads_validates_and_prints) {
    DIR *d = opendir(source_path("configs"));
    cr_assert(d, "no configs/ folder");
    int n = 0;
    for (struct dirent *e; (e = readdir(d));) {
        size_t len = strlen(e->d_name);
        if (len < 6 || strcmp(e->d_name + len - 5, ".yaml") != 0) {
            continue;
        }
        char rel[512];
        snprintf(rel, sizeof(rel), "configs/%s", e->d_name);
        vkgpt__config_t cfg;
        load_ok(rel, &cfg);
        cr_assert(cfg.model.path[0], "%s names no model", rel);
        char *text = NULL;
        size_t tlen;
        vkgpt__error_t err = {0};
        cr_assert_eq(vkgpt__config_print(&cfg, &text, &tlen, &err), VKGPT_OK, "%s", err.message);
        free(text);
        vkgpt__config_free(&cfg);
        n++;
    }
    closedir(d);
    cr_assert_geq(n, 11, "%d configs", n);
}

Test(config_shipped, one_file_per_size_preset) {
    static const char *const presets[] = {"gpt2-small", "gpt2-medium", "gpt2-large", "gpt2-xl",
                                          "rugpt3-small", "rugpt3-medium", "rugpt3-large"};
    for (size_t i = 0; i < sizeof(presets) / sizeof(presets[0]); i++) {
        char rel[128];
        snprintf(rel, sizeof(rel), "configs/%s.yaml", presets[i]);
        vkgpt__config_t cfg;
        load_ok(rel, &cfg);
        cr_assert_str_eq(cfg.model.preset, presets[i]);
        vkgpt__config_free(&cfg);
    }
}

Test(config_shipped, strategy_files_hold_what_their_names_say) {
    vkgpt__config_t cfg;
    load_ok("configs/greedy.yaml", &cfg);
    cr_assert_eq(cfg.generation.strategy, VKGPT__STRATEGY_GREEDY);
    vkgpt__config_free(&cfg);

    load_ok("configs/sample.yaml", &cfg);
    cr_assert_eq(cfg.generation.strategy, VKGPT__STRATEGY_SAMPLE);
    vkgpt__config_free(&cfg);

    load_ok("configs/beam.yaml", &cfg);
    cr_assert_eq(cfg.generation.strategy, VKGPT__STRATEGY_BEAM);
    cr_assert_eq(cfg.generation.num_beams, 5);
    vkgpt__config_free(&cfg);

    load_ok("configs/lecture.yaml", &cfg);
    cr_assert_eq(cfg.generation.strategy, VKGPT__STRATEGY_SAMPLE);
    cr_assert_float_eq(cfg.generation.temperature, 1.3, 0);
    cr_assert_eq(cfg.generation.top_k, 20);
    cr_assert_float_eq(cfg.generation.top_p, 0.8, 0);
    vkgpt__config_free(&cfg);
}

Test(config_shipped, docs_describe_every_key) {
    FILE *f = fopen(source_path("docs/CONFIG.md"), "rb");
    cr_assert(f, "docs/CONFIG.md is missing");
    static char doc[1 << 17];
    size_t n = fread(doc, 1, sizeof(doc) - 1, f);
    fclose(f);
    doc[n] = '\0';
    for (int k = 0; k < VKGPT__CFG_N_KEYS; k++) {
        char row[80];
        snprintf(row, sizeof(row), "| `%s` |", vkgpt__config_key_name((vkgpt__config_key_t)k));
        cr_assert(strstr(doc, row), "docs/CONFIG.md has no row for %s", row);
    }
}
