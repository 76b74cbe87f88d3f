/* The input images of the ORT goldens (tests/golden, scripts/make_goldens.mjs).
 *
 * value(seed, c, y, x) = (h & 0xFFFF) / 32768 - 1, a float in [-1, 1) with
 * at most 17 significant bits, so it is exact in float32 and both sides agree
 * bit for bit. h chains the murmur3 32-bit finalizer over the coordinates:
 *   fmix(h) = h ^= h>>16; h *= 0x85EBCA6B; h ^= h>>13; h *= 0xC2B2AE35;
 *             h ^= h>>16   (all mod 2^32)
 *   h = fmix(fmix(fmix(fmix(seed) ^ c) ^ y) ^ x)
 * The value depends on (c, y, x) and not on the image size, so a smaller
 * image is the top-left crop of a larger one with the same seed.
 */
#ifndef OCRS_GOLDEN_INPUT_H
#define OCRS_GOLDEN_INPUT_H

#include <stdint.h>

uint32_t golden_hash(uint32_t seed, uint32_t c, uint32_t y, uint32_t x);
float golden_value(uint32_t seed, uint32_t c, uint32_t y, uint32_t x);
/* out: (c, h, w) planes, c*h*w floats. */
void golden_fill(uint32_t seed, int c, int h, int w, float *out);

#endif
