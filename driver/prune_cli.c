/* ocrslimc's pruning front end (see prune_cli.h). Calibration inputs go
 * through the library's own pre-processing (runtime/det/db_pre.c), so the
 * statistics are those of the activations the compiled detector sees. */
#include "prune_cli.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frontend.h"
#include "image.h"
#include "joint.h"
#include "ocrs_detect.h"
#include "pipeline.h"
#include "outfile.h"
#include "sensitivity.h"
#include "sha256.h"

void prune_cli_defaults(prune_cli *p) {
    *p = (prune_cli){.criterion = OCRS_PRUNE_L1, .skip = 4, .vector_width = 8, .calib_side = 960, .ridge = 1e-3,
                     .lsq_samples = 64, .joint_rounds = 4, .joint_side = 960,
                     .sens_side = 480, .jobs = 1, .sens_out = "sensitivity"};
}

#define NUM(flag, key, count, lo, hi, lo_open, hi_open, field) \
    {flag, key, count, lo, hi, lo_open, hi_open, offsetof(prune_cli, field)}
const prune_num prune_nums[PRUNE_NUMS] = {
    NUM("prune-ratio", "ratio", false, 0, 1, false, true, ratio),
    NUM(NULL, "ratios", false, 0, 1, true, true, ratios),
    NUM("prune-max-loss", "max_loss", false, 0, 1, false, false, max_loss),
    NUM("prune-flops-target", "flops_target", false, 0, 1, false, true, flops_target),
    NUM("prune-joint-loss", "joint_loss", false, 0, 1, false, true, joint_loss),
    NUM("prune-joint-rounds", "joint_rounds", true, 1, 64, false, false, joint_rounds),
    NUM("joint-side", "joint_side", true, 32, 4096, false, false, joint_side),
    NUM("jobs", "jobs", true, 1, 256, false, false, jobs),
    NUM("sens-side", "sens_side", true, 32, 4096, false, false, sens_side),
    NUM("prune-skip", "skip_nearest", true, 0, 1 << 20, false, false, skip),
    NUM("prune-vector", "vector", true, 1, 256, false, false, vector_width),
    NUM("calib-side", "calib.side", true, 32, 4096, false, false, calib_side),
    NUM("calib-images", "calib.images", true, 1, 1 << 20, false, false, calib_images),
    NUM("lsq-samples", NULL, true, 1, 100000, false, false, lsq_samples),
};
#undef NUM

const prune_num *prune_num_find(const char *flag, const char *key) {
    for (int i = 0; i < PRUNE_NUMS; i++) {
        const prune_num *n = &prune_nums[i];
        if ((flag && n->flag && strcmp(flag, n->flag) == 0) || (key && n->key && strcmp(key, n->key) == 0)) return n;
    }
    return NULL;
}

void prune_num_range(const prune_num *n, char *buf, size_t size) {
    snprintf(buf, size, "%s in %c%.10g, %.10g%c", n->count ? "an integer" : "a number", n->lo_open ? '(' : '[',
             n->lo, n->hi, n->hi_open ? ')' : ']');
}

bool strict_real(const char *text, double *v) {
    char *end;
    errno = 0;
    *v = strtod(text, &end);
    return end != text && !*end && !isspace((unsigned char)text[0]) && !errno && isfinite(*v);
}

bool strict_count(const char *text, long *v) {
    char *end;
    errno = 0;
    *v = strtol(text, &end, 10);
    return end != text && !*end && !isspace((unsigned char)text[0]) && !errno;
}

bool prune_num_parse(const prune_num *n, const char *text, double *v) {
    long c = 0;
    bool ok = n->count ? strict_count(text, &c) : strict_real(text, v);
    if (n->count) *v = (double)c;
    return ok && (n->lo_open ? *v > n->lo : *v >= n->lo) && (n->hi_open ? *v < n->hi : *v <= n->hi);
}

bool prune_num_set(const prune_num *n, const char *text, prune_cli *p) {
    double v = 0;
    if (!prune_num_parse(n, text, &v)) return false;
    char *field = (char *)p + n->off;
    if (n->count) *(int *)field = (int)v;
    else *(double *)field = v;
    return true;
}

/* Whether the ratios come from a sensitivity analysis. */
static bool is_sensitive(const prune_cli *p) { return p->max_loss > 0 || p->flops_target > 0; }

bool prune_cli_output(const prune_cli *p, prune_out out, char *path, size_t size, const char **role) {
    static const struct {
        const char *suffix, *role;
    } outs[PRUNE_OUTS] = {
        [PRUNE_OUT_TABLE] = {".yml", "the sensitivity table"},
        [PRUNE_OUT_CURVES] = {".svg", "the sensitivity curves"},
        [PRUNE_OUT_JOINT] = {".joint.yml", "the joint refinement's cache"},
    };
    snprintf(path, size, "%s%s", p->sens_out, outs[out].suffix);
    if (role) *role = outs[out].role;
    return is_sensitive(p) && (out != PRUNE_OUT_JOINT || p->joint_loss > 0);
}

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

