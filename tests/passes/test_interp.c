/* The reference interpreter against hand-computed results. The interpreter is
 * the oracle for everything else, so no expected value here comes from it. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "testlib.h"

/* x = 1..16 row by row: the 4x4 input of the conv cases. */
static const float x4x4[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};

/* Prepares g with output node `out`, runs it on `in` (static shapes; H and W
 * are irrelevant) and compares with expected[n] within tol (absolute). */
static void expect(ir_graph *g, ir_id out_node, const float *in, const float *expected, int64_t n, double tol,
                   const char *what) {
    t_set_output(g, t_out(g, out_node));
    t_prepare(g);
    int64_t count = ir_numel(&g->values[g->outputs[0]], NULL);
    CHECK(count == n);
    if (count != n) return;
    float *y = malloc(sizeof(float) * (size_t)n);
    ocrs_diag diag = {0};
    ocrs_status st = ir_interp_run(g, &in, NULL, &y, &diag);
    if (st) fprintf(stderr, "%s: %s\n", what, diag.msg);
    CHECK(st == OCRS_OK);
    for (int64_t i = 0; !st && i < n; i++)
        if (!(fabs(y[i] - expected[i]) <= tol)) {
            fprintf(stderr, "%s: element %lld is %.9g, expected %.9g\n", what, (long long)i, y[i], expected[i]);
            t_failures++;
            break;
        }
    free(y);
}

static ir_graph *input_4x4(ir_id *x) { return t_graph_static(T_DIMS(1, 1, 4, 4), x); }

static void conv_3x3_pad1_ones(void) {
    ir_id x;
    ir_graph *g = input_4x4(&x);
    float ones[9] = {1, 1, 1, 1, 1, 1, 1, 1, 1};
    ir_id w = t_weight(g, "w", T_DIMS(1, 1, 3, 3), ones);
    ir_id c = t_conv(g, IR_OP_Conv, "y", x, w, IR_NONE, 1, 1, 1);
    /* each output: the sum of the 3x3 neighbourhood inside the image */
    static const float e[16] = {14, 24, 30, 22, 33, 54, 63, 45, 57, 90, 99, 69, 46, 72, 78, 54};
    expect(g, c, x4x4, e, 16, 0, "conv 3x3 pad 1 ones");
    ir_graph_free(g);
}

static void conv_3x3_two_taps_bias(void) {
    ir_id x;
    ir_graph *g = input_4x4(&x);
    float k[9] = {1, 0, 0, 0, 0, 0, 0, 0, 10}, bias = 0.5f;
    ir_id w = t_weight(g, "w", T_DIMS(1, 1, 3, 3), k), b = t_weight(g, "b", T_DIMS(1), &bias);
    ir_id c = t_conv(g, IR_OP_Conv, "y", x, w, b, 1, 1, 1);
    /* y(i,j) = x(i-1,j-1) + 10*x(i+1,j+1) + 0.5, zero outside: catches a flipped kernel */
    static const float e[16] = {60.5, 70.5, 80.5,  0.5,   100.5, 111.5, 122.5, 3.5,
                                140.5, 155.5, 166.5, 7.5, 0.5,   9.5,   10.5,  11.5};
    expect(g, c, x4x4, e, 16, 0, "conv 3x3 two taps + bias");
    ir_graph_free(g);
}

static void conv_stride2_asymmetric_pads(void) {
    ir_id x;
    ir_graph *g = input_4x4(&x);
    float ones[9] = {1, 1, 1, 1, 1, 1, 1, 1, 1};
    ir_id w = t_weight(g, "w", T_DIMS(1, 1, 3, 3), ones);
    ir_id c = t_conv(g, IR_OP_Conv, "y", x, w, IR_NONE, 2, 0, 1);
    int64_t pads[4] = {0, 1, 1, 0}; /* top, left, bottom, right */
    memcpy(g->nodes[c].attrs.pad, pads, sizeof pads);
    /* windows rows {0..2, 2..3}, cols {0..1, 1..3} */
    static const float e[4] = {33, 63, 46, 78};
    expect(g, c, x4x4, e, 4, 0, "conv stride 2 asymmetric pads");
    ir_graph_free(g);
}

