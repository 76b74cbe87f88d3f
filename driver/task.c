/* The tasks pruning measures models by (see task.h). Measurements compile
 * the graph with ocrs_codegen and load the library with measure/'s loaders,
 * so what is scored is what ocrslimc writes. */
#include "task.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "codegen.h"
#include "detlib.h"
#include "evaluate.h"
#include "modellib.h"
#include "ocrlib.h"
#include "ocrs_detect.h"
#include "ocrs_ocr.h"

const char *const task_metrics[OCRS_TASKS] = {
    [OCRS_TASK_DET] = "hmean", [OCRS_TASK_REC] = "line accuracy", [OCRS_TASK_SYSTEM] = "end-to-end F"};
const char *const task_names[OCRS_TASKS] = {[OCRS_TASK_DET] = "det", [OCRS_TASK_REC] = "rec",
                                            [OCRS_TASK_SYSTEM] = "system"};

/* PaddleOCR's recognizer input: height 48, at least rec_image_width wide. */
enum { REC_H = 48, REC_MIN_W = OCRS_REC_IMAGE_WIDTH };

typedef struct {
    image img;
    eval_poly *gt;
    int ngt;
    eval_labels labels; /* task system: the regions with their texts */
} det_sample;

typedef struct {
    uint8_t *rgb;   /* the crop, w x h RGB */
    int w, h;
    int batch_w, batch_h; /* the widest crop (w / h) of its batch, whose width the batch's input takes */
    char *text;     /* its transcription */
} rec_sample;

struct task {
    ocrs_task_kind kind;
    int n, cap;
    det_sample *det;
    rec_sample *rec;
    char *dict_text;
    ocrs_dict dict;
    float lut[3][256]; /* rec: (v / 255 - 0.5) / 0.5, as PaddleOCR's resize_norm_img */
    bool labelled;     /* the label file had regions (det; a reference run replaces them) */
};

static ocrs_status grow(task *t, ocrs_diag *diag) {
    if (t->n < t->cap) return OCRS_OK;
    int cap = t->cap ? 2 * t->cap : 64;
    bool images = t->kind != OCRS_TASK_REC;
    size_t size = images ? sizeof *t->det : sizeof *t->rec;
    void *p = realloc(images ? (void *)t->det : (void *)t->rec, size * (size_t)cap);
    if (!p) return ocrs_fail(diag, OCRS_ERR_NOMEM, "calibration samples: out of memory");
    if (images) t->det = p;
    else t->rec = p;
    t->cap = cap;
    return OCRS_OK;
}

static ocrs_status add_image(void *arg, const char *where, image *img, const char *labels, ocrs_diag *diag) {
    task *t = arg;
    ocrs_status st = grow(t, diag);
    if (st) {
        image_free(img);
        return st;
    }
    det_sample *s = &t->det[t->n++];
    *s = (det_sample){.img = *img};
    int cap = 0;
    char why[128];
    s->ngt = eval_parse_regions(labels, &s->gt, &cap, why, sizeof why);
    if (s->ngt < 0 || (t->kind == OCRS_TASK_SYSTEM && eval_parse_labels(labels, &s->labels, why, sizeof why) < 0))
        return ocrs_fail(diag, OCRS_ERR_USAGE, "%s: %s", where, why);
    return OCRS_OK;
}

static int narrower(const void *arg, int a, int b) {
    const rec_sample *s = arg;
    return (int64_t)s[a].w * s[b].h < (int64_t)s[b].w * s[a].h;
}

/* PaddleOCR's predict_rec, as the OCR system runs it: an image's crops
 * sorted by w / h, in batches of OCRS_REC_BATCH_NUM, each batch zero-padded
 * to the width its widest crop takes. A crop's result depends on that width
 * and not on the other crops, so a sample alone at its batch's width is
 * what the OCR system computes for it; the padding is part of what the
 * recognizer sees (the int8 recognizer calibrated and checked on crops
 * padded only to their own width lost 2.5 points more in batches). The
 * samples from `first` on are one image's. */
