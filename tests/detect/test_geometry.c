/* Unit tests of the detection runtime's pieces against hand-made cases:
 * contours (holes, touching the edge, single pixels, 8-connectivity),
 * minimum-area rectangles, the Clipper-style offset (expected points from
 * pyclipper 1.2.1), the resize arithmetic, corner order, box score, and the
 * evaluator's polygon IoU and matching rules.
 *
 *   test_geometry contours|minrect|offset|resize|order|score|iou|match */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "evaluate.h"
#include "ocrs_detect.h"


/* A mask from rows of '#' and '.'. */
static uint8_t *mask_of(const char *const *rows, int h, int *w) {
    *w = (int)strlen(rows[0]);
    uint8_t *m = malloc((size_t)h * *w);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < *w; x++) m[y * *w + x] = rows[y][x] == '#';
    return m;
}

static bool has_point(const ocrs_contours *c, int k, int x, int y) {
    for (int i = c->start[k]; i < c->start[k + 1]; i++)
        if (c->xy[2 * i] == x && c->xy[2 * i + 1] == y) return true;
    return false;
}

static void test_contours(void) {
    ocrs_contours c = {0};
    int w;
    /* A ring touching the left edge: its outer border and its hole. The
     * simple chain keeps only the ends of straight runs. */
    const char *ring[] = {"#####.", "#...#.", "#...#.", "#####.", "......"};
    uint8_t *m = mask_of(ring, 5, &w);
    CHECK(ocrs_find_contours(m, 5, w, 0, &c) == 0);
    CHECK(c.ncontours == 2);
    CHECK(c.start[1] - c.start[0] == 4); /* the outer rectangle: its corners */
    CHECK(has_point(&c, 0, 0, 0) && has_point(&c, 0, 4, 0) && has_point(&c, 0, 4, 3) && has_point(&c, 0, 0, 3));
    /* The hole border runs through the ring's inner pixels, diagonals cut. */
    CHECK(has_point(&c, 1, 1, 0) || has_point(&c, 1, 0, 1));
    free(m);

    /* Two components (8-connected diagonal counts as one), a lone pixel. */
    const char *parts[] = {"#.....", ".#..#.", "......", "...#.."};
    m = mask_of(parts, 4, &w);
    CHECK(ocrs_find_contours(m, 4, w, 0, &c) == 0);
    CHECK(c.ncontours == 3);
    CHECK(has_point(&c, 0, 0, 0) && has_point(&c, 0, 1, 1));
    CHECK(c.start[2] - c.start[1] == 1 && has_point(&c, 1, 4, 1));
    CHECK(c.start[3] - c.start[2] == 1 && has_point(&c, 2, 3, 3));
    /* max_contours stops early. */
    CHECK(ocrs_find_contours(m, 4, w, 2, &c) == 0 && c.ncontours == 2);
    free(m);

    /* Two holes in one blob, and a full mask (border = image edge). */
    const char *holes[] = {"#######", "#.###.#", "#######"};
    m = mask_of(holes, 3, &w);
    CHECK(ocrs_find_contours(m, 3, w, 0, &c) == 0 && c.ncontours == 3);
    free(m);
    uint8_t full[12];
    memset(full, 1, sizeof full);
    CHECK(ocrs_find_contours(full, 3, 4, 0, &c) == 0 && c.ncontours == 1);
    CHECK(c.start[1] == 4 && has_point(&c, 0, 0, 0) && has_point(&c, 0, 3, 2));
    uint8_t empty[6] = {0};
    CHECK(ocrs_find_contours(empty, 2, 3, 0, &c) == 0 && c.ncontours == 0);
    ocrs_contours_free(&c);
}

static void rect_of(const double *pts, int n, ocrs_rect *r) {
    double *xy = malloc(sizeof(double) * 2 * n), *hull = malloc(sizeof(double) * 2 * (n + 1));
    memcpy(xy, pts, sizeof(double) * 2 * n);
    ocrs_min_area_rect(xy, n, hull, r);
    free(xy);
    free(hull);
}

