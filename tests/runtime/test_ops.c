/* test_ops.c: every operation on the device against the CPU reference, on seeded random inputs
 * of awkward shapes (1, primes, sizes that are no multiple of any tile, T = 1 and T = 1024,
 * rows of 50257), with both reduction flavours, f32 and f16 weights, outputs poisoned and
 * guarded. Tolerances (bounds on max |error| / max |reference|) live in runtime/ops/opcheck.c:
 * add and ReLU 1e-6, GELU 1e-5, embedding 1e-6, LayerNorm, softmax, log-softmax, attention and
 * GAP 1e-5, linear 1e-4 for f32 and f16 weights alike (the reference sees the same rounded
 * weights). */
#include <stdlib.h>

#include "gpu.h"

#define F32 VKGPT__WTYPE_F32
#define F16 VKGPT__WTYPE_F16
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static void run_on_both(const vkgpt__opcheck_case_t *cases, size_t n) {
    vkgpt_device_t *dev = test_device(0);
    run_cases(dev, cases, n);
    test_device_done(dev);

    dev = test_device(VKGPT_DEVICE_FLAG_NO_SUBGROUPS);
    run_cases(dev, cases, n);
    test_device_done(dev);
}

Test(ops, elementwise) {
    static const vkgpt__opcheck_case_t cases[] = {
        {VKGPT__CHECK_ADD, {1}}, {VKGPT__CHECK_ADD, {3}}, {VKGPT__CHECK_ADD, {257}},
        {VKGPT__CHECK_ADD, {65537}}, {VKGPT__CHECK_GELU, {1}}, {VKGPT__CHECK_GELU, {13}},
        {VKGPT__CHECK_GELU, {10007}}, {VKGPT__CHECK_RELU, {1}}, {VKGPT__CHECK_RELU, {4099}},
    };
    run_on_both(cases, COUNT(cases));
}

Test(ops, layernorm) {
    static const vkgpt__opcheck_case_t cases[] = {
        {VKGPT__CHECK_LAYERNORM, {1, 1}},   {VKGPT__CHECK_LAYERNORM, {3, 7}},
        {VKGPT__CHECK_LAYERNORM, {17, 768}}, {VKGPT__CHECK_LAYERNORM, {1024, 97}},
        {VKGPT__CHECK_LAYERNORM, {2, 1601}},
    };
    run_on_both(cases, COUNT(cases));
}

Test(ops, softmax) {
    static const vkgpt__opcheck_case_t cases[] = {
        {VKGPT__CHECK_SOFTMAX, {1, 1}},
        {VKGPT__CHECK_SOFTMAX, {5, 13}, .causal = true},
        {VKGPT__CHECK_SOFTMAX, {5, 13}},
        {VKGPT__CHECK_SOFTMAX, {3, 50257}},
        {VKGPT__CHECK_SOFTMAX, {67, 131}, .causal = true},
        {VKGPT__CHECK_LOG_SOFTMAX, {1, 1}},
        {VKGPT__CHECK_LOG_SOFTMAX, {3, 5}},
        {VKGPT__CHECK_LOG_SOFTMAX, {2, 50257}},
    };
    run_on_both(cases, COUNT(cases));
}

static const vkgpt__opcheck_case_t linear_cases[] = {
    {VKGPT__CHECK_LINEAR, {1, 1, 1}, F32, .bias = true, .kernel = VKGPT__LINEAR_MATVEC},
    {VKGPT__CHECK_LINEAR, {1, 1, 1}, F32, .bias = true, .kernel = VKGPT__LINEAR_GEMM},
    {VKGPT__CHECK_LINEAR, {2, 5, 3}, F32, .kernel = VKGPT__LINEAR_MATVEC},
    {VKGPT__CHECK_LINEAR, {1, 769, 1021}, F32, .bias = true, .kernel = VKGPT__LINEAR_MATVEC},
    {VKGPT__CHECK_LINEAR, {1, 50257, 37}, F32, .kernel = VKGPT__LINEAR_MATVEC},
    {VKGPT__CHECK_LINEAR, {3, 97, 131}, F32, .bias = true, .kernel = VKGPT__LINEAR_GEMM},
    {VKGPT__CHECK_LINEAR, {67, 131, 65}, F32, .bias = true, .kernel = VKGPT__LINEAR_GEMM},
    {VKGPT__CHECK_LINEAR, {1024, 72, 48}, F32, .bias = true, .kernel = VKGPT__LINEAR_GEMM},
    {VKGPT__CHECK_LINEAR, {5, 11, 3}, F32, .kernel = VKGPT__LINEAR_AUTO},
};

