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

/* The value v stands for once Identity nodes are gone (alias[v] = IR_NONE:
 * itself), compressing the path it follows. */
static ir_id resolve(ir_id *alias, ir_id v) {
    ir_id r = v;
    while (alias[r] != IR_NONE) r = alias[r];
    while (alias[v] != IR_NONE) {
        ir_id next = alias[v];
        alias[v] = r;
        v = next;
    }
    return r;
}

/* Removes Identity node i, recording in alias what its readers read now. */
static void remove_identity(ir_graph *g, ir_id i, ir_id *alias) {
    ir_id x = resolve(alias, g->nodes[i].inputs[0]), y = g->nodes[i].output;
    if (!pass_is_graph_output(g, y)) {
        alias[y] = x;
        g->nodes[i].dead = true;
        return;
    }
    ir_id p = g->values[x].producer;
    g->nodes[i].inputs[0] = x;
    if (p == IR_NONE || pass_is_graph_output(g, x)) return;
    g->nodes[i].dead = true;
    alias[x] = y;
    g->nodes[p].output = y;
    g->values[y].producer = p;
    g->values[x].producer = IR_NONE;
}

ocrs_status pass_dce(ir_graph *g, ocrs_diag *diag) {
    ir_id *alias = malloc(sizeof *alias * (g->nvalues + 1));
    bool *needed = calloc(g->nvalues + 1, sizeof *needed);
    if (!alias || !needed) {
        free(alias);
        free(needed);
        return ocrs_fail(diag, OCRS_ERR_NOMEM, "%s: dce: out of memory", g->source);
    }
    /* Identities first, then every read redirected at once: replacing the
     * uses of each Identity in turn would be quadratic in a chain of them. */
    for (ir_id v = 0; v < g->nvalues; v++) alias[v] = IR_NONE;
    for (ir_id i = 0; i < g->nnodes; i++)
        if (!g->nodes[i].dead && g->nodes[i].op == IR_OP_Identity) remove_identity(g, i, alias);
    for (ir_id i = 0; i < g->nnodes; i++) {
        ir_node *n = &g->nodes[i];
        for (uint32_t j = 0; j < n->ninputs && !n->dead; j++)
            if (n->inputs[j] != IR_NONE) n->inputs[j] = resolve(alias, n->inputs[j]);
    }
    free(alias);
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