ocrs_status prune_cli_paths(const prune_cli *p, prune_cli_path_fn each, void *arg, ocrs_diag *diag) {
    FILE *f = fopen(p->calib, "r");
    if (!f) return ocrs_fail(diag, OCRS_ERR_IO, "%s: cannot read the calibration label file", p->calib);
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", p->calib_root ? p->calib_root : p->calib);
    if (!p->calib_root) {
        char *slash = strrchr(dir, '/');
        if (slash) *slash = 0;
        else snprintf(dir, sizeof dir, ".");
    }
    static char line[1 << 20];
    ocrs_status st = OCRS_OK;
    int n = 0;
    for (int lineno = 1; !st && fgets(line, sizeof line, f) && (!p->calib_images || n < p->calib_images); lineno++) {
        if (strspn(line, " \t\r\n") == strlen(line)) continue;
        char *tab = strchr(line, '\t');
        if (!tab) {
            st = ocrs_fail(diag, OCRS_ERR_USAGE, "%.4000s:%d: no tab between the image path and its labels", p->calib,
                           lineno);
            break;
        }
        *tab = 0;
        char path[8192], where[4200];
        if (snprintf(path, sizeof path, "%s/%.4000s", dir, line) >= (int)sizeof path) continue;
        snprintf(where, sizeof where, "%.4000s:%d", p->calib, lineno);
        n++;
        st = each(arg, path, where, line, tab + 1, diag);
    }
    if (!st && ferror(f))
        st = ocrs_fail(diag, OCRS_ERR_IO, "%s: cannot read the calibration label file: %s", p->calib, strerror(errno));
    fclose(f);
    /* Statistics of no images would prune blind. */
    if (!st && !n)
        st = ocrs_fail(diag, OCRS_ERR_USAGE, "%s: no calibration images (no line of an image path, a tab and labels)",
                       p->calib);
    return st;
}

typedef struct {
    prune_cli_image_fn each;
    void *arg;
} image_run;

static ocrs_status load_one(void *arg, const char *path, const char *where, const char *rel, const char *labels,
                            ocrs_diag *diag) {
    image_run *r = arg;
    image img;
    char err[512];
    if (image_load(path, &image_default_limits, &img, err, sizeof err))
        return ocrs_fail(diag, OCRS_ERR_IO, "%s: %s", where, err);
    return r->each(r->arg, where, rel, &img, labels, diag); /* owns img */
}

ocrs_status prune_cli_images(const prune_cli *p, prune_cli_image_fn each, void *arg, ocrs_diag *diag) {
    image_run r = {each, arg};
    return prune_cli_paths(p, load_one, &r, diag);
}

typedef struct {
    ocrs_calib *c;
    const ir_graph *g;
    const prune_cli *p;
    int verbose, n;
} calib_run;

