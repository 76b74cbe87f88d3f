/* ocrslimc's pruning front end (see prune_cli.h). Calibration and every
 * measurement go through the task (driver/task.c), so statistics and
 * scores are those of the compiled model on the library's own
 * pre-processing. */
#include "prune_cli.h"

#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frontend.h"
#include "joint.h"
#include "outfile.h"
#include "pipeline.h"
#include "sensitivity.h"
#include "sha256.h"

int prune_cli_info(int argc, char **argv) {
    const prune_num *nskip = prune_num_find("prune-skip", NULL);
    double skip_nearest = 4;
    if (argc < 3 || argc > 4) {
        fprintf(stderr, "usage: ocrslimc info MODEL.onnx [NSKIP]\n");
        return 2;
    }
    if (argc == 4 && !prune_num_parse(nskip, argv[3], &skip_nearest)) {
        char range[64];
        prune_num_range(nskip, range, sizeof range);
        fprintf(stderr, "ocrslimc: info: NSKIP takes %s, not '%s'\n", range, argv[3]);
        return 2;
    }
    ocrs_diag diag = {0};
    ir_graph *g = NULL;
    ocrs_channel_groups *cg = NULL;
    bool *skip = NULL;
    ocrs_status st = ocrs_import_onnx(argv[2], NULL, &g, &diag);
    if (!st) st = ocrs_canonicalize(g, NULL, &diag);
    if (!st) st = ocrs_channel_groups_build(g, &cg, &diag);
    if (!st && !(skip = ocrs_prune_skip_nearest(g, cg, (int)skip_nearest)))
        st = ocrs_fail(&diag, OCRS_ERR_NOMEM, "out of memory");
    if (!st) ocrs_prune_info(g, cg, skip, stdout);
    else fprintf(stderr, "ocrslimc: error: %s\n", diag.msg);
    free(skip);
    ocrs_channel_groups_free(cg);
    ir_graph_free(g);
    return st ? 1 : 0;
}

/* Marks the groups of the layers (by node name) or values p->skip_names names. */
static ocrs_status skip_named(const ir_graph *g, const ocrs_channel_groups *cg, const prune_cli *p, bool *skip,
                              ocrs_diag *diag) {
    for (int i = 0; i < p->nskip_names; i++) {
        const char *name = p->skip_names[i];
        ir_id v = IR_NONE;
        for (ir_id n = 0; n < g->nnodes && v == IR_NONE; n++)
            if (!g->nodes[n].dead && strcmp(g->nodes[n].name, name) == 0) v = g->nodes[n].output;
        if (v == IR_NONE) v = ir_find_value(g, name);
        if (v == IR_NONE) return ocrs_fail(diag, OCRS_ERR_USAGE, "prune skip list: no layer or value named '%s'", name);
        uint32_t k = ocrs_chan_class_of(cg, v, 0);
        if (k == OCRS_CHAN_NONE)
            return ocrs_fail(diag, OCRS_ERR_USAGE, "prune skip list: '%s' has no channel group", name);
        skip[cg->classes[k].group] = true;
    }
    return OCRS_OK;
}

/* FLOPs (at the typical sizes) of p->model pruned by ratio (no recovery), or -1. */
static double pruned_flops(const prune_cli *p, const double *ratio, ocrs_diag *diag) {
    ir_graph *g = NULL;
    ocrs_channel_groups *cg = NULL;
    ocrs_status st = ocrs_import_onnx(p->model, p->import, &g, diag);
    if (!st) st = ocrs_canonicalize(g, NULL, diag);
    if (!st) st = ocrs_channel_groups_build(g, &cg, diag);
    /* Which channels go does not change the count, so any criterion does. */
    ocrs_prune_opts o = {.ratio = ratio, .criterion = OCRS_PRUNE_L1, .vector_width = p->vector_width};
    if (!st) st = ocrs_prune(g, cg, &o, NULL, diag);
    double f = st ? -1 : ocrs_graph_flops(g, NULL);
    ocrs_channel_groups_free(cg);
    ir_graph_free(g);
    return f;
}

