/* Internal interface of the text-detection runtime: PaddleOCR's DB
 * pre-processing (db_pre.c), the post-processing (db_post.c) and the
 * geometry it rests on (contours.c, geometry.c). These files do not depend on
 * OCRS_PREFIX, so tests link them directly; detect.c is the prefixed public
 * API on top. Nothing here allocates behind the caller's back except where a
 * function says so, and nothing exits. */
#ifndef OCRS_DETECT_H
#define OCRS_DETECT_H

#include <stddef.h>
#include <stdint.h>

/* limit_type of the resize, as PaddleOCR's DetResizeForTest names them. */
enum { OCRS_LIMIT_MAX, OCRS_LIMIT_MIN, OCRS_LIMIT_RESIZE_LONG };

typedef struct {
    float thresh;       /* binarisation of the probability map: p > thresh */
    float box_thresh;   /* boxes whose mean probability is below are dropped */
    float unclip_ratio; /* offset distance = area * unclip_ratio / perimeter */
    int limit_side_len;
    int limit_type; /* OCRS_LIMIT_* */
    int max_candidates;
} ocrs_det_opts;

/* PaddleOCR's inference defaults (tools/infer/utility.py, PP-OCRv4 det). */
void ocrs_det_opts_default(ocrs_det_opts *o);
/* 0 when every field is in range, else the name of the first bad field. */
const char *ocrs_det_opts_check(const ocrs_det_opts *o);

/* A buffer *p of *cap bytes that must hold need: kept when it does, else
 * replaced (contents not kept, as callers refill it) and *cap set; 0, or
 * -1 when out of memory (*p unchanged). Contexts keep their buffers from
 * call to call this way (buffers.c). */
int ocrs_grow(void **p, size_t *cap, size_t need);
/* Milliseconds of a monotonic clock, for the stage times. */
double ocrs_now_ms(void);

/* ---- pre-processing (db_pre.c) ---------------------------------------------------- */

/* The model input size PaddleOCR's resize picks for a width x height image:
 * scaled by the limit, each side rounded (half to even, like Python's round)
 * to a multiple of 32, at least 32. */
void ocrs_det_input_size(int width, int height, const ocrs_det_opts *o, int *in_w, int *in_h);

/* Resizes the RGB image (stride bytes per row) to in_w x in_h bilinearly
 * with half-pixel centres, in OpenCV's fixed-point arithmetic
 * (cv2.resize INTER_LINEAR on uint8), and writes the normalised NCHW tensor
 * in B, G, R channel order: (v / 255 - mean[c]) / std[c]. scratch holds
 * ocrs_det_pre_scratch(in_w) bytes, aligned for ints. */
size_t ocrs_det_pre_scratch(int in_w);
void ocrs_det_preprocess(const uint8_t *rgb, int width, int height, int stride, int in_w, int in_h, float *out,
                         void *scratch);

/* The same resize with any normalisation: lut[c][v] is the value of byte v
 * in tensor channel c (B, G, R), rows are pitch >= in_w floats apart and
 * filled with zeros from in_w on (the recognizer's padding); scratch as
 * above. */
void ocrs_resize_normalize(const uint8_t *rgb, int width, int height, int stride, int in_w, int in_h,
                           const float (*lut)[256], int pitch, float *out, void *scratch);

/* ---- contours (contours.c) -------------------------------------------------------- */

/* Contours of a binary mask as OpenCV's findContours(RETR_LIST,
 * CHAIN_APPROX_SIMPLE) finds them: Suzuki-Abe border following on the mask
 * padded with a zero border, outer borders of 8-connected components and
 * the borders of their holes, each compressed to the ends of its
 * horizontal, vertical and diagonal runs. */
