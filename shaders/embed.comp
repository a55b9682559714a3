// embed.comp: y[t] = wte[ids[t]] + wpe[pos(t)]: token plus position embedding.
// wte may be one row-chunk [row0, row0 + rows) of a larger table (GPT-2 large's f32 embedding
// is 257 MB, over lavapipe's 128 MiB binding limit): the host dispatches once per chunk and
// each dispatch writes only the tokens whose id falls in its chunk, so every row of y is
// written exactly once. Positions come from the token table so that a recorded decode step
// can be replayed at the next position.
// grid: (n_tokens, 1, 1); local_size_x = spec constant 0.
// bindings: 0 ids ro [n_tokens] u32, 1 wte ro [rows][n_embd], 2 wpe ro [n_pos][n_embd],
// 3 token table ro, 4 y wo [n_tokens][n_embd]. push: params.glsl PARAMS_EMBED.
// variants: embed_f32, embed_f16 (wte and wpe packed f16). n_embd: any.
#version 450
#extension GL_GOOGLE_include_directive : require

#include "weights.glsl"

layout(local_size_x_id = 0) in;

#define PARAMS_EMBED
#include "params.glsl"

layout(std430, binding = 0) readonly buffer Ids { uint ids[]; };
WEIGHT_BUFFER(1, Wte, wte)
WEIGHT_BUFFER(2, Wpe, wpe)
TOKEN_TABLE_BLOCK(3);
layout(std430, binding = 4) writeonly buffer Y { float y[]; };

void main() {
    uint t = gl_WorkGroupID.x;
    uint id = ids[t];
    if (id < p.row0 || id - p.row0 >= p.rows) {
        return; // another chunk's dispatch writes this token
    }
    uint tok_base = (id - p.row0) * p.n_embd;
    uint pos_base = table.slots[t].x * p.n_embd;
    for (uint c = gl_LocalInvocationID.x; c < p.n_embd; c += gl_WorkGroupSize.x) {
        y[t * p.n_embd + c] = weight_load(wte, tok_base + c) + weight_load(wpe, pos_base + c);
    }
}
