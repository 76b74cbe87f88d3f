/* The public API of a generated model library: context, symbols, workspace
 * and the call into the compiled code. Compiled once per model by
 * ocrs_codegen with -DOCRS_PREFIX=<name> -fvisibility=hidden (and
 * -DOCRS_IMAGE_API for a model of one image input, which gets the
 * height-and-width calls too); only the functions marked OCRS_API are
 * exported, so models with different names never clash. In an OCR system
 * library, contexts run on the system's pool (<name>__create_in). */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "ocrs_model.h"
#include "pool.h"

#ifndef OCRS_PREFIX
#error "compile with -DOCRS_PREFIX=<model name>"
#endif

typedef struct OCRS_SYM(_ctx) ocrs_ctx;

extern OCRS_HIDDEN const int64_t OCRS_SYM(__model)[];
OCRS_HIDDEN ocrs_run_fn OCRS_SYM(__run);

OCRS_API int OCRS_SYM(_create)(ocrs_ctx **ctx_out, int num_threads);
OCRS_HIDDEN int OCRS_SYM(__create_in)(ocrs_ctx **ctx_out, ocrs_pool *pool);
OCRS_API void OCRS_SYM(_destroy)(ocrs_ctx *ctx);
OCRS_API const char *OCRS_SYM(_strerror)(int status);
OCRS_API int OCRS_SYM(_describe)(int *num_inputs_out, int *num_outputs_out, int *ranks_out);
OCRS_API int OCRS_SYM(_shapes)(const int64_t *input_dims, int64_t *output_dims, size_t *workspace_bytes);
OCRS_API int OCRS_SYM(_run)(ocrs_ctx *ctx, const int64_t *input_dims, const float *const *inputs,
                            float *const *outputs);

#define MODEL OCRS_SYM(__model)

struct OCRS_SYM(_ctx) {
    ocrs_pool *pool;
    bool owns_pool;
    void *workspace;
    size_t workspace_size;
    size_t *slot_offset; /* nslots + 1: byte offsets for the current symbols */
    float **bufs;        /* nbufs */
    ocrs_task task;
};

OCRS_HIDDEN ocrs_task *OCRS_SYM(__task)(ocrs_ctx *ctx) { return &ctx->task; }

/* The symbols' units for these input dims (every input's dims, in order):
 * each extent of an input is fixed, or one symbol, a multiple of its
 * alignment in its range, with the same value wherever it appears. */
static int solve(const int64_t *input_dims, int64_t *units) {
    int64_t nsyms = MODEL[OCRS_MODEL_NSYMS], value[OCRS_MAX_SYMS] = {0}, k = 0;
    for (int64_t i = 0; i < MODEL[OCRS_MODEL_NINPUTS]; i++) {
        const int64_t *b = ocrs_model_buf(MODEL, ocrs_model_io(MODEL, i));
        for (int64_t d = 0; d < b[OCRS_BUF_RANK]; d++) {
            const int64_t *w = &b[OCRS_BUF_DIMS + d * OCRS_DIM_WORDS];
            int64_t given = input_dims[k++];
            if (!w[1]) {
                if (given != w[0]) return OCRS_RT_ERR_SIZE;
                continue;
            }
            /* The compiler makes an input extent one symbol: align * u_s. */
            int s = __builtin_ctzll((uint64_t)w[2]) / 4;
            const int64_t *sym = ocrs_model_sym(MODEL, s);
            if (given < sym[OCRS_SYM_MIN] || given > sym[OCRS_SYM_MAX] || given % sym[OCRS_SYM_ALIGN] ||
                (value[s] && value[s] != given))
                return OCRS_RT_ERR_SIZE;
            value[s] = given;
        }
    }
    for (int64_t s = 0; s < nsyms; s++) {
        const int64_t *sym = ocrs_model_sym(MODEL, s);
        units[s] = sym[OCRS_SYM_BASE] < 0 ? value[s] / sym[OCRS_SYM_ALIGN]
                                          : ocrs_sym_derive(sym[OCRS_SYM_BCOEF], units[sym[OCRS_SYM_BASE]],
                                                            sym[OCRS_SYM_BADD], sym[OCRS_SYM_BDIV]);
    }
    return OCRS_RT_OK;
}

