/* rng.h: the random numbers behind sampling, defined exactly so that a reference decoder in
 * any language can reproduce them (tools/reference_decoder.py does).
 *
 * A counter-based generator built on SplitMix64's output function
 *     mix(z) = z ^= z >> 30, z *= 0xbf58476d1ce4e5b9, z ^= z >> 27, z *= 0x94d049bb133111eb,
 *              z ^= z >> 31                                   (all arithmetic modulo 2^64)
 * with G = 0x9e3779b97f4a7c15:
 *     key(seed, stream) = mix(seed + G * (stream + 1))
 *     draw i of a stream (i = 0, 1, ...) = mix(key + G * (i + 1))
 *     uniform double in [0, 1) = (draw >> 11) * 2^-53
 * Each sequence that samples has its own stream, numbered by its row in the batch, so a
 * prompt's first sequence draws the same numbers alone or in a batch. It is not a
 * cryptographic generator. */
#ifndef VKGPT_DECODE_RNG_H
#define VKGPT_DECODE_RNG_H

#include <stdint.h>

typedef struct vkgpt__rng {
    uint64_t key;
    uint64_t counter; /* draws taken so far */
} vkgpt__rng_t;

void vkgpt__rng_init(vkgpt__rng_t *rng, uint64_t seed, uint64_t stream);

uint64_t vkgpt__rng_next_u64(vkgpt__rng_t *rng);

/* A uniform double in [0, 1) with 53 random bits. */
double vkgpt__rng_next_double(vkgpt__rng_t *rng);

#endif
