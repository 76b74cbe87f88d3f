/* Loads a model library made by ocrslimc with dlopen and runs its generic
 * API (<name>_shapes, <name>_run) on one input, for the measurements of
 * models other than detectors (a recognizer's line accuracy). */
#ifndef OCRS_MEASURE_MODELLIB_H
#define OCRS_MEASURE_MODELLIB_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    void *lib, *ctx;
    int (*create)(void **ctx_out, int num_threads);
    void (*destroy)(void *ctx);
    const char *(*strerror)(int status);
    int (*shapes)(const int64_t *input_dims, int64_t *output_dims, size_t *workspace_bytes);
    int (*run)(void *ctx, const int64_t *input_dims, const float *const *inputs, float *const *outputs);
    float *out; /* the last run's output */
    size_t cap;
} modellib;

/* Opens path (symbol prefix name, or from libNAME.so when NULL) and creates
 * a context; 0, or -1 with a message in err. */
int modellib_open(modellib *m, const char *path, const char *name, int threads, char *err, size_t errlen);
/* Runs a model of one input and one output of rank out_rank: the output
 * into m->out, its dims into out_dims; 0 or -1 with a message. */
int modellib_run(modellib *m, const int64_t *in_dims, const float *in, int out_rank, int64_t *out_dims, char *err,
                 size_t errlen);
void modellib_close(modellib *m);

#endif
