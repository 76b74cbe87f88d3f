/* mkmodel: writes the ONNX models the tests read.
 *
 *   mkmodel RECIPE OUT.onnx [--seed N] [--truncate N]
 *   mkmodel --list
 *
 * A recipe and a seed always give the same bytes on any IEEE-754 host
 * (onnxgen.h's splitmix64; the only libm call is sqrtf, which is exactly
 * rounded). Recipes that need a side file (external data, a symlink) put it
 * next to OUT, named after OUT's stem. --truncate N keeps only the first N
 * bytes of any recipe's output. The default seed is 1.
 *
 * All numbers are uniform: conv weights scaled by fan-in (WEIGHT_GAIN below), conv biases in +-1/sqrt(fan_in) (Paddle's
 * default), BatchNorm gamma in [0.7,1.3], beta and mean with std 0.1, var in
 * [0.5,1.5]. det_mv3_db's activations stay O(0.1..1) and its sigmoid output
 * is not saturated.
 */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "onnxgen.h"

#define DIMS(...) ((const int64_t[]){__VA_ARGS__})
#define FLOATS(...) ((const float[]){__VA_ARGS__})

/* U(-a, a) has std a/sqrt(3). */
#define STD_TO_BOUND 1.7320508f
/* Conv weights are U(-b, b) with b^2 = WEIGHT_GAIN / fan_in, i.e. variance
 * 1.5 / fan_in: 3/4 of He's. With untrained BatchNorms nothing renormalises
 * the activations, and over det_mv3_db's ~50 layers He's gain blows them up
 * (sigmoid output saturated at 0/1) while LeCun's (1 / fan_in) shrinks them
 * towards 0; this keeps them O(0.1..1) for every seed tried. */
#define WEIGHT_GAIN 4.5f

static float weight_bound(int fan_in)
{
    return sqrtf(WEIGHT_GAIN / (float)fan_in);
}

struct mk {
    const char *out;
    char dir[4096];  /* folder of OUT, "." when OUT has none */
    char stem[1024]; /* OUT's file name without ".onnx" */
    og_model *m;     /* set by a recipe; NULL if it wrote OUT itself */
    og_rng rng;
    unsigned nweights;
    long long truncate; /* < 0: keep everything */
};

typedef int (*recipe_fn)(struct mk *k);

/* ---- Net building blocks, shared by det_mv3_db and the op models. ---- */

static float *rand_array(struct mk *k, size_t count, float lo, float hi)
{
    float *v = og_alloc(k->m, count * sizeof *v);
    for (size_t i = 0; i < count; i++)
        v[i] = og_rng_uniform(&k->rng, lo, hi);
    return v;
}

/* Weights cycle through the four ways ONNX can carry them (Constant or
 * initializer, raw_data or float_data) so the frontend sees every path. */
static const char *weight(struct mk *k, const char *name, int rank,
                          const int64_t *dims, const float *data)
{
    unsigned i = k->nweights++;
    og_where where = (i & 1) ? OG_INITIALIZER : OG_CONSTANT;
    og_store store = (i & 2) ? OG_TYPED : OG_RAW;
    return og_weight(k->m, where,
                     og_tensor_f32(k->m, name, rank, dims, data, store));
}

/* A rank-0 Constant, as paddle2onnx writes its helper constants. */
static const char *scalar(struct mk *k, const char *name, float v)
{
    return og_weight(k->m, OG_CONSTANT,
                     og_tensor_f32(k->m, name, 0, NULL, &v, OG_RAW));
}

static const char *out_of(struct mk *k, const char *node)
{
    return og_fmt(k->m, "%s.y", node);
}

static void std_input(struct mk *k)
{
    og_input(k->m, "x", 4,
             (og_dim[]){OG_SYM("N"), OG_FIX(3), OG_SYM("H"), OG_SYM("W")});
}

/* Output dims get names of their own, as paddle2onnx does: the spatial
 * extents are not the input's. */
static void std_output(struct mk *k, const char *name, int64_t c)
{
    og_output(k->m, name, 4,
              (og_dim[]){OG_SYM("out_N"), OG_FIX(c), OG_SYM("out_H"),
                         OG_SYM("out_W")});
}

static void conv_attrs(struct mk *k, Onnx__NodeProto *n, int kh, int kw,
                       int stride, int group, const int64_t pads[4])
{
    og_attr_ints(k->m, n, "dilations", 2, DIMS(1, 1));
    og_attr_ints(k->m, n, "kernel_shape", 2, DIMS(kh, kw));
    og_attr_ints(k->m, n, "strides", 2, DIMS(stride, stride));
    og_attr_int(k->m, n, "group", group);
    if (pads)
        og_attr_ints(k->m, n, "pads", 4, pads);
}

/* Conv with symmetric padding (k-1)/2. */
static const char *conv(struct mk *k, const char *name, const char *x, int cin,
                        int cout, int ksize, int stride, int group, bool bias)
{
    int fan_in = cin / group * ksize * ksize;
    float bound = weight_bound(fan_in);
    const char *w = weight(k, og_fmt(k->m, "%s.w", name), 4,
                           DIMS(cout, cin / group, ksize, ksize),
                           rand_array(k, (size_t)cout * (cin / group) * ksize * ksize,
                                      -bound, bound));
    const char *b = "";
    if (bias) {
        float bb = 1.0f / sqrtf((float)fan_in);
        b = weight(k, og_fmt(k->m, "%s.b", name), 1, DIMS(cout),
                   rand_array(k, (size_t)cout, -bb, bb));
    }
    const char *y = out_of(k, name);
    Onnx__NodeProto *n = og_node(k->m, "Conv", name,
                                 bias ? OG_LIST(x, w, b) : OG_LIST(x, w),
                                 OG_LIST(y));
    int64_t p = (ksize - 1) / 2;
    conv_attrs(k, n, ksize, ksize, stride, group, DIMS(p, p, p, p));
    return y;
}

