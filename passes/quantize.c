/* Post-training int8 quantization.
 * Needs: a canonical graph, pruned or not (quantization is the last rewrite),
 *   and statistics of its activations on calibration inputs (ocrs_qstats,
 *   collected here by the reference interpreter on the same graph).
 * Changes: every quantized conv (Conv, ConvTranspose not marked in
 *   o->fp32) reads its data input quantized (uint8, asymmetric, per tensor,
 *   one quantization per value): a Conv of one group or depthwise by itself
 *   (attrs.in_act, which codegen/conv_int8.c and conv_tile.c compute with
 *   integers), the others through a FakeQuant node (one per value, shared by
 *   its readers; the float kernels then compute on the grid). Its weights
 *   become symmetric int8 per output channel (within +-o->weight_max for a
 *   conv of one group, +-127 for the others) and its bias int32 on the grid
 *   input scale x weight scale (ir_value.qbits, qscale); the values stay
 *   floats holding those integers times their scales. `--emit onnx` writes
 *   the QDQ form.
 * Invalidates: node ids (the FakeQuant nodes are placed after the producers
 *   of what they read).
 *
 * Activation ranges come from a histogram per tensor of QBINS bins over
 * [-r, r), r the smallest power of two covering every value seen (when a
 * larger value comes, r doubles and pairs of bins merge, so one pass over
 * the calibration inputs suffices): min-max takes the extremes; percentile
 * drops the share (100 - p)% of the values at each end; entropy picks the
 * magnitude threshold whose 255-level (128 for signed tensors) quantization
 * keeps the distribution closest in Kullback-Leibler divergence (TensorRT's
 * calibration), then clips the extremes to it. The range always holds 0,
 * so zero (the padding) is exact. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "interp.h"
#include "passes.h"

enum { QBINS = 8192 };

const char *const ocrs_qcalib_methods[OCRS_QCALIB_COUNT + 1] = {"minmax", "percentile", "entropy", NULL};

struct ocrs_qstats {
    uint32_t nvalues;
    bool *want;       /* per value: a quantized conv reads it */
    float *lo, *hi;   /* extremes seen */
    double *r;        /* the histogram covers [-r, r) */
    double **hist;    /* QBINS counts per wanted value */
    int images;
};

static bool quantizable(const ir_node *n) { return !n->dead && (n->op == IR_OP_Conv || n->op == IR_OP_ConvTranspose); }

static bool kept_fp32(ir_id n, const ocrs_quant_opts *o) { return o && o->fp32 && o->fp32[n]; }

ocrs_status ocrs_qstats_new(const ir_graph *g, const ocrs_quant_opts *o, ocrs_qstats **out, ocrs_diag *diag) {
    ocrs_qstats *q = calloc(1, sizeof *q);
    uint32_t nv = g->nvalues;
    if (q) {
        q->nvalues = nv;
        q->want = calloc(nv + 1, sizeof *q->want);
        q->lo = calloc(nv + 1, sizeof *q->lo);
        q->hi = calloc(nv + 1, sizeof *q->hi);
        q->r = calloc(nv + 1, sizeof *q->r);
        q->hist = calloc(nv + 1, sizeof *q->hist);
    }
    bool ok = q && q->want && q->lo && q->hi && q->r && q->hist;
    for (ir_id n = 0; ok && n < g->nnodes; n++) {
        if (!quantizable(&g->nodes[n]) || kept_fp32(n, o)) continue;
        ir_id x = g->nodes[n].inputs[0];
        if (!q->want[x] && !(q->hist[x] = calloc(QBINS, sizeof(double)))) ok = false;
        q->want[x] = true;
        q->lo[x] = INFINITY, q->hi[x] = -INFINITY;
    }
    if (!ok) {
        ocrs_qstats_free(q);
        return ocrs_fail(diag, OCRS_ERR_NOMEM, "quantization: out of memory");
    }
    *out = q;
    return OCRS_OK;
}

void ocrs_qstats_free(ocrs_qstats *q) {
    if (!q) return;
    for (uint32_t v = 0; q->hist && v < q->nvalues; v++) free(q->hist[v]);
    free(q->want);
    free(q->lo);
    free(q->hi);
    free(q->r);
    free(q->hist);
    free(q);
}

