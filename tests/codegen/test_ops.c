/* Every IR op through the code generator against the reference
 * interpreter: random shapes, attributes and weights from fixed seeds,
 * each graph compiled once and run at several input sizes.
 *
 *   test_codegen_ops FAMILY    (conv, conv_transpose, batchnorm, unary,
 *                               binary, pool, resize, concat, graph)
 *
 * Tolerance (harness.h): max |got - ref| <= 1e-5 * max(1, max |ref|) for
 * single ops, 1e-4 for the whole-graph cases. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

/* Input sizes each compiled graph runs at: {h, w} pairs. */
static const int64_t sizes[] = {32, 32, 64, 96, 96, 64};
#define NSIZES 3
/* Whole graphs: the interpreter accumulates convolutions in double, the
 * generated code in float, and the difference grows with each layer's
 * magnitude, so chains get ten times the single-op tolerance. */
#define GRAPH_TOL (10 * H_TOL)

static ir_act random_act(h_rng *r) {
    static const ir_op ops[] = {IR_OP_Identity, IR_OP_Relu, IR_OP_Clip, IR_OP_HardSigmoid, IR_OP_HardSwish,
                                IR_OP_Sigmoid};
    return h_unary_act(ops[h_int(r, 0, 5)], r);
}

/* Conv from x (c channels) to m channels, 1x1, for building inputs. */
static ir_id pointwise(ir_graph *g, h_rng *r, ir_id x, int64_t c, int64_t m) {
    ir_attrs a = h_attrs();
    a.kernel[0] = a.kernel[1] = 1;
    return H_NODE(g, Conv, &a, x, h_weight(g, r, H_DIMS(m, c, 1, 1), -1, 1));
}

static void describe(char *buf, size_t n, const char *op, const ir_attrs *a, int64_t c, int64_t m) {
    snprintf(buf, n,
             "%s c=%lld m=%lld k=%lldx%lld s=%lld,%lld d=%lld,%lld pad=%lld,%lld,%lld,%lld op=%lld,%lld g=%lld act=%s%s",
             op, (long long)c, (long long)m, (long long)a->kernel[0], (long long)a->kernel[1], (long long)a->stride[0],
             (long long)a->stride[1], (long long)a->dilation[0], (long long)a->dilation[1], (long long)a->pad[0],
             (long long)a->pad[1], (long long)a->pad[2], (long long)a->pad[3], (long long)a->output_padding[0],
             (long long)a->output_padding[1], (long long)a->group, ir_act_name(a->act.kind), a->post.on ? "+post" : "");
}

/* ---- Conv / ConvTranspose ------------------------------------------------------ */

/* Checks the one-conv graph g (output y) against the interpreter; frees g. */
static void check_conv(ir_graph *g, ir_id y, const char *op, const ir_attrs *a, int64_t c, int64_t m) {
    char what[300];
    describe(what, sizeof what, op, a, c, m);
    if (h_finish(g, y)) h_check(g, what, NSIZES, sizes, H_TOL);
    else h_failures++;
    ir_graph_free(g);
}

static void conv_case(uint64_t seed, bool transpose) {
    h_rng r = {seed};
    int64_t group = H_PICK(&r, 1, 1, 2, 3), per_in = h_int(&r, 1, 3), per_out = h_int(&r, 1, 3);
    bool depthwise = !transpose && h_int(&r, 0, 3) == 0;
    if (depthwise) per_in = 1, per_out = h_int(&r, 1, 2), group = h_int(&r, 2, 6);
    int64_t c = group * per_in, m = group * per_out;
    ir_attrs a = h_attrs();
    a.group = group;
    for (int i = 0; i < 2; i++) {
        a.kernel[i] = H_PICK(&r, 1, 2, 3, 3, 5);
        a.stride[i] = transpose ? H_PICK(&r, 1, 2, 2, 3) : H_PICK(&r, 1, 1, 2, 4);
        a.dilation[i] = H_PICK(&r, 1, 1, 2);
        a.output_padding[i] = transpose ? h_int(&r, 0, a.stride[i] - 1) : 0;
    }
    for (int i = 0; i < 4; i++) a.pad[i] = h_int(&r, 0, 3);
    if (h_int(&r, 0, 4) == 0) memset(a.pad, 0, sizeof a.pad);
    a.act = random_act(&r);
    if (h_int(&r, 0, 2) == 0) { /* fuse_affine_act's epilogue */
        a.post.on = true, a.post.scale = h_float(&r, -2, 2);
        a.post.has_shift = h_int(&r, 0, 1), a.post.shift = h_float(&r, -1, 1);
    }
    ir_id x;
    ir_graph *g = h_graph(c, &x);
    ir_id w = transpose ? h_weight(g, &r, H_DIMS(c, per_out, a.kernel[0], a.kernel[1]), -1, 1)
                        : h_weight(g, &r, H_DIMS(m, per_in, a.kernel[0], a.kernel[1]), -1, 1);
    bool bias = h_int(&r, 0, 1);
    ir_id in[3] = {x, w, bias ? h_weight(g, &r, H_DIMS(m), -1, 1) : IR_NONE};
    ir_id y = h_node(g, transpose ? IR_OP_ConvTranspose : IR_OP_Conv, bias ? 3 : 2, in, &a);
    check_conv(g, y, transpose ? "ConvTranspose" : "Conv", &a, c, m);
}