static const char *batchnorm(struct mk *k, const char *name, const char *x,
                             int c)
{
    float bstd = 0.1f * STD_TO_BOUND;
    const char *in[6] = {x};
    in[1] = weight(k, og_fmt(k->m, "%s.scale", name), 1, DIMS(c),
                   rand_array(k, (size_t)c, 0.7f, 1.3f));
    in[2] = weight(k, og_fmt(k->m, "%s.bias", name), 1, DIMS(c),
                   rand_array(k, (size_t)c, -bstd, bstd));
    in[3] = weight(k, og_fmt(k->m, "%s.mean", name), 1, DIMS(c),
                   rand_array(k, (size_t)c, -bstd, bstd));
    in[4] = weight(k, og_fmt(k->m, "%s.var", name), 1, DIMS(c),
                   rand_array(k, (size_t)c, 0.5f, 1.5f));
    const char *y = out_of(k, name);
    Onnx__NodeProto *n =
        og_node(k->m, "BatchNormalization", name, in, OG_LIST(y));
    og_attr_float(k->m, n, "epsilon", 1e-5f);
    og_attr_float(k->m, n, "momentum", 0.9f);
    return y;
}

static const char *unary(struct mk *k, const char *op, const char *name,
                         const char *x)
{
    const char *y = out_of(k, name);
    og_node(k->m, op, name, OG_LIST(x), OG_LIST(y));
    return y;
}

static const char *binary(struct mk *k, const char *op, const char *name,
                          const char *a, const char *b)
{
    const char *y = out_of(k, name);
    og_node(k->m, op, name, OG_LIST(a, b), OG_LIST(y));
    return y;
}

/* hardswish the way paddle2onnx writes it for opset < 14:
 * x * Clip(x + 3, 0, 6) / 6, with the bounds as Clip inputs. */
static const char *hardswish_p2o(struct mk *k, const char *name, const char *x)
{
    og_model *m = k->m;
    const char *t = binary(k, "Add", og_fmt(m, "%s.add", name), x,
                           scalar(k, og_fmt(m, "%s.three", name), 3.0f));
    const char *lo = scalar(k, og_fmt(m, "%s.min", name), 0.0f);
    const char *hi = scalar(k, og_fmt(m, "%s.max", name), 6.0f);
    const char *c = out_of(k, og_fmt(m, "%s.clip", name));
    og_node(m, "Clip", og_fmt(m, "%s.clip", name), OG_LIST(t, lo, hi),
            OG_LIST(c));
    t = binary(k, "Mul", og_fmt(m, "%s.mul", name), x, c);
    return binary(k, "Div", og_fmt(m, "%s.div", name), t,
                  scalar(k, og_fmt(m, "%s.six", name), 6.0f));
}

typedef enum { ACT_NONE, ACT_RELU, ACT_HARDSWISH } act_kind;

static const char *activation(struct mk *k, act_kind act, const char *name,
                              const char *x)
{
    switch (act) {
    case ACT_RELU:
        return unary(k, "Relu", og_fmt(k->m, "%s.relu", name), x);
    case ACT_HARDSWISH:
        return hardswish_p2o(k, og_fmt(k->m, "%s.hswish", name), x);
    case ACT_NONE:
        break;
    }
    return x;
}

/* Paddle's ConvBNLayer: conv without bias, BatchNorm, optional activation. */
static const char *conv_bn_act(struct mk *k, const char *name, const char *x,
                               int cin, int cout, int ksize, int stride,
                               int group, act_kind act)
{
    const char *y = conv(k, og_fmt(k->m, "%s.conv", name), x, cin, cout,
                         ksize, stride, group, false);
    y = batchnorm(k, og_fmt(k->m, "%s.bn", name), y, cout);
    return activation(k, act, name, y);
}

static const char *hardsigmoid(struct mk *k, const char *name, const char *x,
                               float alpha, float beta)
{
    const char *y = out_of(k, name);
    Onnx__NodeProto *n =
        og_node(k->m, "HardSigmoid", name, OG_LIST(x), OG_LIST(y));
    og_attr_float(k->m, n, "alpha", alpha);
    og_attr_float(k->m, n, "beta", beta);
    return y;
}

/* PaddleOCR SEModule: x * hardsigmoid(conv(relu(conv(gap(x))))), reduction
 * 4, hardsigmoid slope 0.2 offset 0.5 (det_mv3_db's version). */
static const char *se_block(struct mk *k, const char *name, const char *x,
                            int c)
{
    og_model *m = k->m;
    const char *s = unary(k, "GlobalAveragePool", og_fmt(m, "%s.gap", name), x);
    s = conv(k, og_fmt(m, "%s.conv1", name), s, c, c / 4, 1, 1, 1, true);
    s = unary(k, "Relu", og_fmt(m, "%s.relu", name), s);
    s = conv(k, og_fmt(m, "%s.conv2", name), s, c / 4, c, 1, 1, 1, true);
    s = hardsigmoid(k, og_fmt(m, "%s.hsig", name), s, 0.2f, 0.5f);
    return binary(k, "Mul", og_fmt(m, "%s.mul", name), x, s);
}

/* Nearest upsampling as paddle2onnx writes it at opset 11: Resize with an
 * empty roi Constant and a scales Constant. */
static const char *upsample(struct mk *k, const char *name, const char *x,
                            float scale)
{
    og_model *m = k->m;
    const char *roi = og_weight(m, OG_CONSTANT,
                                og_tensor_f32(m, og_fmt(m, "%s.roi", name), 1,
                                              DIMS(0), NULL, OG_RAW));
    const char *scales = og_weight(
        m, OG_CONSTANT,
        og_tensor_f32(m, og_fmt(m, "%s.scales", name), 1, DIMS(4),
                      FLOATS(1.0f, 1.0f, scale, scale), OG_RAW));
    const char *y = out_of(k, name);
    Onnx__NodeProto *n =
        og_node(m, "Resize", name, OG_LIST(x, roi, scales), OG_LIST(y));
    og_attr_string(m, n, "mode", "nearest");
    og_attr_string(m, n, "coordinate_transformation_mode", "asymmetric");
    og_attr_string(m, n, "nearest_mode", "floor");
    return y;
}

/* ConvTranspose, W [cin, cout/group, k, k]. An output pixel sees
 * cin/group * k*k / s^2 inputs: that is the fan-in. */
static const char *conv_transpose(struct mk *k, const char *name,
                                  const char *x, int cin, int cout, int ksize,
                                  int stride, int pad, int out_pad, int group,
                                  const char *bias)
{
    float bound = weight_bound(cin / group * ksize * ksize / (stride * stride));
    const char *w = weight(k, og_fmt(k->m, "%s.w", name), 4,
                           DIMS(cin, cout / group, ksize, ksize),
                           rand_array(k, (size_t)cin * (cout / group) * ksize * ksize,
                                      -bound, bound));
    const char *y = out_of(k, name);
    Onnx__NodeProto *n = og_node(k->m, "ConvTranspose", name,
                                 bias ? OG_LIST(x, w, bias) : OG_LIST(x, w),
                                 OG_LIST(y));
    conv_attrs(k, n, ksize, ksize, stride, group,
               DIMS(pad, pad, pad, pad));
    if (out_pad)
        og_attr_ints(k->m, n, "output_padding", 2, DIMS(out_pad, out_pad));
    return y;
}

