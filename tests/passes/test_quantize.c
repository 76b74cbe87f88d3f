/* quantize: every conv reads its input through one FakeQuant per value,
 * placed after the value's producer; weights hold int8 per output channel
 * and biases int32 at input scale x weight scale, exactly; the ranges of
 * the three calibration methods on a tensor with known values; a conv kept
 * in float is left alone; the quantized model stays close to the float one.
 * (The FakeQuant activation itself, interpreter against library, is in
 * tests/codegen/test_ops.c.) */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "testlib.h"

enum { S = 32 }; /* H = W = S (the test graphs take multiples of 32) */

/* Every element of weight v an integer of at most `bits` bits times its
 * output channel's scale. */
static bool on_grid(const ir_graph *g, ir_id v, int bits) {
    const ir_value *w = &g->values[v];
    if (w->qbits != bits || !w->qscale) return false;
    int64_t n = ir_numel_static(w), nslice = w->dims[w->out_axis].q, inner = 1;
    for (int i = w->out_axis + 1; i < w->rank; i++) inner *= w->dims[i].q;
    double lim = bits == 8 ? 127 : 2147483647.0;
    for (int64_t i = 0; i < n; i++) {
        double q = ((const float *)w->data)[i] / (double)w->qscale[(i / inner) % nslice];
        if (fabs(q - nearbyint(q)) > 1e-3 || fabs(nearbyint(q)) > lim) return false;
    }
    return true;
}

/* x -> conv a (3x3, relu) -> conv b (1x1) and conv c (3x3), both reading
 * a; b + c the output. Calibrated on t_run's input. */
static ir_graph *model(ocrs_qstats **stats, const ocrs_quant_opts *o) {
    ir_id x;
    ir_graph *g = t_graph(2, &x);
    ir_id a = t_conv(g, IR_OP_Conv, "a", x, t_weight(g, "a.w", T_DIMS(4, 2, 3, 3), NULL),
                     t_weight(g, "a.b", T_DIMS(4), NULL), 1, 1, 1);
    g->nodes[a].attrs.act.kind = IR_ACT_RELU;
    ir_id b = t_conv(g, IR_OP_Conv, "b", t_out(g, a), t_weight(g, "b.w", T_DIMS(3, 4, 1, 1), NULL),
                     t_weight(g, "b.b", T_DIMS(3), NULL), 1, 0, 1);
    ir_id c = t_conv(g, IR_OP_Conv, "c", t_out(g, a), t_weight(g, "c.w", T_DIMS(3, 4, 3, 3), NULL), IR_NONE, 1, 1,
                     1);
    t_set_output(g, t_out(g, T_NODE(g, Add, "y", t_out(g, b), t_out(g, c))));
    t_prepare(g);
    int64_t sizes[IR_MAX_SYMS];
    float *in = t_input(g, S, S, sizes);
    ocrs_diag diag = {0};
    CHECK(ocrs_qstats_new(g, o, stats, &diag) == OCRS_OK);
    CHECK(ocrs_qstats_add(*stats, g, (const float *const[]){in}, sizes, &diag) == OCRS_OK);
    free(in);
    return g;
}

static const ir_node *fakequant_of(const ir_graph *g, const char *conv) {
    for (ir_id n = 0; n < g->nnodes; n++)
        if (!strcmp(g->nodes[n].name, conv)) {
            ir_id p = g->values[g->nodes[n].inputs[0]].producer;
            return p != IR_NONE && g->nodes[p].op == IR_OP_FakeQuant ? &g->nodes[p] : NULL;
        }
    return NULL;
}

