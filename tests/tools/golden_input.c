/* Golden input generator (see golden_input.h). */
#include "golden_input.h"

static uint32_t fmix32(uint32_t h)
{
    h ^= h >> 16;
    h *= 0x85EBCA6Bu;
    h ^= h >> 13;
    h *= 0xC2B2AE35u;
    h ^= h >> 16;
    return h;
}

uint32_t golden_hash(uint32_t seed, uint32_t c, uint32_t y, uint32_t x)
{
    return fmix32(fmix32(fmix32(fmix32(seed) ^ c) ^ y) ^ x);
}

float golden_value(uint32_t seed, uint32_t c, uint32_t y, uint32_t x)
{
    return (float)(golden_hash(seed, c, y, x) & 0xFFFFu) / 32768.0f - 1.0f;
}

void golden_fill(uint32_t seed, int c, int h, int w, float *out)
{
    for (int k = 0; k < c; k++)
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                *out++ = golden_value(seed, (uint32_t)k, (uint32_t)y,
                                      (uint32_t)x);
}