static const char *bias_vector(struct mk *k, const char *name, int c,
                               int fan_in)
{
    float b = 1.0f / sqrtf((float)fan_in);
    return weight(k, name, 1, DIMS(c), rand_array(k, (size_t)c, -b, b));
}

/* ---- det_mv3_db: PaddleOCR configs/det/det_mv3_db.yml ---- */

/* ppocr/modeling/backbones/det_mobilenet_v3.py make_divisible(v, 8). */
static int make_divisible(double v)
{
    int d = 8;
    int nv = (int)(v + d / 2.0) / d * d;
    if (nv < d)
        nv = d;
    if (nv < 0.9 * v)
        nv += d;
    return nv;
}

static const struct {
    int k, exp, c;
    bool se;
    act_kind act;
    int s;
} mv3_large[15] = {
    {3, 16, 16, false, ACT_RELU, 1},       {3, 64, 24, false, ACT_RELU, 2},
    {3, 72, 24, false, ACT_RELU, 1},       {5, 72, 40, true, ACT_RELU, 2},
    {5, 120, 40, true, ACT_RELU, 1},       {5, 120, 40, true, ACT_RELU, 1},
    {3, 240, 80, false, ACT_HARDSWISH, 2}, {3, 200, 80, false, ACT_HARDSWISH, 1},
    {3, 184, 80, false, ACT_HARDSWISH, 1}, {3, 184, 80, false, ACT_HARDSWISH, 1},
    {3, 480, 112, true, ACT_HARDSWISH, 1}, {3, 672, 112, true, ACT_HARDSWISH, 1},
    {5, 672, 160, true, ACT_HARDSWISH, 2}, {5, 960, 160, true, ACT_HARDSWISH, 1},
    {5, 960, 160, true, ACT_HARDSWISH, 1},
};

static const char *residual_unit(struct mk *k, const char *name, const char *x,
                                 int cin, int mid, int cout, int ksize,
                                 int stride, bool se, act_kind act)
{
    og_model *m = k->m;
    const char *y = conv_bn_act(k, og_fmt(m, "%s_expand", name), x, cin, mid,
                                1, 1, 1, act);
    y = conv_bn_act(k, og_fmt(m, "%s_depthwise", name), y, mid, mid, ksize,
                    stride, mid, act);
    if (se)
        y = se_block(k, og_fmt(m, "%s_se", name), y, mid);
    y = conv_bn_act(k, og_fmt(m, "%s_linear", name), y, mid, cout, 1, 1, 1,
                    ACT_NONE);
    if (stride == 1 && cin == cout)
        y = binary(k, "Add", og_fmt(m, "%s_add", name), x, y);
    return y;
}

/* DBHead's binarize branch (the only one at inference). The first
 * ConvTranspose's bias is a separate Add of a [1,C,1,1] tensor, as
 * paddle2onnx writes it; the second one takes its bias as input 2. */
static const char *db_head(struct mk *k, const char *x, int cin)
{
    og_model *m = k->m;
    int c = cin / 4;
    const char *y = conv(k, "binarize_conv1", x, cin, c, 3, 1, 1, false);
    y = batchnorm(k, "binarize_bn1", y, c);
    y = unary(k, "Relu", "binarize_relu1", y);
    y = conv_transpose(k, "binarize_conv2", y, c, c, 2, 2, 0, 0, 1, NULL);
    float bb = 1.0f / sqrtf((float)c);
    const char *b = weight(k, "binarize_conv2.b", 4, DIMS(1, c, 1, 1),
                           rand_array(k, (size_t)c, -bb, bb));
    y = binary(k, "Add", "binarize_conv2_bias", y, b);
    y = batchnorm(k, "binarize_bn2", y, c);
    y = unary(k, "Relu", "binarize_relu2", y);
    y = conv_transpose(k, "binarize_conv3", y, c, 1, 2, 2, 0, 0, 1,
                       bias_vector(k, "binarize_conv3.b", 1, c));
    og_node(m, "Sigmoid", "binarize_sigmoid", OG_LIST(y), OG_LIST("maps"));
    return "maps";
}

static int r_det_mv3_db(struct mk *k)
{
    const double scale = 0.5;
    const int fpn = 96;
    og_model *m = k->m = og_new(11, "det_mv3_db");
    std_input(k);

    int inplanes = make_divisible(16 * scale);
    const char *y =
        conv_bn_act(k, "conv1", "x", 3, inplanes, 3, 2, 1, ACT_HARDSWISH);
    const char *stage[4];
    int stage_c[4], nstage = 0;
    for (int i = 0; i < 15; i++) {
        if (mv3_large[i].s == 2 && i > 2) {
            stage[nstage] = y;
            stage_c[nstage++] = inplanes;
        }
        int mid = make_divisible(scale * mv3_large[i].exp);
        int cout = make_divisible(scale * mv3_large[i].c);
        y = residual_unit(k, og_fmt(m, "conv%d", i + 2), y, inplanes, mid, cout,
                          mv3_large[i].k, mv3_large[i].s, mv3_large[i].se,
                          mv3_large[i].act);
        inplanes = cout;
    }
    int last = make_divisible(scale * 960);
    stage[3] = conv_bn_act(k, "conv_last", y, inplanes, last, 1, 1, 1,
                           ACT_HARDSWISH);
    stage_c[3] = last;

    /* DBFPN: c2..c5 are 1/4, 1/8, 1/16, 1/32 of the input. */
    const char *in[4], *p[4];
    for (int i = 0; i < 4; i++)
        in[i] = conv(k, og_fmt(m, "in%d_conv", i + 2), stage[i], stage_c[i],
                     fpn, 1, 1, 1, false);
    const char *out[4];
    out[3] = in[3];
    for (int i = 2; i >= 0; i--)
        out[i] = binary(k, "Add", og_fmt(m, "fpn_add%d", i + 2), in[i],
                        upsample(k, og_fmt(m, "fpn_up%d", i + 3), out[i + 1],
                                 2.0f));
    for (int i = 0; i < 4; i++) {
        p[i] = conv(k, og_fmt(m, "p%d_conv", i + 2), out[i], fpn, fpn / 4, 3,
                    1, 1, false);
        if (i > 0)
            p[i] = upsample(k, og_fmt(m, "p%d_up", i + 2), p[i],
                            (float)(1 << i));
    }
    const char *fuse = "fpn_fuse";
    Onnx__NodeProto *cat = og_node(m, "Concat", "fpn_concat",
                                   OG_LIST(p[3], p[2], p[1], p[0]),
                                   OG_LIST(fuse));
    og_attr_int(m, cat, "axis", 1);

    std_output(k, db_head(k, fuse, fpn), 1);
    return 0;
}

