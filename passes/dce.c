/* Dead code elimination and Identity removal.
 * Needs: nothing beyond a well-formed graph.
 * Changes: Identity nodes go away. Readers of an Identity's output read its
 *   input instead; when the output is a graph output, the node computing the
 *   input takes over the output value instead, so the graph output keeps its
 *   name (an Identity whose input is the graph input, a weight or another
 *   graph output stays). Then every node that no graph output depends on dies.
 * Invalidates: value and node ids (ir_compact). */
#include <stdlib.h>

#include "passes.h"

static void remove_identity(ir_graph *g, ir_id i) {
    ir_id x = g->nodes[i].inputs[0], y = g->nodes[i].output;
    if (!pass_is_graph_output(g, y)) {
        pass_replace_uses(g, y, x);
        g->nodes[i].dead = true;
        return;
    }
    ir_id p = g->values[x].producer;
    if (p == IR_NONE || pass_is_graph_output(g, x)) return;
    g->nodes[i].dead = true;
    pass_replace_uses(g, x, y);
    g->nodes[p].output = y;
    g->values[y].producer = p;
    g->values[x].producer = IR_NONE;
}

ocrs_status pass_dce(ir_graph *g, ocrs_diag *diag) {
    for (ir_id i = 0; i < g->nnodes; i++)
        if (!g->nodes[i].dead && g->nodes[i].op == IR_OP_Identity) remove_identity(g, i);
    bool *needed = calloc(g->nvalues + 1, sizeof *needed);
    if (!needed) return ocrs_fail(diag, OCRS_ERR_NOMEM, "%s: dce: out of memory", g->source);
    for (uint32_t i = 0; i < g->noutputs; i++) needed[g->outputs[i]] = true;
    for (ir_id i = g->nnodes; i-- > 0;) {
        ir_node *n = &g->nodes[i];
        if (n->dead) continue;
        if (!needed[n->output]) {
            n->dead = true;
            continue;
        }
        for (uint32_t j = 0; j < n->ninputs; j++)
            if (n->inputs[j] != IR_NONE) needed[n->inputs[j]] = true;
    }
    free(needed);
    ir_compact(g);
    return OCRS_OK;
}
