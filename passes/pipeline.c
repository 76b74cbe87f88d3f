/* The canonicalisation pipeline, as one list of passes in order.
 * Needs: a graph from the frontend.
 * Changes: everything its passes change (see each pass's file).
 * Invalidates: value and node ids.
 *
 * fold_affine runs before fold_bn because paddle2onnx writes ConvTranspose's
 * bias as an Add between the ConvTranspose and its BatchNormalization; once
 * the Add is folded, the BatchNormalization follows the conv directly.
 * dead_channels runs on the folded graph, where a zeroed filter's output is
 * the constant act(bias), and before the fusions that give convs an affine
 * epilogue (attrs.post), which it does not model. The transformer fusions
 * (fuse_layernorm, fuse_matmul_bias) need only folded constants; they run
 * early so later passes see their one node per layer; mlp_conv follows
 * fuse_matmul_bias (the bias moves into the conv with the weight), so that
 * fold_affine, fuse_act, dead_channels and everything after them see a
 * token MLP's two linear layers as the 1x1 convs they are. */
#include "pipeline.h"

#include <string.h>

#include "passes.h"

/* dead_channels reports what it removed when the run is verbose. */
static ocrs_status dead_channels_quiet(ir_graph *g, ocrs_diag *diag) { return pass_dead_channels(g, NULL, diag); }
static ocrs_status dead_channels_verbose(ir_graph *g, ocrs_diag *diag) { return pass_dead_channels(g, stderr, diag); }

typedef struct {
    const char *name;
    ocrs_status (*run)(ir_graph *, ocrs_diag *);
    ocrs_status (*run_verbose)(ir_graph *, ocrs_diag *); /* NULL: the same as run */
} pass_entry;

/* The pipeline, in order. */
static const pass_entry pipeline[] = {
    {"shape_infer", pass_shape_infer, NULL},
    {"fold_constants", pass_fold_constants, NULL},
    {"dce", pass_dce, NULL},
    {"fuse_hardswish", pass_fuse_hardswish, NULL},
    {"fuse_layernorm", pass_fuse_layernorm, NULL},
    {"fuse_matmul_bias", pass_fuse_matmul_bias, NULL},
    {"mlp_conv", pass_mlp_conv, NULL},
    {"fold_affine", pass_fold_affine, NULL},
    {"fold_bn", pass_fold_bn, NULL},
    {"fuse_act", pass_fuse_act, NULL},
    {"dead_channels", dead_channels_quiet, dead_channels_verbose},
    {"fuse_affine_act", pass_fuse_affine_act, NULL},
    {"fold_se_residual", pass_fold_se_residual, NULL},
    {"dce", pass_dce, NULL},
    {"shape_infer", pass_shape_infer, NULL},
};
enum { NPASSES = sizeof pipeline / sizeof pipeline[0] };

/* Whether entry i is the first with its name (the list names each once). */
static bool first_of_name(int i) {
    for (int j = 0; j < i; j++)
        if (strcmp(pipeline[j].name, pipeline[i].name) == 0) return false;
    return true;
}

bool ocrs_is_pass_name(const char *name) {
    for (int i = 0; i < NPASSES; i++)
        if (strcmp(name, pipeline[i].name) == 0) return true;
    return false;
}

static void names_text(char *buf, size_t size) {
    buf[0] = 0;
    for (int i = 0; i < NPASSES; i++)
        if (first_of_name(i))
            snprintf(buf + strlen(buf), size - strlen(buf), "%s%s", buf[0] ? ", " : "", pipeline[i].name);
}

void ocrs_list_passes(FILE *out) {
    char names[512];
    names_text(names, sizeof names);
    fputs(names, out);
}

/* Runs one pass, then the checks and dumps the options ask for. */
static ocrs_status run(ir_graph *g, const ocrs_pipeline_opts *o, const char *name,
                       ocrs_status (*pass)(ir_graph *, ocrs_diag *), ocrs_diag *diag) {
    ocrs_status st = pass(g, diag);
    if (st) return st;
    if (o->verbose > 0) fprintf(stderr, "ocrslim: after %-15s %5u nodes %5u values\n", name, g->nnodes, g->nvalues);
    if (o->verify_each && (st = ir_verify(g, diag))) {
        if (!diag) return st;
        char msg[sizeof diag->msg];
        memcpy(msg, diag->msg, sizeof msg);
        return ocrs_fail(diag, st, "after pass %s: %s", name, msg);
    }
    if (o->dump_after && strcmp(o->dump_after, name) == 0) {
        FILE *out = o->dump_to ? o->dump_to : stdout;
        fprintf(out, "# after %s\n", name);
        ir_dump(g, out);
    }
    return OCRS_OK;
}

ocrs_status ocrs_canonicalize(ir_graph *g, const ocrs_pipeline_opts *opts, ocrs_diag *diag) {
    static const ocrs_pipeline_opts defaults = {0};
    const ocrs_pipeline_opts *o = opts ? opts : &defaults;
    if (o->dump_after && !ocrs_is_pass_name(o->dump_after)) {
        char names[512];
        names_text(names, sizeof names);
        return ocrs_fail(diag, OCRS_ERR_USAGE, "unknown pass '%s' to dump after; passes are: %s", o->dump_after,
                         names);
    }
    for (int i = 0; i < NPASSES; i++) {
        const pass_entry *p = &pipeline[i];
        ocrs_status st = run(g, o, p->name, o->verbose > 0 && p->run_verbose ? p->run_verbose : p->run, diag);
        if (st) return st;
    }
    return OCRS_OK;
}
