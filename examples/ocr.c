/* ocr: reads the text in a PNG or JPEG with an OCR pipeline library made by
 * ocrslimc (detection, direction classification, recognition).
 *
 *   ocr libocr.so image.{png,jpg} [--json] [--draw out.png] [--threads N]
 *       [--name NAME] [--verbose]
 *
 * Prints one line per text line (corners clockwise from the top-left,
 * score, text), or with --json an array of {"points": [[x, y] x 4],
 * "text": "...", "score": s} (UTF-8, as Python's json.dumps with
 * ensure_ascii=False); --draw writes the image with the lines' boxes drawn
 * on it; --verbose prints the time of every stage. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "evaluate.h"
#include "image.h"
#include "ocrlib.h"

static const char usage[] =
    "usage: ocr LIB.so IMAGE.{png,jpg} [--json] [--draw OUT.png] [--threads N] [--name NAME] [--verbose]\n";

int main(int argc, char **argv) {
    cli_args a;
    image img;
    int st = cli_start(argc, argv, "ocr", usage, &a, &img);
    if (st >= 0) return st;
    char err[512];
    ocrlib o;
    int failed = ocrlib_open(&o, a.lib, a.name, a.threads, err, sizeof err);
    if (failed || ocrlib_run(&o, &img, err, sizeof err)) {
        fprintf(stderr, "ocr: %s%s%s\n", failed ? "" : a.image, failed ? "" : ": ", err);
        ocrlib_close(&o);
        image_free(&img);
        return 1;
    }
    if (a.json) printf("[");
    for (int i = 0; i < o.nlines; i++) {
        const ocr_line_t *l = &o.lines[i];
        if (a.json) {
            printf("%s\n  {\"points\": ", i ? "," : "");
            eval_write_points(stdout, l->x, l->y, 4);
            printf(", \"text\": ");
            eval_write_string(stdout, l->text);
            printf(", \"score\": %.4f}", l->score);
        } else {
            printf("%g,%g %g,%g %g,%g %g,%g %.4f %s\n", l->x[0], l->y[0], l->x[1], l->y[1], l->x[2], l->y[2],
                   l->x[3], l->y[3], l->score, l->text);
        }
    }
    if (a.json) printf("%s]\n", o.nlines ? "\n" : "");
    if (a.verbose) {
        ocr_times_t t;
        if (o.times(o.ctx, &t)) memset(&t, 0, sizeof t);
        fprintf(stderr,
                "ocr: %dx%d image, %d lines; detection %.1f + %.1f + %.1f ms, crops %.1f ms, classifier %.1f + %.1f + "
                "%.1f ms, recognizer %.1f + %.1f + %.1f ms (pre + model + post); total %.1f ms\n",
                img.width, img.height, o.nlines, t.det_pre, t.det_model, t.det_post, t.crop, t.cls_pre, t.cls_model,
                t.cls_post, t.rec_pre, t.rec_model, t.rec_post, t.total);
    }
    int rc = a.draw ? cli_draw("ocr", &a, &img, o.lines, sizeof *o.lines, o.nlines) : 0;
    ocrlib_close(&o);
    image_free(&img);
    return rc;
}
