/* Loads a library made by ocrslimc with dlopen and runs its text detector,
 * for ocrslimc's measurements, the example programs and the tests (one
 * binary serves any model name; a real application includes <name>.h and
 * links lib<name>.so instead). */
#ifndef OCRS_MEASURE_DETLIB_H
#define OCRS_MEASURE_DETLIB_H

#include <stddef.h>
#include <stdint.h>

#include "image.h"

/* Layouts of <name>_box and <name>_detect_options in the generated header. */
typedef struct {
    float x[4], y[4];
    float score;
} det_box_t;

typedef struct {
    float thresh, box_thresh, unclip_ratio;
    int limit_side_len, limit_type, max_candidates;
} det_options_t;

typedef struct {
    void *lib, *ctx;
    int (*create)(void **ctx_out, int num_threads);
    void (*destroy)(void *ctx);
    const char *(*strerror)(int status);
    int (*forward)(void *ctx, const float *input, int height, int width, float *output);
    int (*detect)(void *ctx, const uint8_t *rgb, int width, int height, int stride, det_box_t *boxes, int max_boxes,
                  int *num_boxes_out);
    int (*times)(const void *ctx, double *pre_ms, double *model_ms, double *post_ms);
    int (*get_options)(const void *ctx, det_options_t *opts);
    int (*set_options)(void *ctx, const det_options_t *opts);
    det_box_t *boxes; /* the last run's boxes */
    int nboxes, cap;
} detlib;

/* Opens path (symbol prefix name, or derived from libNAME.so when NULL)
 * and creates a context; 0, or -1 with a message in err. */
int detlib_open(detlib *d, const char *path, const char *name, int threads, char *err, size_t errlen);
/* Detects text in img into d->boxes, d->nboxes; 0 or -1 with a message. */
int detlib_run(detlib *d, const image *img, char *err, size_t errlen);
void detlib_close(detlib *d);

#endif
