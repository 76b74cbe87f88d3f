/* dead_channels: zero filters fold exactly into their consumers, unread
 * channels go transitively, coupled channels go only together, and a graph
 * with nothing dead is left untouched. Every case checks the interpreter's
 * output before and after. */
#include <stdlib.h>
#include <string.h>

#include "testlib.h"

static ocrs_status dead(ir_graph *g, ocrs_diag *diag) { return pass_dead_channels(g, NULL, diag); }

static int64_t channels(const ir_graph *g, const char *value) {
    ir_id v = ir_find_value(g, value);
    return v == IR_NONE ? -1 : g->values[v].dims[1].q;
}

/* Zeroes filter m (all of out_axis slice m) of conv weight w. */
static void zero_filter(ir_graph *g, ir_id w, int64_t m) {
    ir_value *v = &g->values[w];
    int64_t k = ir_numel_static(v) / v->dims[0].q;
    memset((float *)v->data + m * k, 0, sizeof(float) * (size_t)k);
}

/* Sets bias element m. */
static void set(ir_graph *g, ir_id b, int64_t m, float x) { ((float *)g->values[b].data)[m] = x; }

static ir_id conv(ir_graph *g, const char *out, ir_id x, int64_t cin, int64_t cout, int64_t k, ir_id *w, ir_id *b,
                  ir_act_kind act) {
    char wn[64], bn[64];
    snprintf(wn, sizeof wn, "%s.w", out);
    snprintf(bn, sizeof bn, "%s.b", out);
    *w = t_weight(g, wn, T_DIMS(cout, cin, k, k), NULL);
    *b = t_weight(g, bn, T_DIMS(cout), NULL);
    ir_id n = t_conv(g, IR_OP_Conv, out, x, *w, *b, 1, k / 2, 1);
    g->nodes[n].attrs.act.kind = act;
    return t_out(g, n);
}

static void run(ir_graph *g, int64_t h, int64_t w) {
    t_prepare(g);
    t_check_pass(g, dead, h, w);
}

/* conv a (3x3, relu) with filter 1 zeroed and a positive bias: a[1] is the
 * constant relu(b) everywhere, folded into a 1x1 consumer's bias. */
static void zero_filter_into_1x1(void) {
    ir_id x, w, b, w2, b2;
    ir_graph *g = t_graph(3, &x);
    ir_id a = conv(g, "a", x, 3, 4, 3, &w, &b, IR_ACT_RELU);
    zero_filter(g, w, 1);
    set(g, b, 1, 0.75f);
    t_set_output(g, conv(g, "y", a, 4, 2, 1, &w2, &b2, IR_ACT_NONE));
    run(g, 32, 64);
    CHECK(channels(g, "a") == 3 && channels(g, "y") == 2 && t_count(g, IR_OP_Conv) == 2);
    ir_graph_free(g);
}

/* The same constant into a padded 3x3 consumer is not constant at the
 * borders: the channel stays. A constant 0 folds even there. */
static void zero_filter_into_3x3(void) {
    for (int zero = 0; zero < 2; zero++) {
        ir_id x, w, b, w2, b2;
        ir_graph *g = t_graph(3, &x);
        ir_id a = conv(g, "a", x, 3, 4, 3, &w, &b, IR_ACT_RELU);
        zero_filter(g, w, 2);
        set(g, b, 2, zero ? -0.5f : 0.5f); /* relu(-0.5) = 0 */
        t_set_output(g, conv(g, "y", a, 4, 2, 3, &w2, &b2, IR_ACT_NONE));
        run(g, 32, 32);
        CHECK(channels(g, "a") == (zero ? 3 : 4));
        ir_graph_free(g);
    }
}

/* A residual s = a + conv(a): channel k goes only when both a[k] and the
 * inner conv's output k are constant. */
