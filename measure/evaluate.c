/* See evaluate.h. Intersections clip the first polygon against each edge of
 * the convex second one (Sutherland-Hodgman); for a non-convex first
 * polygon the result may carry zero-width bridges along a clip line, which
 * add no area. */
#include "evaluate.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static double signed_area(const double *xy, int n) {
    double a = 0;
    for (int i = 0, j = n - 1; i < n; j = i++) a += xy[2 * j] * xy[2 * i + 1] - xy[2 * i] * xy[2 * j + 1];
    return a / 2;
}

double eval_area(const eval_poly *p) { return fabs(signed_area(p->xy, p->n)); }

static double orient(const double *a, const double *b, const double *c) {
    return (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0]);
}

static bool on_segment(const double *a, const double *b, const double *p) {
    return fmin(a[0], b[0]) <= p[0] && p[0] <= fmax(a[0], b[0]) && fmin(a[1], b[1]) <= p[1] &&
           p[1] <= fmax(a[1], b[1]);
}

static bool segments_touch(const double *a, const double *b, const double *c, const double *d) {
    double o1 = orient(a, b, c), o2 = orient(a, b, d), o3 = orient(c, d, a), o4 = orient(c, d, b);
    if (((o1 > 0 && o2 < 0) || (o1 < 0 && o2 > 0)) && ((o3 > 0 && o4 < 0) || (o3 < 0 && o4 > 0))) return true;
    return (o1 == 0 && on_segment(a, b, c)) || (o2 == 0 && on_segment(a, b, d)) || (o3 == 0 && on_segment(c, d, a)) ||
           (o4 == 0 && on_segment(c, d, b));
}

bool eval_valid(const eval_poly *p) {
    if (p->n < 3 || eval_area(p) == 0) return false;
    for (int i = 0; i < p->n; i++)
        for (int j = i + 2; j < p->n; j++) {
            if (i == 0 && j == p->n - 1) continue; /* adjacent through the closing edge */
            const double *a = p->xy + 2 * i, *b = p->xy + 2 * ((i + 1) % p->n);
            const double *c = p->xy + 2 * j, *d = p->xy + 2 * ((j + 1) % p->n);
            if (segments_touch(a, b, c, d)) return false;
        }
    return true;
}

double eval_intersection(const eval_poly *a, const eval_poly *b) {
    if (a->n < 3 || b->n < 3) return 0;
    /* Each clip keeps a vertex or adds a crossing per input edge: at most
     * twice its input. */
    int cap = a->n;
    for (int i = 0; i < b->n && cap < 1 << 20; i++) cap *= 2;
    double *buf = malloc(sizeof(double) * 4 * (size_t)cap);
    if (!buf) return 0;
    double *cur = buf, *next = buf + 2 * (size_t)cap;
    int n = a->n;
    for (int i = 0; i < 2 * n; i++) cur[i] = a->xy[i];
    double sign = signed_area(b->xy, b->n) < 0 ? -1 : 1;
    for (int e = 0; e < b->n && n > 0; e++) {
        const double *p = b->xy + 2 * e, *q = b->xy + 2 * ((e + 1) % b->n);
        int m = 0;
        for (int i = 0; i < n; i++) {
            const double *s = cur + 2 * ((i + n - 1) % n), *t = cur + 2 * i;
            double ds = sign * orient(p, q, s), dt = sign * orient(p, q, t);
            if ((ds >= 0) != (dt >= 0) && m < cap) {
                double u = ds / (ds - dt);
                next[2 * m] = s[0] + u * (t[0] - s[0]), next[2 * m + 1] = s[1] + u * (t[1] - s[1]), m++;
            }
            if (dt >= 0 && m < cap) next[2 * m] = t[0], next[2 * m + 1] = t[1], m++;
        }
        double *tmp = cur;
        cur = next, next = tmp;
        n = m;
    }
    double area = n >= 3 ? fabs(signed_area(cur, n)) : 0;
    free(buf);
    return area;
}

double eval_iou(const eval_poly *a, const eval_poly *b) {
    double inter = eval_intersection(a, b), uni = eval_area(a) + eval_area(b) - inter;
    return uni > 0 ? inter / uni : 0;
}

/* eval_image; det_of_gt[i], when det_of_gt is not NULL, becomes the index
 * of the detection matched to gt[i], or -1. */
