/* test_config_locale.c: numbers read and print the same under a locale whose decimal point is
 * a comma (ru_RU, where 1.3 prints as "1,3").
 *
 * The locale is the system's when installed, else the one tests/config/meson.build compiles
 * into the build folder (found through LOCPATH). Without either the test runs in the C locale
 * and says so in its log: the grammar checks still hold, the locale switch is not exercised. */
#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"

static bool comma_locale(void) {
    if (setlocale(LC_ALL, "ru_RU.UTF-8")) {
        return true;
    }
    const char *build = getenv("VKGPT_BUILD_ROOT");
    char dir[4096];
    snprintf(dir, sizeof(dir), "%s/tests/config", build ? build : ".");
    setenv("LOCPATH", dir, 1);
    return setlocale(LC_ALL, "ru_RU.UTF-8") != NULL;
}

Test(config_locale, decimal_point_is_a_dot_in_every_locale) {
    bool ru = comma_locale();
    char probe[16];
    snprintf(probe, sizeof(probe), "%.1f", 1.5);
    if (ru) {
        cr_assert_str_eq(probe, "1,5", "ru_RU is active: printf uses a comma");
    } else {
        cr_log_info("no ru_RU locale: checking in the C locale only");
    }

    vkgpt__config_t cfg;
    vkgpt__error_t err = {0};
    const char *good = "generation:\n  temperature: 1.3\n  top_p: 0.85\n";
    cr_assert_eq(vkgpt__config_load_string(&cfg, "t.yaml", good, strlen(good), &err), VKGPT_OK,
                 "%s", err.message);
    cr_assert_float_eq(cfg.generation.temperature, 1.3, 0);
    cr_assert_float_eq(cfg.generation.top_p, 0.85, 0);

    char *text = NULL;
    size_t n;
    cr_assert_eq(vkgpt__config_print(&cfg, &text, &n, &err), VKGPT_OK);
    cr_assert(strstr(text, "temperature: 1.3\n") && strstr(text, "top_p: 0.85\n"), "%s", text);
    free(text);
    vkgpt__config_free(&cfg);

    const char *bad = "generation:\n  temperature: 1,3\n";
    cr_assert_eq(vkgpt__config_load_string(&cfg, "t.yaml", bad, strlen(bad), &err),
                 VKGPT_ERR_CONFIG);
    cr_assert(strstr(err.message, "t.yaml:2:16: generation.temperature: expected a number, got "
                                  "'1,3' (the decimal point is '.'"), "%s", err.message);
    setlocale(LC_ALL, "C");
}
