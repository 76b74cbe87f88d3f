/* The API of an OCR system library: PaddleOCR's TextSystem
 * (tools/infer/predict_system.py with predict_det/cls/rec.py) around the
 * library's detector <name>_det, classifier <name>_cls (when compiled in,
 * OCRS_SYS_HAS_CLS) and recognizer <name>_rec, whose hidden APIs this file
 * calls; they compute on the context's one pool. ocrslimc compiles this
 * part with the models' facts (OCRS_SYS_*, codegen/system.c) and the
 * dictionary (<name>__dict). */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ocrs_model.h"
#include "ocrs_ocr.h"
#include "pool.h"

#ifndef OCRS_SYS_REC_CLASSES
#error "compiled by ocrslimc for an OCR system: -DOCRS_SYS_REC_CLASSES=... (codegen/link.c)"
#endif

typedef struct OCRS_SYM(_ctx) ocrs_ctx;

/* The models' hidden APIs (core/api.c, det/detect.c). */
#define DET(s) OCRS_CAT(OCRS_CAT(OCRS_PREFIX, _det), s)
#define CLS(s) OCRS_CAT(OCRS_CAT(OCRS_PREFIX, _cls), s)
#define REC(s) OCRS_CAT(OCRS_CAT(OCRS_PREFIX, _rec), s)
typedef struct DET(_ctx) det_ctx;
typedef struct CLS(_ctx) cls_ctx;
typedef struct REC(_ctx) rec_ctx;
int DET(__create_in)(det_ctx **ctx_out, ocrs_pool *pool);
void DET(_destroy)(det_ctx *ctx);
int DET(_set_detect_options)(det_ctx *ctx, const ocrs_det_opts *opts);
int DET(_detect)(det_ctx *ctx, const uint8_t *rgb, int width, int height, int stride, ocrs_box *boxes, int max_boxes,
                 int *num_boxes_out);
int DET(_detect_times)(const det_ctx *ctx, double *pre_ms, double *model_ms, double *post_ms);
const char *DET(_strerror)(int status);
#if OCRS_SYS_HAS_CLS
int CLS(__create_in)(cls_ctx **ctx_out, ocrs_pool *pool);
void CLS(_destroy)(cls_ctx *ctx);
int CLS(_run)(cls_ctx *ctx, const int64_t *input_dims, const float *const *inputs, float *const *outputs);
#endif
int REC(__create_in)(rec_ctx **ctx_out, ocrs_pool *pool);
void REC(_destroy)(rec_ctx *ctx);
int REC(_run)(rec_ctx *ctx, const int64_t *input_dims, const float *const *inputs, float *const *outputs);
int REC(_shapes)(const int64_t *input_dims, int64_t *output_dims, size_t *workspace_bytes);

extern OCRS_HIDDEN const char OCRS_SYM(__dict)[];
extern OCRS_HIDDEN const size_t OCRS_SYM(__dict_size);

OCRS_API int OCRS_SYM(_create)(ocrs_ctx **ctx_out, int num_threads);
OCRS_API void OCRS_SYM(_destroy)(ocrs_ctx *ctx);
OCRS_API const char *OCRS_SYM(_strerror)(int status);
OCRS_API int OCRS_SYM(_get_options)(const ocrs_ctx *ctx, ocrs_sys_opts *opts);
OCRS_API int OCRS_SYM(_set_options)(ocrs_ctx *ctx, const ocrs_sys_opts *opts);
OCRS_API int OCRS_SYM(_ocr)(ocrs_ctx *ctx, const uint8_t *rgb, int width, int height, int stride,
                            const ocrs_line **lines_out, int *num_lines_out);
OCRS_API int OCRS_SYM(_recognize)(ocrs_ctx *ctx, const uint8_t *rgb, int width, int height, int stride,
                                  const ocrs_quad *quads, int n, const ocrs_line **lines_out);
OCRS_API int OCRS_SYM(_get_times)(const ocrs_ctx *ctx, ocrs_stage_times *times);

enum {
    MAX_SIDE = 1 << 16, /* of an image; keeps every size computation in int */
    MAX_BATCH = 256,    /* the models' batch symbol range */
    /* A crop's side, at most: the diagonal of the largest image, about;
     * and its pixels (a quadrilateral given to <name>_recognize may ask for
     * more than any image holds). */
    MAX_CROP_SIDE = 3 * MAX_SIDE / 2,
    MAX_CROP_PIXELS = 1 << 28,
};

