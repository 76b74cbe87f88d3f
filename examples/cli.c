/* See cli.h. */
#include "cli.h"

#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cli_start(int argc, char **argv, const char *prog, const char *usage, cli_args *a, image *img) {
    memset(a, 0, sizeof *a);
    a->threads = 1;
    static const struct option opts[] = {{"json", no_argument, 0, 'j'},        {"draw", required_argument, 0, 'd'},
                                         {"threads", required_argument, 0, 't'}, {"name", required_argument, 0, 'n'},
                                         {"verbose", no_argument, 0, 'v'},       {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "hv", opts, NULL)) != -1) {
        switch (c) {
        case 'j': a->json = 1; break;
        case 'd': a->draw = optarg; break;
        case 't': a->threads = atoi(optarg); break;
        case 'n': a->name = optarg; break;
        case 'v': a->verbose = 1; break;
        case 'h': fputs(usage, stdout); return 0;
        default: fputs(usage, stderr); return 2;
        }
    }
    if (optind != argc - 2) {
        fputs(usage, stderr);
        return 2;
    }
    a->lib = argv[optind], a->image = argv[optind + 1];
    char err[512];
    if (image_load(a->image, &image_default_limits, img, err, sizeof err)) {
        fprintf(stderr, "%s: %s\n", prog, err);
        return 1;
    }
    return -1;
}

int cli_draw(const char *prog, const cli_args *a, image *img, const void *quads, size_t size, int n) {
    static const uint8_t green[3] = {0, 200, 0};
    int thick = img->width + img->height > 2000 ? 3 : 2;
    for (int i = 0; i < n; i++) {
        float xy[8]; /* copied: ocr_line_t's floats need not start every `size` bytes aligned for float */
        memcpy(xy, (const char *)quads + (size_t)i * size, sizeof xy);
        image_draw_polygon(img, xy, xy + 4, 4, thick, green);
    }
    char err[512];
    if (image_write_png(a->draw, img, err, sizeof err)) {
        fprintf(stderr, "%s: %s\n", prog, err);
        return 1;
    }
    if (a->verbose) fprintf(stderr, "%s: wrote %s\n", prog, a->draw);
    return 0;
}
