/* dtype.c: element type names, sizes, and conversion of F16/BF16 to F32 on the host (the
 * CPU reference path and the tests read weights through vkgpt__tensor_to_f32). */
#include <string.h>

#include "format/weights.h"
#include "ops/half.h"

/* Every format vkgpt reads is little-endian and the views point straight into the files. */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "vkgpt reads weight files in place and needs a little-endian host"
#endif

const char *vkgpt__dtype_name(vkgpt__dtype_t dtype) {
    switch (dtype) {
    case VKGPT__DTYPE_F32:
        return "F32";
    case VKGPT__DTYPE_F16:
        return "F16";
    case VKGPT__DTYPE_BF16:
        return "BF16";
    }
    return "?";
}

size_t vkgpt__dtype_size(vkgpt__dtype_t dtype) {
    return dtype == VKGPT__DTYPE_F32 ? 4 : 2;
}

void vkgpt__tensor_to_f32(const vkgpt__tensor_view_t *t, float *dst) {
    const uint8_t *src = t->data;
    if (t->numel == 0) {
        return;
    }
    if (t->dtype == VKGPT__DTYPE_F32) {
        memcpy(dst, src, t->numel * sizeof(float));
        return;
    }
    for (uint64_t i = 0; i < t->numel; i++) {
        uint16_t v;
        memcpy(&v, src + 2 * i, sizeof(v)); /* unaligned-safe */
        dst[i] = t->dtype == VKGPT__DTYPE_F16 ? vkgpt__f16_to_f32(v) : vkgpt__bf16_to_f32(v);
    }
}
