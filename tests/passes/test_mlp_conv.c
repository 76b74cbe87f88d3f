/* mlp_conv: a token MLP (MatMul, elementwise, MatMul on [N, T, C]) becomes
 * two 1x1 convs over [N, C, 1, T] whose hidden width is a prunable channel
 * group; other MatMuls stay. */
#include "testlib.h"

enum { T = 10, K = 8, H = 16 };

/* x [1, T, K] -> MatMul(W1, b1) -> swish as paddle2onnx writes it
 * (x * sigmoid(x * 1)) -> MatMul(W2, b2) -> y; the swish's output is also
 * returned through *hidden. */
static ir_graph *mlp(ir_id *hidden, ir_id *y) {
    ir_id x;
    ir_graph *g = t_graph_static(3, (int64_t[]){1, T, K}, &x);
    ir_id m1 = T_NODE(g, MatMul, "h", x, t_weight(g, "w1", T_DIMS(K, H), NULL), t_weight(g, "b1", T_DIMS(H), NULL));
    ir_id h = t_out(g, m1);
    ir_id s = T_NODE(g, Mul, "hs", h, t_scalar(g, "one", 1, 1));
    ir_id sg = T_NODE(g, Sigmoid, "sg", t_out(g, s));
    ir_id sw = T_NODE(g, Mul, "swish", h, t_out(g, sg));
    *hidden = t_out(g, sw);
    ir_id m2 = T_NODE(g, MatMul, "y", *hidden, t_weight(g, "w2", T_DIMS(H, K), NULL), t_weight(g, "b2", T_DIMS(K), NULL));
    *y = t_out(g, m2);
    return g;
}

static void converts(void) {
    ir_id hidden, y;
    ir_graph *g = mlp(&hidden, &y);
    t_set_output(g, y);
    t_prepare(g);
    t_check_pass(g, pass_mlp_conv, 0, 0);
    CHECK(t_count(g, IR_OP_MatMul) == 0 && t_count(g, IR_OP_Conv) == 2);
    CHECK(t_count(g, IR_OP_Transpose) == 2 && t_count(g, IR_OP_Reshape) == 2);
    ir_id sw = ir_find_value(g, "swish"), out = ir_find_value(g, "y");
    CHECK(g->values[sw].rank == 4 && g->values[sw].dims[1].q == H && g->values[sw].dims[3].q == T);
    CHECK(g->values[out].rank == 3 && g->values[out].dims[1].q == T && g->values[out].dims[2].q == K);
    /* The hidden width is one prunable group: the first conv produces it,
     * the second reads it. */
    ocrs_channel_groups *cg = NULL;
    ocrs_diag diag = {0};
    CHECK(ocrs_channel_groups_build(g, &cg, &diag) == OCRS_OK);
    uint32_t k = cg ? ocrs_chan_class_of(cg, sw, 0) : OCRS_CHAN_NONE;
    CHECK(k != OCRS_CHAN_NONE);
    if (k != OCRS_CHAN_NONE) {
        const ocrs_chan_group *grp = &cg->groups[cg->classes[k].group];
        CHECK(grp->prunable && grp->nclasses == H);
        CHECK(cg->classes[k].nproducers == 1 && cg->classes[k].nconsumers == 1); /* a filter, a column */
    }
    ocrs_channel_groups_free(cg);
    ir_graph_free(g);
}

/* What must stay MatMuls: the hidden value is a graph output; read by an
 * Add with a tensor from outside; read by a Reshape (attention's heads). */
static void stays(void) {
    ir_id hidden, y;
    ir_graph *g = mlp(&hidden, &y);
    t_set_output(g, y);
    t_set_output(g, hidden);
    t_check_stays(g, pass_mlp_conv, t_nodes(g));

    g = mlp(&hidden, &y);
    ir_id r = T_NODE(g, Add, "r", hidden, t_weight(g, "other", T_DIMS(1, T, H), NULL));
    t_set_output(g, y);
    t_set_output(g, t_out(g, r));
    t_check_stays(g, pass_mlp_conv, t_nodes(g));

    ir_id x;
    g = t_graph_static(3, (int64_t[]){1, T, K}, &x);
    ir_id m = T_NODE(g, MatMul, "h", x, t_weight(g, "w1", T_DIMS(K, H), NULL));
    ir_id rv = ir_add_value(g, "heads", IR_F32, 4, (ir_dim[]){ir_dim_const(1), ir_dim_const(T), ir_dim_const(2),
                                                             ir_dim_const(H / 2)});
    ir_add_node(g, IR_OP_Reshape, "heads", 1, (ir_id[]){t_out(g, m)}, rv);
    t_set_output(g, rv);
    t_check_stays(g, pass_mlp_conv, 2);
}

int main(void) {
    converts();
    stays();
    return t_finish("mlp_conv");
}
