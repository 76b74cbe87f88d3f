/* DB pre-processing as PaddleOCR's predict_det does it: DetResizeForTest
 * (limit, round to multiples of 32, cv2.resize INTER_LINEAR), then
 * NormalizeImage on the BGR image, then HWC -> CHW.
 *
 * The resize reproduces OpenCV's uint8 bilinear path: per-pixel weights
 * rounded to 11-bit fixed point, a horizontal pass into ints, and the
 * vertical pass as OpenCV's SIMD kernel computes it on x86 and ARM
 * (mul-hi of the 16-bit weights with the row values >> 4, rounded >> 2), so
 * the tensor matches cv2's to the last bit in all but rare tail pixels. */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "ocrs_detect.h"

enum { COEF_BITS = 11, COEF_ONE = 1 << COEF_BITS };

/* ocrslimc compiles a config's PreProcess/PostProcess values in as these
 * (driver/config.c). */
#ifndef OCRS_DET_DEFAULT_THRESH
#define OCRS_DET_DEFAULT_THRESH 0.3f
#endif
#ifndef OCRS_DET_DEFAULT_BOX_THRESH
#define OCRS_DET_DEFAULT_BOX_THRESH 0.6f
#endif
#ifndef OCRS_DET_DEFAULT_UNCLIP_RATIO
#define OCRS_DET_DEFAULT_UNCLIP_RATIO 1.5f
#endif
#ifndef OCRS_DET_DEFAULT_LIMIT_SIDE_LEN
#define OCRS_DET_DEFAULT_LIMIT_SIDE_LEN 960
#endif
#ifndef OCRS_DET_DEFAULT_LIMIT_TYPE
#define OCRS_DET_DEFAULT_LIMIT_TYPE OCRS_LIMIT_MAX
#endif
#ifndef OCRS_DET_DEFAULT_MAX_CANDIDATES
#define OCRS_DET_DEFAULT_MAX_CANDIDATES 1000
#endif

void ocrs_det_opts_default(ocrs_det_opts *o) {
    o->thresh = OCRS_DET_DEFAULT_THRESH;
    o->box_thresh = OCRS_DET_DEFAULT_BOX_THRESH;
    o->unclip_ratio = OCRS_DET_DEFAULT_UNCLIP_RATIO;
    o->limit_side_len = OCRS_DET_DEFAULT_LIMIT_SIDE_LEN;
    o->limit_type = OCRS_DET_DEFAULT_LIMIT_TYPE;
    o->max_candidates = OCRS_DET_DEFAULT_MAX_CANDIDATES;
}

const char *ocrs_det_opts_check(const ocrs_det_opts *o) {
    if (!(o->thresh >= 0 && o->thresh < 1)) return "thresh";
    if (!(o->box_thresh >= 0 && o->box_thresh <= 1)) return "box_thresh";
    if (!(o->unclip_ratio >= 0 && o->unclip_ratio <= 100)) return "unclip_ratio";
    if (o->limit_side_len < 32 || o->limit_side_len > 4096) return "limit_side_len";
    if (o->limit_type < OCRS_LIMIT_MAX || o->limit_type > OCRS_LIMIT_RESIZE_LONG) return "limit_type";
    if (o->max_candidates < 1 || o->max_candidates > 1000000) return "max_candidates";
    return 0;
}

/* Python's max(int(round(int(n) / 32) * 32), 32); round() is half to even,
 * as rint is. Beyond any valid extent the value only has to stay invalid. */
static int round32(double n) {
    n = trunc(n < 1 << 20 ? n : 1 << 20);
    int r = (int)rint(n / 32.0) * 32;
    return r < 32 ? 32 : r;
}

void ocrs_det_input_size(int width, int height, const ocrs_det_opts *o, int *in_w, int *in_h) {
    double ratio = 1.0, limit = o->limit_side_len;
    int lo = height < width ? height : width, hi = height > width ? height : width;
    if (o->limit_type == OCRS_LIMIT_MAX) ratio = hi > limit ? limit / hi : 1.0;
    else if (o->limit_type == OCRS_LIMIT_MIN) ratio = lo < limit ? limit / lo : 1.0;
    else ratio = limit / hi;
    *in_h = round32(height * ratio);
    *in_w = round32(width * ratio);
}

/* Source index and 11-bit weights of each destination pixel along one axis. */
static void axis_weights(int src, int dst, int *ofs, int16_t *a0, int16_t *a1) {
    double scale = (double)src / dst;
    for (int d = 0; d < dst; d++) {
        float f = (float)((d + 0.5) * scale - 0.5);
        int s = (int)floorf(f);
        f -= (float)s;
        if (s < 0) s = 0, f = 0;
        if (s >= src - 1) s = src - 1, f = 0;
        ofs[d] = s;
        a0[d] = (int16_t)lrintf((1.f - f) * COEF_ONE);
        a1[d] = (int16_t)lrintf(f * COEF_ONE);
    }
}