static void run_linear(vkgpt__wtype_t type) {
    vkgpt__opcheck_case_t cases[COUNT(linear_cases)];
    for (size_t i = 0; i < COUNT(cases); i++) {
        cases[i] = linear_cases[i];
        cases[i].wtype = type;
    }
    run_on_both(cases, COUNT(cases));
}

Test(ops, linear_f32, .timeout = 300) {
    run_linear(F32);
}

Test(ops, linear_f16, .timeout = 300) {
    run_linear(F16);
}

Test(ops, embed) {
    static const vkgpt__opcheck_case_t cases[] = {
        {VKGPT__CHECK_EMBED, {1, 1, 1, 0}, F32},     {VKGPT__CHECK_EMBED, {1, 1, 1, 0}, F16},
        {VKGPT__CHECK_EMBED, {7, 50257, 24, 3}, F32}, {VKGPT__CHECK_EMBED, {7, 50257, 24, 3}, F16},
        {VKGPT__CHECK_EMBED, {1024, 97, 17, 0}, F32}, {VKGPT__CHECK_EMBED, {5, 13, 3, 11}, F16},
    };
    run_on_both(cases, COUNT(cases));
}

Test(ops, attention, .timeout = 300) {
    static const vkgpt__opcheck_case_t cases[] = {
        {VKGPT__CHECK_ATTENTION, {1, 1, 1, 0}, .causal = true},
        {VKGPT__CHECK_ATTENTION, {1, 4, 16, 37}, .causal = true},
        {VKGPT__CHECK_ATTENTION, {13, 3, 8, 5}, .causal = true},
        {VKGPT__CHECK_ATTENTION, {5, 2, 7, 0}, .causal = false},
        {VKGPT__CHECK_ATTENTION, {1024, 2, 16, 0}, .causal = true},
        {VKGPT__CHECK_ATTENTION, {3, 1, 64, 1500}, .causal = true},
    };
    run_on_both(cases, COUNT(cases));
}

Test(ops, kv_store_and_gap) {
    static const vkgpt__opcheck_case_t cases[] = {
        {VKGPT__CHECK_KV_STORE, {1, 1, 0}}, {VKGPT__CHECK_KV_STORE, {3, 33, 4}},
        {VKGPT__CHECK_KV_STORE, {17, 64, 100}}, {VKGPT__CHECK_GAP, {1, 1, 1}},
        {VKGPT__CHECK_GAP, {3, 17, 33}}, {VKGPT__CHECK_GAP, {2, 1024, 8}},
    };
    run_on_both(cases, COUNT(cases));
}

/* With the binding range lowered to 4 KiB, every matrix below spans several chunks: the
 * split path of linear and embed runs on a tiny model. */
Test(ops, chunked_bindings) {
    setenv("VKGPT_MAX_BUFFER_RANGE", "4096", 1);
    static const vkgpt__opcheck_case_t cases[] = {
        {VKGPT__CHECK_LINEAR, {1, 301, 37}, F32, .bias = true, .kernel = VKGPT__LINEAR_MATVEC},
        {VKGPT__CHECK_LINEAR, {1, 301, 37}, F16, .bias = true, .kernel = VKGPT__LINEAR_MATVEC},
        {VKGPT__CHECK_LINEAR, {9, 97, 29}, F32, .bias = true, .kernel = VKGPT__LINEAR_GEMM},
        {VKGPT__CHECK_LINEAR, {9, 97, 29}, F16, .kernel = VKGPT__LINEAR_GEMM},
        {VKGPT__CHECK_EMBED, {9, 257, 19, 2}, F32},
        {VKGPT__CHECK_EMBED, {9, 257, 19, 2}, F16},
    };
    vkgpt_device_t *dev = test_device(0);
    vkgpt_device_info_t info = {.struct_size = sizeof(info)};
    vkgpt_device_info(dev, &info);
    cr_assert_eq(info.max_storage_buffer_range, 4096);
    run_cases(dev, cases, COUNT(cases));
    test_device_done(dev);
}

/* One real tensor larger than 128 MiB (lavapipe's binding limit): an LM-head-shaped
 * 50257 × 704 f32 matrix, 141.5 MB, through the matrix-vector kernel. */
Test(ops, tensor_over_128_mib, .timeout = 600) {
    static const vkgpt__opcheck_case_t cases[] = {
        {VKGPT__CHECK_LINEAR, {1, 50257, 704}, F32, .bias = false,
         .kernel = VKGPT__LINEAR_MATVEC},
    };
    cr_assert_gt(50257ull * 704 * 4, 128ull << 20);
    vkgpt_device_t *dev = test_device(0);
    run_cases(dev, cases, COUNT(cases));
    test_device_done(dev);
}
