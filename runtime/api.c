/* The public API of a generated model library: context, workspace and the
 * call into the compiled code. Compiled once per model by ocrs_codegen with
 * -DOCRS_PREFIX=<name> -fvisibility=hidden; only the functions marked
 * OCRS_API are exported, so models with different names never clash. */
#include <stdint.h>
#include <stdlib.h>

#include "ocrs_model.h"
#include "pool.h"

#ifndef OCRS_PREFIX
#error "compile with -DOCRS_PREFIX=<model name>"
#endif

#define OCRS_API __attribute__((visibility("default")))

typedef struct OCRS_SYM(_ctx) ocrs_ctx;

extern OCRS_HIDDEN const int64_t OCRS_SYM(__model)[];
/* runtime/detect.c: options and buffers of <name>_detect, NULL until used. */
struct ocrs_detect_state;
OCRS_HIDDEN void ocrs_detect_state_free(struct ocrs_detect_state *s);

OCRS_API int OCRS_SYM(_create)(ocrs_ctx **ctx_out, int num_threads);
OCRS_API void OCRS_SYM(_destroy)(ocrs_ctx *ctx);
OCRS_API int OCRS_SYM(_forward)(ocrs_ctx *ctx, const float *input, int height, int width, float *output);
OCRS_API const char *OCRS_SYM(_strerror)(int status);
OCRS_API size_t OCRS_SYM(_workspace_size)(int height, int width);

#define MODEL OCRS_SYM(__model)

struct OCRS_SYM(_ctx) {
    ocrs_pool *pool;
    void *workspace;
    size_t workspace_size;
    size_t *slot_offset; /* nslots + 1: byte offsets for the current height, width */
    float **bufs;        /* nbufs */
    struct ocrs_detect_state *detect;
};

OCRS_HIDDEN struct ocrs_detect_state **OCRS_SYM(__detect_state)(ocrs_ctx *ctx) { return &ctx->detect; }

static int valid_extent(int n) { return n >= OCRS_MIN_EXTENT && n <= OCRS_MAX_EXTENT && n % OCRS_ALIGN == 0; }

static int64_t dim_eval(const int64_t *d, int64_t height, int64_t width) {
    int64_t s = d[2] == 1 ? height : d[2] == 2 ? width : 0;
    return d[0] * (s / OCRS_ALIGN) + d[1];
}

static size_t buf_bytes(int64_t b, int64_t height, int64_t width) {
    const int64_t *e = &MODEL[OCRS_MODEL_HEADER + b * OCRS_MODEL_BUF];
    size_t n = sizeof(float);
    for (int64_t i = 0; i < e[OCRS_BUF_RANK]; i++) n *= (size_t)dim_eval(&e[OCRS_BUF_DIMS + 3 * i], height, width);
    return (n + OCRS_BUF_ALIGN - 1) / OCRS_BUF_ALIGN * OCRS_BUF_ALIGN;
}

/* Fills offset[0..nslots] (offset[nslots] = total) for this height, width;
 * each slot is as large as the largest buffer placed in it. */
static size_t layout(size_t *offset, int64_t height, int64_t width) {
    int64_t nslots = MODEL[OCRS_MODEL_NSLOTS], nbufs = MODEL[OCRS_MODEL_NBUFS];
    for (int64_t s = 0; s <= nslots; s++) offset[s] = 0;
    for (int64_t b = 0; b < nbufs; b++) {
        int64_t s = MODEL[OCRS_MODEL_HEADER + b * OCRS_MODEL_BUF + OCRS_BUF_SLOT];
        size_t n = buf_bytes(b, height, width);
        if (s >= 0 && offset[s + 1] < n) offset[s + 1] = n;
    }
    for (int64_t s = 0; s < nslots; s++) offset[s + 1] += offset[s];
    return offset[nslots];
}

