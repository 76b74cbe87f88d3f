/* Scalar affine ops after an activation, fused into the convolution's
 * epilogue. PPLCNetV3 (PP-OCRv4's backbone) follows most hardswish
 * activations with a learnable scale and shift, which paddle2onnx writes as
 * Mul and Add by one-element constants; after the activation they cannot be
 * folded into the weights (fold_affine), but the conv can apply them as it
 * stores, saving two passes over the activation.
 * Needs: shapes; runs after fold_affine and fuse_act.
 * Changes: when the output of a Conv or ConvTranspose without attrs.post has
 *   a single reader that is Mul or Add with a one-element constant (rank
 *   <= 4, so it does not broadcast the output), attrs.post takes it over
 *   (y * scale, or y * 1 + shift, which is exactly y + shift) and the conv
 *   takes the reader's output; after a Mul, a following scalar Add fuses
 *   too. The arithmetic is unchanged, so results are bit-identical.
 * Invalidates: value and node ids (ir_compact). */
#include "passes.h"

/* The constant of node user if it is op (Mul or Add) of y and a scalar. */
static bool scalar_operand(const ir_graph *g, ir_id user, ir_id y, ir_op op, float *c) {
    if (user == IR_NONE || g->nodes[user].op != op) return false;
    const ir_node *n = &g->nodes[user];
    ir_id other = n->inputs[0] == y ? n->inputs[1] : n->inputs[0];
    return other != y && pass_scalar_const(g, other, 4, c);
}

ocrs_status pass_fuse_affine_act(ir_graph *g, ocrs_diag *diag) {
    ir_uses uses;
    if (!ir_uses_build(g, &uses)) return ocrs_fail(diag, OCRS_ERR_NOMEM, "%s: fuse_affine_act: out of memory", g->source);
    for (ir_id i = 0; i < g->nnodes; i++) {
        ir_node *n = &g->nodes[i];
        if (n->dead || !(ir_ops[n->op].flags & IR_F_CONV) || n->attrs.post.on) continue;
        ir_id user = ir_uses_single(g, &uses, n->output);
        float c;
        if (scalar_operand(g, user, n->output, IR_OP_Mul, &c)) {
            n->attrs.post.on = true, n->attrs.post.scale = c;
            pass_absorb_user(g, i, user);
            user = ir_uses_single(g, &uses, n->output);
            if (!scalar_operand(g, user, n->output, IR_OP_Add, &c)) continue;
        } else if (scalar_operand(g, user, n->output, IR_OP_Add, &c)) {
            n->attrs.post.on = true, n->attrs.post.scale = 1.0f;
        } else {
            continue;
        }
        n->attrs.post.has_shift = true, n->attrs.post.shift = c;
        pass_absorb_user(g, i, user);
    }
    ir_uses_free(&uses);
    ir_compact(g);
    return OCRS_OK;
}