/* Adds n values to v's histogram, doubling its range first as needed.
 * Infinities and NaNs are left out (quantization clamps them anyway). */
static void add_values(ocrs_qstats *q, ir_id v, const float *x, int64_t n) {
    float lo = q->lo[v], hi = q->hi[v];
    for (int64_t i = 0; i < n; i++)
        if (isfinite(x[i])) lo = fminf(lo, x[i]), hi = fmaxf(hi, x[i]);
    if (hi < lo) return; /* nothing finite yet */
    q->lo[v] = lo, q->hi[v] = hi;
    double m = fmax(fabs(lo), fabs(hi)), *h = q->hist[v];
    if (q->r[v] == 0) q->r[v] = ldexp(1, -20);
    while (m >= q->r[v]) {
        /* [-r, r) becomes the middle half of [-2r, 2r): bins 2k and 2k+1 merge into QBINS/4 + k */
        double merged[QBINS] = {0};
        for (int k = 0; k < QBINS; k++) merged[QBINS / 4 + k / 2] += h[k];
        memcpy(h, merged, sizeof merged);
        q->r[v] *= 2;
    }
    double r = q->r[v], per = QBINS / (2 * r);
    for (int64_t i = 0; i < n; i++) {
        if (!isfinite(x[i])) continue;
        int b = (int)((x[i] + r) * per);
        h[b < 0 ? 0 : b >= QBINS ? QBINS - 1 : b] += 1;
    }
}

typedef struct {
    ocrs_qstats *q;
    const ir_graph *g;
} observer;

static void observe(void *ctx, ir_id v, const float *data, const int64_t *units) {
    observer *o = ctx;
    if (v < o->q->nvalues && o->q->want[v]) add_values(o->q, v, data, ir_numel(&o->g->values[v], units));
}

ocrs_status ocrs_qstats_add(ocrs_qstats *q, const ir_graph *g, const float *const *inputs, const int64_t *sizes,
                            ocrs_diag *diag) {
    int64_t units[IR_MAX_SYMS];
    ir_graph_units(g, sizes, units);
    observer o = {.q = q, .g = g};
    /* the interpreter shows node outputs; the graph's inputs are seen here */
    for (uint32_t i = 0; i < g->ninputs; i++) observe(&o, g->inputs[i], inputs[i], units);
    ocrs_status st = ir_interp_observe(g, inputs, sizes, observe, &o, diag);
    if (!st) q->images++;
    return st;
}

/* Kullback-Leibler divergence of the magnitude histogram clipped at bin n
 * (the outliers summed into bin n-1) from the quantization of its first n
 * bins to `levels` levels, expanded back over the non-empty bins: the
 * outliers are missing from the latter, which is what clipping costs. */
static double kl_of_clip(const double *mag, int nmag, int n, int levels) {
    double p[QBINS / 2], qd[QBINS / 2], total = 0;
    memcpy(p, mag, sizeof(double) * (size_t)n);
    for (int i = n; i < nmag; i++) p[n - 1] += mag[i];
    for (int i = 0; i < n; i++) total += p[i];
    if (total == 0) return 0;
    for (int l = 0; l < levels; l++) {
        int b0 = (int)((int64_t)l * n / levels), b1 = (int)((int64_t)(l + 1) * n / levels);
        double sum = 0;
        int nonzero = 0;
        for (int i = b0; i < b1; i++) sum += mag[i], nonzero += mag[i] > 0;
        for (int i = b0; i < b1; i++) qd[i] = p[i] > 0 && nonzero ? sum / nonzero : 0;
    }
    double qtotal = 0, kl = 0;
    for (int i = 0; i < n; i++) qtotal += qd[i];
    for (int i = 0; i < n; i++)
        if (p[i] > 0) kl += p[i] / total * log((p[i] / total) / fmax(qd[i] / qtotal, 1e-12));
    return kl;
}