OCRS_API size_t OCRS_SYM(_workspace_size)(int height, int width) {
    if (!valid_extent(height) || !valid_extent(width)) return 0;
    size_t offset[MODEL[OCRS_MODEL_NSLOTS] + 1];
    return layout(offset, height, width);
}

OCRS_API int OCRS_SYM(_create)(ocrs_ctx **ctx_out, int num_threads) {
    if (!ctx_out) return OCRS_RT_ERR_NULL;
    *ctx_out = NULL;
    if (num_threads < 1 || num_threads > OCRS_MAX_THREADS) return OCRS_RT_ERR_THREADS;
    ocrs_ctx *ctx = calloc(1, sizeof *ctx);
    if (!ctx) return OCRS_RT_ERR_NOMEM;
    ctx->slot_offset = calloc((size_t)MODEL[OCRS_MODEL_NSLOTS] + 1, sizeof(size_t));
    ctx->bufs = calloc((size_t)MODEL[OCRS_MODEL_NBUFS], sizeof(float *));
    if (!ctx->slot_offset || !ctx->bufs || OCRS_SYM(_pool_create)(&ctx->pool, num_threads)) {
        OCRS_SYM(_destroy)(ctx);
        return OCRS_RT_ERR_NOMEM;
    }
    *ctx_out = ctx;
    return OCRS_RT_OK;
}

OCRS_API void OCRS_SYM(_destroy)(ocrs_ctx *ctx) {
    if (!ctx) return;
    ocrs_detect_state_free(ctx->detect);
    OCRS_SYM(_pool_destroy)(ctx->pool);
    free(ctx->workspace);
    free(ctx->slot_offset);
    free(ctx->bufs);
    free(ctx);
}

OCRS_API int OCRS_SYM(_forward)(ocrs_ctx *ctx, const float *input, int height, int width, float *output) {
    if (!ctx || !input || !output) return OCRS_RT_ERR_NULL;
    if (!valid_extent(height) || !valid_extent(width)) return OCRS_RT_ERR_SIZE;
    size_t need = layout(ctx->slot_offset, height, width);
    if (need > ctx->workspace_size) {
        /* Grows only: a context that ran a large image keeps its workspace. */
        void *ws = aligned_alloc(OCRS_BUF_ALIGN, need);
        if (!ws) return OCRS_RT_ERR_NOMEM;
        free(ctx->workspace);
        ctx->workspace = ws;
        ctx->workspace_size = need;
    }
    int64_t nbufs = MODEL[OCRS_MODEL_NBUFS];
    /* The compiled code never writes buffer 0, so dropping const is safe. */
    ctx->bufs[0] = (float *)input;
    ctx->bufs[1] = output;
    for (int64_t b = 2; b < nbufs; b++) {
        int64_t s = MODEL[OCRS_MODEL_HEADER + b * OCRS_MODEL_BUF + OCRS_BUF_SLOT];
        ctx->bufs[b] = (float *)((char *)ctx->workspace + ctx->slot_offset[s]);
    }
    OCRS_SYM(_pool_run)(ctx->pool, ctx->bufs, height, width);
    return OCRS_RT_OK;
}

OCRS_API const char *OCRS_SYM(_strerror)(int status) {
    static const char *const msg[OCRS_RT_NSTATUS] = {
        [OCRS_RT_OK] = "success",
        [OCRS_RT_ERR_NULL] = "a required pointer argument is NULL",
        [OCRS_RT_ERR_SIZE] = "height and width must be multiples of 32 in [32, 4096]",
        [OCRS_RT_ERR_THREADS] = "num_threads must be in [1, 1024]",
        [OCRS_RT_ERR_NOMEM] = "out of memory",
        [OCRS_RT_ERR_ARG] = "an argument is out of range (image size, stride, box count or detection option)",
        [OCRS_RT_ERR_MODEL] = "the model is not a DB text detector (input 1x3xHxW, output NxCxHxW)",
    };
    return status >= 0 && status < OCRS_RT_NSTATUS ? msg[status] : "unknown status";
}
