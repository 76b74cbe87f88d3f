/* eval: runs a detector or OCR pipeline library over a PaddleOCR label file
 * and prints precision, recall and hmean by PaddleOCR's
 * DetectionIoUEvaluator rules (evaluate.c), plus where the time went; for
 * a pipeline also recognition and end-to-end scores.
 *
 *   eval LIB.so LABEL.txt [--root DIR] [--threads N] [--name NAME]
 *        [--dump BOXES.txt] [--min-hmean H] [--quiet]
 *        [--dump-rec FILE] [--dump-ocr FILE] [--min-acc A] [--min-f F]
 *
 * LABEL.txt lines are `path<TAB>[{"transcription": ..., "points": [[x, y],
 * ...]}, ...]`; a path is looked up relative to --root, by default the label
 * file's folder, then that folder's parent. --dump writes a detector's boxes
 * in the same format (transcription "") for comparisons. A progress bar is
 * drawn when stderr is a terminal. Exit status 1 when the label file lists
 * no image, a line cannot be parsed (a region of more than EVAL_MAX_POINTS
 * points included), an image cannot be read or hmean is below --min-hmean.
 *
 * A pipeline (a library exporting <name>_ocr) is scored three ways:
 * detection as above on the boxes <name>_ocr keeps (after drop_score);
 * recognition as PaddleOCR's RecMetric (spaces ignored) on the cared
 * ground-truth quadrilaterals through <name>_recognize without the direction
 * classifier, as PaddleOCR evaluates a recognizer (regions of other
 * point counts have no such crop: they are left out and counted in a
 * note); end to end, a detection matched as above that reads the matched
 * region's text (spaces ignored) is correct: precision is correct over
 * cared detections, recall correct over cared regions, F their harmonic
 * mean. --dump-rec and --dump-ocr write the two runs' lines in the label
 * format with "transcription", "points" and "score" (text in UTF-8, as
 * Python's json.dumps(ensure_ascii=False)); line accuracy below --min-acc
 * or F below --min-f also make the exit status 1. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "detlib.h"
#include "evaluate.h"
#include "image.h"
#include "ocrlib.h"

/* ---- the run ---------------------------------------------------------------------------- */

/* what: "hmean" of a detector, "F" (end to end) of a pipeline */
static void progress(int done, int total, const char *what, const eval_counts *c) {
    double p, r, h;
    eval_scores(c, &p, &r, &h);
    int width = 30, fill = total ? done * width / total : width;
    fprintf(stderr, "\r[%.*s%*s] %d/%d  %s %.4f ", fill, "==============================", width - fill, "", done,
            total, what, h);
    fflush(stderr);
}

static char *image_path(const char *dirs[2], const char *rel) {
    for (int i = 0; i < 2; i++) {
        if (!dirs[i]) continue;
        size_t n = strlen(dirs[i]) + strlen(rel) + 2;
        char *p = malloc(n);
        if (!p) return NULL;
        snprintf(p, n, "%s/%s", dirs[i], rel);
        if (access(p, R_OK) == 0 || i == 1 || !dirs[1]) return p;
        free(p);
    }
    return NULL;
}

/* ---- one image -------------------------------------------------------------------------- */

typedef struct {
    FILE *dump, *dump_rec, *dump_ocr;
    eval_counts det, e2e;
    eval_rec_counts rec;
    long rec_skipped;       /* cared regions of other than 4 points: no quadrilateral to crop */
    double t_pre, t_model, t_post; /* a detector's */
    double t_ocr[5], t_rec; /* a pipeline's: detection, crops, classifier, recognizer, all; recognize calls */
    eval_poly *boxes;       /* this image's detections */
    const char **texts;     /* and their texts */
    ocr_quad_t *quads;      /* the ground truth's quadrilaterals */
    int *region;            /* and the regions they are */
    int cap_boxes, cap_quads;
} run;

/* Room for n detections (or n quadrilaterals when quads); 0 or -1. */
static int grow(run *r, int n, bool quads) {
    int *cap = quads ? &r->cap_quads : &r->cap_boxes;
    if (n <= *cap) return 0;
    if (quads) {
        ocr_quad_t *q = realloc(r->quads, sizeof *q * (size_t)n);
        if (q) r->quads = q;
        int *g = realloc(r->region, sizeof *g * (size_t)n);
        if (g) r->region = g;
        if (!q || !g) return -1;
    } else {
        eval_poly *b = realloc(r->boxes, sizeof *b * (size_t)n);
        if (b) r->boxes = b;
        const char **t = realloc(r->texts, sizeof *t * (size_t)n);
        if (t) r->texts = t;
        if (!b || !t) return -1;
    }
    *cap = n;
    return 0;
}

