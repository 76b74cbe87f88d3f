/* Channel pruning: removes the least important channels of chosen channel
 * groups (passes/channel_groups.c) and recovers accuracy without retraining.
 * Needs: the canonical graph and its channel groups; calibration statistics
 *   (passes/calib.c) of the same graph for recovery.
 * Changes: per group with ratio r > 0, every channel class is scored over
 *   all of the group's producers (so a residual chain or an SE block is
 *   judged as a whole):
 *   - l1_norm: the sum of |w| of every filter computing the channel;
 *   - fpgm: per producer layer, the sum of Euclidean distances of the
 *     channel's filter to the layer's other filters in the group, summed
 *     over layers; the channels nearest the geometric median are the ones
 *     the others can stand in for, so they go first;
 *   - recon (needs calibration): the squared error removing the channel
 *     adds to its consumers' outputs, var(c) * sum of the squared weights
 *     reading it, summed over consumers. Bias compensation (or least
 *     squares) takes back the mean, so the variance is what is lost; with
 *     no recovery it is the second moment. Correlations between channels
 *     are ignored. Unlike the weight norms it sees that a channel with
 *     large filters can still be nearly constant on real images.
 *   The n * (1 - r) best classes stay, rounded to the nearest multiple of
 *   the vector width (at least one vector, at most n), so the kept count
 *   fills whole vectors; r = 0 keeps everything and changes nothing.
 *   Recovery, for each consumer (a conv reading a removed channel):
 *   - bias compensation: b[m] += mean(c) * sum of the taps joining c to m,
 *     mean(c) over every position of the calibration activations. For a
 *     padded conv this is exact only in the interior: at the border rows
 *     and columns the padding would have read zeros for some taps, and the
 *     full sum is added anyway (an approximation we accept: the border is
 *     a small share of the map). A ConvTranspose adds sum / (stride_h *
 *     stride_w), the taps an output receives on average.
 *   - least squares (dense convs, He et al. 2017 / ThiNet): the kept
 *     columns (every tap of each kept input channel) and the bias are
 *     refit so that the consumer's pre-activation output on the sampled
 *     calibration patches stays what it was: min |A T - Y|^2 +
 *     lambda |T - T0|^2 with A = [patch_kept, 1], Y the original outputs,
 *     T0 the bias-compensated original weights (so a large lambda falls
 *     back to bias compensation), solved from the normal equations in
 *     double with Cholesky. Padding enters the patches as zeros, so the
 *     border is fitted too. The other consumers (ConvTranspose) get bias
 *     compensation only when it is switched on too.
 *   Then ocrs_remove_classes slices every layer.
 * Invalidates: value and node ids. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "passes.h"

/* ---- analysis: FLOPs, skip list, info --------------------------------------- */

/* Floating-point operations of one node at the given units, by the flops
 * column of ir/ops.def: a multiply-add is two, exp and sqrt are one. */
static double node_flops(const ir_graph *g, const ir_node *n, const int64_t *units) {
    const ir_value *y = &g->values[n->output], *x = &g->values[n->inputs[0]];
    const ir_attrs *a = &n->attrs;
    double out = (double)ir_numel(y, units), in = (double)ir_numel(x, units);
    switch (ir_ops[n->op].flops) {
    case IR_FLOPS_CONV: return 2 * out * (double)(x->dims[1].q / a->group) * a->kernel[0] * a->kernel[1];
    case IR_FLOPS_CONVT: return 2 * in * (double)(y->dims[1].q / a->group) * a->kernel[0] * a->kernel[1];
    case IR_FLOPS_MATMUL: /* 2K per output, plus the bias */
        return out * (2 * (double)ir_dim_eval(x->dims[x->rank - 1], units) + (n->ninputs > 2));
    case IR_FLOPS_ELEM: return out;
    case IR_FLOPS_REDUCE: return in;
    case IR_FLOPS_POOL: return out * (double)(a->kernel[0] * a->kernel[1]);
    case IR_FLOPS_SOFTMAX: return 5 * in; /* max, subtract, exp, sum, divide */
    case IR_FLOPS_LNORM: return 8 * in;   /* sum; subtract, square-add; subtract, scale, shift, twice a product */
    case IR_FLOPS_ZERO: return 0;
    }
    OCRS_ASSERT(!"unknown flops kind");
    return 0;
}

