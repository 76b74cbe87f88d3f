/* mkcard: writes a PNG text card (card.h) for trying detect and ocr
 * anywhere, and for the tests' images; a binary PPM when OUT ends in
 * .ppm (for programs without an image library).
 *
 *   mkcard OUT.png|OUT.ppm [WIDTH HEIGHT] [--text TEXT] [--scale N] [--turn]
 *
 * TEXT: A-Z, 0-9 and spaces, lines separated by "/" (default: a card of
 * three lines); --scale: pixels per font pixel (default WIDTH / 160);
 * --turn: the card upside down (turned by 180 degrees). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "card.h"
#include "image.h"

static const char usage[] = "usage: mkcard OUT.png [WIDTH HEIGHT] [--text TEXT] [--scale N] [--turn]\n";

int main(int argc, char **argv) {
    static const struct option opts[] = {{"text", required_argument, 0, 't'}, {"scale", required_argument, 0, 's'},
                                         {"turn", no_argument, 0, 'r'},       {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    const char *given = "OCRSLIM DETECTS TEXT/IN 2 LINES AND MORE//PP OCRV4 DB 960";
    int scale = 0, turn = 0, c;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 't': given = optarg; break;
        case 's': scale = atoi(optarg); break;
        case 'r': turn = 1; break;
        case 'h': fputs(usage, stdout); return 0;
        default: fputs(usage, stderr); return 2;
        }
    }
    int npos = argc - optind;
    if (npos != 1 && npos != 3) {
        fputs(usage, stderr);
        return 2;
    }
    image img = {npos == 3 ? atoi(argv[optind + 1]) : 640, npos == 3 ? atoi(argv[optind + 2]) : 360, NULL};
    if (img.width < 1 || img.height < 1 || img.width > 8192 || img.height > 8192) {
        fprintf(stderr, "mkcard: size must be in [1, 8192]\n");
        return 2;
    }
    if (!scale) scale = img.width / 160 > 1 ? img.width / 160 : 1;
    if (scale < 1 || scale > 64) {
        fprintf(stderr, "mkcard: --scale must be in [1, 64]\n");
        return 2;
    }
    char *text = strdup(given);
    img.rgb = malloc((size_t)img.width * img.height * 3);
    if (!text || !img.rgb) return 1;
    for (char *p = text; *p; p++)
        if (*p == '/') *p = '\n';
    card_render(img.rgb, img.width, img.height, text, scale, 2 * scale);
    if (turn) /* the pixel order reversed: a turn by 180 degrees */
        for (size_t i = 0, j = (size_t)img.width * img.height - 1; i < j; i++, j--)
            for (int k = 0; k < 3; k++) {
                uint8_t t = img.rgb[3 * i + k];
                img.rgb[3 * i + k] = img.rgb[3 * j + k], img.rgb[3 * j + k] = t;
            }
    char err[512];
    const char *out = argv[optind];
    size_t n = strlen(out);
    int rc = 0;
    if (n > 4 && strcmp(out + n - 4, ".ppm") == 0) {
        FILE *f = fopen(out, "wb");
        rc = !f || fprintf(f, "P6\n%d %d\n255\n", img.width, img.height) < 0 ||
             fwrite(img.rgb, 3, (size_t)img.width * img.height, f) != (size_t)img.width * img.height;
        rc |= f && fclose(f) != 0;
        if (rc) snprintf(err, sizeof err, "%s: cannot write", out);
    } else {
        rc = image_write_png(out, &img, err, sizeof err);
    }
    if (rc) fprintf(stderr, "mkcard: %s\n", err);
    image_free(&img);
    free(text);
    return rc ? 1 : 0;
}