ocrs_status prune_bisect_target(prune_flops_fn flops, void *ctx, double before, double target, int steps,
                                double *lo_out, double *hi_out, double *b_out, ocrs_diag *diag) {
    /* From -1: single-group gains alone often remove more than the target. */
    double lo = -1, hi = 1, a = 0, b = 1;
    for (int it = 0; it < steps; it++) {
        double mid = (lo + hi) / 2, f = flops(ctx, mid, mid, 1, diag);
        if (f < 0) return OCRS_ERR_INVALID;
        if (1 - f / before >= target) hi = mid;
        else lo = mid;
    }
    for (int it = 0; it < 12; it++) {
        double mid = (a + b) / 2, f = flops(ctx, lo, hi, mid, diag);
        if (f < 0) return OCRS_ERR_INVALID;
        if (1 - f / before >= target) b = mid;
        else a = mid;
    }
    *lo_out = lo, *hi_out = hi, *b_out = b;
    return OCRS_OK;
}

/* ratio: t's choices under the per-group bounds lo and hi blended, lo's +
 * b * (hi's - lo's); scratch holds t->ngroups + 1. */
static void blended_choice(const sens_table *t, double lo, double hi, double b, double *ratio, double *scratch) {
    sens_select(t, lo, ratio);
    sens_select(t, hi, scratch);
    for (uint32_t i = 0; i < t->ngroups; i++) ratio[i] += b * (scratch[i] - ratio[i]);
}

/* prune_flops_fn over one model's table. */
typedef struct {
    const prune_cli *p;
    const sens_table *t;
    double *ratio, *scratch;
} table_flops;

static double table_flops_at(void *ctx, double lo, double hi, double b, ocrs_diag *diag) {
    table_flops *c = ctx;
    blended_choice(c->t, lo, hi, b, c->ratio, c->scratch);
    return pruned_flops(c->p, c->ratio, diag);
}

/* Per-group ratios from the sensitivity table: under p->max_loss, or the
 * smallest max_loss (prune_bisect_target) whose ratios remove
 * p->flops_target of the FLOPs. Groups without losses in t (skipped) keep
 * ratio 0. */
static ocrs_status choose_ratios(const ir_graph *g, const prune_cli *p, const sens_table *t, double *ratio,
                                 ocrs_diag *diag) {
    if (!(p->flops_target > 0)) {
        sens_select(t, p->max_loss, ratio);
        return OCRS_OK;
    }
    table_flops c = {p, t, ratio, malloc(sizeof(double) * (t->ngroups + 1))};
    if (!c.scratch) return ocrs_fail(diag, OCRS_ERR_NOMEM, "out of memory");
    double lo, hi, b;
    ocrs_status st = prune_bisect_target(table_flops_at, &c, ocrs_graph_flops(g, NULL), p->flops_target, 16, &lo,
                                         &hi, &b, diag);
    if (!st) {
        blended_choice(t, lo, hi, b, ratio, c.scratch);
        fprintf(stderr, "ocrslimc: max_loss %+.4f (blend %.3f) for %.0f%% fewer FLOPs\n", hi, b,
                100 * p->flops_target);
    }
    free(c.scratch);
    return st;
}

/* The groups kept whole by the joint refinement, cached in
 * <sens_out>.joint.yml under a key of the table's key and the settings. */
static void joint_key(const prune_cli *p, const sens_table *t, char key[65]) {
    sha256_ctx h;
    sha256_init(&h);
    char s[256];
    int n = snprintf(s, sizeof s, "joint v2 %s target %.9g max_loss %.9g bound %.9g rounds %d side %d",
                     t->key, p->flops_target, p->max_loss, p->loss_bound, p->joint_rounds, p->joint_side);
    sha256_update(&h, s, (size_t)n);
    sha256_hex(&h, key);
}

static bool joint_cache_read(const char *path, const char *key, bool *kept, uint32_t ngroups) {
    FILE *f = fopen(path, "r");
    if (!f) return false;
    char k[80] = "";
    bool ok = fscanf(f, "# ocrslimc joint refinement\nkey: %79s\nkept: [", k) == 1 && strcmp(k, key) == 0;
    unsigned gi;
    while (ok && fscanf(f, " %u%*[,]", &gi) == 1) {
        if (gi >= ngroups) ok = false;
        else kept[gi] = true;
    }
    ok = ok && fscanf(f, " ]") == 0;
    fclose(f);
    return ok;
}

