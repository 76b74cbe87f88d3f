/* DB post-processing as PaddleOCR runs it at inference: DBPostProcess
 * (ppocr/postprocess/db_postprocess.py, score_mode "fast", no dilation)
 * followed by predict_det's filter_tag_det_res. One pass over the contours
 * of the binarised map; every step below names the Python it mirrors. */
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "ocrs_detect.h"

enum {
    MIN_SIZE = 3,      /* DBPostProcess.min_size */
    XY_SHIFT = 16,     /* OpenCV's fixed point for polygon edges */
};

/* cv2.line with LINE_8 (LineIterator, left to right) into the w x h mask. */
static void draw_line(uint8_t *m, int w, int h, long x0, long y0, long x1, long y1) {
    if (x0 > x1) {
        long t = x0;
        x0 = x1, x1 = t, t = y0, y0 = y1, y1 = t;
    }
    long dx = x1 - x0, dy = labs(y1 - y0), sy = y1 < y0 ? -1 : 1;
    bool steep = dy > dx;
    long major = steep ? dy : dx, minor = steep ? dx : dy;
    long err = major - 2 * minor, x = x0, y = y0;
    for (long i = 0; i <= major; i++) {
        if (x >= 0 && x < w && y >= 0 && y < h) m[y * w + x] = 1;
        bool both = err < 0;
        err += both ? 2 * major - 2 * minor : -2 * minor;
        if (steep) y += sy, x += both;
        else x += 1, y += both ? sy : 0;
    }
}

/* cv2.fillPoly(mask, [pts], 1) for integer vertices: each edge drawn, then
 * the spans between edge pairs on every row [y0, y1) filled, x from
 * ceil(left) to floor(right) in 16.16 fixed point. */
static void fill_poly(uint8_t *m, int w, int h, const long *px, const long *py, int n) {
    for (int i = 0, j = n - 1; i < n; j = i++) draw_line(m, w, h, px[j], py[j], px[i], py[i]);
    long ymin = py[0], ymax = py[0];
    for (int i = 1; i < n; i++) ymin = py[i] < ymin ? py[i] : ymin, ymax = py[i] > ymax ? py[i] : ymax;
    for (long y = ymin < 0 ? 0 : ymin; y < ymax && y < h; y++) {
        long xs[8];
        int nx = 0;
        for (int i = 0, j = n - 1; i < n && nx < 8; j = i++) {
            long ax = px[j], ay = py[j], bx = px[i], by = py[i];
            if (ay == by) continue;
            if (ay > by) {
                long t = ax;
                ax = bx, bx = t, t = ay, ay = by, by = t;
            }
            if (y < ay || y >= by) continue;
            long step = ((bx - ax) * (1L << XY_SHIFT)) / (by - ay);
            xs[nx++] = ax * (1L << XY_SHIFT) + (y - ay) * step;
        }
        for (int a = 1; a < nx; a++)
            for (int b = a; b > 0 && xs[b - 1] > xs[b]; b--) {
                long t = xs[b];
                xs[b] = xs[b - 1], xs[b - 1] = t;
            }
        for (int a = 0; a + 1 < nx; a += 2) {
            long x1 = (xs[a] + (1L << XY_SHIFT) - 1) >> XY_SHIFT, x2 = xs[a + 1] >> XY_SHIFT;
            if (x1 < 0) x1 = 0;
            if (x2 >= w) x2 = w - 1;
            for (long x = x1; x <= x2; x++) m[y * w + x] = 1;
        }
    }
}

static int clampi(int v, int lo, int hi) { return v < lo ? lo : v > hi ? hi : v; }

double ocrs_box_score_fast(const float *prob, int h, int w, const double x[4], const double y[4], uint8_t *scratch) {
    /* The box comes as float32 from cv2.boxPoints in Python. */
    float fx[4], fy[4];
    for (int i = 0; i < 4; i++) fx[i] = (float)x[i], fy[i] = (float)y[i];
    float x_lo = fminf(fminf(fx[0], fx[1]), fminf(fx[2], fx[3])), x_hi = fmaxf(fmaxf(fx[0], fx[1]), fmaxf(fx[2], fx[3]));
    float y_lo = fminf(fminf(fy[0], fy[1]), fminf(fy[2], fy[3])), y_hi = fmaxf(fmaxf(fy[0], fy[1]), fmaxf(fy[2], fy[3]));
    int xmin = clampi((int)floorf(x_lo), 0, w - 1), xmax = clampi((int)ceilf(x_hi), 0, w - 1);
    int ymin = clampi((int)floorf(y_lo), 0, h - 1), ymax = clampi((int)ceilf(y_hi), 0, h - 1);
    int bw = xmax - xmin + 1, bh = ymax - ymin + 1;
    memset(scratch, 0, (size_t)bw * bh);
    long px[4], py[4];
    for (int i = 0; i < 4; i++) px[i] = (long)(fx[i] - (float)xmin), py[i] = (long)(fy[i] - (float)ymin);
    fill_poly(scratch, bw, bh, px, py, 4);
    double sum = 0;
    long count = 0;
    for (int r = 0; r < bh; r++) {
        const float *p = prob + (size_t)(ymin + r) * w + xmin;
        const uint8_t *m = scratch + (size_t)r * bw;
        for (int c = 0; c < bw; c++)
            if (m[c]) sum += p[c], count++;
    }
    return count ? sum / count : 0;
}