/* Fixed shapes the random cases might miss: pointwise, depthwise 3x3 s2,
 * strided 1x1, a kernel wider than the padded input. */
typedef struct {
    int64_t c, m, group, k, s, pad;
} fixed_conv;

/* The register-blocked kernels (conv_tile.c) at shapes the model has and
 * around them: channel counts that are no multiple of the tile's channel
 * block (6 or 3) and output widths that are no multiple of the vector
 * (unpadded 3x3: W - 2), 1x1 as one flat GEMM, depthwise 3x3/5x5 with
 * stride 2 (two loads and a shuffle), stride 4 (gathers), a wide dense 3x3. */
static const fixed_conv tile_cases[] = {{17, 13, 1, 1, 1, 0}, {20, 7, 1, 3, 1, 0}, {19, 19, 19, 5, 2, 2},
                                        {12, 12, 12, 3, 2, 1}, {5, 4, 1, 3, 4, 1},  {24, 24, 1, 3, 1, 1},
                                        {30, 30, 30, 5, 1, 2}, {3, 16, 1, 3, 2, 1}};

static void conv_fixed(const fixed_conv *cases, size_t ncases, uint64_t seed) {
    for (size_t i = 0; i < ncases; i++) {
        h_rng r = {seed + i};
        ir_attrs a = h_attrs();
        a.kernel[0] = a.kernel[1] = cases[i].k;
        a.stride[0] = a.stride[1] = cases[i].s;
        for (int j = 0; j < 4; j++) a.pad[j] = cases[i].pad;
        a.group = cases[i].group;
        a.act = (ir_act){IR_ACT_HARDSWISH, 0, 0};
        ir_id x;
        ir_graph *g = h_graph(cases[i].c, &x);
        ir_id w = h_weight(g, &r, H_DIMS(cases[i].m, cases[i].c / cases[i].group, a.kernel[0], a.kernel[1]), -1, 1);
        ir_id y = H_NODE(g, Conv, &a, x, w, h_weight(g, &r, H_DIMS(cases[i].m), -1, 1));
        check_conv(g, y, "Conv", &a, cases[i].c, cases[i].m);
    }
}

/* The int8 conv (codegen/conv_int8.c): the input quantized as it is read
 * (attrs.in_act), int8 weights per output channel within +-qmax: 63 makes
 * every vpmaddubsw pair exact on AVX2, 127 sends most layers to the 32-bit
 * products there. Channel counts around the 4-channel words, strides 1, 2
 * and 4 (plain, shuffled and gathered loads), dilation, a 1x1 seen as one
 * row, a kernel wider than the padded input, levels clipped at both ends,
 * and 200 channels: bands of a few rows, the last one shorter. Then
 * depthwise ones (group = c = m, conv_tile.c on levels in floats): 5x5
 * stride 2 and 3x3 stride 1 padded (staged rows quantized), stride 4 with
 * dilation (gathers), 1x1 (not staged: quantized as loaded), 5x5 stride 4
 * (rows too long to stage at the largest width: gathers from the input). Odd cases
 * read the output of an int8 conv (1x1, or 3x3 depthwise every fourth
 * case), which is therefore a buffer of uint8 levels (codegen/plan.c):
 * quantized in the producer's epilogue, read by every kind of load. The
 * producer's steps are powers of two, so its outputs are exact in the
 * library and in the interpreter (which sums in double) and both quantize
 * them to the same levels; any other producer may differ in an ulp, which
 * flips a level where an output lies that close to a half step. */
typedef struct {
    int64_t c, m, k, s, d, pad, qmax;
    float scale, zero;
    int64_t group;
} int8_conv;

/* An m x cpg x k x k weight on the int8 grid of qmax levels per output
 * channel, as passes/quantize.c leaves it; pow2: the grid's steps powers
 * of two instead. */
static ir_id int8_weight(ir_graph *g, h_rng *r, int64_t m, int64_t cpg, int64_t k, int64_t qmax, bool pow2) {
    ir_id w = h_weight(g, r, H_DIMS(m, cpg, k, k), -1, 1);
    ir_value *wv = &g->values[w];
    float *data = wv->data, *scale = ocrs_arena_alloc(g->arena, sizeof(float) * (size_t)m);
    int64_t per = cpg * k * k;
    for (int64_t o = 0; o < m; o++) {
        float top = 0;
        for (int64_t j = 0; j < per; j++) top = fmaxf(top, fabsf(data[o * per + j]));
        scale[o] = pow2 ? exp2f(ceilf(log2f(top / (float)qmax))) : top / (float)qmax;
        for (int64_t j = 0; j < per; j++) data[o * per + j] = nearbyintf(data[o * per + j] / scale[o]) * scale[o];
    }
    wv->qbits = 8, wv->qscale = scale, wv->out_axis = 0;
    return w;
}