/* One crop: where its pixels are in the context's arena, its size. */
typedef struct {
    size_t at;
    int w, h;
} crop;

struct OCRS_SYM(_ctx) {
    ocrs_pool *pool;
    det_ctx *det;
#if OCRS_SYS_HAS_CLS
    cls_ctx *cls;
#endif
    rec_ctx *rec;
    ocrs_dict dict;
    float lut[3][256]; /* cls and rec inputs: (v / 255 - 0.5) / 0.5 in float32, as numpy */
    ocrs_sys_opts opts;
    ocrs_stage_times times;
    /* Buffers, grown as needed and kept: */
    ocrs_box *boxes;
    ocrs_quad *quads;
    int *order;
    crop *crops;
    ocrs_line *lines;
    size_t *text_at;
    size_t cap_boxes, cap_items; /* bytes of boxes, entries of the others */
    uint8_t *pixels; /* every crop's RGB, one after the other */
    size_t cap_pixels;
    uint8_t *turn; /* one crop before it is turned 90 degrees */
    size_t cap_turn;
    float *input, *output; /* a batch's model input and output */
    size_t cap_input, cap_output;
    void *scratch; /* the resize's */
    size_t cap_scratch;
    char *text; /* every line's text, one after the other */
    size_t cap_text;
};

/* Room for n quads, crops and lines. */
static int grow_items(ocrs_ctx *ctx, size_t n) {
    if (n <= ctx->cap_items) return 0;
    ocrs_quad *quads = malloc(n * sizeof *quads);
    int *order = malloc(n * sizeof *order);
    crop *crops = malloc(n * sizeof *crops);
    ocrs_line *lines = malloc(n * sizeof *lines);
    size_t *text_at = malloc(n * sizeof *text_at);
    free(ctx->quads), free(ctx->order), free(ctx->crops), free(ctx->lines), free(ctx->text_at);
    ctx->quads = quads, ctx->order = order, ctx->crops = crops, ctx->lines = lines, ctx->text_at = text_at;
    ctx->cap_items = quads && order && crops && lines && text_at ? n : 0;
    return ctx->cap_items ? 0 : -1;
}

OCRS_API int OCRS_SYM(_create)(ocrs_ctx **ctx_out, int num_threads) {
    if (!ctx_out) return OCRS_RT_ERR_NULL;
    *ctx_out = NULL;
    if (num_threads < 1 || num_threads > OCRS_MAX_THREADS) return OCRS_RT_ERR_THREADS;
    ocrs_ctx *ctx = calloc(1, sizeof *ctx);
    if (!ctx) return OCRS_RT_ERR_NOMEM;
    int st = OCRS_POOL_SYM(_pool_create)(&ctx->pool, num_threads);
    if (!st) st = DET(__create_in)(&ctx->det, ctx->pool);
#if OCRS_SYS_HAS_CLS
    if (!st) st = CLS(__create_in)(&ctx->cls, ctx->pool);
#endif
    if (!st) st = REC(__create_in)(&ctx->rec, ctx->pool);
    if (!st && ocrs_dict_init(&ctx->dict, OCRS_SYM(__dict), OCRS_SYM(__dict_size), OCRS_SYS_USE_SPACE))
        st = OCRS_RT_ERR_NOMEM;
    /* codegen/system.c checked the classes when it compiled the library. */
    if (!st && ctx->dict.nclasses != OCRS_SYS_REC_CLASSES) st = OCRS_RT_ERR_MODEL;
    if (st) {
        OCRS_SYM(_destroy)(ctx);
        return st;
    }
    for (int v = 0; v < 256; v++)
        ctx->lut[0][v] = ctx->lut[1][v] = ctx->lut[2][v] = ((float)v / 255.0f - 0.5f) / 0.5f;
    ocrs_det_opts_default(&ctx->opts.det);
    ctx->opts.drop_score = 0.5f;
    ctx->opts.use_angle_cls = OCRS_SYS_HAS_CLS;
    ctx->opts.cls_thresh = 0.9f;
    ctx->opts.cls_batch_num = 6;
    ctx->opts.rec_batch_num = OCRS_REC_BATCH_NUM;
    ctx->opts.rec_image_width = OCRS_REC_IMAGE_WIDTH;
    *ctx_out = ctx;
    return OCRS_RT_OK;
}

