/* half.h: conversions between f32 and the 16-bit float formats weights arrive in. */
#ifndef VKGPT_OPS_HALF_H
#define VKGPT_OPS_HALF_H

#include <stddef.h>
#include <stdint.h>

/* IEEE binary16, rounding to nearest even; overflow becomes infinity, NaN stays NaN. */
uint16_t vkgpt__f32_to_f16(float f);
float vkgpt__f16_to_f32(uint16_t h);

/* bfloat16: the high half of an f32. */
float vkgpt__bf16_to_f32(uint16_t b);

void vkgpt__f32_to_f16_array(const float *src, uint16_t *dst, size_t n);
void vkgpt__f16_to_f32_array(const uint16_t *src, float *dst, size_t n);

#endif
