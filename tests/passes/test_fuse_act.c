/* fuse_act: an activation that is a conv's only reader moves into the conv. */
#include <string.h>

#include "testlib.h"

static void fuses(ir_op conv_op, ir_op act_op, float a, float b) {
    ir_id x;
    ir_graph *g = t_graph(4, &x);
    ir_id c = t_small_conv(g, conv_op, x);
    ir_id act = t_act(g, act_op, "act", t_out(g, c), a, b);
    ir_act expected = g->nodes[act].attrs.act;
    t_set_output(g, t_out(g, act));
    t_prepare(g);
    t_check_pass(g, pass_fuse_act, 32, 32);
    CHECK(t_nodes(g) == 1 && g->nodes[0].op == conv_op);
    CHECK(memcmp(&g->nodes[0].attrs.act, &expected, sizeof expected) == 0);
    CHECK(strcmp(g->values[g->nodes[0].output].name, "act") == 0);
    ir_graph_free(g);
}

static void does_not_fire(void) {
    ir_id x;
    /* conv output read twice */
    ir_graph *g = t_graph(3, &x);
    ir_id c = t_conv(g, IR_OP_Conv, "c", x, t_weight(g, "w", T_DIMS(3, 3, 1, 1), NULL), IR_NONE, 1, 0, 1);
    ir_id r = t_act(g, IR_OP_Relu, "r", t_out(g, c), 0, 0);
    t_set_output(g, t_out(g, T_NODE(g, Add, "y", t_out(g, r), t_out(g, c))));
    t_check_stays(g, pass_fuse_act, 3);
    /* two activations in a row: only the first fuses */
    g = t_graph(3, &x);
    c = t_conv(g, IR_OP_Conv, "c", x, t_weight(g, "w", T_DIMS(3, 3, 1, 1), NULL), IR_NONE, 1, 0, 1);
    r = t_act(g, IR_OP_Relu, "r", t_out(g, c), 0, 0);
    t_set_output(g, t_out(g, t_act(g, IR_OP_Sigmoid, "y", t_out(g, r), 0, 0)));
    t_check_stays(g, pass_fuse_act, 2);
    /* the conv's output is a graph output too */
    g = t_graph(3, &x);
    c = t_conv(g, IR_OP_Conv, "c", x, t_weight(g, "w", T_DIMS(3, 3, 1, 1), NULL), IR_NONE, 1, 0, 1);
    t_set_output(g, t_out(g, c));
    t_set_output(g, t_out(g, t_act(g, IR_OP_Relu, "r", t_out(g, c), 0, 0)));
    t_check_stays(g, pass_fuse_act, 2);
    /* not an activation */
    g = t_graph(3, &x);
    c = t_conv(g, IR_OP_Conv, "c", x, t_weight(g, "w", T_DIMS(3, 3, 1, 1), NULL), IR_NONE, 1, 0, 1);
    t_set_output(g, t_out(g, T_NODE(g, GlobalAveragePool, "y", t_out(g, c))));
    t_check_stays(g, pass_fuse_act, 2);
}

int main(void) {
    fuses(IR_OP_Conv, IR_OP_Relu, 0, 0);
    fuses(IR_OP_Conv, IR_OP_Clip, 0, 6);
    fuses(IR_OP_Conv, IR_OP_HardSigmoid, 0.2f, 0.5f);
    fuses(IR_OP_Conv, IR_OP_HardSwish, 0, 0);
    fuses(IR_OP_Conv, IR_OP_Sigmoid, 0, 0);
    fuses(IR_OP_ConvTranspose, IR_OP_Sigmoid, 0, 0);
    fuses(IR_OP_ConvTranspose, IR_OP_Relu, 0, 0);
    does_not_fire();
    return t_finish("test_fuse_act");
}
