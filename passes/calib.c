/* Calibration activations for recovery after pruning (passes/prune.c).
 * Needs: the graph pruning will rewrite (the statistics name its value ids).
 * Changes: nothing; runs the reference interpreter on calibration inputs.
 * Invalidates: nothing (the statistics go stale with the graph's ids).
 *
 * Per 4-D activation with a static channel count: the per-channel sum and
 * sum of squares over every position of every input (bias compensation, the
 * recon criterion) and the largest magnitude (channels that are always
 * zero, for dead_relu). For every dense Conv (group 1; least-squares
 * candidates): its input patches (channel x kernel window, zeros where the
 * padding is) at up to samples_per_image output positions per input, chosen
 * by a fixed pseudo-random sequence, so two runs give the same statistics. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "interp.h"
#include "passes.h"

static bool dense_conv(const ir_graph *g, const ir_node *n) {
    return !n->dead && n->op == IR_OP_Conv && n->attrs.group == 1 && g->values[n->inputs[0]].rank == 4 &&
           ir_dim_static(g->values[n->inputs[0]].dims[1]);
}

int64_t ocrs_calib_patch(const ir_graph *g, ir_id node) {
    const ir_node *n = &g->nodes[node];
    return g->values[n->inputs[0]].dims[1].q * n->attrs.kernel[0] * n->attrs.kernel[1];
}

ocrs_status ocrs_calib_new(const ir_graph *g, uint32_t samples_per_image, ocrs_calib **out, ocrs_diag *diag) {
    ocrs_calib *c = calloc(1, sizeof *c);
    *out = NULL;
    if (!c) return ocrs_fail(diag, OCRS_ERR_NOMEM, "calibration: out of memory");
    c->nvalues = g->nvalues;
    c->nnodes = g->nnodes;
    c->per_image = samples_per_image;
    c->channels = calloc(g->nvalues + 1, sizeof *c->channels);
    c->sum = calloc(g->nvalues + 1, sizeof *c->sum);
    c->sumsq = calloc(g->nvalues + 1, sizeof *c->sumsq);
    c->absmax = calloc(g->nvalues + 1, sizeof *c->absmax);
    c->count = calloc(g->nvalues + 1, sizeof *c->count);
    c->sample = calloc(g->nnodes + 1, sizeof *c->sample);
    c->nsample = calloc(g->nnodes + 1, sizeof *c->nsample);
    c->sampled = calloc(g->nnodes + 1, sizeof *c->sampled);
    bool ok = c->channels && c->sum && c->sumsq && c->absmax && c->count && c->sample && c->nsample && c->sampled;
    for (ir_id v = 0; v < g->nvalues && ok; v++) {
        const ir_value *val = &g->values[v];
        if (ir_is_weight(val) || val->rank != 4 || !ir_dim_static(val->dims[1])) continue;
        c->channels[v] = val->dims[1].q;
        ok = (c->sum[v] = calloc((size_t)c->channels[v], sizeof(double))) != NULL &&
             (c->sumsq[v] = calloc((size_t)c->channels[v], sizeof(double))) != NULL &&
             (c->absmax[v] = calloc((size_t)c->channels[v], sizeof(float))) != NULL;
    }
    for (ir_id n = 0; ok && n < g->nnodes; n++) c->sampled[n] = samples_per_image > 0 && dense_conv(g, &g->nodes[n]);
    if (!ok) {
        ocrs_calib_free(c);
        return ocrs_fail(diag, OCRS_ERR_NOMEM, "calibration: out of memory");
    }
    *out = c;
    return OCRS_OK;
}

void ocrs_calib_free(ocrs_calib *c) {
    if (!c) return;
    for (ir_id v = 0; v < c->nvalues; v++) {
        free(c->sum ? c->sum[v] : NULL);
        free(c->sumsq ? c->sumsq[v] : NULL);
        free(c->absmax ? c->absmax[v] : NULL);
    }
    for (ir_id n = 0; n < c->nnodes; n++) free(c->sample ? c->sample[n] : NULL);
    free(c->channels);
    free(c->sum);
    free(c->sumsq);
    free(c->absmax);
    free(c->count);
    free(c->sample);
    free(c->nsample);
    free(c->sampled);
    free(c);
}

typedef struct {
    ocrs_calib *c;
    const ir_graph *g;
    uint64_t seed;
    bool nomem;
} observer;

/* Appends per_image input patches of conv node at pseudo-random output
 * positions; x is its input. */