/* Room for n points in w->pts, and n + 1 after them for the hull. */
static int reserve_points(ocrs_db_post *w, size_t n) {
    if (n <= w->cap_pts) return 0;
    size_t cap = w->cap_pts ? w->cap_pts : 1024;
    while (cap < n) cap *= 2;
    /* pts: the points, then n + 1 hull points. */
    double *p = realloc(w->pts, cap * 2 * 2 * sizeof(double) + 2 * sizeof(double));
    if (!p) return -1;
    w->pts = p;
    w->cap_pts = cap;
    return 0;
}

/* get_mini_boxes: the minimum-area rectangle of n points in w->pts. */
static void mini_box(ocrs_db_post *w, int n, ocrs_rect *r) { ocrs_min_area_rect(w->pts, n, w->pts + 2 * w->cap_pts, r); }

static double short_side(const ocrs_rect *r) { return r->w < r->h ? r->w : r->h; }

int ocrs_db_postprocess(const float *prob, int map_h, int map_w, int src_w, int src_h, const ocrs_det_opts *o,
                        ocrs_db_post *w, ocrs_box *boxes, int max_boxes, int *nboxes) {
    *nboxes = 0;
    size_t npix = (size_t)map_h * map_w;
    if (npix > w->cap_mask) {
        uint8_t *m = realloc(w->mask, npix);
        if (!m) return -1;
        w->mask = m;
        w->cap_mask = npix;
    }
    /* segmentation = pred > thresh */
    for (size_t i = 0; i < npix; i++) w->mask[i] = prob[i] > o->thresh;
    ocrs_contours *cs = &w->contours;
    if (ocrs_find_contours(w->mask, map_h, map_w, o->max_candidates, cs)) return -1;
    /* From here on the mask is scratch for box_score_fast. */
    for (int c = 0; c < cs->ncontours; c++) {
        int n = cs->start[c + 1] - cs->start[c];
        if (reserve_points(w, (size_t)n)) return -1;
        const int32_t *xy = cs->xy + 2 * (size_t)cs->start[c];
        for (int i = 0; i < 2 * n; i++) w->pts[i] = xy[i];
        ocrs_rect r;
        mini_box(w, n, &r);
        if (short_side(&r) < MIN_SIZE) continue;
        double score = ocrs_box_score_fast(prob, map_h, map_w, r.x, r.y, w->mask);
        if (o->box_thresh > score) continue;
        /* unclip: offset by area * ratio / perimeter, rounded joins */
        double quad[8];
        for (int i = 0; i < 4; i++) quad[2 * i] = (float)r.x[i], quad[2 * i + 1] = (float)r.y[i];
        double perimeter = ocrs_polygon_perimeter(quad, 4);
        if (!(perimeter > 0)) continue;
        double dist = fabs(ocrs_polygon_area(quad, 4)) * o->unclip_ratio / perimeter;
        int cap = ocrs_offset_max_points(4, dist);
        if (reserve_points(w, (size_t)cap)) return -1;
        int k = ocrs_offset_polygon(quad, 4, dist, w->pts);
        if (k == 0) continue;
        mini_box(w, k, &r);
        if (short_side(&r) < MIN_SIZE + 2) continue;
        /* back to source pixels: np.round(x / width * dest_width), clipped;
         * then filter_tag_det_res: clockwise order, clip to the last pixel,
         * drop boxes whose sides truncate to 3 pixels or less. */
        double bx[4], by[4];
        for (int i = 0; i < 4; i++) {
            float vx = rintf((float)r.x[i] / (float)map_w * (float)src_w);
            float vy = rintf((float)r.y[i] / (float)map_h * (float)src_h);
            bx[i] = fminf(fmaxf(vx, 0.f), (float)src_w);
            by[i] = fminf(fmaxf(vy, 0.f), (float)src_h);
        }
        ocrs_order_clockwise(bx, by);
        for (int i = 0; i < 4; i++) {
            bx[i] = fmin(bx[i], src_w - 1);
            by[i] = fmin(by[i], src_h - 1);
        }
        if ((int)hypot(bx[0] - bx[1], by[0] - by[1]) <= 3 || (int)hypot(bx[0] - bx[3], by[0] - by[3]) <= 3) continue;
        if (*nboxes < max_boxes) {
            ocrs_box *b = &boxes[*nboxes];
            for (int i = 0; i < 4; i++) b->x[i] = (float)bx[i], b->y[i] = (float)by[i];
            b->score = (float)score;
        }
        ++*nboxes;
    }
    return 0;
}

void ocrs_db_post_free(ocrs_db_post *w) {
    free(w->mask);
    free(w->pts);
    ocrs_contours_free(&w->contours);
    memset(w, 0, sizeof *w);
}