static void conv_int8_cases(void) {
    static const int8_conv cases[] = {
        {96, 24, 3, 1, 1, 1, 63, 2.0f / 255, 128, 1}, {16, 32, 1, 1, 1, 0, 63, 1.0f / 255, 64, 1},
        {3, 16, 3, 2, 1, 1, 127, 2.5f / 255, 100, 1}, {5, 7, 3, 4, 2, 2, 63, 1.5f / 255, 0, 1},
        {17, 13, 1, 1, 1, 0, 127, 2.0f / 255, 255, 1}, {8, 9, 5, 1, 1, 2, 63, 0.5f / 255, 128, 1},
        {2, 3, 7, 1, 1, 3, 127, 2.0f / 255, 128, 1},  {24, 24, 3, 2, 1, 0, 63, 3.0f / 255, 170, 1},
        {200, 8, 3, 1, 1, 1, 63, 2.0f / 255, 128, 1},
        {19, 19, 5, 2, 1, 2, 127, 2.0f / 255, 128, 19}, {30, 30, 3, 1, 1, 1, 63, 0.5f / 255, 0, 30},
        {7, 7, 1, 1, 1, 0, 127, 1.0f / 255, 40, 7}, {12, 12, 3, 4, 2, 3, 127, 3.0f / 255, 255, 12},
        {10, 10, 5, 4, 1, 2, 127, 2.0f / 255, 128, 10}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const int8_conv *q = &cases[i];
        h_rng r = {1300 + i};
        ir_attrs a = h_attrs();
        a.kernel[0] = a.kernel[1] = q->k;
        a.stride[0] = a.stride[1] = q->s;
        a.dilation[0] = a.dilation[1] = q->d;
        for (int j = 0; j < 4; j++) a.pad[j] = q->pad;
        a.act = i % 2 ? (ir_act){IR_ACT_HARDSWISH, 0, 0} : (ir_act){IR_ACT_RELU, 0, 0};
        a.in_act = (ir_act){IR_ACT_QUANT, q->scale, q->zero};
        a.group = q->group;
        ir_id x;
        ir_graph *g = h_graph(q->c, &x);
        if (i % 2) {
            ir_attrs p = h_attrs();
            bool dw = i % 4 == 3;
            p.kernel[0] = p.kernel[1] = dw ? 3 : 1;
            for (int j = 0; j < 4; j++) p.pad[j] = dw;
            p.group = dw ? q->c : 1;
            p.in_act = (ir_act){IR_ACT_QUANT, 1.0f / 64, 128};
            x = H_NODE(g, Conv, &p, x, int8_weight(g, &r, q->c, dw ? 1 : q->c, p.kernel[0], 127, true));
        }
        ir_id w = int8_weight(g, &r, q->m, q->c / a.group, q->k, q->qmax, false);
        ir_id y = i % 3 ? H_NODE(g, Conv, &a, x, w, h_weight(g, &r, H_DIMS(q->m), -1, 1)) : H_NODE(g, Conv, &a, x, w);
        check_conv(g, y, "Conv int8", &a, q->c, q->m);
    }
}

/* A detector head as passes/quantize.c leaves it: an int8 conv, then
 * FakeQuant -> ConvTranspose (kernel = stride) twice. Each FakeQuant
 * folds (codegen/plan.c): its producer (the conv, then the first
 * transposed conv) writes the levels and the transposed conv dequantizes
 * them as it loads them. The first two layers' steps are powers of two
 * (the FakeQuants' too) and their sums small integers times them, so their
 * outputs are exact in the library and in the interpreter and quantize to
 * the same levels (see above). */
static void quant_head(void) {
    h_rng r = {1400};
    ir_id x;
    ir_graph *g = h_graph(24, &x);
    ir_attrs a = h_attrs();
    a.kernel[0] = a.kernel[1] = 1;
    a.in_act = (ir_act){IR_ACT_QUANT, 1.0f / 64, 128};
    ir_id y = H_NODE(g, Conv, &a, x, int8_weight(g, &r, 24, 24, 1, 127, true));
    ir_attrs up = h_attrs();
    up.kernel[0] = up.kernel[1] = up.stride[0] = up.stride[1] = 2;
    ir_attrs fq = h_attrs();
    fq.act = (ir_act){IR_ACT_QUANT, 0.25f, 100};
    y = H_NODE(g, FakeQuant, &fq, y);
    y = H_NODE(g, ConvTranspose, &up, y, int8_weight(g, &r, 24, 24, 2, 127, true));
    fq.act = (ir_act){IR_ACT_QUANT, 0.5f, 20};
    y = H_NODE(g, FakeQuant, &fq, y);
    up.act.kind = IR_ACT_SIGMOID;
    y = H_NODE(g, ConvTranspose, &up, y, h_weight(g, &r, H_DIMS(24, 1, 2, 2), -1, 1), h_weight(g, &r, H_DIMS(1), -1, 1));
    check_conv(g, y, "int8 conv, FakeQuant, ConvTranspose, FakeQuant, ConvTranspose", &up, 24, 1);
}