/* ---- Small op models ---- */

static int r_conv_bn_relu(struct mk *k)
{
    k->m = og_new(11, "conv_bn_relu");
    std_input(k);
    const char *y = conv(k, "conv", "x", 3, 8, 3, 1, 1, true);
    y = batchnorm(k, "bn", y, 8);
    og_node(k->m, "Relu", "relu", OG_LIST(y), OG_LIST("y"));
    std_output(k, "y", 8);
    return 0;
}

/* A detector that works, made by hand: conv1 (7x7, 3 -> 8) whose channel 0
 * finds dark strokes (x normalised as DB's pre-processing does, so text is
 * negative) with small weights, channels 1..7 large random filters that
 * conv2 (1x1, 8 -> 1) all but ignores, then Sigmoid: text comes out near 1, the
 * background near 0. Pruning half of conv1's channels by L1 norm removes
 * the only one that matters (the model then finds nothing); choosing by
 * their effect on the output (recon) keeps it. */
static int r_fragile_det(struct mk *k)
{
    enum { K = 7, TAPS = 3 * K * K };
    k->m = og_new(11, "fragile_det");
    std_input(k);
    float w1[8 * TAPS], b1[8] = {4}, w2[8] = {20}, b2[1] = {-4};
    for (int c = 0; c < 8; c++) {
        for (int i = 0; i < TAPS; i++)
            w1[TAPS * c + i] = c ? og_rng_uniform(&k->rng, -1, 1) : -0.02f;
        if (c) w2[c] = 0.001f; /* read, so that no pass removes them as dead */
    }
    const char *w = weight(k, "conv1.w", 4, DIMS(8, 3, K, K), w1);
    const char *b = weight(k, "conv1.b", 1, DIMS(8), b1);
    Onnx__NodeProto *n = og_node(k->m, "Conv", "conv1", OG_LIST("x", w, b), OG_LIST("conv1.y"));
    conv_attrs(k, n, K, K, 1, 1, DIMS(K / 2, K / 2, K / 2, K / 2));
    og_node(k->m, "Relu", "relu1", OG_LIST("conv1.y"), OG_LIST("relu1.y"));
    w = weight(k, "conv2.w", 4, DIMS(1, 8, 1, 1), w2);
    b = weight(k, "conv2.b", 1, DIMS(1), b2);
    n = og_node(k->m, "Conv", "conv2", OG_LIST("relu1.y", w, b), OG_LIST("conv2.y"));
    conv_attrs(k, n, 1, 1, 1, 1, NULL);
    og_node(k->m, "Sigmoid", "sigmoid", OG_LIST("conv2.y"), OG_LIST("y"));
    std_output(k, "y", 1);
    return 0;
}

static int r_hardswish_pattern(struct mk *k)
{
    k->m = og_new(11, "hardswish_pattern");
    std_input(k);
    const char *y = conv(k, "conv", "x", 3, 8, 3, 2, 1, false);
    y = batchnorm(k, "bn", y, 8);
    std_output(k, hardswish_p2o(k, "hswish", y), 8);
    return 0;
}

/* Clip-6, the operator version whose bounds are attributes, which holds
 * from opset 6 to 10; written at opset 10 (ORT guarantees opsets >= 7 only).
 * The second Clip has only "max", so its min is -inf. */
static int r_clip_attr_opset6(struct mk *k)
{
    og_model *m = k->m = og_new(10, "clip_attr_opset6");
    std_input(k);
    const char *y = conv(k, "conv1", "x", 3, 8, 3, 1, 1, true);
    Onnx__NodeProto *n =
        og_node(m, "Clip", "clip1", OG_LIST(y), OG_LIST("clip1.y"));
    og_attr_float(m, n, "min", -1.0f);
    og_attr_float(m, n, "max", 1.0f);
    y = conv(k, "conv2", "clip1.y", 8, 4, 1, 1, 1, true);
    n = og_node(m, "Clip", "clip2", OG_LIST(y), OG_LIST("y"));
    og_attr_float(m, n, "max", 0.5f);
    std_output(k, "y", 4);
    return 0;
}

static int r_resize_scales(struct mk *k)
{
    k->m = og_new(11, "resize_scales");
    std_input(k);
    const char *y = conv(k, "conv", "x", 3, 4, 3, 2, 1, true);
    y = upsample(k, "up2", y, 2.0f);
    std_output(k, upsample(k, "up4", y, 4.0f), 4);
    return 0;
}

/* Upsample-9: scales is an input (an initializer here), mode nearest. */
static int r_upsample_opset9(struct mk *k)
{
    og_model *m = k->m = og_new(9, "upsample_opset9");
    std_input(k);
    const char *y = conv(k, "conv", "x", 3, 4, 3, 1, 1, true);
    const char *scales = og_weight(
        m, OG_INITIALIZER,
        og_tensor_f32(m, "up.scales", 1, DIMS(4),
                      FLOATS(1.0f, 1.0f, 2.0f, 2.0f), OG_RAW));
    Onnx__NodeProto *n =
        og_node(m, "Upsample", "up", OG_LIST(y, scales), OG_LIST("y"));
    og_attr_string(m, n, "mode", "nearest");
    std_output(k, "y", 4);
    return 0;
}

/* Two ConvTransposes with a bias input: 2x2 stride 2, then 3x3 stride 2
 * pad 1 output_padding 1 with 2 groups (both exactly double H and W). */
static int r_convtranspose_bias(struct mk *k)
{
    k->m = og_new(11, "convtranspose_bias");
    std_input(k);
    const char *y = conv_transpose(k, "ct1", "x", 3, 4, 2, 2, 0, 0, 1,
                                   bias_vector(k, "ct1.b", 4, 3));
    y = conv_transpose(k, "ct2", y, 4, 4, 3, 2, 1, 1, 2,
                       bias_vector(k, "ct2.b", 4, 18));
    std_output(k, y, 4);
    return 0;
}

