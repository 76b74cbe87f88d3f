/* fold_affine: constant per-channel Mul/Add/Sub/Div after a conv fold into it. */
#include <string.h>

#include "testlib.h"

static ir_id conv(ir_graph *g, ir_id x, int64_t cin, int64_t cout, bool bias) {
    return t_conv(g, IR_OP_Conv, "c", x, t_weight(g, "w", T_DIMS(cout, cin, 3, 3), NULL),
                  bias ? t_weight(g, "b", T_DIMS(cout), NULL) : IR_NONE, 1, 1, 1);
}

static void folded_into_one(ir_graph *g, ir_id y, const char *name) {
    t_set_output(g, y);
    t_prepare(g);
    t_check_pass(g, pass_fold_affine, 32, 64);
    CHECK(t_nodes(g) == 1 && (ir_ops[g->nodes[0].op].flags & IR_F_CONV));
    CHECK(g->nodes[0].ninputs == 3 && g->values[g->nodes[0].inputs[2]].out_axis == 0);
    CHECK(strcmp(g->values[g->nodes[0].output].name, name) == 0);
    ir_graph_free(g);
}

static void learnable_affine(void) {
    /* paddle2onnx's PPLCNetV3: Mul(w0[1], conv) then Add(., w1[1]) */
    ir_id x;
    ir_graph *g = t_graph(3, &x);
    ir_id c = conv(g, x, 3, 4, true);
    ir_id m = T_NODE(g, Mul, "m", t_scalar(g, "w0", 1, 0.75f), t_out(g, c));
    folded_into_one(g, t_out(g, T_NODE(g, Add, "a", t_out(g, m), t_scalar(g, "w1", 1, 0.5f))), "a");
}

static void per_channel_shapes_and_ops(void) {
    ir_id x;
    ir_graph *g = t_graph(3, &x);
    float k[4] = {2, -1, 0.5f, 3};
    ir_id c = conv(g, x, 3, 4, false);
    ir_id a = T_NODE(g, Add, "a", t_weight(g, "k1", T_DIMS(1, 4, 1, 1), k), t_out(g, c));
    ir_id m = T_NODE(g, Mul, "m", t_out(g, a), t_weight(g, "k2", T_DIMS(4, 1, 1), k));
    ir_id s1 = T_NODE(g, Sub, "s1", t_out(g, m), t_scalar(g, "k3", 0, 1.5f));
    ir_id s2 = T_NODE(g, Sub, "s2", t_weight(g, "k4", T_DIMS(1, 4, 1, 1), k), t_out(g, s1));
    ir_id d = T_NODE(g, Div, "d", t_out(g, s2), t_weight(g, "k5", T_DIMS(4, 1, 1), k));
    folded_into_one(g, t_out(g, d), "d");
}

static void conv_transpose_bias(void) {
    /* paddle2onnx writes ConvTranspose's bias as Add(convT, b[1, C, 1, 1]) */
    ir_id x;
    ir_graph *g = t_graph(4, &x);
    ir_id c = t_conv(g, IR_OP_ConvTranspose, "ct", x, t_weight(g, "w", T_DIMS(4, 3, 2, 2), NULL), IR_NONE, 2, 0, 2);
    ir_id a = T_NODE(g, Add, "a", t_out(g, c), t_weight(g, "bias", T_DIMS(1, 6, 1, 1), NULL));
    ir_id m = T_NODE(g, Mul, "m", t_out(g, a), t_weight(g, "scale", T_DIMS(1, 6, 1, 1), NULL));
    folded_into_one(g, t_out(g, m), "m");
}

