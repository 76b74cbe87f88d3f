/* mkcard: writes a PNG text card (card.h) for trying detect anywhere.
 *
 *   mkcard OUT.png [WIDTH HEIGHT] */
#include <stdio.h>
#include <stdlib.h>

#include "card.h"
#include "image.h"

int main(int argc, char **argv) {
    if (argc != 2 && argc != 4) {
        fprintf(stderr, "usage: mkcard OUT.png [WIDTH HEIGHT]\n");
        return 2;
    }
    image img = {argc == 4 ? atoi(argv[2]) : 640, argc == 4 ? atoi(argv[3]) : 360, NULL};
    if (img.width < 1 || img.height < 1 || img.width > 8192 || img.height > 8192) {
        fprintf(stderr, "mkcard: size must be in [1, 8192]\n");
        return 2;
    }
    img.rgb = malloc((size_t)img.width * img.height * 3);
    if (!img.rgb) return 1;
    int scale = img.width / 160 > 1 ? img.width / 160 : 1;
    card_render(img.rgb, img.width, img.height, "OCRSLIM DETECTS TEXT\nIN 2 LINES AND MORE\n\nPP OCRV4 DB 960", scale,
                2 * scale);
    char err[512];
    int rc = image_write_png(argv[1], &img, err, sizeof err);
    if (rc) fprintf(stderr, "mkcard: %s\n", err);
    image_free(&img);
    return rc ? 1 : 0;
}
