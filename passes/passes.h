/* Passes over the IR. Each lives in its own file whose opening comment says
 * what it needs, what it changes and what it invalidates. All return a status;
 * a model error carries a message naming the node. */
#ifndef OCRS_PASSES_H
#define OCRS_PASSES_H

#include "ir.h"

ocrs_status pass_shape_infer(ir_graph *g, ocrs_diag *diag);

/* Canonicalisation (run in this order by ocrs_canonicalize, passes/pipeline.c). */
ocrs_status pass_fold_constants(ir_graph *g, ocrs_diag *diag);
ocrs_status pass_dce(ir_graph *g, ocrs_diag *diag);
ocrs_status pass_fuse_hardswish(ir_graph *g, ocrs_diag *diag);
ocrs_status pass_fold_affine(ir_graph *g, ocrs_diag *diag);
ocrs_status pass_fold_bn(ir_graph *g, ocrs_diag *diag);
ocrs_status pass_fuse_act(ir_graph *g, ocrs_diag *diag);
ocrs_status pass_fuse_affine_act(ir_graph *g, ocrs_diag *diag);
ocrs_status pass_fold_se_residual(ir_graph *g, ocrs_diag *diag);

/* ---- rewriting helpers shared by the passes (passes/rewrite.c) ---- */

/* A value name not used in g: base itself, else base.1, base.2, ...
 * In the arena; NULL when out of memory. */
const char *pass_unique_name(ir_graph *g, const char *base);

/* The float value of v when it is a weight with exactly one element and rank
 * at most max_rank (so broadcasting it does not grow the other operand). */
bool pass_scalar_const(const ir_graph *g, ir_id v, int max_rank, float *x);

/* True when v is one of the graph's outputs. */
bool pass_is_graph_output(const ir_graph *g, ir_id v);

/* Replaces every read of value from by value to in live nodes. */
void pass_replace_uses(ir_graph *g, ir_id from, ir_id to);

/* user reads producer's output and producer takes over user's output value
 * (and so its name and its readers); user dies. The caller has made the
 * producer compute what user computed. */
void pass_absorb_user(ir_graph *g, ir_id producer, ir_id user);

/* True when conv (Conv or ConvTranspose) has no fused activation and constant
 * weight and bias, so a per-output-channel affine map of its output can be
 * folded into them. */
bool pass_conv_accepts_affine(const ir_graph *g, ir_id conv);

/* Number of output channels of a Conv or ConvTranspose. */
int64_t pass_conv_out_channels(const ir_graph *g, ir_id conv);

/* Folds y -> alpha[m]*y + beta[m] (m the output channel) into conv's weight
 * and bias, which pass_conv_accepts_affine allowed. Weights shared with other
 * nodes are copied first; a missing bias is created. Keeps out_axis/in_axis. */
ocrs_status pass_conv_absorb_affine(ir_graph *g, ir_id conv, const double *alpha, const double *beta,
                                    ocrs_diag *diag);

#endif