static ocrs_status batch_widths(task *t, int first, ocrs_diag *diag) {
    int n = t->n - first, *order = malloc(sizeof(int) * (size_t)(n + 1));
    rec_sample *s = t->rec + first;
    for (int i = 0; order && i < n; i++) order[i] = i;
    if (!order || ocrs_sort_indices(order, n, narrower, s)) {
        free(order);
        return ocrs_fail(diag, OCRS_ERR_NOMEM, "calibration samples: out of memory");
    }
    for (int beg = 0; beg < n; beg += OCRS_REC_BATCH_NUM) {
        int end = n - beg < OCRS_REC_BATCH_NUM ? n : beg + OCRS_REC_BATCH_NUM;
        const rec_sample *widest = &s[order[end - 1]];
        for (int k = beg; k < end; k++) s[order[k]].batch_w = widest->w, s[order[k]].batch_h = widest->h;
    }
    free(order);
    return OCRS_OK;
}

/* The crops of an image's labelled quadrilaterals. */
static ocrs_status add_lines(void *arg, const char *where, image *img, const char *labels, ocrs_diag *diag) {
    task *t = arg;
    eval_labels l = {0};
    char why[128];
    ocrs_status st = eval_parse_labels(labels, &l, why, sizeof why) < 0
                         ? ocrs_fail(diag, OCRS_ERR_USAGE, "%s: %s", where, why)
                         : OCRS_OK;
    int first = t->n;
    for (int i = 0; !st && i < l.n; i++) {
        const eval_poly *p = &l.poly[i];
        if (p->dont_care || p->n != 4) continue;
        if ((st = grow(t, diag))) break;
        float x[4], y[4];
        for (int k = 0; k < 4; k++) x[k] = (float)p->xy[2 * k], y[k] = (float)p->xy[2 * k + 1];
        int w, h;
        ocrs_crop_size(x, y, &w, &h);
        uint8_t *rgb = malloc((size_t)3 * w * h), *turned = NULL;
        char *text = strdup(l.text[i]);
        bool tall = (double)h >= 1.5 * w;
        if (!rgb || !text || (tall && !(turned = malloc((size_t)3 * w * h)))) {
            free(rgb), free(text), free(turned);
            st = ocrs_fail(diag, OCRS_ERR_NOMEM, "calibration samples: out of memory");
            break;
        }
        ocrs_crop_quad(img->rgb, img->width, img->height, 3 * img->width, x, y, rgb, w, h);
        if (tall) { /* PaddleOCR's rot90 of tall crops */
            ocrs_rotate90(rgb, w, h, turned);
            free(rgb);
            rgb = turned;
            int s = w;
            w = h, h = s;
        }
        t->rec[t->n++] = (rec_sample){.rgb = rgb, .w = w, .h = h, .text = text};
    }
    if (!st) st = batch_widths(t, first, diag);
    eval_labels_free(&l);
    image_free(img);
    return st;
}

static ocrs_status read_dict(task *t, const prune_cli *p, ocrs_diag *diag) {
    if (!p->dict)
        return ocrs_fail(diag, OCRS_ERR_USAGE, "measuring a recognizer needs its dictionary (--dict FILE)");
    FILE *f = fopen(p->dict, "rb");
    if (!f) return ocrs_fail(diag, OCRS_ERR_IO, "%s: cannot read the dictionary", p->dict);
    size_t size = 0, cap = 0;
    char *buf = NULL;
    for (;;) {
        if (size + 4096 > cap) {
            char *b = realloc(buf, cap = 2 * cap + 8192);
            if (!b) break;
            buf = b;
        }
        size_t got = fread(buf + size, 1, cap - size, f);
        size += got;
        if (!got) break;
    }
    bool bad = ferror(f) || !buf;
    fclose(f);
    t->dict_text = buf;
    if (bad) return ocrs_fail(diag, OCRS_ERR_IO, "%s: cannot read the dictionary", p->dict);
    if (ocrs_dict_init(&t->dict, buf, size, p->use_space))
        return ocrs_fail(diag, OCRS_ERR_NOMEM, "%s: out of memory", p->dict);
    return OCRS_OK;
}

