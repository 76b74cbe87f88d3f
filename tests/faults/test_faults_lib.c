/* Every allocation that a generated library's create, forward and detect
 * make, failed in turn (failalloc.h; the model is det_mv3_db compiled as
 * libfa.a): the call that meets the failure returns FA_ERR_NOMEM, and
 * repeating it then succeeds with the result of a run without failures.
 * Nothing may leak (LeakSanitizer checks at exit in the sanitizer build). */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "fa.h"
#include "failalloc.h"

enum { H = 64, W = 96, IMG_W = 150, IMG_H = 90, MAX_BOXES = 32, THREADS = 2 };

static int failures;

#define CHECK(cond, k)                                                                          \
    do {                                                                                        \
        if (!(cond)) {                                                                          \
            fprintf(stderr, "%s:%d: allocation %ld failed: check %s\n", __FILE__, __LINE__, k, #cond); \
            failures++;                                                                         \
        }                                                                                       \
    } while (0)

static float input[FA_INPUT_NUMEL(H, W)], ref[FA_OUTPUT_NUMEL(H, W)], out[FA_OUTPUT_NUMEL(H, W)];
static uint8_t rgb[IMG_H * IMG_W * 3];
static fa_box ref_boxes[MAX_BOXES], boxes[MAX_BOXES];
static int ref_nboxes;

static int forward(fa_ctx *c) {
    int rc = fa_forward(c, input, H, W, out);
    return rc ? rc : memcmp(out, ref, sizeof out) ? -1 : FA_OK;
}

static int detect(fa_ctx *c) {
    int n = -1, rc = fa_detect(c, rgb, IMG_W, IMG_H, IMG_W * 3, boxes, MAX_BOXES, &n);
    return rc ? rc : n == ref_nboxes && !memcmp(boxes, ref_boxes, sizeof(fa_box) * (size_t)n) ? FA_OK : -1;
}

/* One run with the k-th allocation failing; false when fewer than k
 * allocations happened (every failure point has been covered). A call that
 * meets the failure must return FA_ERR_NOMEM; repeated (nothing fails any
 * more), it must give the result of the run without failures. */
static bool run(long k) {
    failalloc_arm(k);
    fa_ctx *ctx = NULL;
    int rc = fa_create(&ctx, THREADS);
    if (failalloc_fired()) {
        CHECK(rc == FA_ERR_NOMEM && ctx == NULL, k);
        rc = fa_create(&ctx, THREADS);
    }
    CHECK(rc == FA_OK, k);
    if (rc) return true;
    int (*const steps[])(fa_ctx *) = {forward, detect, forward};
    for (size_t s = 0; s < sizeof steps / sizeof steps[0]; s++) {
        bool before = failalloc_fired();
        rc = steps[s](ctx);
        if (!before && failalloc_fired()) {
            CHECK(rc == FA_ERR_NOMEM, k);
            rc = steps[s](ctx);
        }
        CHECK(rc == FA_OK, k);
    }
    fa_destroy(ctx);
    return failalloc_fired();
}

int main(void) {
    for (size_t i = 0; i < sizeof input / sizeof input[0]; i++) input[i] = (float)((i * 7919) % 255) / 64.0f - 2.0f;
    for (size_t i = 0; i < sizeof rgb; i++) rgb[i] = (uint8_t)((i * 31 + i / (IMG_W * 3) * 17) % 251);
    fa_ctx *ctx;
    if (fa_create(&ctx, THREADS) || fa_forward(ctx, input, H, W, ref) ||
        fa_detect(ctx, rgb, IMG_W, IMG_H, IMG_W * 3, ref_boxes, MAX_BOXES, &ref_nboxes)) {
        fprintf(stderr, "the run without failures failed\n");
        return 1;
    }
    fa_destroy(ctx);
    long k = 1;
    while (run(k)) k++;
    printf("faults.lib: %ld allocations of create, forward and detect failed in turn: %s\n", k - 1,
           failures ? "FAILED" : "all calls reported FA_ERR_NOMEM and succeeded when repeated");
    return failures || k < 3;
}