static void residual_add(void) {
    for (int both = 0; both < 2; both++) {
        ir_id x, w1, b1, w2, b2, w3, b3;
        ir_graph *g = t_graph(3, &x);
        ir_id a = conv(g, "a", x, 3, 4, 3, &w1, &b1, IR_ACT_HARDSWISH);
        ir_id r = conv(g, "r", a, 4, 4, 1, &w2, &b2, IR_ACT_NONE);
        zero_filter(g, w1, 3);
        if (both) zero_filter(g, w2, 3);
        ir_id s = t_out(g, T_NODE(g, Add, "s", a, r));
        t_set_output(g, conv(g, "y", s, 4, 2, 1, &w3, &b3, IR_ACT_NONE));
        run(g, 32, 32);
        CHECK(channels(g, "a") == (both ? 3 : 4) && channels(g, "s") == (both ? 3 : 4));
        ir_graph_free(g);
    }
}

/* SE block: m = a * hardsigmoid(e(relu(r(GAP(a))))). Channel 0 of a goes
 * when a's and the gate's filters 0 are zero; channel 1 of the reduction
 * goes when r's filter 1 is zero. */
static void se_block(void) {
    ir_id x, w1, b1, wr, br, we, be, w3, b3;
    ir_graph *g = t_graph(3, &x);
    ir_id a = conv(g, "a", x, 3, 4, 3, &w1, &b1, IR_ACT_HARDSWISH);
    ir_id p = t_out(g, T_NODE(g, GlobalAveragePool, "p", a));
    ir_id r = conv(g, "r", p, 4, 2, 1, &wr, &br, IR_ACT_RELU);
    ir_id e = conv(g, "e", r, 2, 4, 1, &we, &be, IR_ACT_HARDSIGMOID);
    ir_id en = g->values[e].producer;
    g->nodes[en].attrs.act = (ir_act){IR_ACT_HARDSIGMOID, 0.2f, 0.5f};
    ir_id m = t_out(g, T_NODE(g, Mul, "m", a, e));
    t_set_output(g, conv(g, "y", m, 4, 3, 1, &w3, &b3, IR_ACT_NONE));
    zero_filter(g, w1, 0);
    zero_filter(g, we, 0);
    zero_filter(g, wr, 1);
    set(g, br, 1, 0.3f);
    run(g, 32, 32);
    CHECK(channels(g, "a") == 3 && channels(g, "p") == 3 && channels(g, "e") == 3 && channels(g, "m") == 3);
    CHECK(channels(g, "r") == 1);
    ir_graph_free(g);
}

/* Concat: a zeroed channel of one input goes at its offset; an input that
 * loses every channel leaves the Concat and its producer dies. */
static void concat(void) {
    for (int all = 0; all < 2; all++) {
        ir_id x, w1, b1, w2, b2, w3, b3;
        ir_graph *g = t_graph(3, &x);
        ir_id a = conv(g, "a", x, 3, 2, 3, &w1, &b1, IR_ACT_RELU);
        ir_id b = conv(g, "b", x, 3, 3, 3, &w2, &b2, IR_ACT_RELU);
        zero_filter(g, w1, 1);
        if (all) zero_filter(g, w1, 0);
        zero_filter(g, w2, 0);
        ir_id c = T_NODE(g, Concat, "c", a, b);
        g->nodes[c].attrs.axis = 1;
        t_set_output(g, conv(g, "y", t_out(g, c), 5, 2, 1, &w3, &b3, IR_ACT_NONE));
        run(g, 32, 32);
        CHECK(channels(g, "c") == (all ? 2 : 3) && channels(g, "b") == 2);
        CHECK(all ? channels(g, "a") == -1 && t_count(g, IR_OP_Conv) == 2 : channels(g, "a") == 1);
        ir_graph_free(g);
    }
}

/* y reads nothing of c[1]; c's filter 1 alone reads b[2]; so c[1], then
 * b[2], then a's channel feeding only b's filter 2, go in turn. */