static void test_minrect(void) {
    ocrs_rect r;
    /* Axis-aligned points with interior ones. */
    const double box[] = {0, 0, 10, 0, 10, 4, 0, 4, 5, 2, 3, 1};
    rect_of(box, 6, &r);
    NEAR(r.w * r.h, 40, 1e-9);
    NEAR(fmin(r.w, r.h), 4, 1e-9);
    /* A square rotated 45 degrees: the rectangle is the square itself. */
    const double diamond[] = {5, 0, 10, 5, 5, 10, 0, 5};
    rect_of(diamond, 4, &r);
    NEAR(r.w, sqrt(50), 1e-9);
    NEAR(r.h, sqrt(50), 1e-9);
    for (int i = 0; i < 4; i++) CHECK(fabs(r.x[i] - 5) < 1e-9 || fabs(r.y[i] - 5) < 1e-9);
    /* A rotated thin bar: short side 2. */
    double bar[8];
    double c = cos(0.3), s = sin(0.3);
    const double local[] = {0, 0, 20, 0, 20, 2, 0, 2};
    for (int i = 0; i < 4; i++)
        bar[2 * i] = 7 + local[2 * i] * c - local[2 * i + 1] * s, bar[2 * i + 1] = 3 + local[2 * i] * s + local[2 * i + 1] * c;
    rect_of(bar, 4, &r);
    NEAR(fmin(r.w, r.h), 2, 1e-9);
    NEAR(fmax(r.w, r.h), 20, 1e-9);
    /* Degenerate: collinear points and a single point give a zero side. */
    const double line[] = {0, 0, 1, 1, 2, 2, 3, 3};
    rect_of(line, 4, &r);
    NEAR(fmin(r.w, r.h), 0, 1e-9);
    NEAR(fmax(r.w, r.h), sqrt(18), 1e-9);
    const double one[] = {4, 4};
    rect_of(one, 1, &r);
    CHECK(r.w == 0 && r.h == 0 && r.x[0] == 4 && r.y[2] == 4);
}

static void test_offset(void) {
    /* pyclipper: PyclipperOffset().AddPath(rect, JT_ROUND, ET_CLOSEDPOLYGON);
     * Execute(3.0) gives these 12 points (vertices truncated to 0, 10, 5). */
    const double rect[] = {0.9, 0.9, 10.9, 0.9, 10.9, 5.9, 0.9, 5.9};
    const int expect[][2] = {{12, -2}, {13, 0}, {13, 5}, {12, 7}, {10, 8}, {0, 8},
                             {-2, 7},  {-3, 5}, {-3, 0}, {-2, -2}, {0, -3}, {10, -3}};
    double out[2 * 64];
    CHECK(ocrs_offset_max_points(4, 3.0) <= 64);
    int n = ocrs_offset_polygon(rect, 4, 3.0, out);
    CHECK(n == 12);
    /* Same cycle (ours may start elsewhere or run the other way). */
    int found = 0;
    for (int i = 0; i < n; i++)
        for (int k = 0; k < 12; k++) found += out[2 * i] == expect[k][0] && out[2 * i + 1] == expect[k][1];
    CHECK(found == 12);
    /* A larger offset stays within its bound; the result encloses the
     * rectangle grown by delta on every side. */
    int cap = ocrs_offset_max_points(4, 40.0);
    double *big = malloc(sizeof(double) * 2 * cap);
    n = ocrs_offset_polygon(rect, 4, 40.0, big);
    CHECK(n > 12 && n <= cap);
    double lo = INFINITY, hi = -INFINITY;
    for (int i = 0; i < n; i++) lo = fmin(lo, big[2 * i]), hi = fmax(hi, big[2 * i]);
    CHECK(lo == -40 && hi == 50);
    free(big);
    /* Degenerate input gives nothing. */
    const double flat[] = {0, 0, 5.5, 0.2, 5.7, 0.4, 0.1, 0.3};
    CHECK(ocrs_offset_polygon(flat, 4, 2.0, out) == 0);
}

