/* equalize: a conv without activation whose four output channels span 4,
 * 1/2, 1/16 and 1/1000 of each other, read by a depthwise conv: after the
 * pass the float model computes the same bits, every channel spans more
 * than half the largest, and the int8 model is closer to the float one
 * than without the pass. Not equalized: a producer with hardswish, a value
 * a one-group conv also reads, a value that is a graph output. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "testlib.h"

enum { S = 32 };

/* Weights of model(): the same on every call, so that two graphs can be
 * compared. */
static ir_id weight(ir_graph *g, const char *name, int rank, const int64_t *dims, uint32_t seed) {
    float w[4 * 4 * 9];
    for (int i = 0; i < 4 * 4 * 9; i++) {
        seed = seed * 1664525u + 1013904223u;
        w[i] = (float)((seed >> 8) * (2.0 / 16777216.0) - 1.0);
    }
    return t_weight(g, name, rank, dims, w);
}

/* x -> a (3x3, 4 channels, filter c scaled by span[c]; act) -> d
 * (depthwise 3x3) -> output; with `also_dense`, a 1x1 conv reads a too
 * and its output is added. */
static ir_graph *model(ir_act_kind act, bool also_dense) {
    static const float span[4] = {4, 0.5f, 1.0f / 16, 1.0f / 1000};
    ir_id x;
    ir_graph *g = t_graph(2, &x);
    ir_id aw = weight(g, "a.w", T_DIMS(4, 2, 3, 3), 1), ab = weight(g, "a.b", T_DIMS(4), 2);
    for (int i = 0; i < 4 * 2 * 9; i++) ((float *)g->values[aw].data)[i] *= span[i / 18];
    for (int c = 0; c < 4; c++) ((float *)g->values[ab].data)[c] *= span[c];
    ir_id a = t_conv(g, IR_OP_Conv, "a", x, aw, ab, 1, 1, 1);
    g->nodes[a].attrs.act.kind = act;
    ir_id d = t_conv(g, IR_OP_Conv, "d", t_out(g, a), weight(g, "d.w", T_DIMS(4, 1, 3, 3), 3),
                     weight(g, "d.b", T_DIMS(4), 4), 1, 1, 4);
    ir_id y = t_out(g, d);
    if (also_dense) {
        ir_id e = t_conv(g, IR_OP_Conv, "e", t_out(g, a), weight(g, "e.w", T_DIMS(4, 4, 1, 1), 5), IR_NONE, 1,
                         0, 1);
        y = t_out(g, T_NODE(g, Add, "y", y, t_out(g, e)));
    }
    t_set_output(g, y);
    t_prepare(g);
    return g;
}

static ocrs_calib *calibrate(const ir_graph *g) {
    ocrs_calib *c = NULL;
    ocrs_diag diag = {0};
    int64_t sizes[IR_MAX_SYMS];
    float *in = t_input(g, S, S, sizes);
    CHECK(ocrs_calib_new(g, 0, &c, &diag) == OCRS_OK);
    CHECK(c && ocrs_calib_add(c, g, (const float *const[]){in}, sizes, &diag) == OCRS_OK);
    free(in);
    return c;
}

static int equalize(ir_graph *g) {
    ocrs_calib *c = calibrate(g);
    int n = -1;
    ocrs_diag diag = {0};
    CHECK(c && pass_equalize(g, c, &n, &diag) == OCRS_OK);
    CHECK(ir_verify(g, &diag) == OCRS_OK);
    ocrs_calib_free(c);
    return n;
}

/* The int8 model's largest error in a channel of the output relative to
 * the float model's largest magnitude there, worst channel (d's output
 * channel c reads a's channel c alone); g is quantized in place. */
static double int8_error(ir_graph *g, const float *ref, int64_t n) {
    ocrs_qstats *stats = NULL;
    ocrs_quant_opts o = {.method = OCRS_QCALIB_MINMAX};
    ocrs_quant_report rep;
    ocrs_diag diag = {0};
    int64_t sizes[IR_MAX_SYMS], m;
    float *in = t_input(g, S, S, sizes);
    CHECK(ocrs_qstats_new(g, &o, &stats, &diag) == OCRS_OK &&
          ocrs_qstats_add(stats, g, (const float *const[]){in}, sizes, &diag) == OCRS_OK &&
          ocrs_quantize(g, stats, &o, &rep, &diag) == OCRS_OK);
    CHECK(rep.int8 == 2);
    float *q = t_run(g, S, S, &m);
    double err = INFINITY;
    if (q && m == n) {
        err = 0;
        for (int64_t c = 0, hw = n / 4; c < 4; c++) {
            double e = 0, mag = 0;
            for (int64_t i = c * hw; i < (c + 1) * hw; i++)
                e = fmax(e, fabs((double)q[i] - ref[i])), mag = fmax(mag, fabs(ref[i]));
            err = fmax(err, e / mag);
        }
    }
    free(q);
    free(in);
    ocrs_qstats_free(stats);
    return err;
}

static void equalized(ir_act_kind act) {
    ir_graph *g = model(act, false), *plain = model(act, false);
    CHECK(pass_equalize_any(g));
    int64_t n, m;
    float *before = t_run(g, S, S, &n);
    CHECK(equalize(g) == 1);
    float *after = t_run(g, S, S, &m);
    CHECK(before && after && n == m && !memcmp(before, after, sizeof(float) * (size_t)n));
    /* every channel of a's output now spans (R / 2, R] */
    ocrs_calib *c = calibrate(g);
    const float *mx = c ? c->absmax[ir_find_value(g, "a")] : NULL;
    float r = 0;
    for (int k = 0; mx && k < 4; k++) r = fmaxf(r, mx[k]);
    for (int k = 0; mx && k < 4; k++) CHECK(mx[k] > r / 2 && mx[k] <= r);
    ocrs_calib_free(c);
    /* what it is for: the int8 model's error, in the small channels above all */
    double e_eq = int8_error(g, before, n), e_plain = int8_error(plain, before, n);
    if (getenv("OCRS_TEST_VERBOSE")) fprintf(stderr, "int8 error: %g equalized, %g not\n", e_eq, e_plain);
    CHECK(e_eq < e_plain / 4);
    free(before);
    free(after);
    ir_graph_free(g);
    ir_graph_free(plain);
}

/* Graphs the pass must leave as they are. */
static void left_alone(ir_graph *g) {
    CHECK(!pass_equalize_any(g));
    char *before = t_dump(g);
    CHECK(equalize(g) == 0);
    char *after = t_dump(g);
    CHECK(before && after && !strcmp(before, after));
    free(before);
    free(after);
    ir_graph_free(g);
}

int main(void) {
    equalized(IR_ACT_NONE);
    equalized(IR_ACT_RELU);
    left_alone(model(IR_ACT_HARDSWISH, false));
    left_alone(model(IR_ACT_NONE, true));
    ir_graph *g = model(IR_ACT_NONE, false);
    t_set_output(g, t_out(g, 0)); /* a's output is the graph's too */
    left_alone(g);
    return t_finish("equalize");
}