typedef struct {
    int32_t *xy;    /* 2 * npts: x, y of every point of every contour */
    int32_t *start; /* ncontours + 1: contour c is xy[2*start[c] .. 2*start[c+1]) */
    int npts, ncontours;
    int cap_pts, cap_contours;
    int32_t *label; /* (h + 2) * (w + 2) working image */
    size_t cap_label;
} ocrs_contours;

/* Finds the contours of mask (h x w bytes, nonzero = foreground); stops
 * after max_contours (<= 0: all). Grows c's arrays as needed; returns 0, or
 * -1 when out of memory. */
int ocrs_find_contours(const uint8_t *mask, int h, int w, int max_contours, ocrs_contours *c);
void ocrs_contours_free(ocrs_contours *c);

/* ---- geometry (geometry.c) --------------------------------------------------------- */

/* A rotated rectangle: corners in cyclic order, and its side lengths. */
typedef struct {
    double x[4], y[4];
    double w, h;
} ocrs_rect;

/* Convex hull of the n points xy (x, y interleaved; sorted in place),
 * written to hull (room for n + 1 points), counter-clockwise in y-up terms,
 * collinear points dropped; returns its size. */
int ocrs_convex_hull(double *xy, int n, double *hull);

/* The minimum-area enclosing rectangle of n points (rotating calipers over
 * the convex hull, like cv2.minAreaRect); xy is sorted in place, hull is
 * scratch for n + 1 points. Degenerate input gives a zero side. */
void ocrs_min_area_rect(double *xy, int n, double *hull, ocrs_rect *r);

/* Signed area (positive when counter-clockwise in y-up terms) and perimeter of a polygon. */
double ocrs_polygon_area(const double *xy, int n);
double ocrs_polygon_perimeter(const double *xy, int n);

/* Offsets the closed polygon (n <= 8 vertices) outward by delta with round
 * joins, as Clipper's ClipperOffset (JT_ROUND, ET_CLOSEDPOLYGON, arc
 * tolerance 0.25) does: vertices truncated to integers first, output
 * rounded to integers. out holds at most ocrs_offset_max_points(n, delta)
 * points; returns the count, 0 for a degenerate polygon. */
int ocrs_offset_max_points(int n, double delta);
int ocrs_offset_polygon(const double *xy, int n, double delta, double *out);

/* Reorders a quadrilateral like PaddleOCR's order_points_clockwise: top-left
 * (least x + y), top-right, bottom-right (largest x + y), bottom-left. */
void ocrs_order_clockwise(double x[4], double y[4]);

/* ---- post-processing (db_post.c) ---------------------------------------------------- */

typedef struct {
    float x[4], y[4];
    float score;
} ocrs_box;

/* Working memory reused across calls; zero-initialise, free with
 * ocrs_db_post_free. */
typedef struct {
    uint8_t *mask;
    size_t cap_mask;
    ocrs_contours contours;
    double *pts; /* cap_pts points, then cap_pts + 1 hull points */
    size_t cap_pts;
} ocrs_db_post;

/* DBPostProcess on the map prob (map_h x map_w, row-major) of an image of
 * src_w x src_h pixels, then PaddleOCR's filter_tag_det_res: boxes in
 * source pixels, ordered clockwise from top-left, integer-valued. Writes up
 * to max_boxes into boxes and the number found into *nboxes. Returns 0, or
 * -1 when out of memory. */
int ocrs_db_postprocess(const float *prob, int map_h, int map_w, int src_w, int src_h, const ocrs_det_opts *o,
                        ocrs_db_post *w, ocrs_box *boxes, int max_boxes, int *nboxes);
void ocrs_db_post_free(ocrs_db_post *w);

/* box_score_fast: mean of prob (h x w) over the quadrilateral filled as
 * cv2.fillPoly fills it (vertices truncated to integers, edges drawn as
 * 8-connected lines), within the box's bounding rectangle clipped to the
 * map; scratch holds h * w bytes. */
double ocrs_box_score_fast(const float *prob, int h, int w, const double x[4], const double y[4], uint8_t *scratch);

#endif