static void joint_cache_write(const char *path, const char *key, const bool *kept, uint32_t ngroups, double loss) {
    outfile o;
    if (!outfile_open(&o, path)) return;
    fprintf(o.f, "# ocrslimc joint refinement\nkey: %s\nkept: [", key);
    for (uint32_t gi = 0, n = 0; gi < ngroups; gi++)
        if (kept[gi]) fprintf(o.f, "%s%u", n++ ? ", " : "", gi);
    fprintf(o.f, "]\nloss: %.6f\n", loss);
    if (!outfile_commit(&o, path, true)) fprintf(stderr, "ocrslimc: %s: cannot write: %s\n", path, strerror(errno));
}

/* Ratios chosen again with the groups in kept left whole. */
static ocrs_status choose_keeping(const ir_graph *g, const prune_cli *p, const sens_table *t, const bool *kept,
                                  double *ratio, ocrs_diag *diag) {
    sens_table tk = *t;
    size_t n = t->ngroups * (size_t)t->nratios;
    if (!(tk.loss = malloc(sizeof *tk.loss * (n + 1)))) return ocrs_fail(diag, OCRS_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) tk.loss[i] = kept[i / (size_t)t->nratios] ? NAN : t->loss[i];
    ocrs_status st = choose_ratios(g, p, &tk, ratio, diag);
    free(tk.loss);
    return st;
}

/* joint_refine's measurements and choices for the driver. */
typedef struct {
    const ir_graph *g;
    const ocrs_channel_groups *cg;
    const prune_cli *p;
    const sens_table *t;
    sens_ctx *sc;
    double before; /* FLOPs of g */
} joint_run;

static ocrs_status joint_losses(void *arg, int round, const double *ratio, const uint32_t *tg, int n, double *loss,
                                ocrs_diag *diag) {
    _Static_assert(JOINT_WHOLE == SENS_ALL, "joint_refine's whole model is sens_losses' background as it is");
    joint_run *j = arg;
    double *tr = calloc((size_t)n + 1, sizeof *tr);
    if (!tr) return ocrs_fail(diag, OCRS_ERR_NOMEM, "out of memory");
    char phase[64];
    snprintf(phase, sizeof phase, "joint round %d", round);
    ocrs_status st = sens_losses(j->sc, phase, ratio, tg, tr, n, loss, diag);
    free(tr);
    return st;
}

static ocrs_status joint_choose(void *arg, const bool *kept, double *ratio, ocrs_diag *diag) {
    joint_run *j = arg;
    return choose_keeping(j->g, j->p, j->t, kept, ratio, diag);
}

static bool joint_prunes(void *arg, uint32_t gi, double r) {
    joint_run *j = arg;
    int64_t n = j->cg->groups[gi].nclasses;
    return r > 0 && ocrs_prune_kept(n, r, j->p->vector_width) < n;
}

static void joint_report(void *arg, int round, const double *ratio, double loss, uint32_t kept, double kept_loss) {
    joint_run *j = arg;
    ocrs_diag diag = {0};
    double f = pruned_flops(j->p, ratio, &diag);
    fprintf(stderr, "ocrslimc: joint round %d: %.1f%% fewer FLOPs, loss %+.4f (bound %+.4f)", round,
            100 * (1 - f / j->before), loss, j->p->loss_bound);
    if (kept != JOINT_WHOLE) fprintf(stderr, "; keeping group %u whole (restoring it alone: %+.4f)", kept, kept_loss);
    fprintf(stderr, "\n");
}

/* The joint refinement toward p->loss_bound (see joint.h), measured through
 * sc, its kept groups cached. */
