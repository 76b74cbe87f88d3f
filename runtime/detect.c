/* The text-detection API of a generated library: image in, boxes out, with
 * PaddleOCR's DB inference pipeline around the compiled model (db_pre.c,
 * the model through <name>_forward, db_post.c). Options and buffers live in
 * the context (api.c keeps a pointer for us), so contexts stay independent
 * and buffers are reused from call to call. */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ocrs_detect.h"
#include "ocrs_model.h"

#define OCRS_CAT2(a, b) a##b
#define OCRS_CAT(a, b) OCRS_CAT2(a, b)
#define OCRS_SYM(s) OCRS_CAT(OCRS_PREFIX, s)
#define OCRS_API __attribute__((visibility("default")))

/* The header's <name>_box and <name>_detect_options have the layouts of
 * ocrs_box and ocrs_det_opts. */
typedef struct OCRS_SYM(_ctx) ocrs_ctx;

enum { MAX_SOURCE_SIDE = 1 << 16 }; /* keeps every size computation in int */

struct ocrs_detect_state {
    ocrs_det_opts opts;
    float *input, *prob; /* 3 x H x W model input, C x H x W output */
    size_t cap_input, cap_prob;
    void *pre;
    size_t cap_pre;
    ocrs_db_post post;
    double ms[3]; /* pre, model, post of the last call */
};

extern const int64_t OCRS_SYM(__model)[];
struct ocrs_detect_state **OCRS_SYM(__detect_state)(ocrs_ctx *ctx);
int OCRS_SYM(_forward)(ocrs_ctx *ctx, const float *input, int height, int width, float *output);

void ocrs_detect_state_free(struct ocrs_detect_state *s) {
    if (!s) return;
    free(s->input);
    free(s->prob);
    free(s->pre);
    ocrs_db_post_free(&s->post);
    free(s);
}

static struct ocrs_detect_state *state(ocrs_ctx *ctx) {
    struct ocrs_detect_state **s = OCRS_SYM(__detect_state)(ctx);
    if (!*s && (*s = calloc(1, sizeof **s))) ocrs_det_opts_default(&(*s)->opts);
    return *s;
}

static int grow(void **p, size_t *cap, size_t need) {
    if (need <= *cap) return 0;
    void *q = malloc(need);
    if (!q) return -1;
    free(*p);
    *p = q;
    *cap = need;
    return 0;
}

/* Extent of dim i of buffer b at this size (see ocrs_model.h). */
static int64_t dim(int64_t b, int i, int64_t height, int64_t width) {
    const int64_t *d = &OCRS_SYM(__model)[OCRS_MODEL_HEADER + b * OCRS_MODEL_BUF + OCRS_BUF_DIMS + 3 * i];
    int64_t s = d[2] == 1 ? height : d[2] == 2 ? width : 0;
    return d[0] * (s / OCRS_ALIGN) + d[1];
}

/* A DB detector reads 1x3xHxW and writes NxCxHxW; the map is channel 0. */
static int is_db(int64_t h, int64_t w, int64_t *out_numel) {
    const int64_t *t = OCRS_SYM(__model);
    const int64_t *in = &t[OCRS_MODEL_HEADER], *out = &t[OCRS_MODEL_HEADER + OCRS_MODEL_BUF];
    if (in[OCRS_BUF_RANK] != 4 || out[OCRS_BUF_RANK] != 4) return 0;
    if (dim(0, 1, h, w) != 3 || dim(1, 2, h, w) != h || dim(1, 3, h, w) != w) return 0;
    *out_numel = dim(1, 0, h, w) * dim(1, 1, h, w) * h * w;
    return *out_numel > 0;
}

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

OCRS_API int OCRS_SYM(_get_detect_options)(const ocrs_ctx *ctx, ocrs_det_opts *opts) {
    if (!ctx || !opts) return OCRS_RT_ERR_NULL;
    struct ocrs_detect_state *s = state((ocrs_ctx *)ctx);
    if (!s) return OCRS_RT_ERR_NOMEM;
    *opts = s->opts;
    return OCRS_RT_OK;
}

OCRS_API int OCRS_SYM(_set_detect_options)(ocrs_ctx *ctx, const ocrs_det_opts *opts) {
    if (!ctx || !opts) return OCRS_RT_ERR_NULL;
    if (ocrs_det_opts_check(opts)) return OCRS_RT_ERR_ARG;
    struct ocrs_detect_state *s = state(ctx);
    if (!s) return OCRS_RT_ERR_NOMEM;
    s->opts = *opts;
    return OCRS_RT_OK;
}

OCRS_API int OCRS_SYM(_detect_times)(const ocrs_ctx *ctx, double *pre_ms, double *model_ms, double *post_ms) {
    if (!ctx || !pre_ms || !model_ms || !post_ms) return OCRS_RT_ERR_NULL;
    struct ocrs_detect_state *s = state((ocrs_ctx *)ctx);
    if (!s) return OCRS_RT_ERR_NOMEM;
    *pre_ms = s->ms[0], *model_ms = s->ms[1], *post_ms = s->ms[2];
    return OCRS_RT_OK;
}

OCRS_API int OCRS_SYM(_detect)(ocrs_ctx *ctx, const uint8_t *rgb, int width, int height, int stride, ocrs_box *boxes,
                               int max_boxes, int *num_boxes_out) {
    if (!ctx || !rgb || !num_boxes_out || (!boxes && max_boxes > 0)) return OCRS_RT_ERR_NULL;
    *num_boxes_out = 0;
    if (width < 1 || height < 1 || width > MAX_SOURCE_SIDE || height > MAX_SOURCE_SIDE || stride < 3 * width ||
        max_boxes < 0)
        return OCRS_RT_ERR_ARG;
    struct ocrs_detect_state *s = state(ctx);
    if (!s) return OCRS_RT_ERR_NOMEM;
    int in_w, in_h;
    ocrs_det_input_size(width, height, &s->opts, &in_w, &in_h);
    if (in_w > OCRS_MAX_EXTENT || in_h > OCRS_MAX_EXTENT) return OCRS_RT_ERR_SIZE;
    int64_t out_numel;
    if (!is_db(in_h, in_w, &out_numel)) return OCRS_RT_ERR_MODEL;
    size_t plane = (size_t)in_w * in_h;
    if (grow((void **)&s->input, &s->cap_input, 3 * plane * sizeof(float)) ||
        grow((void **)&s->prob, &s->cap_prob, (size_t)out_numel * sizeof(float)) ||
        grow(&s->pre, &s->cap_pre, ocrs_det_pre_scratch(in_w)))
        return OCRS_RT_ERR_NOMEM;
    double t0 = now_ms();
    ocrs_det_preprocess(rgb, width, height, stride, in_w, in_h, s->input, s->pre);
    double t1 = now_ms();
    int st = OCRS_SYM(_forward)(ctx, s->input, in_h, in_w, s->prob);
    if (st) return st;
    double t2 = now_ms();
    if (ocrs_db_postprocess(s->prob, in_h, in_w, width, height, &s->opts, &s->post, boxes, max_boxes, num_boxes_out))
        return OCRS_RT_ERR_NOMEM;
    s->ms[0] = t1 - t0, s->ms[1] = t2 - t1, s->ms[2] = now_ms() - t2;
    return OCRS_RT_OK;
}
