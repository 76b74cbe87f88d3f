/* BatchNormalization folding.
 * Needs: shapes (pass_shape_infer).
 * Changes: a BatchNormalization with constant parameters whose input is the
 *   output of a Conv or ConvTranspose that nothing else reads (and that has no
 *   fused activation, constant weight and bias) folds into that conv:
 *     s = scale / sqrt(var + eps),  W[m] *= s[m],  b[m] = s[m] * b[m] + (bias[m] - s[m] * mean[m])
 *   computed in double and rounded to float once per element. The conv takes
 *   over the BN's output value (its name and readers). A missing bias is
 *   created; weights shared with other nodes are copied first. Other
 *   BatchNormalizations stay.
 * Invalidates: value and node ids (ir_compact). */
#include <math.h>
#include <stdlib.h>

#include "passes.h"

static bool params_constant(const ir_graph *g, const ir_node *bn) {
    for (uint32_t j = 1; j < 5; j++) {
        const ir_value *v = &g->values[bn->inputs[j]];
        if (!ir_is_weight(v) || v->dtype != IR_F32) return false;
    }
    return true;
}

static ocrs_status fold(ir_graph *g, ir_id conv, ir_id bn, ocrs_diag *diag) {
    const ir_node *n = &g->nodes[bn];
    const float *scale = g->values[n->inputs[1]].data, *bias = g->values[n->inputs[2]].data;
    const float *mean = g->values[n->inputs[3]].data, *var = g->values[n->inputs[4]].data;
    int64_t m_ = pass_conv_out_channels(g, conv);
    double *alpha = malloc(sizeof(double) * (size_t)m_), *beta = malloc(sizeof(double) * (size_t)m_);
    ocrs_status st = OCRS_OK;
    if (!alpha || !beta) {
        st = ocrs_fail(diag, OCRS_ERR_NOMEM, "%s: fold_bn: out of memory", g->source);
    } else {
        for (int64_t m = 0; m < m_; m++) {
            alpha[m] = (double)scale[m] / sqrt((double)var[m] + (double)n->attrs.epsilon);
            beta[m] = (double)bias[m] - alpha[m] * (double)mean[m];
        }
        st = pass_conv_absorb_affine(g, conv, alpha, beta, diag);
    }
    free(alpha);
    free(beta);
    if (!st) pass_absorb_user(g, conv, bn);
    return st;
}

ocrs_status pass_fold_bn(ir_graph *g, ocrs_diag *diag) {
    ir_uses uses;
    if (!ir_uses_build(g, &uses)) return ocrs_fail(diag, OCRS_ERR_NOMEM, "%s: fold_bn: out of memory", g->source);
    for (ir_id i = 0; i < g->nnodes; i++) {
        const ir_node *n = &g->nodes[i];
        if (n->dead || n->op != IR_OP_BatchNormalization) continue;
        ir_id conv = g->values[n->inputs[0]].producer;
        if (conv == IR_NONE || ir_uses_single(g, &uses, n->inputs[0]) != i || !pass_conv_accepts_affine(g, conv) ||
            !params_constant(g, n))
            continue;
        ocrs_status st = fold(g, conv, i, diag);
        if (st) {
            ir_uses_free(&uses);
            return st;
        }
    }
    ir_uses_free(&uses);
    ir_compact(g);
    return OCRS_OK;
}
