/* ocrslimc's quantization front end (see quant_cli.h). Every model
 * measured here is quantized and scored in a forked process (sens_run), so
 * the graph stays float until the choice is made: first every conv int8
 * but those named by --quant-fp32; when that loses more than the bound,
 * each conv alone (the sensitivity of each layer), then the most sensitive
 * kept in float, 1, 2, 4, ... of them, until the model is within the bound.
 * The per-conv losses are cached beside the output (quant_cli_output),
 * under a key of everything they depend on. */
#define _POSIX_C_SOURCE 200809L /* open_memstream */
#include "quant_cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sensitivity.h"
#include "task.h"

void quant_result_text(const quant_result *r, char *buf, size_t size) {
    snprintf(buf, size,
             "int8: %d of %d convs (weights per output channel, activations uint8 per tensor, %s calibration on %d "
             "samples; %d with integer kernels, the others on the int8 grid in float; %d tensors with equalized channels), "
             "weights %.2f MB as floats, %.2f MB as int8; %s %.4f -> %.4f (relative loss %.2f%%, bound %g%%)",
             r->rep.int8, r->rep.convs, ocrs_qcalib_methods[r->method], r->images, r->rep.integer, r->equalized,
             r->bytes[0] / 1e6, r->bytes[1] / 1e6, task_metrics[r->task], r->base, r->score, 100 * r->loss,
             100 * r->bound);
}

bool compression_note(const prune_result *p, const quant_result *q, char *buf, size_t size) {
    buf[0] = 0;
    if (p->flops[0] > 0) prune_result_text(p, buf, size);
    size_t n = strlen(buf);
    if (q->rep.convs > 0 && n + 1 < size) {
        if (n) buf[n++] = '\n';
        quant_result_text(q, buf + n, size - n);
    }
    return buf[0] != 0;
}

static ocrs_status stats_feeder(void *ctx, const ir_graph *g, const float *const *inputs, const int64_t *sizes,
                                ocrs_diag *diag) {
    return ocrs_qstats_add(ctx, g, inputs, sizes, diag);
}

/* Weight bytes: every weight as float, and with the int8 ones as bytes
 * plus a float scale per channel (int32 biases stay 4 bytes). */
static void weight_bytes(const ir_graph *g, double *bytes) {
    bytes[0] = bytes[1] = 0;
    for (ir_id v = 0; v < g->nvalues; v++) {
        const ir_value *x = &g->values[v];
        if (!ir_is_weight(x) || x->dtype != IR_F32) continue;
        double n = (double)ir_numel_static(x);
        bytes[0] += 4 * n;
        bytes[1] += x->qbits == 8 ? n + 4.0 * (double)x->dims[x->out_axis].q : 4 * n;
    }
}

static bool is_conv(const ir_node *n) { return n->op == IR_OP_Conv || n->op == IR_OP_ConvTranspose; }

/* What the measurements share. A task's mask: masks + k * nnodes. */
typedef struct {
    ir_graph *g;
    const ocrs_qstats *stats;
    const ocrs_quant_opts *o;
    const prune_cli *p;
    const sens_ctx *sc;
    const bool *masks;
    const ir_id *conv; /* per-layer tasks: the conv quantized alone, else NULL */
    int round;
} trials;

static ocrs_status measure_mask(void *ctx, int k, double *loss, ocrs_diag *diag) {
    const trials *t = ctx;
    ocrs_quant_opts o = *t->o;
    o.fp32 = t->masks + (size_t)k * t->g->nnodes;
    ocrs_quant_report rep;
    char name[32];
    snprintf(name, sizeof name, "q%d", k);
    ocrs_status st = ocrs_quantize(t->g, t->stats, &o, &rep, diag);
    return st ? st : sens_score(t->sc, t->g, name, loss, NULL, diag);
}

static void describe_mask(void *ctx, int k, char *buf, size_t size) {
    const trials *t = ctx;
    if (t->conv) snprintf(buf, size, "%s alone", t->g->nodes[t->conv[k]].name);
    else snprintf(buf, size, "round %d", t->round);
}

/* Equalizes the channel ranges of what depthwise convs read (passes/equalize.c)
 * from calibration statistics of their own, when g has such values: the
 * activation histograms must be of the graph as it will be quantized. */
static ocrs_status equalize(ir_graph *g, const task *tk, const prune_cli *p, int verbose, int *values,
                           ocrs_diag *diag) {
    *values = 0;
    if (!pass_equalize_any(g)) return OCRS_OK;
    ocrs_calib *c = NULL;
    ocrs_status st = ocrs_calib_new(g, 0, &c, diag);
    if (!st) st = task_calibrate(tk, g, c, p->calib_side, verbose, diag);
    if (!st) st = pass_equalize(g, c, values, diag);
    ocrs_calib_free(c);
    return st;
}

/* Measures one mask (the whole model as it would be quantized). */
static ocrs_status measure_one(trials *t, const bool *mask, double *loss, ocrs_diag *diag) {
    t->masks = mask, t->conv = NULL;
    return sens_run(t->sc, "int8 check", 1, measure_mask, describe_mask, t, loss, diag);
}

