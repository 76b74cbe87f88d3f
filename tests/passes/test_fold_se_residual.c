/* fold_se_residual: Add(x, Mul(x, gate)) becomes Mul(x, gate + 1), the +1 in
 * the gate conv's epilogue; other shapes of the pattern stay. */
#include "testlib.h"

typedef enum { PLAIN, MUL_READ_TWICE, GATE_READ_TWICE, GATE_HAS_POST, SWAPPED } variant;

/* x -> GAP -> 1x1 conv + hardsigmoid = gate; y = Add(x, Mul(x, gate)). */
static ir_graph *se_block(variant v) {
    ir_id x;
    ir_graph *g = t_graph(4, &x);
    ir_id p = t_out(g, T_NODE(g, GlobalAveragePool, "p", x));
    ir_id c = t_conv(g, IR_OP_Conv, "gate", p, t_weight(g, "w", T_DIMS(4, 4, 1, 1), NULL),
                     t_weight(g, "b", T_DIMS(4), NULL), 1, 0, 1);
    g->nodes[c].attrs.act = (ir_act){IR_ACT_HARDSIGMOID, 0.2f, 0.5f};
    if (v == GATE_HAS_POST) g->nodes[c].attrs.post.on = true, g->nodes[c].attrs.post.scale = 2;
    ir_id gate = t_out(g, c);
    ir_id m = t_out(g, v == SWAPPED ? T_NODE(g, Mul, "m", gate, x) : T_NODE(g, Mul, "m", x, gate));
    ir_id y = t_out(g, v == SWAPPED ? T_NODE(g, Add, "y", m, x) : T_NODE(g, Add, "y", x, m));
    if (v == MUL_READ_TWICE) y = t_out(g, T_NODE(g, Add, "y2", y, m));
    if (v == GATE_READ_TWICE) y = t_out(g, T_NODE(g, Mul, "y2", y, gate));
    t_set_output(g, y);
    return g;
}

static void folds(variant v) {
    ir_graph *g = se_block(v);
    t_prepare(g);
    t_check_pass(g, pass_fold_se_residual, 32, 32);
    CHECK(t_nodes(g) == 3 && t_count(g, IR_OP_Add) == 0 && t_count(g, IR_OP_Mul) == 1);
    const ir_attrs *a = &g->nodes[1].attrs;
    CHECK(g->nodes[1].op == IR_OP_Conv && a->post.on && a->post.scale == 1 && a->post.has_shift && a->post.shift == 1);
    CHECK(g->values[g->outputs[0]].producer == 2 && g->nodes[2].op == IR_OP_Mul);
    ir_graph_free(g);
}

int main(void) {
    folds(PLAIN);
    folds(SWAPPED);
    t_check_stays(se_block(MUL_READ_TWICE), pass_fold_se_residual, 5);
    t_check_stays(se_block(GATE_READ_TWICE), pass_fold_se_residual, 5);
    t_check_stays(se_block(GATE_HAS_POST), pass_fold_se_residual, 4);
    return t_finish("test_fold_se_residual");
}