static void dead_chain(void) {
    ir_id x, wa, ba, wb, bb, wc, bc, wy, by;
    ir_graph *g = t_graph(3, &x);
    ir_id a = conv(g, "a", x, 3, 4, 3, &wa, &ba, IR_ACT_RELU);
    ir_id b = conv(g, "b", a, 4, 4, 1, &wb, &bb, IR_ACT_RELU);
    ir_id c = conv(g, "c", b, 4, 4, 1, &wc, &bc, IR_ACT_RELU);
    t_set_output(g, conv(g, "y", c, 4, 2, 1, &wy, &by, IR_ACT_NONE));
    float *y = g->values[wy].data, *cw = g->values[wc].data, *bw = g->values[wb].data;
    for (int m = 0; m < 2; m++) y[m * 4 + 1] = 0;     /* y ignores c[1] */
    for (int m = 0; m < 4; m++)
        if (m != 1) cw[m * 4 + 2] = 0;                 /* only c's filter 1 reads b[2] */
    for (int m = 0; m < 4; m++)
        if (m != 2) bw[m * 4 + 3] = 0;                 /* only b's filter 2 reads a[3] */
    run(g, 32, 32);
    CHECK(channels(g, "c") == 3 && channels(g, "b") == 3 && channels(g, "a") == 3);
    ir_graph_free(g);
}

/* When every input of a conv with a kept output is constant, one stays. */
static void keeps_one_input(void) {
    ir_id x, w1, b1, w2, b2;
    ir_graph *g = t_graph(3, &x);
    ir_id a = conv(g, "a", x, 3, 2, 3, &w1, &b1, IR_ACT_RELU);
    zero_filter(g, w1, 0);
    zero_filter(g, w1, 1);
    t_set_output(g, conv(g, "y", a, 2, 2, 1, &w2, &b2, IR_ACT_NONE));
    run(g, 32, 32);
    CHECK(channels(g, "a") == 1);
    ir_graph_free(g);
}

/* Nothing dead (random weights, a residual, an SE gate, a concat, a
 * transposed conv): the IR dump is identical. */
static void nothing_dead_is_unchanged(void) {
    ir_id x, w1, b1, w2, b2, wr, br, we, be;
    ir_graph *g = t_graph(3, &x);
    ir_id a = conv(g, "a", x, 3, 4, 3, &w1, &b1, IR_ACT_HARDSWISH);
    ir_id r = conv(g, "r", a, 4, 4, 3, &w2, &b2, IR_ACT_NONE);
    ir_id s = t_out(g, T_NODE(g, Add, "s", a, r));
    ir_id p = t_out(g, T_NODE(g, GlobalAveragePool, "p", s));
    ir_id q = conv(g, "q", p, 4, 2, 1, &wr, &br, IR_ACT_RELU);
    ir_id e = conv(g, "e", q, 2, 4, 1, &we, &be, IR_ACT_SIGMOID);
    ir_id m = t_out(g, T_NODE(g, Mul, "m", s, e));
    ir_id c = T_NODE(g, Concat, "c", m, a);
    g->nodes[c].attrs.axis = 1;
    ir_id wt = t_weight(g, "t.w", T_DIMS(8, 1, 2, 2), NULL);
    t_set_output(g, t_out(g, t_conv(g, IR_OP_ConvTranspose, "y", t_out(g, c), wt, IR_NONE, 2, 0, 1)));
    t_prepare(g);
    char *before = t_dump(g);
    t_check_pass(g, dead, 32, 32);
    char *after = t_dump(g);
    CHECK(before && after && strcmp(before, after) == 0);
    free(before);
    free(after);
    ir_graph_free(g);
}

int main(void) {
    zero_filter_into_1x1();
    zero_filter_into_3x3();
    residual_add();
    se_block();
    concat();
    dead_chain();
    keeps_one_input();
    nothing_dead_is_unchanged();
    return t_finish("test_dead_channels");
}
