/* Two libraries compiled from one detector under two names, det (shared)
 * and det_static (static), in one program: both run on the same synthetic
 * page and must agree bit for bit, as they hold the same code.
 *
 *   two_models [HEIGHT WIDTH]    (multiples of 32; default 96 160) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "det.h"
#include "det_static.h"

/* Dark text-like bars on a light background, input scale of PP-OCR
 * (normalised pixels in about [-2, 2]). */
static void fill_page(float *x, int h, int w) {
    for (int c = 0; c < 3; c++)
        for (int y = 0; y < h; y++)
            for (int i = 0; i < w; i++) {
                int ink = y % 32 >= 10 && y % 32 < 22 && i % 12 < 8 && i >= 8 && i < w - 8;
                x[((size_t)c * h + y) * w + i] = ink ? -1.5f : 1.8f;
            }
}

int main(int argc, char **argv) {
    int h = argc > 2 ? atoi(argv[1]) : 96, w = argc > 2 ? atoi(argv[2]) : 160;
    float *in = malloc(DET_INPUT_NUMEL(h, w) * sizeof(float));
    float *a = malloc(DET_OUTPUT_NUMEL(h, w) * sizeof(float));
    float *b = malloc(DET_STATIC_OUTPUT_NUMEL(h, w) * sizeof(float));
    if (!in || !a || !b) return 1;
    fill_page(in, h, w);

    det_ctx *da = NULL;
    det_static_ctx *db = NULL;
    int st = det_create(&da, 1);
    if (st == DET_OK) st = det_forward(da, in, h, w, a);
    if (st != DET_OK) {
        fprintf(stderr, "det: %s\n", det_strerror(st));
        return 1;
    }
    st = det_static_create(&db, 1);
    if (st == DET_STATIC_OK) st = det_static_forward(db, in, h, w, b);
    if (st != DET_STATIC_OK) {
        fprintf(stderr, "det_static: %s\n", det_static_strerror(st));
        return 1;
    }

    size_t n = DET_OUTPUT_NUMEL(h, w), text = 0;
    for (size_t i = 0; i < n; i++) text += a[i] > 0.3f;
    int same = DET_OUTPUT_NUMEL(h, w) == DET_STATIC_OUTPUT_NUMEL(h, w) && memcmp(a, b, n * sizeof(float)) == 0;
    printf("det and det_static, %dx%d: %zu of %zu pixels above 0.3; outputs %s\n", h, w, text, n,
           same ? "identical" : "DIFFER");
    det_destroy(da);
    det_static_destroy(db);
    free(in), free(a), free(b);
    return same ? 0 : 1;
}
