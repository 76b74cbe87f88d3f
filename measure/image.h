/* PNG and JPEG in and out for ocrslimc's measurements, the example
 * programs and the tests (libpng, libjpeg), with limits against
 * decompression bombs, and box drawing. Images are always
 * 8-bit RGB, converted as cv2.imread(IMREAD_COLOR) does: grey replicated,
 * alpha dropped, palettes expanded, 16-bit reduced to the high byte, CMYK
 * converted. */
#ifndef OCRS_MEASURE_IMAGE_H
#define OCRS_MEASURE_IMAGE_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    int width, height;
    uint8_t *rgb; /* height rows of 3 * width bytes */
} image;

typedef struct {
    size_t max_file_bytes; /* larger files are refused before decoding */
    long long max_pixels;  /* width * height */
    int max_side;
} image_limits;

/* 256 MiB files, 64 Mpixel (192 MiB decoded), sides up to 65536. */
extern const image_limits image_default_limits;

/* Loads a PNG or JPEG (by its first bytes). Returns 0, or -1 with a
 * message naming the file in err; a truncated or corrupt file is an error
 * (libjpeg's corrupt-data warnings included). */
int image_load(const char *path, const image_limits *lim, image *img, char *err, size_t errlen);
/* The same from the file's bytes in memory; path names it in messages. */
int image_decode(const char *path, const uint8_t *data, size_t size, const image_limits *lim, image *img, char *err,
                 size_t errlen);
/* Writes img as an 8-bit RGB PNG; 0 or -1 with a message. */
int image_write_png(const char *path, const image *img, char *err, size_t errlen);
void image_free(image *img);

/* Draws the closed polygon (n corners) with lines `thick` pixels wide. */
void image_draw_polygon(image *img, const float *x, const float *y, int n, int thick, const uint8_t color[3]);

#endif
