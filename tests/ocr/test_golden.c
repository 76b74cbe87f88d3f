/* Checks a generated library against the reference pipeline's output
 * (scripts/ref: ref_detect.py, ref_ocr.py) on images the test made: the
 * same boxes to 1 pixel in the same order, and for an OCR system the same
 * strings exactly. What a change of PaddleOCR's semantics (an unclip
 * distance, the reading order, a crop's rotation, a CTC rule) breaks.
 *
 *   test_golden det|ocr|rec LIB.so GOLDEN.txt ROOT [QUADS.txt]
 *
 * GOLDEN.txt is in the label format, one line per image (relative to
 * ROOT): det, a detector's boxes; ocr, an OCR system's lines; rec, the
 * texts an OCR system reads in the quadrilaterals QUADS.txt (label format)
 * gives for each image, in that order. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../detect/check.h"
#include "detlib.h"
#include "evaluate.h"
#include "image.h"
#include "ocrlib.h"

enum { MAX_LINE = 1 << 20 };

/* The next image's path and labels from a label file; false at its end. */
static bool next_labels(FILE *f, char *line, char **path, eval_labels *l) {
    while (fgets(line, MAX_LINE, f)) {
        char *tab = strchr(line, '\t');
        if (!tab) continue;
        *tab = 0;
        *path = line;
        char why[256];
        if (eval_parse_labels(tab + 1, l, why, sizeof why) < 0) {
            fprintf(stderr, "%s: %s\n", line, why);
            exit(1);
        }
        return true;
    }
    return false;
}

/* Whether every corner of ours is within 1 pixel of the golden region's. */
static bool near(const float *x, const float *y, const eval_poly *want) {
    bool close = want->n == 4;
    for (int k = 0; close && k < 4; k++)
        close = fabs(x[k] - want->xy[2 * k]) <= 1 && fabs(y[k] - want->xy[2 * k + 1]) <= 1;
    return close;
}

/* Box i of ours against the golden region. */
static void check_box(const char *image, int i, const float *x, const float *y, const eval_poly *want) {
    if (near(x, y, want)) return;
    fprintf(stderr, "%s: box %d: ours (%g,%g) (%g,%g) (%g,%g) (%g,%g), the reference's (%g,%g) (%g,%g) (%g,%g) (%g,%g)\n",
            image, i, x[0], y[0], x[1], y[1], x[2], y[2], x[3], y[3], want->xy[0], want->xy[1], want->xy[2],
            want->xy[3], want->xy[4], want->xy[5], want->xy[6], want->xy[7]);
    failures++;
}

/* The detector's boxes come in the order of its contours, which is no
 * semantics of PaddleOCR's (the system sorts them): the golden region
 * within 1 pixel of this box not taken yet (taken[want->n]), else i (to
 * report). */
static int match(const eval_labels *want, const float *x, const float *y, int i, bool *taken) {
    for (int k = 0; k < want->n; k++)
        if (!taken[k] && near(x, y, &want->poly[k])) return taken[k] = true, k;
    return i;
}

static void check_text(const char *image, int i, const char *ours, const char *want) {
    if (strcmp(ours, want) == 0) return;
    fprintf(stderr, "%s: line %d: ours '%s', the reference's '%s'\n", image, i, ours, want);
    failures++;
}

int main(int argc, char **argv) {
    if (argc < 5 || (strcmp(argv[1], "det") && strcmp(argv[1], "ocr") && strcmp(argv[1], "rec")) ||
        (!strcmp(argv[1], "rec")) != (argc == 6)) {
        fprintf(stderr, "usage: test_golden det|ocr|rec LIB.so GOLDEN.txt ROOT [QUADS.txt]\n");
        return 2;
    }
    char mode = argv[1][0], err[512];
    detlib d;
    ocrlib o;
    if (mode == 'd' ? detlib_open(&d, argv[2], NULL, 1, err, sizeof err) : ocrlib_open(&o, argv[2], NULL, 1, err, sizeof err)) {
        fprintf(stderr, "test_golden: %s\n", err);
        return 1;
    }
    FILE *golden = fopen(argv[3], "r"), *quads = mode == 'r' ? fopen(argv[5], "r") : NULL;
    char *line = malloc(MAX_LINE), *qline = malloc(MAX_LINE), *path, *qpath;
    if (!golden || (mode == 'r' && !quads) || !line || !qline) {
        fprintf(stderr, "test_golden: cannot read %s\n", golden ? argv[5] : argv[3]);
        return 1;
    }
    eval_labels want = {0}, given = {0};
    int images = 0, lines = 0;
    while (next_labels(golden, line, &path, &want)) {
        char file[4096];
        snprintf(file, sizeof file, "%s/%s", argv[4], path);
        image img;
        if (image_load(file, &image_default_limits, &img, err, sizeof err)) {
            fprintf(stderr, "test_golden: %s\n", err);
            return 1;
        }
        int rc = 0, n = 0;
        if (mode == 'd') {
            rc = detlib_run(&d, &img, err, sizeof err);
            n = d.nboxes;
        } else if (mode == 'o') {
            rc = ocrlib_run(&o, &img, err, sizeof err);
            n = o.nlines;
        } else {
            if (!next_labels(quads, qline, &qpath, &given) || strcmp(qpath, path)) {
                fprintf(stderr, "test_golden: %s: not the next image of %s\n", path, argv[5]);
                return 1;
            }
            ocr_quad_t *q = malloc(sizeof *q * (size_t)(given.n + 1));
            for (int i = 0; i < given.n; i++)
                for (int k = 0; k < 4; k++) q[i].x[k] = (float)given.poly[i].xy[2 * k], q[i].y[k] = (float)given.poly[i].xy[2 * k + 1];
            rc = ocrlib_recognize(&o, &img, q, given.n, err, sizeof err);
            n = given.n;
            free(q);
        }
        if (rc) {
            fprintf(stderr, "%s: %s\n", path, err);
            return 1;
        }
        if (n != want.n) {
            fprintf(stderr, "%s: %d %s, the reference %d\n", path, n, mode == 'd' ? "boxes" : "lines", want.n);
            failures++;
        }
        bool *taken = calloc((size_t)want.n + 1, sizeof *taken);
        for (int i = 0; i < n && i < want.n; i++) {
            if (mode == 'd') check_box(path, i, d.boxes[i].x, d.boxes[i].y, &want.poly[match(&want, d.boxes[i].x, d.boxes[i].y, i, taken)]);
            if (mode == 'o') check_box(path, i, o.lines[i].x, o.lines[i].y, &want.poly[i]);
            if (mode != 'd') check_text(path, i, o.lines[i].text, want.text[i]);
        }
        free(taken);
        images++;
        lines += n;
        image_free(&img);
    }
    fprintf(stderr, "test_golden %s: %d images, %d %s, %d differences\n", argv[1], images, lines,
            mode == 'd' ? "boxes" : "lines", failures);
    if (!images) failures++;
    eval_labels_free(&want);
    eval_labels_free(&given);
    free(line);
    free(qline);
    fclose(golden);
    if (quads) fclose(quads);
    if (mode == 'd') detlib_close(&d);
    else ocrlib_close(&o);
    return failures ? 1 : 0;
}
