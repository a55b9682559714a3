/* dtype.c: element type names, sizes, and conversion of F16/BF16 to F32 on the host (the
 * CPU reference path and the tests read weights through vkgpt__tensor_to_f32). */
#include <string.h>

#include "format/weights.h"

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

static float bits_to_f32(uint32_t bits) {
    float f;
    memcpy(&f, &bits, sizeof(f));
    return f;
}

/* IEEE binary16: 1 sign, 5 exponent (bias 15), 10 mantissa bits. Subnormals are renormalised
 * into binary32; Inf and NaN keep their class (NaN payload shifted). */
float vkgpt__f16_to_f32(uint16_t h) {
    uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
    uint32_t exp = (h >> 10) & 0x1fu;
    uint32_t mant = h & 0x3ffu;

    if (exp == 0x1f) {
        return bits_to_f32(sign | 0x7f800000u | (mant << 13));
    }
    if (exp == 0) {
        if (mant == 0) {
            return bits_to_f32(sign);
        }
        /* Subnormal: value = mant * 2^-24; shift until the implicit bit appears. */
        exp = 127 - 15 + 1;
        while (!(mant & 0x400u)) {
            mant <<= 1;
            exp--;
        }
        mant &= 0x3ffu;
        return bits_to_f32(sign | (exp << 23) | (mant << 13));
    }
    return bits_to_f32(sign | ((exp + 127 - 15) << 23) | (mant << 13));
}

/* bfloat16 is the upper half of a binary32. */
float vkgpt__bf16_to_f32(uint16_t b) {
    return bits_to_f32((uint32_t)b << 16);
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
