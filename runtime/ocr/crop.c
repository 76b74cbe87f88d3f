/* Text-line crops as PaddleOCR's get_rotate_crop_image cuts them
 * (tools/infer/utility.py), reproducing what OpenCV 4.6 computes on x86-64
 * so the recognizer sees the same bytes:
 *
 *   size   int(max(np.linalg.norm(p0 - p1), ...)) on float32 points; numpy's
 *          float32 norm is sqrt(dot(v, v)), the dot summed in float32 (the
 *          reference BLAS sdot), the sqrt in float32.
 *   M      cv2.getPerspectiveTransform: an 8x8 system whose product terms
 *          are float32 products, solved in double by OpenCV's own partial-
 *          pivot LU (DECOMP_LU; LAPACK is only used from 100x100 up).
 *   warp   cv2.warpPerspective(INTER_CUBIC, BORDER_REPLICATE): M inverted by
 *          the 3x3 cofactor formula, then per destination pixel X, Y, W in
 *          double, starting afresh at each 64-ish column block (the block
 *          width changes the rounding, so it is reproduced), rounded to 1/32
 *          pixel; the 4x4 cubic weights (A = -0.75) in 15-bit fixed point
 *          with OpenCV's sum correction; integer accumulation.
 *
 * Nothing here allocates. The 1024 x 16 weight table is built once into a
 * static array by the first call that claims it; a call finding it not yet
 * ready fills the entries it needs on its own stack (33 KB) instead, so any
 * number of threads may crop at once. */
#include <limits.h>
#include <math.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "ocrs_ocr.h"

/* The float and double expressions below are rounded step by step as
 * OpenCV's (non-FMA x86-64) build rounds them; a fused multiply-add would
 * change the last bits and, through the 1/32-pixel rounding, the pixels. */
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

enum {
    INTER_BITS = 5,                   /* sub-pixel position: 1/32 pixel */
    TAB_SIZE = 1 << INTER_BITS,
    TAB_SIZE2 = TAB_SIZE * TAB_SIZE,  /* weight sets, one per (ay, ax) */
    COEF_BITS = 15,                   /* fixed-point weights for uint8 */
    COEF_ONE = 1 << COEF_BITS,
    BLOCK = 32                        /* warpPerspective's tile: BLOCK*BLOCK pixels */
};

/* ---- size ----------------------------------------------------------------------------- */

/* np.linalg.norm of the float32 vector (dx, dy): sqrt of the float32 dot
 * product, each product and the sum rounded to float. */
static float norm32(float dx, float dy) {
    float xx = dx * dx, yy = dy * dy;
    float s = xx + yy;
    return sqrtf(s);
}

/* NaN and infinity told apart by their bits, so the checks hold even where
 * the file is built with -ffinite-math-only. */
static uint32_t bits_of(float v) {
    uint32_t u;
    memcpy(&u, &v, sizeof u);
    return u & 0x7fffffffu;
}
static bool is_nan32(float v) { return bits_of(v) > 0x7f800000u; }
static bool is_finite32(float v) { return bits_of(v) < 0x7f800000u; }

/* int() of a non-negative float32 (truncation), at least 1; NaN gives 1 and
 * values beyond int saturate (Python would raise or give a huge int). */
static int size_of(float v) {
    if (is_nan32(v) || !(v >= 1.0f)) return 1;
    if (v >= 2147483648.0f) return INT_MAX;
    return (int)v;
}

/* Python's max(a, b): a unless b > a. */
static float pymax(float a, float b) { return b > a ? b : a; }

int ocrs_rec_input_width(int h, int min_w, double ratio, int widest) {
    double r = (double)min_w / h, w = h * (ratio > r ? ratio : r);
    return w >= widest ? widest : (int)w;
}

int ocrs_rec_crop_width(int h, double ratio, int max_w) {
    double w = ceil(h * ratio);
    return w >= max_w ? max_w : w < 1 ? 1 : (int)w;
}

