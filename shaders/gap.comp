// gap.comp: global average pooling, y[b][c] = (1 / lengths[b]) Σ_{t < lengths[b]} x[b][t][c]:
// one vector per sequence of a batch, however long the sequence (the classifier's pooling).
// Sequences are stored max_tokens rows apart; rows past a sequence's length are ignored, so
// padding never changes the result.
// grid: (ceil(n_embd / local_size_x), batch, 1); local_size_x = spec constant 0.
// bindings: 0 x ro [batch][max_tokens][n_embd], 1 lengths ro [batch] u32 (1..max_tokens),
// 2 y wo [batch][n_embd]. push: params.glsl PARAMS_GAP. variants: gap. n_embd: any.
#version 450
#extension GL_GOOGLE_include_directive : require

layout(local_size_x_id = 0) in;

#define PARAMS_GAP
#include "params.glsl"

layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) readonly buffer Lengths { uint lengths[]; };
layout(std430, binding = 2) writeonly buffer Y { float y[]; };

void main() {
    uint c = gl_GlobalInvocationID.x;
    uint b = gl_WorkGroupID.y;
    if (c >= p.n_embd) {
        return;
    }
    uint len = min(lengths[b], p.max_tokens);
    float s = 0.0;
    for (uint t = 0u; t < len; t++) {
        s += x[(b * p.max_tokens + t) * p.n_embd + c];
    }
    y[b * p.n_embd + c] = len > 0u ? s / float(len) : 0.0;
}
