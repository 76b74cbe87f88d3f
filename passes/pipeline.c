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
 * epilogue (attrs.post), which it does not model. */
#include "pipeline.h"

#include <string.h>

#include "passes.h"

static const char *const pass_names[] = {
    "shape_infer", "fold_constants",  "dce",             "fuse_hardswish",   "fold_affine",
    "fold_bn",     "fuse_act",        "dead_channels",   "fuse_affine_act",  "fold_se_residual",
};
enum { NPASSES = sizeof pass_names / sizeof pass_names[0] };

bool ocrs_is_pass_name(const char *name) {
    for (int i = 0; i < NPASSES; i++)
        if (strcmp(name, pass_names[i]) == 0) return true;
    return false;
}

static void names_text(char *buf, size_t size) {
    buf[0] = 0;
    for (int i = 0; i < NPASSES; i++)
        snprintf(buf + strlen(buf), size - strlen(buf), "%s%s", i ? ", " : "", pass_names[i]);
}

void ocrs_list_passes(FILE *out) {
    char names[256];
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

#define RUN(pass)                                                   \
    do {                                                            \
        ocrs_status st_ = run(g, o, #pass, pass_##pass, diag);      \
        if (st_) return st_;                                        \
    } while (0)

/* dead_channels reports what it removed when the run is verbose. */
static ocrs_status dead_channels_quiet(ir_graph *g, ocrs_diag *diag) { return pass_dead_channels(g, NULL, diag); }
static ocrs_status dead_channels_verbose(ir_graph *g, ocrs_diag *diag) { return pass_dead_channels(g, stderr, diag); }

ocrs_status ocrs_canonicalize(ir_graph *g, const ocrs_pipeline_opts *opts, ocrs_diag *diag) {
    static const ocrs_pipeline_opts defaults = {0};
    const ocrs_pipeline_opts *o = opts ? opts : &defaults;
    if (o->dump_after && !ocrs_is_pass_name(o->dump_after)) {
        char names[256];
        names_text(names, sizeof names);
        return ocrs_fail(diag, OCRS_ERR_USAGE, "unknown pass '%s' to dump after; passes are: %s", o->dump_after,
                         names);
    }
    RUN(shape_infer);
    RUN(fold_constants);
    RUN(dce);
    RUN(fuse_hardswish);
    RUN(fold_affine);
    RUN(fold_bn);
    RUN(fuse_act);
    ocrs_status st = run(g, o, "dead_channels", o->verbose > 0 ? dead_channels_verbose : dead_channels_quiet, diag);
    if (st) return st;
    RUN(fuse_affine_act);
    RUN(fold_se_residual);
    RUN(dce);
    RUN(shape_infer);
    return OCRS_OK;
}
