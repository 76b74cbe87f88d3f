/* Folding of constant per-channel affine ops into the preceding convolution.
 * paddle2onnx writes PPLCNetV3's learnable scale and shift as Mul and Add by
 * constants after a Conv, and ConvTranspose's bias as an Add after it.
 * Needs: shapes (pass_shape_infer).
 * Changes: while the output of a Conv or ConvTranspose (no fused activation,
 *   constant weight and bias) has a single reader that is Add, Sub, Mul or Div
 *   with a constant whose broadcast shape is [1, 1|C, 1, 1] (a scalar, [1],
 *   [C,1,1], [1,C,1,1], ...), the op folds into the conv's weight and bias
 *   (alpha*W, alpha*b + beta, in double, rounded once) and the conv takes over
 *   the op's output value. y - c, c - y, y * c, y + c all fold exactly up to
 *   rounding; y / c folds as y * (1/c), which may differ from the division by
 *   one ulp. c / y is not affine and stays. A rank-1 [C] constant broadcasts
 *   along W, not C, and stays. Weights shared with other nodes are copied.
 * Invalidates: value and node ids (ir_compact). */
#include <stdlib.h>

#include "passes.h"

/* Data of constant v if it broadcasts against an [N, C, H, W] conv output as
 * one value per channel or one value overall (*per_channel false). */
static const float *channel_constant(const ir_graph *g, ir_id v, int64_t c_, bool *per_channel) {
    const ir_value *val = &g->values[v];
    if (!ir_is_weight(val) || val->dtype != IR_F32 || val->rank > 4) return NULL;
    int64_t d[4] = {1, 1, 1, 1};
    for (int i = 0; i < val->rank; i++) d[4 - val->rank + i] = val->dims[i].q;
    if (d[0] != 1 || d[2] != 1 || d[3] != 1 || (d[1] != 1 && d[1] != c_)) return NULL;
    *per_channel = d[1] != 1;
    return val->data;
}

/* Whether node `user`, reading conv output y of c_ channels, computes
 * alpha[m] * y + beta[m] per channel m with constant alpha and beta. */
static bool user_affine(const ir_graph *g, ir_id user, ir_id y, int64_t c_, double *alpha, double *beta) {
    const ir_node *n = &g->nodes[user];
    if (!(ir_ops[n->op].flags & IR_F_BINARY)) return false;
    bool y_first = n->inputs[0] == y;
    ir_id other = n->inputs[y_first ? 1 : 0];
    bool per_channel;
    const float *k = other == y ? NULL : channel_constant(g, other, c_, &per_channel);
    if (!k) return false;
    for (int64_t m = 0; m < c_; m++) {
        double c = k[per_channel ? m : 0];
        switch (n->op) {
        case IR_OP_Add: alpha[m] = 1, beta[m] = c; break;
        case IR_OP_Sub: alpha[m] = y_first ? 1 : -1, beta[m] = y_first ? -c : c; break;
        case IR_OP_Mul: alpha[m] = c, beta[m] = 0; break;
        case IR_OP_Div:
            if (!y_first || c == 0) return false;
            alpha[m] = 1 / c, beta[m] = 0;
            break;
        default: OCRS_ASSERT(!"not a binary op");
        }
    }
    return true;
}

ocrs_status pass_fold_affine(ir_graph *g, ocrs_diag *diag) {
    ir_uses uses;
    if (!ir_uses_build(g, &uses)) return ocrs_fail(diag, OCRS_ERR_NOMEM, "%s: fold_affine: out of memory", g->source);
    for (ir_id i = 0; i < g->nnodes; i++) {
        if (g->nodes[i].dead || !pass_conv_accepts_affine(g, i)) continue;
        int64_t c_ = pass_conv_out_channels(g, i);
        double *alpha = malloc(sizeof(double) * (size_t)c_), *beta = malloc(sizeof(double) * (size_t)c_);
        ocrs_status st = OCRS_OK;
        if (!alpha || !beta) st = ocrs_fail(diag, OCRS_ERR_NOMEM, "%s: fold_affine: out of memory", g->source);
        while (!st) {
            ir_id y = g->nodes[i].output, user = ir_uses_single(g, &uses, y);
            if (user == IR_NONE || !user_affine(g, user, y, c_, alpha, beta)) break;
            st = pass_conv_absorb_affine(g, i, alpha, beta, diag);
            if (!st) pass_absorb_user(g, i, user);
        }
        free(alpha);
        free(beta);
        if (st) {
            ir_uses_free(&uses);
            return st;
        }
    }
    ir_uses_free(&uses);
    ir_compact(g);
    return OCRS_OK;
}