double ocrs_graph_flops(const ir_graph *g, const int64_t *units) {
    int64_t ref[IR_MAX_SYMS];
    if (!units) ir_ref_units(g, ref), units = ref;
    double total = 0;
    for (ir_id i = 0; i < g->nnodes; i++)
        if (!g->nodes[i].dead) total += node_flops(g, &g->nodes[i], units);
    return total;
}

void ocrs_ref_sizes_text(const ir_graph *g, char *buf, size_t size) {
    buf[0] = 0;
    for (int s = 0; s < g->nsyms; s++)
        snprintf(buf + strlen(buf), size - strlen(buf), "%s%s=%lld", s ? ", " : "", g->syms[s].name,
                 (long long)g->syms[s].ref);
    if (!g->nsyms) snprintf(buf, size, "the fixed sizes");
}

bool *ocrs_prune_skip_nearest(const ir_graph *g, const ocrs_channel_groups *cg, int nconvs) {
    bool *skip = calloc(cg->ngroups + 1, sizeof *skip);
    if (!skip) return NULL;
    int seen = 0;
    for (ir_id i = 0; i < g->nnodes && seen < nconvs; i++) {
        const ir_node *n = &g->nodes[i];
        if (n->dead || (n->op != IR_OP_Conv && n->op != IR_OP_ConvTranspose)) continue;
        seen++;
        uint32_t k = ocrs_chan_class_of(cg, n->output, 0);
        if (k != OCRS_CHAN_NONE) skip[cg->classes[k].group] = true;
    }
    return skip;
}

static double node_params(const ir_graph *g, const ir_node *n) {
    double p = 0;
    for (uint32_t j = 1; j < n->ninputs; j++)
        if (n->inputs[j] != IR_NONE) p += (double)ir_numel_static(&g->values[n->inputs[j]]);
    return p;
}

/* The distinct producer and consumer nodes of group gi into list (room for
 * every node); returns their count. stamp (per node, zeroed once) marks the
 * nodes listed with gi + 1, so calls for successive groups need no clearing. */
static uint32_t group_nodes(const ocrs_channel_groups *cg, uint32_t gi, uint32_t *stamp, ir_id *list) {
    const ocrs_chan_group *gr = &cg->groups[gi];
    uint32_t n = 0;
    for (uint32_t j = 0; j < gr->nclasses; j++) {
        const ocrs_chan_class *k = &cg->classes[cg->group_classes[gr->first_class + j]];
        const ocrs_chan_ref *refs[2] = {cg->producers + k->first_producer, cg->consumers + k->first_consumer};
        uint32_t counts[2] = {k->nproducers, k->nconsumers};
        for (int side = 0; side < 2; side++)
            for (uint32_t i = 0; i < counts[side]; i++) {
                ir_id node = refs[side][i].node;
                if (stamp[node] == gi + 1) continue;
                stamp[node] = gi + 1;
                list[n++] = node;
            }
    }
    return n;
}

double ocrs_graph_params(const ir_graph *g) {
    double params = 0;
    for (ir_id v = 0; v < g->nvalues; v++)
        if (ir_is_weight(&g->values[v]) && g->values[v].dtype == IR_F32) params += (double)ir_numel_static(&g->values[v]);
    return params;
}

