/* Golden input generator (see golden_input.h for the definition). */
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

uint32_t golden_hash(uint32_t seed, uint32_t a, uint32_t b, uint32_t c)
{
    return fmix32(fmix32(fmix32(fmix32(seed) ^ a) ^ b) ^ c);
}

bool golden_ink(uint32_t seed, uint32_t y, uint32_t x)
{
    uint32_t line = y / 32, ly = y % 32, cell = x / 16, lx = x % 16;
    if (ly < 8 || ly >= 24 || lx < 2 || lx >= 14)
        return false;
    uint32_t l = golden_hash(seed, 0x10000, line, 0);
    if (cell < (l & 3) || cell >= 4 + (l >> 2) % 40)
        return false;
    uint32_t g = golden_hash(seed, 0x20000, line, cell);
    if ((g & 7) == 0)
        return false;
    uint32_t bit = (ly - 8) / 4 * 4 + (lx - 2) / 3;
    return (g >> 8 >> bit) & 1;
}

float golden_value(uint32_t seed, uint32_t c, uint32_t y, uint32_t x)
{
    int noise = (int)(golden_hash(seed, c, y, x) & 0xFF) - 128;
    return (golden_ink(seed, y, x) ? -0.75f : 0.75f) + (float)noise / 1024.0f;
}

void golden_fill(uint32_t seed, int c, int h, int w, float *out)
{
    for (int k = 0; k < c; k++)
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                *out++ = golden_value(seed, (uint32_t)k, (uint32_t)y,
                                      (uint32_t)x);
}
