// weights.glsl: reading weight elements stored as f32 or as packed f16.
// WEIGHT_F16=1: the buffer holds IEEE half floats, two per 32-bit word, element e in word e/2
// (low half first). Reading words and unpacking needs no 16-bit storage feature, so the same
// shader runs on every device. WEIGHT_F16=0: plain f32.
// Usage: WEIGHT_BUFFER(binding, BlockName, name) with no semicolon after it; then
// weight_load(name, element_index), and
// for f16 weight_pair(name, word_index), both halves of one word at once.
// The half is chosen with a select, not by indexing the vec2 with a run-time index: llvmpipe
// compiles the latter through memory, which made f16 matrix-vector products 3x slower than f32.

#if WEIGHT_F16
#define WEIGHT_BUFFER(binding_index, block_name, array_name)                                 \
    layout(std430, binding = binding_index) readonly buffer block_name { uint array_name[]; }; \
    float array_name##_load(uint e) {                                                        \
        vec2 v = unpackHalf2x16(array_name[e >> 1u]);                                        \
        return (e & 1u) != 0u ? v.y : v.x;                                                   \
    }
#define weight_load(array_name, e) array_name##_load(e)
#define weight_pair(array_name, w) unpackHalf2x16(array_name[(w)])
#else
#define WEIGHT_BUFFER(binding_index, block_name, array_name) \
    layout(std430, binding = binding_index) readonly buffer block_name { float array_name[]; };
#define weight_load(array_name, e) (array_name[(e)])
#endif