void ocrs_prune_info(const ir_graph *g, const ocrs_channel_groups *cg, const bool *skip, FILE *out) {
    int64_t units[IR_MAX_SYMS];
    char at[256];
    ir_ref_units(g, units);
    ocrs_ref_sizes_text(g, at, sizeof at);
    uint32_t *stamp = calloc(g->nnodes + 1, sizeof *stamp), *seen = ocrs_channel_group_seen(g);
    ir_id *list = malloc(sizeof *list * (g->nnodes + 1));
    if (!stamp || !seen || !list) {
        free(stamp);
        free(seen);
        free(list);
        return;
    }
    double flops = ocrs_graph_flops(g, units), params = ocrs_graph_params(g);
    fprintf(out, "%u channel groups; %.3f GFLOPs at %s, %.0f parameters\n", cg->ngroups, flops / 1e9, at, params);
    fprintf(out, "(FLOPs and params: of the group's producer and consumer layers, so a layer counts in the\n"
                 " group of its input channels and in that of its output channels)\n");
    for (uint32_t i = 0; i < cg->ngroups; i++) {
        uint32_t nlist = group_nodes(cg, i, stamp, list);
        double f = 0, p = 0;
        for (uint32_t k = 0; k < nlist; k++) {
            f += node_flops(g, &g->nodes[list[k]], units);
            p += node_params(g, &g->nodes[list[k]]);
        }
        const ocrs_chan_group *gr = &cg->groups[i];
        fprintf(out, "group %u: %u channels, FLOPs %.1f%%, params %.1f%%%s\n", i, gr->nclasses,
                flops > 0 ? 100 * f / flops : 0, params > 0 ? 100 * p / params : 0, !gr->prunable ? " (not prunable)" : skip && skip[i] ? " (skipped: near the input)" : "");
        ocrs_channel_group_dump(g, cg, i, seen, out);
    }
    free(stamp);
    free(seen);
    free(list);
}

/* ---- scores ------------------------------------------------------------------ */

const char *const ocrs_prune_criteria[] = {"l1_norm", "fpgm", "recon", NULL};

static const float *ref_weight(const ir_graph *g, const ocrs_chan_ref *r) {
    return g->values[g->nodes[r->node].inputs[r->slot]].data;
}

static double slice_l1(const ir_graph *g, const ocrs_chan_ref *r) {
    ocrs_slice s = ocrs_chan_ref_slice(g, r);
    const float *w = ref_weight(g, r);
    double sum = 0;
    for (int64_t o = 0; o < s.outer; o++)
        for (int64_t j = 0; j < s.inner; j++) sum += fabs(w[o * s.step + s.base + j]);
    return sum;
}

static double slice_dist(const ir_graph *g, const ocrs_chan_ref *a, const ocrs_chan_ref *b) {
    ocrs_slice sa = ocrs_chan_ref_slice(g, a), sb = ocrs_chan_ref_slice(g, b);
    const float *w = ref_weight(g, a);
    double sum = 0;
    for (int64_t o = 0; o < sa.outer; o++)
        for (int64_t j = 0; j < sa.inner; j++) {
            double d = (double)w[o * sa.step + sa.base + j] - w[o * sb.step + sb.base + j];
            sum += d * d;
        }
    return sqrt(sum);
}

typedef struct {
    const ocrs_chan_ref *ref;
    uint32_t pos; /* channel of the group */
} scored_ref;

static int by_node(const void *a, const void *b) {
    const scored_ref *x = a, *y = b;
    return x->ref->node < y->ref->node ? -1 : x->ref->node > y->ref->node;
}

static double slice_sq(const ir_graph *g, const ocrs_chan_ref *r) {
    ocrs_slice s = ocrs_chan_ref_slice(g, r);
    const float *w = ref_weight(g, r);
    double sum = 0;
    for (int64_t o = 0; o < s.outer; o++)
        for (int64_t j = 0; j < s.inner; j++) sum += (double)w[o * s.step + s.base + j] * w[o * s.step + s.base + j];
    return sum;
}

/* The recon score of class k: its consumers' output error when it goes. */
static double recon_score(const ir_graph *g, const ocrs_channel_groups *cg, const ocrs_chan_class *k,
                          const ocrs_prune_opts *o) {
    double score = 0;
    for (uint32_t i = 0; i < k->nconsumers; i++) {
        const ocrs_chan_ref *r = &cg->consumers[k->first_consumer + i];
        ir_id x = g->nodes[r->node].inputs[0];
        OCRS_ASSERT(o->calib->channels[x] > r->index);
        double n = o->calib->count[x], mean = o->calib->sum[x][r->index] / n;
        double moment = o->calib->sumsq[x][r->index] / n;
        if (o->bias_compensation || o->least_squares) moment -= mean * mean;
        score += fmax(moment, 0) * slice_sq(g, r);
    }
    return score;
}

/* Scores of group gi's channels (higher: more important); classes without
 * a producer get +inf (nothing to remove them by). */
