/* The thread pool of a generated library: num_threads - 1 workers plus the
 * calling thread all run a model's __run on the same buffers; the compiled
 * code splits each layer statically by thread index and calls
 * <pool>__barrier between layers.
 *
 * Its symbols carry OCRS_POOL_PREFIX, the model's own prefix unless the
 * model is part of an OCR system library: there the system's runtime
 * compiles this part once, and its models share that pool. */
#ifndef OCRS_POOL_H
#define OCRS_POOL_H

#include <stdint.h>

#include "ocrs_model.h"

#ifndef OCRS_POOL_PREFIX
#define OCRS_POOL_PREFIX OCRS_PREFIX
#endif
#define OCRS_POOL_SYM(s) OCRS_CAT(OCRS_POOL_PREFIX, s)

typedef struct OCRS_POOL_SYM(_pool) ocrs_pool;

/* 0 on success, else OCRS_RT_ERR_NOMEM (threads or memory unavailable). */
int OCRS_POOL_SYM(_pool_create)(ocrs_pool **pool_out, int num_threads);
void OCRS_POOL_SYM(_pool_destroy)(ocrs_pool *pool);
/* A model's compiled code (ocrs_model.h: <name>__run). */
typedef void ocrs_run_fn(float *const *bufs, const int64_t *units, int64_t tid, int64_t nthreads, void *pool);

/* Runs run on every thread; returns when all are done. */
void OCRS_POOL_SYM(_pool_run)(ocrs_pool *pool, ocrs_run_fn *run, float *const *bufs, const int64_t *units);

#endif