static size_t buf_bytes(int64_t b, const int64_t *units) {
    const int64_t *e = ocrs_model_buf(MODEL, b);
    size_t n = (size_t)e[OCRS_BUF_ELEM];
    for (int64_t i = 0; i < e[OCRS_BUF_RANK]; i++)
        n *= (size_t)ocrs_dim_eval(&e[OCRS_BUF_DIMS + i * OCRS_DIM_WORDS], units);
    return (n + OCRS_BUF_ALIGN - 1) / OCRS_BUF_ALIGN * OCRS_BUF_ALIGN;
}

/* Fills offset[0..nslots] (offset[nslots] = total) for these units; each
 * slot is as large as the largest buffer placed in it. */
static size_t layout(size_t *offset, const int64_t *units) {
    int64_t nslots = MODEL[OCRS_MODEL_NSLOTS], nbufs = MODEL[OCRS_MODEL_NBUFS];
    for (int64_t s = 0; s <= nslots; s++) offset[s] = 0;
    for (int64_t b = 0; b < nbufs; b++) {
        int64_t s = ocrs_model_buf(MODEL, b)[OCRS_BUF_SLOT];
        size_t n = buf_bytes(b, units);
        if (s >= 0 && offset[s + 1] < n) offset[s + 1] = n;
    }
    for (int64_t s = 0; s < nslots; s++) offset[s + 1] += offset[s];
    return offset[nslots];
}

OCRS_API int OCRS_SYM(_describe)(int *num_inputs_out, int *num_outputs_out, int *ranks_out) {
    if (!num_inputs_out || !num_outputs_out) return OCRS_RT_ERR_NULL;
    int64_t nio = MODEL[OCRS_MODEL_NINPUTS] + MODEL[OCRS_MODEL_NOUTPUTS];
    *num_inputs_out = (int)MODEL[OCRS_MODEL_NINPUTS];
    *num_outputs_out = (int)MODEL[OCRS_MODEL_NOUTPUTS];
    for (int64_t i = 0; ranks_out && i < nio; i++)
        ranks_out[i] = (int)ocrs_model_buf(MODEL, ocrs_model_io(MODEL, i))[OCRS_BUF_RANK];
    return OCRS_RT_OK;
}

OCRS_API int OCRS_SYM(_shapes)(const int64_t *input_dims, int64_t *output_dims, size_t *workspace_bytes) {
    if (!input_dims || !output_dims || !workspace_bytes) return OCRS_RT_ERR_NULL;
    int64_t units[OCRS_MAX_SYMS];
    int st = solve(input_dims, units);
    if (st) return st;
    int64_t k = 0, ni = MODEL[OCRS_MODEL_NINPUTS];
    for (int64_t o = 0; o < MODEL[OCRS_MODEL_NOUTPUTS]; o++) {
        const int64_t *b = ocrs_model_buf(MODEL, ocrs_model_io(MODEL, ni + o));
        for (int64_t d = 0; d < b[OCRS_BUF_RANK]; d++)
            output_dims[k++] = ocrs_dim_eval(&b[OCRS_BUF_DIMS + d * OCRS_DIM_WORDS], units);
    }
    size_t offset[MODEL[OCRS_MODEL_NSLOTS] + 1];
    *workspace_bytes = layout(offset, units);
    return OCRS_RT_OK;
}

/* A context computing on pool, which the caller keeps until after
 * <name>_destroy. */
int OCRS_SYM(__create_in)(ocrs_ctx **ctx_out, ocrs_pool *pool) {
    if (!ctx_out) return OCRS_RT_ERR_NULL;
    ocrs_ctx *ctx = *ctx_out = calloc(1, sizeof *ctx);
    if (!ctx) return OCRS_RT_ERR_NOMEM;
    ctx->pool = pool;
    ctx->slot_offset = calloc((size_t)MODEL[OCRS_MODEL_NSLOTS] + 1, sizeof(size_t));
    ctx->bufs = calloc((size_t)MODEL[OCRS_MODEL_NBUFS], sizeof(float *));
    if (ctx->slot_offset && ctx->bufs) return OCRS_RT_OK;
    OCRS_SYM(_destroy)(ctx);
    *ctx_out = NULL;
    return OCRS_RT_ERR_NOMEM;
}

OCRS_API int OCRS_SYM(_create)(ocrs_ctx **ctx_out, int num_threads) {
    if (!ctx_out) return OCRS_RT_ERR_NULL;
    *ctx_out = NULL;
    if (num_threads < 1 || num_threads > OCRS_MAX_THREADS) return OCRS_RT_ERR_THREADS;
    ocrs_pool *pool = NULL;
    int st = OCRS_POOL_SYM(_pool_create)(&pool, num_threads);
    if (!st) st = OCRS_SYM(__create_in)(ctx_out, pool);
    if (st) {
        OCRS_POOL_SYM(_pool_destroy)(pool);
        return st;
    }
    (*ctx_out)->owns_pool = true;
    return OCRS_RT_OK;
}

