/* Shape inference.
 * Needs: nodes in topological order, the input's shape (1x3xHxW, symbolic).
 * Changes: the shape of every node output, from the op rules in ir/shape.c.
 * Invalidates: nothing; other passes may rely on shapes afterwards. */
#include "passes.h"

ocrs_status pass_shape_infer(ir_graph *g, ocrs_diag *diag) {
    for (ir_id i = 0; i < g->nnodes; i++) {
        if (g->nodes[i].dead) continue;
        ir_value *o = &g->values[g->nodes[i].output];
        ocrs_status st = ir_node_shape(g, i, &o->rank, o->dims, diag);
        if (st) return st;
        o->dtype = IR_F32;
    }
    return OCRS_OK;
}