static void conv_dilation2(void) {
    ir_id x;
    ir_graph *g = input_4x4(&x);
    float k[9] = {1, 0, 0, 0, 100, 0, 0, 0, 0};
    ir_id w = t_weight(g, "w", T_DIMS(1, 1, 3, 3), k);
    ir_id c = t_conv(g, IR_OP_Conv, "y", x, w, IR_NONE, 1, 2, 1);
    g->nodes[c].attrs.dilation[0] = g->nodes[c].attrs.dilation[1] = 2;
    /* y(i,j) = x(i-2,j-2) + 100*x(i,j) */
    static const float e[16] = {100, 200, 300, 400, 500, 600, 700, 800, 900, 1000, 1101, 1202, 1300, 1400, 1505, 1606};
    expect(g, c, x4x4, e, 16, 0, "conv dilation 2");
    ir_graph_free(g);
}

static void conv_groups(void) {
    ir_id x;
    ir_graph *g = t_graph_static(T_DIMS(1, 4, 1, 1), &x);
    float k[4] = {1, 10, 100, 1000}; /* [2, 2, 1, 1]: out 0 reads in 0,1; out 1 reads in 2,3 */
    ir_id w = t_weight(g, "w", T_DIMS(2, 2, 1, 1), k);
    ir_id c = t_conv(g, IR_OP_Conv, "y", x, w, IR_NONE, 1, 0, 2);
    static const float in[4] = {1, 2, 3, 4}, e[2] = {1 + 20, 300 + 4000};
    expect(g, c, in, e, 2, 0, "conv groups");
    ir_graph_free(g);
}

static void conv_fused_act(ir_act act, const float *e, const char *what) {
    ir_id x;
    ir_graph *g = t_graph_static(T_DIMS(1, 1, 1, 4), &x);
    float minus = -1;
    ir_id w = t_weight(g, "w", T_DIMS(1, 1, 1, 1), &minus);
    ir_id c = t_conv(g, IR_OP_Conv, "y", x, w, IR_NONE, 1, 0, 1);
    g->nodes[c].attrs.act = act;
    static const float in[4] = {-2, -1, 1, 2};
    expect(g, c, in, e, 4, 0, what);
    ir_graph_free(g);
}

static void conv_transpose_stride2(void) {
    ir_id x;
    ir_graph *g = t_graph_static(T_DIMS(1, 1, 2, 2), &x);
    float k[4] = {1, 10, 100, 1000}, bias = 0.5f;
    ir_id w = t_weight(g, "w", T_DIMS(1, 1, 2, 2), k), b = t_weight(g, "b", T_DIMS(1), &bias);
    ir_id c = t_conv(g, IR_OP_ConvTranspose, "y", x, w, b, 2, 0, 1);
    /* every input pixel stamps x * kernel onto its own 2x2 block */
    static const float in[4] = {1, 2, 3, 4};
    static const float e[16] = {1.5,   10.5,   2.5,   20.5,   100.5, 1000.5, 200.5, 2000.5,
                                3.5,   30.5,   4.5,   40.5,   300.5, 3000.5, 400.5, 4000.5};
    expect(g, c, in, e, 16, 0, "conv transpose stride 2");
    ir_graph_free(g);
}