static void match(const eval_poly *gt, int ngt, const eval_poly *det, int ndet, eval_counts *c, int *det_of_gt) {
    const eval_poly **g = malloc(sizeof *g * (size_t)(ngt + 1)), **d = malloc(sizeof *d * (size_t)(ndet + 1));
    bool *d_ignored = calloc((size_t)ndet + 1, 1), *g_used = calloc((size_t)ngt + 1, 1),
         *d_used = calloc((size_t)ndet + 1, 1);
    if (!g || !d || !d_ignored || !g_used || !d_used) abort();
    int ng = 0, nd = 0, g_dc = 0, d_dc = 0;
    for (int i = 0; det_of_gt && i < ngt; i++) det_of_gt[i] = -1;
    for (int i = 0; i < ngt; i++)
        if (eval_valid(&gt[i])) g[ng++] = &gt[i], g_dc += gt[i].dont_care;
    for (int i = 0; i < ndet; i++) {
        if (!eval_valid(&det[i])) continue;
        d[nd] = &det[i];
        double area = eval_area(&det[i]);
        for (int k = 0; k < ng && g_dc; k++)
            if (g[k]->dont_care && area > 0 && eval_intersection(g[k], &det[i]) / area > 0.5) {
                d_ignored[nd] = true;
                d_dc++;
                break;
            }
        nd++;
    }
    for (int i = 0; i < ng; i++)
        for (int j = 0; j < nd; j++)
            if (!g_used[i] && !d_used[j] && !g[i]->dont_care && !d_ignored[j] && eval_iou(g[i], d[j]) > 0.5) {
                g_used[i] = d_used[j] = true;
                c->matched++;
                if (det_of_gt) det_of_gt[g[i] - gt] = (int)(d[j] - det);
            }
    c->gt_care += ng - g_dc;
    c->det_care += nd - d_dc;
    free(g), free(d), free(d_ignored), free(g_used), free(d_used);
}

void eval_set_quad(eval_poly *p, const float x[4], const float y[4]) {
    p->n = 4, p->dont_care = false;
    for (int k = 0; k < 4; k++) p->xy[2 * k] = x[k], p->xy[2 * k + 1] = y[k];
}

void eval_image(const eval_poly *gt, int ngt, const eval_poly *det, int ndet, eval_counts *c) {
    match(gt, ngt, det, ndet, c, NULL);
}

void eval_scores(const eval_counts *c, double *precision, double *recall, double *hmean) {
    *recall = c->gt_care ? (double)c->matched / c->gt_care : 0;
    *precision = c->det_care ? (double)c->matched / c->det_care : 0;
    *hmean = *precision + *recall > 0 ? 2 * *precision * *recall / (*precision + *recall) : 0;
}

/* ---- text: UTF-8, recognition and end-to-end ------------------------------------------- */

/* The code point at *s, advancing *s; -1 for bytes that are not UTF-8
 * (overlong, a surrogate, above U+10FFFF, cut short). Never steps over the
 * terminating NUL. */
static long utf8_next(const unsigned char **s) {
    static const long least[4] = {0, 0x80, 0x800, 0x10000}; /* overlong below these */
    const unsigned char *p = *s;
    unsigned c = *p++;
    int extra = c < 0x80 ? 0 : c >= 0xc2 && c < 0xe0 ? 1 : c >= 0xe0 && c < 0xf0 ? 2 : c >= 0xf0 && c < 0xf5 ? 3 : -1;
    long cp = extra > 0 ? c & (0x3fu >> extra) : c;
    for (int i = 0; i < extra; i++) {
        if ((*p & 0xc0) != 0x80) {
            *s = p;
            return -1;
        }
        cp = cp << 6 | (*p++ & 0x3f);
    }
    *s = p;
    if (extra < 0 || cp < least[extra] || (cp >= 0xd800 && cp < 0xe000) || cp > 0x10ffff) return -1;
    return cp;
}

bool eval_utf8_valid(const char *s) {
    const unsigned char *p = (const unsigned char *)s;
    while (*p)
        if (utf8_next(&p) < 0) return false;
    return true;
}

/* s's code points other than spaces (RecMetric's ignore_space) into a new
 * array of *len; NULL when s is not UTF-8 or memory runs out. */
static unsigned *code_points(const char *s, size_t *len) {
    unsigned *cp = malloc(sizeof *cp * (strlen(s) + 1)); /* at least a byte each */
    if (!cp) return NULL;
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p;) {
        long c = utf8_next(&p);
        if (c < 0) {
            free(cp);
            return NULL;
        }
        if (c != ' ') cp[n++] = (unsigned)c;
    }
    *len = n;
    return cp;
}

