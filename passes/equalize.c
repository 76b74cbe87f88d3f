/* Range equalization before int8 quantization.
 * Needs: a canonical float graph (pruned or not) and the largest magnitude
 *   of each channel of its activations on calibration inputs (ocrs_calib
 *   absmax, collected on the graph as it is).
 * Changes: a value that a Conv P writes with an epilogue commuting with a
 *   positive scale (no activation or ReLU; a post step without a shift) and
 *   that only depthwise Convs read: P's filter c (its weights and bias) is
 *   multiplied by s_c and each reader's filter(s) reading channel c divided
 *   by it, s_c the power of two that brings the channel's largest magnitude
 *   m_c into (R / 2, R], R the largest of the value's m_c (at most
 *   2^EQ_MAX_SHIFT). Why: per-tensor activation quantization gives every
 *   channel the same 255 levels over the tensor's range, so a channel whose
 *   values span a fiftieth of it is left with five; a depthwise reader mixes
 *   no channels, so nothing averages the error out. The recognizer's stem
 *   conv (no activation) feeds a depthwise conv with channels of very
 *   different spans: quantizing that one conv alone cost 2.6% of line
 *   accuracy on unseen lines. Weights are quantized per output channel, so
 *   the scales cost the weights nothing, and powers of two make the float
 *   model compute the same bits (products, sums and the ReLU scale exactly).
 * Invalidates: nothing (ids stay; weights shared with other nodes are
 *   copied first). */
#include <math.h>
#include <stdlib.h>

#include "passes.h"

enum { EQ_MAX_SHIFT = 12 };

/* Whether y = epilogue(s * z) = s * epilogue(z) for s > 0. */
static bool scales_through(const ir_node *n) {
    ir_act_kind a = n->attrs.act.kind;
    return (a == IR_ACT_NONE || a == IR_ACT_RELU) && !(n->attrs.post.on && n->attrs.post.has_shift);
}

static bool is_depthwise_reader(const ir_graph *g, const ir_node *n, ir_id v, int64_t channels) {
    if (n->dead || n->op != IR_OP_Conv || n->inputs[0] != v || n->attrs.group != channels || n->attrs.in_act.kind)
        return false;
    for (uint32_t i = 1; i < n->ninputs; i++)
        if (n->inputs[i] == v) return false;
    const ir_value *w = &g->values[n->inputs[1]];
    return pass_float_weight(g, n->inputs[1]) && w->rank == 4 && w->dims[1].q == 1 && w->dims[0].q % channels == 0;
}

/* The value conv p writes, when it can be equalized: its readers (all
 * depthwise convs) in readers[0 .. *n). */
static bool candidate(const ir_graph *g, const ir_uses *u, ir_id p, ir_id *readers, uint32_t *n) {
    const ir_node *pn = &g->nodes[p];
    *n = 0;
    if (pn->dead || pn->op != IR_OP_Conv || !scales_through(pn) || pn->attrs.in_act.kind) return false;
    if (!pass_float_weight(g, pn->inputs[1]) || g->values[pn->inputs[1]].out_axis != 0) return false;
    if (pn->ninputs > 2 && pn->inputs[2] != IR_NONE && !pass_float_weight(g, pn->inputs[2])) return false;
    ir_id v = pn->output;
    const ir_value *x = &g->values[v];
    if (x->is_output || x->rank != 4 || !ir_dim_static(x->dims[1])) return false;
    for (ir_id r = 0; r < g->nnodes; r++) {
        const ir_node *rn = &g->nodes[r];
        bool reads = false;
        for (uint32_t i = 0; i < rn->ninputs && !rn->dead; i++) reads |= rn->inputs[i] == v;
        if (!reads) continue;
        if (!is_depthwise_reader(g, rn, v, x->dims[1].q)) return false;
        readers[(*n)++] = r;
    }
    return *n > 0 && *n == ir_uses_readers(g, u, v);
}