static void conv_transpose_overlap_pad_output_padding(void) {
    ir_id x;
    ir_graph *g = t_graph_static(T_DIMS(1, 1, 2, 2), &x);
    float ones[9] = {1, 1, 1, 1, 1, 1, 1, 1, 1};
    ir_id w = t_weight(g, "w", T_DIMS(1, 1, 3, 3), ones);
    ir_id c = t_conv(g, IR_OP_ConvTranspose, "y", x, w, IR_NONE, 2, 1, 1);
    g->nodes[c].attrs.output_padding[0] = g->nodes[c].attrs.output_padding[1] = 1;
    /* output row o = 2*i - 1 + ky gathers input rows {0}, {0,1}, {1}, {1} */
    static const float in[4] = {1, 2, 3, 4};
    static const float e[16] = {1, 3, 2, 2, 4, 10, 6, 6, 3, 7, 4, 4, 3, 7, 4, 4};
    expect(g, c, in, e, 16, 0, "conv transpose k3 s2 p1 output_padding 1");
    ir_graph_free(g);
}

static void conv_transpose_groups(void) {
    ir_id x;
    ir_graph *g = t_graph_static(T_DIMS(1, 2, 1, 1), &x);
    /* [C=2, M/g=2, 1, 1]: input 0 feeds outputs 0,1; input 1 feeds outputs 2,3 */
    float k[4] = {1, 2, 3, 4}, bias[4] = {0.5f, 0, 0, -1};
    ir_id w = t_weight(g, "w", T_DIMS(2, 2, 1, 1), k), b = t_weight(g, "b", T_DIMS(4), bias);
    ir_id c = t_conv(g, IR_OP_ConvTranspose, "y", x, w, b, 1, 0, 2);
    static const float in[2] = {5, 7}, e[4] = {5.5, 10, 21, 27};
    expect(g, c, in, e, 4, 0, "conv transpose groups");
    ir_graph_free(g);
}

static void conv_transpose_dilation_left_pad(void) {
    ir_id x;
    ir_graph *g = t_graph_static(T_DIMS(1, 1, 1, 2), &x);
    float k[2] = {1, 10};
    ir_id c = t_conv(g, IR_OP_ConvTranspose, "y", x, t_weight(g, "w", T_DIMS(1, 1, 1, 2), k), IR_NONE, 1, 0, 1);
    g->nodes[c].attrs.dilation[1] = 2;
    g->nodes[c].attrs.pad[1] = 1;
    /* unpadded: column iw + 2*kx gets x(iw)*k(kx): [1, 2, 10, 20]; the left pad drops column 0 */
    static const float in[2] = {1, 2}, e[3] = {2, 10, 20};
    expect(g, c, in, e, 3, 0, "conv transpose dilation 2, left pad 1");
    ir_graph_free(g);
}

static void batch_norm(void) {
    ir_id x;
    ir_graph *g = t_graph_static(T_DIMS(1, 2, 1, 2), &x);
    float scale[2] = {4, 1}, bias[2] = {0.5f, 0}, mean[2] = {1, 2}, var[2] = {3, 8};
    ir_id n = T_NODE(g, BatchNormalization, "y", x, t_weight(g, "s", T_DIMS(2), scale),
                     t_weight(g, "b", T_DIMS(2), bias), t_weight(g, "m", T_DIMS(2), mean),
                     t_weight(g, "v", T_DIMS(2), var));
    g->nodes[n].attrs.epsilon = 1;
    /* channel 0: 4*(x-1)/2 + 0.5; channel 1: (x-2)/3 */
    static const float in[4] = {1, 3, 2, 4}, e[4] = {0.5, 4.5, 0, 2.0f / 3};
    expect(g, n, in, e, 4, 1e-7, "batch norm");
    ir_graph_free(g);
}

static void unary(ir_op op, float a, float b, const float *e, const char *what) {
    ir_id x;
    ir_graph *g = t_graph_static(T_DIMS(1, 1, 1, 5), &x);
    ir_id n = t_act(g, op, "y", x, a, b);
    static const float in[5] = {-4, -1, 0, 1, 4};
    expect(g, n, in, e, 5, 2e-7, what);
    ir_graph_free(g);
}

