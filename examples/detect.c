/* detect: finds text in a PNG or JPEG with a library made by ocrslimc.
 *
 *   detect libdet.so image.{png,jpg} [--json] [--draw out.png] [--threads N]
 *          [--name NAME] [--verbose]
 *
 * Prints one line per box (corners clockwise from the top-left, score), or
 * with --json an array of {"points": [[x, y] x 4], "score": s}; --draw
 * writes the image with the boxes drawn on it; --verbose prints the times
 * of pre-processing, the model and post-processing. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detlib.h"
#include "image.h"

static const char usage[] =
    "usage: detect LIB.so IMAGE.{png,jpg} [--json] [--draw OUT.png] [--threads N] [--name NAME] [--verbose]\n";

int main(int argc, char **argv) {
    const char *name = NULL, *draw = NULL;
    int threads = 1, json = 0, verbose = 0;
    static const struct option opts[] = {{"json", no_argument, 0, 'j'},        {"draw", required_argument, 0, 'd'},
                                         {"threads", required_argument, 0, 't'}, {"name", required_argument, 0, 'n'},
                                         {"verbose", no_argument, 0, 'v'},       {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "hv", opts, NULL)) != -1) {
        switch (c) {
        case 'j': json = 1; break;
        case 'd': draw = optarg; break;
        case 't': threads = atoi(optarg); break;
        case 'n': name = optarg; break;
        case 'v': verbose = 1; break;
        case 'h': fputs(usage, stdout); return 0;
        default: fputs(usage, stderr); return 2;
        }
    }
    if (optind != argc - 2) {
        fputs(usage, stderr);
        return 2;
    }
    char err[512];
    image img;
    if (image_load(argv[optind + 1], &image_default_limits, &img, err, sizeof err)) {
        fprintf(stderr, "detect: %s\n", err);
        return 1;
    }
    detlib d;
    if (detlib_open(&d, argv[optind], name, threads, err, sizeof err) || detlib_run(&d, &img, err, sizeof err)) {
        fprintf(stderr, "detect: %s\n", err);
        detlib_close(&d);
        image_free(&img);
        return 1;
    }
    if (json) printf("[");
    for (int i = 0; i < d.nboxes; i++) {
        const det_box_t *b = &d.boxes[i];
        if (json)
            printf("%s\n  {\"points\": [[%g, %g], [%g, %g], [%g, %g], [%g, %g]], \"score\": %.4f}", i ? "," : "",
                   b->x[0], b->y[0], b->x[1], b->y[1], b->x[2], b->y[2], b->x[3], b->y[3], b->score);
        else
            printf("%g,%g %g,%g %g,%g %g,%g %.4f\n", b->x[0], b->y[0], b->x[1], b->y[1], b->x[2], b->y[2], b->x[3],
                   b->y[3], b->score);
    }
    if (json) printf("%s]\n", d.nboxes ? "\n" : "");
    if (verbose) {
        double pre, model, post;
        d.times(d.ctx, &pre, &model, &post);
        fprintf(stderr, "detect: %dx%d image, %d boxes; pre %.1f ms, model %.1f ms, post %.1f ms\n", img.width,
                img.height, d.nboxes, pre, model, post);
    }
    int rc = 0;
    if (draw) {
        static const uint8_t green[3] = {0, 200, 0};
        int thick = img.width + img.height > 2000 ? 3 : 2;
        for (int i = 0; i < d.nboxes; i++) image_draw_polygon(&img, d.boxes[i].x, d.boxes[i].y, 4, thick, green);
        if (image_write_png(draw, &img, err, sizeof err)) {
            fprintf(stderr, "detect: %s\n", err);
            rc = 1;
        } else if (verbose) {
            fprintf(stderr, "detect: wrote %s\n", draw);
        }
    }
    detlib_close(&d);
    image_free(&img);
    return rc;
}