/* Whether /proc/cpuinfo lists flag for the host (false where there is none). */
static bool host_has(const char *flag) {
    FILE *f = fopen("/proc/cpuinfo", "r");
    char line[8192], word[64];
    snprintf(word, sizeof word, " %s", flag);
    bool found = false;
    while (f && !found && fgets(line, sizeof line, f))
        if (!strncmp(line, "flags", 5)) {
            size_t n = strlen(word);
            for (const char *p = strstr(line, word); p && !found; p = strstr(p + 1, word))
                found = p[n] == ' ' || p[n] == '\n';
            break;
        }
    if (f) fclose(f);
    return found;
}

/* On x86 every case compiled for the host (vpdpbusd where it has VNNI) and
 * for each other kernel the host can run: haswell (AVX2: vpmaddubsw, or the
 * 32-bit products), alderlake (256-bit AVX-VNNI), x86-64 (SSE2: the 32-bit
 * products). */
static void conv_int8(void) {
    static const struct {
        const char *cpu, *needs;
    } cpus[] = {{NULL, NULL}, {"haswell", "avx2"}, {"alderlake", "avx_vnni"}, {"x86-64", "sse2"}};
    for (size_t i = 0; i < sizeof cpus / sizeof cpus[0]; i++) {
        if (cpus[i].needs && !host_has(cpus[i].needs)) continue;
        fprintf(stderr, "conv_int8 for %s\n", cpus[i].cpu ? cpus[i].cpu : "the host");
        h_cpu = cpus[i].cpu;
        conv_int8_cases();
        quant_head();
    }
    h_cpu = NULL;
}

/* ConvTranspose with kernel = stride (the head's 2x2/2 upsampling): the
 * scatter kernel, with channel counts around its tile and a single output
 * channel as in the last layer, plus kernel 1 and a 2x1 kernel. */
static void conv_transpose_scatter(void) {
    static const struct {
        int64_t c, m, kh, kw;
        ir_act_kind act;
    } cases[] = {{24, 24, 2, 2, IR_ACT_RELU}, {5, 7, 2, 2, IR_ACT_NONE}, {24, 1, 2, 2, IR_ACT_SIGMOID},
                 {9, 13, 1, 1, IR_ACT_HARDSWISH}, {4, 3, 2, 1, IR_ACT_RELU}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        h_rng r = {1200 + i};
        ir_attrs a = h_attrs();
        a.kernel[0] = a.stride[0] = cases[i].kh;
        a.kernel[1] = a.stride[1] = cases[i].kw;
        a.act.kind = cases[i].act;
        if (i % 2) a.post.on = true, a.post.scale = 0.75f, a.post.has_shift = true, a.post.shift = -0.25f;
        ir_id x;
        ir_graph *g = h_graph(cases[i].c, &x);
        ir_id w = h_weight(g, &r, H_DIMS(cases[i].c, cases[i].m, a.kernel[0], a.kernel[1]), -1, 1);
        ir_id y = H_NODE(g, ConvTranspose, &a, x, w, h_weight(g, &r, H_DIMS(cases[i].m), -1, 1));
        check_conv(g, y, "ConvTranspose", &a, cases[i].c, cases[i].m);
    }
}

/* ---- BatchNormalization ------------------------------------------------------------ */

static void batchnorm_case(uint64_t seed) {
    h_rng r = {seed};
    int64_t c = h_int(&r, 1, 6);
    ir_id x;
    ir_graph *g = h_graph(c, &x);
    ir_attrs a = h_attrs();
    a.epsilon = h_float(&r, 1e-5f, 1e-3f);
    ir_id y = H_NODE(g, BatchNormalization, &a, x, h_weight(g, &r, H_DIMS(c), 0.5f, 2),
                     h_weight(g, &r, H_DIMS(c), -1, 1), h_weight(g, &r, H_DIMS(c), -1, 1),
                     h_weight(g, &r, H_DIMS(c), 0.1f, 2));
    char what[64];
    snprintf(what, sizeof what, "BatchNormalization c=%lld", (long long)c);
    if (h_finish(g, y)) h_check(g, what, NSIZES, sizes, H_TOL);
    else h_failures++;
    ir_graph_free(g);
}

/* BN of rank 3 on a constant tensor, added to the input so the output
 * depends on it: exercises rank != 4 and a weight as BN input. */
