/* fold_constants: constant subgraphs become weights; runtime nodes stay. */
#include <string.h>

#include "testlib.h"

static void folds_a_chain(void) {
    ir_id x;
    ir_graph *g = t_graph(3, &x);
    float w1[3] = {1, 2, 3}, w3[3] = {0.5f, -1, 4};
    ir_id m = T_NODE(g, Mul, "m", t_weight(g, "w1", T_DIMS(1, 3, 1, 1), w1), t_scalar(g, "two", 0, 2));
    ir_id k = T_NODE(g, Add, "k", t_out(g, m), t_weight(g, "w3", T_DIMS(1, 3, 1, 1), w3));
    ir_id y = T_NODE(g, Add, "y", x, t_out(g, k));
    t_set_output(g, t_out(g, y));
    t_prepare(g);
    t_check_pass(g, pass_fold_constants, 32, 64);
    CHECK(t_nodes(g) == 1 && t_count(g, IR_OP_Add) == 1);
    ir_id kv = ir_find_value(g, "k");
    CHECK(kv != IR_NONE && ir_is_weight(&g->values[kv]) && g->values[kv].producer == IR_NONE);
    static const float e[3] = {2.5f, 3, 10}; /* 2*w1 + w3 */
    CHECK(kv != IR_NONE && memcmp(g->values[kv].data, e, sizeof e) == 0);
    CHECK(ir_find_value(g, "w1") == IR_NONE && ir_find_value(g, "m") == IR_NONE); /* compacted away */
    ir_graph_free(g);
}

static void keeps_runtime_nodes_and_outputs(void) {
    ir_id x;
    ir_graph *g = t_graph(3, &x);
    ir_id r = T_NODE(g, Add, "r", x, t_scalar(g, "one", 1, 1));
    ir_id c = T_NODE(g, Mul, "c", t_scalar(g, "a", 0, 2), t_scalar(g, "b", 0, 3));
    t_set_output(g, t_out(g, r));
    t_set_output(g, t_out(g, c)); /* a constant graph output must stay computed */
    t_prepare(g);
    t_check_pass(g, pass_fold_constants, 32, 32);
    CHECK(t_nodes(g) == 2);
    ir_graph_free(g);
}

int main(void) {
    folds_a_chain();
    keeps_runtime_nodes_and_outputs();
    return t_finish("test_fold_constants");
}
