/* half.c: f16 and bf16 conversions, bit-exact with IEEE rounding to nearest even. */
#include <string.h>

#include "ops/half.h"

static uint32_t bits_of(float f) {
    uint32_t u;
    memcpy(&u, &f, sizeof(u));
    return u;
}

static float float_of(uint32_t u) {
    float f;
    memcpy(&f, &u, sizeof(f));
    return f;
}

uint16_t vkgpt__f32_to_f16(float f) {
    uint32_t u = bits_of(f);
    uint16_t sign = (uint16_t)((u >> 16) & 0x8000u);
    uint32_t exp = (u >> 23) & 0xFFu;
    uint32_t man = u & 0x7FFFFFu;

    if (exp == 0xFF) { /* infinity or NaN (kept quiet, never turned into infinity) */
        return (uint16_t)(sign | 0x7C00u | (man ? 0x200u | (man >> 13) : 0));
    }
    int32_t e = (int32_t)exp - 127 + 15;
    if (e >= 31) {
        return (uint16_t)(sign | 0x7C00u);
    }
    if (e <= 0) {
        /* Subnormal or zero: shift the mantissa with its implicit bit into place, rounding to
         * nearest even on the bits shifted out. */
        if (e < -10) {
            return sign;
        }
        uint32_t m = man | 0x800000u;
        uint32_t shift = (uint32_t)(14 - e);
        uint32_t half = m >> shift;
        uint32_t rest = m & ((1u << shift) - 1);
        uint32_t mid = 1u << (shift - 1);
        if (rest > mid || (rest == mid && (half & 1))) {
            half++;
        }
        return (uint16_t)(sign | half);
    }
    uint32_t half = ((uint32_t)e << 10) | (man >> 13);
    uint32_t rest = man & 0x1FFFu;
    if (rest > 0x1000u || (rest == 0x1000u && (half & 1))) {
        half++; /* may carry into the exponent, up to infinity, which is correct */
    }
    return (uint16_t)(sign | half);
}

float vkgpt__f16_to_f32(uint16_t h) {
    uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
    uint32_t exp = (h >> 10) & 0x1Fu;
    uint32_t man = h & 0x3FFu;
    if (exp == 0x1F) {
        return float_of(sign | 0x7F800000u | (man << 13));
    }
    if (exp == 0) {
        if (man == 0) {
            return float_of(sign);
        }
        /* Subnormal: normalise the mantissa. */
        int32_t e = -1;
        do {
            man <<= 1;
            e++;
        } while (!(man & 0x400u));
        man &= 0x3FFu;
        return float_of(sign | ((uint32_t)(127 - 15 - e) << 23) | (man << 13));
    }
    return float_of(sign | ((exp - 15 + 127) << 23) | (man << 13));
}

float vkgpt__bf16_to_f32(uint16_t b) {
    return float_of((uint32_t)b << 16);
}

void vkgpt__f32_to_f16_array(const float *src, uint16_t *dst, size_t n) {
    for (size_t i = 0; i < n; i++) {
        dst[i] = vkgpt__f32_to_f16(src[i]);
    }
}

void vkgpt__f16_to_f32_array(const uint16_t *src, float *dst, size_t n) {
    for (size_t i = 0; i < n; i++) {
        dst[i] = vkgpt__f16_to_f32(src[i]);
    }
}
