/* eval: runs a detector library over a PaddleOCR label file and prints
 * precision, recall and hmean by PaddleOCR's DetectionIoUEvaluator rules
 * (evaluate.c), plus where the time went.
 *
 *   eval libdet.so LABEL.txt [--root DIR] [--threads N] [--name NAME]
 *        [--dump BOXES.txt] [--min-hmean H] [--quiet]
 *
 * LABEL.txt lines are `path<TAB>[{"transcription": ..., "points": [[x, y],
 * ...]}, ...]`; a path is looked up relative to --root, by default the label
 * file's folder, then that folder's parent. --dump writes our boxes in the
 * same format (transcription "") for comparisons. A progress bar is drawn
 * when stderr is a terminal. Exit status 1 when the label file lists no
 * image, a line cannot be parsed (a region of more than EVAL_MAX_POINTS
 * points included), an image cannot be read or hmean is below --min-hmean. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "detlib.h"
#include "evaluate.h"
#include "image.h"

/* ---- the run ---------------------------------------------------------------------------- */

static void progress(int done, int total, const eval_counts *c) {
    double p, r, h;
    eval_scores(c, &p, &r, &h);
    int width = 30, fill = total ? done * width / total : width;
    fprintf(stderr, "\r[%.*s%*s] %d/%d  hmean %.4f ", fill, "==============================", width - fill, "", done,
            total, h);
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

static const char usage[] =
    "usage: eval LIB.so LABEL.txt [--root DIR] [--threads N] [--name NAME] [--dump BOXES.txt]\n"
    "            [--min-hmean H] [--quiet]\n";

int main(int argc, char **argv) {
    const char *name = NULL, *root = NULL, *dump = NULL;
    int threads = 1, quiet = 0;
    double min_hmean = 0;
    static const struct option opts[] = {{"root", required_argument, 0, 'r'}, {"threads", required_argument, 0, 't'},
                                         {"name", required_argument, 0, 'n'}, {"dump", required_argument, 0, 'd'},
                                         {"min-hmean", required_argument, 0, 'm'}, {"quiet", no_argument, 0, 'q'},      {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "hq", opts, NULL)) != -1) {
        switch (c) {
        case 'r': root = optarg; break;
        case 't': threads = atoi(optarg); break;
        case 'n': name = optarg; break;
        case 'd': dump = optarg; break;
        case 'm': min_hmean = atof(optarg); break;
        case 'q': quiet = 1; break;
        case 'h': fputs(usage, stdout); return 0;
        default: fputs(usage, stderr); return 2;
        }
    }
    if (optind != argc - 2) {
        fputs(usage, stderr);
        return 2;
    }
    const char *label_path = argv[optind + 1];
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
    detlib d;
    if (detlib_open(&d, argv[optind], name, threads, err, sizeof err)) {
        fprintf(stderr, "eval: %s\n", err);
        return 1;
    }
    FILE *df = dump ? fopen(dump, "w") : NULL;
    if (dump && !df) {
        perror(dump);
        return 1;
    }
    bool bar = !quiet && isatty(2);
    eval_counts counts = {0};
    eval_poly *gt = NULL, *det = NULL;
    int cap_gt = 0, cap_det = 0, failed = 0;
    double t_pre = 0, t_model = 0, t_post = 0;
    for (int i = 0; i < nlines; i++) {
        char *tab = strchr(lines[i], '\t');
        if (!tab) {
            fprintf(stderr, "%seval: %s:%d: no tab between path and labels\n", bar ? "\n" : "", label_path, line_no[i]);
            failed = 1;
            continue;
        }
        *tab = 0;
        char why[128];
        int ngt = eval_parse_regions(tab + 1, &gt, &cap_gt, why, sizeof why);
        char *path = image_path(dirs, lines[i]);
        image img;
        if (ngt < 0 || !path) {
            fprintf(stderr, "%seval: %s:%d: %s\n", bar ? "\n" : "", label_path, line_no[i],
                    ngt < 0 ? why : "out of memory");
            failed = 1;
        } else if (image_load(path, &image_default_limits, &img, err, sizeof err)) {
            fprintf(stderr, "%seval: %s\n", bar ? "\n" : "", err);
            failed = 1;
        } else if (detlib_run(&d, &img, err, sizeof err)) {
            fprintf(stderr, "%seval: %s: %s\n", bar ? "\n" : "", path, err);
            image_free(&img);
            failed = 1;
        } else {
            double pre, model, post;
            d.times(d.ctx, &pre, &model, &post);
            t_pre += pre, t_model += model, t_post += post;
            if (d.nboxes > cap_det) {
                eval_poly *p = realloc(det, sizeof *p * (size_t)d.nboxes);
                if (!p) return 1;
                det = p, cap_det = d.nboxes;
            }
            if (df) fprintf(df, "%s\t[", lines[i]);
            for (int b = 0; b < d.nboxes; b++) {
                det[b].n = 4, det[b].dont_care = false;
                for (int k = 0; k < 4; k++) det[b].xy[2 * k] = d.boxes[b].x[k], det[b].xy[2 * k + 1] = d.boxes[b].y[k];
                if (df)
                    fprintf(df, "%s{\"transcription\": \"\", \"score\": %.4f, \"points\": [[%g, %g], [%g, %g], [%g, %g], [%g, %g]]}",
                            b ? ", " : "", d.boxes[b].score, d.boxes[b].x[0], d.boxes[b].y[0], d.boxes[b].x[1],
                            d.boxes[b].y[1], d.boxes[b].x[2], d.boxes[b].y[2], d.boxes[b].x[3], d.boxes[b].y[3]);
            }
            if (df) fprintf(df, "]\n");
            eval_image(gt, ngt, det, d.nboxes, &counts);
            image_free(&img);
        }
        free(path);
        if (bar) progress(i + 1, nlines, &counts);
    }
    if (bar) fputc('\n', stderr);
    double p, r, h;
    eval_scores(&counts, &p, &r, &h);
    printf("images %d  gt %ld  det %ld  matched %ld\n", nlines, counts.gt_care, counts.det_care, counts.matched);
    printf("precision %.4f  recall %.4f  hmean %.4f\n", p, r, h);
    printf("time: pre %.0f ms, model %.0f ms, post %.0f ms (post = %.1f%% of model)\n", t_pre, t_model, t_post,
           t_model > 0 ? 100 * t_post / t_model : 0);
    if (df && fclose(df) != 0) failed = 1;
    if (h < min_hmean) {
        fprintf(stderr, "eval: hmean %.4f is below %.4f\n", h, min_hmean);
        failed = 1;
    }
    detlib_close(&d);
    for (int i = 0; i < nlines; i++) free(lines[i]);
    free(lines);
    free(line_no);
    free(gt);
    free(det);
    return failed;
}