OCRS_API void OCRS_SYM(_destroy)(ocrs_ctx *ctx) {
    if (!ctx) return;
    DET(_destroy)(ctx->det);
#if OCRS_SYS_HAS_CLS
    CLS(_destroy)(ctx->cls);
#endif
    REC(_destroy)(ctx->rec);
    OCRS_POOL_SYM(_pool_destroy)(ctx->pool);
    ocrs_dict_free(&ctx->dict);
    free(ctx->boxes), free(ctx->quads), free(ctx->order), free(ctx->crops), free(ctx->lines), free(ctx->text_at);
    free(ctx->pixels), free(ctx->turn), free(ctx->input), free(ctx->output), free(ctx->scratch), free(ctx->text);
    free(ctx);
}

/* The models share status.def's table; the detector's part has it. */
OCRS_API const char *OCRS_SYM(_strerror)(int status) { return DET(_strerror)(status); }

OCRS_API int OCRS_SYM(_get_options)(const ocrs_ctx *ctx, ocrs_sys_opts *opts) {
    if (!ctx || !opts) return OCRS_RT_ERR_NULL;
    *opts = ctx->opts;
    return OCRS_RT_OK;
}

OCRS_API int OCRS_SYM(_set_options)(ocrs_ctx *ctx, const ocrs_sys_opts *opts) {
    if (!ctx || !opts) return OCRS_RT_ERR_NULL;
    const ocrs_sys_opts *o = opts;
    if (ocrs_det_opts_check(&o->det) || !(o->drop_score >= 0 && o->drop_score <= 1) ||
        (o->use_angle_cls != 0 && o->use_angle_cls != 1) || (o->use_angle_cls && !OCRS_SYS_HAS_CLS) ||
        !(o->cls_thresh >= 0 && o->cls_thresh <= 1) || o->cls_batch_num < 1 || o->cls_batch_num > MAX_BATCH ||
        o->rec_batch_num < 1 || o->rec_batch_num > MAX_BATCH || o->rec_image_width < OCRS_SYS_REC_W_MIN ||
        o->rec_image_width > OCRS_SYS_REC_W_MAX)
        return OCRS_RT_ERR_ARG;
    int st = DET(_set_detect_options)(ctx->det, &o->det);
    if (!st) ctx->opts = *o;
    return st;
}

OCRS_API int OCRS_SYM(_get_times)(const ocrs_ctx *ctx, ocrs_stage_times *times) {
    if (!ctx || !times) return OCRS_RT_ERR_NULL;
    *times = ctx->times;
    return OCRS_RT_OK;
}

/* ---- crops ---------------------------------------------------------------------------- */

/* PaddleOCR turns crops at least 1.5 times taller than wide. */
static bool tall(const crop *c) { return (double)c->h >= 1.5 * c->w; }

/* Cuts quads[order[i]] for i < n into ctx->crops[i] (get_rotate_crop_image). */
static int cut(ocrs_ctx *ctx, const uint8_t *rgb, int width, int height, int stride, int n) {
    size_t total = 0, widest = 0;
    for (int i = 0; i < n; i++) {
        const ocrs_quad *q = &ctx->quads[ctx->order[i]];
        crop *c = &ctx->crops[i];
        ocrs_crop_size(q->x, q->y, &c->w, &c->h);
        if (c->w > MAX_CROP_SIDE || c->h > MAX_CROP_SIDE || (int64_t)c->w * c->h > MAX_CROP_PIXELS)
            return OCRS_RT_ERR_SIZE;
        size_t bytes = (size_t)c->w * (size_t)c->h * 3;
        c->at = total;
        total += bytes;
        if (total < bytes) return OCRS_RT_ERR_SIZE;
        if (bytes > widest && tall(c)) widest = bytes;
    }
    if (ocrs_grow((void **)&ctx->pixels, &ctx->cap_pixels, total ? total : 1) ||
        ocrs_grow((void **)&ctx->turn, &ctx->cap_turn, widest ? widest : 1))
        return OCRS_RT_ERR_NOMEM;
    for (int i = 0; i < n; i++) {
        const ocrs_quad *q = &ctx->quads[ctx->order[i]];
        crop *c = &ctx->crops[i];
        uint8_t *px = ctx->pixels + c->at;
        if (tall(c)) {
            ocrs_crop_quad(rgb, width, height, stride, q->x, q->y, ctx->turn, c->w, c->h);
            ocrs_rotate90(ctx->turn, c->w, c->h, px);
            int t = c->w;
            c->w = c->h, c->h = t;
        } else {
            ocrs_crop_quad(rgb, width, height, stride, q->x, q->y, px, c->w, c->h);
        }
    }
    return OCRS_RT_OK;
}