/* Levenshtein distance, one row of lb + 1 entries at a time. */
static size_t levenshtein(const unsigned *a, size_t la, const unsigned *b, size_t lb, size_t *row) {
    for (size_t j = 0; j <= lb; j++) row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j], v = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < v) v = up + 1;
            if (row[j - 1] + 1 < v) v = row[j - 1] + 1;
            row[j] = v;
            diag = up;
        }
    }
    return row[lb];
}

int eval_rec_line(const char *pred, const char *target, eval_rec_counts *c) {
    size_t la = 0, lb = 0;
    unsigned *a = code_points(pred, &la), *b = code_points(target, &lb);
    size_t *row = a && b ? malloc(sizeof *row * (lb + 1)) : NULL;
    int rc = -1;
    if (row) {
        size_t d = levenshtein(a, la, b, lb, row), longest = la > lb ? la : lb;
        c->ned_sum += longest ? (double)d / (double)longest : 0;
        c->correct += d == 0;
        c->lines++;
        rc = 0;
    }
    free(a), free(b), free(row);
    return rc;
}

void eval_rec_scores(const eval_rec_counts *c, double *accuracy, double *norm_edit) {
    *accuracy = c->lines ? (double)c->correct / (double)c->lines : 0;
    *norm_edit = c->lines ? 1 - c->ned_sum / (double)c->lines : 0;
}

/* a == b but for spaces (a space is never part of a longer UTF-8 sequence,
 * so bytes compare as code points do). */
static bool same_text(const char *a, const char *b) {
    for (;;) {
        while (*a == ' ') a++;
        while (*b == ' ') b++;
        if (*a != *b) return false;
        if (!*a) return true;
        a++, b++;
    }
}

void eval_e2e_image(const eval_poly *gt, const char *const *gt_text, int ngt, const eval_poly *det,
                    const char *const *det_text, int ndet, eval_counts *det_counts, eval_counts *e2e) {
    int *det_of_gt = malloc(sizeof *det_of_gt * ((size_t)ngt + 1));
    if (!det_of_gt) abort(); /* as eval_image */
    eval_counts c = {0};
    match(gt, ngt, det, ndet, &c, det_of_gt);
    for (int i = 0; i < ngt; i++)
        if (det_of_gt[i] >= 0 && same_text(gt_text[i], det_text[det_of_gt[i]])) e2e->matched++;
    e2e->gt_care += c.gt_care;
    e2e->det_care += c.det_care;
    det_counts->gt_care += c.gt_care;
    det_counts->det_care += c.det_care;
    det_counts->matched += c.matched;
    free(det_of_gt);
}

/* ---- the label JSON: just enough of JSON for PaddleOCR's lists ---------------------- */

typedef struct {
    const char *p;
    bool bad;
    char why[96]; /* why bad, when more is known than "malformed labels" */
    int region;   /* the index of the region being read */
    char *buf;    /* decoded strings, each NUL-terminated */
    size_t len, cap;
} json;

static void fail(json *j, const char *why) {
    if (!j->bad) snprintf(j->why, sizeof j->why, "region %d: %s", j->region + 1, why);
    j->bad = true;
}

static void ws(json *j) {
    while (*j->p == ' ' || *j->p == '\t' || *j->p == '\r' || *j->p == '\n') j->p++;
}

static bool eat(json *j, char c) {
    ws(j);
    if (*j->p != c) return false;
    j->p++;
    return true;
}

static void put(json *j, const char *bytes, size_t n) {
    if (n + 1 > j->cap - j->len) {
        size_t cap = j->cap ? j->cap : 256;
        while (cap < j->len + n + 1) cap *= 2; /* both bounded by the label line's length */
        char *b = realloc(j->buf, cap);
        if (!b) {
            fail(j, "out of memory");
            return;
        }
        j->buf = b, j->cap = cap;
    }
    memcpy(j->buf + j->len, bytes, n);
    j->len += n;
}

static long hex4(json *j) {
    long v = 0;
    for (int i = 0; i < 4; i++, j->p++) {
        char c = *j->p;
        int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
        if (d < 0) {
            fail(j, "a \\u escape without four hex digits");
            return 0;
        }
        v = v << 4 | d;
    }
    return v;
}

/* \uXXXX, with the low half of a surrogate pair when it is the high half,
 * as UTF-8 (j->p past the 'u'). */
