/* Plane geometry for the DB post-processing: convex hull, minimum-area
 * rectangle (cv2.minAreaRect), polygon offset with round joins (Clipper's
 * ClipperOffset as pyclipper runs it) and PaddleOCR's corner order. */
#include <math.h>
#include <stdlib.h>

#include "ocrs_detect.h"

#define PI 3.14159265358979323846 /* M_PI is not C11 */

static int by_xy(const void *pa, const void *pb) {
    const double *a = pa, *b = pb;
    if (a[0] != b[0]) return a[0] < b[0] ? -1 : 1;
    return (a[1] > b[1]) - (a[1] < b[1]);
}

static double cross(const double *o, const double *a, const double *b) {
    return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
}

/* Andrew's monotone chain. */
int ocrs_convex_hull(double *xy, int n, double *hull) {
    if (n <= 0) return 0;
    qsort(xy, (size_t)n, 2 * sizeof(double), by_xy);
    int k = 0;
    for (int i = 0; i < n; i++) {
        while (k >= 2 && cross(hull + 2 * (k - 2), hull + 2 * (k - 1), xy + 2 * i) <= 0) k--;
        hull[2 * k] = xy[2 * i], hull[2 * k + 1] = xy[2 * i + 1], k++;
    }
    for (int i = n - 2, lo = k + 1; i >= 0; i--) {
        while (k >= lo && cross(hull + 2 * (k - 2), hull + 2 * (k - 1), xy + 2 * i) <= 0) k--;
        hull[2 * k] = xy[2 * i], hull[2 * k + 1] = xy[2 * i + 1], k++;
    }
    return k > 1 ? k - 1 : k; /* the last point repeats the first */
}

/* For each hull edge, the rectangle with a side on it; the smallest wins.
 * Hulls of text contours have tens of points, so the quadratic scan costs
 * less than the bookkeeping of four calipers. */
void ocrs_min_area_rect(double *xy, int n, double *hull, ocrs_rect *r) {
    int m = ocrs_convex_hull(xy, n, hull);
    double best = INFINITY;
    double ux = 1, uy = 0, lo_u = 0, hi_u = 0, lo_v = 0, hi_v = 0;
    if (m > 0) lo_u = hi_u = hull[0], lo_v = hi_v = hull[1];
    for (int i = 0; i < m && m > 1; i++) {
        int j = (i + 1) % m;
        double ex = hull[2 * j] - hull[2 * i], ey = hull[2 * j + 1] - hull[2 * i + 1], len = hypot(ex, ey);
        if (len == 0) continue;
        ex /= len, ey /= len;
        double a0 = INFINITY, a1 = -INFINITY, b0 = INFINITY, b1 = -INFINITY;
        for (int k = 0; k < m; k++) {
            double pu = hull[2 * k] * ex + hull[2 * k + 1] * ey, pv = -hull[2 * k] * ey + hull[2 * k + 1] * ex;
            a0 = pu < a0 ? pu : a0, a1 = pu > a1 ? pu : a1;
            b0 = pv < b0 ? pv : b0, b1 = pv > b1 ? pv : b1;
        }
        double area = (a1 - a0) * (b1 - b0);
        if (area < best) best = area, ux = ex, uy = ey, lo_u = a0, hi_u = a1, lo_v = b0, hi_v = b1;
    }
    /* Corners from (u, v) back to (x, y): x = u*ux - v*uy, y = u*uy + v*ux. */
    const double cu[4] = {lo_u, hi_u, hi_u, lo_u}, cv[4] = {lo_v, lo_v, hi_v, hi_v};
    for (int c = 0; c < 4; c++) {
        r->x[c] = cu[c] * ux - cv[c] * uy;
        r->y[c] = cu[c] * uy + cv[c] * ux;
    }
    r->w = hi_u - lo_u;
    r->h = hi_v - lo_v;
}

double ocrs_polygon_area(const double *xy, int n) {
    double a = 0;
    for (int i = 0, j = n - 1; i < n; j = i++) a += xy[2 * j] * xy[2 * i + 1] - xy[2 * i] * xy[2 * j + 1];
    return a / 2;
}

double ocrs_polygon_perimeter(const double *xy, int n) {
    double p = 0;
    for (int i = 0, j = n - 1; i < n; j = i++) p += hypot(xy[2 * i] - xy[2 * j], xy[2 * i + 1] - xy[2 * j + 1]);
    return p;
}

/* ---- Clipper's offset ------------------------------------------------------------------ */

enum { MAX_OFFSET_SRC = 8 };

/* Clipper's arc tolerance (0.25 units) turned into steps per full turn. */
static double arc_steps(double delta) {
    double y = 0.25 > fabs(delta) * 0.25 ? fabs(delta) * 0.25 : 0.25;
    double steps = PI / acos(1 - y / fabs(delta));
    return steps > fabs(delta) * PI ? fabs(delta) * PI : steps;
}