void ocrs_crop_size(const float x[4], const float y[4], int *crop_w, int *crop_h) {
    float w = pymax(norm32(x[0] - x[1], y[0] - y[1]), norm32(x[2] - x[3], y[2] - y[3]));
    float h = pymax(norm32(x[0] - x[3], y[0] - y[3]), norm32(x[1] - x[2], y[1] - y[2]));
    *crop_w = size_of(w);
    *crop_h = size_of(h);
}

/* ---- the transform ---------------------------------------------------------------------- */

/* Gaussian elimination with partial pivoting as OpenCV 4.6's hal::LU64f
 * does it (row swaps on |pivot|, elimination with alpha = a[j][i] *
 * (-1/pivot), back substitution dividing by the pivot; later OpenCV
 * versions multiply by a stored reciprocal there, which rounds differently),
 * solving a x = b in place. False when a pivot is below 100 DBL_EPSILON, as
 * cv::solve fails. */
static bool lu_solve8(double a[8][8], double b[8]) {
    const double eps = 100 * 2.220446049250313e-16;
    for (int i = 0; i < 8; i++) {
        int p = i;
        for (int j = i + 1; j < 8; j++)
            if (fabs(a[j][i]) > fabs(a[p][i])) p = j;
        if (fabs(a[p][i]) < eps) return false;
        if (p != i) {
            for (int k = i; k < 8; k++) {
                double t = a[i][k];
                a[i][k] = a[p][k], a[p][k] = t;
            }
            double t = b[i];
            b[i] = b[p], b[p] = t;
        }
        double d = -1 / a[i][i];
        for (int j = i + 1; j < 8; j++) {
            double alpha = a[j][i] * d;
            for (int k = i + 1; k < 8; k++) a[j][k] += alpha * a[i][k];
            b[j] += alpha * b[i];
        }
    }
    for (int i = 7; i >= 0; i--) {
        double s = b[i];
        for (int k = i + 1; k < 8; k++) s -= a[i][k] * b[k];
        b[i] = s / a[i][i];
    }
    return true;
}

/* cv::getPerspectiveTransform from the corners to (0,0), (w,0), (w,h), (0,h).
 * The products -x*u are float32 products (Point2f), widened afterwards. On
 * a singular system OpenCV zeroes the solution, leaving M = diag(0, 0, 1). */
static void perspective(const float x[4], const float y[4], float w, float h, double m[9]) {
    const float u[4] = {0, w, w, 0}, v[4] = {0, 0, h, h};
    double a[8][8], b[8];
    memset(a, 0, sizeof a);
    for (int i = 0; i < 4; i++) {
        a[i][0] = a[i + 4][3] = x[i];
        a[i][1] = a[i + 4][4] = y[i];
        a[i][2] = a[i + 4][5] = 1;
        a[i][6] = (float)(-x[i] * u[i]);
        a[i][7] = (float)(-y[i] * u[i]);
        a[i + 4][6] = (float)(-x[i] * v[i]);
        a[i + 4][7] = (float)(-y[i] * v[i]);
        b[i] = u[i];
        b[i + 4] = v[i];
    }
    if (!lu_solve8(a, b)) memset(b, 0, sizeof b);
    memcpy(m, b, sizeof b);
    m[8] = 1;
}

/* cv::invert of a 3x3 double matrix (DECOMP_LU takes the cofactor path for
 * n <= 3): false, and i all zero, when the determinant is exactly 0. */
