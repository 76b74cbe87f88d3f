/* See evaluate.h. Intersections clip the first polygon against each edge of
 * the convex second one (Sutherland-Hodgman); for a non-convex first
 * polygon the result may carry zero-width bridges along a clip line, which
 * add no area. */
#include "evaluate.h"

#include <math.h>
#include <stdio.h>
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

void eval_image(const eval_poly *gt, int ngt, const eval_poly *det, int ndet, eval_counts *c) {
    const eval_poly **g = malloc(sizeof *g * (size_t)(ngt + 1)), **d = malloc(sizeof *d * (size_t)(ndet + 1));
    bool *d_ignored = calloc((size_t)ndet + 1, 1), *g_used = calloc((size_t)ngt + 1, 1),
         *d_used = calloc((size_t)ndet + 1, 1);
    if (!g || !d || !d_ignored || !g_used || !d_used) abort();
    int ng = 0, nd = 0, g_dc = 0, d_dc = 0;
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
            }
    c->gt_care += ng - g_dc;
    c->det_care += nd - d_dc;
    free(g), free(d), free(d_ignored), free(g_used), free(d_used);
}

void eval_scores(const eval_counts *c, double *precision, double *recall, double *hmean) {
    *recall = c->gt_care ? (double)c->matched / c->gt_care : 0;
    *precision = c->det_care ? (double)c->matched / c->det_care : 0;
    *hmean = *precision + *recall > 0 ? 2 * *precision * *recall / (*precision + *recall) : 0;
}

/* ---- the label JSON: just enough of JSON for PaddleOCR's lists ---------------------- */

typedef struct {
    const char *p;
    bool bad;
    int long_region; /* 1 + the index of a region with too many points, or 0 */
} json;

static void ws(json *j) {
    while (*j->p == ' ' || *j->p == '\t' || *j->p == '\r' || *j->p == '\n') j->p++;
}

static bool eat(json *j, char c) {
    ws(j);
    if (*j->p != c) return false;
    j->p++;
    return true;
}

/* A string into out (escapes other than \" and \\ kept raw: only "###" and
 * "*" matter here). */
static void string(json *j, char *out, size_t size) {
    size_t n = 0;
    if (!eat(j, '"')) {
        /* out is compared before j->bad is looked at: never leave it unset */
        if (size) out[0] = 0;
        j->bad = true;
        return;
    }
    while (*j->p && *j->p != '"') {
        char c = *j->p++;
        if (c == '\\' && *j->p) c = *j->p++;
        if (n + 1 < size) out[n++] = c;
    }
    if (size) out[n] = 0;
    if (!eat(j, '"')) j->bad = true;
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
        string(j, NULL, 0);
    } else if (*j->p == '[' || *j->p == '{') {
        char close = *j->p == '[' ? ']' : '}';
        j->p++;
        if (eat(j, close)) return;
        do {
            if (close == '}') {
                string(j, NULL, 0);
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

static void points(json *j, eval_poly *p, int region) {
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
            j->long_region = region + 1;
            j->bad = true;
            return;
        }
        p->xy[2 * p->n] = x, p->xy[2 * p->n + 1] = y, p->n++;
    } while (!j->bad && eat(j, ','));
    if (!eat(j, ']')) j->bad = true;
}

static int malformed(const json *j, char *why, size_t whylen) {
    if (j->long_region)
        snprintf(why, whylen, "region %d has more than %d points (the most eval supports)", j->long_region,
                 EVAL_MAX_POINTS);
    else snprintf(why, whylen, "malformed labels");
    return -1;
}

int eval_parse_regions(const char *text, eval_poly **out, int *cap, char *why, size_t whylen) {
    json j = {text, false, 0};
    int n = 0;
    if (!eat(&j, '[')) return malformed(&j, why, whylen);
    if (eat(&j, ']')) return 0;
    do {
        if (!eat(&j, '{')) return malformed(&j, why, whylen);
        if (n == *cap) {
            *cap = *cap ? 2 * *cap : 64;
            eval_poly *p = realloc(*out, sizeof *p * (size_t)*cap);
            if (!p) {
                snprintf(why, whylen, "out of memory");
                return -1;
            }
            *out = p;
        }
        eval_poly *r = &(*out)[n++];
        r->n = 0;
        r->dont_care = false;
        if (!eat(&j, '}')) {
            do {
                char key[32], text_val[16];
                string(&j, key, sizeof key);
                if (!eat(&j, ':')) return malformed(&j, why, whylen);
                if (!strcmp(key, "points")) {
                    points(&j, r, n - 1);
                } else if (!strcmp(key, "transcription")) {
                    ws(&j);
                    const char *start = j.p;
                    string(&j, text_val, sizeof text_val);
                    /* the value as written, so a long transcription never
                     * truncates to "###" */
                    size_t len = (size_t)(j.p - start);
                    r->dont_care = (len == 5 && !strcmp(text_val, "###")) || (len == 3 && !strcmp(text_val, "*"));
                } else {
                    skip_value(&j, 0);
                }
            } while (!j.bad && eat(&j, ','));
            if (j.bad || !eat(&j, '}')) return malformed(&j, why, whylen);
        }
    } while (!j.bad && eat(&j, ','));
    return j.bad || !eat(&j, ']') ? malformed(&j, why, whylen) : n;
}
