/* fold_bn: BatchNormalization after a single-use conv folds into it. */
#include <string.h>

#include "testlib.h"

/* BatchNormalization over c channels with assorted parameters. */
static ir_id bn(ir_graph *g, const char *name, ir_id x, int64_t c) {
    float scale[16], bias[16], mean[16], var[16];
    for (int i = 0; i < c; i++) {
        scale[i] = 0.5f + 0.25f * i * (i % 2 ? -1 : 1);
        bias[i] = 0.1f * i - 0.3f;
        mean[i] = 0.2f * (i % 3) - 0.1f;
        var[i] = 0.3f + 0.4f * i;
    }
    char s[64], b[64], m[64], v[64];
    snprintf(s, sizeof s, "%s.scale", name);
    snprintf(b, sizeof b, "%s.bias", name);
    snprintf(m, sizeof m, "%s.mean", name);
    snprintf(v, sizeof v, "%s.var", name);
    ir_id n = T_NODE(g, BatchNormalization, name, x, t_weight(g, s, 1, &c, scale), t_weight(g, b, 1, &c, bias),
                     t_weight(g, m, 1, &c, mean), t_weight(g, v, 1, &c, var));
    g->nodes[n].attrs.epsilon = 1e-5f;
    return n;
}

static void check_folded(ir_graph *g, ir_op conv_op) {
    CHECK(t_count(g, IR_OP_BatchNormalization) == 0 && t_count(g, conv_op) == 1 && t_nodes(g) == 1);
    const ir_node *c = &g->nodes[0];
    CHECK(c->op == conv_op && c->ninputs == 3 && c->inputs[2] != IR_NONE);
    CHECK(strcmp(g->values[c->output].name, "bn") == 0); /* the conv took over the BN's output */
    const ir_value *w = &g->values[c->inputs[1]], *b = &g->values[c->inputs[2]];
    CHECK(w->out_axis == (conv_op == IR_OP_Conv ? 0 : 1) && w->in_axis == (conv_op == IR_OP_Conv ? 1 : 0));
    CHECK(b->out_axis == 0 && b->in_axis == -1);
}

static void conv_with_bias(void) {
    ir_id x;
    ir_graph *g = t_graph(3, &x);
    ir_id c = t_conv(g, IR_OP_Conv, "c", x, t_weight(g, "w", T_DIMS(4, 3, 3, 3), NULL),
                     t_weight(g, "b", T_DIMS(4), NULL), 1, 1, 1);
    t_set_output(g, t_out(g, bn(g, "bn", t_out(g, c), 4)));
    t_prepare(g);
    t_check_pass(g, pass_fold_bn, 32, 64);
    check_folded(g, IR_OP_Conv);
    ir_graph_free(g);
}

static void conv_without_bias_strided(void) {
    ir_id x;
    ir_graph *g = t_graph(3, &x);
    ir_id c = t_conv(g, IR_OP_Conv, "c", x, t_weight(g, "w", T_DIMS(8, 3, 3, 3), NULL), IR_NONE, 2, 1, 1);
    t_set_output(g, t_out(g, bn(g, "bn", t_out(g, c), 8)));
    t_prepare(g);
    t_check_pass(g, pass_fold_bn, 64, 32);
    check_folded(g, IR_OP_Conv);
    ir_graph_free(g);
}

static void depthwise_conv(void) {
    ir_id x;
    ir_graph *g = t_graph(3, &x);
    ir_id c = t_conv(g, IR_OP_Conv, "c", x, t_weight(g, "w", T_DIMS(6, 1, 3, 3), NULL), IR_NONE, 1, 1, 3);
    t_set_output(g, t_out(g, bn(g, "bn", t_out(g, c), 6)));
    t_prepare(g);
    t_check_pass(g, pass_fold_bn, 32, 32);
    check_folded(g, IR_OP_Conv);
    ir_graph_free(g);
}