static void unary_act_mismatch(void) {
    ir_id x;
    ir_graph *g = t_graph_static(T_DIMS(1, 1, 1, 2), &x);
    ir_id n = T_NODE(g, Relu, "y", x);
    g->nodes[n].attrs.act.kind = IR_ACT_SIGMOID;
    t_set_output(g, t_out(g, n));
    float in[2] = {0, 1}, out[2];
    ocrs_diag diag = {0};
    CHECK(pass_shape_infer(g, &diag) == OCRS_OK);
    CHECK(ir_interp_run(g, (const float *const[]){in}, NULL, (float *const[]){out}, &diag) == OCRS_ERR_INVALID);
    CHECK(strstr(diag.msg, "Relu") != NULL);
    ir_graph_free(g);
}

static void broadcasting(void) {
    static const float in[6] = {0, 1, 2, 10, 11, 12}; /* x: [1, 2, 1, 3] */
    {
        /* w [2, 1] acts as [1, 1, 2, 1]: y(i, j, k) = w(j) - x(i, k), shape [1, 2, 2, 3] */
        ir_id x;
        ir_graph *g = t_graph_static(T_DIMS(1, 2, 1, 3), &x);
        float wd[2] = {100, 200};
        ir_id n = T_NODE(g, Sub, "y", t_weight(g, "w", T_DIMS(2, 1), wd), x);
        static const float e[12] = {100, 99, 98, 200, 199, 198, 90, 89, 88, 190, 189, 188};
        expect(g, n, in, e, 12, 0, "broadcast Sub(w[2,1], x[1,2,1,3])");
        ir_graph_free(g);
    }
    {
        ir_id x;
        ir_graph *g = t_graph_static(T_DIMS(1, 2, 1, 3), &x);
        ir_id n = T_NODE(g, Div, "y", x, t_scalar(g, "four", 0, 4));
        static const float e[6] = {0, 0.25, 0.5, 2.5, 2.75, 3};
        expect(g, n, in, e, 6, 0, "broadcast Div(x, rank-0 scalar)");
        ir_graph_free(g);
    }
    {
        /* per-channel [1, 2, 1, 1] times x */
        ir_id x;
        ir_graph *g = t_graph_static(T_DIMS(1, 2, 1, 3), &x);
        float wd[2] = {3, -1};
        ir_id n = T_NODE(g, Mul, "y", t_weight(g, "w", T_DIMS(1, 2, 1, 1), wd), x);
        static const float e[6] = {0, 3, 6, -10, -11, -12};
        expect(g, n, in, e, 6, 0, "broadcast Mul(w[1,2,1,1], x)");
        ir_graph_free(g);
    }
    {
        /* row [3] along the last axis plus x */
        ir_id x;
        ir_graph *g = t_graph_static(T_DIMS(1, 2, 1, 3), &x);
        float wd[3] = {1000, 2000, 3000};
        ir_id n = T_NODE(g, Add, "y", x, t_weight(g, "w", T_DIMS(3), wd));
        static const float e[6] = {1000, 2001, 3002, 1010, 2011, 3012};
        expect(g, n, in, e, 6, 0, "broadcast Add(x, w[3])");
        ir_graph_free(g);
    }
}

static void global_average_pool(void) {
    ir_id x;
    ir_graph *g = t_graph_static(T_DIMS(1, 2, 2, 2), &x);
    ir_id n = T_NODE(g, GlobalAveragePool, "y", x);
    static const float in[8] = {1, 2, 3, 4, 10, 20, 30, 40}, e[2] = {2.5, 25};
    expect(g, n, in, e, 2, 0, "global average pool");
    ir_graph_free(g);
}

/* Resize of [10, 20, 30] along W; expected input index per output. */
static void resize_case(ir_coord coord, ir_nearest nearest, float scale, const int *idx, int64_t n, const char *what) {
    ir_id x;
    ir_graph *g = t_graph_static(T_DIMS(1, 1, 1, 3), &x);
    ir_id r = T_NODE(g, Resize, "y", x);
    ir_attrs *a = &g->nodes[r].attrs;
    a->scale[0] = 1;
    a->scale[1] = scale;
    a->coord = coord;
    a->nearest = nearest;
    static const float in[3] = {10, 20, 30};
    float e[8];
    for (int64_t i = 0; i < n; i++) e[i] = in[idx[i]];
    expect(g, r, in, e, n, 0, what);
    ir_graph_free(g);
}

