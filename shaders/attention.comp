// attention.comp: for query t and head h,
//     y[t][h] = Σ_j softmax_j(q[t][h]·k[j][h] · scale) · v[j][h],  j < L,
// Under the causal mask, query t at position pos of cache row r (token table) sees L = pos + 1
// keys, key rows r * n_ctx .. r * n_ctx + pos: itself and its past, never the future nor
// another sequence. Without the mask every query sees the n_tokens key rows from 0. Serves the
// prompt (n_tokens queries, keys just stored) and the decode step (one query per sequence
// against its cache) alike. One workgroup per (query, head): scores live in shared memory, so
// L is bounded by MAX_KEYS (spec constant 1, from the device's shared memory; the host
// refuses longer contexts before dispatching).
// grid: (n_tokens, n_head, 1); local_size_x = spec constant 0 (a power of two).
// bindings: 0 q ro, 1 k ro, 2 v ro, 3 token table ro, 4 y wo; element (row, h, d) of q is
// q[row * q_stride + q_col + h * head_dim + d], k and v likewise with kv_stride, k_col, v_col,
// y with y_stride and column 0. push: params.glsl PARAMS_ATTENTION.
// variants: attention_sg, attention_sh. head_dim <= 256.
#version 450
#extension GL_GOOGLE_include_directive : require

layout(local_size_x_id = 0) in;
layout(constant_id = 1) const uint MAX_KEYS = 2048u;

#define PARAMS_ATTENTION
#include "params.glsl"

layout(std430, binding = 0) readonly buffer Q { float q[]; };
layout(std430, binding = 1) readonly buffer K { float k[]; };
layout(std430, binding = 2) readonly buffer V { float v[]; };
TOKEN_TABLE_BLOCK(3);
layout(std430, binding = 4) writeonly buffer Y { float y[]; };

#include "reduce.glsl"

shared float scores[MAX_KEYS];
shared float query[256];

void main() {
    uint t = gl_WorkGroupID.x;
    uint h = gl_WorkGroupID.y;
    uint tid = gl_LocalInvocationID.x;
    uint n = gl_WorkGroupSize.x;
    uint hd = p.head_dim;
    uint n_keys = p.n_tokens;
    uint key_row0 = 0u;
    if (p.causal != 0u) {
        n_keys = table.slots[t].x + 1u;
        key_row0 = table.slots[t].y * p.n_ctx;
    }
    n_keys = min(n_keys, MAX_KEYS);

    uint q_base = t * p.q_stride + p.q_col + h * hd;
    for (uint d = tid; d < hd; d += n) {
        query[d] = q[q_base + d];
    }
    barrier();

    // Scores, one key per invocation at a time, and the running max.
    float m = -3.4028235e38;
    for (uint j = tid; j < n_keys; j += n) {
        uint k_base = (key_row0 + j) * p.kv_stride + p.k_col + h * hd;
        float s = 0.0;
        for (uint d = 0u; d < hd; d++) {
            s += query[d] * k[k_base + d];
        }
        s *= p.scale;
        scores[j] = s;
        m = max(m, s);
    }
    m = reduce_max(m);

    float sum = 0.0;
    for (uint j = tid; j < n_keys; j += n) {
        float e = exp(scores[j] - m);
        scores[j] = e;
        sum += e;
    }
    float inv_sum = 1.0 / reduce_sum(sum); // ends in a barrier: all scores are written

    // Weighted sum of values: invocations take dimensions, so reads of v are contiguous.
    for (uint d = tid; d < hd; d += n) {
        float acc = 0.0;
        uint v_off = p.v_col + h * hd + d;
        for (uint j = 0u; j < n_keys; j++) {
            acc += scores[j] * v[(key_row0 + j) * p.kv_stride + v_off];
        }
        y[t * p.y_stride + h * hd + d] = acc * inv_sum;
    }
}