/* ---- batches -------------------------------------------------------------------------- */

/* Whether crop a is narrower for its height than crop b: w_a / h_a <
 * w_b / h_b, exactly, in integers. */
static int narrower(const void *crops, int a, int b) {
    const crop *x = &((const crop *)crops)[a], *y = &((const crop *)crops)[b];
    return (int64_t)x->w * y->h < (int64_t)y->w * x->h;
}

/* Crop indices sorted by width / height, as np.argsort (its order of ties
 * does not matter: a crop's result does not depend on the other crops of
 * its batch, and equal ratios give the batches the same width). */
static int ratio_order(ocrs_ctx *ctx, int n) {
    for (int i = 0; i < n; i++) ctx->order[i] = i;
    return ocrs_sort_indices(ctx->order, n, narrower, ctx->crops);
}

/* PaddleOCR's resize_norm_img: crop c resized to height h and width
 * min(ceil(h * w_c / h_c), max_w), normalised, zero-padded to pitch, into
 * out (3 x h x pitch). */
static int resize_norm(ocrs_ctx *ctx, const crop *c, int h, int max_w, int pitch, float *out) {
    int w = ocrs_rec_crop_width(h, (double)c->w / c->h, max_w);
    if (ocrs_grow(&ctx->scratch, &ctx->cap_scratch, ocrs_det_pre_scratch(w))) return OCRS_RT_ERR_NOMEM;
    ocrs_resize_normalize(ctx->pixels + c->at, c->w, c->h, 3 * c->w, w, h, (const float(*)[256])ctx->lut, pitch, out,
                          ctx->scratch);
    return OCRS_RT_OK;
}

/* Room for a batch's input and output. */
static int grow_batch(ocrs_ctx *ctx, size_t in_floats, size_t out_floats) {
    if (ocrs_grow((void **)&ctx->input, &ctx->cap_input, in_floats * sizeof(float)) ||
        ocrs_grow((void **)&ctx->output, &ctx->cap_output, out_floats * sizeof(float)))
        return OCRS_RT_ERR_NOMEM;
    return OCRS_RT_OK;
}

#if OCRS_SYS_HAS_CLS
/* predict_cls: crops turned 180 degrees where the classifier says so. */
static int classify(ocrs_ctx *ctx, int n) {
    int st = ratio_order(ctx, n) ? OCRS_RT_ERR_NOMEM : OCRS_RT_OK;
    size_t image = (size_t)3 * OCRS_SYS_CLS_H * OCRS_SYS_CLS_W;
    for (int beg = 0; !st && beg < n; beg += ctx->opts.cls_batch_num) {
        int nb = n - beg < ctx->opts.cls_batch_num ? n - beg : ctx->opts.cls_batch_num;
        double t0 = ocrs_now_ms();
        st = grow_batch(ctx, nb * image, (size_t)nb * 2);
        for (int i = 0; !st && i < nb; i++)
            st = resize_norm(ctx, &ctx->crops[ctx->order[beg + i]], OCRS_SYS_CLS_H, OCRS_SYS_CLS_W, OCRS_SYS_CLS_W,
                             ctx->input + i * image);
        double t1 = ocrs_now_ms();
        int64_t dims[4] = {nb, 3, OCRS_SYS_CLS_H, OCRS_SYS_CLS_W};
        const float *in = ctx->input;
        if (!st) st = CLS(_run)(ctx->cls, dims, &in, &ctx->output);
        double t2 = ocrs_now_ms();
        /* label_list ['0', '180']: the arg-max (the first on ties). */
        for (int i = 0; !st && i < nb; i++) {
            const float *p = ctx->output + 2 * i;
            if (p[1] > p[0] && p[1] > ctx->opts.cls_thresh) {
                const crop *c = &ctx->crops[ctx->order[beg + i]];
                ocrs_rotate180(ctx->pixels + c->at, c->w, c->h);
            }
        }
        ctx->times.cls_pre += t1 - t0, ctx->times.cls_model += t2 - t1, ctx->times.cls_post += ocrs_now_ms() - t2;
    }
    return st;
}
#endif

/* The recognizer's input width for a batch whose widest crop has the ratio
 * ratio: PaddleOCR's int(h * max(ratio, rec_image_width / h)) (*paddle_w,
 * what crops are resized against), then at most the model's widest, and
 * what the model takes: a multiple of its alignment in its range. */