static int detect_image(detlib *d, const char *rel, const image *img, const eval_poly *gt, int ngt, run *r,
                        char *err, size_t errlen) {
    if (detlib_run(d, img, err, errlen)) return -1;
    double pre, model, post;
    d->times(d->ctx, &pre, &model, &post);
    r->t_pre += pre, r->t_model += model, r->t_post += post;
    if (grow(r, d->nboxes, false)) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (r->dump) fprintf(r->dump, "%s\t[", rel);
    for (int b = 0; b < d->nboxes; b++) {
        eval_set_quad(&r->boxes[b], d->boxes[b].x, d->boxes[b].y);
        if (r->dump)
            fprintf(r->dump, "%s{\"transcription\": \"\", \"score\": %.4f, \"points\": [[%g, %g], [%g, %g], [%g, %g], [%g, %g]]}",
                    b ? ", " : "", d->boxes[b].score, d->boxes[b].x[0], d->boxes[b].y[0], d->boxes[b].x[1],
                    d->boxes[b].y[1], d->boxes[b].x[2], d->boxes[b].y[2], d->boxes[b].x[3], d->boxes[b].y[3]);
    }
    if (r->dump) fprintf(r->dump, "]\n");
    eval_image(gt, ngt, r->boxes, d->nboxes, &r->det);
    return 0;
}

/* A pipeline's lines in the label format. */
static void dump_lines(FILE *f, const char *rel, const ocr_line_t *lines, int n) {
    fprintf(f, "%s\t[", rel);
    for (int i = 0; i < n; i++) {
        fputs(i ? ", {\"transcription\": " : "{\"transcription\": ", f);
        eval_write_string(f, lines[i].text);
        fputs(", \"points\": ", f);
        eval_write_points(f, lines[i].x, lines[i].y, 4);
        fprintf(f, ", \"score\": %.6g}", lines[i].score);
    }
    fputs("]\n", f);
}

static int ocr_image(ocrlib *o, const char *rel, const image *img, const eval_labels *gt, run *r, char *err,
                     size_t errlen) {
    /* End to end, and detection on the same boxes. */
    ocr_times_t t;
    if (ocrlib_run(o, img, err, errlen) || o->times(o->ctx, &t)) return -1;
    double stages[5] = {t.det_pre + t.det_model + t.det_post, t.crop, t.cls_pre + t.cls_model + t.cls_post,
                        t.rec_pre + t.rec_model + t.rec_post, t.total};
    for (int k = 0; k < 5; k++) r->t_ocr[k] += stages[k];
    if (grow(r, o->nlines, false) || grow(r, gt->n, true)) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (int i = 0; i < o->nlines; i++) eval_set_quad(&r->boxes[i], o->lines[i].x, o->lines[i].y), r->texts[i] = o->lines[i].text;
    eval_e2e_image(gt->poly, gt->text, gt->n, r->boxes, r->texts, o->nlines, &r->det, &r->e2e);
    if (r->dump_ocr) dump_lines(r->dump_ocr, rel, o->lines, o->nlines);

    /* Recognition of the cared ground truth (o->lines are replaced). */
    int nq = 0;
    for (int i = 0; i < gt->n; i++) {
        const eval_poly *p = &gt->poly[i];
        if (p->dont_care) continue;
        if (p->n != 4) {
            r->rec_skipped++;
            continue;
        }
        for (int k = 0; k < 4; k++) r->quads[nq].x[k] = (float)p->xy[2 * k], r->quads[nq].y[k] = (float)p->xy[2 * k + 1];
        r->region[nq++] = i;
    }
    /* The recognizer alone, as PaddleOCR evaluates it on such crops: no
     * direction classifier (which would turn some crops upside down). */
    ocr_options_t with_cls, rec_only;
    if (o->get_options(o->ctx, &with_cls)) return -1;
    rec_only = with_cls;
    rec_only.use_angle_cls = 0;
    int rc = nq ? o->set_options(o->ctx, &rec_only) || ocrlib_recognize(o, img, r->quads, nq, err, errlen) ||
                      o->times(o->ctx, &t)
                : 0;
    if (o->set_options(o->ctx, &with_cls) || rc) return -1;
    if (nq) r->t_rec += t.total;
    for (int k = 0; k < nq; k++)
        if (eval_rec_line(o->lines[k].text, gt->text[r->region[k]], &r->rec)) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
    if (r->dump_rec) dump_lines(r->dump_rec, rel, o->lines, nq);
    return 0;
}

