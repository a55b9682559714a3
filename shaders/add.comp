// add.comp: y[i] = a[i] + b[i] over n f32 elements (the residual add). y may alias a.
// grid: (ceil(n / (local_size_x * 4)), 1, 1); local_size_x = spec constant 0.
// bindings: 0 a ro, 1 b ro, 2 y wo. push: params.glsl PARAMS_N.
// variants: add_f32. n: any value.
#version 450
#extension GL_GOOGLE_include_directive : require

layout(local_size_x_id = 0) in;

layout(std430, binding = 0) readonly buffer A { float a[]; };
layout(std430, binding = 1) readonly buffer B { float b[]; };
layout(std430, binding = 2) writeonly buffer Y { float y[]; };

#define PARAMS_N
#include "params.glsl"

void main() {
    // Four consecutive elements per invocation: fewer workgroups, and on lavapipe each
    // workgroup costs microseconds of fixed overhead.
    uint base = gl_GlobalInvocationID.x * 4u;
    for (uint k = 0u; k < 4u; k++) {
        uint i = base + k;
        if (i < p.n) {
            y[i] = a[i] + b[i];
        }
    }
}
