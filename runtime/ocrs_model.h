/* The contract between the code ocrslim generates for a model and the
 * runtime compiled next to it (runtime/api.c). Both sides include this file:
 * codegen/module.c emits the table below, api.c reads it.
 *
 * The runtime is compiled once per model with -DOCRS_PREFIX=<name>; the
 * generated object defines two hidden symbols:
 *
 *   void <name>__run(float *const *bufs, int64_t height, int64_t width,
 *                    int64_t tid, int64_t nthreads, void *pool);
 *       Computes the model's share of thread tid of nthreads, calling
 *       <name>__barrier(pool) (runtime/pool.c) after every layer; all
 *       threads of the pool call it together. bufs[b] points at activation
 *       buffer b: bufs[0] is the input, bufs[1] the output, the others lie
 *       in the workspace. Buffers live at the same time never overlap.
 *
 *   const int64_t <name>__model[];
 *       OCRS_MODEL_HEADER entries, then OCRS_MODEL_BUF entries per buffer.
 *       A buffer's extent is the product of its dims, each an affine
 *       function p * (S / OCRS_ALIGN) + q of S = height, width, or of
 *       nothing (sym 0, extent q). Buffers with the same slot share memory;
 *       a slot is as large as its largest buffer at the given height, width.
 */
#ifndef OCRS_MODEL_H
#define OCRS_MODEL_H

#include <stdint.h>

/* Every runtime symbol carries the model's prefix. */
#define OCRS_CAT2(a, b) a##b
#define OCRS_CAT(a, b) OCRS_CAT2(a, b)
#define OCRS_SYM(s) OCRS_CAT(OCRS_PREFIX, s)
#define OCRS_HIDDEN __attribute__((visibility("hidden")))

enum {
    OCRS_MODEL_VERSION = 2,
    OCRS_ALIGN = 32,           /* height and width are multiples of this */
    OCRS_MIN_EXTENT = 32,
    OCRS_MAX_EXTENT = 4096,
    OCRS_MAX_THREADS = 1024,
    OCRS_BUF_ALIGN = 64,       /* bytes; every workspace slot starts on it */
};

/* Indices into the table. */
enum {
    OCRS_MODEL_VERSION_AT, /* OCRS_MODEL_VERSION */
    OCRS_MODEL_NBUFS,      /* buffers, including input (0) and output (1) */
    OCRS_MODEL_NSLOTS,     /* workspace slots */
    OCRS_MODEL_HEADER,
};
/* Per buffer, from OCRS_MODEL_HEADER + b * OCRS_MODEL_BUF: */
enum {
    OCRS_BUF_SLOT, /* workspace slot, -1 for the caller's input and output */
    OCRS_BUF_RANK,
    OCRS_BUF_DIMS, /* 4 x (p, q, sym); sym: 0 none, 1 height, 2 width */
    OCRS_MODEL_BUF = OCRS_BUF_DIMS + 4 * 3,
};

/* Status codes of the generated API; <NAME>_OK etc. in the header. */
enum {
    OCRS_RT_OK,
    OCRS_RT_ERR_NULL,    /* a required pointer argument is NULL */
    OCRS_RT_ERR_SIZE,    /* height or width not a multiple of 32 in [32, 4096] */
    OCRS_RT_ERR_THREADS, /* num_threads outside [1, OCRS_MAX_THREADS] */
    OCRS_RT_ERR_NOMEM,
    OCRS_RT_ERR_ARG,   /* detect: image size, stride, box count or option out of range */
    OCRS_RT_ERR_MODEL, /* detect: the model is not a DB detector */
    OCRS_RT_NSTATUS,
};

#endif
