/* The text-detection API of a generated library: image in, boxes out, with
 * PaddleOCR's DB inference pipeline around the compiled model (db_pre.c,
 * the model through <name>_forward, db_post.c). Options and buffers live in
 * the context (core/api.c keeps the task's state for us), so contexts stay
 * independent and buffers are reused from call to call. ocrslimc compiles
 * this part only into libraries of a DB detector: one input [N, 3, H, W],
 * one output whose last two dims are H and W. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ocrs_detect.h"
#include "ocrs_model.h"

/* The header's <name>_box and <name>_detect_options have the layouts of
 * ocrs_box and ocrs_det_opts. */
typedef struct OCRS_SYM(_ctx) ocrs_ctx;

enum { MAX_SOURCE_SIDE = 1 << 16 }; /* keeps every size computation in int */

typedef struct {
    ocrs_det_opts opts;
    float *input, *prob; /* 3 x H x W model input, C x H x W output */
    size_t cap_input, cap_prob;
    void *pre;
    size_t cap_pre;
    ocrs_db_post post;
    double ms[3]; /* pre, model, post of the last call */
} detect_state;

OCRS_HIDDEN ocrs_task *OCRS_SYM(__task)(ocrs_ctx *ctx);
int OCRS_SYM(_forward)(ocrs_ctx *ctx, const float *input, int height, int width, float *output);
int OCRS_SYM(_shapes)(const int64_t *input_dims, int64_t *output_dims, size_t *workspace_bytes);

static void state_free(void *p) {
    detect_state *s = p;
    free(s->input);
    free(s->prob);
    free(s->pre);
    ocrs_db_post_free(&s->post);
    free(s);
}

static detect_state *state(ocrs_ctx *ctx) {
    ocrs_task *t = OCRS_SYM(__task)(ctx);
    if (!t->state && (t->state = calloc(1, sizeof(detect_state)))) {
        t->free = state_free;
        ocrs_det_opts_default(&((detect_state *)t->state)->opts);
    }
    return t->state;
}

/* The output's element count for a 1x3xHxW input, checking that it is a
 * map of the input's size (channel 0 is read); an error code if the size
 * does not fit the model. */
static int output_numel(int64_t h, int64_t w, int64_t *numel) {
    int64_t in[4] = {1, 3, h, w}, out[4];
    size_t ws;
    int st = OCRS_SYM(_shapes)(in, out, &ws);
    if (st) return st;
    if (out[2] != h || out[3] != w) return OCRS_RT_ERR_MODEL;
    *numel = out[0] * out[1] * h * w;
    return OCRS_RT_OK;
}

OCRS_API int OCRS_SYM(_get_detect_options)(const ocrs_ctx *ctx, ocrs_det_opts *opts) {
    if (!ctx || !opts) return OCRS_RT_ERR_NULL;
    detect_state *s = state((ocrs_ctx *)ctx);
    if (!s) return OCRS_RT_ERR_NOMEM;
    *opts = s->opts;
    return OCRS_RT_OK;
}

OCRS_API int OCRS_SYM(_set_detect_options)(ocrs_ctx *ctx, const ocrs_det_opts *opts) {
    if (!ctx || !opts) return OCRS_RT_ERR_NULL;
    if (ocrs_det_opts_check(opts)) return OCRS_RT_ERR_ARG;
    detect_state *s = state(ctx);
    if (!s) return OCRS_RT_ERR_NOMEM;
    s->opts = *opts;
    return OCRS_RT_OK;
}

OCRS_API int OCRS_SYM(_detect_times)(const ocrs_ctx *ctx, double *pre_ms, double *model_ms, double *post_ms) {
    if (!ctx || !pre_ms || !model_ms || !post_ms) return OCRS_RT_ERR_NULL;
    detect_state *s = state((ocrs_ctx *)ctx);
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
    detect_state *s = state(ctx);
    if (!s) return OCRS_RT_ERR_NOMEM;
    int in_w, in_h;
    ocrs_det_input_size(width, height, &s->opts, &in_w, &in_h);
    int64_t out_numel;
    int st = output_numel(in_h, in_w, &out_numel);
    if (st) return st;
    size_t plane = (size_t)in_w * in_h;
    if (ocrs_grow((void **)&s->input, &s->cap_input, 3 * plane * sizeof(float)) ||
        ocrs_grow((void **)&s->prob, &s->cap_prob, (size_t)out_numel * sizeof(float)) ||
        ocrs_grow(&s->pre, &s->cap_pre, ocrs_det_pre_scratch(in_w)))
        return OCRS_RT_ERR_NOMEM;
    double t0 = ocrs_now_ms();
    ocrs_det_preprocess(rgb, width, height, stride, in_w, in_h, s->input, s->pre);
    double t1 = ocrs_now_ms();
    st = OCRS_SYM(_forward)(ctx, s->input, in_h, in_w, s->prob);
    if (st) return st;
    double t2 = ocrs_now_ms();
    if (ocrs_db_postprocess(s->prob, in_h, in_w, width, height, &s->opts, &s->post, boxes, max_boxes, num_boxes_out))
        return OCRS_RT_ERR_NOMEM;
    s->ms[0] = t1 - t0, s->ms[1] = t2 - t1, s->ms[2] = ocrs_now_ms() - t2;
    return OCRS_RT_OK;
}