/* The range [*lo, *hi] (holding 0) of value v by method. */
static void value_range(const ocrs_qstats *q, ir_id v, const ocrs_quant_opts *o, double *lo, double *hi) {
    *lo = fmin(q->lo[v], 0), *hi = fmax(q->hi[v], 0);
    const double *h = q->hist[v], r = q->r[v], w = 2 * r / QBINS;
    double total = 0;
    for (int k = 0; k < QBINS; k++) total += h[k];
    if (o->method == OCRS_QCALIB_PERCENTILE) {
        double drop = total * (1 - o->percentile / 100), c = 0;
        int k = 0;
        for (; k < QBINS && c + h[k] <= drop; k++) c += h[k];
        *lo = fmax(*lo, fmin(-r + k * w, 0));
        c = 0;
        for (k = QBINS - 1; k >= 0 && c + h[k] <= drop; k--) c += h[k];
        *hi = fmin(*hi, fmax(-r + (k + 1) * w, 0));
    } else if (o->method == OCRS_QCALIB_ENTROPY) {
        double mag[QBINS / 2];
        for (int k = 0; k < QBINS / 2; k++) mag[k] = h[QBINS / 2 + k] + h[QBINS / 2 - 1 - k];
        int levels = q->lo[v] >= 0 ? 255 : 128, best = QBINS / 2;
        double best_kl = INFINITY;
        for (int n = levels; n <= QBINS / 2; n++) {
            double kl = kl_of_clip(mag, QBINS / 2, n, levels);
            if (kl < best_kl) best_kl = kl, best = n;
        }
        double t = best * w;
        *lo = fmax(*lo, -t), *hi = fmin(*hi, t);
    }
}

/* Symmetric per slice along the weight's out_axis, integers in [-qmax,
 * qmax] stored as `bits` bits; bias (when x_scale > 0) int32 per slice at
 * x_scale times the weights' scales. */
static bool quantize_weight(ir_graph *g, ir_id wid, int bits, double qmax, const float *wscale, double x_scale) {
    ir_value *v = &g->values[wid];
    OCRS_ASSERT(v->out_axis >= 0 && v->dtype == IR_F32);
    int64_t n = ir_numel_static(v), nslice = v->dims[v->out_axis].q, inner = 1;
    for (int i = v->out_axis + 1; i < v->rank; i++) inner *= v->dims[i].q;
    float *scale = ocrs_arena_alloc(g->arena, sizeof(float) * (size_t)nslice);
    if (!scale) return false;
    float *x = v->data;
    if (bits == 8) { /* the largest magnitude of each slice, then its scale */
        for (int64_t c = 0; c < nslice; c++) scale[c] = 0;
        for (int64_t i = 0; i < n; i++) scale[(i / inner) % nslice] = fmaxf(scale[(i / inner) % nslice], fabsf(x[i]));
        for (int64_t c = 0; c < nslice; c++) scale[c] = scale[c] > 0 ? (float)(scale[c] / qmax) : 1.0f;
    } else {
        for (int64_t c = 0; c < nslice; c++) scale[c] = (float)(x_scale * wscale[c]);
    }
    for (int64_t i = 0; i < n; i++) {
        float s = scale[(i / inner) % nslice];
        double qv = fmin(fmax(nearbyint((double)x[i] / s), -qmax), qmax);
        x[i] = (float)(qv * s);
    }
    v->qbits = (int8_t)bits;
    v->qscale = scale;
    return true;
}

/* Moves the nodes from `first` on (appended FakeQuants) to just after the
 * producers of what they read, keeping every other node's order. */
static bool place_after_producers(ir_graph *g, uint32_t first) {
    uint32_t nn = g->nnodes;
    ir_node *order = malloc(sizeof(ir_node) * nn);
    if (!order) return false;
    uint32_t k = 0;
    for (uint32_t j = first; j < nn; j++)
        if (g->values[g->nodes[j].inputs[0]].producer == IR_NONE || g->values[g->nodes[j].inputs[0]].producer >= first)
            order[k++] = g->nodes[j];
    for (uint32_t i = 0; i < first; i++) {
        order[k++] = g->nodes[i];
        for (uint32_t j = first; j < nn; j++)
            if (g->values[g->nodes[j].inputs[0]].producer == i) order[k++] = g->nodes[j];
    }
    OCRS_ASSERT(k == nn);
    memcpy(g->nodes, order, sizeof(ir_node) * nn);
    free(order);
    for (uint32_t i = 0; i < nn; i++) g->values[g->nodes[i].output].producer = i;
    return true;
}

