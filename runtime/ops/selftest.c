/* selftest.c: `vkgpt selftest`: every operation on the user's own device and driver against
 * the CPU reference, at shapes small enough to finish in seconds on lavapipe. */
#include <stdio.h>
#include <string.h>

#include "ops/opcheck.h"

#define SELFTEST_SEED 0x766B677074ull /* "vkgpt" */

#define F32 VKGPT__WTYPE_F32
#define F16 VKGPT__WTYPE_F16

static const vkgpt__opcheck_case_t selftest_cases[] = {
    {VKGPT__CHECK_ADD, {4099}},
    {VKGPT__CHECK_GELU, {4099}},
    {VKGPT__CHECK_RELU, {4099}},
    {VKGPT__CHECK_LAYERNORM, {17, 768}},
    {VKGPT__CHECK_SOFTMAX, {33, 97}, .causal = true},
    {VKGPT__CHECK_LOG_SOFTMAX, {2, 50257}},
    {VKGPT__CHECK_LINEAR, {1, 3072, 768}, F32, .bias = true, .kernel = VKGPT__LINEAR_MATVEC},
    {VKGPT__CHECK_LINEAR, {1, 3072, 768}, F16, .bias = true, .kernel = VKGPT__LINEAR_MATVEC},
    {VKGPT__CHECK_LINEAR, {67, 301, 259}, F32, .bias = true, .kernel = VKGPT__LINEAR_GEMM},
    {VKGPT__CHECK_LINEAR, {67, 301, 259}, F16, .bias = true, .kernel = VKGPT__LINEAR_GEMM},
    {VKGPT__CHECK_EMBED, {13, 50257, 64, 7}, F32},
    {VKGPT__CHECK_EMBED, {13, 50257, 64, 7}, F16},
    {VKGPT__CHECK_ATTENTION, {1, 12, 64, 127}, .causal = true},
    {VKGPT__CHECK_ATTENTION, {37, 4, 32, 5}, .causal = true},
    {VKGPT__CHECK_ATTENTION, {19, 2, 24, 0}, .causal = false},
    {VKGPT__CHECK_KV_STORE, {17, 96, 40}},
    {VKGPT__CHECK_GAP, {3, 61, 48}},
};

VKGPT_API vkgpt_status_t vkgpt_device_selftest(vkgpt_device_t *device,
                                               vkgpt_selftest_fn on_result, void *user_data,
                                               uint32_t *out_failures) {
    if (!device || !out_failures) {
        return VKGPT_ERR_INVALID_ARGUMENT;
    }
    *out_failures = 0;
    size_t n = sizeof(selftest_cases) / sizeof(selftest_cases[0]);
    for (size_t i = 0; i < n; i++) {
        const vkgpt__opcheck_case_t *c = &selftest_cases[i];
        vkgpt__opcheck_result_t r;
        vkgpt_status_t st = vkgpt__opcheck_run(device, c, SELFTEST_SEED + i, &r);
        if (st != VKGPT_OK) {
            return st;
        }
        *out_failures += !r.passed;
        if (!on_result) {
            continue;
        }
        vkgpt_selftest_result_t pub;
        memset(&pub, 0, sizeof(pub));
        pub.struct_size = sizeof(pub);
        snprintf(pub.op, sizeof(pub.op), "%s", r.op);
        snprintf(pub.shape, sizeof(pub.shape), "%s", r.shape);
        snprintf(pub.weight_type, sizeof(pub.weight_type), "%s", vkgpt__wtype_name(c->wtype));
        snprintf(pub.reduction, sizeof(pub.reduction), "%s",
                 device->caps.subgroup_arithmetic ? "subgroup" : "shared");
        pub.max_abs_error = r.max_abs_error;
        pub.max_rel_error = r.max_rel_error;
        pub.tolerance = r.tolerance;
        pub.passed = r.passed;
        on_result(&pub, user_data);
    }
    return VKGPT_OK;
}