static bool group_scores(const ir_graph *g, const ocrs_channel_groups *cg, uint32_t gi, const ocrs_prune_opts *o,
                         double *score) {
    ocrs_prune_criterion crit = o->criterion;
    const ocrs_chan_group *gr = &cg->groups[gi];
    uint32_t nrefs = 0;
    for (uint32_t j = 0; j < gr->nclasses; j++) {
        const ocrs_chan_class *k = &cg->classes[cg->group_classes[gr->first_class + j]];
        score[j] = k->nproducers ? 0 : INFINITY;
        nrefs += k->nproducers;
    }
    scored_ref *refs = malloc(sizeof *refs * (nrefs + 1));
    if (!refs) return false;
    nrefs = 0;
    for (uint32_t j = 0; j < gr->nclasses; j++) {
        const ocrs_chan_class *k = &cg->classes[cg->group_classes[gr->first_class + j]];
        for (uint32_t i = 0; i < k->nproducers; i++) refs[nrefs++] = (scored_ref){cg->producers + k->first_producer + i, j};
    }
    if (crit == OCRS_PRUNE_L1) {
        for (uint32_t i = 0; i < nrefs; i++) score[refs[i].pos] += slice_l1(g, refs[i].ref);
    } else if (crit == OCRS_PRUNE_RECON) {
        for (uint32_t j = 0; j < gr->nclasses; j++) {
            const ocrs_chan_class *k = &cg->classes[cg->group_classes[gr->first_class + j]];
            if (k->nproducers) score[j] = recon_score(g, cg, k, o);
        }
    } else {
        qsort(refs, nrefs, sizeof *refs, by_node);
        for (uint32_t a = 0, end; a < nrefs; a = end) {
            for (end = a; end < nrefs && refs[end].ref->node == refs[a].ref->node;) end++;
            for (uint32_t i = a; i < end; i++)
                for (uint32_t j = i + 1; j < end; j++) {
                    double d = slice_dist(g, refs[i].ref, refs[j].ref);
                    score[refs[i].pos] += d;
                    score[refs[j].pos] += d;
                }
        }
    }
    free(refs);
    return true;
}

int64_t ocrs_prune_kept(int64_t n, double ratio, int vector_width) {
    if (ratio <= 0) return n;
    int64_t vw = vector_width > 1 ? vector_width : 1;
    int64_t k = llround(n * (1 - ratio) / (double)vw) * vw;
    if (k < vw) k = vw;
    return k > n ? n : k;
}

typedef struct {
    double score;
    uint32_t pos;
} ranked;

static int by_score(const void *a, const void *b) {
    const ranked *x = a, *y = b;
    if (x->score != y->score) return x->score < y->score ? -1 : 1;
    return x->pos < y->pos ? -1 : x->pos > y->pos; /* ties: the later channel stays */
}

/* Clears kept[] for the classes group gi loses at ratio. */
static bool choose(const ir_graph *g, const ocrs_channel_groups *cg, uint32_t gi, double ratio,
                   const ocrs_prune_opts *o, bool *kept) {
    const ocrs_chan_group *gr = &cg->groups[gi];
    int64_t n = gr->nclasses, keep = ocrs_prune_kept(n, ratio, o->vector_width);
    if (keep >= n) return true;
    double *score = malloc(sizeof *score * (size_t)n);
    ranked *r = malloc(sizeof *r * (size_t)n);
    bool ok = score && r && group_scores(g, cg, gi, o, score);
    if (ok) {
        for (int64_t j = 0; j < n; j++) r[j] = (ranked){score[j], (uint32_t)j};
        qsort(r, (size_t)n, sizeof *r, by_score);
        for (int64_t j = 0; j < n - keep; j++) kept[cg->group_classes[gr->first_class + r[j].pos]] = false;
    }
    free(score);
    free(r);
    return ok;
}

/* ---- recovery ---------------------------------------------------------------- */

typedef struct {
    ir_graph *g;
    const ocrs_channel_groups *cg;
    const bool *kept;
    const ocrs_calib *calib;
    double **bias_add;
} recovery;

static bool in_kept(const recovery *rc, ir_id x, int64_t c) {
    uint32_t k = ocrs_chan_class_of(rc->cg, x, c);
    return k == OCRS_CHAN_NONE || rc->kept[k];
}

