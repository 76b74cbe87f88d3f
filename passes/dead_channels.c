/* Dead-channel elimination: channels that cannot change the output are
 * removed, and the output stays the same (up to float rounding of folded
 * biases).
 * Needs: the canonical graph (shapes; BN and affine ops already folded, so a
 *   zero filter's output is the constant act(bias)).
 * Changes: per channel class (passes/channel_groups.c), never for pinned
 *   ones:
 *   1. Constants: a channel is constant when its producing filter reads
 *      nothing (all zero weights, or only constant channels through a conv
 *      without padding), and through pass-through and elementwise ops
 *      whose operands are constant. Zero padding sees 0 at the borders, so
 *      a constant c read by a padded conv, or by a ConvTranspose, is not the
 *      same as c everywhere: only c == 0 folds there.
 *   2. Liveness, to a fixed point from the pinned classes: a class is kept
 *      when some consumer whose output channel is kept reads it with a
 *      non-zero weight column and cannot absorb it (it is not constant, or
 *      the consumer does not fold it exactly). Cycles through SE blocks are
 *      handled because everything not proven kept is removed. A dense conv
 *      whose inputs would all go keeps one (codegen needs an input).
 *   3. Removed constant channels are folded into the consumers' biases
 *      (b[m] += c * sum of the column's taps, for convs without padding);
 *      then every weight is sliced along its axes (out_axis/in_axis kept),
 *      depthwise groups shrink, Concat drops emptied inputs, nodes whose
 *      output lost every channel die.
 * Invalidates: value and node ids (ir_compact), unless nothing is removed,
 *   in which case the graph is untouched.
 * Step 3's rewriting is ocrs_remove_classes, which channel pruning
 * (passes/prune.c) shares. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "passes.h"

typedef struct {
    ir_graph *g;
    ocrs_channel_groups *cg;
    bool *is_const;  /* per element */
    float *value;    /* per element, when is_const */
    bool *kept;      /* per class */
    double **bias_add; /* per node: additions to its bias, or NULL */
    uint32_t nnodes;   /* nodes when the pass started */
} dead;

static uint32_t elem(const dead *d, ir_id v, int64_t c) {
    return d->cg->value_base[v] == OCRS_CHAN_NONE ? OCRS_CHAN_NONE : d->cg->value_base[v] + (uint32_t)c;
}

static bool elem_kept(const dead *d, uint32_t e) { return d->kept[d->cg->elem_class[e]]; }

/* ---- conv geometry ---------------------------------------------------------- */

typedef struct {
    int64_t cin, cout, cg, mg, taps;
    bool transpose, padded;
} conv_shape;

static conv_shape conv_of(const ir_graph *g, const ir_node *n) {
    const ir_value *w = &g->values[n->inputs[1]];
    conv_shape s = {.cin = g->values[n->inputs[0]].dims[1].q, .cout = g->values[n->output].dims[1].q,
                    .taps = w->dims[2].q * w->dims[3].q, .transpose = n->op == IR_OP_ConvTranspose};
    s.cg = s.cin / n->attrs.group;
    s.mg = s.cout / n->attrs.group;
    for (int i = 0; i < 4; i++) s.padded |= n->attrs.pad[i] != 0;
    return s;
}

/* The taps joining input channel c to output channel m (c in m's group). */
static const float *taps(const ir_graph *g, const ir_node *n, const conv_shape *s, int64_t m, int64_t c) {
    const float *w = g->values[n->inputs[1]].data;
    if (s->transpose) return w + (c * s->mg + m % s->mg) * s->taps;
    return w + (m * s->cg + c - (m / s->mg) * s->cg) * s->taps;
}

static bool nonzero(const float *t, int64_t n, double *sum) {
    bool any = false;
    *sum = 0;
    for (int64_t i = 0; i < n; i++) {
        any |= t[i] != 0.0f;
        *sum += t[i];
    }
    return any;
}

