/* LayerNormalization recognition.
 * paddle2onnx writes layer_norm over the trailing axes as nine nodes
 *   m = ReduceMean(x); d = Sub(x, m); p = Pow(d, 2); v = ReduceMean(p);
 *   e = Add(v, eps); s = Sqrt(e); q = Div(d, s); Mul(q, scale); Add(., bias)
 * each a pass over the tensor (two of them reductions) where one row kernel
 * does the work in registers.
 * Needs: shapes (pass_shape_infer); constants folded (fold_constants), so
 *   eps, scale and bias are weights.
 * Changes: rewrites the chain into LayerNorm(x, scale[, bias]; axis, eps)
 *   when both ReduceMeans reduce the same trailing run of axes [a, rank)
 *   with keepdims, p is Pow(d, 2) or Mul(d, d), eps is a one-element
 *   constant, scale (and bias, when there) is a float constant of 1s then
 *   the trailing extents of x, and every intermediate value is read only
 *   within the chain (d by the square and the Div, the others by the next
 *   node). The last node becomes the LayerNorm and keeps its output value.
 *   Results agree up to float rounding: the kernel multiplies by
 *   1 / sqrt(var + eps) where the chain divided.
 * Invalidates: value and node ids (ir_compact). */
#include "passes.h"

/* The producer of v when it is a live node of op, else IR_NONE. */
static ir_id producer_of(const ir_graph *g, ir_id v, ir_op op) {
    ir_id p = v == IR_NONE ? IR_NONE : g->values[v].producer;
    return p != IR_NONE && g->nodes[p].op == op ? p : IR_NONE;
}

/* The trailing run [a, rank) that ReduceMean node r reduces with keepdims,
 * as a; -1 otherwise. */
static int trailing_axis(const ir_graph *g, ir_id r) {
    const ir_node *n = &g->nodes[r];
    int rank = g->values[n->inputs[0]].rank;
    uint64_t all = rank >= 64 ? ~0ull : (1ull << rank) - 1, axes = (uint64_t)n->attrs.axes;
    if (!n->attrs.keepdims || !axes || (axes & ~all)) return -1;
    int a = __builtin_ctzll(axes);
    return axes == (all & ~((1ull << a) - 1)) ? a : -1;
}

/* The weight operand of binary node n (op) whose other operand is v, or
 * IR_NONE. */
static ir_id weight_beside(const ir_graph *g, ir_id n, ir_op op, ir_id v) {
    if (n == IR_NONE || g->nodes[n].op != op) return IR_NONE;
    for (int side = 0; side < 2; side++) {
        ir_id w = g->nodes[n].inputs[side];
        if (g->nodes[n].inputs[1 - side] == v && ir_is_weight(&g->values[w]) && g->values[w].dtype == IR_F32) return w;
    }
    return IR_NONE;
}

/* Whether weight w is 1s then the trailing extents of x from axis a, so
 * the LayerNorm can read it (ir/shape.c's rule, leading 1s beyond the
 * normalised axes included: the kernel reads it flat). */
static bool fits_row(const ir_graph *g, ir_id w, ir_id x, int a) {
    const ir_value *p = &g->values[w], *xv = &g->values[x];
    if (p->rank > xv->rank) return false;
    bool started = false;
    for (int i = 0; i < p->rank; i++) {
        int xi = xv->rank - p->rank + i;
        ir_dim d = p->dims[i];
        started |= !ir_dim_equal(d, ir_dim_const(1));
        if (started && (xi < a || !ir_dim_equal(d, xv->dims[xi]))) return false;
    }
    return true;
}

/* w with its leading 1s beyond the normalised axes dropped (a new weight
 * when there are any), or IR_NONE when out of memory. */
static ir_id row_weight(ir_graph *g, ir_id w, int keep) {
    const ir_value *p = &g->values[w];
    if (p->rank <= keep) return w;
    const char *name = pass_unique_name(g, p->name);
    if (!name) return IR_NONE;
    int64_t dims[IR_MAX_RANK];
    for (int i = 0; i < keep; i++) dims[i] = p->dims[p->rank - keep + i].q;
    return ir_add_weight(g, name, IR_F32, keep, dims, g->values[w].data);
}