/* The next line of a file of an OCR system's lines (label format) for the
 * image rel, parsed into l; 0, or -1 with a message. */
static int read_lines(FILE *f, const char *file, const char *rel, eval_labels *l, char *err, size_t errlen) {
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    while ((len = getline(&line, &cap, f)) > 0 && strspn(line, " \t\r\n") == (size_t)len) continue;
    char *tab = len > 0 ? strchr(line, '\t') : NULL, why[128];
    int rc = 0;
    if (!tab || (size_t)(tab - line) != strlen(rel) || strncmp(line, rel, strlen(rel)))
        rc = -1, snprintf(err, errlen, "%s: the next line is not %s's", file, rel);
    else if (eval_parse_labels(tab + 1, l, why, sizeof why) < 0)
        rc = -1, snprintf(err, errlen, "%s: %s: %s", file, rel, why);
    free(line);
    return rc;
}

/* Scores lines read by another pipeline (scripts/ref/ref_ocr.py): its
 * system's lines (next line of files[0]) end to end and as detections, and
 * its texts of the cared 4-point ground truth, in the label's order (next
 * line of files[1]). */
static int score_image(FILE *const *files, const char *const *names, const char *rel, const eval_labels *gt, run *r,
                       char *err, size_t errlen) {
    static eval_labels got[2];
    for (int k = 0; k < 2; k++)
        if (read_lines(files[k], names[k], rel, &got[k], err, errlen)) return -1;
    eval_e2e_image(gt->poly, gt->text, gt->n, got[0].poly, got[0].text, got[0].n, &r->det, &r->e2e);
    int k = 0;
    for (int i = 0; i < gt->n; i++) {
        if (gt->poly[i].dont_care) continue;
        if (gt->poly[i].n != 4) {
            r->rec_skipped++;
            continue;
        }
        if (k == got[1].n || eval_rec_line(got[1].text[k++], gt->text[i], &r->rec)) {
            snprintf(err, errlen, "%s: %s: fewer lines than cared regions, or not UTF-8", names[1], rel);
            return -1;
        }
    }
    return 0;
}

/* ---- the run ------------------------------------------------------------------------ */

static const char usage[] =
    "usage: eval LIB.so LABEL.txt [--root DIR] [--threads N] [--name NAME] [--dump BOXES.txt]\n"
    "            [--min-hmean H] [--quiet]\n"
    "       pipelines: [--dump-rec FILE] [--dump-ocr FILE] [--min-acc A] [--min-f F]\n"
    "       eval --lines OCR.txt --rec-lines REC.txt LABEL.txt ...: scores another pipeline's\n"
    "            lines (written as --dump-ocr and --dump-rec write ours) the same way\n";

static FILE *open_dump(const char *path) {
    FILE *f = path ? fopen(path, "w") : NULL;
    if (path && !f) perror(path);
    return f;
}