static void structure(void) {
    ocrs_qstats *stats = NULL;
    ocrs_quant_opts o = {.method = OCRS_QCALIB_MINMAX};
    ir_graph *g = model(&stats, &o);
    int64_t n;
    float *before = t_run(g, S, S, &n);
    ocrs_quant_report rep;
    ocrs_diag diag = {0};
    CHECK(ocrs_quantize(g, stats, &o, &rep, &diag) == OCRS_OK);
    CHECK(ir_verify(g, &diag) == OCRS_OK); /* topological order included */
    CHECK(rep.convs == 3 && rep.int8 == 3 && rep.int8_params == 4 * 2 * 9 + 3 * 4 + 3 * 4 * 9);
    /* one FakeQuant for x, one shared by b and c */
    CHECK(t_count(g, IR_OP_FakeQuant) == 2);
    const ir_node *qa = fakequant_of(g, "a"), *qb = fakequant_of(g, "b"), *qc = fakequant_of(g, "c");
    CHECK(qa && qb && qb == qc);
    /* min-max: x about [-4, 4], a after relu in [0, max]: zero point 0 */
    CHECK(qa && fabsf(qa->attrs.act.a - 8.0f / 255) < 1e-3f && abs((int)qa->attrs.act.b - 128) <= 1);
    CHECK(qb && qb->attrs.act.b == 0);
    CHECK(on_grid(g, ir_find_value(g, "a.w"), 8) && on_grid(g, ir_find_value(g, "b.w"), 8));
    CHECK(on_grid(g, ir_find_value(g, "c.w"), 8));
    /* the bias grid: the input's scale times each channel's weight scale */
    const ir_value *bw = &g->values[ir_find_value(g, "b.w")], *bb = &g->values[ir_find_value(g, "b.b")];
    CHECK(on_grid(g, ir_find_value(g, "b.b"), 32));
    for (int c = 0; c < 3 && qb; c++) CHECK(fabsf(bb->qscale[c] - qb->attrs.act.a * bw->qscale[c]) < 1e-12f);
    float *after = t_run(g, S, S, &n);
    CHECK(before && after && t_close(before, after, n, 0.05));
    free(before);
    free(after);
    ocrs_qstats_free(stats);
    ir_graph_free(g);
}

static void kept_in_float(void) {
    bool fp32[16] = {0};
    ocrs_quant_opts o = {.method = OCRS_QCALIB_ENTROPY, .fp32 = fp32};
    ocrs_qstats *stats = NULL;
    fp32[2] = true; /* the nodes of model(): a, b, c, y */
    ir_graph *g = model(&stats, &o);
    CHECK(!strcmp(g->nodes[2].name, "c"));
    ocrs_quant_report rep;
    ocrs_diag diag = {0};
    CHECK(ocrs_quantize(g, stats, &o, &rep, &diag) == OCRS_OK);
    CHECK(rep.int8 == 2 && rep.convs == 3);
    CHECK(!fakequant_of(g, "c") && fakequant_of(g, "b"));
    CHECK(g->values[ir_find_value(g, "c.w")].qbits == 0);
    ocrs_qstats_free(stats);
    ir_graph_free(g);
}

/* A tensor of 10099 values evenly in [0, 1) and one outlier at 30: min-max
 * keeps it, percentile 99.9 clips to the bulk, entropy far below the
 * outlier (its finest threshold is 255 bins of the histogram, 2 here). */
static void ranges(void) {
    static const int64_t dims[4] = {1, 1, 100, 101};
    for (int m = 0; m < OCRS_QCALIB_COUNT; m++) {
        ir_id x;
        ir_graph *g = t_graph_static(4, dims, &x);
        ir_id c = t_conv(g, IR_OP_Conv, "c", x, t_weight(g, "c.w", T_DIMS(1, 1, 1, 1), (float[]){1}), IR_NONE, 1, 0, 1);
        t_set_output(g, t_out(g, c));
        t_prepare(g);
        static float in[100 * 101];
        for (int i = 0; i < 10099; i++) in[i] = (float)(i % 10000) / 10000;
        in[10099] = 30;
        ocrs_quant_opts o = {.method = (ocrs_qcalib_method)m, .percentile = 99.9};
        ocrs_qstats *stats = NULL;
        ocrs_diag diag = {0};
        CHECK(ocrs_qstats_new(g, &o, &stats, &diag) == OCRS_OK);
        CHECK(ocrs_qstats_add(stats, g, (const float *const[]){in}, NULL, &diag) == OCRS_OK);
        ocrs_quant_report rep;
        CHECK(ocrs_quantize(g, stats, &o, &rep, &diag) == OCRS_OK);
        const ir_node *q = fakequant_of(g, "c");
        float hi = q ? q->attrs.act.a * 255 : 0;
        if (m == OCRS_QCALIB_MINMAX) CHECK(fabsf(hi - 30) < 1e-3f);
        if (m == OCRS_QCALIB_PERCENTILE) CHECK(hi > 0.9f && hi < 1.1f);
        if (m == OCRS_QCALIB_ENTROPY) CHECK(hi > 0.9f && hi < 5);
        if (getenv("OCRS_TEST_VERBOSE")) fprintf(stderr, "%s: range [0, %g]\n", ocrs_qcalib_methods[m], hi);
        if (q) CHECK(q->attrs.act.b == 0);
        ocrs_qstats_free(stats);
        ir_graph_free(g);
    }
}

int main(void) {
    structure();
    kept_in_float();
    ranges();
    return t_finish("test_quantize");
}