static ocrs_status refine_jointly(const ir_graph *g, const ocrs_channel_groups *cg, const prune_cli *p, sens_ctx *sc,
                                  const sens_table *t, double *ratio, ocrs_diag *diag) {
    char key[65], cache[4200];
    joint_key(p, t, key);
    prune_cli_output(p, PRUNE_OUT_JOINT, cache, sizeof cache, NULL);
    bool *kept = calloc(cg->ngroups + 1, 1);
    if (!kept) return ocrs_fail(diag, OCRS_ERR_NOMEM, "out of memory");
    ocrs_status st;
    if (joint_cache_read(cache, key, kept, cg->ngroups)) {
        fprintf(stderr, "ocrslimc: joint refinement: cached in %s\n", cache);
        st = choose_keeping(g, p, t, kept, ratio, diag);
    } else {
        memset(kept, 0, cg->ngroups);
        joint_run j = {.g = g, .cg = cg, .p = p, .t = t, .sc = sc, .before = ocrs_graph_flops(g, NULL)};
        joint_problem jp = {.ngroups = cg->ngroups, .bound = p->loss_bound, .rounds = p->joint_rounds,
                            .losses = joint_losses, .choose = joint_choose, .prunes = joint_prunes,
                            .report = joint_report, .arg = &j};
        double loss = 0;
        st = joint_refine(&jp, ratio, kept, &loss, diag);
        if (!st) joint_cache_write(cache, key, kept, cg->ngroups, loss);
    }
    free(kept);
    return st;
}

/* Per group: channels, FLOPs, params, ratio, and the measured losses. */
static void print_report(const ir_graph *g, const ocrs_channel_groups *cg, const bool *skip, const double *ratio,
                         const ocrs_prune_group_report *rep, const sens_table *t) {
    char at[256];
    ocrs_ref_sizes_text(g, at, sizeof at);
    fprintf(stderr, "FLOPs at %s\n", at);
    fprintf(stderr, "group  channels   GFLOPs            params         ratio");
    if (t->loss) {
        fprintf(stderr, "  loss (single group) at");
        for (int r = 0; r < t->nratios; r++) fprintf(stderr, " %g", t->ratios[r]);
    }
    fprintf(stderr, "\n");
    for (uint32_t gi = 0; gi < cg->ngroups; gi++) {
        if (!cg->groups[gi].prunable) continue;
        const ocrs_prune_group_report *r = &rep[gi];
        fprintf(stderr, "%5u  %4lld->%-4lld %6.3f->%-6.3f %7.0f->%-7.0f %5.3f", gi, (long long)r->channels,
                (long long)r->kept, r->flops[0] / 1e9, r->flops[1] / 1e9, r->params[0], r->params[1], ratio[gi]);
        if (skip[gi]) fprintf(stderr, "  skipped");
        for (int k = 0; t->loss && !skip[gi] && k < t->nratios; k++) fprintf(stderr, " %+.3f", t->loss[gi * t->nratios + k]);
        fprintf(stderr, "\n");
    }
}

/* The pruned model g measured whole against the unpruned one (sc), into
 * r; a loss above the bound is an error unless p->force. */
static ocrs_status check_pruned(const ir_graph *g, const prune_cli *p, sens_ctx *sc, prune_result *r,
                                ocrs_diag *diag) {
    ocrs_status st = sens_score(sc, g, "pruned", &r->loss, &r->score, diag);
    if (st) return st;
    r->measured = true;
    r->base = sens_base(sc);
    char what[512];
    prune_result_text(r, what, sizeof what);
    fprintf(stderr, "ocrslimc: %s\n", what);
    if (r->loss <= p->loss_bound) return OCRS_OK;
    if (p->force) {
        fprintf(stderr, "ocrslimc: warning: the pruned model loses more than the bound %g%%; written anyway (--force)\n",
                100 * p->loss_bound);
        return OCRS_OK;
    }
    return ocrs_fail(diag, OCRS_ERR_INVALID,
                     "%s: the pruned model loses %.2f%% of its %s on the %d calibration %s (%.4f -> %.4f), more than "
                     "the bound %g%%; try a smaller %s, more joint rounds (--prune-joint-rounds), another criterion "
                     "or recovery, or a larger --prune-loss-bound; --force writes it anyway",
                     g->source, 100 * r->loss, task_metrics[p->task], r->samples,
                     p->task == OCRS_TASK_DET ? "images" : "lines", r->base, r->score, 100 * p->loss_bound,
                     p->flops_target > 0 ? "--prune-flops-target" : p->max_loss > 0 ? "--prune-max-loss"
                                                                                     : "--prune-ratio");
}