static bool invert3(const double m[9], double i[9]) {
    double d = m[0] * (m[4] * m[8] - m[5] * m[7]) - m[1] * (m[3] * m[8] - m[5] * m[6]) +
               m[2] * (m[3] * m[7] - m[4] * m[6]);
    if (d == 0) {
        memset(i, 0, 9 * sizeof *i);
        return false;
    }
    d = 1. / d;
    i[0] = (m[4] * m[8] - m[5] * m[7]) * d;
    i[1] = (m[2] * m[7] - m[1] * m[8]) * d;
    i[2] = (m[1] * m[5] - m[2] * m[4]) * d;
    i[3] = (m[5] * m[6] - m[3] * m[8]) * d;
    i[4] = (m[0] * m[8] - m[2] * m[6]) * d;
    i[5] = (m[2] * m[3] - m[0] * m[5]) * d;
    i[6] = (m[3] * m[7] - m[4] * m[6]) * d;
    i[7] = (m[1] * m[6] - m[0] * m[7]) * d;
    i[8] = (m[0] * m[4] - m[1] * m[3]) * d;
    return true;
}

/* ---- cubic weights ---------------------------------------------------------------------- */

/* The four cubic-convolution weights (A = -0.75) at fraction t, in float,
 * evaluated in the order OpenCV's interpolateCubic evaluates them (so every
 * rounding agrees); the last is 1 minus the others. */
static void cubic1d(float t, float c[4]) {
    const float A = -0.75f;
    float t1 = t + 1, s = 1 - t;
    c[0] = ((A * t1 - 5 * A) * t1 + 8 * A) * t1 - 4 * A;
    c[1] = ((A + 2) * t - (A + 3)) * t * t + 1;
    c[2] = ((A + 2) * s - (A + 3)) * s * s + 1;
    c[3] = 1.f - c[0] - c[1] - c[2];
}

/* Round half to even (cvRound: cvtss2si/cvtsd2si in the default mode),
 * saturated to int16. */
static int16_t round_short(float v) {
    long r = lrintf(v);
    return (int16_t)(r < INT16_MIN ? INT16_MIN : r > INT16_MAX ? INT16_MAX : r);
}

/* The 16 fixed-point weights of sub-pixel position (ay, ax): products of the
 * 1-D weights rounded to 1/32768, then, if they do not sum to 32768, the
 * difference taken off the smallest (or given to the largest) of taps
 * (2,2), (2,3), (3,2), (3,3), as OpenCV's initInterTab2D corrects them. */
static void cubic2d(int ay, int ax, int16_t w[16]) {
    float cy[4], cx[4];
    cubic1d((float)ay * (1.f / TAB_SIZE), cy);
    cubic1d((float)ax * (1.f / TAB_SIZE), cx);
    int sum = 0;
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++) {
            float v = cy[i] * cx[j];
            w[4 * i + j] = round_short(v * (float)COEF_ONE);
            sum += w[4 * i + j];
        }
    if (sum == COEF_ONE) return;
    int lo = 2 * 4 + 2, hi = lo;
    for (int i = 2; i < 4; i++)
        for (int j = 2; j < 4; j++) {
            int k = 4 * i + j;
            if (w[k] < w[lo]) lo = k;
            else if (w[k] > w[hi]) hi = k;
        }
    int diff = sum - COEF_ONE;
    if (diff < 0) w[hi] = (int16_t)(w[hi] - diff);
    else w[lo] = (int16_t)(w[lo] - diff);
}

/* The shared table: state 0 unbuilt, 1 being built, 2 ready (published with
 * release order, read with acquire). */
static int16_t shared_wtab[TAB_SIZE2][16];
static atomic_int shared_state;

static const int16_t (*shared_weights(void))[16] {
    if (atomic_load_explicit(&shared_state, memory_order_acquire) == 2) return (const int16_t (*)[16])shared_wtab;
    int expected = 0;
    if (!atomic_compare_exchange_strong(&shared_state, &expected, 1)) return NULL;
    for (int a = 0; a < TAB_SIZE2; a++) cubic2d(a / TAB_SIZE, a % TAB_SIZE, shared_wtab[a]);
    atomic_store_explicit(&shared_state, 2, memory_order_release);
    return (const int16_t (*)[16])shared_wtab;
}

/* ---- the warp --------------------------------------------------------------------------- */

