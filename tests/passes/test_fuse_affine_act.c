/* fuse_affine_act: scalar Mul and Add after a conv become its post step,
 * bit-identical under the interpreter; other readers stay. */
#include <string.h>

#include "testlib.h"

/* A one-element constant of rank 0, 1 or 4. */
static ir_id scalar(ir_graph *g, const char *name, int rank, float v) {
    return rank <= 1 ? t_scalar(g, name, rank, v) : t_weight(g, name, T_DIMS(1, 1, 1, 1), &v);
}

/* conv (+hardswish) -> [Mul by m] -> [Add a], scalars of the given rank. */
static ir_graph *chain(ir_op conv_op, bool mul, bool add, int rank, bool scalar_first) {
    ir_id x;
    ir_graph *g = t_graph(4, &x);
    ir_id c = t_small_conv(g, conv_op, x);
    g->nodes[c].attrs.act.kind = IR_ACT_HARDSWISH;
    ir_id y = t_out(g, c);
    if (mul) {
        ir_id k = scalar(g, "k", rank, 0.4763f);
        y = t_out(g, scalar_first ? T_NODE(g, Mul, "m", k, y) : T_NODE(g, Mul, "m", y, k));
    }
    if (add) {
        ir_id k = scalar(g, "s", rank, -0.0076f);
        y = t_out(g, scalar_first ? T_NODE(g, Add, "a", k, y) : T_NODE(g, Add, "a", y, k));
    }
    t_set_output(g, y);
    return g;
}

static void fuses(ir_op conv_op, bool mul, bool add, int rank, bool scalar_first) {
    ir_graph *g = chain(conv_op, mul, add, rank, scalar_first);
    t_prepare(g);
    int64_t n0, n1;
    float *before = t_run(g, 32, 32, &n0);
    t_check_pass(g, pass_fuse_affine_act, 32, 32);
    float *after = t_run(g, 32, 32, &n1);
    /* Same float operations in the same order: bit for bit. */
    CHECK(before && after && n0 == n1 && memcmp(before, after, sizeof(float) * (size_t)n0) == 0);
    CHECK(t_nodes(g) == 1 && g->nodes[0].op == conv_op);
    const ir_attrs *a = &g->nodes[0].attrs;
    CHECK(a->post.on && a->post.scale == (mul ? 0.4763f : 1.0f) && a->post.has_shift == add);
    CHECK(!add || a->post.shift == -0.0076f);
    CHECK(strcmp(g->values[g->nodes[0].output].name, add ? "a" : "m") == 0);
    free(before);
    free(after);
    ir_graph_free(g);
}

static void does_not_fire(void) {
    ir_id x;
    /* per-channel constant: not a scalar */
    ir_graph *g = t_graph(3, &x);
    ir_id c = t_conv(g, IR_OP_Conv, "c", x, t_weight(g, "w", T_DIMS(3, 3, 1, 1), NULL), IR_NONE, 1, 0, 1);
    g->nodes[c].attrs.act.kind = IR_ACT_RELU;
    t_set_output(g, t_out(g, T_NODE(g, Mul, "m", t_out(g, c), t_weight(g, "k", T_DIMS(1, 3, 1, 1), NULL))));
    t_check_stays(g, pass_fuse_affine_act, 2);
    /* conv output read twice */
    g = t_graph(3, &x);
    c = t_conv(g, IR_OP_Conv, "c", x, t_weight(g, "w", T_DIMS(3, 3, 1, 1), NULL), IR_NONE, 1, 0, 1);
    ir_id y = t_out(g, c);
    t_set_output(g, t_out(g, T_NODE(g, Add, "a", t_out(g, T_NODE(g, Mul, "m", y, t_scalar(g, "k", 1, 2))), y)));
    t_check_stays(g, pass_fuse_affine_act, 3);
    /* Sub and Div are not fused */
    g = t_graph(3, &x);
    c = t_conv(g, IR_OP_Conv, "c", x, t_weight(g, "w", T_DIMS(3, 3, 1, 1), NULL), IR_NONE, 1, 0, 1);
    t_set_output(g, t_out(g, T_NODE(g, Sub, "s", t_out(g, c), t_scalar(g, "k", 1, 2))));
    t_check_stays(g, pass_fuse_affine_act, 2);
}

int main(void) {
    for (int first = 0; first < 2; first++) {
        fuses(IR_OP_Conv, true, true, 1, first);
        fuses(IR_OP_Conv, true, false, 0, first);
        fuses(IR_OP_Conv, false, true, 4, first);
        fuses(IR_OP_ConvTranspose, true, true, 1, first);
    }
    does_not_fire();
    return t_finish("test_fuse_affine_act");
}
