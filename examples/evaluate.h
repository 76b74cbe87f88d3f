/* PaddleOCR's DetectionIoUEvaluator (ppocr/metrics/eval_det_iou.py) for the
 * eval example, ocrslimc's sensitivity analysis and their tests: polygon
 * areas and intersections, the per-image matching whose counts are summed
 * over a set (micro average), and the label lists it reads. */
#ifndef OCRS_EXAMPLES_EVALUATE_H
#define OCRS_EXAMPLES_EVALUATE_H

#include <stdbool.h>
#include <stddef.h>

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

/* precision, recall, hmean of the summed counts (0 where undefined). */
void eval_scores(const eval_counts *c, double *precision, double *recall, double *hmean);

/* Parses a PaddleOCR label list `[{"transcription": ..., "points": [[x, y],
 * ...]}, ...]` into *out (grown, *cap entries); the count, or -1 with why
 * ("malformed labels", a region of more than EVAL_MAX_POINTS points, out
 * of memory) in why. */
int eval_parse_regions(const char *text, eval_poly **out, int *cap, char *why, size_t whylen);

#endif