static void cache_path(const prune_cli *p, char *path, size_t size) { snprintf(path, size, "%s.int8.yml", p->sens_out); }

bool quant_cli_output(const quant_cli *q, const prune_cli *p, char *path, size_t size) {
    cache_path(p, path, size);
    return q->on;
}

/* SHA-256 of what the per-conv losses depend on: the float graph (its IR
 * dump, which has every node, attribute and shape, then every weight's
 * bytes; pruned or not), the samples, the scoring side, the quantization
 * settings and which convs are measured. */
static ocrs_status int8_key(const trials *t, const bool *mask, char key[65], ocrs_diag *diag) {
    const ir_graph *g = t->g;
    char *dump = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&dump, &size);
    if (!f) return ocrs_fail(diag, OCRS_ERR_NOMEM, "out of memory");
    ir_dump(g, f);
    if (fclose(f)) return ocrs_fail(diag, OCRS_ERR_NOMEM, "out of memory");
    sha256_ctx h;
    sha256_init(&h);
    sha256_update(&h, dump, size);
    free(dump);
    for (ir_id v = 0; v < g->nvalues; v++) {
        const ir_value *x = &g->values[v];
        if (ir_is_weight(x))
            sha256_update(&h, x->data, (size_t)ir_numel_static(x) * ir_dtype_size(x->dtype));
    }
    ocrs_status st = sens_hash_samples(t->p, &h, diag);
    if (st) return st;
    char settings[256];
    int n = snprintf(settings, sizeof settings, "int8 v2 side %d method %d percentile %.17g weight max %d",
                     t->p->joint_side, (int)t->o->method, t->o->percentile, t->o->weight_max);
    sha256_update(&h, settings, (size_t)n);
    sha256_update(&h, mask, g->nnodes);
    sha256_hex(&h, key);
    return OCRS_OK;
}

/* Each conv quantized alone: loss[k] for order[k], from the cache when its
 * key and size fit, else measured in p->jobs processes and cached. */
static ocrs_status conv_losses(trials *t, const bool *mask, const ir_id *order, int n, double *loss,
                               ocrs_diag *diag) {
    sens_table c = {.ngroups = (uint32_t)n, .nratios = 1, .ratios = {1}};
    char cache[4200];
    cache_path(t->p, cache, sizeof cache);
    ocrs_status st = int8_key(t, mask, c.key, diag);
    if (st) return st;
    if (sens_table_cached(cache, &c)) {
        memcpy(loss, c.loss, sizeof *loss * (size_t)n);
        sens_table_free(&c);
        fprintf(stderr, "ocrslimc: int8 sensitivity: cached in %s\n", cache);
        return OCRS_OK;
    }
    bool *masks = malloc((size_t)n * t->g->nnodes + 1);
    if (!masks) return ocrs_fail(diag, OCRS_ERR_NOMEM, "out of memory");
    for (int i = 0; i < n; i++) {
        bool *m = masks + (size_t)i * t->g->nnodes;
        for (ir_id id = 0; id < t->g->nnodes; id++) m[id] = is_conv(&t->g->nodes[id]) && id != order[i];
    }
    t->masks = masks, t->conv = order;
    st = sens_run(t->sc, "int8 sensitivity", n, measure_mask, describe_mask, t, loss, diag);
    free(masks);
    c.base = sens_base(t->sc), c.loss = loss;
    if (!st) sens_table_round(&c);
    if (!st && !sens_table_write(cache, &c, 0, 0, NULL))
        fprintf(stderr, "ocrslimc: %s: cannot write: %s\n", cache, strerror(errno));
    return st;
}

/* The convs quantized under mask, most sensitive first (each alone). */
static ocrs_status by_sensitivity(trials *t, const bool *mask, ir_id *order, int *n, ocrs_diag *diag) {
    const ir_graph *g = t->g;
    *n = 0;
    for (ir_id id = 0; id < g->nnodes; id++)
        if (is_conv(&g->nodes[id]) && !mask[id]) order[(*n)++] = id;
    double *loss = calloc((size_t)*n + 1, sizeof *loss);
    ocrs_status st = loss ? conv_losses(t, mask, order, *n, loss, diag) : ocrs_fail(diag, OCRS_ERR_NOMEM, "out of memory");
    /* insertion sort by loss, descending; ties keep graph order */
    for (int i = 1; !st && i < *n; i++)
        for (int j = i; j > 0 && loss[j] > loss[j - 1]; j--) {
            double l = loss[j];
            ir_id c = order[j];
            loss[j] = loss[j - 1], order[j] = order[j - 1];
            loss[j - 1] = l, order[j - 1] = c;
        }
    if (!st) {
        fprintf(stderr, "ocrslimc: int8 sensitivity, most sensitive first:");
        for (int i = 0; i < *n && i < 8; i++) fprintf(stderr, " %s %+.4f", g->nodes[order[i]].name, loss[i]);
        fprintf(stderr, "\n");
    }
    free(loss);
    return st;
}