static void batchnorm_rank3(void) {
    h_rng r = {77};
    ir_id x;
    ir_graph *g = h_graph(3, &x);
    ir_attrs a = h_attrs();
    a.epsilon = 1e-5f;
    ir_id bn = H_NODE(g, BatchNormalization, &a, h_weight(g, &r, H_DIMS(3, 1, 1), -1, 1),
                      h_weight(g, &r, H_DIMS(1), 0.5f, 2), h_weight(g, &r, H_DIMS(1), -1, 1),
                      h_weight(g, &r, H_DIMS(1), -1, 1), h_weight(g, &r, H_DIMS(1), 0.1f, 2));
    ir_id y = H_NODE(g, Add, NULL, x, bn);
    if (h_finish(g, y)) h_check(g, "BatchNormalization rank 3 on a weight", NSIZES, sizes, H_TOL);
    else h_failures++;
    ir_graph_free(g);
}

/* ---- unary ------------------------------------------------------------------------ */

static void unary_case(uint64_t seed, ir_op op) {
    h_rng r = {seed};
    int64_t c = h_int(&r, 1, 4);
    ir_id x;
    ir_graph *g = h_graph(c, &x);
    ir_attrs a = h_attrs();
    a.act = h_unary_act(op, &r);
    /* Scale the input up so the activations' flat parts are reached. */
    ir_id big = H_NODE(g, Mul, NULL, x, h_weight(g, &r, H_DIMS(1), 3, 5));
    ir_id y = h_node(g, op, 1, &big, &a);
    char what[96];
    snprintf(what, sizeof what, "%s c=%lld a=%g b=%g", ir_ops[op].name, (long long)c, a.act.a, a.act.b);
    if (h_finish(g, y)) h_check(g, what, NSIZES, sizes, H_TOL);
    else h_failures++;
    ir_graph_free(g);
}

/* ---- binary ------------------------------------------------------------------------- */

/* Operand shapes: the first operand, the second, relative to x [1,c,H,W]. */
enum {
    B_SAME,        /* x op f(x) */
    B_W_NC11,      /* x op w[1,c,1,1] */
    B_W_C11,       /* x op w[c,1,1] */
    B_W_SCALAR,    /* x op w[] */
    B_W_ONE,       /* x op w[1] */
    B_W_FIRST,     /* w[c,1,1] op x */
    B_GAP,         /* x op GAP(x) [1,c,1,1] (squeeze-excite) */
    B_GAP_FIRST,   /* GAP(x) op x */
    B_CHANNEL1,    /* conv(x)[1,1,H,W] op x */
    B_WEIGHTS,     /* w[2,1,3] op w[4,1] -> [2,4,3], added to nothing symbolic */
    B_GAP_W,       /* GAP(x) [1,c,1,1] op w[1,1,1,4] -> [1,c,1,4] */
    B_NCASES
};

/* A value in (0.5, 1.5) computed from v, for divisors. */
static ir_id positive(ir_graph *g, h_rng *r, ir_id v) {
    ir_attrs a = h_attrs();
    a.act = (ir_act){IR_ACT_SIGMOID, 0, 0};
    ir_id s = H_NODE(g, Sigmoid, &a, v);
    return H_NODE(g, Add, NULL, s, h_weight(g, r, H_DIMS(1), 0.5f, 0.5f));
}

static void binary_case(uint64_t seed, ir_op op, int kind) {
    h_rng r = {seed};
    int64_t c = h_int(&r, 1, 4);
    ir_id x;
    ir_graph *g = h_graph(c, &x);
    bool div = op == IR_OP_Div;
    /* Weights as divisors stay away from zero. */
    float lo = div ? 0.5f : -1, hi = div ? 2 : 1;
    ir_id a = x, b = IR_NONE;
    switch (kind) {
    case B_SAME: b = div ? positive(g, &r, x) : pointwise(g, &r, x, c, c); break;
    case B_W_NC11: b = h_weight(g, &r, H_DIMS(1, c, 1, 1), lo, hi); break;
    case B_W_C11: b = h_weight(g, &r, H_DIMS(c, 1, 1), lo, hi); break;
    case B_W_SCALAR: b = h_weight(g, &r, 0, NULL, lo, hi); break;
    case B_W_ONE: b = h_weight(g, &r, H_DIMS(1), lo, hi); break;
    case B_W_FIRST:
        a = h_weight(g, &r, H_DIMS(c, 1, 1), -1, 1);
        b = div ? positive(g, &r, x) : x;
        break;
    case B_GAP: {
        ir_id gap = H_NODE(g, GlobalAveragePool, NULL, x);
        b = div ? positive(g, &r, gap) : gap;
        break;
    }
    case B_GAP_FIRST:
        a = H_NODE(g, GlobalAveragePool, NULL, x);
        b = div ? positive(g, &r, x) : x;
        break;
    case B_CHANNEL1: {
        ir_id one = pointwise(g, &r, x, c, 1);
        a = one;
        b = div ? positive(g, &r, x) : x;
        break;
    }
    case B_WEIGHTS: {
        ir_id w = H_NODE(g, Add, NULL, h_weight(g, &r, H_DIMS(2, 1, 3), -1, 1), h_weight(g, &r, H_DIMS(4, 1), -1, 1));
        a = w;
        b = h_weight(g, &r, H_DIMS(4, 3), lo, hi);
        break;
    }
    case B_GAP_W:
        a = H_NODE(g, GlobalAveragePool, NULL, x);
        b = h_weight(g, &r, H_DIMS(1, 1, 1, 4), lo, hi);
        break;
    }
    ir_id y = h_node(g, op, 2, (ir_id[]){a, b}, NULL);
    char what[96];
    snprintf(what, sizeof what, "%s case %d c=%lld", ir_ops[op].name, kind, (long long)c);
    if (h_finish(g, y)) h_check(g, what, NSIZES, sizes, H_TOL);
    else h_failures++;
    ir_graph_free(g);
}