/* X or Y in 1/32 pixels from the double product: OpenCV clamps to the int
 * range, then rounds half to even. The SSE4.1 path (whole groups of 16
 * columns of a block) clamps with minpd/maxpd, which turn NaN into NaN and
 * cvtpd2dq into INT_MIN; the scalar tail's std::min/std::max turn NaN into
 * INT_MAX. Only reachable through an infinite 32/W, never with sane boxes. */
static int fixed_coord(double v, bool simd) {
    if (v != v) return simd ? INT_MIN : INT_MAX;
    if (v > (double)INT_MAX) v = INT_MAX;
    if (v < (double)INT_MIN) v = INT_MIN;
    return (int)lrint(v);
}

/* X >> 5 as arithmetic shift (floor division), saturated to int16 as
 * OpenCV stores map coordinates in shorts. */
static int map_coord(int v) {
    int q = v >= 0 ? v >> INTER_BITS : ~(~v >> INTER_BITS);
    return q < INT16_MIN ? INT16_MIN : q > INT16_MAX ? INT16_MAX : q;
}

static int clampi(int v, int lo, int hi) { return v < lo ? lo : v > hi ? hi : v; }

/* (sum + 2^14) >> 15 (an arithmetic shift: floor), saturated to a byte. */
static uint8_t fixed_to_byte(int sum) {
    int v = sum + (1 << (COEF_BITS - 1));
    return (uint8_t)(v < 0 ? 0 : v >> COEF_BITS > 255 ? 255 : v >> COEF_BITS);
}

/* One RGB pixel from 4 rows x 4 columns (byte offsets xo) of taps and their
 * weights; the integer sums are exact, so the order does not matter. */
static void cubic_tap(const uint8_t *const row[4], const size_t xo[4], const int16_t *w, uint8_t *o) {
    int s0 = 0, s1 = 0, s2 = 0;
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++) {
            const uint8_t *p = row[i] + xo[j];
            int k = w[4 * i + j];
            s0 += p[0] * k, s1 += p[1] * k, s2 += p[2] * k;
        }
    o[0] = fixed_to_byte(s0), o[1] = fixed_to_byte(s1), o[2] = fixed_to_byte(s2);
}

/* The whole crop in one colour: what cv2 produces when the transform is
 * singular (the zero inverse maps every pixel to (0, 0) with weight 1). */
static void fill(uint8_t *out, int crop_w, int crop_h, const uint8_t px[3]) {
    size_t n = (size_t)crop_w * (size_t)crop_h;
    for (size_t i = 0; i < n; i++) memcpy(out + 3 * i, px, 3);
}