static void unicode_escape(json *j) {
    long cp = hex4(j);
    if (cp >= 0xd800 && cp < 0xdc00 && j->p[0] == '\\' && j->p[1] == 'u') {
        j->p += 2;
        long low = hex4(j);
        cp = low >= 0xdc00 && low < 0xe000 ? 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00) : -1;
    }
    /* Python reads both, but a C string cannot hold the one and UTF-8 not
     * the other. */
    if (cp == 0) fail(j, "a string holds \\u0000");
    if (cp < 0 || (cp >= 0xd800 && cp < 0xe000)) fail(j, "a \\u escape is half a surrogate pair");
    if (j->bad) return;
    char u[4];
    size_t n = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    static const unsigned char lead[5] = {0, 0, 0xc0, 0xe0, 0xf0};
    for (size_t i = n - 1; i > 0; i--, cp >>= 6) u[i] = (char)(0x80 | (cp & 0x3f));
    u[0] = (char)(lead[n] | cp);
    put(j, u, n);
}

/* A string, escapes resolved, appended NUL-terminated to j->buf; its
 * offset there (j->len = string(j) drops it again). */
static size_t string(json *j) {
    size_t start = j->len;
    if (!eat(j, '"')) {
        j->bad = true;
        return start;
    }
    while (!j->bad && *j->p != '"') {
        if (!*j->p) {
            j->bad = true;
            break;
        }
        if (*j->p != '\\') {
            size_t n = strcspn(j->p, "\"\\");
            put(j, j->p, n);
            j->p += n;
            continue;
        }
        j->p++;
        char c = *j->p, *esc = strchr("\"\\/bfnrtu", c), out;
        if (!c || !esc) {
            fail(j, "a string escape JSON does not have");
            break;
        }
        j->p++;
        if (c == 'u') {
            unicode_escape(j);
            continue;
        }
        out = "\"\\/\b\f\n\r\t"[esc - "\"\\/bfnrtu"];
        put(j, &out, 1);
    }
    put(j, "", 1);
    if (!eat(j, '"')) j->bad = true;
    return start;
}

static double number(json *j) {
    ws(j);
    char *end;
    double v = strtod(j->p, &end);
    if (end == j->p) j->bad = true;
    j->p = end;
    return v;
}

static void skip_value(json *j, int depth) {
    ws(j);
    if (depth > 32) {
        j->bad = true;
    } else if (*j->p == '"') {
        j->len = string(j);
    } else if (*j->p == '[' || *j->p == '{') {
        char close = *j->p == '[' ? ']' : '}';
        j->p++;
        if (eat(j, close)) return;
        do {
            if (close == '}') {
                j->len = string(j);
                if (!eat(j, ':')) j->bad = true;
            }
            skip_value(j, depth + 1);
        } while (!j->bad && eat(j, ','));
        if (!eat(j, close)) j->bad = true;
    } else if (!strncmp(j->p, "true", 4) || !strncmp(j->p, "null", 4)) {
        j->p += 4;
    } else if (!strncmp(j->p, "false", 5)) {
        j->p += 5;
    } else {
        number(j);
    }
}

static void points(json *j, eval_poly *p) {
    p->n = 0;
    if (!eat(j, '[')) {
        j->bad = true;
        return;
    }
    if (eat(j, ']')) return;
    do {
        if (!eat(j, '[')) {
            j->bad = true;
            return;
        }
        double x = number(j);
        if (!eat(j, ',')) j->bad = true;
        double y = number(j);
        if (!eat(j, ']')) j->bad = true;
        if (p->n == EVAL_MAX_POINTS) { /* never dropped silently: the region would change shape */
            snprintf(j->why, sizeof j->why, "region %d has more than %d points (the most eval supports)",
                     j->region + 1, EVAL_MAX_POINTS);
            j->bad = true;
            return;
        }
        p->xy[2 * p->n] = x, p->xy[2 * p->n + 1] = y, p->n++;
    } while (!j->bad && eat(j, ','));
    if (!eat(j, ']')) j->bad = true;
}

static int malformed(const json *j, char *why, size_t whylen) {
    snprintf(why, whylen, "%s", j->why[0] ? j->why : "malformed labels");
    return -1;
}

/* The regions into *out (*cap entries) and, when at is not NULL, the
 * offsets of their transcriptions in j->buf into *at (as many; SIZE_MAX
 * for none); the count or -1. */