/* Whether conv n gives the same result when input element e (constant)
 * is replaced by adding its contribution to the bias. */
static bool folds(const dead *d, const conv_shape *s, uint32_t e) {
    return d->is_const[e] && (d->value[e] == 0.0f || (!s->transpose && !s->padded));
}

/* ---- 1. constants ----------------------------------------------------------- */

static void conv_constants(dead *d, const ir_node *n) {
    const ir_graph *g = d->g;
    conv_shape s = conv_of(g, n);
    const float *bias = n->ninputs > 2 && n->inputs[2] != IR_NONE ? g->values[n->inputs[2]].data : NULL;
    for (int64_t m = 0; m < s.cout; m++) {
        uint32_t o = elem(d, n->output, m);
        double acc = bias ? bias[m] : 0.0, sum;
        bool ok = true;
        int64_t c0 = (m / s.mg) * s.cg;
        for (int64_t c = c0; c < c0 + s.cg && ok; c++) {
            if (!nonzero(taps(g, n, &s, m, c), s.taps, &sum)) continue;
            uint32_t e = elem(d, n->inputs[0], c);
            ok = e != OCRS_CHAN_NONE && folds(d, &s, e);
            if (ok) acc += (double)d->value[e] * sum;
        }
        d->is_const[o] = ok;
        if (ok) d->value[o] = ir_act_apply(n->attrs.act, (float)acc);
    }
}

/* Element c of operand v of a binary op whose output has cout channels, as
 * a constant: a weight holding one value, or one per channel; or a constant
 * element (channel 0 when the operand broadcasts over channels). */
static bool operand_const(const dead *d, ir_id v, int64_t c, int64_t cout, float *x) {
    const ir_value *val = &d->g->values[v];
    if (ir_is_weight(val)) {
        int64_t n = ir_numel_static(val), ca = val->rank - 3;
        if (val->dtype != IR_F32 || n < 1) return false;
        if (n == 1) *x = *(const float *)val->data;
        else if (ca >= 0 && val->dims[ca].q == n && n == cout) *x = ((const float *)val->data)[c];
        else return false;
        return true;
    }
    uint32_t e = elem(d, v, val->rank == 4 && val->dims[1].q == 1 ? 0 : c);
    if (e == OCRS_CHAN_NONE || !d->is_const[e]) return false;
    *x = d->value[e];
    return true;
}

static void node_constants(dead *d, ir_id id) {
    const ir_node *n = &d->g->nodes[id];
    ir_id y = n->output;
    if (elem(d, y, 0) == OCRS_CHAN_NONE) return;
    int64_t cout = d->g->values[y].dims[1].q;
    switch (ir_ops[n->op].chan) {
    case IR_CHAN_CONV:
        if (ir_is_weight(&d->g->values[n->inputs[1]]) && elem(d, n->inputs[0], 0) != OCRS_CHAN_NONE &&
            (n->ninputs < 3 || n->inputs[2] == IR_NONE || ir_is_weight(&d->g->values[n->inputs[2]])))
            conv_constants(d, n);
        return;
    case IR_CHAN_BINARY:
        for (int64_t c = 0; c < cout; c++) {
            float a, b;
            uint32_t o = elem(d, y, c);
            d->is_const[o] = operand_const(d, n->inputs[0], c, cout, &a) && operand_const(d, n->inputs[1], c, cout, &b);
            if (d->is_const[o]) d->value[o] = ir_binary_apply(n->op, a, b);
        }
        return;
    case IR_CHAN_CONCAT: {
        bool channel_axis = n->attrs.axis == 1 || n->attrs.axis == -3;
        int64_t off = 0;
        for (uint32_t j = 0; j < n->ninputs && channel_axis; j++) {
            ir_id x = n->inputs[j];
            if (elem(d, x, 0) == OCRS_CHAN_NONE) return;
            for (int64_t c = 0; c < d->g->values[x].dims[1].q; c++) {
                d->is_const[elem(d, y, off + c)] = d->is_const[elem(d, x, c)];
                d->value[elem(d, y, off + c)] = d->value[elem(d, x, c)];
            }
            off += d->g->values[x].dims[1].q;
        }
        return; /* along another axis: not tracked (not constant) */
    }
    case IR_CHAN_BN: return;   /* not tracked: canonicalisation folds it */
    case IR_CHAN_STOP: return; /* not tracked */
    case IR_CHAN_PASS: break;
    }
    /* pass-through: a constant channel stays constant (mapped by the
     * activation), except where an average counts padding as zeros */
    const ir_attrs *pa = &n->attrs;
    if (n->op == IR_OP_AveragePool && pa->count_include_pad && (pa->pad[0] | pa->pad[1] | pa->pad[2] | pa->pad[3]))
        return;
    ir_id x = n->inputs[0];
    if (elem(d, x, 0) == OCRS_CHAN_NONE || d->g->values[x].dims[1].q != cout) return;
    for (int64_t c = 0; c < cout; c++) {
        uint32_t e = elem(d, x, c), o = elem(d, y, c);
        d->is_const[o] = d->is_const[e];
        d->value[o] = ir_act_apply(n->attrs.act, d->value[e]);
    }
}

