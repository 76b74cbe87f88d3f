/* Loads an OCR pipeline library made by ocrslimc (detector, optional
 * direction classifier and recognizer in one lib<name>.so) with dlopen,
 * for ocrslimc's measurements, the example programs and the tests: one
 * binary serves any model name; a real application includes <name>.h and
 * links lib<name>.so instead. */
#ifndef OCRS_MEASURE_OCRLIB_H
#define OCRS_MEASURE_OCRLIB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "detlib.h"
#include "image.h"

/* Layouts of <name>_options, _quad, _line and _stage_times in the
 * generated header. */
typedef struct {
    det_options_t det;
    float drop_score;
    int use_angle_cls;
    float cls_thresh;
    int cls_batch_num, rec_batch_num, rec_image_width;
} ocr_options_t;

typedef struct {
    float x[4], y[4];
} ocr_quad_t;

typedef struct {
    float x[4], y[4];
    const char *text; /* UTF-8 */
    float score;
} ocr_line_t;

typedef struct {
    double det_pre, det_model, det_post, crop, cls_pre, cls_model, cls_post, rec_pre, rec_model, rec_post, total;
} ocr_times_t;

typedef struct {
    void *lib, *ctx;
    int (*create)(void **ctx_out, int num_threads);
    void (*destroy)(void *ctx);
    const char *(*strerror)(int status);
    int (*get_options)(const void *ctx, ocr_options_t *opts);
    int (*set_options)(void *ctx, const ocr_options_t *opts);
    int (*ocr)(void *ctx, const uint8_t *rgb, int width, int height, int stride, const ocr_line_t **lines_out,
               int *num_lines_out);
    int (*recognize)(void *ctx, const uint8_t *rgb, int width, int height, int stride, const ocr_quad_t *quads,
                     int n, const ocr_line_t **lines_out);
    int (*times)(const void *ctx, ocr_times_t *times);
    const ocr_line_t *lines; /* the last call's lines, owned by the library */
    int nlines;
} ocrlib;

/* Whether path exports <name>_ocr (name derived from libNAME.so when
 * NULL): a pipeline rather than a detector library. */
bool ocrlib_is_pipeline(const char *path, const char *name);
/* Opens path and creates a context; 0, or -1 with a message in err. */
int ocrlib_open(ocrlib *o, const char *path, const char *name, int threads, char *err, size_t errlen);
/* Reads the text of img into o->lines, o->nlines; 0 or -1 with a message
 * (a line whose text is not valid UTF-8 included). */
int ocrlib_run(ocrlib *o, const image *img, char *err, size_t errlen);
/* Reads the text in n quadrilaterals of img: o->lines[i] is quads[i]'s;
 * 0 or -1 with a message, as ocrlib_run. */
int ocrlib_recognize(ocrlib *o, const image *img, const ocr_quad_t *quads, int n, char *err, size_t errlen);
void ocrlib_close(ocrlib *o);

#endif
