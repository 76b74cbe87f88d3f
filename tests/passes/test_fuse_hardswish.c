/* fuse_hardswish: paddle2onnx's hardswish and hardsigmoid chains. */
#include <math.h>
#include <string.h>

#include "testlib.h"

typedef struct {
    bool const_first_add, clip_first_mul, mul_by_sixth;
    int const_rank;
} variant;

/* x * clip(x + 3, 0, 6) / 6 written the way v says; returns the last node. */
static ir_id hardswish_chain(ir_graph *g, ir_id x, variant v, const char *out) {
    ir_id three = t_scalar(g, "three", v.const_rank, 3);
    ir_id t = v.const_first_add ? T_NODE(g, Add, "t", three, x) : T_NODE(g, Add, "t", x, three);
    ir_id c = t_act(g, IR_OP_Clip, "c", t_out(g, t), 0, 6);
    ir_id m = v.clip_first_mul ? T_NODE(g, Mul, "m", t_out(g, c), x) : T_NODE(g, Mul, "m", x, t_out(g, c));
    return v.mul_by_sixth ? T_NODE(g, Mul, out, t_out(g, m), t_scalar(g, "sixth", v.const_rank, 1.0f / 6))
                          : T_NODE(g, Div, out, t_out(g, m), t_scalar(g, "six", v.const_rank, 6));
}

static void fuses_hardswish(variant v) {
    ir_id x;
    ir_graph *g = t_graph(3, &x);
    ir_id c = t_conv(g, IR_OP_Conv, "conv", x, t_weight(g, "w", T_DIMS(4, 3, 1, 1), NULL), IR_NONE, 1, 0, 1);
    ir_id d = hardswish_chain(g, t_out(g, c), v, "y");
    t_set_output(g, t_out(g, d));
    t_prepare(g);
    t_check_pass(g, pass_fuse_hardswish, 32, 32);
    CHECK(t_nodes(g) == 2 && t_count(g, IR_OP_HardSwish) == 1);
    CHECK(g->nodes[1].op == IR_OP_HardSwish && g->nodes[1].attrs.act.kind == IR_ACT_HARDSWISH);
    CHECK(g->nodes[1].inputs[0] == g->nodes[0].output && strcmp(g->values[g->nodes[1].output].name, "y") == 0);
    ir_graph_free(g);
}

static void fuses_hardsigmoid_then_hardswish(void) {
    /* h = clip(x + 3, 0, 6) / 6 -> HardSigmoid; y = x * h -> HardSwish */
    ir_id x;
    ir_graph *g = t_graph(3, &x);
    ir_id t = T_NODE(g, Add, "t", x, t_scalar(g, "three", 0, 3));
    ir_id c = t_act(g, IR_OP_Clip, "c", t_out(g, t), 0, 6);
    ir_id h = T_NODE(g, Div, "h", t_out(g, c), t_scalar(g, "six", 0, 6));
    ir_id r = t_act(g, IR_OP_Relu, "r", x, 0, 0);
    ir_id y = T_NODE(g, Add, "y", t_out(g, h), t_out(g, r)); /* h also read: only the HardSigmoid forms */
    t_set_output(g, t_out(g, y));
    t_prepare(g);
    t_check_pass(g, pass_fuse_hardswish, 32, 32);
    CHECK(t_count(g, IR_OP_HardSigmoid) == 1 && t_count(g, IR_OP_Clip) == 0 && t_nodes(g) == 3);
    for (uint32_t i = 0; i < g->nnodes; i++)
        if (g->nodes[i].op == IR_OP_HardSigmoid)
            CHECK(fabsf(g->nodes[i].attrs.act.a - 1.0f / 6) == 0 && g->nodes[i].attrs.act.b == 0.5f);
    ir_graph_free(g);

    g = t_graph(3, &x);
    t = T_NODE(g, Add, "t", t_scalar(g, "three", 1, 3), x);
    c = t_act(g, IR_OP_Clip, "c", t_out(g, t), 0, 6);
    h = T_NODE(g, Mul, "h", t_scalar(g, "sixth", 1, 1.0f / 6), t_out(g, c));
    t_set_output(g, t_out(g, T_NODE(g, Mul, "y", t_out(g, h), x)));
    t_prepare(g);
    t_check_pass(g, pass_fuse_hardswish, 32, 32);
    CHECK(t_nodes(g) == 1 && t_count(g, IR_OP_HardSwish) == 1);
    ir_graph_free(g);
}