/* ---- 2. liveness -------------------------------------------------------------- */

/* Whether consumer reference r of a class must keep it: some kept output
 * reads it through non-zero taps, and the conv cannot absorb it. */
static bool ref_needs(const dead *d, const ocrs_chan_ref *r) {
    const ir_node *n = &d->g->nodes[r->node];
    conv_shape s = conv_of(d->g, n);
    uint32_t e = elem(d, n->inputs[0], r->index);
    if (folds(d, &s, e)) return false;
    int64_t m0 = (r->index / s.cg) * s.mg;
    for (int64_t m = m0; m < m0 + s.mg; m++) {
        double sum;
        if (elem_kept(d, elem(d, n->output, m)) && nonzero(taps(d->g, n, &s, m, r->index), s.taps, &sum)) return true;
    }
    return false;
}

static bool class_needed(const dead *d, uint32_t k) {
    const ocrs_chan_class *c = &d->cg->classes[k];
    for (uint32_t i = 0; i < c->nconsumers; i++)
        if (ref_needs(d, &d->cg->consumers[c->first_consumer + i])) return true;
    return false;
}

/* A dense conv with a kept output needs at least one input channel: keeps
 * the class of its input channel 0 when all would go. True when it did. */
static bool keep_an_input(dead *d) {
    for (ir_id i = 0; i < d->g->nnodes; i++) {
        const ir_node *n = &d->g->nodes[i];
        if (n->dead || (n->op != IR_OP_Conv && n->op != IR_OP_ConvTranspose) || n->attrs.group != 1) continue;
        ir_id x = n->inputs[0], y = n->output;
        if (elem(d, x, 0) == OCRS_CHAN_NONE || elem(d, y, 0) == OCRS_CHAN_NONE) continue;
        bool out_kept = false, in_kept = false;
        for (int64_t m = 0; m < d->g->values[y].dims[1].q; m++) out_kept |= elem_kept(d, elem(d, y, m));
        for (int64_t c = 0; c < d->g->values[x].dims[1].q; c++) in_kept |= elem_kept(d, elem(d, x, c));
        if (out_kept && !in_kept) {
            d->kept[d->cg->elem_class[elem(d, x, 0)]] = true;
            return true;
        }
    }
    return false;
}

static void liveness(dead *d) {
    for (uint32_t k = 0; k < d->cg->nclasses; k++) d->kept[k] = d->cg->classes[k].pinned;
    for (bool changed = true; changed;) {
        changed = false;
        for (uint32_t k = d->cg->nclasses; k-- > 0;)
            if (!d->kept[k] && class_needed(d, k)) d->kept[k] = changed = true;
        if (!changed) changed = keep_an_input(d);
    }
}