static int r_concat_se(struct mk *k)
{
    og_model *m = k->m = og_new(11, "concat_se");
    std_input(k);
    const char *a = conv(k, "conv_a", "x", 3, 16, 3, 1, 1, true);
    a = se_block(k, "se", a, 16);
    const char *b = conv(k, "conv_b", "x", 3, 8, 1, 1, 1, false);
    Onnx__NodeProto *n = og_node(m, "Concat", "concat", OG_LIST(a, b, "x"),
                                 OG_LIST("y"));
    og_attr_int(m, n, "axis", 1);
    std_output(k, "y", 27);
    return 0;
}

/* The conv's weight is Mul(Constant, initializer) and its bias
 * Add(initializer, Constant): constant subgraphs that must fold away. */
static int r_const_fold(struct mk *k)
{
    og_model *m = k->m = og_new(11, "const_fold");
    std_input(k);
    float bound = weight_bound(27);
    const char *w0 = og_weight(
        m, OG_CONSTANT,
        og_tensor_f32(m, "w0", 4, DIMS(8, 3, 3, 3),
                      rand_array(k, 8 * 27, -bound, bound), OG_RAW));
    const char *gain = og_weight(
        m, OG_INITIALIZER,
        og_tensor_f32(m, "gain", 4, DIMS(8, 1, 1, 1),
                      rand_array(k, 8, 0.5f, 1.5f), OG_TYPED));
    const char *w = binary(k, "Mul", "w_scaled", w0, gain);
    const char *b0 = og_weight(
        m, OG_INITIALIZER,
        og_tensor_f32(m, "b0", 1, DIMS(8), rand_array(k, 8, -0.2f, 0.2f),
                      OG_RAW));
    const char *b = binary(k, "Add", "b_sum", b0,
                           scalar(k, "b_offset", 0.25f));
    Onnx__NodeProto *n =
        og_node(m, "Conv", "conv", OG_LIST("x", w, b), OG_LIST("y"));
    conv_attrs(k, n, 3, 3, 1, 1, DIMS(1, 1, 1, 1));
    std_output(k, "y", 8);
    return 0;
}

static int r_identity_chain(struct mk *k)
{
    k->m = og_new(11, "identity_chain");
    std_input(k);
    const char *y = unary(k, "Identity", "id1", "x");
    y = unary(k, "Identity", "id2", y);
    y = conv(k, "conv", y, 3, 4, 3, 1, 1, true);
    y = unary(k, "Identity", "id3", y);
    og_node(k->m, "Identity", "id4", OG_LIST(y), OG_LIST("y"));
    std_output(k, "y", 4);
    return 0;
}

/* conv_b -> sigmoid feeds nothing and is no graph output. */
static int r_dead_branch(struct mk *k)
{
    k->m = og_new(11, "dead_branch");
    std_input(k);
    const char *y = conv(k, "conv_a", "x", 3, 4, 3, 1, 1, true);
    og_node(k->m, "Relu", "relu", OG_LIST(y), OG_LIST("y"));
    const char *d = conv(k, "conv_b", "x", 3, 4, 1, 1, 1, true);
    unary(k, "Sigmoid", "unused_sigmoid", d);
    std_output(k, "y", 4);
    return 0;
}

/* SAME_UPPER with stride 2 pads an even H by 0 on top and 1 at the bottom;
 * SAME_LOWER with a 2x2 kernel pads 1 on top, 0 at the bottom. No pads
 * attribute. */
static int r_auto_pad_same(struct mk *k)
{
    og_model *m = k->m = og_new(11, "auto_pad_same");
    std_input(k);
    float b1 = weight_bound(27), b2 = weight_bound(32);
    const char *w1 = weight(k, "conv1.w", 4, DIMS(8, 3, 3, 3),
                            rand_array(k, 8 * 27, -b1, b1));
    Onnx__NodeProto *n =
        og_node(m, "Conv", "conv1", OG_LIST("x", w1), OG_LIST("conv1.y"));
    conv_attrs(k, n, 3, 3, 2, 1, NULL);
    og_attr_string(m, n, "auto_pad", "SAME_UPPER");
    const char *w2 = weight(k, "conv2.w", 4, DIMS(4, 8, 2, 2),
                            rand_array(k, 4 * 32, -b2, b2));
    n = og_node(m, "Conv", "conv2", OG_LIST("conv1.y", w2), OG_LIST("y"));
    conv_attrs(k, n, 2, 2, 1, 1, NULL);
    og_attr_string(m, n, "auto_pad", "SAME_LOWER");
    std_output(k, "y", 4);
    return 0;
}

/* ---- External data ---- */

static char *side_path(struct mk *k, const char *name)
{
    return og_fmt(k->m, "%s/%s", k->dir, name);
}

static int write_side(struct mk *k, const char *name, const void *data,
                      size_t size)
{
    char *path = side_path(k, name);
    if (og_write_file(path, data, size) != 0) {
        fprintf(stderr, "mkmodel: %s: %s\n", path, strerror(errno));
        return -1;
    }
    return 0;
}

/* x -> Conv 3->4 3x3 (weight, optional bias) -> y, the base that the
 * external-data and bad recipes change. Returns the Conv node and its
 * tensors (placed where asked). */
static Onnx__NodeProto *one_conv(struct mk *k, const char *name,
                                 og_where where, int stride,
                                 Onnx__TensorProto **w, Onnx__TensorProto **b)
{
    og_model *m = k->m = og_new(11, name);
    std_input(k);
    float bound = weight_bound(27);
    *w = og_tensor_f32(m, "conv.w", 4, DIMS(4, 3, 3, 3),
                       rand_array(k, 4 * 27, -bound, bound), OG_RAW);
    og_weight(m, where, *w);
    if (b) {
        *b = og_tensor_f32(m, "conv.b", 1, DIMS(4),
                           rand_array(k, 4, -0.2f, 0.2f), OG_TYPED);
        og_weight(m, where, *b);
    }
    Onnx__NodeProto *n =
        og_node(m, "Conv", "conv",
                b ? OG_LIST("x", "conv.w", "conv.b") : OG_LIST("x", "conv.w"),
                OG_LIST("y"));
    conv_attrs(k, n, 3, 3, stride, 1, DIMS(1, 1, 1, 1));
    std_output(k, "y", 4);
    return n;
}

/* Weight and bias in OUT's stem + ".bin": the weight at offset 0 with no
 * offset entry, the (float_data) bias at offset 512, leaving a gap. */