/* A pruning in progress: the statistics and the sensitivity table made
 * (prune_begin), the ratios chosen, the graph pruned and checked later
 * (prune_end), so that an OCR system can choose every model's target
 * from all their tables in between. */
struct prune_job {
    ir_graph *g;
    prune_cli p; /* flops_target may be set by the system's selection */
    int verbose;
    task *tk;
    ocrs_channel_groups *cg;
    ocrs_calib *calib;
    double *ratio;
    bool *skip;
    sens_table t;
    prune_result res;
};

void prune_job_free(prune_job *j) {
    if (!j) return;
    sens_table_free(&j->t);
    ocrs_calib_free(j->calib);
    ocrs_channel_groups_free(j->cg);
    task_close(j->tk);
    free(j->ratio);
    free(j->skip);
    free(j);
}

/* The groups, the calibration statistics and, for a sensitivity
 * selection, the table. */
static ocrs_status prepare(prune_job *j, ocrs_diag *diag) {
    const prune_cli *p = &j->p;
    ir_graph *g = j->g;
    j->res.flops[0] = j->res.flops[1] = ocrs_graph_flops(g, NULL);
    j->res.params[0] = j->res.params[1] = ocrs_graph_params(g);
    ocrs_status st = ocrs_channel_groups_build(g, &j->cg, diag);
    if (!st && (!(j->skip = ocrs_prune_skip_nearest(g, j->cg, p->skip)) ||
                !(j->ratio = calloc(j->cg->ngroups + 1, sizeof *j->ratio))))
        st = ocrs_fail(diag, OCRS_ERR_NOMEM, "out of memory");
    if (!st) st = skip_named(g, j->cg, p, j->skip, diag);
    bool recovery = j->tk && (p->bias_compensation || p->least_squares);
    if (!st && (recovery || p->criterion == OCRS_PRUNE_RECON)) {
        st = ocrs_calib_new(g, p->least_squares ? (uint32_t)p->lsq_samples : 0, &j->calib, diag);
        if (!st) st = task_calibrate(j->tk, g, j->calib, p->calib_side, j->verbose, diag);
    }
    if (!st && prune_cli_sensitive(p)) st = sens_measure(g, j->cg, j->skip, p, j->calib, j->tk, &j->t, diag);
    j->res.shard_only = !st && p->nshards;
    return st;
}

/* Ratios (chosen and refined, or uniform, then the per-group overrides),
 * the pruning, and the final check. */
static ocrs_status finish(prune_job *j, ocrs_diag *diag) {
    const prune_cli *p = &j->p;
    ir_graph *g = j->g;
    ocrs_channel_groups *cg = j->cg;
    prune_result *res = &j->res;
    bool sensitive = prune_cli_sensitive(p);
    sens_ctx *check = NULL;
    ocrs_status st = OCRS_OK;
    for (uint32_t i = 0; i < cg->ngroups; i++) j->ratio[i] = j->skip[i] ? 0 : p->ratio;
    /* The unpruned model scored once for the joint refinement and the final check. */
    if (j->tk) st = sens_open(g, p, j->calib, j->tk, p->joint_side, &check, diag);
    if (!st && sensitive) st = choose_ratios(g, p, &j->t, j->ratio, diag);
    if (!st && sensitive) st = refine_jointly(g, cg, p, check, &j->t, j->ratio, diag);
    for (int i = 0; !st && i < p->ngroup_ratios; i++) {
        int gi = p->group_ratios[i].group;
        if (gi < 0 || (uint32_t)gi >= cg->ngroups || !cg->groups[gi].prunable)
            st = ocrs_fail(diag, OCRS_ERR_USAGE, "--prune-group %d: no such prunable group (see `ocrslimc info`)", gi);
        else j->ratio[gi] = p->group_ratios[i].ratio;
    }
    ocrs_prune_group_report *rep = st ? NULL : calloc(cg->ngroups + 1, sizeof *rep);
    if (!st && !rep) st = ocrs_fail(diag, OCRS_ERR_NOMEM, "out of memory");
    ocrs_prune_opts o = {.ratio = j->ratio, .criterion = p->criterion, .vector_width = p->vector_width,
                         .calib = j->calib, .bias_compensation = p->bias_compensation,
                         .least_squares = p->least_squares, .ridge = p->ridge, .report = rep};
    if (!st) st = ocrs_prune(g, cg, &o, j->verbose > 1 ? stderr : NULL, diag);
    if (!st && (j->verbose || sensitive)) print_report(g, cg, j->skip, j->ratio, rep, &j->t);
    if (!st) st = ir_verify(g, diag);
    if (!st) res->flops[1] = ocrs_graph_flops(g, NULL), res->params[1] = ocrs_graph_params(g);
    if (!st && p->flops_target > 0 && 1 - res->flops[1] / res->flops[0] < p->flops_target - 0.005)
        fprintf(stderr, "ocrslimc: warning: %.1f%% fewer FLOPs, short of the target %.1f%%: within the loss bound "
                        "the joint refinement kept groups whole\n",
                100 * (1 - res->flops[1] / res->flops[0]), 100 * p->flops_target);
    if (!st && check) st = check_pruned(g, p, check, res, diag);
    sens_close(check);
    free(rep);
    return st;
}

