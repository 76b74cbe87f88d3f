/* dce: unused nodes and Identities go; graph outputs keep their names. */
#include <string.h>

#include "testlib.h"

static void run_dce(ir_graph *g, int expected_nodes) {
    t_prepare(g);
    t_check_pass(g, pass_dce, 32, 32);
    CHECK(t_nodes(g) == expected_nodes && t_count(g, IR_OP_Identity) == 0);
}

static void removes_unused_branch(void) {
    ir_id x;
    ir_graph *g = t_graph(3, &x);
    ir_id r = t_act(g, IR_OP_Relu, "r", x, 0, 0);
    T_NODE(g, Mul, "unused", t_out(g, r), t_scalar(g, "k", 0, 2));
    t_set_output(g, t_out(g, t_act(g, IR_OP_Sigmoid, "y", x, 0, 0)));
    run_dce(g, 1);
    CHECK(ir_find_value(g, "k") == IR_NONE && ir_find_value(g, "r") == IR_NONE);
    ir_graph_free(g);
}

static void removes_inner_identity(void) {
    ir_id x;
    ir_graph *g = t_graph(3, &x);
    ir_id r = t_act(g, IR_OP_Relu, "r", x, 0, 0);
    ir_id i = T_NODE(g, Identity, "i", t_out(g, r));
    ir_id j = T_NODE(g, Identity, "j", t_out(g, i));
    t_set_output(g, t_out(g, T_NODE(g, Add, "y", t_out(g, j), t_out(g, i))));
    run_dce(g, 2);
    CHECK(g->nodes[1].inputs[0] == g->nodes[0].output && g->nodes[1].inputs[1] == g->nodes[0].output);
    ir_graph_free(g);
}

static void identity_output_keeps_its_name(void) {
    ir_id x;
    ir_graph *g = t_graph(3, &x);
    ir_id r = t_act(g, IR_OP_Relu, "r", x, 0, 0);
    ir_id s = t_act(g, IR_OP_Sigmoid, "s", t_out(g, r), 0, 0);
    ir_id i = T_NODE(g, Identity, "mid", t_out(g, r));
    t_set_output(g, t_out(g, T_NODE(g, Identity, "out", t_out(g, i))));
    t_set_output(g, t_out(g, s));
    run_dce(g, 2);
    CHECK(strcmp(g->values[g->outputs[0]].name, "out") == 0 && g->values[g->outputs[0]].producer == 0);
    CHECK(g->nodes[1].inputs[0] == g->outputs[0]); /* the Sigmoid now reads "out" */
    ir_graph_free(g);
}

static void identity_of_the_input_stays(void) {
    ir_id x;
    ir_graph *g = t_graph(3, &x);
    t_set_output(g, t_out(g, T_NODE(g, Identity, "y", x)));
    t_prepare(g);
    t_check_pass(g, pass_dce, 32, 32);
    CHECK(t_nodes(g) == 1 && t_count(g, IR_OP_Identity) == 1);
    ir_graph_free(g);
}

int main(void) {
    removes_unused_branch();
    removes_inner_identity();
    identity_output_keeps_its_name();
    identity_of_the_input_stays();
    return t_finish("test_dce");
}
