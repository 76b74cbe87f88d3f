/* runtime/ocr/crop.c against OpenCV 4.6: the crop sizes and every byte of
 * the crops of tests/ocr/crop_fixture.bin (written by
 * scripts/ref/make_crop_fixture.py, whose header documents the layout),
 * and the rotations against np.rot90 / cv2.rotate. Exact: any difference
 * fails, naming the quad and the pixel. Then inputs cv2 never sees
 * (NaN corners, corners far away, bad arguments) must not crash.
 *
 *   test_crop FIXTURE */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ocrs_ocr.h"

static int failures;

#define FAIL(...)                                                                                                      \
    do {                                                                                                               \
        fprintf(stderr, __VA_ARGS__);                                                                                  \
        fputc('\n', stderr);                                                                                           \
        failures++;                                                                                                    \
    } while (0)

/* The fixture, read whole; the reader refuses to run past its end. */
static const uint8_t *fx;
static size_t fx_len, fx_pos;

static const uint8_t *take(size_t n) {
    if (n > fx_len - fx_pos) {
        fprintf(stderr, "fixture truncated at byte %zu (need %zu more)\n", fx_pos, n);
        exit(1);
    }
    const uint8_t *p = fx + fx_pos;
    fx_pos += n;
    return p;
}
static unsigned u16(void) {
    const uint8_t *p = take(2);
    return p[0] | (unsigned)p[1] << 8;
}
static float f32(void) {
    const uint8_t *p = take(4);
    uint32_t u = p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
    float f;
    memcpy(&f, &u, 4);
    return f;
}

/* Compares w x h RGB images; reports the first differing pixel and the count. */
static void compare(const char *what, int idx, const uint8_t *got, const uint8_t *want, int w, int h) {
    long ndiff = 0;
    int first = -1;
    for (long i = 0; i < (long)w * h; i++)
        if (memcmp(got + 3 * i, want + 3 * i, 3)) {
            if (first < 0) first = (int)i;
            ndiff++;
        }
    if (ndiff) {
        const uint8_t *g = got + 3 * first, *e = want + 3 * first;
        FAIL("%s %d: %ld of %d pixels differ; first at (x %d, y %d): got %d,%d,%d want %d,%d,%d", what, idx, ndiff,
             w * h, first % w, first / w, g[0], g[1], g[2], e[0], e[1], e[2]);
    }
}

/* Reads a count and that many quad records, cropping each from img. */
static int test_quads(const char *set, const uint8_t *img, int W, int H) {
    int n = (int)u16();
    for (int q = 0; q < n; q++) {
        float x[4], y[4];
        for (int i = 0; i < 4; i++) x[i] = f32();
        for (int i = 0; i < 4; i++) y[i] = f32();
        int want_w = (int)u16(), want_h = (int)u16(), kind = *take(1);
        const uint8_t *want = take((size_t)want_w * want_h * 3);
        int w, h;
        ocrs_crop_size(x, y, &w, &h);
        if (w != want_w || h != want_h) {
            FAIL("%s quad %d (%g,%g %g,%g %g,%g %g,%g): crop size %dx%d, want %dx%d", set, q, x[0], y[0], x[1], y[1],
                 x[2], y[2], x[3], y[3], w, h, want_w, want_h);
            continue;
        }
        uint8_t *got = malloc((size_t)w * h * 3);
        if (!got) abort();
        /* a stride wider than the row, to catch stride mistakes */
        int stride = 3 * W + 5;
        uint8_t *padded = malloc((size_t)stride * H);
        if (!padded) abort();
        memset(padded, 0xa5, (size_t)stride * H);
        for (int r = 0; r < H; r++) memcpy(padded + (size_t)r * stride, img + (size_t)r * W * 3, (size_t)W * 3);
        int rc = ocrs_crop_quad(padded, W, H, stride, x, y, got, w, h);
        if (rc != (kind == 1 ? -1 : 0)) FAIL("%s quad %d: ocrs_crop_quad returned %d (kind %d)", set, q, rc, kind);
        compare(set, q, got, want, w, h);
        free(padded);
        free(got);
    }
    return n;
}

static void test_fixture(void) {
    if (memcmp(take(8), "OCRSCRP1", 8)) {
        fprintf(stderr, "not a crop fixture\n");
        exit(1);
    }
    int W = (int)u16(), H = (int)u16();
    const uint8_t *img = take((size_t)W * H * 3);
    int n = test_quads("quad", img, W, H);

    /* the procedural image, rebuilt as make_crop_fixture.py defines it */
    int PW = (int)u16(), PH = (int)u16();
    uint8_t *pimg = malloc((size_t)PW * PH * 3);
    if (!pimg) abort();
    for (int py = 0; py < PH; py++)
        for (int px = 0; px < PW; px++)
            for (int c = 0; c < 3; c++)
                pimg[((size_t)py * PW + px) * 3 + c] = (uint8_t)((31 * px + 17 * py + 85 * c + (px * py) % 61) % 256);
    int pn = test_quads("procedural quad", pimg, PW, PH);
    free(pimg);

    int rw = (int)u16(), rh = (int)u16();
    const uint8_t *src = take((size_t)rw * rh * 3);
    const uint8_t *want90 = take((size_t)rw * rh * 3), *want180 = take((size_t)rw * rh * 3);
    uint8_t *buf = malloc((size_t)rw * rh * 3);
    if (!buf) abort();
    ocrs_rotate90(src, rw, rh, buf);
    compare("rot90 (w x h swapped)", 0, buf, want90, rh, rw);
    memcpy(buf, src, (size_t)rw * rh * 3);
    ocrs_rotate180(buf, rw, rh);
    compare("rot180", 0, buf, want180, rw, rh);
    free(buf);
    if (fx_pos != fx_len) FAIL("fixture has %zu trailing bytes", fx_len - fx_pos);
    printf("crop fixture: %d quads on %dx%d, %d on %dx%d compared\n", n, W, H, pn, PW, PH);
}

