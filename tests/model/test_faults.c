/* test_faults.c: every device failure survived. VKGPT_FAULT makes the n-th memory allocation,
 * submission or fence wait of a device fail (out of device memory, device lost, timeout); for
 * each n until the whole scenario runs without reaching the fault, the public call that met it
 * must return that error with a message, everything must be freed (the validation layer names
 * any Vulkan object still alive when the device is destroyed), and a fresh device must then
 * run the scenario cleanly. Under valgrind (test_light) that clean run follows only the last
 * fault point (the run that no longer reaches the fault), which halves the devices created. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../runtime/gpu.h"
#include "model/session.h"

typedef struct outcome {
    vkgpt_status_t status; /* the first error a public call returned, or VKGPT_OK */
    char message[VKGPT__ERROR_MAX];
    bool fired;            /* the injected fault was reached */
} outcome_t;

static void fixture(char *buf, size_t size, const char *dir) {
    const char *root = getenv("VKGPT_SOURCE_ROOT");
    snprintf(buf, size, "%s/tests/fixtures/gpt2/%s", root ? root : ".", dir);
}

static vkgpt_status_t note(outcome_t *o, vkgpt_status_t st, const char *message) {
    if (st != VKGPT_OK && o->status == VKGPT_OK) {
        o->status = st;
        snprintf(o->message, sizeof(o->message), "%s", message);
    }
    return st;
}

/* Device, model, a two-row session, a prompt, a batched step, a reorder, and teardown. */
static outcome_t scenario(void) {
    outcome_t o = {VKGPT_OK, "", false};
    char path[1024];
    fixture(path, sizeof(path), "tiny3-st");
    vkgpt_device_params_t dp;
    vkgpt_device_params_init(&dp);
    dp.validation = 1;
    vkgpt_device_t *dev = NULL;
    vkgpt_model_t *m = NULL;
    vkgpt_session_t *s = NULL;
    if (note(&o, vkgpt_device_create(&dp, &dev), vkgpt_last_error()) != VKGPT_OK) {
        return o;
    }
    vkgpt_model_params_t mp;
    vkgpt_model_params_init(&mp);
    vkgpt_session_params_t sp;
    vkgpt_session_params_init(&sp);
    sp.n_seq = 2;
    float logits[2 * 260];
    const int32_t prompt[5] = {1, 2, 3, 4, 5}, next[2] = {6, 7};
    const uint32_t rows[2] = {0, 1}, src[2] = {1, 0};
    if (note(&o, vkgpt_model_load(dev, path, &mp, &m), vkgpt_last_error()) == VKGPT_OK &&
        note(&o, vkgpt_session_create(m, &sp, &s), vkgpt_last_error()) == VKGPT_OK &&
        note(&o, vkgpt__session_append(s, 0, prompt, 5, logits), s->error.message) == VKGPT_OK &&
        note(&o, vkgpt__session_append(s, 1, prompt, 3, NULL), s->error.message) == VKGPT_OK &&
        note(&o, vkgpt__session_step(s, rows, next, 2, logits), s->error.message) == VKGPT_OK) {
        note(&o, vkgpt__session_reorder(s, src, 2), s->error.message);
    }
    o.fired = dev->fault.fired;
    vkgpt_session_destroy(s);
    vkgpt_model_destroy(m);
    vkgpt_device_destroy(dev);
    return o;
}

static void run_faults(const char *point, const char *result, vkgpt_status_t expected) {
    int n = 1;
    for (;; n++) {
        char spec[64];
        snprintf(spec, sizeof(spec), "%s:%d:%s", point, n, result);
        setenv("VKGPT_FAULT", spec, 1);
        uint32_t before = vkgpt__validation_total();
        outcome_t o = scenario();
        unsetenv("VKGPT_FAULT");
        cr_assert_eq(vkgpt__validation_total(), before,
                     "%s: validation messages (objects left alive?)", spec);
        if (!o.fired) {
            cr_assert_eq(o.status, VKGPT_OK, "%s: not reached, yet %s: %s", spec,
                         vkgpt_status_name(o.status), o.message);
            break;
        }
        cr_assert_eq(o.status, expected, "%s: got %s (%s)", spec, vkgpt_status_name(o.status),
                     o.message);
        cr_assert_gt(strlen(o.message), 0, "%s: no message", spec);

        /* The next device works. */
        if (!test_light()) {
            outcome_t clean = scenario();
            cr_assert_eq(clean.status, VKGPT_OK, "after %s: %s", spec, clean.message);
        }
    }
    cr_assert_gt(n, 2, "%s never fired: the scenario has no such call", point);
}

Test(faults, out_of_device_memory_at_each_allocation, .timeout = 600) {
    run_faults("alloc", "oom", VKGPT_ERR_OUT_OF_DEVICE_MEMORY);
}

Test(faults, device_lost_at_each_submit, .timeout = 600) {
    run_faults("submit", "lost", VKGPT_ERR_DEVICE_LOST);
}

Test(faults, device_lost_at_each_fence_wait, .timeout = 600) {
    run_faults("wait", "lost", VKGPT_ERR_DEVICE_LOST);
}

Test(faults, timeout_at_each_fence_wait, .timeout = 600) {
    run_faults("wait", "timeout", VKGPT_ERR_TIMEOUT);
}

/* Lowered allocation and binding limits: a model that does not fit is refused with the bytes
 * it needed, and one that needs split bindings still computes. */
Test(faults, allocation_limit_is_a_clear_error) {
    setenv("VKGPT_MAX_ALLOCATION", "4096", 1);
    outcome_t o = scenario();
    unsetenv("VKGPT_MAX_ALLOCATION");
    cr_assert_eq(o.status, VKGPT_ERR_OUT_OF_DEVICE_MEMORY, "%s", o.message);
    cr_assert(strstr(o.message, "bytes"), "message names no sizes: %s", o.message);
}
