// weights.glsl: reading weight elements stored as f32 or as packed f16.
// WEIGHT_F16=1: the buffer holds IEEE half floats, two per 32-bit word, element e in word e/2
// (low half first). Reading words and unpacking needs no 16-bit storage feature, so the same
// shader runs on every device. WEIGHT_F16=0: plain f32.
// Usage: WEIGHT_BUFFER(binding, name); then weight_load(name, element_index).

#if WEIGHT_F16
#define WEIGHT_BUFFER(binding_index, block_name, array_name) \
    layout(std430, binding = binding_index) readonly buffer block_name { uint array_name[]; }
#define weight_load(array_name, e) \
    (unpackHalf2x16(array_name[(e) >> 1u])[(e) & 1u])
#else
#define WEIGHT_BUFFER(binding_index, block_name, array_name) \
    layout(std430, binding = binding_index) readonly buffer block_name { float array_name[]; }
#define weight_load(array_name, e) (array_name[(e)])
#endif
