/* forward: loads a library made by ocrslimc and runs its detector once on a
 * synthetic image, printing the time and a summary of the probability map.
 *
 *   forward ./libdet.so [--name det] [--height 640] [--width 640] [--threads 1]
 *
 * The library is opened with dlopen so one binary serves any model name; a
 * real application includes <name>.h and links lib<name>.so instead. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "detlib.h"

/* A page-like test card: dark strokes on a light background, normalised as
 * PaddleOCR does (x/255 - mean) / std. */
static void make_input(float *x, int h, int w) {
    static const float mean[3] = {0.485f, 0.456f, 0.406f}, std[3] = {0.229f, 0.224f, 0.225f};
    for (int c = 0; c < 3; c++)
        for (int y = 0; y < h; y++)
            for (int i = 0; i < w; i++) {
                int line = (y / 24) % 2 == 1 && (i / 9) % 7 != 0 && i > w / 10 && i < w - w / 8;
                float v = line && (i + y) % 5 < 3 ? 30.0f : 235.0f;
                x[((size_t)c * h + y) * w + i] = (v / 255.0f - mean[c]) / std[c];
            }
}

int main(int argc, char **argv) {
    const char *name = NULL;
    int h = 640, w = 640, threads = 1;
    static const struct option opts[] = {{"name", required_argument, 0, 'n'}, {"height", required_argument, 0, 'H'},
                                         {"width", required_argument, 0, 'W'}, {"threads", required_argument, 0, 't'},
                                         {"help", no_argument, 0, 'h'},        {0, 0, 0, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'n': name = optarg; break;
        case 'H': h = atoi(optarg); break;
        case 'W': w = atoi(optarg); break;
        case 't': threads = atoi(optarg); break;
        case 'h':
            printf("usage: forward LIB.so [--name NAME] [--height H] [--width W] [--threads N]\n");
            return 0;
        default: return 2;
        }
    }
    if (optind != argc - 1) {
        fprintf(stderr, "usage: forward LIB.so [--name NAME] [--height H] [--width W] [--threads N]\n");
        return 2;
    }
    const char *path = argv[optind];
    if (h <= 0 || w <= 0 || (size_t)h * (size_t)w > (size_t)4096 * 4096) {
        fprintf(stderr, "forward: bad size %dx%d\n", h, w);
        return 2;
    }
    detlib d;
    char err[512];
    if (detlib_open(&d, path, name, threads, err, sizeof err)) {
        fprintf(stderr, "forward: %s\n", err);
        return 1;
    }
    float *in = malloc(sizeof(float) * 3 * (size_t)h * w), *out = malloc(sizeof(float) * (size_t)h * w);
    if (!in || !out) {
        fprintf(stderr, "forward: out of memory\n");
        return 1;
    }
    make_input(in, h, w);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int st = d.forward(d.ctx, in, h, w, out);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (st) {
        fprintf(stderr, "forward: %s\n", d.strerror(st));
        return 1;
    }
    double lo = out[0], hi = out[0], sum = 0;
    size_t text = 0, n = (size_t)h * w;
    for (size_t i = 0; i < n; i++) {
        lo = out[i] < lo ? out[i] : lo;
        hi = out[i] > hi ? out[i] : hi;
        sum += out[i];
        text += out[i] > 0.3f;
    }
    printf("%s: %dx%d input, %d thread(s): %.1f ms\n", path, h, w, threads,
           (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6);
    printf("probability map: min %.4f max %.4f mean %.4f, %.1f%% of pixels above 0.3 (text)\n", lo, hi, sum / n,
           100.0 * text / n);
    detlib_close(&d);
    free(in);
    free(out);
    return 0;
}