ocrs_status ocrs_quantize(ir_graph *g, const ocrs_qstats *q, const ocrs_quant_opts *o, ocrs_quant_report *rep,
                          ocrs_diag *diag) {
    OCRS_ASSERT(q->nvalues == g->nvalues);
    OCRS_ASSERT(o->weight_max == 0 || (o->weight_max >= 63 && o->weight_max <= 127));
    uint32_t nn = g->nnodes, nv = g->nvalues;
    ir_id *fq = malloc(sizeof(ir_id) * (nv + 1));
    ir_act *qx = malloc(sizeof(ir_act) * (nv + 1)); /* per value: its quantization, once chosen */
    if (!fq || !qx) {
        free(fq);
        free(qx);
        return ocrs_fail(diag, OCRS_ERR_NOMEM, "quantization: out of memory");
    }
    for (ir_id v = 0; v < nv; v++) fq[v] = IR_NONE, qx[v].kind = IR_ACT_NONE;
    *rep = (ocrs_quant_report){0};
    ocrs_status st = OCRS_OK;
    for (ir_id id = 0; id < nn && !st; id++) {
        if (!quantizable(&g->nodes[id])) continue;
        rep->convs++;
        if (kept_fp32(id, o)) continue;
        ir_id x = g->nodes[id].inputs[0];
        if (!q->want[x] || q->hi[x] < q->lo[x]) {
            st = ocrs_fail(diag, OCRS_ERR_INVALID, "quantization: %s: no calibration statistics for its input '%s'",
                           g->nodes[id].name, g->values[x].name);
            break;
        }
        if (qx[x].kind == IR_ACT_NONE) {
            double lo, hi;
            value_range(q, x, o, &lo, &hi);
            float scale = hi > lo ? (float)((hi - lo) / 255) : 1.0f;
            qx[x] = (ir_act){IR_ACT_QUANT, scale, fminf(fmaxf(nearbyintf((float)(-lo / scale)), 0), 255)};
        }
        int wmax = 127;
        if (ir_conv_int8_capable(g, &g->nodes[id])) { /* the integer kernels */
            g->nodes[id].attrs.in_act = qx[x];
            if (g->nodes[id].attrs.group == 1 && o->weight_max) wmax = o->weight_max;
            rep->integer++;
        } else {
            if (fq[x] == IR_NONE) { /* the value's first such reader: its FakeQuant */
                const ir_value *xv = &g->values[x];
                size_t len = strlen(xv->name) + 8;
                char *name = malloc(len);
                ir_id y = name ? (snprintf(name, len, "%s.quant", xv->name),
                                  ir_add_value(g, name, IR_F32, xv->rank, xv->dims))
                               : IR_NONE;
                free(name);
                ir_id node = y == IR_NONE ? IR_NONE : ir_add_node(g, IR_OP_FakeQuant, g->values[y].name, 1, &x, y);
                if (node == IR_NONE) {
                    st = ocrs_fail(diag, OCRS_ERR_NOMEM, "quantization: out of memory");
                    break;
                }
                g->nodes[node].attrs.act = qx[x];
                fq[x] = y;
            }
            g->nodes[id].inputs[0] = fq[x];
        }
        ir_id wid = pass_private_weight(g, id, 1);
        bool ok = wid != IR_NONE && quantize_weight(g, wid, 8, wmax, NULL, 0);
        if (ok && g->nodes[id].ninputs > 2 && g->nodes[id].inputs[2] != IR_NONE) {
            ir_id bid = pass_private_weight(g, id, 2);
            ok = bid != IR_NONE && quantize_weight(g, bid, 32, 2147483647.0, g->values[wid].qscale, qx[x].a);
        }
        if (!ok) {
            st = ocrs_fail(diag, OCRS_ERR_NOMEM, "quantization: out of memory");
            break;
        }
        rep->int8++;
        rep->int8_params += ir_numel_static(&g->values[wid]);
    }
    if (!st && !place_after_producers(g, nn)) st = ocrs_fail(diag, OCRS_ERR_NOMEM, "quantization: out of memory");
    free(fq);
    free(qx);
    return st;
}