static void test_resize(void) {
    ocrs_det_opts o;
    ocrs_det_opts_default(&o);
    CHECK(ocrs_det_opts_check(&o) == NULL);
    int w, h;
    ocrs_det_input_size(1, 1, &o, &w, &h);
    CHECK(w == 32 && h == 32);
    /* round() is half to even: 48 -> 64 (1.5 -> 2), 80 -> 64 (2.5 -> 2). */
    ocrs_det_input_size(48, 80, &o, &w, &h);
    CHECK(w == 64 && h == 64);
    /* Long side limited to 960, the other scaled and truncated first:
     * 1920x1000 -> 960x500 -> 960x512. */
    ocrs_det_input_size(1920, 1000, &o, &w, &h);
    CHECK(w == 960 && h == 512);
    ocrs_det_input_size(65536, 1, &o, &w, &h);
    CHECK(w == 960 && h == 32);
    o.limit_type = OCRS_LIMIT_MIN;
    ocrs_det_input_size(100, 50, &o, &w, &h);
    CHECK(w == 1920 && h == 960);
    o.limit_side_len = 10;
    CHECK(ocrs_det_opts_check(&o) != NULL);

    /* A constant image stays constant; the 2x2 checker averaged by the
     * exact 2x path; channel order B, G, R. */
    uint8_t img[4 * 4 * 3];
    for (int i = 0; i < 16; i++) img[3 * i] = 255, img[3 * i + 1] = 0, img[3 * i + 2] = 51;
    float *out = malloc(sizeof(float) * 3 * 32 * 32);
    void *scratch = malloc(ocrs_det_pre_scratch(32));
    ocrs_det_preprocess(img, 4, 4, 12, 32, 32, out, scratch);
    NEAR(out[0], (51 / 255.0f - 0.485f) / 0.229f, 1e-6);          /* B */
    NEAR(out[32 * 32], (0 - 0.456f) / 0.224f, 1e-6);              /* G */
    NEAR(out[2 * 32 * 32 + 517], (1.0f - 0.406f) / 0.225f, 1e-6); /* R */
    uint8_t big[64 * 64 * 3];
    for (int y = 0; y < 64; y++)
        for (int x = 0; x < 64; x++) memset(big + (y * 64 + x) * 3, (x + y) % 2 ? 200 : 100, 3);
    ocrs_det_preprocess(big, 64, 64, 64 * 3, 32, 32, out, scratch);
    for (int i = 0; i < 32 * 32; i++) NEAR(out[i], (150 / 255.0f - 0.485f) / 0.229f, 1e-6);
    free(out);
    free(scratch);
}

static void test_order(void) {
    double x[4] = {10, 0, 0, 10}, y[4] = {5, 5, 0, 0};
    ocrs_order_clockwise(x, y);
    CHECK(x[0] == 0 && y[0] == 0 && x[1] == 10 && y[1] == 0 && x[2] == 10 && y[2] == 5 && x[3] == 0 && y[3] == 5);
}

static void test_score(void) {
    /* 1 inside a 4x3 block, 0 elsewhere: a box on the block scores 1, a box
     * twice as wide about half. */
    int h = 10, w = 12;
    float *p = calloc((size_t)h * w, sizeof *p);
    uint8_t *scratch = malloc((size_t)h * w);
    for (int y = 2; y <= 4; y++)
        for (int x = 3; x <= 6; x++) p[y * w + x] = 1;
    double bx[4] = {3, 6, 6, 3}, by[4] = {2, 2, 4, 4};
    NEAR(ocrs_box_score_fast(p, h, w, bx, by, scratch), 1, 1e-12);
    double wx[4] = {3, 10, 10, 3};
    NEAR(ocrs_box_score_fast(p, h, w, wx, by, scratch), 12.0 / 24, 1e-12);
    /* Partly outside the map: clipped, no crash. */
    double ox[4] = {-5, 20, 20, -5}, oy[4] = {-3, -3, 30, 30};
    NEAR(ocrs_box_score_fast(p, h, w, ox, oy, scratch), 12.0 / 120, 1e-12);
    free(p);
    free(scratch);
}