int main(int argc, char **argv) {
    const char *name = NULL, *root = NULL, *dump = NULL, *dump_rec = NULL, *dump_ocr = NULL, *given[2] = {0};
    int threads = 1, quiet = 0;
    double min_hmean = 0, min_acc = -1, min_f = -1;
    static const struct option opts[] = {{"root", required_argument, 0, 'r'}, {"threads", required_argument, 0, 't'},
                                         {"name", required_argument, 0, 'n'}, {"dump", required_argument, 0, 'd'},
                                         {"min-hmean", required_argument, 0, 'm'}, {"quiet", no_argument, 0, 'q'},
                                         {"dump-rec", required_argument, 0, 'R'}, {"dump-ocr", required_argument, 0, 'O'},
                                         {"min-acc", required_argument, 0, 'a'}, {"min-f", required_argument, 0, 'f'},
                                         {"lines", required_argument, 0, 'L'}, {"rec-lines", required_argument, 0, 'C'},
                                         {"help", no_argument, 0, 'h'},           {0, 0, 0, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "hq", opts, NULL)) != -1) {
        switch (c) {
        case 'r': root = optarg; break;
        case 't': threads = atoi(optarg); break;
        case 'n': name = optarg; break;
        case 'd': dump = optarg; break;
        case 'm': min_hmean = atof(optarg); break;
        case 'q': quiet = 1; break;
        case 'R': dump_rec = optarg; break;
        case 'O': dump_ocr = optarg; break;
        case 'a': min_acc = atof(optarg); break;
        case 'f': min_f = atof(optarg); break;
        case 'L': given[0] = optarg; break;
        case 'C': given[1] = optarg; break;
        case 'h': fputs(usage, stdout); return 0;
        default: fputs(usage, stderr); return 2;
        }
    }
    bool files = given[0] || given[1];
    if (optind != argc - 2 + files || (files && (!given[0] || !given[1] || dump || dump_rec || dump_ocr))) {
        fputs(usage, stderr);
        return 2;
    }
    const char *lib_path = files ? given[0] : argv[optind], *label_path = argv[argc - 1];
    bool pipeline = files || ocrlib_is_pipeline(lib_path, name);
    if (pipeline ? dump != NULL : dump_rec || dump_ocr || min_acc >= 0 || min_f >= 0) {
        fprintf(stderr, "eval: %s: %s\n", lib_path,
                pipeline ? "a pipeline library: --dump-ocr writes its boxes, not --dump"
                         : "not a pipeline library (no _ocr): --dump-rec, --dump-ocr, --min-acc and --min-f need one");
        return 2;
    }
    FILE *lf = fopen(label_path, "r");
    if (!lf) {
        perror(label_path);
        return 1;
    }
    /* Lines first, so the progress bar knows the total. */
    char **lines = NULL;
    int *line_no = NULL; /* in the file: blank lines are skipped */
    int nlines = 0, cap_lines = 0;
    char *line = NULL;
    size_t line_cap = 0;
    ssize_t len;
    for (int no = 1; (len = getline(&line, &line_cap, lf)) > 0; no++) {
        if (strspn(line, " \t\r\n") == (size_t)len) continue;
        if (nlines == cap_lines) {
            cap_lines = cap_lines ? 2 * cap_lines : 256;
            char **l = realloc(lines, sizeof *l * (size_t)cap_lines);
            int *n = realloc(line_no, sizeof *n * (size_t)cap_lines);
            if (l) lines = l;
            if (n) line_no = n;
            if (!l || !n) return 1;
        }
        line_no[nlines] = no;
        lines[nlines++] = strdup(line);
    }
    free(line);
    fclose(lf);
    if (!nlines) { /* hmean 0 of nothing would look like a result */
        fprintf(stderr, "eval: %s: no images (no line of an image path, a tab and labels)\n", label_path);
        return 1;
    }

    char label_dir[4096], parent[4100];
    snprintf(label_dir, sizeof label_dir, "%s", label_path);
    char *slash = strrchr(label_dir, '/');
    if (slash) *slash = 0;
    else snprintf(label_dir, sizeof label_dir, ".");
    snprintf(parent, sizeof parent, "%s/..", label_dir);
    const char *dirs[2] = {root ? root : label_dir, root ? NULL : parent};

    char err[512];
    detlib d = {0};
    ocrlib o = {0};
    FILE *in[2] = {files ? fopen(given[0], "r") : NULL, files ? fopen(given[1], "r") : NULL};
    if (files && (!in[0] || !in[1])) {
        perror(in[0] ? given[1] : given[0]);
        return 1;
    }
    if (!files && (pipeline ? ocrlib_open(&o, lib_path, name, threads, err, sizeof err)
                            : detlib_open(&d, lib_path, name, threads, err, sizeof err))) {
        fprintf(stderr, "eval: %s\n", err);
        return 1;
    }
    run r = {.dump = open_dump(dump), .dump_rec = open_dump(dump_rec), .dump_ocr = open_dump(dump_ocr)};
    if ((dump && !r.dump) || (dump_rec && !r.dump_rec) || (dump_ocr && !r.dump_ocr)) return 1;
    bool bar = !quiet && isatty(2);
    eval_labels gt = {0};
    int failed = 0;
    for (int i = 0; i < nlines; i++) {
        char *tab = strchr(lines[i], '\t');
        if (!tab) {
            fprintf(stderr, "%seval: %s:%d: no tab between path and labels\n", bar ? "\n" : "", label_path, line_no[i]);
            failed = 1;
            continue;
        }
        *tab = 0;
        /* A detector's labels as eval_parse_regions has always read them
         * (transcriptions need not be UTF-8). */
        char why[128];
        int ngt = pipeline ? eval_parse_labels(tab + 1, &gt, why, sizeof why)
                           : eval_parse_regions(tab + 1, &gt.poly, &gt.cap, why, sizeof why);
        char *path = image_path(dirs, lines[i]);
        image img;
        if (ngt < 0 || !path) {
            fprintf(stderr, "%seval: %s:%d: %s\n", bar ? "\n" : "", label_path, line_no[i],
                    ngt < 0 ? why : "out of memory");
            failed = 1;
        } else if (files) {
            if (score_image(in, given, lines[i], &gt, &r, err, sizeof err)) {
                fprintf(stderr, "%seval: %s\n", bar ? "\n" : "", err);
                failed = 1;
            }
        } else if (image_load(path, &image_default_limits, &img, err, sizeof err)) {
            fprintf(stderr, "%seval: %s\n", bar ? "\n" : "", err);
            failed = 1;
        } else {
            if (pipeline ? ocr_image(&o, lines[i], &img, &gt, &r, err, sizeof err)
                         : detect_image(&d, lines[i], &img, gt.poly, ngt, &r, err, sizeof err)) {
                fprintf(stderr, "%seval: %s: %s\n", bar ? "\n" : "", path, err);
                failed = 1;
            }
            image_free(&img);
        }
        free(path);
        if (bar) progress(i + 1, nlines, pipeline ? "F" : "hmean", pipeline ? &r.e2e : &r.det);
    }
    if (bar) fputc('\n', stderr);
    double p, rc, h;
    eval_scores(&r.det, &p, &rc, &h);
    printf("images %d  gt %ld  det %ld  matched %ld\n", nlines, r.det.gt_care, r.det.det_care, r.det.matched);
    printf("precision %.4f  recall %.4f  hmean %.4f\n", p, rc, h);
    if (!pipeline) {
        printf("time: pre %.0f ms, model %.0f ms, post %.0f ms (post = %.1f%% of model)\n", r.t_pre, r.t_model,
               r.t_post, r.t_model > 0 ? 100 * r.t_post / r.t_model : 0);
    } else {
        double acc, ned, ep, er, f;
        eval_rec_scores(&r.rec, &acc, &ned);
        eval_scores(&r.e2e, &ep, &er, &f);
        printf("recognition of the ground truth's crops: lines %ld  accuracy %.4f  1-NED %.4f\n", r.rec.lines, acc,
               ned);
        if (r.rec_skipped)
            printf("  left out: %ld cared region(s) of other than 4 points (no quadrilateral to crop)\n", r.rec_skipped);
        printf("end to end: correct %ld  precision %.4f  recall %.4f  F %.4f\n", r.e2e.matched, ep, er, f);
        if (!files)
            printf("time: detection %.0f ms, crops %.0f ms, classifier %.0f ms, recognizer %.0f ms, ocr total %.0f ms; "
                   "recognition of the ground truth %.0f ms\n",
                   r.t_ocr[0], r.t_ocr[1], r.t_ocr[2], r.t_ocr[3], r.t_ocr[4], r.t_rec);
        if (min_acc >= 0 && acc < min_acc) {
            fprintf(stderr, "eval: line accuracy %.4f is below %.4f\n", acc, min_acc);
            failed = 1;
        }
        if (min_f >= 0 && f < min_f) {
            fprintf(stderr, "eval: end-to-end F %.4f is below %.4f\n", f, min_f);
            failed = 1;
        }
    }
    FILE *dumps[3] = {r.dump, r.dump_rec, r.dump_ocr};
    for (int k = 0; k < 3; k++)
        if (dumps[k] && fclose(dumps[k]) != 0) failed = 1;
    if (h < min_hmean) {
        fprintf(stderr, "eval: hmean %.4f is below %.4f\n", h, min_hmean);
        failed = 1;
    }
    if (files) fclose(in[0]), fclose(in[1]);
    else if (pipeline) ocrlib_close(&o);
    else detlib_close(&d);
    for (int i = 0; i < nlines; i++) free(lines[i]);
    free(lines);
    free(line_no);
    eval_labels_free(&gt);
    free(r.boxes), free(r.texts), free(r.quads), free(r.region);
    return failed;
}