static void grouped_conv_transpose(void) {
    /* [C_in=4, C_out/g=3, 2, 2], group 2: 6 output channels */
    ir_id x;
    ir_graph *g = t_graph(4, &x);
    ir_id c = t_conv(g, IR_OP_ConvTranspose, "c", x, t_weight(g, "w", T_DIMS(4, 3, 2, 2), NULL),
                     t_weight(g, "b", T_DIMS(6), NULL), 2, 0, 2);
    t_set_output(g, t_out(g, bn(g, "bn", t_out(g, c), 6)));
    t_prepare(g);
    t_check_pass(g, pass_fold_bn, 32, 32);
    check_folded(g, IR_OP_ConvTranspose);
    ir_graph_free(g);
}

static void shared_weight_is_copied(void) {
    ir_id x;
    ir_graph *g = t_graph(3, &x);
    ir_id w = t_weight(g, "w", T_DIMS(4, 3, 1, 1), NULL);
    ir_id c1 = t_conv(g, IR_OP_Conv, "c1", x, w, IR_NONE, 1, 0, 1);
    ir_id c2 = t_conv(g, IR_OP_Conv, "c2", x, w, IR_NONE, 1, 0, 1);
    ir_id b = bn(g, "bn", t_out(g, c1), 4);
    t_set_output(g, t_out(g, T_NODE(g, Add, "y", t_out(g, b), t_out(g, c2))));
    t_prepare(g);
    t_check_pass(g, pass_fold_bn, 32, 32);
    CHECK(t_count(g, IR_OP_BatchNormalization) == 0 && t_count(g, IR_OP_Conv) == 2);
    CHECK(g->nodes[0].inputs[1] != g->nodes[1].inputs[1]);
    CHECK(g->values[g->nodes[0].inputs[1]].out_axis == 0 && g->values[g->nodes[0].inputs[1]].in_axis == 1);
    ir_graph_free(g);
}

static void stays(ir_graph *g, int64_t h, int64_t w) {
    t_prepare(g);
    int before = t_nodes(g);
    t_check_pass(g, pass_fold_bn, h, w);
    CHECK(t_nodes(g) == before && t_count(g, IR_OP_BatchNormalization) == 1);
    ir_graph_free(g);
}

static void does_not_fire(void) {
    ir_id x;
    /* conv output read twice */
    ir_graph *g = t_graph(3, &x);
    ir_id c = t_conv(g, IR_OP_Conv, "c", x, t_weight(g, "w", T_DIMS(3, 3, 1, 1), NULL), IR_NONE, 1, 0, 1);
    t_set_output(g, t_out(g, T_NODE(g, Add, "y", t_out(g, bn(g, "bn", t_out(g, c), 3)), t_out(g, c))));
    stays(g, 32, 32);
    /* producer is not a conv */
    g = t_graph(3, &x);
    t_set_output(g, t_out(g, bn(g, "bn", t_out(g, T_NODE(g, Relu, "r", x)), 3)));
    stays(g, 32, 32);
    /* conv already has a fused activation */
    g = t_graph(3, &x);
    c = t_conv(g, IR_OP_Conv, "c", x, t_weight(g, "w", T_DIMS(3, 3, 1, 1), NULL), IR_NONE, 1, 0, 1);
    g->nodes[c].attrs.act.kind = IR_ACT_RELU;
    t_set_output(g, t_out(g, bn(g, "bn", t_out(g, c), 3)));
    stays(g, 32, 32);
    /* conv weight computed at run time */
    g = t_graph(3, &x);
    ir_id wr = T_NODE(g, Relu, "wr", t_weight(g, "w", T_DIMS(3, 3, 1, 1), NULL));
    c = t_conv(g, IR_OP_Conv, "c", x, t_out(g, wr), IR_NONE, 1, 0, 1);
    g->nodes[c].attrs.kernel[0] = g->nodes[c].attrs.kernel[1] = 1;
    t_set_output(g, t_out(g, bn(g, "bn", t_out(g, c), 3)));
    stays(g, 32, 32);
}

int main(void) {
    conv_with_bias();
    conv_without_bias_strided();
    depthwise_conv();
    grouped_conv_transpose();
    shared_weight_is_copied();
    does_not_fire();
    return t_finish("test_fold_bn");
}
