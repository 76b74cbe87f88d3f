/* Constant folding.
 * Needs: shapes (pass_shape_infer); nodes in topological order.
 * Changes: every node whose inputs are all float weights is evaluated by the
 *   reference interpreter; its output value becomes a weight (static shape,
 *   out_axis/in_axis unset) and the node dies. Chains fold in one sweep.
 *   A node computing a graph output is kept so the output stays computed.
 * Invalidates: value and node ids (ir_compact). */
#include "interp.h"
#include "passes.h"

static bool all_inputs_constant(const ir_graph *g, const ir_node *n) {
    for (uint32_t j = 0; j < n->ninputs; j++) {
        if (n->inputs[j] == IR_NONE) continue;
        const ir_value *v = &g->values[n->inputs[j]];
        if (!ir_is_weight(v) || v->dtype != IR_F32) return false;
    }
    return true;
}

ocrs_status pass_fold_constants(ir_graph *g, ocrs_diag *diag) {
    for (ir_id i = 0; i < g->nnodes; i++) {
        ir_node *n = &g->nodes[i];
        if (n->dead || pass_is_graph_output(g, n->output) || !all_inputs_constant(g, n)) continue;
        ocrs_status st = ir_interp_fold_node(g, i, diag);
        if (st) return st;
        g->values[n->output].producer = IR_NONE;
        n->dead = true;
    }
    ir_compact(g);
    return OCRS_OK;
}
