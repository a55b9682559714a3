/* rng.c: the counter-based generator specified in rng.h. */
#include "rng.h"

#define RNG_GAMMA 0x9e3779b97f4a7c15ull

static uint64_t mix(uint64_t z) {
    z ^= z >> 30;
    z *= 0xbf58476d1ce4e5b9ull;
    z ^= z >> 27;
    z *= 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

void vkgpt__rng_init(vkgpt__rng_t *rng, uint64_t seed, uint64_t stream) {
    rng->key = mix(seed + RNG_GAMMA * (stream + 1));
    rng->counter = 0;
}

uint64_t vkgpt__rng_next_u64(vkgpt__rng_t *rng) {
    rng->counter++;
    return mix(rng->key + RNG_GAMMA * rng->counter);
}

double vkgpt__rng_next_double(vkgpt__rng_t *rng) {
    return (double)(vkgpt__rng_next_u64(rng) >> 11) * 0x1.0p-53;
}