/* ---- 3. rewriting ------------------------------------------------------------- */

static ocrs_status nomem(const dead *d, ocrs_diag *diag) {
    return ocrs_fail(diag, OCRS_ERR_NOMEM, "%s: dead_channels: out of memory", d->g->source);
}

/* Adds each removed constant's contribution to the biases of the convs
 * without padding that read it. */
static ocrs_status fold_constants_into_biases(dead *d, ocrs_diag *diag) {
    for (uint32_t k = 0; k < d->cg->nclasses; k++) {
        const ocrs_chan_class *c = &d->cg->classes[k];
        for (uint32_t i = 0; i < c->nconsumers && !d->kept[k]; i++) {
            const ocrs_chan_ref *r = &d->cg->consumers[c->first_consumer + i];
            const ir_node *n = &d->g->nodes[r->node];
            uint32_t e = elem(d, n->inputs[0], r->index);
            if (!d->is_const[e] || d->value[e] == 0.0f || n->op != IR_OP_Conv) continue;
            conv_shape s = conv_of(d->g, n);
            if (!d->bias_add[r->node] && !(d->bias_add[r->node] = calloc((size_t)s.cout, sizeof(double))))
                return nomem(d, diag);
            int64_t m0 = (r->index / s.cg) * s.mg;
            for (int64_t m = m0; m < m0 + s.mg; m++) {
                double sum;
                if (nonzero(taps(d->g, n, &s, m, r->index), s.taps, &sum))
                    d->bias_add[r->node][m] += (double)d->value[e] * sum;
            }
        }
    }
    return OCRS_OK;
}

/* Channel keep-mask of value v (malloc'ed), or NULL when it has no channels
 * or keeps them all. *kept_out gets the number kept. */
static bool *mask_of(const dead *d, ir_id v, int64_t *kept_out, bool *nomem_out) {
    *kept_out = -1;
    if (elem(d, v, 0) == OCRS_CHAN_NONE) return NULL;
    int64_t n = d->g->values[v].dims[1].q, kept = 0;
    for (int64_t c = 0; c < n; c++) kept += elem_kept(d, elem(d, v, c));
    *kept_out = kept;
    if (kept == n) return NULL;
    bool *m = malloc((size_t)n);
    if (!m) {
        *nomem_out = true;
        return NULL;
    }
    for (int64_t c = 0; c < n; c++) m[c] = elem_kept(d, elem(d, v, c));
    return m;
}

/* Keeps, along each axis a with keep[a] != NULL, the slices keep[a] marks of
 * the weight in input slot `slot` of node n. */
static ocrs_status slice_weight(dead *d, ir_id n, uint32_t slot, const bool *const keep[IR_MAX_RANK], ocrs_diag *diag) {
    ir_graph *g = d->g;
    const ir_value *w = &g->values[g->nodes[n].inputs[slot]];
    int rank = w->rank;
    int64_t dims[IR_MAX_RANK], nd[IR_MAX_RANK], total = ir_numel_static(w), kept = 1;
    bool change = false;
    for (int a = 0; a < rank; a++) {
        dims[a] = nd[a] = w->dims[a].q;
        if (!keep[a]) continue;
        nd[a] = 0;
        for (int64_t i = 0; i < dims[a]; i++) nd[a] += keep[a][i];
        change |= nd[a] != dims[a];
    }
    if (!change) return OCRS_OK;
    for (int a = 0; a < rank; a++) kept *= nd[a];
    ir_id wid = pass_private_weight(g, n, slot);
    float *data = wid == IR_NONE ? NULL : ocrs_arena_alloc(g->arena, sizeof(float) * (size_t)(kept ? kept : 1));
    if (!data) return nomem(d, diag);
    const float *src = g->values[wid].data;
    int64_t at = 0;
    for (int64_t i = 0; i < total; i++) {
        bool in = true;
        for (int64_t a = rank - 1, rest = i; a >= 0; a--) {
            int64_t idx = rest % dims[a];
            rest /= dims[a];
            in &= !keep[a] || keep[a][idx];
        }
        if (in) data[at++] = src[i];
    }
    ir_value *nw = &g->values[wid];
    for (int a = 0; a < rank; a++) nw->dims[a] = ir_dim_const(nd[a]);
    nw->data = data;
    return OCRS_OK;
}

