// layernorm.comp: y = (x - mean) / sqrt(var + eps) * gamma + beta per row of `cols` floats,
// with the biased variance (as torch.nn.LayerNorm). One row per workgroup; the variance is
// taken around the mean in a second pass, which keeps it exact for rows with a large offset.
// grid: (rows, 1, 1); local_size_x = spec constant 0 (a power of two).
// bindings: 0 x ro [rows][cols], 1 gamma ro [cols], 2 beta ro [cols], 3 y wo [rows][cols].
// y may alias x. push: params.glsl PARAMS_LAYERNORM.
// variants: layernorm_sg (subgroup reductions), layernorm_sh (shared memory). cols: any.
#version 450
#extension GL_GOOGLE_include_directive : require

layout(local_size_x_id = 0) in;

layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) readonly buffer G { float gamma[]; };
layout(std430, binding = 2) readonly buffer Bt { float beta[]; };
layout(std430, binding = 3) writeonly buffer Y { float y[]; };

#define PARAMS_LAYERNORM
#include "params.glsl"
#include "reduce.glsl"

void main() {
    uint row = gl_WorkGroupID.x;
    uint tid = gl_LocalInvocationID.x;
    uint n = gl_WorkGroupSize.x;
    uint base = row * p.cols;

    float s = 0.0;
    for (uint c = tid; c < p.cols; c += n) {
        s += x[base + c];
    }
    float mean = reduce_sum(s) / float(p.cols);

    float s2 = 0.0;
    for (uint c = tid; c < p.cols; c += n) {
        float d = x[base + c] - mean;
        s2 += d * d;
    }
    float inv_std = inversesqrt(reduce_sum(s2) / float(p.cols) + p.eps);

    // Every invocation has read all it needs (reduce_sum ends in a barrier), so writing y in
    // place over x is safe.
    for (uint c = tid; c < p.cols; c += n) {
        y[base + c] = (x[base + c] - mean) * inv_std * gamma[c] + beta[c];
    }
}
