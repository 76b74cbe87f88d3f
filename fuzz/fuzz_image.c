/* fuzz_image: bytes -> the examples' PNG and JPEG readers (image_decode,
 * measure/image.c; libpng and libjpeg underneath, not instrumented).
 *
 * The limits are the defaults' shape at a smaller scale, so that an input
 * declaring a huge image meets them (as a decompression bomb would) while
 * the images that pass stay quick to decode. Beyond crashes, sanitizer
 * reports and leaks: a decoded image respects the limits and every pixel
 * byte is readable. */
#include <stdio.h>

#include "fuzz.h"
#include "image.h"

static const image_limits limits = {
    .max_file_bytes = 1 << 20,
    .max_pixels = 1 << 22,
    .max_side = 8192,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    image img;
    char err[512];
    if (image_decode("input", data, size, &limits, &img, err, sizeof err)) return 0;
    if (img.width < 1 || img.height < 1 || img.width > limits.max_side || img.height > limits.max_side ||
        (long long)img.width * img.height > limits.max_pixels) {
        char d[64];
        snprintf(d, sizeof d, "%dx%d", img.width, img.height);
        fuzz_fail("a decoded image exceeds the limits", d);
    }
    /* Reads every byte, so a short pixel buffer shows up under ASan. */
    volatile unsigned sum = 0;
    for (size_t i = 0; i < (size_t)img.width * img.height * 3; i++) sum += img.rgb[i];
    image_free(&img);
    return 0;
}