/* Multiplies the slices of weight slot `slot` of node n along axis 0 by
 * f[o / per], o the slice; false when out of memory. */
static bool scale_slices(ir_graph *g, ir_id n, uint32_t slot, const float *f, int64_t per) {
    ir_id w = pass_private_weight(g, n, slot);
    if (w == IR_NONE) return false;
    const ir_value *wv = &g->values[w];
    int64_t total = ir_numel_static(wv), inner = total / wv->dims[0].q;
    float *d = wv->data;
    for (int64_t i = 0; i < total; i++) d[i] *= f[i / inner / per];
    return true;
}

bool pass_equalize_any(const ir_graph *g) {
    ir_uses u;
    ir_id *readers = malloc(sizeof(ir_id) * (g->nnodes + 1));
    bool any = false, ok = readers && ir_uses_build(g, &u);
    for (ir_id p = 0; ok && p < g->nnodes && !any; p++) {
        uint32_t n;
        any = candidate(g, &u, p, readers, &n);
    }
    if (ok) ir_uses_free(&u);
    free(readers);
    return any; /* out of memory: nothing to equalize, the pass itself reports it */
}

ocrs_status pass_equalize(ir_graph *g, const ocrs_calib *calib, int *values_out, ocrs_diag *diag) {
    OCRS_ASSERT(calib->nvalues == g->nvalues);
    *values_out = 0;
    ir_uses u;
    ir_id *readers = malloc(sizeof(ir_id) * (g->nnodes + 1));
    if (!readers || !ir_uses_build(g, &u)) {
        free(readers);
        return ocrs_fail(diag, OCRS_ERR_NOMEM, "%s: equalization: out of memory", g->source);
    }
    ocrs_status st = OCRS_OK;
    uint32_t nn = g->nnodes; /* private weight copies add values, not nodes */
    for (ir_id p = 0; p < nn && !st; p++) {
        uint32_t nr;
        if (!candidate(g, &u, p, readers, &nr)) continue;
        ir_id v = g->nodes[p].output;
        int64_t ch = g->values[v].dims[1].q;
        const float *m = calib->absmax[v];
        if (!m || calib->channels[v] != ch) continue;
        float r = 0;
        for (int64_t c = 0; c < ch; c++) r = fmaxf(r, m[c]);
        float *up = malloc(sizeof(float) * (size_t)ch * 2), *down = up ? up + ch : NULL;
        if (!up) {
            st = ocrs_fail(diag, OCRS_ERR_NOMEM, "%s: equalization: out of memory", g->source);
            break;
        }
        bool changes = false;
        for (int64_t c = 0; c < ch; c++) {
            float ratio = m[c] > 0 ? r / m[c] : 1; /* inf when m is subnormal */
            int e;
            frexpf(fminf(ratio, ldexpf(1, EQ_MAX_SHIFT + 1)), &e); /* ratio = f * 2^e, f in [0.5, 1) */
            e = e - 1 < 0 ? 0 : e - 1 > EQ_MAX_SHIFT ? EQ_MAX_SHIFT : e - 1;
            up[c] = ldexpf(1, e), down[c] = ldexpf(1, -e);
            changes |= e > 0;
        }
        bool ok = true;
        if (changes) {
            ok = scale_slices(g, p, 1, up, 1);
            if (ok && g->nodes[p].ninputs > 2 && g->nodes[p].inputs[2] != IR_NONE) ok = scale_slices(g, p, 2, up, 1);
            for (uint32_t i = 0; ok && i < nr; i++)
                ok = scale_slices(g, readers[i], 1, down, g->values[g->nodes[readers[i]].inputs[1]].dims[0].q / ch);
            *values_out += ok;
        }
        free(up);
        if (!ok) st = ocrs_fail(diag, OCRS_ERR_NOMEM, "%s: equalization: out of memory", g->source);
    }
    ir_uses_free(&u);
    free(readers);
    return st;
}
