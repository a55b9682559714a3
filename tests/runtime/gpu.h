/* gpu.h: what the GPU test suites share: a device with validation on (skipping the test when
 * there is none) and a runner for tables of op checks. */
#ifndef VKGPT_TESTS_GPU_H
#define VKGPT_TESTS_GPU_H

#include <criterion/criterion.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ops/opcheck.h"
#include "vulkan/vk.h"

/* The seed of every random input; printed with each failure so it can be replayed. */
#define TEST_SEED 20261203u

/* True under `meson test --setup valgrind`, which sets VKGPT_TEST_LIGHT=1. There lavapipe's
 * shaders run about 120 times slower, so the model tests that would take 15 to 55 minutes
 * check less data (one prompt, four greedy steps, no recovery run after each fault point)
 * through the same code paths; the plain and sanitizer runs check all of it. */
static inline bool test_light(void) {
    const char *v = getenv("VKGPT_TEST_LIGHT");
    return v && *v && strcmp(v, "0") != 0;
}

/* How many of `full` items (prompts, steps, positions) a test checks: at most `light` under
 * test_light(), all of them otherwise. */
static inline size_t test_count(size_t full, size_t light) {
    return test_light() && full > light ? light : full;
}

static inline vkgpt_device_t *test_device(uint32_t flags) {
    vkgpt_device_params_t params;
    vkgpt_device_params_init(&params);
    params.validation = 1;
    params.flags = flags;
    vkgpt_device_t *dev = NULL;
    vkgpt_status_t st = vkgpt_device_create(&params, &dev);
    if (st == VKGPT_ERR_NO_DEVICE) {
        cr_skip_test("no Vulkan device: %s", vkgpt_last_error());
    }
    cr_assert_eq(st, VKGPT_OK, "device creation failed: %s", vkgpt_last_error());
    return dev;
}

/* Destroys the device and fails the test if the validation layer said anything. */
static inline void test_device_done(vkgpt_device_t *dev) {
    uint32_t messages = vkgpt_device_validation_messages(dev);
    vkgpt_device_destroy(dev);
    cr_assert_eq(messages, 0, "%u validation message(s); run with VKGPT_LOG=warn to see them",
                 messages);
}

static inline void run_cases(vkgpt_device_t *dev, const vkgpt__opcheck_case_t *cases, size_t n) {
    for (size_t i = 0; i < n; i++) {
        vkgpt__opcheck_result_t r;
        uint64_t seed = TEST_SEED + i;
        vkgpt_status_t st = vkgpt__opcheck_run(dev, &cases[i], seed, &r);
        cr_assert_eq(st, VKGPT_OK, "%s %s %s: %s (%s)", r.op, r.shape,
                     vkgpt__wtype_name(cases[i].wtype), vkgpt_status_name(st),
                     vkgpt_device_last_error(dev));
        cr_expect(r.guards_intact, "%s %s %s seed %llu: wrote outside its output", r.op, r.shape,
                  vkgpt__wtype_name(cases[i].wtype), (unsigned long long)seed);
        cr_expect(r.passed, "%s %s %s seed %llu: max abs err %.3g, rel %.3g > tolerance %.3g",
                  r.op, r.shape, vkgpt__wtype_name(cases[i].wtype), (unsigned long long)seed,
                  r.max_abs_error, r.max_rel_error, r.tolerance);
    }
}

#endif