static ocrs_status rewrite_conv(dead *d, ir_id id, const bool *in, const bool *out, int64_t out_kept, FILE *report,
                                ocrs_diag *diag) {
    ir_graph *g = d->g;
    if (d->bias_add && d->bias_add[id]) {
        ir_id b = pass_conv_private_bias(g, id);
        if (b == IR_NONE) return nomem(d, diag);
        float *bd = g->values[b].data;
        for (int64_t m = 0; m < g->values[b].dims[0].q; m++) bd[m] = (float)((double)bd[m] + d->bias_add[id][m]);
    }
    ir_node *n = &g->nodes[id];
    conv_shape s = conv_of(g, n);
    bool depthwise = !s.transpose && n->attrs.group > 1;
    const bool *wk[IR_MAX_RANK] = {0};
    if (depthwise) wk[0] = out;
    else if (n->attrs.group == 1) wk[0] = s.transpose ? in : out, wk[1] = s.transpose ? out : in;
    ocrs_status st = slice_weight(d, id, 1, wk, diag);
    if (!st && n->ninputs > 2 && n->inputs[2] != IR_NONE) st = slice_weight(d, id, 2, (const bool *[IR_MAX_RANK]){out}, diag);
    if (st) return st;
    if (depthwise && out) n->attrs.group = out_kept;
    if (report && (in || out)) {
        char label[400];
        ir_node_label(g, id, label, sizeof label);
        int64_t in_kept = 0;
        for (int64_t c = 0; c < s.cin; c++) in_kept += !in || in[c];
        fprintf(report, "dead_channels: %s: %lld -> %lld input, %lld -> %lld output channels\n", label,
                (long long)s.cin, (long long)in_kept, (long long)s.cout, (long long)(out ? out_kept : s.cout));
    }
    return OCRS_OK;
}

/* Slices node id's parameters and drops emptied Concat inputs. */
static ocrs_status rewrite_node(dead *d, ir_id id, FILE *report, ocrs_diag *diag) {
    ir_graph *g = d->g;
    ir_node *n = &g->nodes[id];
    bool oom = false;
    int64_t out_kept, in_kept;
    bool *out = mask_of(d, n->output, &out_kept, &oom), *in = NULL;
    ocrs_status st = OCRS_OK;
    if (oom) return nomem(d, diag);
    if (out_kept == 0) {
        if (report) {
            char label[400];
            ir_node_label(g, id, label, sizeof label);
            fprintf(report, "dead_channels: %s: removed\n", label);
        }
        n->dead = true;
        free(out);
        return OCRS_OK;
    }
    switch (ir_ops[n->op].chan) {
    case IR_CHAN_CONV:
        in = mask_of(d, n->inputs[0], &in_kept, &oom);
        st = oom ? nomem(d, diag) : rewrite_conv(d, id, in, out, out_kept, report, diag);
        break;
    case IR_CHAN_BN:
        for (uint32_t j = 1; j < 5 && !st; j++) st = slice_weight(d, id, j, (const bool *[IR_MAX_RANK]){out}, diag);
        break;
    case IR_CHAN_BINARY:
        for (uint32_t j = 0; j < 2 && !st && out; j++) {
            const ir_value *w = &g->values[n->inputs[j]];
            int ca = w->rank - 3;
            if (!ir_is_weight(w) || ca < 0 || w->dims[ca].q != g->values[n->output].dims[1].q) continue;
            const bool *keep[IR_MAX_RANK] = {0};
            keep[ca] = out;
            st = slice_weight(d, id, j, keep, diag);
        }
        break;
    case IR_CHAN_CONCAT: {
        uint32_t k = 0;
        for (uint32_t j = 0; j < n->ninputs; j++) {
            int64_t kept;
            bool *m = mask_of(d, n->inputs[j], &kept, &oom);
            free(m);
            if (kept != 0) n->inputs[k++] = n->inputs[j];
        }
        n->ninputs = k;
        st = oom ? nomem(d, diag) : OCRS_OK;
        break;
    }
    case IR_CHAN_PASS:
    case IR_CHAN_STOP: break; /* no weights along channels */
    }
    free(in);
    free(out);
    return st;
}

