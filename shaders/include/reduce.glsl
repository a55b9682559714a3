// reduce.glsl: workgroup-wide sum and max of one float per invocation, returned to every
// invocation. Two flavours, chosen at build time:
//   USE_SUBGROUPS=1: subgroupAdd/subgroupMax inside each subgroup (any size from 4 to 128),
//                    then one partial per subgroup through shared memory;
//   USE_SUBGROUPS=0: a shared-memory tree, for devices without subgroup arithmetic.
// The workgroup size must be a power of two (the host picks 64, 128 or 256). Every invocation
// of the workgroup must call these functions in uniform control flow.

#if USE_SUBGROUPS
#extension GL_KHR_shader_subgroup_basic : require
#extension GL_KHR_shader_subgroup_arithmetic : require
#endif

shared float reduce_buf[gl_WorkGroupSize.x];

#if USE_SUBGROUPS

float reduce_sum(float v) {
    float part = subgroupAdd(v);
    barrier(); // reduce_buf may still be read by a previous reduction
    if (subgroupElect()) {
        reduce_buf[gl_SubgroupID] = part;
    }
    barrier();
    float total = 0.0;
    for (uint i = 0u; i < gl_NumSubgroups; i++) {
        total += reduce_buf[i];
    }
    return total;
}

float reduce_max(float v) {
    float part = subgroupMax(v);
    barrier();
    if (subgroupElect()) {
        reduce_buf[gl_SubgroupID] = part;
    }
    barrier();
    float best = reduce_buf[0];
    for (uint i = 1u; i < gl_NumSubgroups; i++) {
        best = max(best, reduce_buf[i]);
    }
    return best;
}

#else

float reduce_sum(float v) {
    uint tid = gl_LocalInvocationID.x;
    barrier();
    reduce_buf[tid] = v;
    barrier();
    for (uint s = gl_WorkGroupSize.x / 2u; s > 0u; s >>= 1u) {
        if (tid < s) {
            reduce_buf[tid] += reduce_buf[tid + s];
        }
        barrier();
    }
    return reduce_buf[0];
}

float reduce_max(float v) {
    uint tid = gl_LocalInvocationID.x;
    barrier();
    reduce_buf[tid] = v;
    barrier();
    for (uint s = gl_WorkGroupSize.x / 2u; s > 0u; s >>= 1u) {
        if (tid < s) {
            reduce_buf[tid] = max(reduce_buf[tid], reduce_buf[tid + s]);
        }
        barrier();
    }
    return reduce_buf[0];
}

#endif
