/* detect: finds text in a PNG or JPEG with a library made by ocrslimc.
 *
 *   detect libdet.so image.{png,jpg} [--json] [--draw out.png] [--threads N]
 *          [--name NAME] [--verbose]
 *
 * Prints one line per box (corners clockwise from the top-left, score), or
 * with --json an array of {"points": [[x, y] x 4], "score": s}; --draw
 * writes the image with the boxes drawn on it; --verbose prints the times
 * of pre-processing, the model and post-processing. */
#include <stdio.h>

#include "cli.h"
#include "detlib.h"
#include "image.h"

static const char usage[] =
    "usage: detect LIB.so IMAGE.{png,jpg} [--json] [--draw OUT.png] [--threads N] [--name NAME] [--verbose]\n";

int main(int argc, char **argv) {
    cli_args a;
    image img;
    int st = cli_start(argc, argv, "detect", usage, &a, &img);
    if (st >= 0) return st;
    char err[512];
    detlib d;
    if (detlib_open(&d, a.lib, a.name, a.threads, err, sizeof err) || detlib_run(&d, &img, err, sizeof err)) {
        fprintf(stderr, "detect: %s\n", err);
        detlib_close(&d);
        image_free(&img);
        return 1;
    }
    if (a.json) printf("[");
    for (int i = 0; i < d.nboxes; i++) {
        const det_box_t *b = &d.boxes[i];
        if (a.json)
            printf("%s\n  {\"points\": [[%g, %g], [%g, %g], [%g, %g], [%g, %g]], \"score\": %.4f}", i ? "," : "",
                   b->x[0], b->y[0], b->x[1], b->y[1], b->x[2], b->y[2], b->x[3], b->y[3], b->score);
        else
            printf("%g,%g %g,%g %g,%g %g,%g %.4f\n", b->x[0], b->y[0], b->x[1], b->y[1], b->x[2], b->y[2], b->x[3],
                   b->y[3], b->score);
    }
    if (a.json) printf("%s]\n", d.nboxes ? "\n" : "");
    if (a.verbose) {
        double pre, model, post;
        d.times(d.ctx, &pre, &model, &post);
        fprintf(stderr, "detect: %dx%d image, %d boxes; pre %.1f ms, model %.1f ms, post %.1f ms\n", img.width,
                img.height, d.nboxes, pre, model, post);
    }
    int rc = a.draw ? cli_draw("detect", &a, &img, d.boxes, sizeof *d.boxes, d.nboxes) : 0;
    detlib_close(&d);
    image_free(&img);
    return rc;
}
