/* The contract between the code ocrslim generates for a model and the
 * runtime compiled next to it (runtime/core/api.c). Both sides include this
 * file: codegen/module.c emits the table below, api.c reads it.
 *
 * The runtime is compiled once per model with -DOCRS_PREFIX=<name>; the
 * generated object defines two hidden symbols:
 *
 *   void <name>__run(float *const *bufs, const int64_t *units, int64_t tid,
 *                    int64_t nthreads, void *pool);
 *       Computes the model's share of thread tid of nthreads, calling
 *       <name>__barrier(pool) (core/pool.c) after every layer; all threads
 *       of the pool call it together. bufs[b] points at buffer b: the
 *       inputs, then the outputs (the caller's memory), then the others in
 *       the workspace; buffers live at the same time never overlap. units[s]
 *       is symbol s in units of its alignment (ocrs_dims.h).
 *
 *   const int64_t <name>__model[];
 *       The model's symbols, inputs, outputs and buffers (layout below).
 *       A buffer's extents are polynomials in the symbols' units
 *       (ocrs_dims.h); buffers with the same slot share memory, and a slot
 *       is as large as its largest buffer for the given symbols.
 */
#ifndef OCRS_MODEL_H
#define OCRS_MODEL_H

#include <stdint.h>

#include "ocrs_dims.h"

/* Every runtime symbol carries the model's prefix. */
#define OCRS_CAT2(a, b) a##b
#define OCRS_CAT(a, b) OCRS_CAT2(a, b)
#define OCRS_SYM(s) OCRS_CAT(OCRS_PREFIX, s)
#define OCRS_HIDDEN __attribute__((visibility("hidden")))
/* A model's API is the library's, unless the model is part of an OCR
 * system library (-DOCRS_SYSTEM_PART): the system's API is then the only
 * one exported, and it calls the model's hidden functions. */
#ifdef OCRS_SYSTEM_PART
#define OCRS_API OCRS_HIDDEN
#else
#define OCRS_API __attribute__((visibility("default")))
#endif

enum {
    OCRS_MODEL_VERSION = 4,
    OCRS_MAX_RANK = 6,
    OCRS_MAX_THREADS = 1024,
    OCRS_BUF_ALIGN = 64, /* bytes; every workspace slot starts on it */
};

/* The table: a header, then per symbol OCRS_SYM_WORDS words, then the
 * buffer index of every input and output, then per buffer OCRS_BUF_WORDS
 * words. */
enum {
    OCRS_MODEL_VERSION_AT, /* OCRS_MODEL_VERSION */
    OCRS_MODEL_NSYMS,
    OCRS_MODEL_NINPUTS,
    OCRS_MODEL_NOUTPUTS,
    OCRS_MODEL_NBUFS, /* inputs (first), outputs, then the workspace's */
    OCRS_MODEL_NSLOTS,
    /* A model with one rank-4 input [N or 1, C, H, W] has the image API
     * (<name>_forward(ctx, input, height, width, output)): the symbols of its
     * N (-1 when it is 1), H and W; -1 for other models. */
    OCRS_MODEL_IMAGE_N,
    OCRS_MODEL_IMAGE_H,
    OCRS_MODEL_IMAGE_W,
    OCRS_MODEL_HEADER,
};
/* A derived symbol (BASE >= 0) is no input's extent: its units are
 * ocrs_sym_derive(BCOEF, units[BASE], BADD, BDIV), BASE an earlier symbol. */
enum { OCRS_SYM_ALIGN, OCRS_SYM_MIN, OCRS_SYM_MAX, OCRS_SYM_BASE, OCRS_SYM_BCOEF, OCRS_SYM_BADD, OCRS_SYM_BDIV,
       OCRS_SYM_WORDS };
enum {
    OCRS_BUF_SLOT,  /* workspace slot, -1 for the caller's inputs and outputs */
    OCRS_BUF_ELEM,  /* bytes per element */
    OCRS_BUF_RANK,
    OCRS_BUF_DIMS,  /* OCRS_MAX_RANK extents of OCRS_DIM_WORDS words */
    OCRS_BUF_WORDS = OCRS_BUF_DIMS + OCRS_MAX_RANK * OCRS_DIM_WORDS,
};

static inline const int64_t *ocrs_model_sym(const int64_t *t, int64_t s) {
    return &t[OCRS_MODEL_HEADER + s * OCRS_SYM_WORDS];
}
/* Buffer index of input i (i < NINPUTS) or output i - NINPUTS. */
static inline int64_t ocrs_model_io(const int64_t *t, int64_t i) {
    return t[OCRS_MODEL_HEADER + t[OCRS_MODEL_NSYMS] * OCRS_SYM_WORDS + i];
}
static inline const int64_t *ocrs_model_buf(const int64_t *t, int64_t b) {
    int64_t io = t[OCRS_MODEL_NINPUTS] + t[OCRS_MODEL_NOUTPUTS];
    return &t[OCRS_MODEL_HEADER + t[OCRS_MODEL_NSYMS] * OCRS_SYM_WORDS + io + b * OCRS_BUF_WORDS];
}

/* What a task's part of the runtime (runtime/det/ for text detection, ...)
 * keeps in a context: its state, made on first use, and how to free it.
 * <name>__task(ctx) gives it (core/api.c). */
typedef struct {
    void *state;
    void (*free)(void *state);
} ocrs_task;

/* Status codes of the generated API (<NAME>_OK etc. in the header, and
 * <name>_strerror): one table, runtime/core/status.def. */
enum {
#define OCRS_STATUS(id, doc) OCRS_RT_##id,
#include "status.def"
#undef OCRS_STATUS
    OCRS_RT_NSTATUS,
};

#endif