int ocrs_offset_max_points(int n, double delta) {
    if (!(delta > 0) || !isfinite(delta)) return n;
    /* A join turns at most half a circle: steps / 2 rounded, at least 1,
     * plus its closing point; a concave join adds 3 points. */
    return n * ((int)ceil(arc_steps(delta) / 2) + 3);
}

/* Clipper's Round(): half away from zero. */
static double cround(double v) { return v < 0 ? (double)(long long)(v - 0.5) : (double)(long long)(v + 0.5); }

int ocrs_offset_polygon(const double *xy, int n, double delta, double *out) {
    /* AddPath: integer vertices (pyclipper truncates), no repeats. */
    double src[2 * MAX_OFFSET_SRC];
    int m = 0;
    for (int i = 0; i < n && i < MAX_OFFSET_SRC; i++) {
        double x = trunc(xy[2 * i]), y = trunc(xy[2 * i + 1]);
        if (m && src[2 * m - 2] == x && src[2 * m - 1] == y) continue;
        src[2 * m] = x, src[2 * m + 1] = y, m++;
    }
    while (m > 1 && src[0] == src[2 * m - 2] && src[1] == src[2 * m - 1]) m--;
    if (m < 3) return 0;
    /* FixOrientations: Clipper wants Area() >= 0 (its Area is our shoelace). */
    if (ocrs_polygon_area(src, m) < 0)
        for (int i = 0; i < m / 2; i++) {
            double tx = src[2 * i], ty = src[2 * i + 1];
            src[2 * i] = src[2 * (m - 1 - i)], src[2 * i + 1] = src[2 * (m - 1 - i) + 1];
            src[2 * (m - 1 - i)] = tx, src[2 * (m - 1 - i) + 1] = ty;
        }
    int k = 0;
    if (delta == 0) {
        for (int i = 0; i < 2 * m; i++) out[i] = src[i];
        return m;
    }
    double steps = arc_steps(delta), step_sin = sin(2 * PI / steps), step_cos = cos(2 * PI / steps);
    double steps_per_rad = steps / (2 * PI);
    if (delta < 0) step_sin = -step_sin;
    double nx[MAX_OFFSET_SRC], ny[MAX_OFFSET_SRC];
    for (int j = 0; j < m; j++) {
        int i = (j + 1) % m;
        double dx = src[2 * i] - src[2 * j], dy = src[2 * i + 1] - src[2 * j + 1], f = 1 / hypot(dx, dy);
        nx[j] = dy * f, ny[j] = -dx * f;
    }
#define PUSH(X, Y) (out[2 * k] = cround(X), out[2 * k + 1] = cround(Y), k++)
    for (int j = 0, p = m - 1; j < m; p = j++) {
        double px = src[2 * j], py = src[2 * j + 1];
        double sin_a = nx[p] * ny[j] - nx[j] * ny[p], cos_a = nx[p] * nx[j] + ny[p] * ny[j];
        if (fabs(sin_a * delta) < 1.0 && cos_a > 0) {
            PUSH(px + nx[p] * delta, py + ny[p] * delta); /* nearly straight */
            continue;
        }
        sin_a = sin_a > 1 ? 1 : sin_a < -1 ? -1 : sin_a;
        if (sin_a * delta < 0) { /* concave corner */
            PUSH(px + nx[p] * delta, py + ny[p] * delta);
            out[2 * k] = px, out[2 * k + 1] = py, k++;
            PUSH(px + nx[j] * delta, py + ny[j] * delta);
            continue;
        }
        int nsteps = (int)cround(steps_per_rad * fabs(atan2(sin_a, cos_a)));
        if (nsteps < 1) nsteps = 1;
        double x = nx[p], y = ny[p];
        for (int s = 0; s < nsteps; s++) {
            PUSH(px + x * delta, py + y * delta);
            double x2 = x;
            x = x * step_cos - step_sin * y;
            y = x2 * step_sin + y * step_cos;
        }
        PUSH(px + nx[j] * delta, py + ny[j] * delta);
    }
#undef PUSH
    return k;
}

/* ---- corner order ------------------------------------------------------------------------ */

void ocrs_order_clockwise(double x[4], double y[4]) {
    int tl = 0, br = 0;
    for (int i = 1; i < 4; i++) {
        if (x[i] + y[i] < x[tl] + y[tl]) tl = i;
        if (x[i] + y[i] > x[br] + y[br]) br = i;
    }
    /* Of the other two (numpy's delete keeps order), the least y - x is top-right. */
    int rest[3], nr = 0;
    for (int i = 0; i < 4; i++)
        if (i != tl && i != br) rest[nr++] = i;
    int tr = rest[0], bl = rest[0];
    for (int i = 1; i < nr; i++) {
        if (y[rest[i]] - x[rest[i]] < y[tr] - x[tr]) tr = rest[i];
        if (y[rest[i]] - x[rest[i]] > y[bl] - x[bl]) bl = rest[i];
    }
    double ox[4] = {x[tl], x[tr], x[br], x[bl]}, oy[4] = {y[tl], y[tr], y[br], y[bl]};
    for (int i = 0; i < 4; i++) x[i] = ox[i], y[i] = oy[i];
}