/* Adds one image to the statistics. */
static ocrs_status calibrate_one(void *arg, const char *where, const char *rel, image *img, const char *labels,
                                 ocrs_diag *diag) {
    (void)where, (void)labels;
    calib_run *r = arg;
    ocrs_det_opts o;
    ocrs_det_opts_default(&o);
    o.limit_side_len = r->p->calib_side;
    int w, h;
    ocrs_det_input_size(img->width, img->height, &o, &w, &h);
    float *in = malloc(sizeof(float) * 3 * (size_t)w * h);
    void *scratch = malloc(ocrs_det_pre_scratch(w));
    ocrs_status st;
    if (!in || !scratch) st = ocrs_fail(diag, OCRS_ERR_NOMEM, "calibration: out of memory");
    else {
        ocrs_det_preprocess(img->rgb, img->width, img->height, 3 * img->width, w, h, in, scratch);
        int64_t sizes[IR_MAX_SYMS];
        ir_image_sizes(r->g, h, w, sizes);
        const float *inputs[1] = {in};
        st = ocrs_calib_add(r->c, r->g, inputs, sizes, diag);
    }
    r->n++;
    if (r->verbose) fprintf(stderr, "ocrslimc: calibration image %d: %s (%dx%d)\n", r->n, rel, w, h);
    free(in);
    free(scratch);
    image_free(img);
    return st;
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

/* Per-group ratios from the sensitivity table: under p->max_loss, or the
 * smallest max_loss (bisected) whose ratios remove p->flops_target of the
 * FLOPs. Groups without losses in t (skipped) keep ratio 0. */
static ocrs_status choose_ratios(const ir_graph *g, const prune_cli *p, const sens_table *t, double *ratio,
                                 ocrs_diag *diag) {
    double before = ocrs_graph_flops(g, NULL);
    if (!(p->flops_target > 0)) {
        sens_select(t, p->max_loss, ratio);
        return OCRS_OK;
    }
    /* From -1: single-group gains alone often remove more than the target. */
    double lo = -1, hi = 1;
    for (int it = 0; it < 16; it++) {
        double mid = (lo + hi) / 2;
        sens_select(t, mid, ratio);
        double f = pruned_flops(p, ratio, diag);
        if (f < 0) return OCRS_ERR_INVALID;
        if (1 - f / before >= p->flops_target) hi = mid;
        else lo = mid;
    }
    /* Many groups lose exactly nothing up to the largest ratio, so the
     * FLOPs jump between lo and hi: the last step blends their ratios. */
    double *rlo = malloc(sizeof *rlo * 2 * (t->ngroups + 1));
    if (!rlo) return ocrs_fail(diag, OCRS_ERR_NOMEM, "out of memory");
    double *blend = rlo + t->ngroups + 1;
    sens_select(t, lo, rlo);
    sens_select(t, hi, ratio);
    double a = 0, b = 1;
    for (int it = 0; it < 12; it++) {
        double mid = (a + b) / 2;
        for (uint32_t i = 0; i < t->ngroups; i++) blend[i] = rlo[i] + mid * (ratio[i] - rlo[i]);
        double f = pruned_flops(p, blend, diag);
        if (f < 0) {
            free(rlo);
            return OCRS_ERR_INVALID;
        }
        if (1 - f / before >= p->flops_target) b = mid;
        else a = mid;
    }
    for (uint32_t i = 0; i < t->ngroups; i++) ratio[i] = rlo[i] + b * (ratio[i] - rlo[i]);
    free(rlo);
    fprintf(stderr, "ocrslimc: max_loss %+.4f (blend %.3f) for %.0f%% fewer FLOPs\n", hi, b, 100 * p->flops_target);
    return OCRS_OK;
}

/* The groups kept whole by the joint refinement, cached in
 * <sens_out>.joint.yml under a key of the table's key and the settings. */
static void joint_key(const prune_cli *p, const sens_table *t, char key[65]) {
    sha256_ctx h;
    sha256_init(&h);
    char s[256];
    int n = snprintf(s, sizeof s, "joint v1 %s target %.9g max_loss %.9g joint %.9g rounds %d side %d",
                     t->key, p->flops_target, p->max_loss, p->joint_loss, p->joint_rounds, p->joint_side);
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
            100 * (1 - f / j->before), loss, j->p->joint_loss);
    if (kept != JOINT_WHOLE) fprintf(stderr, "; keeping group %u whole (restoring it alone: %+.4f)", kept, kept_loss);
    fprintf(stderr, "\n");
}