/* ---- GlobalAveragePool -------------------------------------------------------------- */

static void pool_case(uint64_t seed) {
    h_rng r = {seed};
    int64_t c = h_int(&r, 1, 5), m = h_int(&r, 1, 6);
    ir_id x;
    ir_graph *g = h_graph(c, &x);
    ir_attrs a = h_attrs();
    a.kernel[0] = a.kernel[1] = 3;
    a.stride[0] = a.stride[1] = H_PICK(&r, 1, 2);
    a.pad[0] = a.pad[1] = a.pad[2] = a.pad[3] = 1;
    ir_id conv = H_NODE(g, Conv, &a, x, h_weight(g, &r, H_DIMS(m, c, 3, 3), -1, 1));
    ir_id y = H_NODE(g, GlobalAveragePool, NULL, conv);
    char what[64];
    snprintf(what, sizeof what, "GlobalAveragePool c=%lld stride %lld", (long long)m, (long long)a.stride[0]);
    if (h_finish(g, y)) h_check(g, what, NSIZES, sizes, H_TOL);
    else h_failures++;
    ir_graph_free(g);
}

/* ---- Resize ------------------------------------------------------------------------ */

static void resize_case(uint64_t seed, ir_coord coord, ir_nearest nearest) {
    h_rng r = {seed};
    static const float scales[] = {2, 3, 0.5f, 1.5f, 0.25f, 1, 2.5f, 0.75f};
    int64_t c = h_int(&r, 1, 3);
    ir_id x;
    ir_graph *g = h_graph(c, &x);
    ir_id in = x;
    /* Sometimes an extent with an offset (H - 2), to exercise q != 0. */
    if (h_int(&r, 0, 1)) {
        ir_attrs a = h_attrs();
        a.kernel[0] = a.kernel[1] = 3;
        in = H_NODE(g, Conv, &a, x, h_weight(g, &r, H_DIMS(c, c, 3, 3), -1, 1));
    }
    ir_attrs a = h_attrs();
    a.coord = coord;
    a.nearest = nearest;
    a.scale[0] = scales[h_int(&r, 0, 7)];
    a.scale[1] = scales[h_int(&r, 0, 7)];
    ir_id y = H_NODE(g, Resize, &a, in);
    char what[96];
    snprintf(what, sizeof what, "Resize coord %d nearest %d scale %g x %g%s", coord, nearest, a.scale[0], a.scale[1],
             in == x ? "" : " after 3x3 conv");
    if (h_finish(g, y)) h_check(g, what, NSIZES, sizes, H_TOL);
    else h_failures++;
    ir_graph_free(g);
}

/* ---- Concat ------------------------------------------------------------------------ */

static void concat_case(uint64_t seed, int kind) {
    h_rng r = {seed};
    int64_t c = h_int(&r, 1, 3);
    ir_id x;
    ir_graph *g = h_graph(c, &x);
    ir_id in[5];
    uint32_t n = (uint32_t)h_int(&r, 2, 5);
    ir_attrs a = h_attrs();
    for (uint32_t i = 0; i < n; i++) {
        switch (kind) {
        case 0: /* channels */
            a.axis = H_PICK(&r, 1, -3);
            in[i] = i == 0 ? x : pointwise(g, &r, x, c, h_int(&r, 1, 4));
            break;
        case 1: /* batch, then ops over several images */
            a.axis = 0;
            in[i] = pointwise(g, &r, x, c, 2);
            break;
        default: /* a static axis of pooled values, with weights among the inputs */
            a.axis = H_PICK(&r, 2, 3, -1);
            in[i] = i % 2 ? h_weight(g, &r, H_DIMS(1, c, 1, 1), -1, 1) : H_NODE(g, GlobalAveragePool, NULL, x);
            break;
        }
    }
    ir_id y = h_node(g, IR_OP_Concat, n, in, &a);
    if (kind == 1) {
        /* Batch > 1 downstream: conv, batch norm and resize over N planes. */
        ir_attrs k3 = h_attrs();
        k3.kernel[0] = k3.kernel[1] = 3;
        k3.pad[0] = k3.pad[1] = k3.pad[2] = k3.pad[3] = 1;
        y = H_NODE(g, Conv, &k3, y, h_weight(g, &r, H_DIMS(3, 2, 3, 3), -1, 1));
        ir_attrs bn = h_attrs();
        bn.epsilon = 1e-5f;
        y = H_NODE(g, BatchNormalization, &bn, y, h_weight(g, &r, H_DIMS(3), 0.5f, 2), h_weight(g, &r, H_DIMS(3), -1, 1),
                   h_weight(g, &r, H_DIMS(3), -1, 1), h_weight(g, &r, H_DIMS(3), 0.1f, 2));
        ir_attrs up = h_attrs();
        up.scale[0] = up.scale[1] = 2;
        y = H_NODE(g, Resize, &up, y);
    }
    char what[64];
    snprintf(what, sizeof what, "Concat kind %d axis %lld, %u inputs", kind, (long long)a.axis, n);
    if (h_finish(g, y)) h_check(g, what, NSIZES, sizes, H_TOL);
    else h_failures++;
    ir_graph_free(g);
}