/* bias_add[n] += mean contribution of n's removed input channels. */
static void compensate(const recovery *rc, ir_id id, double *add) {
    const ir_graph *g = rc->g;
    const ir_node *n = &g->nodes[id];
    ir_id x = n->inputs[0];
    const ir_value *w = &g->values[n->inputs[1]];
    bool transpose = n->op == IR_OP_ConvTranspose;
    int64_t cin = g->values[x].dims[1].q, cout = g->values[n->output].dims[1].q;
    int64_t taps = w->dims[2].q * w->dims[3].q;
    double per_output = transpose ? 1.0 / (double)(n->attrs.stride[0] * n->attrs.stride[1]) : 1.0;
    const float *wd = w->data;
    for (int64_t c = 0; c < cin; c++) {
        if (in_kept(rc, x, c) || !rc->calib->count[x]) continue;
        double mean = rc->calib->sum[x][c] / rc->calib->count[x];
        for (int64_t m = 0; m < cout; m++) {
            const float *t = wd + (transpose ? c * cout + m : m * cin + c) * taps;
            double s = 0;
            for (int64_t i = 0; i < taps; i++) s += t[i];
            add[m] += mean * s * per_output;
        }
    }
}

/* In-place Cholesky solve of (a) x = b for symmetric positive definite a
 * (n x n, lower triangle used) and nrhs right-hand sides b (n x nrhs). */
static bool cholesky_solve(double *a, int64_t n, double *b, int64_t nrhs) {
    for (int64_t j = 0; j < n; j++) {
        double d = a[j * n + j];
        for (int64_t k = 0; k < j; k++) d -= a[j * n + k] * a[j * n + k];
        if (!(d > 0)) return false;
        d = sqrt(d);
        a[j * n + j] = d;
        for (int64_t i = j + 1; i < n; i++) {
            double s = a[i * n + j];
            for (int64_t k = 0; k < j; k++) s -= a[i * n + k] * a[j * n + k];
            a[i * n + j] = s / d;
        }
    }
    for (int64_t r = 0; r < nrhs; r++) {
        for (int64_t i = 0; i < n; i++) { /* L y = b */
            double s = b[i * nrhs + r];
            for (int64_t k = 0; k < i; k++) s -= a[i * n + k] * b[k * nrhs + r];
            b[i * nrhs + r] = s / a[i * n + i];
        }
        for (int64_t i = n; i-- > 0;) { /* L^T x = y */
            double s = b[i * nrhs + r];
            for (int64_t k = i + 1; k < n; k++) s -= a[k * n + i] * b[k * nrhs + r];
            b[i * nrhs + r] = s / a[i * n + i];
        }
    }
    return true;
}

/* Least-squares refit of dense conv id's kept input columns (every tap of a
 * kept channel) and bias from its sampled input patches; add holds the bias
 * compensation (the prior) on entry and the bias change on return. False
 * when there are no samples or out of memory (add is unchanged then). */