typedef struct {
    ocrs_status (*each)(void *arg, const char *where, image *img, const char *labels, ocrs_diag *diag);
    void *arg;
} image_run;

/* A label line with its image loaded (each owns it). */
static ocrs_status load_one(void *arg, const char *path, const char *where, const char *rel, const char *labels,
                            ocrs_diag *diag) {
    (void)rel;
    image_run *r = arg;
    image img;
    char err[512];
    if (image_load(path, &image_default_limits, &img, err, sizeof err))
        return ocrs_fail(diag, OCRS_ERR_IO, "%s: %s", where, err);
    return r->each(r->arg, where, &img, labels, diag);
}

ocrs_status task_open(const prune_cli *p, task **out, ocrs_diag *diag) {
    *out = NULL;
    if (!p->calib) return ocrs_fail(diag, OCRS_ERR_USAGE, "measuring a model needs calibration images (--calib)");
    task *t = calloc(1, sizeof *t);
    if (!t) return ocrs_fail(diag, OCRS_ERR_NOMEM, "out of memory");
    t->kind = p->task;
    labels_src src = {p->calib, p->calib_root, p->calib_images};
    ocrs_status st = OCRS_OK;
    if (t->kind == OCRS_TASK_REC) {
        for (int v = 0; v < 256; v++) t->lut[0][v] = t->lut[1][v] = t->lut[2][v] = ((float)v / 255.0f - 0.5f) / 0.5f;
        st = read_dict(t, p, diag);
    }
    image_run run = {t->kind == OCRS_TASK_REC ? add_lines : add_image, t};
    if (!st) st = labels_paths(&src, load_one, &run, diag);
    if (!st && !t->n)
        st = ocrs_fail(diag, OCRS_ERR_USAGE, "%s: no labelled text lines (quadrilaterals not \"###\") to crop",
                       p->calib);
    for (int i = 0; i < t->n; i++) t->labelled |= t->kind == OCRS_TASK_REC || t->det[i].ngt > 0;
    if (st) task_close(t);
    else *out = t;
    return st;
}

void task_close(task *t) {
    if (!t) return;
    for (int i = 0; i < t->n; i++) {
        if (t->kind != OCRS_TASK_REC) {
            image_free(&t->det[i].img);
            free(t->det[i].gt);
            eval_labels_free(&t->det[i].labels);
        } else {
            free(t->rec[i].rgb);
            free(t->rec[i].text);
        }
    }
    free(t->det);
    free(t->rec);
    if (t->dict_text) ocrs_dict_free(&t->dict);
    free(t->dict_text);
    free(t);
}

int task_samples(const task *t) { return t->n; }

bool task_labelled(const task *t) { return t->labelled; }

/* The recognizer's width symbol (input [N, 3, 48, W]) and its class count,
 * or -1. */
static int rec_width_sym(const ir_graph *g, int64_t *classes) {
    if (g->ninputs != 1 || g->noutputs != 1) return -1;
    const ir_value *x = &g->values[g->inputs[0]], *y = &g->values[g->outputs[0]];
    if (x->rank != 4 || y->rank != 3 || !ir_dim_equal(x->dims[2], ir_dim_const(REC_H)) ||
        !ir_dim_static(y->dims[2]))
        return -1;
    *classes = y->dims[2].q;
    return ir_symbol_of(g, x->dims[3]);
}

ocrs_task_kind task_guess(const ir_graph *g) {
    int64_t classes;
    return rec_width_sym(g, &classes) >= 0 ? OCRS_TASK_REC : OCRS_TASK_DET;
}

