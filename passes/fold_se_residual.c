/* The squeeze-excite residual x + x * gate as one multiply.
 * PP-OCRv4's neck (RSEFPN) ends each squeeze-excite block with
 * Add(x, Mul(x, gate)), gate = hardsigmoid(conv(...)) of shape [N, C, 1, 1]:
 * two full passes over x. Since x + x*g = x * (1 + g), the gate's conv adds
 * 1 in its epilogue (attrs.post) and the Mul alone remains.
 * Needs: shapes; runs after fuse_affine_act (the gate conv's post must be
 *   free).
 * Changes: for Add(x, m) (either order) where m = Mul(x, gate) (either
 *   order) is read only by the Add, gate is the output of a Conv without
 *   attrs.post read only by the Mul, and the Mul's output has the Add's
 *   shape: the Conv's post becomes y * 1 + 1 and the Mul takes over the
 *   Add's output. Rounding differs from the two ops by about one ulp of
 *   the result (1 + g is rounded once before the product).
 * Invalidates: value and node ids (ir_compact). */
#include "passes.h"

/* The gate conv of Add node `add` when it has the pattern above. */
static ir_id gate_conv(const ir_graph *g, const ir_uses *uses, ir_id add, ir_id *mul_out) {
    const ir_node *a = &g->nodes[add];
    for (int k = 0; k < 2; k++) {
        ir_id x = a->inputs[k], mul = g->values[a->inputs[1 - k]].producer;
        if (mul == IR_NONE || g->nodes[mul].op != IR_OP_Mul || ir_uses_single(g, uses, g->nodes[mul].output) != add)
            continue;
        const ir_node *m = &g->nodes[mul];
        if (m->inputs[0] != x && m->inputs[1] != x) continue;
        ir_id gate = m->inputs[m->inputs[0] == x ? 1 : 0], conv = g->values[gate].producer;
        if (gate == x || conv == IR_NONE || !(ir_ops[g->nodes[conv].op].flags & IR_F_CONV) ||
            g->nodes[conv].attrs.post.on || ir_uses_single(g, uses, gate) != mul ||
            !pass_same_shape(&g->values[m->output], &g->values[a->output]))
            continue;
        *mul_out = mul;
        return conv;
    }
    return IR_NONE;
}

ocrs_status pass_fold_se_residual(ir_graph *g, ocrs_diag *diag) {
    ir_uses uses;
    if (!ir_uses_build(g, &uses)) return ocrs_fail(diag, OCRS_ERR_NOMEM, "%s: fold_se_residual: out of memory", g->source);
    for (ir_id i = 0; i < g->nnodes; i++) {
        if (g->nodes[i].dead || g->nodes[i].op != IR_OP_Add) continue;
        ir_id mul, conv = gate_conv(g, &uses, i, &mul);
        if (conv == IR_NONE) continue;
        ir_attrs *ca = &g->nodes[conv].attrs;
        ca->post.on = ca->post.has_shift = true;
        ca->post.scale = 1.0f, ca->post.shift = 1.0f;
        pass_absorb_user(g, mul, i);
    }
    ir_uses_free(&uses);
    ir_compact(g);
    return OCRS_OK;
}