static bool refit(const recovery *rc, ir_id id, double ridge, double *add) {
    ir_graph *g = rc->g;
    ir_node *n = &g->nodes[id];
    ir_id x = n->inputs[0];
    const ocrs_calib *cal = rc->calib;
    int64_t taps = n->attrs.kernel[0] * n->attrs.kernel[1], cin = ocrs_calib_patch(g, id);
    int64_t cout = g->values[n->output].dims[1].q, ns = cal->nsample[id];
    if (!cal->sampled[id] || ns == 0) return false;
    int64_t *keep = malloc(sizeof *keep * (size_t)cin), k = 0;
    if (!keep) return false;
    for (int64_t c = 0; c < cin; c++)
        if (in_kept(rc, x, c / taps)) keep[k++] = c;
    int64_t d = k + 1;
    double *gram = calloc((size_t)(d * d), sizeof(double)), *rhs = calloc((size_t)(d * cout), sizeof(double));
    double *a = malloc(sizeof(double) * (size_t)d), *y = malloc(sizeof(double) * (size_t)cout);
    ir_id wid = pass_private_weight(g, id, 1), bid = gram ? pass_conv_private_bias(g, id) : IR_NONE;
    bool ok = keep && gram && rhs && a && y && wid != IR_NONE && bid != IR_NONE;
    if (ok) {
        float *w = g->values[wid].data;
        const float *b = g->values[bid].data;
        for (int64_t s = 0; s < ns; s++) {
            const float *row = cal->sample[id] + s * cin;
            for (int64_t i = 0; i < k; i++) a[i] = row[keep[i]];
            a[k] = 1;
            for (int64_t m = 0; m < cout; m++) {
                double acc = b[m];
                for (int64_t c = 0; c < cin; c++) acc += (double)w[m * cin + c] * row[c];
                y[m] = acc;
            }
            for (int64_t i = 0; i < d; i++) {
                for (int64_t j = 0; j <= i; j++) gram[i * d + j] += a[i] * a[j];
                for (int64_t m = 0; m < cout; m++) rhs[i * cout + m] += a[i] * y[m];
            }
        }
        double trace = 0;
        for (int64_t i = 0; i < d; i++) trace += gram[i * d + i];
        double lambda = ridge * trace / (double)d + 1e-12;
        for (int64_t i = 0; i < d; i++) {
            gram[i * d + i] += lambda;
            for (int64_t m = 0; m < cout; m++) /* prior: the compensated original */
                rhs[i * cout + m] += lambda * (i < k ? (double)w[m * cin + keep[i]] : (double)b[m] + add[m]);
        }
        ok = cholesky_solve(gram, d, rhs, cout);
        if (ok) {
            for (int64_t m = 0; m < cout; m++) {
                for (int64_t i = 0; i < k; i++) w[m * cin + keep[i]] = (float)rhs[i * cout + m];
                add[m] = rhs[k * cout + m] - b[m];
            }
        }
    }
    free(keep);
    free(gram);
    free(rhs);
    free(a);
    free(y);
    return ok;
}

/* Fills bias_add (and refits weights) for every consumer of a removed class. */
static ocrs_status recover(recovery *rc, const ocrs_prune_opts *o, ocrs_diag *diag) {
    const ocrs_channel_groups *cg = rc->cg;
    uint32_t nn = rc->g->nnodes;
    bool *hit = calloc(nn + 1, 1);
    if (!hit) return ocrs_fail(diag, OCRS_ERR_NOMEM, "prune: out of memory");
    for (uint32_t k = 0; k < cg->nclasses; k++) {
        if (rc->kept[k]) continue;
        const ocrs_chan_class *c = &cg->classes[k];
        for (uint32_t i = 0; i < c->nconsumers; i++) hit[cg->consumers[c->first_consumer + i].node] = true;
    }
    ocrs_status st = OCRS_OK;
    for (ir_id id = 0; id < nn && !st; id++) {
        if (!hit[id]) continue;
        const ir_node *n = &rc->g->nodes[id];
        int64_t cout = rc->g->values[n->output].dims[1].q;
        if (!(rc->bias_add[id] = calloc((size_t)cout, sizeof(double)))) {
            st = ocrs_fail(diag, OCRS_ERR_NOMEM, "prune: out of memory");
            break;
        }
        compensate(rc, id, rc->bias_add[id]);
        if (o->least_squares && rc->calib->sampled[id]) refit(rc, id, o->ridge, rc->bias_add[id]);
        else if (!o->bias_compensation) memset(rc->bias_add[id], 0, sizeof(double) * (size_t)cout);
    }
    free(hit);
    return st;
}

/* ---- the per-group report ------------------------------------------------------ */

/* Share of value v's channels that stay (1 without a channel axis). */
static double kept_share(const ir_graph *g, const ocrs_channel_groups *cg, const bool *kept, ir_id v) {
    const ir_value *val = &g->values[v];
    if (val->rank != 4 || !ir_dim_static(val->dims[1]) || val->dims[1].q == 0) return 1;
    int64_t n = val->dims[1].q, k = 0;
    for (int64_t c = 0; c < n; c++) {
        uint32_t cls = ocrs_chan_class_of(cg, v, c);
        k += cls == OCRS_CHAN_NONE || kept[cls];
    }
    return (double)k / (double)n;
}

/* Fills o->report before the classes go: a layer's FLOPs and params scale
 * with its kept output share, and with its kept input share unless it is
 * depthwise (one input channel per output channel, already counted). */