static void resize_nearest(void) {
    /* scale 2, 3 -> 6. x_original per output o = 0..5:
     *   asymmetric o/2:                0 .5 1 1.5 2 2.5
     *   half_pixel (o+.5)/2-.5:     -.25 .25 .75 1.25 1.75 2.25  (pytorch_half_pixel alike)
     *   align_corners o*2/5:           0 .4 .8 1.2 1.6 2 */
    static const struct {
        ir_coord coord;
        ir_nearest nearest;
        int idx[6];
        const char *what;
    } cases[] = {
        {IR_COORD_ASYMMETRIC, IR_NEAREST_FLOOR, {0, 0, 1, 1, 2, 2}, "asymmetric floor"},
        {IR_COORD_ASYMMETRIC, IR_NEAREST_CEIL, {0, 1, 1, 2, 2, 2}, "asymmetric ceil"},
        {IR_COORD_ASYMMETRIC, IR_NEAREST_ROUND_PREFER_FLOOR, {0, 0, 1, 1, 2, 2}, "asymmetric round_prefer_floor"},
        {IR_COORD_ASYMMETRIC, IR_NEAREST_ROUND_PREFER_CEIL, {0, 1, 1, 2, 2, 2}, "asymmetric round_prefer_ceil"},
        {IR_COORD_HALF_PIXEL, IR_NEAREST_FLOOR, {0, 0, 0, 1, 1, 2}, "half_pixel floor"},
        {IR_COORD_HALF_PIXEL, IR_NEAREST_CEIL, {0, 1, 1, 2, 2, 2}, "half_pixel ceil"},
        {IR_COORD_HALF_PIXEL, IR_NEAREST_ROUND_PREFER_FLOOR, {0, 0, 1, 1, 2, 2}, "half_pixel round_prefer_floor"},
        {IR_COORD_HALF_PIXEL, IR_NEAREST_ROUND_PREFER_CEIL, {0, 0, 1, 1, 2, 2}, "half_pixel round_prefer_ceil"},
        {IR_COORD_PYTORCH_HALF_PIXEL, IR_NEAREST_FLOOR, {0, 0, 0, 1, 1, 2}, "pytorch_half_pixel floor"},
        {IR_COORD_PYTORCH_HALF_PIXEL, IR_NEAREST_CEIL, {0, 1, 1, 2, 2, 2}, "pytorch_half_pixel ceil"},
        {IR_COORD_ALIGN_CORNERS, IR_NEAREST_FLOOR, {0, 0, 0, 1, 1, 2}, "align_corners floor"},
        {IR_COORD_ALIGN_CORNERS, IR_NEAREST_CEIL, {0, 1, 1, 2, 2, 2}, "align_corners ceil"},
        {IR_COORD_ALIGN_CORNERS, IR_NEAREST_ROUND_PREFER_FLOOR, {0, 0, 1, 1, 2, 2}, "align_corners round_prefer_floor"},
        {IR_COORD_ALIGN_CORNERS, IR_NEAREST_ROUND_PREFER_CEIL, {0, 0, 1, 1, 2, 2}, "align_corners round_prefer_ceil"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        resize_case(cases[i].coord, cases[i].nearest, 2, cases[i].idx, 6, cases[i].what);
    /* scale 0.5: 3 -> 1. half_pixel: x = .5/.5 - .5 = .5; pytorch_half_pixel: 0 for a single output;
     * align_corners: 0 for a single output. */
    resize_case(IR_COORD_HALF_PIXEL, IR_NEAREST_CEIL, 0.5f, (int[]){1}, 1, "half_pixel ceil, one output");
    resize_case(IR_COORD_PYTORCH_HALF_PIXEL, IR_NEAREST_CEIL, 0.5f, (int[]){0}, 1, "pytorch_half_pixel ceil, one output");
    resize_case(IR_COORD_ALIGN_CORNERS, IR_NEAREST_CEIL, 0.5f, (int[]){0}, 1, "align_corners ceil, one output");
    /* both axes: [[1, 2], [3, 4]] doubled */
    ir_id x;
    ir_graph *g = t_graph_static(T_DIMS(1, 1, 2, 2), &x);
    ir_id r = T_NODE(g, Resize, "y", x);
    g->nodes[r].attrs.scale[0] = g->nodes[r].attrs.scale[1] = 2;
    static const float in[4] = {1, 2, 3, 4};
    static const float e[16] = {1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4};
    expect(g, r, in, e, 16, 0, "resize 2x both axes");
    ir_graph_free(g);
}

static void concat(int64_t axis, const int64_t *wdims, const float *e, int64_t n, const char *what) {
    ir_id x;
    ir_graph *g = t_graph_static(T_DIMS(1, 1, 1, 2), &x);
    static const float wd[4] = {3, 4, 5, 6};
    ir_id c = T_NODE(g, Concat, "y", x, t_weight(g, "w", 4, wdims, wd), x);
    g->nodes[c].attrs.axis = axis;
    static const float in[2] = {1, 2};
    expect(g, c, in, e, n, 0, what);
    ir_graph_free(g);
}

static void concats(void) {
    static const float e1[8] = {1, 2, 3, 4, 5, 6, 1, 2}, e3[6] = {1, 2, 3, 4, 1, 2};
    concat(1, (int64_t[]){1, 2, 1, 2}, e1, 8, "concat axis 1");
    concat(2, (int64_t[]){1, 1, 2, 2}, e1, 8, "concat axis 2");
    concat(-1, (int64_t[]){1, 1, 1, 2}, e3, 6, "concat axis -1");
}

static void identity_and_shared_values(void) {
    /* a = relu(x) is read twice, one read after the other value died:
     * y = (a + id(a)) * relu(x)  */
    ir_id x;
    ir_graph *g = t_graph_static(T_DIMS(1, 1, 1, 3), &x);
    ir_id a = t_out(g, T_NODE(g, Relu, "a", x));
    ir_id i = t_out(g, T_NODE(g, Identity, "i", a));
    ir_id s = t_out(g, T_NODE(g, Add, "s", a, i));
    ir_id r = t_out(g, T_NODE(g, Relu, "r", x));
    ir_id y = T_NODE(g, Mul, "y", s, r);
    static const float in[3] = {-1, 2, 3}, e[3] = {0, 8, 18};
    expect(g, y, in, e, 3, 0, "identity and shared values");
    ir_graph_free(g);
}

static void symbolic_sizes(void) {
    /* x: 1x3xHxW at H=64, W=32; y = resize2x(x0 + 2*x1 + 3*x2): 1x1x128x64 */
    ir_id x;
    ir_graph *g = t_graph(3, &x);
    float k[3] = {1, 2, 3};
    ir_id c = t_conv(g, IR_OP_Conv, "c", x, t_weight(g, "w", T_DIMS(1, 3, 1, 1), k), IR_NONE, 1, 0, 1);
    ir_id r = T_NODE(g, Resize, "y", t_out(g, c));
    g->nodes[r].attrs.scale[0] = g->nodes[r].attrs.scale[1] = 2;
    t_set_output(g, t_out(g, r));
    t_prepare(g);
    int64_t h = 64, w = 32, plane = h * w;
    int64_t sizes[2] = {h, w}, units[2] = {h / 32, w / 32};
    CHECK(ir_numel(&g->values[g->outputs[0]], units) == 4 * plane);
    float *in = malloc(sizeof(float) * 3 * plane), *out = malloc(sizeof(float) * 4 * plane);
    for (int64_t i = 0; i < 3 * plane; i++) in[i] = (float)(i % 97); /* small integers: exact sums */
    ocrs_diag diag = {0};
    CHECK(ir_interp_run(g, (const float *const[]){in}, sizes, &out, &diag) == OCRS_OK);
    int bad = 0;
    for (int64_t oh = 0; oh < 2 * h; oh++)
        for (int64_t ow = 0; ow < 2 * w; ow++) {
            int64_t p = (oh / 2) * w + ow / 2;
            bad += out[oh * 2 * w + ow] != in[p] + 2 * in[plane + p] + 3 * in[2 * plane + p];
        }
    CHECK(bad == 0);
    CHECK(ir_interp_run(g, (const float *const[]){in}, (const int64_t[]){48, 32}, &out, &diag) == OCRS_ERR_USAGE);
    free(in);
    free(out);
    ir_graph_free(g);
}

static void fold_node(void) {
    /* w1 [2, 1, 3] * w2 [1, 4, 1] -> [2, 4, 3], y(i, j, k) = w1(i, k) * w2(j) */
    ir_id x;
    ir_graph *g = t_graph(3, &x);
    float a[6] = {1, 2, 3, 4, 5, 6}, b[4] = {1, 2, 3, 4};
    ir_id n = T_NODE(g, Mul, "y", t_weight(g, "a", T_DIMS(2, 1, 3), a), t_weight(g, "b", T_DIMS(1, 4, 1), b));
    ocrs_diag diag = {0};
    CHECK(ir_interp_fold_node(g, n, &diag) == OCRS_OK);
    const ir_value *y = &g->values[t_out(g, n)];
    CHECK(ir_is_weight(y) && y->rank == 3 && y->dims[0].q == 2 && y->dims[1].q == 4 && y->dims[2].q == 3);
    static const float e[24] = {1, 2, 3, 2, 4, 6, 3, 6, 9,  4,  8,  12,
                                4, 5, 6, 8, 10, 12, 12, 15, 18, 16, 20, 24};
    CHECK(ir_is_weight(y) && memcmp(y->data, e, sizeof e) == 0);
    /* an input that is not a constant */
    ir_id m = T_NODE(g, Relu, "r", x);
    CHECK(ir_interp_fold_node(g, m, &diag) == OCRS_ERR_INVALID);
    ir_graph_free(g);
}

int main(void) {
    conv_3x3_pad1_ones();
    conv_3x3_two_taps_bias();
    conv_stride2_asymmetric_pads();
    conv_dilation2();
    conv_groups();
    conv_fused_act((ir_act){IR_ACT_RELU, 0, 0}, (const float[]){2, 1, 0, 0}, "conv fused relu");
    conv_fused_act((ir_act){IR_ACT_CLIP, 0, 1.5f}, (const float[]){1.5, 1, 0, 0}, "conv fused clip");
    conv_transpose_stride2();
    conv_transpose_overlap_pad_output_padding();
    conv_transpose_groups();
    conv_transpose_dilation_left_pad();
    batch_norm();
    unary(IR_OP_Relu, 0, 0, (const float[]){0, 0, 0, 1, 4}, "relu");
    unary(IR_OP_Clip, -2, 0.5f, (const float[]){-2, -1, 0, 0.5, 0.5}, "clip");
    unary(IR_OP_HardSigmoid, 0.2f, 0.5f, (const float[]){0, 0.3f, 0.5, 0.7f, 1}, "hardsigmoid");
    unary(IR_OP_HardSwish, 0, 0, (const float[]){0, -1.0f / 3, 0, 2.0f / 3, 4}, "hardswish");
    unary(IR_OP_Sigmoid, 0, 0, (const float[]){0.0179862100f, 0.268941421f, 0.5f, 0.731058579f, 0.982013790f},
          "sigmoid");
    unary(IR_OP_Identity, 0, 0, (const float[]){-4, -1, 0, 1, 4}, "identity");
    unary_act_mismatch();
    broadcasting();
    global_average_pool();
    resize_nearest();
    concats();
    identity_and_shared_values();
    symbolic_sizes();
    fold_node();
    return t_finish("test_interp");
}
