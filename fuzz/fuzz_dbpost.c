/* fuzz_dbpost: the DB post-processing (runtime/db_post.c, contours.c,
 * geometry.c) on arbitrary probability maps, without a model in front:
 * binarise, contours, minimum-area rectangles, box score, unclip, scale to
 * the source size. fuzz_detect reaches the same code only through what the
 * model outputs; here the fuzzer draws the map itself.
 *
 * Input: a 13-byte header, then map bytes (repeated to fill the map, zeros
 * when there are none):
 *   u8  map height, map width  1 + v % 256 each
 *   u16 source width, height   1 + v
 *   u8  thresh                 v / 256
 *   u8  box_thresh             v / 255
 *   u8  unclip_ratio           v / 2.55, in [0, 100]
 *   u16 max_candidates         1 + v % 1000
 *   u8  max_boxes              v % 65
 *   u8  bit 0: one map byte holds 8 pixels of 0 or 1 (shapes), else a pixel
 *       is byte / 255
 *
 * Expected: boxes inside the source image with a score in [box_thresh, 1],
 * also from a second call on the same workspace with the map's top half
 * (buffers reused). */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "fuzz.h"
#include "ocrs_detect.h"

enum { MAX_BOXES = 64 };

static void run(const float *prob, int map_h, int map_w, int src_w, int src_h, const ocrs_det_opts *o,
                ocrs_db_post *w, int max_boxes) {
    ocrs_box boxes[MAX_BOXES];
    int n = -1;
    if (ocrs_db_postprocess(prob, map_h, map_w, src_w, src_h, o, w, boxes, max_boxes, &n))
        fuzz_fail("ocrs_db_postprocess", "out of memory");
    if (n < 0) fuzz_fail("a negative box count", "nboxes");
    for (int i = 0; i < n && i < max_boxes; i++) {
        const ocrs_box *b = &boxes[i];
        char d[160];
        for (int k = 0; k < 4; k++)
            if (!(b->x[k] >= 0 && b->x[k] <= src_w - 1 && b->y[k] >= 0 && b->y[k] <= src_h - 1)) {
                snprintf(d, sizeof d, "box %d corner %d at (%g, %g), source %dx%d", i, k, b->x[k], b->y[k], src_w,
                         src_h);
                fuzz_fail("a box leaves the image", d);
            }
        if (!(b->score >= o->box_thresh && b->score <= 1)) {
            snprintf(d, sizeof d, "box %d score %g, box_thresh %g", i, b->score, o->box_thresh);
            fuzz_fail("a box score is out of range", d);
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fuzz_input in = {data, size};
    int map_h = 1 + (int)(fuzz_u8(&in) % 256), map_w = 1 + (int)(fuzz_u8(&in) % 256);
    int src_w = 1 + (int)fuzz_u16(&in), src_h = 1 + (int)fuzz_u16(&in);
    ocrs_det_opts o;
    ocrs_det_opts_default(&o);
    o.thresh = (float)fuzz_u8(&in) / 256;
    o.box_thresh = (float)fuzz_u8(&in) / 255;
    o.unclip_ratio = (float)fuzz_u8(&in) / 2.55f;
    o.max_candidates = 1 + (int)(fuzz_u16(&in) % 1000);
    int max_boxes = (int)(fuzz_u8(&in) % (MAX_BOXES + 1));
    bool bits = fuzz_u8(&in) & 1;
    if (ocrs_det_opts_check(&o)) fuzz_fail("the harness made bad options", ocrs_det_opts_check(&o));

    size_t npix = (size_t)map_h * map_w;
    float *prob = malloc(npix * sizeof *prob);
    if (!prob) fuzz_fail("out of memory", "map");
    for (size_t i = 0; i < npix; i++) {
        unsigned v = in.n ? in.p[(bits ? i / 8 : i) % in.n] : 0;
        prob[i] = bits ? (float)(v >> (i % 8) & 1) : (float)v / 255;
    }
    ocrs_db_post w = {0};
    run(prob, map_h, map_w, src_w, src_h, &o, &w, max_boxes);
    if (map_h > 1) run(prob, map_h / 2, map_w, src_w, src_h, &o, &w, max_boxes);
    ocrs_db_post_free(&w);
    free(prob);
    return 0;
}
