/* Contours of a binary mask: Suzuki and Abe's border following (1985), the
 * algorithm behind OpenCV's findContours, in its RETR_LIST form (every
 * border, outer and hole, no hierarchy) with CHAIN_APPROX_SIMPLE output.
 *
 * The mask is copied into a label image with a zero frame, as OpenCV 4 pads
 * it, so components touching the image edge have closed borders. Labels:
 * 0 background, 1 foreground not yet on a followed border, +nbd a border
 * pixel of border nbd, -nbd one whose right neighbour is background (the
 * mark that keeps a hole border from being started twice). */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "ocrs_detect.h"

/* Neighbours counter-clockwise on screen (y down), starting east. */
static const int DX[8] = {1, 1, 0, -1, -1, -1, 0, 1};
static const int DY[8] = {0, -1, -1, -1, 0, 1, 1, 1};

static int grow(void **p, int *cap, int need, size_t elem) {
    if (need <= *cap) return 0;
    int n = *cap ? *cap : 256;
    while (n < need) n *= 2;
    void *q = realloc(*p, (size_t)n * elem);
    if (!q) return -1;
    *p = q;
    *cap = n;
    return 0;
}

static int push_point(ocrs_contours *c, int x, int y) {
    if (grow((void **)&c->xy, &c->cap_pts, 2 * (c->npts + 1), sizeof(int32_t))) return -1;
    c->xy[2 * c->npts] = x;
    c->xy[2 * c->npts + 1] = y;
    c->npts++;
    return 0;
}

/* Follows the border through (x, y) of the label image (row length ws),
 * entering from direction d0 (the background neighbour that started it),
 * labels it with nbd and appends its compressed points. */
static int follow(int32_t *lab, int ws, int x, int y, int d0, int32_t nbd, ocrs_contours *c) {
    int32_t *p0 = lab + (size_t)y * ws + x;
    int off[8];
    for (int k = 0; k < 8; k++) off[k] = DY[k] * ws + DX[k];
    /* 3.1: clockwise from d0 for the first foreground neighbour. */
    int d1 = -1;
    for (int k = 0; k < 8 && d1 < 0; k++) {
        int d = (d0 - k) & 7;
        if (p0[off[d]]) d1 = d;
    }
    if (d1 < 0) {
        *p0 = -nbd; /* an isolated pixel */
        return push_point(c, x - 1, y - 1);
    }
    int32_t *p1 = p0 + off[d1], *p3 = p0;
    int x3 = x, y3 = y;
    int back = d1; /* direction from p3 to the previous border pixel p2 */
    int last = -1; /* direction of the previous step, for the compression */
    for (;;) {
        /* 3.3: counter-clockwise from after p2 for the next border pixel. */
        int d4 = -1;
        bool east_zero = false;
        for (int k = 1; k <= 8; k++) {
            int d = (back + k) & 7;
            if (p3[off[d]]) {
                d4 = d;
                break;
            }
            if (d == 0) east_zero = true;
        }
        /* 3.4 */
        if (east_zero) *p3 = -nbd;
        else if (*p3 == 1) *p3 = nbd;
        if (d4 != last && push_point(c, x3 - 1, y3 - 1)) return -1;
        last = d4;
        int32_t *p4 = p3 + off[d4];
        /* 3.5: back at the start, about to repeat the first step. */
        if (p4 == p0 && p3 == p1) break;
        p3 = p4;
        x3 += DX[d4], y3 += DY[d4];
        back = (d4 + 4) & 7;
    }
    return 0;
}

int ocrs_find_contours(const uint8_t *mask, int h, int w, int max_contours, ocrs_contours *c) {
    int ws = w + 2;
    size_t n = (size_t)ws * (h + 2);
    if (n > c->cap_label) {
        int32_t *l = realloc(c->label, n * sizeof *l);
        if (!l) return -1;
        c->label = l;
        c->cap_label = n;
    }
    int32_t *lab = c->label;
    memset(lab, 0, (size_t)ws * sizeof *lab);
    memset(lab + (size_t)(h + 1) * ws, 0, (size_t)ws * sizeof *lab);
    for (int y = 0; y < h; y++) {
        int32_t *r = lab + (size_t)(y + 1) * ws;
        r[0] = r[w + 1] = 0;
        for (int x = 0; x < w; x++) r[x + 1] = mask[(size_t)y * w + x] != 0;
    }
    c->npts = c->ncontours = 0;
    if (grow((void **)&c->start, &c->cap_contours, 1, sizeof(int32_t))) return -1;
    c->start[0] = 0;
    int32_t nbd = 1;
    for (int y = 1; y <= h; y++) {
        int32_t *r = lab + (size_t)y * ws;
        for (int x = 1; x <= w; x++) {
            int32_t f = r[x];
            if (f == 0) continue;
            int d0;
            if (f == 1 && r[x - 1] == 0) d0 = 4;      /* outer border: background to the west */
            else if (f >= 1 && r[x + 1] == 0) d0 = 0; /* hole border: background to the east */
            else continue;
            if (max_contours > 0 && c->ncontours == max_contours) return 0;
            if (grow((void **)&c->start, &c->cap_contours, c->ncontours + 2, sizeof(int32_t))) return -1;
            if (follow(lab, ws, x, y, d0, ++nbd, c)) return -1;
            c->start[++c->ncontours] = c->npts;
        }
    }
    return 0;
}

void ocrs_contours_free(ocrs_contours *c) {
    free(c->xy);
    free(c->start);
    free(c->label);
    memset(c, 0, sizeof *c);
}