/* --dead-relu: an approximation, so it is reported on its own line. */
static ocrs_status remove_dead_relus(ir_graph *g, const prune_cli *p, task *tk, int verbose, ocrs_diag *diag) {
    ocrs_channel_groups *cg = NULL;
    ocrs_calib *calib = NULL;
    double before = ocrs_graph_flops(g, NULL);
    uint32_t removed = 0;
    ocrs_status st = ocrs_channel_groups_build(g, &cg, diag);
    if (!st) st = ocrs_calib_new(g, 0, &calib, diag);
    if (!st) st = task_calibrate(tk, g, calib, p->calib_side, verbose, diag);
    if (!st) st = pass_dead_relu(g, cg, calib, verbose > 1 ? stderr : NULL, &removed, diag);
    if (!st) st = ir_verify(g, diag);
    if (!st && verbose) {
        char at[256];
        ocrs_ref_sizes_text(g, at, sizeof at);
        fprintf(stderr,
                "ocrslimc: dead-relu (approximate): %u channel classes zero on all %u calibration inputs removed; "
                "%.3f -> %.3f GFLOPs at %s\n",
                removed, calib->images, before / 1e9, ocrs_graph_flops(g, NULL) / 1e9, at);
    }
    ocrs_calib_free(calib);
    ocrs_channel_groups_free(cg);
    return st;
}

void prune_result_text(const prune_result *r, char *buf, size_t size) {
    int n = snprintf(buf, size, "pruned: %.3f -> %.3f GFLOPs (%.1f%% fewer), weights %.2f -> %.2f MB",
                     r->flops[0] / 1e9, r->flops[1] / 1e9, r->flops[0] > 0 ? 100 * (1 - r->flops[1] / r->flops[0]) : 0.0,
                     4 * r->params[0] / 1e6, 4 * r->params[1] / 1e6);
    if (n < 0 || (size_t)n >= size) return;
    if (r->measured)
        snprintf(buf + n, size - (size_t)n, "; %s %.4f -> %.4f on %d calibration %s (relative loss %.2f%%, bound %g%%)",
                 task_metrics[r->task], r->base, r->score, r->samples, r->task == OCRS_TASK_DET ? "images" : "lines",
                 100 * r->loss, 100 * r->bound);
    else
        snprintf(buf + n, size - (size_t)n, "; not measured (no calibration images; --force)");
}

