// act.comp: y[i] = f(x[i]) over n f32 elements, f = GELU (GPT-2's tanh form, `gelu_new`) or
// ReLU. y may alias x.
// grid: (ceil(n / (local_size_x * 4)), 1, 1); local_size_x = spec constant 0.
// bindings: 0 x ro, 1 y wo. push: params.glsl PARAMS_N.
// variants: act_gelu (ACT_GELU=1), act_relu (ACT_GELU=0). n: any value.
#version 450
#extension GL_GOOGLE_include_directive : require

layout(local_size_x_id = 0) in;

layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) writeonly buffer Y { float y[]; };

#define PARAMS_N
#include "params.glsl"

float activate(float v) {
#if ACT_GELU
    // 0.5·v·(1 + tanh(√(2/π)·(v + 0.044715·v³))). The tanh argument is clamped: tanh is ±1
    // to f32 precision past |15|, and some drivers compute tanh through exp(2u), which
    // overflows to inf/inf = NaN for large u.
    float u = 0.7978845608028654 * (v + 0.044715 * v * v * v);
    return 0.5 * v * (1.0 + tanh(clamp(u, -15.0, 15.0)));
#else
    return max(v, 0.0);
#endif
}

void main() {
    uint base = gl_GlobalInvocationID.x * 4u;
    for (uint k = 0u; k < 4u; k++) {
        uint i = base + k;
        if (i < p.n) {
            y[i] = activate(x[i]);
        }
    }
}
