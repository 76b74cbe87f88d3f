/* Activation fusion into the convolution epilogue.
 * Needs: nothing beyond a well-formed graph.
 * Changes: a Conv or ConvTranspose without a fused activation whose output is
 *   read only by a Relu, Clip, HardSigmoid, HardSwish or Sigmoid takes that
 *   node's attrs.act and its output value (name and readers); the activation
 *   node dies.
 * Invalidates: value and node ids (ir_compact). */
#include "passes.h"

ocrs_status pass_fuse_act(ir_graph *g, ocrs_diag *diag) {
    ir_uses uses;
    if (!ir_uses_build(g, &uses)) return ocrs_fail(diag, OCRS_ERR_NOMEM, "%s: fuse_act: out of memory", g->source);
    for (ir_id i = 0; i < g->nnodes; i++) {
        ir_node *n = &g->nodes[i];
        if (n->dead || !(ir_ops[n->op].flags & IR_F_CONV) || n->attrs.act.kind != IR_ACT_NONE) continue;
        ir_id user = ir_uses_single(g, &uses, n->output);
        if (user == IR_NONE || ir_unary_act(g->nodes[user].op) == IR_ACT_NONE) continue;
        n->attrs.act = g->nodes[user].attrs.act;
        pass_absorb_user(g, i, user);
    }
    ir_uses_free(&uses);
    ir_compact(g);
    return OCRS_OK;
}
