// kv_store.comp: k_cache[r][pos] = src[t][k_col ..], v_cache[r][pos] = src[t][v_col ..] for
// each of n_tokens new tokens at (pos, r) in the token table: appends keys and values (columns
// of the fused QKV projection) to one layer's cache. The cache holds, per row (sequence),
// n_ctx key rows of n_embd floats with all heads side by side, so attention reads each key
// contiguously.
// grid: (n_tokens, 1, 1); local_size_x = spec constant 0.
// bindings: 0 src ro [n_tokens][src_stride], 1 token table ro, 2 k_cache wo, 3 v_cache wo.
// push: params.glsl PARAMS_KV_STORE. variants: kv_store. n_embd: any.
#version 450
#extension GL_GOOGLE_include_directive : require

layout(local_size_x_id = 0) in;

#define PARAMS_KV_STORE
#include "params.glsl"

layout(std430, binding = 0) readonly buffer Src { float src[]; };
TOKEN_TABLE_BLOCK(1);
layout(std430, binding = 2) writeonly buffer KCache { float k_cache[]; };
layout(std430, binding = 3) writeonly buffer VCache { float v_cache[]; };

void main() {
    uint t = gl_WorkGroupID.x;
    uint src_base = t * p.src_stride;
    uint dst_base = (table.slots[t].y * p.n_ctx + table.slots[t].x) * p.n_embd;
    for (uint c = gl_LocalInvocationID.x; c < p.n_embd; c += gl_WorkGroupSize.x) {
        k_cache[dst_base + c] = src[src_base + p.k_col + c];
        v_cache[dst_base + c] = src[src_base + p.v_col + c];
    }
}