size_t ocrs_det_pre_scratch(int in_w) {
    /* two horizontally resized rows of 3 * in_w ints, x offsets and weights,
     * one destination row of RGB bytes */
    return (size_t)in_w * (2 * 3 * sizeof(int32_t) + sizeof(int) + 2 * sizeof(int16_t) + 3) + 64;
}

/* One source row resized horizontally into 3 * in_w ints (weights sum to 2048). */
static void hresize(const uint8_t *row, int width, int in_w, const int *xo, const int16_t *a0, const int16_t *a1,
                    int32_t *out) {
    for (int d = 0; d < in_w; d++) {
        const uint8_t *p = row + 3 * xo[d];
        const uint8_t *q = xo[d] + 1 < width ? p + 3 : p;
        for (int c = 0; c < 3; c++) out[3 * d + c] = p[c] * a0[d] + q[c] * a1[d];
    }
}

/* The exact 2x downscale OpenCV switches INTER_LINEAR to (INTER_AREA):
 * the rounded mean of each 2x2 block. */
static void halve_row(const uint8_t *r0, const uint8_t *r1, int in_w, uint8_t *out) {
    for (int d = 0; d < in_w; d++)
        for (int c = 0; c < 3; c++) {
            int s = r0[6 * d + c] + r0[6 * d + 3 + c] + r1[6 * d + c] + r1[6 * d + 3 + c];
            out[3 * d + c] = (uint8_t)((s + 2) >> 2);
        }
}

void ocrs_det_preprocess(const uint8_t *rgb, int width, int height, int stride, int in_w, int in_h, float *out,
                         void *scratch) {
    static const float mean[3] = {0.485f, 0.456f, 0.406f}, std[3] = {0.229f, 0.224f, 0.225f};
    float lut[3][256];
    for (int c = 0; c < 3; c++)
        for (int v = 0; v < 256; v++) lut[c][v] = ((float)v * (1.0f / 255.0f) - mean[c]) / std[c];
    ocrs_resize_normalize(rgb, width, height, stride, in_w, in_h, (const float(*)[256])lut, in_w, out, scratch);
}

void ocrs_resize_normalize(const uint8_t *rgb, int width, int height, int stride, int in_w, int in_h,
                           const float (*lut)[256], int pitch, float *out, void *scratch) {
    int32_t *row0 = scratch, *row1 = row0 + 3 * (size_t)in_w;
    int *xo = (int *)(row1 + 3 * (size_t)in_w);
    int16_t *a0 = (int16_t *)(xo + in_w), *a1 = a0 + in_w;
    uint8_t *dst = (uint8_t *)(a1 + in_w);
    axis_weights(width, in_w, xo, a0, a1);
    bool halve = width == 2 * in_w && height == 2 * in_h;
    int have0 = -1, have1 = -1; /* source rows now in row0, row1 */
    size_t plane = (size_t)pitch * in_h;
    double scale_y = (double)height / in_h;
    for (int dy = 0; dy < in_h; dy++) {
        if (halve) {
            halve_row(rgb + (size_t)(2 * dy) * stride, rgb + (size_t)(2 * dy + 1) * stride, in_w, dst);
        } else {
            float f = (float)((dy + 0.5) * scale_y - 0.5);
            int sy = (int)floorf(f);
            f -= (float)sy;
            if (sy < 0) sy = 0, f = 0;
            if (sy >= height - 1) sy = height - 1, f = 0;
            int sy1 = sy + 1 < height ? sy + 1 : sy;
            int b0 = (int16_t)lrintf((1.f - f) * COEF_ONE), b1 = (int16_t)lrintf(f * COEF_ONE);
            /* Rows move forward only; reuse what the last output row loaded. */
            if (have1 == sy) {
                int32_t *t = row0;
                row0 = row1, row1 = t;
                have0 = sy, have1 = -1;
            }
            if (have0 != sy) hresize(rgb + (size_t)sy * stride, width, in_w, xo, a0, a1, row0), have0 = sy;
            if (have1 != sy1) hresize(rgb + (size_t)sy1 * stride, width, in_w, xo, a0, a1, row1), have1 = sy1;
            for (int i = 0; i < 3 * in_w; i++) {
                int v = (((row0[i] >> 4) * b0) >> 16) + (((row1[i] >> 4) * b1) >> 16);
                v = (v + 2) >> 2;
                dst[i] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
            }
        }
        float *o = out + (size_t)dy * pitch;
        for (int x = 0; x < in_w; x++) {
            o[x] = lut[0][dst[3 * x + 2]];
            o[plane + x] = lut[1][dst[3 * x + 1]];
            o[2 * plane + x] = lut[2][dst[3 * x]];
        }
        for (int c = 0; c < 3; c++)
            for (int x = in_w; x < pitch; x++) o[c * plane + x] = 0;
    }
}