ocrs_status task_check_graph(const task *t, const ir_graph *g, ocrs_diag *diag) {
    int n, h, w;
    int64_t classes;
    if (t->kind == OCRS_TASK_DET && !ir_image_syms(g, &n, &h, &w))
        return ocrs_fail(diag, OCRS_ERR_USAGE,
                         "%s: measuring a detector needs a model of one image input [N, C, H, W] (for a recognizer: "
                         "--task rec)", g->source);
    if (t->kind == OCRS_TASK_REC) {
        if (rec_width_sym(g, &classes) < 0)
            return ocrs_fail(diag, OCRS_ERR_USAGE,
                             "%s: measuring a recognizer needs a model of input [N, 3, 48, W] and output [N, T, C]",
                             g->source);
        if (classes != t->dict.nclasses)
            return ocrs_fail(diag, OCRS_ERR_USAGE,
                             "%s: %lld classes, but the dictionary makes %d (the blank, its lines, the space class "
                             "unless --no-space-char)",
                             g->source, (long long)classes, t->dict.nclasses);
    }
    return OCRS_OK;
}

/* The OCR system's widths for a sample (runtime/ocr, batch_widths): the
 * input width of its batch (*paddle_w), at most widest (a longer line is
 * squeezed), and the crop's width in it (*crop_w). */
static void rec_widths(const rec_sample *s, int64_t widest, int64_t *paddle_w, int *crop_w) {
    *paddle_w = ocrs_rec_input_width(REC_H, REC_MIN_W, (double)s->batch_w / s->batch_h,
                                     widest > INT_MAX ? INT_MAX : (int)widest);
    *crop_w = ocrs_rec_crop_width(REC_H, (double)s->w / s->h, (int)*paddle_w);
}

/* Sample i as g's input (malloc'ed in *in) and the symbols' values. */
static ocrs_status input_of(const task *t, const ir_graph *g, int i, int side, float **in, int64_t *sizes,
                            ocrs_diag *diag) {
    int w, h;
    size_t scratch_bytes, floats;
    if (t->kind == OCRS_TASK_DET) {
        const image *img = &t->det[i].img;
        ocrs_det_opts o;
        ocrs_det_opts_default(&o);
        o.limit_side_len = side;
        ocrs_det_input_size(img->width, img->height, &o, &w, &h);
        ir_image_sizes(g, h, w, sizes);
        scratch_bytes = ocrs_det_pre_scratch(w), floats = (size_t)3 * w * h;
    } else {
        /* Zero padded to what the model takes (a multiple of its alignment). */
        const rec_sample *s = &t->rec[i];
        int64_t classes, pw;
        int sw = rec_width_sym(g, &classes), cw;
        const ir_symbol *sym = &g->syms[sw];
        rec_widths(s, sym->max, &pw, &cw);
        int64_t padded = (pw + sym->align - 1) / sym->align * sym->align;
        if (padded < sym->min) padded = sym->min;
        for (int k = 0; k < g->nsyms; k++) sizes[k] = g->syms[k].ref;
        int sn = ir_symbol_of(g, g->values[g->inputs[0]].dims[0]);
        if (sn >= 0) sizes[sn] = 1;
        sizes[sw] = padded;
        w = (int)padded, h = REC_H;
        scratch_bytes = ocrs_det_pre_scratch(cw), floats = (size_t)3 * w * h;
    }
    void *scratch = malloc(scratch_bytes);
    *in = calloc(floats, sizeof **in);
    if (!scratch || !*in) {
        free(scratch), free(*in);
        *in = NULL;
        return ocrs_fail(diag, OCRS_ERR_NOMEM, "calibration: out of memory");
    }
    if (t->kind == OCRS_TASK_DET) {
        const image *img = &t->det[i].img;
        ocrs_det_preprocess(img->rgb, img->width, img->height, 3 * img->width, w, h, *in, scratch);
    } else {
        const rec_sample *s = &t->rec[i];
        int64_t pw;
        int cw;
        rec_widths(s, w, &pw, &cw);
        ocrs_resize_normalize(s->rgb, s->w, s->h, 3 * s->w, cw, REC_H, (const float(*)[256])t->lut, w, *in, scratch);
    }
    free(scratch);
    return OCRS_OK;
}