/* As many inputs as an op may have (the frontend allows 64): the layer
 * function takes one parameter per input. */
static void concat_wide(uint32_t n) {
    ir_id x;
    ir_graph *g = h_graph(2, &x);
    ir_attrs ra = h_attrs();
    ra.act.kind = IR_ACT_RELU;
    ir_id in[64], relu = H_NODE(g, Relu, &ra, x);
    for (uint32_t i = 0; i < n; i++) in[i] = i % 2 ? relu : x;
    ir_attrs a = h_attrs();
    a.axis = 1;
    ir_id y = h_node(g, IR_OP_Concat, n, in, &a);
    char what[64];
    snprintf(what, sizeof what, "Concat of %u inputs", n);
    if (h_finish(g, y)) h_check(g, what, NSIZES, sizes, H_TOL);
    else h_failures++;
    ir_graph_free(g);
}

/* ---- a small detector-shaped graph ------------------------------------------------ */

/* conv s2 + BN + hardswish, depthwise, squeeze-excite, conv s2, upsample and
 * add (FPN), concat, two ConvTransposes, sigmoid: many buffers reused. */
static void graph_case(uint64_t seed) {
    h_rng r = {seed};
    ir_id x;
    ir_graph *g = h_graph(3, &x);
    ir_attrs a = h_attrs();
    a.kernel[0] = a.kernel[1] = 3;
    a.stride[0] = a.stride[1] = 2;
    a.pad[0] = a.pad[1] = a.pad[2] = a.pad[3] = 1;
    ir_id c1 = H_NODE(g, Conv, &a, x, h_weight(g, &r, H_DIMS(8, 3, 3, 3), -1, 1), h_weight(g, &r, H_DIMS(8), -1, 1));
    ir_attrs bn = h_attrs();
    bn.epsilon = 1e-5f;
    ir_id b1 = H_NODE(g, BatchNormalization, &bn, c1, h_weight(g, &r, H_DIMS(8), 0.5f, 1.5f),
                      h_weight(g, &r, H_DIMS(8), -1, 1), h_weight(g, &r, H_DIMS(8), -1, 1),
                      h_weight(g, &r, H_DIMS(8), 0.5f, 2));
    ir_attrs hs = h_attrs();
    hs.act = (ir_act){IR_ACT_HARDSWISH, 0, 0};
    ir_id a1 = H_NODE(g, HardSwish, &hs, b1);
    ir_attrs dw = a;
    dw.stride[0] = dw.stride[1] = 1;
    dw.group = 8;
    dw.act = (ir_act){IR_ACT_RELU, 0, 0};
    ir_id d1 = H_NODE(g, Conv, &dw, a1, h_weight(g, &r, H_DIMS(8, 1, 3, 3), -1, 1));
    ir_id gap = H_NODE(g, GlobalAveragePool, NULL, d1);
    ir_attrs pw = h_attrs();
    pw.kernel[0] = pw.kernel[1] = 1;
    pw.act = (ir_act){IR_ACT_RELU, 0, 0};
    ir_id s1 = H_NODE(g, Conv, &pw, gap, h_weight(g, &r, H_DIMS(4, 8, 1, 1), -1, 1), h_weight(g, &r, H_DIMS(4), -1, 1));
    pw.act = (ir_act){IR_ACT_HARDSIGMOID, 0.2f, 0.5f};
    ir_id s2 = H_NODE(g, Conv, &pw, s1, h_weight(g, &r, H_DIMS(8, 4, 1, 1), -1, 1), h_weight(g, &r, H_DIMS(8), -1, 1));
    ir_id se = H_NODE(g, Mul, NULL, d1, s2);
    ir_id c2 = H_NODE(g, Conv, &a, se, h_weight(g, &r, H_DIMS(16, 8, 3, 3), -1, 1));
    ir_attrs up = h_attrs();
    up.scale[0] = up.scale[1] = 2;
    ir_id u2 = H_NODE(g, Resize, &up, pointwise(g, &r, c2, 16, 8));
    ir_id f1 = H_NODE(g, Add, NULL, u2, se);
    ir_attrs axis1 = h_attrs();
    axis1.axis = 1;
    ir_id cat = H_NODE(g, Concat, &axis1, f1, a1);
    ir_attrs ct = h_attrs();
    ct.kernel[0] = ct.kernel[1] = 2;
    ct.stride[0] = ct.stride[1] = 2;
    ct.act = (ir_act){IR_ACT_RELU, 0, 0};
    ir_id t1 = H_NODE(g, ConvTranspose, &ct, cat, h_weight(g, &r, H_DIMS(16, 4, 2, 2), -1, 1),
                      h_weight(g, &r, H_DIMS(4), -1, 1));
    ct.act = (ir_act){IR_ACT_NONE, 0, 0};
    ct.kernel[0] = ct.kernel[1] = 3;
    ct.pad[0] = ct.pad[1] = ct.pad[2] = ct.pad[3] = 1;
    ct.output_padding[0] = ct.output_padding[1] = 1;
    ir_id t2 = H_NODE(g, ConvTranspose, &ct, t1, h_weight(g, &r, H_DIMS(4, 1, 3, 3), -1, 1));
    ir_attrs sg = h_attrs();
    sg.act = (ir_act){IR_ACT_SIGMOID, 0, 0};
    ir_id y = H_NODE(g, Sigmoid, &sg, t2);
    /* A node no output needs: the plan must skip it. */
    ir_attrs relu = h_attrs();
    relu.act = (ir_act){IR_ACT_RELU, 0, 0};
    H_NODE(g, Relu, &relu, c2);
    if (h_finish(g, y)) {
        h_check(g, "detector-shaped graph", NSIZES, sizes, GRAPH_TOL);
    } else {
        h_failures++;
    }
    ir_graph_free(g);
}

