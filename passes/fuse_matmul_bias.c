/* MatMul + bias.
 * A linear layer arrives as y = Add(MatMul(a, B), c): the Add is a second
 * pass over the product that the GEMM's store can do instead.
 * Needs: shapes (pass_shape_infer); constants folded (fold_constants).
 * Changes: MatMul(a, B) whose output only an Add reads, the Add's other
 *   operand a float constant of 1s then N (the product's last extent, B at
 *   least 2-D) of rank at most the product's, becomes MatMul(a, B, c') with
 *   c' that constant as a vector of N (a new weight when it had leading 1s);
 *   the MatMul takes over the Add's output value. Results are unchanged:
 *   the kernel adds the bias to the finished sum in float, as the Add did.
 * Invalidates: value and node ids (ir_compact). */
#include "passes.h"

/* The Add's operand other than mm when it is a bias for product mm, else
 * IR_NONE. */
static ir_id bias_operand(const ir_graph *g, const ir_node *add, ir_id mm) {
    const ir_value *y = &g->values[mm];
    for (int side = 0; side < 2; side++) {
        if (add->inputs[1 - side] != mm) continue;
        const ir_value *c = &g->values[add->inputs[side]];
        if (!ir_is_weight(c) || c->dtype != IR_F32 || c->rank < 1 || c->rank > y->rank) return IR_NONE;
        for (int i = 0; i + 1 < c->rank; i++)
            if (c->dims[i].q != 1) return IR_NONE;
        return ir_dim_equal(c->dims[c->rank - 1], y->dims[y->rank - 1]) ? add->inputs[side] : IR_NONE;
    }
    return IR_NONE;
}

/* Tries MatMul node m; false when out of memory. */
static bool match(ir_graph *g, const ir_uses *u, ir_id m) {
    const ir_node *mm = &g->nodes[m];
    if (mm->ninputs != 2 || g->values[mm->inputs[1]].rank < 2) return true;
    ir_id add = ir_uses_single(g, u, mm->output);
    if (add == IR_NONE || g->nodes[add].op != IR_OP_Add) return true;
    ir_id c = bias_operand(g, &g->nodes[add], mm->output);
    if (c == IR_NONE) return true;
    if (g->values[c].rank > 1) {
        const char *name = pass_unique_name(g, g->values[c].name);
        if (!name) return false;
        int64_t n = g->values[c].dims[g->values[c].rank - 1].q;
        if ((c = ir_add_weight(g, name, IR_F32, 1, &n, g->values[c].data)) == IR_NONE) return false;
    }
    const ir_node *n = &g->nodes[m];
    if (!ir_node_set_inputs(g, m, 3, (ir_id[]){n->inputs[0], n->inputs[1], c})) return false;
    pass_absorb_user(g, m, add);
    return true;
}

ocrs_status pass_fuse_matmul_bias(ir_graph *g, ocrs_diag *diag) {
    return pass_match_each(g, IR_OP_MatMul, match, "fuse_matmul_bias", diag);
}