ocrs_status task_feed(const task *t, const ir_graph *g, int side, int verbose, task_feeder feed, void *ctx,
                      ocrs_diag *diag) {
    ocrs_status st = task_check_graph(t, g, diag);
    for (int i = 0; !st && i < t->n; i++) {
        float *in = NULL;
        int64_t sizes[IR_MAX_SYMS];
        st = input_of(t, g, i, side, &in, sizes, diag);
        const float *inputs[1] = {in};
        if (!st) st = feed(ctx, g, inputs, sizes, diag);
        if (!st && verbose) fprintf(stderr, "ocrslimc: calibration sample %d of %d\n", i + 1, t->n);
        free(in);
    }
    return st;
}

static ocrs_status calib_feeder(void *ctx, const ir_graph *g, const float *const *inputs, const int64_t *sizes,
                                ocrs_diag *diag) {
    return ocrs_calib_add(ctx, g, inputs, sizes, diag);
}

ocrs_status task_calibrate(const task *t, const ir_graph *g, ocrs_calib *c, int side, int verbose, ocrs_diag *diag) {
    return task_feed(t, g, side, verbose, calib_feeder, c, diag);
}

/* hmean of the detector library d over the samples. */
static ocrs_status score_det(task *t, detlib *d, int side, bool as_reference, double *h, ocrs_diag *diag) {
    det_options_t o;
    d->get_options(d->ctx, &o);
    o.limit_side_len = side;
    d->set_options(d->ctx, &o);
    eval_counts c = {0};
    eval_poly *det = NULL;
    int cap = 0;
    char err[512];
    ocrs_status st = OCRS_OK;
    for (int i = 0; !st && i < t->n; i++) {
        if (detlib_run(d, &t->det[i].img, err, sizeof err)) {
            st = ocrs_fail(diag, OCRS_ERR_TOOL, "measurement: %s", err);
            break;
        }
        if (d->nboxes > cap) {
            eval_poly *p = realloc(det, sizeof *p * (size_t)d->nboxes);
            if (!p) {
                st = ocrs_fail(diag, OCRS_ERR_NOMEM, "measurement: out of memory");
                break;
            }
            det = p, cap = d->nboxes;
        }
        for (int b = 0; b < d->nboxes; b++) eval_set_quad(&det[b], d->boxes[b].x, d->boxes[b].y);
        det_sample *si = &t->det[i];
        if (as_reference) {
            free(si->gt);
            if (!(si->gt = malloc(sizeof *det * ((size_t)d->nboxes + 1)))) {
                st = ocrs_fail(diag, OCRS_ERR_NOMEM, "measurement: out of memory");
                break;
            }
            if (d->nboxes) memcpy(si->gt, det, sizeof *det * (size_t)d->nboxes);
            si->ngt = d->nboxes;
        }
        eval_image(si->gt, si->ngt, det, d->nboxes, &c);
    }
    free(det);
    double prec, rec;
    eval_scores(&c, &prec, &rec, h);
    return st;
}