int main(int argc, char **argv) {
    const char *fam = argc > 1 ? argv[1] : "";
    if (!strcmp(fam, "conv")) {
        for (uint64_t s = 1; s <= 14; s++) conv_case(s, false);
        static const fixed_conv cases[] = {
            {4, 8, 1, 1, 1, 0}, {6, 6, 6, 3, 2, 1}, {3, 5, 1, 1, 2, 0}, {2, 2, 1, 7, 1, 3}, {8, 4, 4, 3, 1, 1}};
        conv_fixed(cases, sizeof cases / sizeof cases[0], 1000);
        conv_fixed(tile_cases, sizeof tile_cases / sizeof tile_cases[0], 1100);
    } else if (!strcmp(fam, "conv_int8")) {
        conv_int8();
    } else if (!strcmp(fam, "conv_transpose")) {
        for (uint64_t s = 1; s <= 10; s++) conv_case(100 + s, true);
        conv_transpose_scatter();
    } else if (!strcmp(fam, "batchnorm")) {
        for (uint64_t s = 1; s <= 3; s++) batchnorm_case(200 + s);
        batchnorm_rank3();
    } else if (!strcmp(fam, "unary")) {
        static const ir_op ops[] = {IR_OP_Relu,    IR_OP_Clip,     IR_OP_HardSigmoid, IR_OP_HardSwish,
                                    IR_OP_Sigmoid, IR_OP_Identity, IR_OP_FakeQuant};
        for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
            for (uint64_t s = 1; s <= 2; s++) unary_case(300 + 10 * i + s, ops[i]);
    } else if (!strcmp(fam, "binary")) {
        static const ir_op ops[] = {IR_OP_Add, IR_OP_Sub, IR_OP_Mul, IR_OP_Div};
        for (int k = 0; k < B_NCASES; k++)
            for (size_t i = 0; i < 4; i++)
                if ((k + (int)i) % 2 == 0 || k == B_SAME || k == B_W_FIRST) binary_case(400 + 10 * k + i, ops[i], k);
    } else if (!strcmp(fam, "pool")) {
        for (uint64_t s = 1; s <= 3; s++) pool_case(500 + s);
    } else if (!strcmp(fam, "resize")) {
        for (int c = 0; c < 4; c++)
            for (int n = 0; n < 4; n++) resize_case(600 + 4 * c + n, (ir_coord)c, (ir_nearest)n);
        /* The integer fast path (asymmetric, floor) at more scales. */
        for (uint64_t s = 0; s < 6; s++) resize_case(650 + s, IR_COORD_ASYMMETRIC, IR_NEAREST_FLOOR);
    } else if (!strcmp(fam, "concat")) {
        for (int k = 0; k < 3; k++)
            for (uint64_t s = 1; s <= 2; s++) concat_case(700 + 10 * k + s, k);
        concat_wide(63);
        concat_wide(64);
    } else if (!strcmp(fam, "graph")) {
        for (uint64_t s = 1; s <= 2; s++) graph_case(800 + s);
    } else {
        fprintf(stderr, "usage: test_codegen_ops conv|conv_int8|conv_transpose|batchnorm|unary|binary|pool|resize|concat|graph\n");
        return 2;
    }
    char name[64];
    snprintf(name, sizeof name, "codegen.ops.%s", fam);
    return h_report(name);
}
