/* The input images of the ORT goldens (tests/golden, written by
 * scripts/make_goldens.mjs; scripts/goldenlib.mjs repeats this generator in
 * JavaScript).
 *
 * A synthetic page of text lines, so that the real detector finds text
 * (on pure noise its output is ~0 everywhere, which any broken kernel that
 * outputs zeros would match). All arithmetic is on integers, and every value
 * is a multiple of 1/1024 in (-0.88, 0.88): exact in float32, so C and JS
 * agree bit for bit.
 *
 *   fmix(h)  = murmur3's 32-bit finalizer: h ^= h>>16; h *= 0x85EBCA6B;
 *              h ^= h>>13; h *= 0xC2B2AE35; h ^= h>>16   (mod 2^32)
 *   hash(s, a, b, c) = fmix(fmix(fmix(fmix(s) ^ a) ^ b) ^ c)
 *
 *   ink(s, y, x): lines are 32 px apart, glyph cells 16 px wide.
 *     line = y/32, ly = y%32, cell = x/16, lx = x%16
 *     no ink unless 8 <= ly < 24 and 2 <= lx < 14
 *     L = hash(s, 0x10000, line, 0): the line covers cells
 *         [L & 3, 4 + (L>>2) % 40)
 *     G = hash(s, 0x20000, line, cell): (G & 7) == 0 is a space; otherwise
 *         the glyph is the 4x4 bitmap G>>8 of 3x4-px blocks and
 *         ink = bit ((ly-8)/4)*4 + (lx-2)/3 of it
 *   value(s, c, y, x) = (ink ? -0.75 : 0.75)
 *                       + ((hash(s, c, y, x) & 0xFF) - 128) / 1024
 *
 * The value depends on (c, y, x) and not on the image size: a smaller
 * image is the top-left crop of a larger one with the same seed.
 */
#ifndef OCRS_GOLDEN_INPUT_H
#define OCRS_GOLDEN_INPUT_H

#include <stdbool.h>
#include <stdint.h>

uint32_t golden_hash(uint32_t seed, uint32_t a, uint32_t b, uint32_t c);
bool golden_ink(uint32_t seed, uint32_t y, uint32_t x);
float golden_value(uint32_t seed, uint32_t c, uint32_t y, uint32_t x);
/* out: c planes of h*w floats (NCHW with N = 1). */
void golden_fill(uint32_t seed, int c, int h, int w, float *out);

#endif
