// kv_store.comp: k_cache[pos0 + t] = src[t][k_col ..], v_cache[pos0 + t] = src[t][v_col ..]:
// appends the keys and values of n_tokens new positions (columns of the fused QKV projection)
// to one layer's cache. The cache holds n_ctx rows of n_embd floats, all heads side by side,
// so attention reads each key row contiguously. pos0 comes from the step-parameter buffer.
// grid: (n_tokens, 1, 1); local_size_x = spec constant 0.
// bindings: 0 src ro [n_tokens][src_stride], 1 step params ro, 2 k_cache wo, 3 v_cache wo.
// push: params.glsl PARAMS_KV_STORE. variants: kv_store. n_embd: any.
#version 450
#extension GL_GOOGLE_include_directive : require

layout(local_size_x_id = 0) in;

#define PARAMS_KV_STORE
#include "params.glsl"

layout(std430, binding = 0) readonly buffer Src { float src[]; };
STEP_PARAMS_BLOCK(1);
layout(std430, binding = 2) writeonly buffer KCache { float k_cache[]; };
layout(std430, binding = 3) writeonly buffer VCache { float v_cache[]; };

void main() {
    uint t = gl_WorkGroupID.x;
    uint src_base = t * p.src_stride;
    uint dst_base = (step.pos0 + t) * p.n_embd;
    for (uint c = gl_LocalInvocationID.x; c < p.n_embd; c += gl_WorkGroupSize.x) {
        k_cache[dst_base + c] = src[src_base + p.k_col + c];
        v_cache[dst_base + c] = src[src_base + p.v_col + c];
    }
}