static int rec_width(const ocrs_ctx *ctx, double ratio, int *paddle_w) {
    enum { ALIGN = OCRS_SYS_REC_W_ALIGN, WIDEST = OCRS_SYS_REC_W_MAX / ALIGN * ALIGN };
    *paddle_w = ocrs_rec_input_width(OCRS_SYS_REC_H, ctx->opts.rec_image_width, ratio, WIDEST);
    int padded = (*paddle_w + ALIGN - 1) / ALIGN * ALIGN;
    return padded < OCRS_SYS_REC_W_MIN ? OCRS_SYS_REC_W_MIN : padded;
}

/* predict_rec and CTCLabelDecode: the text of every crop into
 * ctx->text_at[i] (offsets into ctx->text) and its score into
 * ctx->lines[i].score. */
static int recognize(ocrs_ctx *ctx, int n) {
    int st = ratio_order(ctx, n) ? OCRS_RT_ERR_NOMEM : OCRS_RT_OK;
    size_t used = 0;
    for (int beg = 0; !st && beg < n; beg += ctx->opts.rec_batch_num) {
        int nb = n - beg < ctx->opts.rec_batch_num ? n - beg : ctx->opts.rec_batch_num;
        double t0 = ocrs_now_ms(), ratio = 0;
        for (int i = 0; i < nb; i++) {
            const crop *c = &ctx->crops[ctx->order[beg + i]];
            if ((double)c->w / c->h > ratio) ratio = (double)c->w / c->h;
        }
        int paddle_w, w = rec_width(ctx, ratio, &paddle_w);
        int64_t dims[4] = {nb, 3, OCRS_SYS_REC_H, w}, out_dims[3];
        size_t ws, image = (size_t)3 * OCRS_SYS_REC_H * w;
        st = REC(_shapes)(dims, out_dims, &ws);
        int steps = st ? 0 : (int)out_dims[1];
        if (!st) st = grow_batch(ctx, nb * image, (size_t)nb * steps * OCRS_SYS_REC_CLASSES);
        for (int i = 0; !st && i < nb; i++)
            st = resize_norm(ctx, &ctx->crops[ctx->order[beg + i]], OCRS_SYS_REC_H, paddle_w, w, ctx->input + i * image);
        double t1 = ocrs_now_ms();
        const float *in = ctx->input;
        if (!st) st = REC(_run)(ctx->rec, dims, &in, &ctx->output);
        double t2 = ocrs_now_ms();
        size_t room = (size_t)steps * ctx->dict.max_len + 1;
        for (int i = 0; !st && i < nb; i++) {
            if (used + room > ctx->cap_text) {
                size_t cap = 2 * (used + room);
                char *t = realloc(ctx->text, cap);
                if (!t) {
                    st = OCRS_RT_ERR_NOMEM;
                    break;
                }
                ctx->text = t, ctx->cap_text = cap;
            }
            int k = ctx->order[beg + i];
            ctx->text_at[k] = used;
            used += ocrs_ctc_decode(ctx->output + (size_t)i * steps * OCRS_SYS_REC_CLASSES, steps, &ctx->dict,
                                    ctx->text + used, &ctx->lines[k].score) + 1;
        }
        ctx->times.rec_pre += t1 - t0, ctx->times.rec_model += t2 - t1, ctx->times.rec_post += ocrs_now_ms() - t2;
    }
    return st;
}

/* Crops, classifies and recognizes quads[qorder[i]] for i < n into
 * lines[i] (all of them; the caller drops), qorder saved from ctx->order. */
static int read_quads(ocrs_ctx *ctx, const uint8_t *rgb, int width, int height, int stride, int n) {
    double t0 = ocrs_now_ms();
    int st = cut(ctx, rgb, width, height, stride, n);
    /* ctx->order is reused by the batches: the lines take the quads' order now. */
    for (int i = 0; !st && i < n; i++) {
        const ocrs_quad *q = &ctx->quads[ctx->order[i]];
        memcpy(ctx->lines[i].x, q->x, sizeof q->x);
        memcpy(ctx->lines[i].y, q->y, sizeof q->y);
    }
    ctx->times.crop += ocrs_now_ms() - t0;
#if OCRS_SYS_HAS_CLS
    if (!st && ctx->opts.use_angle_cls) st = classify(ctx, n);
#endif
    if (!st) st = recognize(ctx, n);
    for (int i = 0; !st && i < n; i++) ctx->lines[i].text = ctx->text + ctx->text_at[i];
    return st;
}