/* Tries the chain whose Div is node q; false when out of memory. */
static bool match(ir_graph *g, const ir_uses *u, ir_id q) {
    const ir_node *div = &g->nodes[q];
    ir_id d = div->inputs[0];
    ir_id sqrt_ = producer_of(g, div->inputs[1], IR_OP_Sqrt);
    ir_id add = sqrt_ == IR_NONE ? IR_NONE : producer_of(g, g->nodes[sqrt_].inputs[0], IR_OP_Add);
    if (add == IR_NONE) return true;
    ir_id v = IR_NONE, mean2 = IR_NONE;
    float eps = 0;
    for (int side = 0; side < 2 && mean2 == IR_NONE; side++) {
        v = g->nodes[add].inputs[1 - side];
        if (pass_scalar_const(g, g->nodes[add].inputs[side], g->values[v].rank, &eps))
            mean2 = producer_of(g, v, IR_OP_ReduceMean);
    }
    if (mean2 == IR_NONE || !(eps >= 0)) return true;
    ir_id p = g->nodes[mean2].inputs[0], sq = g->values[p].producer;
    if (sq == IR_NONE) return true;
    const ir_node *s = &g->nodes[sq];
    bool square = (s->op == IR_OP_Pow && s->attrs.act.kind == IR_ACT_POW && s->attrs.act.a == 2.0f &&
                   s->inputs[0] == d) ||
                  (s->op == IR_OP_Mul && s->inputs[0] == d && s->inputs[1] == d);
    ir_id sub = producer_of(g, d, IR_OP_Sub);
    if (!square || sub == IR_NONE) return true;
    ir_id x = g->nodes[sub].inputs[0], mean1 = producer_of(g, g->nodes[sub].inputs[1], IR_OP_ReduceMean);
    if (mean1 == IR_NONE || g->nodes[mean1].inputs[0] != x) return true;
    int a = trailing_axis(g, mean1);
    if (a < 0 || trailing_axis(g, mean2) != a || g->nodes[mean1].attrs.axes != g->nodes[mean2].attrs.axes) return true;
    /* Each intermediate read only inside the chain. */
    if (ir_uses_single(g, u, g->nodes[sub].inputs[1]) != sub || ir_uses_readers(g, u, d) != 2 ||
        ir_uses_single(g, u, p) != mean2 || ir_uses_single(g, u, v) != add ||
        ir_uses_single(g, u, g->nodes[add].output) != sqrt_ || ir_uses_single(g, u, div->inputs[1]) != q)
        return true;
    ir_id mul = ir_uses_single(g, u, div->output);
    ir_id scale = weight_beside(g, mul, IR_OP_Mul, div->output);
    if (scale == IR_NONE || !fits_row(g, scale, x, a)) return true;
    ir_id last = mul, bias_add = ir_uses_single(g, u, g->nodes[mul].output);
    ir_id bias = weight_beside(g, bias_add, IR_OP_Add, g->nodes[mul].output);
    if (bias != IR_NONE && fits_row(g, bias, x, a)) last = bias_add;
    else bias = IR_NONE;
    int keep = g->values[x].rank - a;
    if ((scale = row_weight(g, scale, keep)) == IR_NONE) return false;
    if (bias != IR_NONE && (bias = row_weight(g, bias, keep)) == IR_NONE) return false;
    if (!ir_node_set_inputs(g, last, bias != IR_NONE ? 3 : 2, (ir_id[]){x, scale, bias})) return false;
    ir_node *ln = &g->nodes[last];
    ln->op = IR_OP_LayerNorm;
    ln->attrs = ir_attrs_default();
    ln->attrs.axis = a;
    ln->attrs.epsilon = eps;
    ir_id dying[] = {mean1, sub, sq, mean2, add, sqrt_, q, mul};
    for (size_t i = 0; i < sizeof dying / sizeof dying[0]; i++)
        if (dying[i] != last) g->nodes[dying[i]].dead = true;
    return true;
}

ocrs_status pass_fuse_layernorm(ir_graph *g, ocrs_diag *diag) {
    return pass_match_each(g, IR_OP_Div, match, "fuse_layernorm", diag);
}