static void stops_at_a_shared_value(void) {
    /* conv -> Mul -> Add, whose result feeds two nodes (hardswish's x) */
    ir_id x;
    ir_graph *g = t_graph(3, &x);
    ir_id c = conv(g, x, 3, 4, true);
    ir_id m = T_NODE(g, Mul, "m", t_scalar(g, "w0", 1, 0.75f), t_out(g, c));
    ir_id a = T_NODE(g, Add, "a", t_out(g, m), t_scalar(g, "w1", 1, 0.5f));
    ir_id s = T_NODE(g, Add, "s", t_out(g, a), t_scalar(g, "three", 0, 3));
    ir_id y = T_NODE(g, Mul, "y", t_out(g, a), t_out(g, s));
    t_set_output(g, t_out(g, y));
    t_prepare(g);
    t_check_pass(g, pass_fold_affine, 32, 32);
    CHECK(t_nodes(g) == 3 && t_count(g, IR_OP_Conv) == 1 && t_count(g, IR_OP_Add) == 1);
    CHECK(strcmp(g->values[g->nodes[0].output].name, "a") == 0);
    ir_graph_free(g);
}

static void stays(ir_graph *g, int64_t h, int64_t w) {
    t_prepare(g);
    int before = t_nodes(g);
    t_check_pass(g, pass_fold_affine, h, w);
    CHECK(t_nodes(g) == before);
    ir_graph_free(g);
}

static void does_not_fire(void) {
    ir_id x, c;
    float k[4] = {2, -1, 0.5f, 3};
    /* constant divided by the conv output */
    ir_graph *g = t_graph(3, &x);
    c = conv(g, x, 3, 4, true);
    t_set_output(g, t_out(g, T_NODE(g, Div, "y", t_scalar(g, "k", 0, 2), t_out(g, c))));
    stays(g, 32, 32);
    /* non-constant operand */
    g = t_graph(3, &x);
    c = conv(g, x, 3, 3, true);
    t_set_output(g, t_out(g, T_NODE(g, Mul, "y", t_out(g, c), x)));
    stays(g, 32, 32);
    /* conv output read twice */
    g = t_graph(3, &x);
    c = conv(g, x, 3, 4, true);
    ir_id m = T_NODE(g, Mul, "m", t_out(g, c), t_scalar(g, "k", 0, 2));
    t_set_output(g, t_out(g, T_NODE(g, Add, "y", t_out(g, m), t_out(g, c))));
    stays(g, 32, 32);
    /* conv with a fused activation */
    g = t_graph(3, &x);
    c = conv(g, x, 3, 4, true);
    g->nodes[c].attrs.act.kind = IR_ACT_RELU;
    t_set_output(g, t_out(g, T_NODE(g, Add, "y", t_out(g, c), t_scalar(g, "k", 0, 2))));
    stays(g, 32, 32);
    /* a rank-1 [4] constant broadcasts along W (4 wide here), not along channels */
    g = t_graph_static(T_DIMS(1, 3, 4, 4), &x);
    c = conv(g, x, 3, 4, true);
    t_set_output(g, t_out(g, T_NODE(g, Mul, "y", t_out(g, c), t_weight(g, "k", T_DIMS(4), k))));
    stays(g, 32, 32);
    /* a constant that varies along H */
    g = t_graph_static(T_DIMS(1, 3, 4, 4), &x);
    c = conv(g, x, 3, 4, true);
    t_set_output(g, t_out(g, T_NODE(g, Add, "y", t_out(g, c), t_weight(g, "k", T_DIMS(4, 1), k))));
    stays(g, 32, 32);
    /* a BatchNormalization is fold_bn's business */
    g = t_graph(3, &x);
    c = conv(g, x, 3, 2, true);
    t_set_output(g, t_out(g, T_NODE(g, BatchNormalization, "y", t_out(g, c), t_weight(g, "bn.s", T_DIMS(2), k),
                                    t_weight(g, "bn.b", T_DIMS(2), k), t_weight(g, "bn.m", T_DIMS(2), k),
                                    t_weight(g, "bn.v", T_DIMS(2), (float[]){2, 0.5f}))));
    stays(g, 32, 32);
}

int main(void) {
    learnable_affine();
    per_channel_shapes_and_ops();
    conv_transpose_bias();
    stops_at_a_shared_value();
    does_not_fire();
    return t_finish("test_fold_affine");
}