static int r_external_ok(struct mk *k)
{
    Onnx__TensorProto *w, *b;
    one_conv(k, "external_ok", OG_INITIALIZER, 1, &w, &b);
    const char *file = og_fmt(k->m, "%s.bin", k->stem);
    size_t wsize, bsize;
    const uint8_t *wb = og_externalize(k->m, w, file, -1, &wsize);
    const uint8_t *bb = og_externalize(k->m, b, file, 512, &bsize);
    uint8_t side[512 + 16] = {0}; /* wsize is 432, bsize 16 */
    memcpy(side, wb, wsize);
    memcpy(side + 512, bb, bsize);
    return write_side(k, file, side, sizeof side);
}

/* The bias (16 bytes) of a valid conv model comes from an external
 * location the frontend must refuse. */
static void external_bad(struct mk *k, const char *location)
{
    Onnx__TensorProto *w, *b;
    one_conv(k, k->stem, OG_INITIALIZER, 1, &w, &b);
    size_t size;
    og_externalize(k->m, b, location, 0, &size);
}

static int r_bad_external_escape(struct mk *k)
{
    external_bad(k, "../secret.bin");
    return 0;
}

static int r_bad_external_abs(struct mk *k)
{
    external_bad(k, "/etc/passwd");
    return 0;
}

/* OUT's stem + ".bin" is a symlink to /etc/passwd, which holds more than
 * the 16 bytes asked for, so only the link itself can make the load fail. */
static int r_bad_external_symlink(struct mk *k)
{
    char location[1100];
    snprintf(location, sizeof location, "%s.bin", k->stem);
    external_bad(k, location);
    char *link = side_path(k, location);
    if ((unlink(link) != 0 && errno != ENOENT) ||
        symlink("/etc/passwd", link) != 0) {
        fprintf(stderr, "mkmodel: %s: %s\n", link, strerror(errno));
        return -1;
    }
    return 0;
}

/* ---- Bad models ---- */

static int r_bad_unknown_op(struct mk *k)
{
    Onnx__TensorProto *w;
    Onnx__NodeProto *n = one_conv(k, "bad_unknown_op", OG_CONSTANT, 1, &w, NULL);
    n->output[0] = "conv.y";
    og_node(k->m, "FooBar", "foo", OG_LIST("conv.y"), OG_LIST("y"));
    return 0;
}

static int r_bad_stride0(struct mk *k)
{
    Onnx__TensorProto *w;
    one_conv(k, "bad_stride0", OG_CONSTANT, 0, &w, NULL);
    return 0;
}

static int r_bad_negative_dim(struct mk *k)
{
    Onnx__TensorProto *w;
    one_conv(k, "bad_negative_dim", OG_CONSTANT, 1, &w, NULL);
    w->dims[0] = -4;
    return 0;
}

/* 2^32 * 2^32 * 3 * 3 overflows int64; raw_data keeps its real 432 bytes. */
static int r_bad_overflow_dim(struct mk *k)
{
    Onnx__TensorProto *w;
    one_conv(k, "bad_overflow_dim", OG_CONSTANT, 1, &w, NULL);
    w->dims[0] = (int64_t)1 << 32;
    w->dims[1] = (int64_t)1 << 32;
    return 0;
}

static int r_bad_short_weights(struct mk *k)
{
    Onnx__TensorProto *w;
    one_conv(k, "bad_short_weights", OG_CONSTANT, 1, &w, NULL);
    w->raw_data.len /= 2;
    return 0;
}

/* a = Relu(b), b = Relu(a); y = Add(x, a). */
static int r_bad_cycle(struct mk *k)
{
    k->m = og_new(11, "bad_cycle");
    std_input(k);
    og_node(k->m, "Relu", "relu_a", OG_LIST("b"), OG_LIST("a"));
    og_node(k->m, "Relu", "relu_b", OG_LIST("a"), OG_LIST("b"));
    og_node(k->m, "Add", "add", OG_LIST("x", "a"), OG_LIST("y"));
    std_output(k, "y", 3);
    return 0;
}

/* Two nodes write "t". */
static int r_bad_duplicate_name(struct mk *k)
{
    k->m = og_new(11, "bad_duplicate_name");
    std_input(k);
    og_node(k->m, "Relu", "relu", OG_LIST("x"), OG_LIST("t"));
    og_node(k->m, "Sigmoid", "sigmoid", OG_LIST("x"), OG_LIST("t"));
    og_node(k->m, "Identity", "out", OG_LIST("t"), OG_LIST("y"));
    std_output(k, "y", 3);
    return 0;
}

/* An initializer and a node output are both named "t". */
static int r_bad_duplicate_init(struct mk *k)
{
    k->m = og_new(11, "bad_duplicate_init");
    std_input(k);
    og_initializer(k->m, og_tensor_f32(k->m, "t", 1, DIMS(1), FLOATS(1.0f),
                                       OG_RAW));
    og_node(k->m, "Relu", "relu", OG_LIST("x"), OG_LIST("t"));
    og_node(k->m, "Identity", "out", OG_LIST("t"), OG_LIST("y"));
    std_output(k, "y", 3);
    return 0;
}

static int r_bad_undefined_input(struct mk *k)
{
    k->m = og_new(11, "bad_undefined_input");
    std_input(k);
    og_node(k->m, "Add", "add", OG_LIST("x", "nowhere"), OG_LIST("y"));
    std_output(k, "y", 3);
    return 0;
}

/* Input x is also the output; there are no nodes. */
static int r_bad_empty_graph(struct mk *k)
{
    k->m = og_new(11, "bad_empty_graph");
    std_input(k);
    og_output(k->m, "x", 4,
              (og_dim[]){OG_SYM("N"), OG_FIX(3), OG_SYM("H"), OG_SYM("W")});
    return 0;
}

/* The attribute of n named name (which the recipe set). */
static Onnx__AttributeProto *find_attr(Onnx__NodeProto *n, const char *name)
{
    for (size_t i = 0; i < n->n_attribute; i++)
        if (!strcmp(n->attribute[i]->name, name))
            return n->attribute[i];
    abort();
}

/* The conv gets a second output before anything reads it. */
static int r_bad_two_outputs(struct mk *k)
{
    Onnx__TensorProto *w;
    Onnx__NodeProto *n = one_conv(k, "bad_two_outputs", OG_CONSTANT, 1, &w, NULL);
    const char **out = og_alloc(k->m, 2 * sizeof *out);
    out[0] = "y";
    out[1] = "y2";
    n->output = (char **)out;
    n->n_output = 2;
    return 0;
}