/* The convs --quant-fp32 names, as a mask over g's nodes. */
static ocrs_status named_mask(const ir_graph *g, const quant_cli *q, bool *mask, ocrs_diag *diag) {
    for (int i = 0; i < q->nkeep; i++) {
        ir_id found = IR_NONE;
        for (ir_id id = 0; id < g->nnodes && found == IR_NONE; id++)
            if (is_conv(&g->nodes[id]) && strcmp(g->nodes[id].name, q->keep[i]) == 0) found = id;
        if (found == IR_NONE)
            return ocrs_fail(diag, OCRS_ERR_USAGE, "--quant-fp32 %s: %s has no conv of that name (see --emit ir)",
                             q->keep[i], g->source);
        mask[found] = true;
    }
    return OCRS_OK;
}

/* The mask within the bound: the named convs, then the most sensitive. */
static ocrs_status choose_mask(trials *t, bool *mask, double bound, double *loss, ocrs_diag *diag) {
    ocrs_status st = measure_one(t, mask, loss, diag);
    if (st || *loss <= bound) return st;
    const ir_graph *g = t->g;
    ir_id *order = malloc(sizeof(ir_id) * (g->nnodes + 1));
    bool *trial = malloc(g->nnodes + 1);
    int n = 0;
    st = order && trial ? by_sensitivity(t, mask, order, &n, diag) : ocrs_fail(diag, OCRS_ERR_NOMEM, "out of memory");
    for (int kept = 1; !st && *loss > bound && kept < n; kept *= 2) {
        memcpy(trial, mask, g->nnodes);
        for (int i = 0; i < kept; i++) trial[order[i]] = true;
        double l;
        t->round++;
        st = measure_one(t, trial, &l, diag);
        if (!st) fprintf(stderr, "ocrslimc: int8 with the %d most sensitive convs in float: loss %+.4f\n", kept, l);
        if (!st && l < *loss) *loss = l, memcpy(mask, trial, g->nnodes);
    }
    free(order);
    free(trial);
    return st;
}

ocrs_status quant_cli_run(ir_graph *g, const quant_cli *q, const prune_cli *p, int verbose, quant_result *res,
                          ocrs_diag *diag) {
    *res = (quant_result){.task = p->task, .method = q->o.method, .bound = q->loss_bound};
    if (!q->on) return OCRS_OK;
    if (!p->calib)
        return ocrs_fail(diag, OCRS_ERR_USAGE,
                         "--quantize needs calibration samples (--calib LABELS): activation ranges come from them, "
                         "and the quantized model is checked on them");
    task *tk = NULL;
    sens_ctx *sc = NULL;
    ocrs_qstats *stats = NULL;
    bool *mask = calloc(g->nnodes + 1, 1);
    ocrs_quant_opts o = q->o;
    ocrs_status st = mask ? named_mask(g, q, mask, diag) : ocrs_fail(diag, OCRS_ERR_NOMEM, "out of memory");
    o.fp32 = mask;
    if (!st) st = task_open(p, &tk, diag);
    if (!st) st = task_check_graph(tk, g, diag);
    /* the float model scored first, on the graph as it is */
    if (!st) st = sens_open(g, p, NULL, tk, p->joint_side, &sc, diag);
    if (!st && !q->no_equalize) st = equalize(g, tk, p, verbose, &res->equalized, diag);
    if (!st) st = ocrs_qstats_new(g, &o, &stats, diag);
    if (!st) st = task_feed(tk, g, p->calib_side, verbose, stats_feeder, stats, diag);
    trials t = {.g = g, .stats = stats, .o = &o, .p = p, .sc = sc};
    if (!st) st = choose_mask(&t, mask, q->loss_bound, &res->loss, diag);
    if (!st) st = ocrs_quantize(g, stats, &o, &res->rep, diag);
    if (!st) st = ir_verify(g, diag);
    if (!st) {
        res->images = task_samples(tk);
        res->base = sens_base(sc);
        res->score = res->base * (1 - res->loss);
        weight_bytes(g, res->bytes);
        char what[768];
        quant_result_text(res, what, sizeof what);
        fprintf(stderr, "ocrslimc: %s\n", what);
        if (res->loss > q->loss_bound && !p->force)
            st = ocrs_fail(diag, OCRS_ERR_INVALID,
                           "%s: the int8 model loses %.2f%% of its %s on the %d calibration samples (%.4f -> %.4f), "
                           "more than the bound %g%%, even with the most sensitive convs in float; try another "
                           "--quant-calib or a larger --quant-loss-bound; --force writes it anyway",
                           g->source, 100 * res->loss, task_metrics[p->task], res->images, res->base, res->score,
                           100 * q->loss_bound);
        else if (res->loss > q->loss_bound)
            fprintf(stderr, "ocrslimc: warning: the int8 model loses more than the bound %g%%; written anyway (--force)\n",
                    100 * q->loss_bound);
    }
    ocrs_qstats_free(stats);
    sens_close(sc);
    task_close(tk);
    free(mask);
    return st;
}