/* g's pattern must survive the pass unchanged. */
static void stays(ir_graph *g) {
    t_prepare(g);
    int before = t_nodes(g);
    t_check_pass(g, pass_fuse_hardswish, 32, 32);
    CHECK(t_nodes(g) == before && t_count(g, IR_OP_HardSwish) == 0 && t_count(g, IR_OP_HardSigmoid) == 0);
    ir_graph_free(g);
}

static void does_not_fire(void) {
    variant v = {0};
    ir_id x, d;
    /* the clip's output has another reader */
    ir_graph *g = t_graph(3, &x);
    d = hardswish_chain(g, x, v, "d");
    t_set_output(g, t_out(g, T_NODE(g, Add, "y", t_out(g, d), ir_find_value(g, "c"))));
    stays(g);
    /* the sum x + 3 has another reader */
    g = t_graph(3, &x);
    d = hardswish_chain(g, x, v, "d");
    t_set_output(g, t_out(g, T_NODE(g, Add, "y", t_out(g, d), ir_find_value(g, "t"))));
    stays(g);
    /* the product has another reader */
    g = t_graph(3, &x);
    d = hardswish_chain(g, x, v, "d");
    t_set_output(g, t_out(g, T_NODE(g, Add, "y", t_out(g, d), ir_find_value(g, "m"))));
    stays(g);
    /* x + 2.5 */
    g = t_graph(3, &x);
    d = hardswish_chain(g, x, v, "y");
    *(float *)g->values[ir_find_value(g, "three")].data = 2.5f;
    t_set_output(g, t_out(g, d));
    stays(g);
    /* clip to [0, 5] */
    g = t_graph(3, &x);
    d = hardswish_chain(g, x, v, "y");
    g->nodes[g->values[ir_find_value(g, "c")].producer].attrs.act.b = 5;
    t_set_output(g, t_out(g, d));
    stays(g);
    /* divided by a runtime value */
    g = t_graph(3, &x);
    ir_id s = T_NODE(g, Sigmoid, "s", x);
    ir_id t = T_NODE(g, Add, "t", x, t_scalar(g, "three", 0, 3));
    ir_id c = t_act(g, IR_OP_Clip, "c", t_out(g, t), 0, 6);
    ir_id m = T_NODE(g, Mul, "m", x, t_out(g, c));
    t_set_output(g, t_out(g, T_NODE(g, Div, "y", t_out(g, m), t_out(g, s))));
    stays(g);
    /* multiplied by something other than x */
    g = t_graph(3, &x);
    ir_id r = T_NODE(g, Relu, "r", x);
    t = T_NODE(g, Add, "t", x, t_scalar(g, "three", 0, 3));
    c = t_act(g, IR_OP_Clip, "c", t_out(g, t), 0, 6);
    m = T_NODE(g, Mul, "m", t_out(g, r), t_out(g, c));
    t_set_output(g, t_out(g, T_NODE(g, Div, "y", t_out(g, m), t_scalar(g, "six", 0, 6))));
    stays(g);
    /* a [1, 1, 1, 1] constant 3 against a rank-2 x would broadcast x up */
    int64_t dims[2] = {1, 3};
    g = t_graph_static(2, dims, &x);
    t = T_NODE(g, Add, "t", x, t_weight(g, "three", T_DIMS(1, 1, 1, 1), (float[]){3}));
    c = t_act(g, IR_OP_Clip, "c", t_out(g, t), 0, 6);
    t_set_output(g, t_out(g, T_NODE(g, Div, "y", t_out(g, c), t_scalar(g, "six", 0, 6))));
    stays(g);
}

int main(void) {
    fuses_hardswish((variant){0});
    fuses_hardswish((variant){.const_first_add = true, .clip_first_mul = true, .const_rank = 1});
    fuses_hardswish((variant){.mul_by_sixth = true});
    fuses_hardswish((variant){.const_first_add = true, .mul_by_sixth = true, .const_rank = 1});
    fuses_hardsigmoid_then_hardswish();
    does_not_fire();
    return t_finish("test_fuse_hardswish");
}
