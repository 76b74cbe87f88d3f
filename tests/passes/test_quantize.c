/* quantize: a conv of one group quantizes its input itself (attrs.in_act),
 * others read it through one FakeQuant per value, placed after the value's
 * producer, with the same quantization per value; weights hold int8 per output channel
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

static const ir_node *node_named(const ir_graph *g, const char *name) {
    for (ir_id n = 0; n < g->nnodes; n++)
        if (!strcmp(g->nodes[n].name, name)) return &g->nodes[n];
    return NULL;
}

static const ir_node *fakequant_of(const ir_graph *g, const char *conv) {
    const ir_node *n = node_named(g, conv);
    ir_id p = n ? g->values[n->inputs[0]].producer : IR_NONE;
    return p != IR_NONE && g->nodes[p].op == IR_OP_FakeQuant ? &g->nodes[p] : NULL;
}

/* How conv's input is quantized: its own in_act or its FakeQuant's; NULL
 * when it is not. */
static const ir_act *input_quant(const ir_graph *g, const char *conv) {
    const ir_node *n = node_named(g, conv), *q = fakequant_of(g, conv);
    if (n && n->attrs.in_act.kind == IR_ACT_QUANT) return &n->attrs.in_act;
    return q ? &q->attrs.act : NULL;
}

/* g quantized with statistics of the one input in (sizes: its symbols, or
 * NULL for a static graph). */
static bool calibrated(ir_graph *g, const float *in, const int64_t *sizes, const ocrs_quant_opts *o,
                       ocrs_quant_report *rep) {
    ocrs_qstats *stats = NULL;
    ocrs_diag diag = {0};
    bool ok = ocrs_qstats_new(g, o, &stats, &diag) == OCRS_OK &&
              ocrs_qstats_add(stats, g, (const float *const[]){in}, sizes, &diag) == OCRS_OK &&
              ocrs_quantize(g, stats, o, rep, &diag) == OCRS_OK;
    if (!ok) fprintf(stderr, "quantization: %s\n", diag.msg);
    ocrs_qstats_free(stats);
    return ok;
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
    /* convs of one group quantize their inputs themselves, b and c alike */
    CHECK(t_count(g, IR_OP_FakeQuant) == 0);
    const ir_act *qa = input_quant(g, "a"), *qb = input_quant(g, "b"), *qc = input_quant(g, "c");
    CHECK(qa && qb && qc && !fakequant_of(g, "a") && !memcmp(qb, qc, sizeof *qb));
    /* min-max: x about [-4, 4], a after relu in [0, max]: zero point 0 */
    CHECK(qa && fabsf(qa->a - 8.0f / 255) < 1e-3f && abs((int)qa->b - 128) <= 1);
    CHECK(qb && qb->b == 0);
    CHECK(on_grid(g, ir_find_value(g, "a.w"), 8) && on_grid(g, ir_find_value(g, "b.w"), 8));
    CHECK(on_grid(g, ir_find_value(g, "c.w"), 8));
    /* the bias grid: the input's scale times each channel's weight scale */
    const ir_value *bw = &g->values[ir_find_value(g, "b.w")], *bb = &g->values[ir_find_value(g, "b.b")];
    CHECK(on_grid(g, ir_find_value(g, "b.b"), 32));
    for (int c = 0; c < 3 && qb; c++) CHECK(fabsf(bb->qscale[c] - qb->a * bw->qscale[c]) < 1e-12f);
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
    CHECK(!input_quant(g, "c") && input_quant(g, "b"));
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
        ocrs_quant_report rep;
        CHECK(calibrated(g, in, NULL, &o, &rep));
        const ir_act *q = input_quant(g, "c");
        float hi = q ? q->a * 255 : 0;
        if (m == OCRS_QCALIB_MINMAX) CHECK(fabsf(hi - 30) < 1e-3f);
        if (m == OCRS_QCALIB_PERCENTILE) CHECK(hi > 0.9f && hi < 1.1f);
        if (m == OCRS_QCALIB_ENTROPY) CHECK(hi > 0.9f && hi < 5);
        if (getenv("OCRS_TEST_VERBOSE")) fprintf(stderr, "%s: range [0, %g]\n", ocrs_qcalib_methods[m], hi);
        if (q) CHECK(q->b == 0);
        ir_graph_free(g);
    }
}

/* x -> conv a (one group) -> depthwise d -> e, and a -> h (two groups of
 * two channels): a, d and e quantize their inputs themselves (the integer
 * kernels), h reads a through a FakeQuant placed right after a, with what
 * d takes. */
static void through_fakequant(void) {
    ir_id x;
    ir_graph *g = t_graph(2, &x);
    ir_id a = t_conv(g, IR_OP_Conv, "a", x, t_weight(g, "a.w", T_DIMS(4, 2, 3, 3), NULL), IR_NONE, 1, 1, 1);
    ir_id d = t_conv(g, IR_OP_Conv, "d", t_out(g, a), t_weight(g, "d.w", T_DIMS(4, 1, 3, 3), NULL), IR_NONE, 1, 1, 4);
    ir_id e = t_conv(g, IR_OP_Conv, "e", t_out(g, d), t_weight(g, "e.w", T_DIMS(4, 4, 1, 1), NULL), IR_NONE, 1, 0, 1);
    ir_id h = t_conv(g, IR_OP_Conv, "h", t_out(g, a), t_weight(g, "h.w", T_DIMS(4, 2, 3, 3), NULL), IR_NONE, 1, 1, 2);
    t_set_output(g, t_out(g, T_NODE(g, Add, "y", t_out(g, e), t_out(g, h))));
    t_prepare(g);
    int64_t sizes[IR_MAX_SYMS];
    float *in = t_input(g, S, S, sizes);
    ocrs_quant_opts o = {.method = OCRS_QCALIB_MINMAX};
    ocrs_quant_report rep;
    ocrs_diag diag = {0};
    CHECK(calibrated(g, in, sizes, &o, &rep));
    CHECK(ir_verify(g, &diag) == OCRS_OK);
    CHECK(rep.int8 == 4 && rep.integer == 3 && t_count(g, IR_OP_FakeQuant) == 1);
    const ir_node *q = fakequant_of(g, "h");
    CHECK(input_quant(g, "a") && input_quant(g, "d") && input_quant(g, "e"));
    CHECK(!fakequant_of(g, "d") && !fakequant_of(g, "e"));
    CHECK(q && g->values[q->inputs[0]].producer + 1 == (ir_id)(q - g->nodes));
    CHECK(q && input_quant(g, "d") && !memcmp(&q->attrs.act, input_quant(g, "d"), sizeof(ir_act)));
    free(in);
    ir_graph_free(g);
}

int main(void) {
    structure();
    through_fakequant();
    kept_in_float();
    ranges();
    return t_finish("test_quantize");
}