/* A Relu with 100000 outputs. */
static int r_bad_many_outputs(struct mk *k)
{
    k->m = og_new(11, "bad_many_outputs");
    std_input(k);
    Onnx__NodeProto *n = og_node(k->m, "Relu", "relu", OG_LIST("x"), OG_LIST("y"));
    enum { NOUT = 100000 };
    char **out = og_alloc(k->m, NOUT * sizeof *out);
    out[0] = "y";
    for (int i = 1; i < NOUT; i++)
        out[i] = og_fmt(k->m, "y%d", i);
    n->output = out;
    n->n_output = NOUT;
    std_output(k, "y", 3);
    return 0;
}

/* x -> ConvTranspose 3->4, 3x3, whose `attr` is set to {v0, v1}. */
static int huge_conv_attr(struct mk *k, const char *op, const char *attr,
                          int64_t v0, int64_t v1)
{
    k->m = og_new(11, k->stem);
    std_input(k);
    bool transpose = !strcmp(op, "ConvTranspose");
    const char *w = weight(k, "conv.w", 4, transpose ? DIMS(3, 4, 3, 3) : DIMS(4, 3, 3, 3),
                           rand_array(k, 4 * 27, -0.2f, 0.2f));
    Onnx__NodeProto *n = og_node(k->m, op, "conv", OG_LIST("x", w), OG_LIST("y"));
    conv_attrs(k, n, 3, 3, 1, 1, DIMS(1, 1, 1, 1));
    Onnx__AttributeProto *a = find_attr(n, attr);
    a->ints[0] = v0;
    a->ints[1] = v1;
    std_output(k, "y", 4);
    return 0;
}

static int r_bad_convt_dilation(struct mk *k)
{
    return huge_conv_attr(k, "ConvTranspose", "dilations", (int64_t)1 << 62, 1);
}

static int r_bad_conv_dilation(struct mk *k)
{
    return huge_conv_attr(k, "Conv", "dilations", INT64_MAX, 1);
}

static int r_bad_convt_stride(struct mk *k)
{
    return huge_conv_attr(k, "ConvTranspose", "strides", (int64_t)1 << 62, 2);
}

/* 64 stride-2 ConvTransposes: each attribute in range, the extent not. */
static int r_bad_convt_growth(struct mk *k)
{
    k->m = og_new(11, "bad_convt_growth");
    std_input(k);
    const char *y = "x";
    for (int i = 0; i < 64; i++)
        y = conv_transpose(k, og_fmt(k->m, "ct%d", i), y, 3, 3, 2, 2, 0, 0, 1, NULL);
    std_output(k, y, 3);
    return 0;
}

/* group as a float attribute (ONNX Runtime refuses the model). */
static int r_bad_group_float(struct mk *k)
{
    Onnx__TensorProto *w;
    Onnx__NodeProto *n = one_conv(k, "bad_group_float", OG_CONSTANT, 1, &w, NULL);
    Onnx__AttributeProto *a = find_attr(n, "group");
    a->has_i = 0;
    a->i = 0;
    a->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT;
    a->has_f = 1;
    a->f = 1.0f;
    return 0;
}

/* auto_pad SAME_UPPER with dilation 2 (ONNX Runtime refuses it). */
static int r_bad_same_dilation(struct mk *k)
{
    Onnx__TensorProto *w;
    Onnx__NodeProto *n = one_conv(k, "bad_same_dilation", OG_CONSTANT, 1, &w, NULL);
    find_attr(n, "dilations")->ints[0] = 2;
    og_attr_string(k->m, n, "auto_pad", "SAME_UPPER");
    return 0;
}

/* auto_pad "" means NOTSET: the explicit pads apply. */
static int r_auto_pad_empty(struct mk *k)
{
    Onnx__TensorProto *w;
    Onnx__NodeProto *n = one_conv(k, "auto_pad_empty", OG_CONSTANT, 1, &w, NULL);
    og_attr_string(k->m, n, "auto_pad", "");
    return 0;
}

/* x -> 100000 Identity nodes -> y, for the importer's and the passes'
 * running time on long graphs (they must be linear, or close). */
static int r_identity_chain_100k(struct mk *k)
{
    k->m = og_new(11, "identity_chain_100k");
    std_input(k);
    const char *y = "x";
    for (int i = 0; i < 100000 - 1; i++)
        y = unary(k, "Identity", og_fmt(k->m, "id%d", i), y);
    og_node(k->m, "Identity", "last", OG_LIST(y), OG_LIST("y"));
    og_output(k->m, "y", 4,
              (og_dim[]){OG_SYM("N"), OG_FIX(3), OG_SYM("H"), OG_SYM("W")});
    return 0;
}

static int r_bad_truncated(struct mk *k)
{
    int rc = r_conv_bn_relu(k);
    size_t size;
    free(og_pack(k->m, &size));
    if (k->truncate < 0)
        k->truncate = (long long)(size / 2);
    return rc;
}

static int r_bad_garbage(struct mk *k)
{
    uint8_t bytes[4096];
    for (size_t i = 0; i < sizeof bytes; i += 8) {
        uint64_t v = og_rng_u64(&k->rng);
        for (int b = 0; b < 8; b++)
            bytes[i + b] = (uint8_t)(v >> (8 * b));
    }
    size_t n = k->truncate >= 0 && (size_t)k->truncate < sizeof bytes
                   ? (size_t)k->truncate
                   : sizeof bytes;
    if (og_write_file(k->out, bytes, n) != 0) {
        fprintf(stderr, "mkmodel: %s: %s\n", k->out, strerror(errno));
        return -1;
    }
    return 0;
}