/* Inputs PaddleOCR does not produce: defined results, no crash (run under
 * the sanitizers), out written exactly in bounds. */
static void test_odd_inputs(void) {
    enum { W = 7, H = 5 };
    uint8_t img[W * H * 3];
    for (int i = 0; i < W * H * 3; i++) img[i] = (uint8_t)(i * 37 + 11);
    uint8_t out[3 * 40 * 30 + 1];

    /* NaN / infinite corners: -1 and the (0, 0) pixel everywhere */
    float nanx[4] = {0, NAN, 5, 0}, y[4] = {0, 0, 4, 4};
    int w, h;
    ocrs_crop_size(nanx, y, &w, &h);
    if (w < 1 || h < 1) FAIL("NaN corners: crop size %dx%d below 1", w, h);
    float infx[4] = {0, INFINITY, 5, 0};
    out[3 * 4 * 3] = 0x5a;
    if (ocrs_crop_quad(img, W, H, 3 * W, nanx, y, out, 4, 3) != -1) FAIL("NaN corners: not -1");
    for (int i = 0; i < 12; i++)
        if (memcmp(out + 3 * i, img, 3)) FAIL("NaN corners: pixel %d is not the image's (0, 0)", i);
    if (out[3 * 4 * 3] != 0x5a) FAIL("NaN corners: wrote past the crop");
    if (ocrs_crop_quad(img, W, H, 3 * W, infx, y, out, 4, 3) != -1) FAIL("infinite corners: not -1");

    /* huge coordinates: sizes saturate, the crop replicates the border */
    float bigx[4] = {-1e30f, 1e30f, 1e30f, -1e30f}, bigy[4] = {-1e30f, -1e30f, 1e30f, 1e30f};
    ocrs_crop_size(bigx, bigy, &w, &h);
    if (w != 2147483647 || h != 2147483647) FAIL("huge quad: size %dx%d, want saturated", w, h);
    ocrs_crop_quad(img, W, H, 3 * W, bigx, bigy, out, 40, 30);
    float farx[4] = {1e7f, 1e7f + 30, 1e7f + 30, 1e7f}, fary[4] = {-1e7f, -1e7f, -1e7f + 20, -1e7f + 20};
    if (ocrs_crop_quad(img, W, H, 3 * W, farx, fary, out, 30, 20) != 0) FAIL("far quad: not 0");
    for (int i = 0; i < 30 * 20; i++)
        if (memcmp(out + 3 * i, img + 3 * (W - 1), 3)) {
            FAIL("far quad (right, above): pixel %d is not the top-right pixel", i);
            break;
        }

    /* degenerate: all corners equal */
    float px[4] = {3, 3, 3, 3}, py[4] = {2, 2, 2, 2};
    ocrs_crop_size(px, py, &w, &h);
    if (w != 1 || h != 1) FAIL("point quad: size %dx%d, want 1x1", w, h);
    if (ocrs_crop_quad(img, W, H, 3 * W, px, py, out, 1, 1) != -1) FAIL("point quad: not -1");

    /* bad arguments */
    float qx[4] = {1, 5, 5, 1}, qy[4] = {1, 1, 4, 4};
    if (ocrs_crop_quad(NULL, W, H, 3 * W, qx, qy, out, 4, 3) != -1) FAIL("NULL image: not -1");
    if (ocrs_crop_quad(img, 0, H, 3 * W, qx, qy, out, 4, 3) != -1) FAIL("zero width: not -1");
    if (ocrs_crop_quad(img, W, H, 3 * W - 1, qx, qy, out, 4, 3) != -1) FAIL("short stride: not -1");
    if (ocrs_crop_quad(img, W, H, 3 * W, qx, qy, out, 0, 3) != -1) FAIL("zero crop: not -1");
    if (ocrs_crop_quad(img, W, H, 3 * W, qx, qy, NULL, 4, 3) != -1) FAIL("NULL out: not -1");

    /* 1x1 image, any quad */
    uint8_t one[3] = {9, 8, 7};
    if (ocrs_crop_quad(one, 1, 1, 3, qx, qy, out, 4, 3) != 0) FAIL("1x1 image: not 0");
    for (int i = 0; i < 12; i++)
        if (memcmp(out + 3 * i, one, 3)) FAIL("1x1 image: pixel %d", i);

    /* rotations of a 1-pixel-high strip and in-place 180 of odd sizes */
    uint8_t strip[3 * 5], r90[3 * 5];
    for (int i = 0; i < 15; i++) strip[i] = (uint8_t)i;
    ocrs_rotate90(strip, 5, 1, r90);
    for (int r = 0; r < 5; r++)
        if (memcmp(r90 + 3 * r, strip + 3 * (4 - r), 3)) FAIL("rot90 of a strip: row %d", r);
    ocrs_rotate180(strip, 5, 1);
    for (int i = 0; i < 5; i++)
        if (strip[3 * i] != 3 * (4 - i)) FAIL("rot180 of a strip: pixel %d", i);
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: test_crop FIXTURE\n");
        return 2;
    }
    FILE *f = fopen(argv[1], "rb");
    if (!f) {
        perror(argv[1]);
        return 1;
    }
    static uint8_t data[1 << 20];
    fx_len = fread(data, 1, sizeof data, f);
    fclose(f);
    fx = data;
    test_fixture();
    test_odd_inputs();
    if (failures) {
        fprintf(stderr, "%d failure(s)\n", failures);
        return 1;
    }
    printf("ok\n");
    return 0;
}