/* --prune-joint-loss (see joint.h), its kept groups cached. */
static ocrs_status refine_jointly(const ir_graph *g, const ocrs_channel_groups *cg, const prune_cli *p,
                                  const ocrs_calib *calib, const sens_table *t, double *ratio, ocrs_diag *diag) {
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
        joint_run j = {.g = g, .cg = cg, .p = p, .t = t, .before = ocrs_graph_flops(g, NULL)};
        joint_problem jp = {.ngroups = cg->ngroups, .bound = p->joint_loss, .rounds = p->joint_rounds,
                            .losses = joint_losses, .choose = joint_choose, .prunes = joint_prunes,
                            .report = joint_report, .arg = &j};
        double loss = 0;
        st = sens_open(g, p, calib, p->joint_side, &j.sc, diag);
        if (!st) st = joint_refine(&jp, ratio, kept, &loss, diag);
        if (!st) joint_cache_write(cache, key, kept, cg->ngroups, loss);
        sens_close(j.sc);
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

/* Pruning by one ratio or by ratios chosen from the sensitivity table. */
static ocrs_status prune_groups(ir_graph *g, const prune_cli *p, int verbose, ocrs_diag *diag) {
    bool sensitive = is_sensitive(p);
    if (!(p->ratio > 0) && !sensitive && !p->ngroup_ratios) return OCRS_OK;
    if (p->criterion == OCRS_PRUNE_RECON && !p->calib)
        return ocrs_fail(diag, OCRS_ERR_USAGE, "the recon criterion needs calibration images (--calib LABELS)");
    ocrs_channel_groups *cg = NULL;
    ocrs_calib *calib = NULL;
    double *ratio = NULL;
    bool *skip = NULL;
    double before = ocrs_graph_flops(g, NULL);
    ocrs_status st = ocrs_channel_groups_build(g, &cg, diag);
    if (!st && (!(skip = ocrs_prune_skip_nearest(g, cg, p->skip)) || !(ratio = calloc(cg->ngroups + 1, sizeof *ratio))))
        st = ocrs_fail(diag, OCRS_ERR_NOMEM, "out of memory");
    if (!st) st = skip_named(g, cg, p, skip, diag);
    for (uint32_t i = 0; !st && i < cg->ngroups; i++) ratio[i] = skip[i] ? 0 : p->ratio;
    bool recovery = p->calib && (p->bias_compensation || p->least_squares);
    if (!st && (recovery || p->criterion == OCRS_PRUNE_RECON)) {
        st = ocrs_calib_new(g, p->least_squares ? (uint32_t)p->lsq_samples : 0, &calib, diag);
        calib_run r = {.c = calib, .g = g, .p = p, .verbose = verbose};
        if (!st) st = prune_cli_images(p, calibrate_one, &r, diag);
    }
    sens_table t = {0};
    if (!st && sensitive) st = sens_measure(g, cg, skip, p, calib, &t, diag);
    if (!st && sensitive) st = choose_ratios(g, p, &t, ratio, diag);
    if (!st && sensitive && p->joint_loss > 0) st = refine_jointly(g, cg, p, calib, &t, ratio, diag);
    for (int i = 0; !st && i < p->ngroup_ratios; i++) {
        int gi = p->group_ratios[i].group;
        if (gi < 0 || (uint32_t)gi >= cg->ngroups || !cg->groups[gi].prunable)
            st = ocrs_fail(diag, OCRS_ERR_USAGE, "--prune-group %d: no such prunable group (see `ocrslimc info`)", gi);
        else ratio[gi] = p->group_ratios[i].ratio;
    }
    ocrs_prune_group_report *rep = st ? NULL : calloc(cg->ngroups + 1, sizeof *rep);
    if (!st && !rep) st = ocrs_fail(diag, OCRS_ERR_NOMEM, "out of memory");
    ocrs_prune_opts o = {.ratio = ratio, .criterion = p->criterion, .vector_width = p->vector_width, .calib = calib,
                         .bias_compensation = p->bias_compensation, .least_squares = p->least_squares,
                         .ridge = p->ridge, .report = rep};
    if (!st) st = ocrs_prune(g, cg, &o, verbose > 1 ? stderr : NULL, diag);
    if (!st && (verbose || sensitive)) print_report(g, cg, skip, ratio, rep, &t);
    if (!st) st = ir_verify(g, diag);
    if (!st && verbose) {
        char at[256];
        ocrs_ref_sizes_text(g, at, sizeof at);
        fprintf(stderr, "ocrslimc: pruned: %.3f -> %.3f GFLOPs at %s (%.1f%% fewer)\n", before / 1e9,
                ocrs_graph_flops(g, NULL) / 1e9, at, 100 * (1 - ocrs_graph_flops(g, NULL) / before));
    }
    sens_table_free(&t);
    ocrs_calib_free(calib);
    ocrs_channel_groups_free(cg);
    free(rep);
    free(ratio);
    free(skip);
    return st;
}

/* --dead-relu: an approximation, so it is reported on its own line. */
static ocrs_status remove_dead_relus(ir_graph *g, const prune_cli *p, int verbose, ocrs_diag *diag) {
    ocrs_channel_groups *cg = NULL;
    ocrs_calib *calib = NULL;
    double before = ocrs_graph_flops(g, NULL);
    uint32_t removed = 0;
    ocrs_status st = ocrs_channel_groups_build(g, &cg, diag);
    if (!st) st = ocrs_calib_new(g, 0, &calib, diag);
    calib_run r = {.c = calib, .g = g, .p = p, .verbose = verbose};
    if (!st) st = prune_cli_images(p, calibrate_one, &r, diag);
    if (!st) st = pass_dead_relu(g, cg, calib, verbose > 1 ? stderr : NULL, &removed, diag);
    if (!st) st = ir_verify(g, diag);
    if (!st && verbose) {
        char at[256];
        ocrs_ref_sizes_text(g, at, sizeof at);
        fprintf(stderr,
                "ocrslimc: dead-relu (approximate): %u channel classes zero on all %u calibration images removed; "
                "%.3f -> %.3f GFLOPs at %s\n",
                removed, calib->images, before / 1e9, ocrs_graph_flops(g, NULL) / 1e9, at);
    }
    ocrs_calib_free(calib);
    ocrs_channel_groups_free(cg);
    return st;
}

ocrs_status prune_cli_run(ir_graph *g, const prune_cli *p, int verbose, ocrs_diag *diag) {
    int n, h, w;
    /* Calibration and sensitivity feed images through PaddleOCR's detector
     * pre-processing. */
    if (p->calib && !ir_image_syms(g, &n, &h, &w))
        return ocrs_fail(diag, OCRS_ERR_USAGE, "%s: calibration images need a model of one image input [N, C, H, W]",
                         g->source);
    ocrs_status st = prune_groups(g, p, verbose, diag);
    if (!st && p->dead_relu) st = remove_dead_relus(g, p, verbose, diag);
    return st;
}
