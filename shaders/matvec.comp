// matvec.comp: y[m][y_col0 + n] = Σ_k x[m][k]·W[n][k] + bias[n] for a few rows of x (one new
// token, or one per beam): the decode-step path. Same layout and chunking as matmul.comp.
// Each workgroup owns ROWS consecutive output rows, so that a 50257-row LM head needs ~1600
// workgroups rather than 50257 (each workgroup has a fixed cost, ~3 µs on lavapipe).
//   _sg: each subgroup takes whole rows, its lanes stride over k, subgroupAdd sums: no
//        barriers at all;
//   _sh: the whole workgroup strides over k for each row and reduces through shared memory.
// grid: (ceil(N / ROWS), 1, 1); local_size_x = spec constant 0 (a power of two).
// bindings: 0 x ro [M][K] f32, 1 W ro [N][K], 2 bias ro [N] f32, 3 y wo [M][y_stride].
// push: params.glsl PARAMS_MATMUL. variants: matvec_{f32,f16}_{sg,sh}. M, N, K: any.
#version 450
#extension GL_GOOGLE_include_directive : require

#include "weights.glsl"

layout(local_size_x_id = 0) in;

layout(std430, binding = 0) readonly buffer X { float xs[]; };
WEIGHT_BUFFER(1, W, ws)
layout(std430, binding = 2) readonly buffer Bias { float bias[]; };
layout(std430, binding = 3) writeonly buffer Y { float ys[]; };

#define PARAMS_MATMUL
#include "params.glsl"

const uint ROWS = 32u;

#if USE_SUBGROUPS
#extension GL_KHR_shader_subgroup_basic : require
#extension GL_KHR_shader_subgroup_arithmetic : require
#else
#include "reduce.glsl"
#endif

float dot_row(uint m, uint n, uint lane, uint lanes) {
    float s = 0.0;
    uint xb = m * p.k;
    uint wb = n * p.k;
#if WEIGHT_F16
    // With an even row length every row starts on a word: each lane takes whole words, two
    // weights per load.
    if ((p.k & 1u) == 0u) {
        uint words = p.k >> 1u;
        uint wb2 = wb >> 1u;
        for (uint w = lane; w < words; w += lanes) {
            vec2 wv = weight_pair(ws, wb2 + w);
            s += xs[xb + 2u * w] * wv.x + xs[xb + 2u * w + 1u] * wv.y;
        }
        return s;
    }
#endif
    for (uint k = lane; k < p.k; k += lanes) {
        s += xs[xb + k] * weight_load(ws, wb + k);
    }
    return s;
}

void store(uint m, uint n, float s) {
    float b = p.has_bias != 0u ? bias[n] : 0.0;
    ys[m * p.y_stride + p.y_col0 + n] = s + b;
}

void main() {
    uint first = gl_WorkGroupID.x * ROWS;
    uint last = min(first + ROWS, p.n);

#if USE_SUBGROUPS
    for (uint n = first + gl_SubgroupID; n < last; n += gl_NumSubgroups) {
        for (uint m = 0u; m < p.m; m++) {
            float s = subgroupAdd(dot_row(m, n, gl_SubgroupInvocationID, gl_SubgroupSize));
            if (subgroupElect()) {
                store(m, n, s);
            }
        }
    }
#else
    uint tid = gl_LocalInvocationID.x;
    for (uint n = first; n < last; n++) {
        for (uint m = 0u; m < p.m; m++) {
            float s = reduce_sum(dot_row(m, n, tid, gl_WorkGroupSize.x));
            if (tid == 0u) {
                store(m, n, s);
            }
        }
    }
#endif
}