static const struct {
    const char *name;
    recipe_fn fn;
    const char *what;
} recipes[] = {
    {"det_mv3_db", r_det_mv3_db,
     "PaddleOCR det_mv3_db: MobileNetV3-large x0.5 + DBFPN(96) + DBHead, opset 11"},
    {"conv_bn_relu", r_conv_bn_relu, "Conv(bias) -> BatchNormalization -> Relu"},
    {"fragile_det", r_fragile_det,
     "a hand-made detector whose one useful channel has the smallest L1 norm"},
    {"hardswish_pattern", r_hardswish_pattern,
     "Conv -> BN -> paddle2onnx hardswish x*Clip(x+3,0,6)/6"},
    {"clip_attr_opset6", r_clip_attr_opset6,
     "Clip-6 (min/max attributes) at opset 10, then max only"},
    {"resize_scales", r_resize_scales,
     "Conv s2 -> Resize x2 -> Resize x4 (scales input, asymmetric, floor)"},
    {"upsample_opset9", r_upsample_opset9, "opset 9 Upsample nearest x2"},
    {"convtranspose_bias", r_convtranspose_bias,
     "ConvTranspose 2x2 s2 + bias, then 3x3 s2 pad 1 output_padding 1 group 2"},
    {"concat_se", r_concat_se, "SE block and a plain conv, Concat with x"},
    {"const_fold", r_const_fold, "conv weight = Mul(const, const), bias = Add"},
    {"identity_chain", r_identity_chain, "Identity nodes around a conv"},
    {"dead_branch", r_dead_branch, "a conv + sigmoid nobody reads"},
    {"auto_pad_same", r_auto_pad_same, "Conv auto_pad SAME_UPPER s2, SAME_LOWER 2x2"},
    {"external_ok", r_external_ok,
     "conv weight and bias in <stem>.bin (EXTERNAL, offsets 0 and 512)"},
    {"bad_unknown_op", r_bad_unknown_op, "BAD: op FooBar"},
    {"bad_stride0", r_bad_stride0, "BAD: Conv strides 0"},
    {"bad_negative_dim", r_bad_negative_dim, "BAD: weight dims [-4,3,3,3]"},
    {"bad_overflow_dim", r_bad_overflow_dim,
     "BAD: weight dims [2^32,2^32,3,3] overflow int64"},
    {"bad_short_weights", r_bad_short_weights,
     "BAD: raw_data half as long as the dims say"},
    {"bad_cycle", r_bad_cycle, "BAD: two Relus feeding each other"},
    {"bad_duplicate_name", r_bad_duplicate_name,
     "BAD: two nodes write the same value"},
    {"bad_duplicate_init", r_bad_duplicate_init,
     "BAD: an initializer and a node output share a name"},
    {"bad_undefined_input", r_bad_undefined_input,
     "BAD: a node reads a value nothing defines"},
    {"bad_empty_graph", r_bad_empty_graph, "BAD: no nodes"},
    {"bad_external_escape", r_bad_external_escape,
     "BAD: external data location ../secret.bin"},
    {"bad_external_abs", r_bad_external_abs,
     "BAD: external data location /etc/passwd"},
    {"bad_external_symlink", r_bad_external_symlink,
     "BAD: external data <stem>.bin is a symlink to /etc/passwd"},
    {"bad_two_outputs", r_bad_two_outputs, "BAD: a Conv with two outputs"},
    {"bad_many_outputs", r_bad_many_outputs, "BAD: a Relu with 100000 outputs"},
    {"bad_convt_dilation", r_bad_convt_dilation,
     "BAD: ConvTranspose dilations [2^62, 1]"},
    {"bad_conv_dilation", r_bad_conv_dilation, "BAD: Conv dilations [2^63-1, 1]"},
    {"bad_convt_stride", r_bad_convt_stride, "BAD: ConvTranspose strides [2^62, 2]"},
    {"bad_convt_growth", r_bad_convt_growth,
     "BAD: 64 ConvTransposes x2, the output extent beyond any bound"},
    {"bad_group_float", r_bad_group_float, "BAD: Conv group as a float attribute"},
    {"bad_same_dilation", r_bad_same_dilation, "BAD: Conv auto_pad SAME_UPPER with dilation 2"},
    {"auto_pad_empty", r_auto_pad_empty, "Conv with auto_pad \"\" (NOTSET) and pads 1"},
    {"identity_chain_100k", r_identity_chain_100k, "x -> 100000 Identity nodes -> y"},
    {"bad_truncated", r_bad_truncated, "BAD: first half of conv_bn_relu"},
    {"bad_garbage", r_bad_garbage, "BAD: 4096 random bytes"},
};
#define NRECIPES (sizeof recipes / sizeof recipes[0])

static int usage(void)
{
    fprintf(stderr, "usage: mkmodel RECIPE OUT.onnx [--seed N] [--truncate N]\n"
                    "       mkmodel --list\n");
    return 2;
}

static bool parse_ll(const char *s, long long *v)
{
    char *end;
    errno = 0;
    *v = strtoll(s, &end, 0);
    return errno == 0 && end != s && *end == '\0' && *v >= 0;
}

int main(int argc, char **argv)
{
    const char *pos[2];
    int npos = 0;
    long long seed = 1, truncate = -1;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--list")) {
            for (size_t r = 0; r < NRECIPES; r++)
                printf("%-22s %s\n", recipes[r].name, recipes[r].what);
            return 0;
        } else if (!strcmp(argv[i], "--seed") && i + 1 < argc) {
            if (!parse_ll(argv[++i], &seed))
                return usage();
        } else if (!strcmp(argv[i], "--truncate") && i + 1 < argc) {
            if (!parse_ll(argv[++i], &truncate))
                return usage();
        } else if (argv[i][0] == '-' || npos == 2) {
            return usage();
        } else {
            pos[npos++] = argv[i];
        }
    }
    if (npos != 2)
        return usage();

    size_t r = 0;
    while (r < NRECIPES && strcmp(recipes[r].name, pos[0]) != 0)
        r++;
    if (r == NRECIPES) {
        fprintf(stderr, "mkmodel: unknown recipe '%s' (see --list)\n", pos[0]);
        return 2;
    }

    struct mk k = {.out = pos[1], .rng = og_rng_seed((uint64_t)seed),
                   .truncate = truncate};
    const char *slash = strrchr(k.out, '/');
    const char *base = slash ? slash + 1 : k.out;
    snprintf(k.dir, sizeof k.dir, "%.*s",
             slash ? (int)(slash - k.out) : 1, slash ? k.out : ".");
    if (slash == k.out)
        snprintf(k.dir, sizeof k.dir, "/");
    size_t stem = strlen(base);
    if (stem > 5 && !strcmp(base + stem - 5, ".onnx"))
        stem -= 5;
    snprintf(k.stem, sizeof k.stem, "%.*s", (int)stem, base);

    int rc = recipes[r].fn(&k);
    if (rc == 0 && k.m) {
        size_t size;
        uint8_t *buf = og_pack(k.m, &size);
        if (k.truncate >= 0 && (size_t)k.truncate < size)
            size = (size_t)k.truncate;
        if (og_write_file(k.out, buf, size) != 0) {
            fprintf(stderr, "mkmodel: %s: %s\n", k.out, strerror(errno));
            rc = -1;
        }
        free(buf);
    }
    og_free(k.m);
    return rc == 0 ? 0 : 1;
}
