/* test_device.c: device enumeration and choice, errors for bad selectors, VKGPT_DEVICE, and the
 * on-disk pipeline cache. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <ctype.h>
#include <unistd.h>

#include "gpu.h"

static vkgpt_status_t open_with(const char *selector, vkgpt_device_t **dev) {
    vkgpt_device_params_t params;
    vkgpt_device_params_init(&params);
    params.selector = selector;
    params.validation = 1;
    return vkgpt_device_create(&params, dev);
}

static size_t device_count(void) {
    size_t count = 0;
    vkgpt_status_t st = vkgpt_devices_list(NULL, 0, &count);
    if (st == VKGPT_ERR_NO_DEVICE || count == 0) {
        cr_skip_test("no Vulkan device");
    }
    cr_assert_eq(st, VKGPT_OK, "%s", vkgpt_last_error());
    return count;
}

Test(device, list_reports_features) {
    size_t count = device_count();
    vkgpt_device_info_t infos[8];
    for (int i = 0; i < 8; i++) {
        infos[i].struct_size = sizeof(infos[i]);
    }
    cr_assert_eq(vkgpt_devices_list(infos, 8, &count), VKGPT_OK);
    cr_assert_gt(strlen(infos[0].name), 0);
    cr_assert_gt(infos[0].max_storage_buffer_range, 0);
    cr_assert_geq(infos[0].max_workgroup_invocations, 128);
}

Test(device, bad_index_is_a_clear_error) {
    size_t count = device_count();
    char selector[32];
    snprintf(selector, sizeof(selector), "%zu", count + 5);
    vkgpt_device_t *dev = (vkgpt_device_t *)1;
    cr_assert_eq(open_with(selector, &dev), VKGPT_ERR_NO_DEVICE);
    cr_assert_null(dev);
    cr_assert(strstr(vkgpt_last_error(), "out of range"), "message: %s", vkgpt_last_error());
}

Test(device, unknown_name_is_a_clear_error) {
    device_count();
    vkgpt_device_t *dev = NULL;
    cr_assert_eq(open_with("no-such-gpu-9000", &dev), VKGPT_ERR_NO_DEVICE);
    cr_assert(strstr(vkgpt_last_error(), "no-such-gpu-9000"), "message: %s", vkgpt_last_error());
}

Test(device, chosen_by_index_and_by_name) {
    device_count();
    vkgpt_device_info_t first = {.struct_size = sizeof(first)};
    size_t n = 1;
    cr_assert_eq(vkgpt_devices_list(&first, 1, &n), VKGPT_OK);

    vkgpt_device_t *dev = NULL;
    cr_assert_eq(open_with("0", &dev), VKGPT_OK, "%s", vkgpt_last_error());
    vkgpt_device_info_t info = {.struct_size = sizeof(info)};
    vkgpt_device_info(dev, &info);
    cr_assert_str_eq(info.name, first.name);
    test_device_done(dev);

    /* A lower-case substring of the name picks the same device. */
    char needle[8] = {0};
    for (int i = 0; i < 4 && first.name[i]; i++) {
        needle[i] = (char)tolower((unsigned char)first.name[i]);
    }
    cr_assert_eq(open_with(needle, &dev), VKGPT_OK, "%s", vkgpt_last_error());
    vkgpt_device_info(dev, &info);
    cr_assert_str_eq(info.name, first.name);
    test_device_done(dev);
}

Test(device, environment_variable_is_honoured) {
    device_count();
    setenv("VKGPT_DEVICE", "no-such-gpu-from-env", 1);
    vkgpt_device_t *dev = NULL;
    cr_assert_eq(open_with(NULL, &dev), VKGPT_ERR_NO_DEVICE);
    cr_assert(strstr(vkgpt_last_error(), "no-such-gpu-from-env"), "%s", vkgpt_last_error());

    setenv("VKGPT_DEVICE", "0", 1);
    cr_assert_eq(open_with(NULL, &dev), VKGPT_OK, "%s", vkgpt_last_error());
    test_device_done(dev);
    unsetenv("VKGPT_DEVICE");
}

Test(device, pipeline_cache_is_saved_and_reused) {
    device_count();
    char dir[] = "/tmp/vkgpt-cache-XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    setenv("XDG_CACHE_HOME", dir, 1);

    vkgpt_device_t *dev = test_device(0);
    uint32_t failures = 0;
    cr_assert_eq(vkgpt_device_selftest(dev, NULL, NULL, &failures), VKGPT_OK);
    char path[1100];
    snprintf(path, sizeof(path), "%s", dev->pipeline_cache_path);
    test_device_done(dev);

    struct stat sb;
    cr_assert_eq(stat(path, &sb), 0, "no pipeline cache at %s", path);
    cr_assert_gt(sb.st_size, 0);
    cr_assert(strncmp(path, dir, strlen(dir)) == 0, "cache %s outside XDG_CACHE_HOME", path);

    /* A cache file of garbage is ignored, not trusted: the device still opens and works. */
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f);
    fputs("not a pipeline cache", f);
    fclose(f);
    dev = test_device(0);
    cr_assert_eq(vkgpt_device_selftest(dev, NULL, NULL, &failures), VKGPT_OK);
    cr_assert_eq(failures, 0);
    test_device_done(dev);
}

Test(status, every_code_has_a_name_and_text) {
    for (int s = 0; s >= VKGPT_ERR_INTERNAL; s--) {
        cr_assert_str_neq(vkgpt_status_name((vkgpt_status_t)s), "UNKNOWN", "status %d", s);
        cr_assert_str_neq(vkgpt_status_str((vkgpt_status_t)s), "unknown status", "status %d", s);
    }
    cr_assert_eq(vkgpt_version(), VKGPT_VERSION_HEX);
}