/* Line accuracy of the recognizer g (library m) over the samples. */
static ocrs_status score_rec(const task *t, const ir_graph *g, modellib *m, double *acc, ocrs_diag *diag) {
    eval_rec_counts c = {0};
    char err[512], *text = NULL;
    size_t text_cap = 0;
    ocrs_status st = OCRS_OK;
    for (int i = 0; !st && i < t->n; i++) {
        float *in = NULL;
        int64_t sizes[IR_MAX_SYMS], units[IR_MAX_SYMS], in_dims[4], out_dims[3];
        if ((st = input_of(t, g, i, 0, &in, sizes, diag))) break;
        ir_graph_units(g, sizes, units);
        const ir_value *x = &g->values[g->inputs[0]];
        for (int k = 0; k < 4; k++) in_dims[k] = ir_dim_eval(x->dims[k], units);
        if (modellib_run(m, in_dims, in, 3, out_dims, err, sizeof err))
            st = ocrs_fail(diag, OCRS_ERR_TOOL, "measurement: line %d: %s", i, err);
        free(in);
        size_t need = (size_t)out_dims[1] * (size_t)t->dict.max_len + 1;
        if (!st && need > text_cap) {
            char *p = realloc(text, need);
            if (!p) st = ocrs_fail(diag, OCRS_ERR_NOMEM, "measurement: out of memory");
            else text = p, text_cap = need;
        }
        float score;
        if (!st) ocrs_ctc_decode(m->out, (int)out_dims[1], &t->dict, text, &score);
        if (!st && eval_rec_line(text, t->rec[i].text, &c)) st = ocrs_fail(diag, OCRS_ERR_NOMEM, "out of memory");
    }
    free(text);
    double ned;
    eval_rec_scores(&c, acc, &ned);
    return st;
}

ocrs_status task_score_system(const task *t, const char *lib, const char *name, double *f, ocrs_diag *diag) {
    ocrlib o;
    char err[512];
    if (ocrlib_open(&o, lib, name, 1, err, sizeof err)) return ocrs_fail(diag, OCRS_ERR_TOOL, "measurement: %s", err);
    eval_counts det = {0}, e2e = {0};
    eval_poly *boxes = NULL;
    const char **texts = NULL;
    int cap = 0;
    ocrs_status st = OCRS_OK;
    for (int i = 0; !st && i < t->n; i++) {
        if (ocrlib_run(&o, &t->det[i].img, err, sizeof err)) {
            st = ocrs_fail(diag, OCRS_ERR_TOOL, "measurement: %s", err);
            break;
        }
        if (o.nlines > cap) {
            eval_poly *b = realloc(boxes, sizeof *b * (size_t)o.nlines);
            const char **x = realloc(texts, sizeof *x * (size_t)o.nlines);
            if (b) boxes = b;
            if (x) texts = x;
            if (!b || !x) {
                st = ocrs_fail(diag, OCRS_ERR_NOMEM, "measurement: out of memory");
                break;
            }
            cap = o.nlines;
        }
        for (int k = 0; k < o.nlines; k++) eval_set_quad(&boxes[k], o.lines[k].x, o.lines[k].y), texts[k] = o.lines[k].text;
        const eval_labels *l = &t->det[i].labels;
        eval_e2e_image(l->poly, l->text, l->n, boxes, texts, o.nlines, &det, &e2e);
    }
    free(boxes);
    free(texts);
    ocrlib_close(&o);
    double p, r;
    eval_scores(&e2e, &p, &r, f);
    return st;
}

ocrs_status task_score(task *t, const ir_graph *g, const char *dir, const char *name, int side, bool as_reference,
                       double *score, ocrs_diag *diag) {
    char lib[4200], hdr[4200], err[512];
    snprintf(lib, sizeof lib, "%s/lib%s.so", dir, name);
    snprintf(hdr, sizeof hdr, "%s/%s.h", dir, name);
    ocrs_codegen_opts co = {.emit = OCRS_EMIT_LIB, .name = name, .output = lib};
    ocrs_status st = task_check_graph(t, g, diag);
    if (!st) st = ocrs_codegen(g, &co, diag);
    if (st) return st;
    detlib d;
    modellib m;
    bool det = t->kind == OCRS_TASK_DET;
    if (det ? detlib_open(&d, lib, name, 1, err, sizeof err) : modellib_open(&m, lib, name, 1, err, sizeof err))
        st = ocrs_fail(diag, OCRS_ERR_TOOL, "measurement: %s", err);
    unlink(lib);
    unlink(hdr);
    if (st) return st;
    if (det) {
        st = score_det(t, &d, side, as_reference, score, diag);
        detlib_close(&d);
    } else {
        st = score_rec(t, g, &m, score, diag);
        modellib_close(&m);
    }
    return st;
}