ocrs_status ocrs_remove_classes(ir_graph *g, const ocrs_channel_groups *cg, const bool *kept, double *const *bias_add,
                                FILE *report, ocrs_diag *diag) {
    /* rewriting only reads cg, kept and bias_add */
    dead d = {.g = g, .cg = (ocrs_channel_groups *)cg, .kept = (bool *)kept, .bias_add = (double **)bias_add,
              .nnodes = g->nnodes};
    ocrs_status st = OCRS_OK;
    for (ir_id i = 0; i < d.nnodes && !st; i++)
        if (!g->nodes[i].dead) st = rewrite_node(&d, i, report, diag);
    if (!st) st = pass_shape_infer(g, diag);
    if (!st) st = pass_dce(g, diag);
    return st;
}

static void summary(const dead *d, FILE *report) {
    uint32_t removed = 0, constant = 0, channels = 0;
    for (uint32_t k = 0; k < d->cg->nclasses; k++) {
        const ocrs_chan_class *c = &d->cg->classes[k];
        if (d->kept[k]) continue;
        removed++;
        bool is_const = false;
        for (uint32_t i = 0; i < c->nmembers; i++) {
            const ocrs_chan_member *m = &d->cg->members[c->first_member + i];
            is_const |= d->is_const[elem(d, m->value, m->channel)];
        }
        constant += is_const;
        channels += c->nproducers;
    }
    fprintf(report,
            "dead_channels: removed %u of %u channel classes (%u constant, folded into consumers; %u unread), "
            "%u filters\n",
            removed, d->cg->nclasses, constant, removed - constant, channels);
}

ocrs_status pass_dead_channels(ir_graph *g, FILE *report, ocrs_diag *diag) {
    dead d = {.g = g};
    ocrs_status st = ocrs_channel_groups_build(g, &d.cg, diag);
    if (st) return st;
    d.is_const = calloc(d.cg->nelems + 1, sizeof *d.is_const);
    d.value = calloc(d.cg->nelems + 1, sizeof *d.value);
    d.kept = calloc(d.cg->nclasses + 1, sizeof *d.kept);
    d.nnodes = g->nnodes;
    d.bias_add = calloc(d.nnodes + 1, sizeof *d.bias_add);
    if (!d.is_const || !d.value || !d.kept || !d.bias_add) {
        st = nomem(&d, diag);
        goto done;
    }
    for (ir_id i = 0; i < g->nnodes; i++)
        if (!g->nodes[i].dead) node_constants(&d, i);
    liveness(&d);
    bool any = false;
    for (uint32_t k = 0; k < d.cg->nclasses; k++) any |= !d.kept[k];
    if (report) summary(&d, report);
    if (!any) goto done;
    if ((st = fold_constants_into_biases(&d, diag))) goto done;
    st = ocrs_remove_classes(g, d.cg, d.kept, d.bias_add, report, diag);
done:
    if (d.bias_add)
        for (ir_id i = 0; i < d.nnodes; i++) free(d.bias_add[i]);
    free(d.bias_add);
    free(d.is_const);
    free(d.value);
    free(d.kept);
    ocrs_channel_groups_free(d.cg);
    return st;
}