ocrs_status prune_begin(ir_graph *g, const prune_cli *p, int verbose, prune_job **out, ocrs_diag *diag) {
    *out = NULL;
    bool prunes = prune_cli_prunes(p);
    if (!prunes && !p->dead_relu) return OCRS_OK;
    /* Without calibration images nothing chooses channels by their effect
     * or checks the result: the trap of a model that finds nothing. */
    if (prunes && !p->calib && p->criterion == OCRS_PRUNE_RECON)
        return ocrs_fail(diag, OCRS_ERR_USAGE,
                         "pruning chooses channels by their effect on calibration images and checks the pruned "
                         "model on them: give --calib LABELS (or --force with --prune-criterion l1_norm or fpgm "
                         "to prune unmeasured)");
    if (prunes && !p->calib && !p->force)
        return ocrs_fail(diag, OCRS_ERR_USAGE,
                         "without calibration images (--calib LABELS) the pruned model cannot be checked; --force "
                         "prunes unmeasured");
    prune_job *j = calloc(1, sizeof *j);
    if (!j) return ocrs_fail(diag, OCRS_ERR_NOMEM, "out of memory");
    *j = (prune_job){.g = g, .p = *p, .verbose = verbose, .res = {.task = p->task, .bound = p->loss_bound}};
    ocrs_status st = p->calib ? task_open(p, &j->tk, diag) : OCRS_OK;
    if (!st && j->tk) st = task_check_graph(j->tk, g, diag);
    if (!st && j->tk) j->res.samples = task_samples(j->tk);
    if (!st && prunes) st = prepare(j, diag);
    if (st) prune_job_free(j);
    else *out = j;
    return st;
}

const prune_result *prune_job_result(const prune_job *j) { return &j->res; }

double prune_job_flops(const prune_job *j, double lo, double hi, double b, ocrs_diag *diag) {
    if (!j->t.loss) return j->res.flops[0];
    double *ratio = calloc(2 * (j->t.ngroups + 1), sizeof *ratio);
    if (!ratio) return -1;
    blended_choice(&j->t, lo, hi, b, ratio, ratio + j->t.ngroups + 1);
    double f = pruned_flops(&j->p, ratio, diag);
    free(ratio);
    return f;
}

ocrs_status prune_end(prune_job *j, double flops_target, prune_result *res, ocrs_diag *diag) {
    if (!j) {
        if (res) *res = (prune_result){0};
        return OCRS_OK;
    }
    ocrs_status st = OCRS_OK;
    if (flops_target >= 0) j->p.flops_target = flops_target;
    bool prunes = prune_cli_prunes(&j->p) && j->cg;
    if (prunes && !j->res.shard_only) st = finish(j, diag);
    if (!st && j->p.dead_relu && !j->res.shard_only) st = remove_dead_relus(j->g, &j->p, j->tk, j->verbose, diag);
    if (!st && prunes && !j->res.shard_only && !j->res.measured && j->verbose) {
        char what[512];
        prune_result_text(&j->res, what, sizeof what);
        fprintf(stderr, "ocrslimc: %s\n", what);
    }
    if (res) *res = j->res;
    prune_job_free(j);
    return st;
}

ocrs_status prune_cli_run(ir_graph *g, const prune_cli *p, int verbose, prune_result *res, ocrs_diag *diag) {
    prune_job *j = NULL;
    *res = (prune_result){.task = p->task, .bound = p->loss_bound};
    ocrs_status st = prune_begin(g, p, verbose, &j, diag);
    return st ? st : prune_end(j, -1, res, diag);
}

int prune_cli_merge(int argc, char **argv) {
    const char *output = NULL;
    int n = 0;
    const char **paths = calloc((size_t)argc + 1, sizeof *paths);
    for (int i = 2; paths && i < argc; i++) {
        if (strcmp(argv[i], "-o") == 0 && i + 1 < argc) output = argv[++i];
        else paths[n++] = argv[i];
    }
    if (!paths || !output || !n) {
        fprintf(stderr, "usage: ocrslimc sens-merge -o TABLE.yml SHARD.yml...\n"
                        "  (the N files of `--sens-shard K/N` runs, K = 1..N)\n");
        free(paths);
        return 2;
    }
    for (int i = 0; i < n; i++)
        if (strcmp(paths[i], output) == 0) {
            fprintf(stderr, "ocrslimc: sens-merge: the output %s is one of the shards\n", output);
            free(paths);
            return 2;
        }
    ocrs_diag diag = {0};
    ocrs_status st = sens_merge_files(paths, n, output, &diag);
    if (st) fprintf(stderr, "ocrslimc: sens-merge: %s\n", diag.msg);
    else fprintf(stderr, "ocrslimc: sens-merge: %d shards into %s\n", n, output);
    free(paths);
    return st ? 1 : 0;
}
