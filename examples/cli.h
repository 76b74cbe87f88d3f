/* What the detect and ocr examples share: their command line and --draw. */
#ifndef OCRS_EXAMPLES_CLI_H
#define OCRS_EXAMPLES_CLI_H

#include <stddef.h>

#include "image.h"

typedef struct {
    const char *lib, *image, *name, *draw;
    int threads, json, verbose;
} cli_args;

/* Parses `PROG LIB.so IMAGE [--json] [--draw OUT.png] [--threads N]
 * [--name NAME] [--verbose] [--help]` and loads the image into img; -1 to
 * go on, or the status to exit with (usage or an error, after prog,
 * printed). */
int cli_start(int argc, char **argv, const char *prog, const char *usage, cli_args *a, image *img);

/* --draw: writes img, with n quadrilaterals drawn on it, to a->draw as PNG.
 * Each is the float x[4], y[4] that starts an element of an array whose
 * elements are `size` bytes apart (det_box_t, ocr_line_t). Messages start
 * with prog; 0, or 1 when the file cannot be written. */
int cli_draw(const char *prog, const cli_args *a, image *img, const void *quads, size_t size, int n);

#endif