static ocrs_status group_report(const ir_graph *g, const ocrs_channel_groups *cg, const bool *kept,
                                const ocrs_prune_opts *o, ocrs_diag *diag) {
    int64_t units[IR_MAX_SYMS];
    ir_ref_units(g, units);
    uint32_t *stamp = calloc(g->nnodes + 1, sizeof *stamp);
    ir_id *list = malloc(sizeof *list * (g->nnodes + 1));
    double *share = malloc(sizeof *share * (g->nnodes + 1));
    if (!stamp || !list || !share) {
        free(stamp);
        free(list);
        free(share);
        return ocrs_fail(diag, OCRS_ERR_NOMEM, "prune: out of memory");
    }
    for (ir_id i = 0; i < g->nnodes; i++) {
        const ir_node *n = &g->nodes[i];
        if (n->dead) continue;
        double out = kept_share(g, cg, kept, n->output), in = kept_share(g, cg, kept, n->inputs[0]);
        bool depthwise = (n->op == IR_OP_Conv || n->op == IR_OP_ConvTranspose) && n->attrs.group > 1;
        share[i] = (n->op == IR_OP_Conv || n->op == IR_OP_ConvTranspose) && !depthwise ? out * in : out;
    }
    for (uint32_t gi = 0; gi < cg->ngroups; gi++) {
        ocrs_prune_group_report *r = &o->report[gi];
        *r = (ocrs_prune_group_report){.channels = cg->groups[gi].nclasses};
        for (uint32_t j = 0; j < cg->groups[gi].nclasses; j++) r->kept += kept[cg->group_classes[cg->groups[gi].first_class + j]];
        uint32_t nlist = group_nodes(cg, gi, stamp, list);
        for (uint32_t k = 0; k < nlist; k++) {
            ir_id i = list[k];
            double f = node_flops(g, &g->nodes[i], units), p = node_params(g, &g->nodes[i]);
            r->flops[0] += f;
            r->flops[1] += f * share[i];
            r->params[0] += p;
            r->params[1] += p * share[i];
        }
    }
    free(stamp);
    free(list);
    free(share);
    return OCRS_OK;
}

/* ---- the pass ----------------------------------------------------------------- */

ocrs_status ocrs_prune(ir_graph *g, const ocrs_channel_groups *cg, const ocrs_prune_opts *o, FILE *report,
                       ocrs_diag *diag) {
    if (o->criterion == OCRS_PRUNE_RECON && !o->calib)
        return ocrs_fail(diag, OCRS_ERR_USAGE, "prune: the recon criterion needs calibration images");
    bool *kept = malloc(cg->nclasses + 1);
    if (!kept) return ocrs_fail(diag, OCRS_ERR_NOMEM, "prune: out of memory");
    memset(kept, 1, cg->nclasses + 1);
    bool ok = true, any = false;
    for (uint32_t i = 0; i < cg->ngroups && ok; i++) {
        if (!cg->groups[i].prunable || !(o->ratio[i] > 0)) continue;
        ok = choose(g, cg, i, o->ratio[i], o, kept);
    }
    for (uint32_t k = 0; k < cg->nclasses; k++) any |= !kept[k];
    ocrs_status st = ok ? OCRS_OK : ocrs_fail(diag, OCRS_ERR_NOMEM, "prune: out of memory");
    recovery rc = {.g = g, .cg = cg, .kept = kept, .calib = o->calib};
    if (!st && any && o->calib && (o->bias_compensation || o->least_squares)) {
        if (!(rc.bias_add = calloc(g->nnodes + 1, sizeof *rc.bias_add)))
            st = ocrs_fail(diag, OCRS_ERR_NOMEM, "prune: out of memory");
        else st = recover(&rc, o, diag);
    }
    if (!st && o->report) st = group_report(g, cg, kept, o, diag);
    uint32_t nn = g->nnodes;
    if (!st && any) st = ocrs_remove_classes(g, cg, kept, rc.bias_add, report, diag);
    if (rc.bias_add)
        for (ir_id i = 0; i < nn; i++) free(rc.bias_add[i]);
    free(rc.bias_add);
    free(kept);
    return st;
}
