// matmul.comp: Y[m][y_col0 + n] = Σ_k X[m][k]·W[n][k] + bias[n]: the tiled GEMM for prompts.
// W is [N][K] (torch.nn.Linear's layout; GPT-2's Conv1D weights are transposed on upload) and
// may be one row-chunk of a larger matrix bound at an offset, which is how matrices larger
// than maxStorageBufferRange are multiplied. Accumulation is f32 whatever the weight type.
// Each workgroup computes a 64×64 tile of Y with 256 invocations, each a 4×4 register block;
// K advances in steps of 16 through shared memory. (Measured on lavapipe: 3.5× faster than a
// 16×16 tile with one output per invocation, whose barriers dominate on a CPU.)
// grid: (ceil(N / 64), ceil(M / 64), 1); local size 256 (fixed).
// bindings: 0 X ro [M][K] f32, 1 W ro [N][K], 2 bias ro [N] f32 (read when has_bias),
// 3 Y wo [M][y_stride]. push: params.glsl PARAMS_MATMUL.
// variants: matmul_f32, matmul_f16 (W packed f16). M, N, K: any values.
#version 450
#extension GL_GOOGLE_include_directive : require

#include "weights.glsl"

layout(local_size_x = 256) in;

layout(std430, binding = 0) readonly buffer X { float xs[]; };
WEIGHT_BUFFER(1, W, ws)
layout(std430, binding = 2) readonly buffer Bias { float bias[]; };
layout(std430, binding = 3) writeonly buffer Y { float ys[]; };

#define PARAMS_MATMUL
#include "params.glsl"

const uint TILE = 64u;
const uint STEP_K = 16u;

// +1 column of padding: consecutive rows then start in different shared-memory banks.
shared float tile_x[TILE][STEP_K + 1u];
shared float tile_w[TILE][STEP_K + 1u];

void main() {
    uint tid = gl_LocalInvocationID.x;
    uint tx = tid % 16u; // output columns tx, tx+16, tx+32, tx+48 of the tile
    uint ty = tid / 16u; // output rows ty, ty+16, ty+32, ty+48 of the tile
    uint n0 = gl_WorkGroupID.x * TILE;
    uint m0 = gl_WorkGroupID.y * TILE;

    float acc[4][4];
    for (uint i = 0u; i < 4u; i++) {
        for (uint j = 0u; j < 4u; j++) {
            acc[i][j] = 0.0;
        }
    }

    for (uint k0 = 0u; k0 < p.k; k0 += STEP_K) {
        // 64×16 elements of X and of W per step: four of each per invocation. Out-of-range
        // elements load as 0 so that partial tiles need no special case below.
        for (uint l = 0u; l < 4u; l++) {
            uint e = tid + l * 256u;
            uint r = e / STEP_K;
            uint c = e % STEP_K;
            uint gk = k0 + c;
            uint gm = m0 + r;
            uint gn = n0 + r;
            tile_x[r][c] = (gm < p.m && gk < p.k) ? xs[gm * p.k + gk] : 0.0;
            tile_w[r][c] = (gn < p.n && gk < p.k) ? weight_load(ws, gn * p.k + gk) : 0.0;
        }
        barrier();

        for (uint c = 0u; c < STEP_K; c++) {
            float xv[4];
            float wv[4];
            for (uint i = 0u; i < 4u; i++) {
                xv[i] = tile_x[ty + 16u * i][c];
                wv[i] = tile_w[tx + 16u * i][c];
            }
            for (uint i = 0u; i < 4u; i++) {
                for (uint j = 0u; j < 4u; j++) {
                    acc[i][j] += xv[i] * wv[j];
                }
            }
        }
        barrier();
    }

    for (uint i = 0u; i < 4u; i++) {
        uint gm = m0 + ty + 16u * i;
        for (uint j = 0u; j < 4u; j++) {
            uint gn = n0 + tx + 16u * j;
            if (gm < p.m && gn < p.n) {
                float b = p.has_bias != 0u ? bias[gn] : 0.0;
                ys[gm * p.y_stride + p.y_col0 + gn] = acc[i][j] + b;
            }
        }
    }
}