static int parse(json *j, eval_poly **out, int *cap, size_t **at, char *why, size_t whylen) {
    int n = 0;
    if (!eat(j, '[')) return malformed(j, why, whylen);
    if (eat(j, ']')) return 0;
    do {
        if (!eat(j, '{')) return malformed(j, why, whylen);
        if (n == *cap) {
            int new_cap = *cap ? 2 * *cap : 64;
            eval_poly *p = *cap < INT_MAX / 2 ? realloc(*out, sizeof *p * (size_t)new_cap) : NULL;
            if (p) *out = p;
            size_t *a = p && at ? realloc(*at, sizeof *a * (size_t)new_cap) : NULL;
            if (a) *at = a;
            if (!p || (at && !a)) {
                snprintf(why, whylen, "out of memory");
                return -1;
            }
            *cap = new_cap;
        }
        j->region = n;
        eval_poly *r = &(*out)[n++];
        r->n = 0;
        r->dont_care = false;
        if (at) (*at)[n - 1] = SIZE_MAX;
        if (!eat(j, '}')) {
            do {
                size_t key = string(j);
                if (j->bad || !eat(j, ':')) return malformed(j, why, whylen);
                bool is_points = !strcmp(j->buf + key, "points"), is_text = !strcmp(j->buf + key, "transcription");
                j->len = key;
                if (is_points) {
                    points(j, r);
                } else if (is_text) {
                    ws(j);
                    size_t t = string(j);
                    if (j->bad) return malformed(j, why, whylen);
                    r->dont_care = !strcmp(j->buf + t, "###") || !strcmp(j->buf + t, "*");
                    if (at) (*at)[n - 1] = t;
                    else j->len = t;
                } else {
                    skip_value(j, 0);
                }
            } while (!j->bad && eat(j, ','));
            if (j->bad || !eat(j, '}')) return malformed(j, why, whylen);
        }
    } while (!j->bad && eat(j, ','));
    return j->bad || !eat(j, ']') ? malformed(j, why, whylen) : n;
}

int eval_parse_regions(const char *text, eval_poly **out, int *cap, char *why, size_t whylen) {
    json j = {.p = text};
    int n = parse(&j, out, cap, NULL, why, whylen);
    free(j.buf);
    return n;
}

int eval_parse_labels(const char *text, eval_labels *l, char *why, size_t whylen) {
    json j = {.p = text, .buf = l->buf, .cap = l->buf_cap};
    l->n = 0;
    int n = parse(&j, &l->poly, &l->cap, &l->at, why, whylen);
    l->buf = j.buf, l->buf_cap = j.cap;
    if (n < 0) return -1;
    if (n > l->text_cap) {
        const char **t = realloc(l->text, sizeof *t * (size_t)n);
        if (!t) {
            snprintf(why, whylen, "out of memory");
            return -1;
        }
        l->text = t, l->text_cap = n;
    }
    for (int i = 0; i < n; i++) {
        l->text[i] = l->at[i] == SIZE_MAX ? "" : l->buf + l->at[i];
        if (!eval_utf8_valid(l->text[i])) {
            snprintf(why, whylen, "region %d: the transcription is not UTF-8", i + 1);
            return -1;
        }
    }
    l->n = n;
    return n;
}

void eval_labels_free(eval_labels *l) {
    free(l->poly), free(l->text), free(l->at), free(l->buf);
    memset(l, 0, sizeof *l);
}

/* ---- writing labels ------------------------------------------------------------------- */

void eval_write_string(FILE *f, const char *s) {
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        const char *esc = strchr("\"\\\b\f\n\r\t", *p);
        if (esc) fprintf(f, "\\%c", "\"\\bfnrt"[esc - "\"\\\b\f\n\r\t"]);
        else if (*p < 0x20) fprintf(f, "\\u%04x", *p);
        else fputc(*p, f);
    }
    fputc('"', f);
}

/* Integers as integers; others in as many digits as bring the float back;
 * the non-finite as Python writes them. */
static void write_number(FILE *f, double v) {
    if (isnan(v)) fputs("NaN", f);
    else if (isinf(v)) fputs(v > 0 ? "Infinity" : "-Infinity", f);
    else if (v == floor(v) && fabs(v) < 1e15) fprintf(f, "%.0f", v == 0 ? 0 : v); /* no "-0" */
    else fprintf(f, "%.9g", v);
}

void eval_write_points(FILE *f, const float *x, const float *y, int n) {
    fputc('[', f);
    for (int i = 0; i < n; i++) {
        fputs(i ? ", [" : "[", f);
        write_number(f, x[i]);
        fputs(", ", f);
        write_number(f, y[i]);
        fputc(']', f);
    }
    fputc(']', f);
}
