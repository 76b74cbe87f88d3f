/* HardSwish and HardSigmoid recognition.
 * paddle2onnx below opset 14 writes hardswish(x) as the chain
 *   t = Add(x, 3); c = Clip(t, 0, 6); m = Mul(x, c); d = Div(m, 6)
 * which costs four passes over the tensor where one suffices.
 * Needs: shapes (pass_shape_infer).
 * Changes: rewrites, in any operand order of Add and Mul,
 *   x * clip(x + 3, 0, 6) / 6     -> HardSwish(x)
 *   clip(x + 3, 0, 6) / 6         -> HardSigmoid(x), alpha 1/6, beta 1/2
 *   x * HardSigmoid(x; 1/6, 1/2)  -> HardSwish(x)
 *   where 3 and 6 are one-element float constants of rank at most x's (so
 *   they do not broadcast x to a larger shape), "/ 6" is Div by 6 or Mul by
 *   1/6 within 1e-6 relative, and Clip's bounds are exactly 0 and 6. Every
 *   intermediate value must be read only by the next node of the chain. The
 *   chain's last node becomes the new op and keeps its output value; the
 *   others die. Results agree up to float rounding: the fused ops compute
 *   x/6 + 1/2 instead of (x + 3)/6.
 * Invalidates: value and node ids (ir_compact). */
#include <math.h>

#include "passes.h"

/* The operand of binary node n that is not a one-element constant within
 * rel_tol of k (relative), or IR_NONE when neither operand is one. */
static ir_id operand_besides(const ir_graph *g, const ir_node *n, double k, double rel_tol) {
    for (int side = 0; side < 2; side++) {
        ir_id other = n->inputs[1 - side];
        float c;
        if (pass_scalar_const(g, n->inputs[side], g->values[other].rank, &c) && fabs(c - k) <= rel_tol * fabs(k))
            return other;
    }
    return IR_NONE;
}

/* v when node d computes v / 6 (Div by 6, or Mul by 1/6); else IR_NONE. */
static ir_id divided_by_six(const ir_graph *g, ir_id d) {
    const ir_node *n = &g->nodes[d];
    float c;
    if (n->op == IR_OP_Div && pass_scalar_const(g, n->inputs[1], g->values[n->inputs[0]].rank, &c) && c == 6.0f)
        return n->inputs[0];
    if (n->op == IR_OP_Mul) return operand_besides(g, n, 1.0 / 6.0, 1e-6);
    return IR_NONE;
}

/* x when value v is clip(x + 3, 0, 6) and the sum is read only by the Clip;
 * the Clip and Add nodes go to *clip and *add. Else IR_NONE. */
static ir_id relu6_of_x_plus_3(const ir_graph *g, const ir_uses *uses, ir_id v, ir_id *clip, ir_id *add) {
    *clip = g->values[v].producer;
    if (*clip == IR_NONE) return IR_NONE;
    const ir_node *c = &g->nodes[*clip];
    if (c->op != IR_OP_Clip || c->attrs.act.kind != IR_ACT_CLIP || c->attrs.act.a != 0.0f || c->attrs.act.b != 6.0f)
        return IR_NONE;
    *add = g->values[c->inputs[0]].producer;
    if (*add == IR_NONE || g->nodes[*add].op != IR_OP_Add || ir_uses_single(g, uses, c->inputs[0]) != *clip)
        return IR_NONE;
    return operand_besides(g, &g->nodes[*add], 3.0, 0.0);
}

static bool is_hardsigmoid_sixth(const ir_node *n) {
    return n->op == IR_OP_HardSigmoid && n->attrs.act.kind == IR_ACT_HARDSIGMOID &&
           fabs(n->attrs.act.a - 1.0 / 6.0) <= 1e-6 / 6.0 && n->attrs.act.b == 0.5f;
}

/* Node d becomes op(x) with activation kind; the nodes in dying[] die. */
static void rewrite(ir_graph *g, ir_id d, ir_op op, ir_act act, ir_id x, const ir_id *dying, int ndying) {
    ir_node *n = &g->nodes[d];
    n->op = op;
    n->ninputs = 1;
    n->inputs[0] = x;
    n->attrs = ir_attrs_default();
    n->attrs.act = act;
    for (int i = 0; i < ndying; i++) g->nodes[dying[i]].dead = true;
}

static const ir_act hardswish = {IR_ACT_HARDSWISH, 0, 0};
static const ir_act hardsigmoid_sixth = {IR_ACT_HARDSIGMOID, 1.0f / 6.0f, 0.5f};

/* Tries every pattern ending at node d. */
static void match(ir_graph *g, const ir_uses *uses, ir_id d) {
    ir_id v = divided_by_six(g, d), clip, add, x;
    if (v != IR_NONE && ir_uses_single(g, uses, v) == d) {
        if ((x = relu6_of_x_plus_3(g, uses, v, &clip, &add)) != IR_NONE) {
            rewrite(g, d, IR_OP_HardSigmoid, hardsigmoid_sixth, x, (ir_id[]){clip, add}, 2);
            return;
        }
        ir_id mul = g->values[v].producer;
        if (mul == IR_NONE || g->nodes[mul].op != IR_OP_Mul) return;
        for (int side = 0; side < 2; side++) {
            ir_id c = g->nodes[mul].inputs[side];
            x = g->nodes[mul].inputs[1 - side];
            if (ir_uses_single(g, uses, c) == mul && relu6_of_x_plus_3(g, uses, c, &clip, &add) == x) {
                rewrite(g, d, IR_OP_HardSwish, hardswish, x, (ir_id[]){mul, clip, add}, 3);
                return;
            }
        }
        return;
    }
    if (g->nodes[d].op != IR_OP_Mul) return;
    for (int side = 0; side < 2; side++) {
        ir_id h = g->nodes[d].inputs[side], hs = g->values[h].producer;
        x = g->nodes[d].inputs[1 - side];
        if (hs != IR_NONE && is_hardsigmoid_sixth(&g->nodes[hs]) && g->nodes[hs].inputs[0] == x &&
            ir_uses_single(g, uses, h) == d) {
            rewrite(g, d, IR_OP_HardSwish, hardswish, x, &hs, 1);
            return;
        }
    }
}

ocrs_status pass_fuse_hardswish(ir_graph *g, ocrs_diag *diag) {
    /* A rewrite moves the reads of the pattern's input x from the dying Add
     * (and Mul) to the rewritten node: a stale entry names a dead node or
     * counts one reader too many, so a later match can only miss, never
     * wrongly find, a single reader. */
    ir_uses uses;
    if (!ir_uses_build(g, &uses)) return ocrs_fail(diag, OCRS_ERR_NOMEM, "%s: fuse_hardswish: out of memory", g->source);
    for (ir_id i = 0; i < g->nnodes; i++)
        if (!g->nodes[i].dead) match(g, &uses, i);
    ir_uses_free(&uses);
    ir_compact(g);
    return OCRS_OK;
}