static eval_poly quad(double x0, double y0, double x1, double y1) {
    eval_poly p = {{x0, y0, x1, y0, x1, y1, x0, y1}, 4, false};
    return p;
}

static void test_iou(void) {
    eval_poly a = quad(0, 0, 2, 2), b = quad(1, 0, 3, 2);
    NEAR(eval_intersection(&a, &b), 2, 1e-12);
    NEAR(eval_iou(&a, &b), 1.0 / 3, 1e-12);
    NEAR(eval_iou(&a, &a), 1, 1e-12);
    eval_poly far = quad(10, 10, 11, 11);
    NEAR(eval_iou(&a, &far), 0, 1e-12);
    /* Clockwise clip polygon and a rotated one. */
    eval_poly cw = {{0, 0, 0, 2, 2, 2, 2, 0}, 4, false};
    NEAR(eval_intersection(&b, &cw), 2, 1e-12);
    eval_poly diamond = {{1, 0, 2, 1, 1, 2, 0, 1}, 4, false};
    NEAR(eval_intersection(&a, &diamond), 2, 1e-12);
    /* A non-convex ground truth (an L) clipped by a convex detection. */
    eval_poly l = {{0, 0, 4, 0, 4, 1, 1, 1, 1, 4, 0, 4}, 6, false};
    eval_poly d = quad(0, 0, 2, 2);
    NEAR(eval_intersection(&l, &d), 3, 1e-12);
    /* Validity: a bow-tie and a flat polygon are not valid. */
    eval_poly bowtie = {{0, 0, 2, 2, 2, 0, 0, 2}, 4, false};
    CHECK(!eval_valid(&bowtie));
    eval_poly flat = {{0, 0, 1, 0, 2, 0}, 3, false};
    CHECK(!eval_valid(&flat));
    CHECK(eval_valid(&l));
}

static void test_match(void) {
    eval_counts c = {0};
    eval_poly gt[3] = {quad(0, 0, 10, 10), quad(20, 0, 30, 10), quad(40, 0, 50, 10)};
    gt[2].dont_care = true;
    /* det 0 matches gt 0; det 1 overlaps gt 1 at IoU 0.5 exactly: no match;
     * det 2 lies inside the don't-care region: ignored; det 3 duplicates
     * det 0: unmatched, counted. */
    eval_poly det[4] = {quad(0, 0, 10, 11), quad(20, 0, 30, 5), quad(41, 1, 49, 9), quad(0, 0, 10, 10)};
    eval_image(gt, 3, det, 4, &c);
    CHECK(c.gt_care == 2 && c.det_care == 3 && c.matched == 1);
    double p, r, h;
    eval_scores(&c, &p, &r, &h);
    NEAR(p, 1.0 / 3, 1e-12);
    NEAR(r, 0.5, 1e-12);
    NEAR(h, 0.4, 1e-12);
    /* Micro-average: counts add across images. */
    eval_image(gt, 2, det, 1, &c);
    CHECK(c.gt_care == 4 && c.det_care == 4 && c.matched == 2);
    eval_counts none = {0};
    eval_scores(&none, &p, &r, &h);
    CHECK(p == 0 && r == 0 && h == 0);
}

int main(int argc, char **argv) {
    static const struct {
        const char *name;
        void (*fn)(void);
    } tests[] = {{"contours", test_contours}, {"minrect", test_minrect}, {"offset", test_offset},
                 {"resize", test_resize},     {"order", test_order},     {"score", test_score},
                 {"iou", test_iou},           {"match", test_match}};
    for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++)
        if (argc < 2 || !strcmp(argv[1], tests[i].name)) tests[i].fn();
    if (failures) fprintf(stderr, "%d check(s) failed\n", failures);
    return failures ? 1 : 0;
}
