/* The thread pool of a generated library: num_threads - 1 workers plus the
 * calling thread all run <name>__run on the same buffers; the compiled code
 * splits each layer statically by thread index and calls <name>__barrier
 * between layers. */
#ifndef OCRS_POOL_H
#define OCRS_POOL_H

#include <stdint.h>

#include "ocrs_model.h"

typedef struct OCRS_SYM(_pool) ocrs_pool;

/* 0 on success, else OCRS_RT_ERR_NOMEM (threads or memory unavailable). */
int OCRS_SYM(_pool_create)(ocrs_pool **pool_out, int num_threads);
void OCRS_SYM(_pool_destroy)(ocrs_pool *pool);
/* Runs the model on every thread; returns when all are done. */
void OCRS_SYM(_pool_run)(ocrs_pool *pool, float *const *bufs, int64_t height, int64_t width);

#endif
