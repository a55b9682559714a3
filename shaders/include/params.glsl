// params.glsl: push-constant blocks, mirrored in runtime/ops/params.h (same order, all 32-bit).
// A shader defines exactly one PARAMS_* macro before including this file.

#if defined(PARAMS_N)
layout(push_constant) uniform Params { uint n; } p;
#elif defined(PARAMS_ROWS)
layout(push_constant) uniform Params { uint rows; uint cols; } p;
#elif defined(PARAMS_LAYERNORM)
layout(push_constant) uniform Params { uint rows; uint cols; float eps; } p;
#elif defined(PARAMS_SOFTMAX)
layout(push_constant) uniform Params {
    uint rows; uint cols; float scale; uint causal; uint q_offset; uint q_period;
} p;
#elif defined(PARAMS_MATMUL)
layout(push_constant) uniform Params {
    uint m; uint n; uint k; uint has_bias; uint y_stride; uint y_col0;
} p;
#elif defined(PARAMS_EMBED)
layout(push_constant) uniform Params { uint n_tokens; uint n_embd; uint row0; uint rows; } p;
#elif defined(PARAMS_ATTENTION)
layout(push_constant) uniform Params {
    uint n_tokens; uint n_head; uint head_dim;
    uint q_stride; uint q_col; uint kv_stride; uint k_col; uint v_col; uint y_stride;
    uint causal; float scale; uint max_keys; uint n_ctx;
} p;
#elif defined(PARAMS_KV_STORE)
layout(push_constant) uniform Params {
    uint n_tokens; uint n_embd; uint src_stride; uint k_col; uint v_col; uint n_ctx;
} p;
#elif defined(PARAMS_GAP)
layout(push_constant) uniform Params { uint batch; uint max_tokens; uint n_embd; } p;
#endif

// The token table (vkgpt__token_slot_t per token): slots[t].x is token t's position, .y its
// cache row. Rewritten by the host between replays of a recorded decode step.
#define TOKEN_TABLE_BLOCK(binding_index) \
    layout(std430, binding = binding_index) readonly buffer TokenTable { uvec2 slots[]; } table
