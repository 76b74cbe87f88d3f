/* PaddleOCR's DetectionIoUEvaluator (ppocr/metrics/eval_det_iou.py) for the
 * eval example, ocrslimc's sensitivity analysis and their tests: polygon
 * areas and intersections, the per-image matching whose counts are summed
 * over a set (micro average), and the label lists it reads. For OCR
 * pipelines, also RecMetric (ppocr/metrics/rec_metric.py) and an
 * end-to-end score on the same matching, and label lists written out. */
#ifndef OCRS_MEASURE_EVALUATE_H
#define OCRS_MEASURE_EVALUATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

enum { EVAL_MAX_POINTS = 64 };

typedef struct {
    double xy[2 * EVAL_MAX_POINTS];
    int n;
    bool dont_care; /* ground truth transcribed "###" or "*" */
} eval_poly;

typedef struct {
    long gt_care, det_care, matched;
} eval_counts;

/* |area| of a polygon. */
double eval_area(const eval_poly *p);
/* Whether shapely would call it valid: at least 3 points, nonzero area, no
 * two non-adjacent edges touching. */
bool eval_valid(const eval_poly *p);
/* Area of a ∩ b for b convex (a any simple polygon). */
double eval_intersection(const eval_poly *a, const eval_poly *b);
double eval_iou(const eval_poly *a, const eval_poly *b);

/* One image: invalid polygons skipped; detections covering more than half
 * their area with a don't-care region ignored; then ground truth and
 * detections matched one to one, greedily in index order, at IoU > 0.5.
 * Detections must be convex (they are rectangles). Adds to c. */
void eval_image(const eval_poly *gt, int ngt, const eval_poly *det, int ndet, eval_counts *c);
/* A detection: the quadrilateral (x[k], y[k]), cared for. */
void eval_set_quad(eval_poly *p, const float x[4], const float y[4]);

/* precision, recall, hmean of the summed counts (0 where undefined). */
void eval_scores(const eval_counts *c, double *precision, double *recall, double *hmean);

/* The same matching; a matched pair whose texts (UTF-8) are equal but for
 * spaces also counts in e2e->matched. det_counts gets what eval_image
 * adds; e2e the same cared counts, so its precision is right readings over
 * cared detections and its recall right readings over cared regions. */
void eval_e2e_image(const eval_poly *gt, const char *const *gt_text, int ngt, const eval_poly *det,
                    const char *const *det_text, int ndet, eval_counts *det_counts, eval_counts *e2e);

/* Recognition as RecMetric with ignore_space: spaces (U+0020) removed, a
 * line is correct when prediction and target are equal, and its normalised
 * edit distance is the Levenshtein distance over code points divided by
 * the longer length (0 for two empty strings). */
typedef struct {
    long lines, correct;
    double ned_sum;
} eval_rec_counts;

/* Adds one line; 0, or -1 (nothing added) when a text is not UTF-8 or
 * memory runs out. */
int eval_rec_line(const char *pred, const char *target, eval_rec_counts *c);
/* correct / lines and 1 - mean edit distance (0 for no lines; RecMetric's
 * 1e-5 added to the divisor is left out). */
void eval_rec_scores(const eval_rec_counts *c, double *accuracy, double *norm_edit);

/* Whether s is UTF-8 (no overlong forms, surrogates or code points above
 * U+10FFFF). */
bool eval_utf8_valid(const char *s);

/* Parses a PaddleOCR label list `[{"transcription": ..., "points": [[x, y],
 * ...]}, ...]` into *out (grown, *cap entries); the count, or -1 with why
 * ("malformed labels", a region of more than EVAL_MAX_POINTS points, a bad
 * string escape, out of memory) in why. A transcription is don't-care when
 * it is "###" or "*" once its escapes are resolved. */
int eval_parse_regions(const char *text, eval_poly **out, int *cap, char *why, size_t whylen);

/* One label list's regions and transcriptions; zero-initialise, reuse from
 * line to line, free with eval_labels_free. */
typedef struct {
    eval_poly *poly;   /* n regions */
    const char **text; /* text[i]: region i's transcription in UTF-8, JSON
                        * escapes (\uXXXX, surrogate pairs) resolved; ""
                        * when it has none */
    int n;
    /* storage */
    int cap, text_cap;
    size_t *at;
    char *buf;
    size_t buf_cap;
} eval_labels;

/* eval_parse_regions keeping the transcriptions, which must be UTF-8
 * (\u0000 and unpaired surrogates are refused); the count or -1 with why. */
int eval_parse_labels(const char *text, eval_labels *l, char *why, size_t whylen);
void eval_labels_free(eval_labels *l);

/* s as a JSON string, as Python's json.dumps(ensure_ascii=False) writes it:
 * quotes, backslashes and control characters escaped, the rest (UTF-8)
 * as it is. */
void eval_write_string(FILE *f, const char *s);
/* [[x, y], ...]: integer-valued numbers as integers, others in as many
 * digits as bring the float back. */
void eval_write_points(FILE *f, const float *x, const float *y, int n);

#endif
