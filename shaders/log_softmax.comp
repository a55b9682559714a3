// log_softmax.comp: y[r][c] = x[r][c] - m - log(Σ_c exp(x[r][c] - m)), m the row's max: the
// classifier's output, log-probabilities per class. One row per workgroup.
// grid: (rows, 1, 1); local_size_x = spec constant 0 (a power of two).
// bindings: 0 x ro [rows][cols], 1 y wo. y may alias x. push: params.glsl PARAMS_ROWS.
// variants: log_softmax_sg, log_softmax_sh. cols: any.
#version 450
#extension GL_GOOGLE_include_directive : require

layout(local_size_x_id = 0) in;

layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) writeonly buffer Y { float y[]; };

#define PARAMS_ROWS
#include "params.glsl"
#include "reduce.glsl"

void main() {
    uint row = gl_WorkGroupID.x;
    uint tid = gl_LocalInvocationID.x;
    uint n = gl_WorkGroupSize.x;
    uint base = row * p.cols;

    float m = -3.4028235e38;
    for (uint c = tid; c < p.cols; c += n) {
        m = max(m, x[base + c]);
    }
    m = reduce_max(m);

    float s = 0.0;
    for (uint c = tid; c < p.cols; c += n) {
        s += exp(x[base + c] - m);
    }
    float log_sum = log(reduce_sum(s)) + m;

    for (uint c = tid; c < p.cols; c += n) {
        y[base + c] = x[base + c] - log_sum;
    }
}
