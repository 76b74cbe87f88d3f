/* fuzz_labels: bytes -> a PaddleOCR label file (lines of
 * `path<TAB>[{"transcription": ..., "points": [[x, y], ...]}, ...]`) ->
 * ocrslimc's calibration walk over it (labels_paths, driver/labels.c) ->
 * the label parser of eval and of the measurements (eval_parse_regions,
 * measure/evaluate.c) on every line ->
 * the DetectionIoUEvaluator (eval_image) with the parsed regions as ground
 * truth and their bounding boxes as detections; and the OCR system's
 * parser (eval_parse_labels, transcriptions kept) with the end-to-end and
 * recognition metrics on them.
 *
 * Beyond crashes, sanitizer reports and leaks: counts stay consistent
 * (matched <= ground truth and detections cared for, correct <= matched),
 * what the strict parser accepts the other accepts alike, and its texts
 * are UTF-8. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "evaluate.h"
#include "fuzz.h"
#include "labels.h"

typedef struct {
    eval_poly *gt, *det;
    int cap_gt, cap_det;
    eval_counts counts;
    eval_labels labels;
} walk;

/* The axis-aligned bounding box of p (the evaluator wants convex detections). */
static void bounding_box(const eval_poly *p, eval_poly *box) {
    double x0 = INFINITY, y0 = INFINITY, x1 = -INFINITY, y1 = -INFINITY;
    for (int i = 0; i < p->n; i++) {
        x0 = fmin(x0, p->xy[2 * i]), x1 = fmax(x1, p->xy[2 * i]);
        y0 = fmin(y0, p->xy[2 * i + 1]), y1 = fmax(y1, p->xy[2 * i + 1]);
    }
    const double xy[8] = {x0, y0, x1, y0, x1, y1, x0, y1};
    box->n = p->n ? 4 : 0;
    box->dont_care = false;
    for (int i = 0; i < 8; i++) box->xy[i] = xy[i];
}

static ocrs_status each_line(void *arg, const char *path, const char *where, const char *rel, const char *labels,
                             ocrs_diag *diag) {
    (void)path, (void)where, (void)rel, (void)diag;
    walk *w = arg;
    char why[160];
    int n = eval_parse_regions(labels, &w->gt, &w->cap_gt, why, sizeof why);
    if (n <= 0) return OCRS_OK;
    if (n > w->cap_det) {
        eval_poly *d = realloc(w->det, sizeof *d * (size_t)n);
        if (!d) fuzz_fail("out of memory", "detections");
        w->det = d, w->cap_det = n;
    }
    for (int i = 0; i < n; i++) bounding_box(&w->gt[i], &w->det[i]);
    eval_counts c = {0};
    eval_image(w->gt, n, w->det, n, &c);
    if (c.matched < 0 || c.matched > c.gt_care || c.matched > c.det_care || c.gt_care > n || c.det_care > n)
        fuzz_fail("inconsistent evaluation counts", where);
    eval_labels *l = &w->labels;
    if (eval_parse_labels(labels, l, why, sizeof why) < 0) return OCRS_OK;
    if (l->n != n) fuzz_fail("the two label parsers count differently", where);
    eval_rec_counts rec = {0};
    for (int i = 0; i < n; i++) {
        if (!eval_utf8_valid(l->text[i])) fuzz_fail("a parsed transcription is not UTF-8", where);
        /* each text against the next one's: edit distances of any pair */
        if (eval_rec_line(l->text[i], l->text[(i + 1) % n], &rec)) fuzz_fail("eval_rec_line refused UTF-8", where);
    }
    double acc, ned;
    eval_rec_scores(&rec, &acc, &ned);
    if (!(acc >= 0 && acc <= 1 && ned >= 0 && ned <= 1)) fuzz_fail("recognition scores out of [0, 1]", where);
    eval_counts det = {0}, e2e = {0};
    eval_e2e_image(l->poly, l->text, n, w->det, l->text, n, &det, &e2e);
    if (e2e.matched > det.matched || det.matched > det.gt_care || det.matched > det.det_care)
        fuzz_fail("inconsistent end-to-end counts", where);
    return OCRS_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *path = fuzz_path("label.txt");
    fuzz_write(path, data, size);
    labels_src src = {.file = path};
    walk w = {0};
    ocrs_diag diag = {0};
    /* A label file may be refused (no image lines, say), with a message
     * naming it; the evaluator must cope with every list it accepts. */
    if (labels_paths(&src, each_line, &w, &diag) && !strstr(diag.msg, path))
        fuzz_fail("the label walk failed without naming the file", diag.msg);
    free(w.gt);
    free(w.det);
    eval_labels_free(&w.labels);
    return 0;
}
