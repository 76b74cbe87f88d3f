/* fuzz_detect: <name>_detect of a generated library on arbitrary images,
 * sizes, strides, box counts and detect options. The library is det_mv3_db
 * (mkmodel, seed 1) compiled by ocrslimc as "fdet" at build time; the
 * runtime (pre-processing, contours, geometry, post-processing) is compiled
 * with the fuzzing flags, the model's own code is as LLVM made it.
 *
 * Input: a 14-byte header, then pixel bytes (repeated to fill the image,
 * zeros when there are none):
 *   u8  flags: bits 0-1 limit_type (3 is out of range), bit 2 a stride one
 *       byte short, bit 3 a second call at half the size (buffer reuse)
 *   u16 width, u16 height      1 + v % 512
 *   u8  stride padding         bytes past 3 * width
 *   u8  max_boxes              v % 65 (0: boxes NULL, only counted)
 *   u8  thresh                 v / 256
 *   u8  box_thresh             v / 255
 *   u8  unclip_ratio           v / 2.55, in [0, 100]
 *   u16 limit_side_len         32 + v % 609 (up to 640, so runs stay fast)
 *   u16 max_candidates         1 + v % 1000
 *
 * Expected: FDET_ERR_ARG for a bad stride or limit_type, else FDET_OK or
 * FDET_ERR_SIZE (the resized image exceeds FDET_MAX_SIZE); boxes inside the
 * image with finite corners and a score in [box_thresh, 1]. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fdet.h"
#include "fuzz.h"

enum { MAX_SIDE = 512, MAX_BOXES = 64 };

static void check_boxes(const fdet_box *boxes, int n, int max_boxes, int width, int height, float box_thresh) {
    for (int i = 0; i < n && i < max_boxes; i++) {
        const fdet_box *b = &boxes[i];
        for (int k = 0; k < 4; k++)
            if (!(b->x[k] >= 0 && b->x[k] <= width - 1 && b->y[k] >= 0 && b->y[k] <= height - 1)) {
                char d[128];
                snprintf(d, sizeof d, "box %d corner %d at (%g, %g) in a %dx%d image", i, k, b->x[k], b->y[k], width,
                         height);
                fuzz_fail("a box leaves the image", d);
            }
        if (!(b->score >= box_thresh && b->score <= 1)) {
            char d[96];
            snprintf(d, sizeof d, "box %d score %g, box_thresh %g", i, b->score, box_thresh);
            fuzz_fail("a box score is out of range", d);
        }
    }
}

static int detect(fdet_ctx *ctx, const uint8_t *px, int width, int height, int stride, int max_boxes,
                  float box_thresh) {
    fdet_box boxes[MAX_BOXES];
    int n = -1;
    int st = fdet_detect(ctx, px, width, height, stride, max_boxes ? boxes : NULL, max_boxes, &n);
    if (st == FDET_OK) {
        if (n < 0) fuzz_fail("a negative box count", "num_boxes_out");
        check_boxes(boxes, n, max_boxes, width, height, box_thresh);
    }
    return st;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fuzz_input in = {data, size};
    unsigned flags = fuzz_u8(&in);
    int width = 1 + (int)(fuzz_u16(&in) % MAX_SIDE), height = 1 + (int)(fuzz_u16(&in) % MAX_SIDE);
    int pad = (int)fuzz_u8(&in), stride = flags & 4 ? 3 * width - 1 : 3 * width + pad;
    int max_boxes = (int)(fuzz_u8(&in) % (MAX_BOXES + 1));
    /* Field by field: an initializer list's order of evaluation is unspecified. */
    fdet_detect_options o;
    o.thresh = (float)fuzz_u8(&in) / 256;
    o.box_thresh = (float)fuzz_u8(&in) / 255;
    o.unclip_ratio = (float)fuzz_u8(&in) / 2.55f;
    o.limit_side_len = 32 + (int)(fuzz_u16(&in) % 609);
    o.limit_type = (int)(flags & 3);
    o.max_candidates = 1 + (int)(fuzz_u16(&in) % 1000);
    bool bad_stride = flags & 4;

    size_t bytes = (size_t)stride * height;
    uint8_t *px = malloc(bytes);
    if (!px) fuzz_fail("out of memory", "pixels");
    for (size_t i = 0; i < bytes; i++) px[i] = in.n ? in.p[i % in.n] : 0;

    fdet_ctx *ctx;
    if (fdet_create(&ctx, 1) != FDET_OK) fuzz_fail("fdet_create failed", "1 thread");
    int st = fdet_set_detect_options(ctx, &o);
    if (st != (o.limit_type == 3 ? FDET_ERR_ARG : FDET_OK)) fuzz_fail("set_detect_options", fdet_strerror(st));
    if (st == FDET_OK) {
        st = detect(ctx, px, width, height, stride, max_boxes, o.box_thresh);
        if (bad_stride ? st != FDET_ERR_ARG : st != FDET_OK && st != FDET_ERR_SIZE)
            fuzz_fail("detect", fdet_strerror(st));
        if (st == FDET_OK && flags & 8 && width > 1 && height > 1) {
            st = detect(ctx, px, width / 2, height / 2, stride, max_boxes, o.box_thresh);
            if (st != FDET_OK && st != FDET_ERR_SIZE) fuzz_fail("second detect", fdet_strerror(st));
        }
    }
    fdet_destroy(ctx);
    free(px);
    return 0;
}
