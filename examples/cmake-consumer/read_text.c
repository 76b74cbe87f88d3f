/* Reads the text of a binary PPM (P6) image with the OCR system library
 * ocr (ocrslim_add_pipeline) and prints one line of text per text line.
 *
 *   read_text IMAGE.ppm */
#include <stdio.h>
#include <stdlib.h>

#include "ocr.h"

int main(int argc, char **argv) {
    FILE *f = argc == 2 ? fopen(argv[1], "rb") : NULL;
    int w, h, maxval;
    if (!f || fscanf(f, "P6 %d %d %d", &w, &h, &maxval) != 3 || maxval != 255 || fgetc(f) == EOF || w < 1 ||
        h < 1 || w > OCR_MAX_SIDE || h > OCR_MAX_SIDE) {
        fprintf(stderr, "usage: read_text IMAGE.ppm (binary PPM, 8 bits)\n");
        return 2;
    }
    unsigned char *rgb = malloc((size_t)w * h * 3);
    if (!rgb || fread(rgb, 3, (size_t)w * h, f) != (size_t)w * h) return 1;
    fclose(f);
    ocr_ctx *ctx;
    const ocr_line *lines;
    int n, st = ocr_create(&ctx, 2);
    if (!st) st = ocr_ocr(ctx, rgb, w, h, 3 * w, &lines, &n);
    if (st) {
        fprintf(stderr, "read_text: %s\n", ocr_strerror(st));
        return 1;
    }
    for (int i = 0; i < n; i++) printf("%s\n", lines[i].text);
    ocr_destroy(ctx);
    free(rgb);
    return 0;
}