int ocrs_crop_quad(const uint8_t *rgb, int width, int height, int stride, const float x[4], const float y[4],
                   uint8_t *out, int crop_w, int crop_h) {
    if (!out || crop_w <= 0 || crop_h <= 0) return -1;
    if (!rgb || width <= 0 || height <= 0 || stride < 3 * (int64_t)width || !x || !y) {
        static const uint8_t black[3] = {0, 0, 0};
        fill(out, crop_w, crop_h, black);
        return -1;
    }
    /* NaN or infinite corners: PaddleOCR never passes them (cv2 would give
     * an unspecified image); treat as no transform. */
    for (int i = 0; i < 4; i++)
        if (!is_finite32(x[i]) || !is_finite32(y[i])) {
            fill(out, crop_w, crop_h, rgb);
            return -1;
        }

    double m[9], mi[9];
    perspective(x, y, (float)crop_w, (float)crop_h, m);
    if (!invert3(m, mi)) {
        fill(out, crop_w, crop_h, rgb);
        return -1;
    }

    /* warpPerspective's tiles: rows in groups of at most 16, columns in
     * groups of BLOCK*BLOCK/rows; X0, Y0, W0 restart at each tile's left. */
    int bh0 = crop_h < BLOCK / 2 ? crop_h : BLOCK / 2;
    int bw0 = BLOCK * BLOCK / bh0 < crop_w ? BLOCK * BLOCK / bh0 : crop_w;

    /* sources whose 4x4 taps all lie inside the image */
    unsigned inner_w = width > 3 ? (unsigned)width - 3 : 0, inner_h = height > 3 ? (unsigned)height - 3 : 0;
    const int16_t (*wtab)[16] = shared_weights();
    int16_t own[TAB_SIZE2][16]; /* while another thread builds the shared one */
    bool have[TAB_SIZE2];
    if (!wtab) memset(have, 0, sizeof have);

    for (int dy = 0; dy < crop_h; dy++) {
        uint8_t *o = out + (size_t)dy * 3 * (size_t)crop_w;
        for (int xb = 0; xb < crop_w; xb += bw0) {
            int bw = crop_w - xb < bw0 ? crop_w - xb : bw0;
            int nsimd = bw & ~15; /* columns the SSE4.1 line function does */
            double X0 = mi[0] * xb + mi[1] * dy + mi[2];
            double Y0 = mi[3] * xb + mi[4] * dy + mi[5];
            double W0 = mi[6] * xb + mi[7] * dy + mi[8];
            for (int x1 = 0; x1 < bw; x1++) {
                double W = W0 + mi[6] * x1;
                W = W != 0 ? TAB_SIZE / W : 0;
                int X = fixed_coord((X0 + mi[0] * x1) * W, x1 < nsimd);
                int Y = fixed_coord((Y0 + mi[3] * x1) * W, x1 < nsimd);
                int a = (int)(((unsigned)Y & (TAB_SIZE - 1)) * TAB_SIZE + ((unsigned)X & (TAB_SIZE - 1)));
                const int16_t *w;
                if (wtab) {
                    w = wtab[a];
                } else {
                    if (!have[a]) cubic2d(a / TAB_SIZE, a % TAB_SIZE, own[a]), have[a] = true;
                    w = own[a];
                }
                /* remapBicubic: taps at sx-1 .. sx+2, replicated at the
                 * edges (its constant-border term is 0 for REPLICATE, so
                 * inside and edge pixels sum alike). */
                int sx = map_coord(X) - 1, sy = map_coord(Y) - 1;
                const uint8_t *row[4];
                size_t xo[4];
                if ((unsigned)sx < inner_w && (unsigned)sy < inner_h) {
                    row[0] = rgb + (size_t)sy * (size_t)stride + 3 * (size_t)sx;
                    for (int k = 1; k < 4; k++) row[k] = row[k - 1] + stride;
                    for (int k = 0; k < 4; k++) xo[k] = 3 * (size_t)k;
                } else {
                    for (int k = 0; k < 4; k++) {
                        xo[k] = 3 * (size_t)clampi(sx + k, 0, width - 1);
                        row[k] = rgb + (size_t)clampi(sy + k, 0, height - 1) * (size_t)stride;
                    }
                }
                cubic_tap(row, xo, w, o + 3 * (size_t)(xb + x1));
            }
        }
    }
    return 0;
}

/* ---- rotations -------------------------------------------------------------------------- */

void ocrs_rotate90(const uint8_t *src, int w, int h, uint8_t *dst) {
    /* np.rot90 (counter-clockwise): dst row r is src column w-1-r, read
     * top to bottom. */
    for (int r = 0; r < w; r++) {
        uint8_t *d = dst + (size_t)r * 3 * (size_t)h;
        const uint8_t *s = src + 3 * (size_t)(w - 1 - r);
        for (int c = 0; c < h; c++) memcpy(d + 3 * (size_t)c, s + (size_t)c * 3 * (size_t)w, 3);
    }
}

void ocrs_rotate180(uint8_t *img, int w, int h) {
    /* pixel i swaps with pixel n-1-i */
    size_t n = (size_t)w * (size_t)h;
    for (size_t i = 0, j = n ? n - 1 : 0; i < j; i++, j--) {
        uint8_t t[3];
        memcpy(t, img + 3 * i, 3);
        memcpy(img + 3 * i, img + 3 * j, 3);
        memcpy(img + 3 * j, t, 3);
    }
}
