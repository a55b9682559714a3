// softmax.comp: y[r][c] = exp(x[r][c]·scale - m) / Σ exp(...) over the columns row r may see.
// With causal masking, row r is a query at position q = q_offset + r % q_period and sees
// columns 0..q; masked columns get 0 (the attention mask: a position never sees the future).
// One row per workgroup; the max is subtracted before exp() so that large logits cannot
// overflow f32.
// grid: (rows, 1, 1); local_size_x = spec constant 0 (a power of two).
// bindings: 0 x ro [rows][cols], 1 y wo. y may alias x. push: params.glsl PARAMS_SOFTMAX.
// variants: softmax_sg, softmax_sh. cols: any; q_period >= 1.
#version 450
#extension GL_GOOGLE_include_directive : require

layout(local_size_x_id = 0) in;

layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) writeonly buffer Y { float y[]; };

#define PARAMS_SOFTMAX
#include "params.glsl"
#include "reduce.glsl"

void main() {
    uint row = gl_WorkGroupID.x;
    uint tid = gl_LocalInvocationID.x;
    uint n = gl_WorkGroupSize.x;
    uint base = row * p.cols;
    uint visible = p.cols;
    if (p.causal != 0u) {
        visible = min(p.cols, p.q_offset + row % p.q_period + 1u);
    }

    float m = -3.4028235e38;
    for (uint c = tid; c < visible; c += n) {
        m = max(m, x[base + c] * p.scale);
    }
    m = reduce_max(m);

    float s = 0.0;
    for (uint c = tid; c < visible; c += n) {
        s += exp(x[base + c] * p.scale - m);
    }
    float inv_sum = 1.0 / reduce_sum(s);

    for (uint c = tid; c < p.cols; c += n) {
        y[base + c] = c < visible ? exp(x[base + c] * p.scale - m) * inv_sum : 0.0;
    }
}