OCRS_API void OCRS_SYM(_destroy)(ocrs_ctx *ctx) {
    if (!ctx) return;
    if (ctx->task.state) ctx->task.free(ctx->task.state);
    if (ctx->owns_pool) OCRS_POOL_SYM(_pool_destroy)(ctx->pool);
    free(ctx->workspace);
    free(ctx->slot_offset);
    free(ctx->bufs);
    free(ctx);
}

OCRS_API int OCRS_SYM(_run)(ocrs_ctx *ctx, const int64_t *input_dims, const float *const *inputs,
                            float *const *outputs) {
    if (!ctx || !input_dims || !inputs || !outputs) return OCRS_RT_ERR_NULL;
    int64_t ni = MODEL[OCRS_MODEL_NINPUTS], no = MODEL[OCRS_MODEL_NOUTPUTS];
    for (int64_t i = 0; i < ni; i++)
        if (!inputs[i]) return OCRS_RT_ERR_NULL;
    for (int64_t o = 0; o < no; o++)
        if (!outputs[o]) return OCRS_RT_ERR_NULL;
    int64_t units[OCRS_MAX_SYMS];
    int st = solve(input_dims, units);
    if (st) return st;
    size_t need = layout(ctx->slot_offset, units);
    if (need > ctx->workspace_size) {
        /* Grows only: a context that ran a large input keeps its workspace. */
        void *ws = aligned_alloc(OCRS_BUF_ALIGN, need);
        if (!ws) return OCRS_RT_ERR_NOMEM;
        free(ctx->workspace);
        ctx->workspace = ws;
        ctx->workspace_size = need;
    }
    /* The compiled code never writes an input, so dropping const is safe. */
    for (int64_t i = 0; i < ni; i++) ctx->bufs[ocrs_model_io(MODEL, i)] = (float *)inputs[i];
    for (int64_t o = 0; o < no; o++) ctx->bufs[ocrs_model_io(MODEL, ni + o)] = outputs[o];
    for (int64_t b = 0; b < MODEL[OCRS_MODEL_NBUFS]; b++) {
        int64_t s = ocrs_model_buf(MODEL, b)[OCRS_BUF_SLOT];
        if (s >= 0) ctx->bufs[b] = (float *)((char *)ctx->workspace + ctx->slot_offset[s]);
    }
    OCRS_POOL_SYM(_pool_run)(ctx->pool, OCRS_SYM(__run), ctx->bufs, units);
    return OCRS_RT_OK;
}

OCRS_API const char *OCRS_SYM(_strerror)(int status) {
    static const char *const msg[OCRS_RT_NSTATUS] = {
#define OCRS_STATUS(id, doc) [OCRS_RT_##id] = doc,
#include "status.def"
#undef OCRS_STATUS
    };
    return status >= 0 && status < OCRS_RT_NSTATUS ? msg[status] : "unknown status";
}

#ifdef OCRS_IMAGE_API
/* ---- one image input [N or 1, C, H, W] and its height and width -------------------- */

OCRS_API int OCRS_SYM(_forward)(ocrs_ctx *ctx, const float *input, int height, int width, float *output);
OCRS_API size_t OCRS_SYM(_workspace_size)(int height, int width);

/* The input's dims for one image of height x width. */
static void image_dims(int64_t height, int64_t width, int64_t *dims) {
    const int64_t *b = ocrs_model_buf(MODEL, ocrs_model_io(MODEL, 0));
    dims[0] = 1;
    dims[1] = b[OCRS_BUF_DIMS + OCRS_DIM_WORDS];
    dims[2] = height;
    dims[3] = width;
}

OCRS_API int OCRS_SYM(_forward)(ocrs_ctx *ctx, const float *input, int height, int width, float *output) {
    if (!ctx || !input || !output) return OCRS_RT_ERR_NULL;
    int64_t dims[4];
    image_dims(height, width, dims);
    return OCRS_SYM(_run)(ctx, dims, &input, &output);
}

OCRS_API size_t OCRS_SYM(_workspace_size)(int height, int width) {
    int64_t dims[4], out[OCRS_MAX_RANK];
    size_t bytes;
    image_dims(height, width, dims);
    return OCRS_SYM(_shapes)(dims, out, &bytes) ? 0 : bytes;
}
#endif