static int check_image(const uint8_t *rgb, int width, int height, int stride) {
    if (!rgb) return OCRS_RT_ERR_NULL;
    if (width < 1 || height < 1 || width > MAX_SIDE || height > MAX_SIDE || stride < 3 * width)
        return OCRS_RT_ERR_ARG;
    return OCRS_RT_OK;
}

OCRS_API int OCRS_SYM(_ocr)(ocrs_ctx *ctx, const uint8_t *rgb, int width, int height, int stride,
                            const ocrs_line **lines_out, int *num_lines_out) {
    if (!ctx || !lines_out || !num_lines_out) return OCRS_RT_ERR_NULL;
    *lines_out = NULL;
    *num_lines_out = 0;
    int st = check_image(rgb, width, height, stride);
    if (st) return st;
    double t0 = ocrs_now_ms();
    ctx->times = (ocrs_stage_times){0};
    /* Every box comes from a contour, so max_candidates bound them. */
    size_t cap = (size_t)ctx->opts.det.max_candidates;
    if (ocrs_grow((void **)&ctx->boxes, &ctx->cap_boxes, cap * sizeof(ocrs_box))) return OCRS_RT_ERR_NOMEM;
    int n = 0;
    st = DET(_detect)(ctx->det, rgb, width, height, stride, ctx->boxes, (int)cap, &n);
    if (n > (int)cap) n = (int)cap; /* cannot happen: one box per contour examined */
    if (!st) st = DET(_detect_times)(ctx->det, &ctx->times.det_pre, &ctx->times.det_model, &ctx->times.det_post);
    if (!st && grow_items(ctx, n ? (size_t)n : 1)) st = OCRS_RT_ERR_NOMEM;
    if (st) return st;
    double t1 = ocrs_now_ms();
    for (int i = 0; i < n; i++) {
        memcpy(ctx->quads[i].x, ctx->boxes[i].x, sizeof ctx->quads[i].x);
        memcpy(ctx->quads[i].y, ctx->boxes[i].y, sizeof ctx->quads[i].y);
        ctx->order[i] = i;
    }
    if (ocrs_sort_quads(ctx->quads, ctx->order, n)) return OCRS_RT_ERR_NOMEM;
    ctx->times.crop = ocrs_now_ms() - t1;
    st = read_quads(ctx, rgb, width, height, stride, n);
    if (st) return st;
    int kept = 0;
    for (int i = 0; i < n; i++)
        if (ctx->lines[i].score >= ctx->opts.drop_score) ctx->lines[kept++] = ctx->lines[i];
    *lines_out = ctx->lines;
    *num_lines_out = kept;
    ctx->times.total = ocrs_now_ms() - t0;
    return OCRS_RT_OK;
}

/* Bounds on a given quad's coordinates, beyond which no crop is sensible. */
static bool quad_ok(const ocrs_quad *q) {
    for (int k = 0; k < 4; k++)
        if (!(q->x[k] >= -MAX_SIDE && q->x[k] <= 2.0f * MAX_SIDE && q->y[k] >= -MAX_SIDE && q->y[k] <= 2.0f * MAX_SIDE))
            return false;
    return true;
}

OCRS_API int OCRS_SYM(_recognize)(ocrs_ctx *ctx, const uint8_t *rgb, int width, int height, int stride,
                                  const ocrs_quad *quads, int n, const ocrs_line **lines_out) {
    if (!ctx || !lines_out || (!quads && n > 0)) return OCRS_RT_ERR_NULL;
    *lines_out = NULL;
    int st = check_image(rgb, width, height, stride);
    if (st) return st;
    if (n < 0) return OCRS_RT_ERR_ARG;
    for (int i = 0; i < n; i++)
        if (!quad_ok(&quads[i])) return OCRS_RT_ERR_ARG;
    double t0 = ocrs_now_ms();
    ctx->times = (ocrs_stage_times){0};
    if (grow_items(ctx, (size_t)n ? (size_t)n : 1)) return OCRS_RT_ERR_NOMEM;
    memcpy(ctx->quads, quads, sizeof *quads * (size_t)n);
    for (int i = 0; i < n; i++) ctx->order[i] = i;
    st = read_quads(ctx, rgb, width, height, stride, n);
    if (st) return st;
    *lines_out = ctx->lines;
    ctx->times.total = ocrs_now_ms() - t0;
    return OCRS_RT_OK;
}