static void sample_patches(observer *o, ir_id node, const float *x, const int64_t *units) {
    ocrs_calib *c = o->c;
    const ir_graph *g = o->g;
    const ir_node *n = &g->nodes[node];
    const ir_attrs *a = &n->attrs;
    const ir_value *xv = &g->values[n->inputs[0]], *yv = &g->values[n->output];
    int64_t ih = ir_dim_eval(xv->dims[2], units), iw = ir_dim_eval(xv->dims[3], units);
    int64_t oh = ir_dim_eval(yv->dims[2], units), ow = ir_dim_eval(yv->dims[3], units);
    int64_t cin = xv->dims[1].q, kh = a->kernel[0], kw = a->kernel[1], len = ocrs_calib_patch(g, node);
    float *grown = realloc(c->sample[node], sizeof(float) * (size_t)len * (c->nsample[node] + c->per_image));
    if (!grown) {
        o->nomem = true;
        return;
    }
    c->sample[node] = grown;
    for (uint32_t s = 0; s < c->per_image; s++) {
        o->seed = o->seed * 6364136223846793005ull + 1442695040888963407ull;
        int64_t at = (int64_t)((o->seed >> 33) % (uint64_t)(oh * ow)), oy = at / ow, ox = at % ow;
        float *row = grown + (size_t)len * c->nsample[node]++;
        for (int64_t ch = 0; ch < cin; ch++)
            for (int64_t ky = 0; ky < kh; ky++)
                for (int64_t kx = 0; kx < kw; kx++) {
                    int64_t y = oy * a->stride[0] - a->pad[0] + ky * a->dilation[0];
                    int64_t xx = ox * a->stride[1] - a->pad[1] + kx * a->dilation[1];
                    bool inside = y >= 0 && y < ih && xx >= 0 && xx < iw;
                    *row++ = inside ? x[(ch * ih + y) * iw + xx] : 0;
                }
    }
}

/* Statistics of batch item 0 (calibration feeds one image at a time). */
static void observe(void *ctx, ir_id v, const float *data, const int64_t *units) {
    observer *o = ctx;
    ocrs_calib *c = o->c;
    if (v >= c->nvalues || !c->channels[v]) return;
    const ir_value *val = &o->g->values[v];
    int64_t ch = c->channels[v], hw = ir_dim_eval(val->dims[2], units) * ir_dim_eval(val->dims[3], units);
    for (int64_t k = 0; k < ch; k++) {
        double s = 0, s2 = 0;
        float m = c->absmax[v][k];
        for (int64_t i = 0; i < hw; i++) {
            s += data[k * hw + i];
            s2 += (double)data[k * hw + i] * data[k * hw + i];
            m = fmaxf(m, fabsf(data[k * hw + i]));
        }
        c->sum[v][k] += s;
        c->sumsq[v][k] += s2;
        c->absmax[v][k] = m;
    }
    c->count[v] += (double)hw;
    for (ir_id n = 0; n < c->nnodes; n++)
        if (c->sampled[n] && o->g->nodes[n].inputs[0] == v) sample_patches(o, n, data, units);
}

ocrs_status ocrs_calib_add(ocrs_calib *c, const ir_graph *g, const float *const *inputs, const int64_t *sizes,
                           ocrs_diag *diag) {
    observer o = {.c = c, .g = g, .seed = 0x9e3779b97f4a7c15ull ^ (uint64_t)c->images++};
    ocrs_status st = ir_interp_observe(g, inputs, sizes, observe, &o, diag);
    if (!st && o.nomem) st = ocrs_fail(diag, OCRS_ERR_NOMEM, "calibration: out of memory");
    return st;
}
