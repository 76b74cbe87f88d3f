/* Pruning settings (see prune_opts.h). */
#include "prune_opts.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Measured on PP-OCRv4's detector (docs/pruning.md): l1_norm with bias
 * recovery and no whole-model check removed 30% of the FLOPs into a model
 * that finds no text; recon with least squares, refined jointly at the
 * library's side, keeps within a point. */
void prune_cli_defaults(prune_cli *p) {
    *p = (prune_cli){.criterion = OCRS_PRUNE_RECON, .skip = 4, .vector_width = 8, .calib_side = 960, .ridge = 1e-3,
                     .lsq_samples = 64, .loss_bound = 0.01, .joint_rounds = 4, .joint_side = 960,
                     .sens_side = 480, .jobs = 1, .sens_out = "sensitivity", .use_space = true,
                     .models = 1u << OCRS_TASK_DET | 1u << OCRS_TASK_REC};
}

#define NUM(flag, key, count, lo, hi, lo_open, hi_open, field) \
    {flag, key, count, lo, hi, lo_open, hi_open, offsetof(prune_cli, field)}
const prune_num prune_nums[PRUNE_NUMS] = {
    NUM("prune-ratio", "ratio", false, 0, 1, false, true, ratio),
    NUM(NULL, "ratios", false, 0, 1, true, true, ratios),
    NUM("prune-max-loss", "max_loss", false, 0, 1, false, false, max_loss),
    NUM("prune-flops-target", "flops_target", false, 0, 1, false, true, flops_target),
    NUM("prune-loss-bound", "loss_bound", false, 0, 1, true, true, loss_bound),
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

bool prune_cli_sensitive(const prune_cli *p) { return p->max_loss > 0 || p->flops_target > 0; }

bool prune_cli_prunes(const prune_cli *p) { return p->ratio > 0 || prune_cli_sensitive(p) || p->ngroup_ratios; }

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
    return prune_cli_sensitive(p) && !p->nshards;
}
