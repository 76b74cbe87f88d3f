/* fuzz_graph: the input is a program that builds a valid ONNX model (with
 * tests/tools/onnxgen.h), so that the canonical passes see many graphs of
 * the shapes they rewrite, which byte mutations of a protobuf rarely keep
 * valid; then model_check with the interpreter comparison: the passes must
 * not change what the graph computes.
 *
 * Input: byte 0 picks the opset (9 to 17) and byte 1 seeds the weights;
 * then each step is an op byte and its operand bytes, at most 24 steps:
 * conv, batchnorm, activation, binary op, global pool, resize x2,
 * conv-transpose x2, concat, the paddle2onnx hardswish chain, a
 * squeeze-excite residual. Operands pick earlier values (modulo their count)
 * and parameters; each value's channel count and spatial level (input
 * extent / 2^level, pooled to 1x1, or a level of its own after a resize by
 * other scales than 2, which nothing else shares) are tracked so that every
 * op is well formed, except that such resizes (by 0.5, 1.5, 3, ...) may
 * leave the extents the compiler can express, and that a flag bit of a
 * conv, conv-transpose or resize sets one attribute to an edge value (0,
 * -1, 2^31, 2^62, INT64_MAX, NaN, ...), which the importer must refuse or
 * handle. The last value is the graph output, and the first op's too when
 * the first step's op byte is odd. Weights come from a PRNG; a flag zeroes
 * every third filter of a conv, which dead_channels removes. */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "model_check.h"
#include "onnxgen.h"

/* A step adds at most 3 values (squeeze_excite), so MAX_VALUES is never reached. */
enum { MAX_STEPS = 24, MAX_VALUES = 1 + 3 * MAX_STEPS, MAX_CHANNELS = 48, MIN_LEVEL = -2, MAX_LEVEL = 5 };
enum { POOLED = 100, OWN_LEVELS = 1000 }; /* levels from OWN_LEVELS on are each one value's */
#define MAX_SCALE 4.0f

typedef struct {
    const char *name;
    int c, level;
    float scale; /* extent / the input's, about: no value grows past MAX_SCALE */
} value;

typedef struct {
    og_model *m;
    og_rng rng;
    fuzz_input in;
    int opset, nweights;
    value v[MAX_VALUES];
    int n;
    int own_levels; /* handed out so far */
} builder;

#define DIMS(...) ((const int64_t[]){__VA_ARGS__})
#define LIST(...) ((const char *const[]){__VA_ARGS__, NULL})

static unsigned byte(builder *b) { return fuzz_u8(&b->in); }

static const value *pick(builder *b) { return &b->v[byte(b) % b->n]; }

static const char *add_value(builder *b, int c, int level, float scale) {
    const char *name = og_fmt(b->m, "v%d", b->n);
    b->v[b->n++] = (value){name, c, level, scale};
    return name;
}

static size_t count(int rank, const int64_t *dims) {
    size_t n = 1;
    for (int i = 0; i < rank; i++) n *= (size_t)dims[i];
    return n;
}

/* A float weight holding data, alternating initializer and Constant, raw
 * and typed storage, as mkmodel does. */
static const char *weight_of(builder *b, int rank, const int64_t *dims, const float *data) {
    int k = b->nweights++;
    return og_weight(b->m, k & 1 ? OG_CONSTANT : OG_INITIALIZER,
                     og_tensor_f32(b->m, og_fmt(b->m, "w%d", k), rank, dims, data, k & 2 ? OG_TYPED : OG_RAW));
}

static float *random_data(builder *b, size_t n, float lo, float hi) {
    float *data = og_alloc(b->m, n * sizeof *data);
    for (size_t i = 0; i < n; i++) data[i] = og_rng_uniform(&b->rng, lo, hi);
    return data;
}

static const char *weight(builder *b, int rank, const int64_t *dims, float lo, float hi) {
    return weight_of(b, rank, dims, random_data(b, count(rank, dims), lo, hi));
}

static const char *scalar(builder *b, float v) { return weight_of(b, 0, NULL, &v); }

static Onnx__NodeProto *node(builder *b, const char *op, const char *const *ins, const char *out) {
    return og_node(b->m, op, NULL, ins, LIST(out));
}

static int gcd(int a, int b) { return b ? gcd(b, a % b) : a; }

static bool regular(int level) { return level >= MIN_LEVEL && level <= MAX_LEVEL; }

/* The level after scaling x's extent by 2^-delta. */
static int next_level(builder *b, const value *x, int delta) {
    int level = x->level + delta;
    return regular(x->level) && regular(level) ? level : OWN_LEVELS + b->own_levels++;
}

/* Sets one int attribute of conv node n (on one axis or all) to an edge
 * value, taking two bytes. */
static void edge_attr(builder *b, Onnx__NodeProto *n) {
    static const char *const names[] = {"strides", "dilations", "pads", "group", "kernel_shape", "output_padding"};
    static const int64_t edges[] = {0, -1, 2, 3, 64, 65, 1024, 1025, INT64_C(1) << 31, (INT64_C(1) << 32) + 1,
                                    INT64_C(1) << 62, INT64_MAX, INT64_MIN};
    unsigned e = byte(b);
    const char *name = names[e % 6];
    int64_t v = edges[byte(b) % (sizeof edges / sizeof edges[0])];
    for (size_t i = 0; i < n->n_attribute; i++) {
        Onnx__AttributeProto *a = n->attribute[i];
        if (strcmp(a->name, name)) continue;
        if (a->n_ints == 0) a->i = v;
        for (size_t k = 0; k < a->n_ints; k++)
            if (e / 6 % 3 == 2 || k == e / 6 % 3) a->ints[k] = v;
        return;
    }
    if (!strcmp(name, "group")) og_attr_int(b->m, n, name, v);
    else og_attr_ints(b->m, n, name, 2, DIMS(v, v));
}

/* Conv of x to cout channels: odd kernel, "same" padding, stride 1 or 2;
 * 1x1 on pooled values. */
static const value *conv(builder *b, const value *x, int cout, bool bias) {
    unsigned p = byte(b), q = byte(b);
    bool pooled = x->level == POOLED;
    int k = pooled ? 1 : 1 + 2 * (int)(p % 3), dil = !pooled && p & 4 ? 2 : 1;
    int stride = !pooled && p & 8 && x->level != MAX_LEVEL ? 2 : 1;
    int group = q % 3 == 1 && cout == x->c ? x->c : q % 3 == 2 ? gcd(x->c, cout) : 1;
    int64_t wd[4] = {cout, x->c / group, k, k};
    size_t per = count(3, wd + 1);
    float *w = random_data(b, cout * per, -0.5f, 0.5f);
    if (p & 32) /* dead channels */
        for (int o = 0; o < cout; o += 3) memset(w + o * per, 0, per * sizeof *w);
    const char *wname = weight_of(b, 4, wd, w);
    const char *bname = bias ? weight(b, 1, DIMS(cout), -0.3f, 0.3f) : NULL;
    const char *out = stride == 2 ? add_value(b, cout, next_level(b, x, 1), x->scale / 2)
                                  : add_value(b, cout, x->level, x->scale);
    Onnx__NodeProto *n = node(b, "Conv", bias ? LIST(x->name, wname, bname) : LIST(x->name, wname), out);
    og_attr_ints(b->m, n, "kernel_shape", 2, DIMS(k, k));
    og_attr_ints(b->m, n, "strides", 2, DIMS(stride, stride));
    og_attr_ints(b->m, n, "dilations", 2, DIMS(dil, dil));
    og_attr_int(b->m, n, "group", group);
    int64_t pad = dil * (k - 1) / 2;
    if (p & 64 && stride == 1) og_attr_string(b->m, n, "auto_pad", q & 4 ? "SAME_UPPER" : "SAME_LOWER");
    else og_attr_ints(b->m, n, "pads", 4, DIMS(pad, pad, pad, pad));
    if (q & 128) edge_attr(b, n);
    return &b->v[b->n - 1];
}

static void batchnorm(builder *b, const value *x) {
    int64_t c = x->c;
    /* one statement each: the weights are drawn in this order on every compiler */
    const char *scale = weight(b, 1, &c, 0.7f, 1.3f);
    const char *shift = weight(b, 1, &c, -0.2f, 0.2f);
    const char *mean = weight(b, 1, &c, -0.2f, 0.2f);
    const char *var = weight(b, 1, &c, 0.5f, 1.5f);
    const char *out = add_value(b, x->c, x->level, x->scale);
    Onnx__NodeProto *n = node(b, "BatchNormalization", LIST(x->name, scale, shift, mean, var), out);
    if (byte(b) & 1) og_attr_float(b->m, n, "epsilon", 1e-3f);
}

static const char *clip(builder *b, const char *x, float lo, float hi, bool no_lo, bool no_hi, const char *out) {
    if (b->opset < 11) {
        Onnx__NodeProto *n = node(b, "Clip", LIST(x), out);
        if (!no_lo) og_attr_float(b->m, n, "min", lo);
        if (!no_hi) og_attr_float(b->m, n, "max", hi);
    } else {
        const char *min = no_lo ? "" : scalar(b, lo);
        const char *max = no_hi ? "" : scalar(b, hi);
        node(b, "Clip", LIST(x, min, max), out);
    }
    return out;
}

static void activation(builder *b, const value *x) {
    unsigned p = byte(b);
    const char *out = add_value(b, x->c, x->level, x->scale);
    switch (p % 6) {
    case 0: node(b, "Relu", LIST(x->name), out); break;
    case 1: node(b, "Sigmoid", LIST(x->name), out); break;
    case 2: {
        Onnx__NodeProto *n = node(b, "HardSigmoid", LIST(x->name), out);
        og_attr_float(b->m, n, "alpha", p & 8 ? 1.0f / 6 : 0.2f);
        og_attr_float(b->m, n, "beta", 0.5f);
        break;
    }
    case 3:
    case 4: /* HardSwish came with opset 14 */
        if (p % 6 == 3 && b->opset >= 14) node(b, "HardSwish", LIST(x->name), out);
        else clip(b, x->name, p & 8 ? 0.0f : -1.0f, p & 16 ? 6.0f : 1.0f, p & 32, p & 64, out);
        break;
    default: node(b, "Identity", LIST(x->name), out); break;
    }
}

/* x op y, where y is a value of x's shape or pooled channels, or a
 * constant; Div only by constants away from zero. */
static void binary(builder *b, const value *x) {
    static const char *const ops[] = {"Add", "Sub", "Mul", "Div"};
    unsigned p = byte(b), form = byte(b);
    bool div = p % 4 == 3;
    const value *y = pick(b);
    const char *rhs;
    int level = x->level;
    float scale = x->scale;
    if (!div && form & 1 && y->c == x->c && (y->level == x->level || y->level == POOLED || x->level == POOLED)) {
        rhs = y->name;
        if (x->level == POOLED) level = y->level, scale = y->scale;
    } else {
        float lo = div ? 0.5f : -2.0f;
        switch (form / 2 % 4) {
        case 0: rhs = weight(b, 0, NULL, lo, 2.0f); break;
        case 1: rhs = weight(b, 1, DIMS(1), lo, 2.0f); break;
        case 2: rhs = weight(b, 3, DIMS(x->c, 1, 1), lo, 2.0f); break;
        default: rhs = weight(b, 4, DIMS(1, x->c, 1, 1), lo, 2.0f); break;
        }
    }
    const char *out = add_value(b, x->c, level, scale);
    node(b, ops[p % 4], form & 16 && !div ? LIST(rhs, x->name) : LIST(x->name, rhs), out);
}

/* Resize by 2 (mostly), or by other scales per axis. */
static void resize(builder *b, const value *x) {
    static const char *const coords[] = {"asymmetric", "half_pixel", "pytorch_half_pixel", "align_corners"};
    static const char *const modes[] = {"floor", "ceil", "round_prefer_floor", "round_prefer_ceil"};
    static const float factors[8] = {2, 2, 2, 2, 0.5f, 1.5f, 3, 1};
    /* the importer must refuse these, or (65 at most) they grow little */
    static const float edges[8] = {0, -2, NAN, INFINITY, 1e-30f, 0.3f, 65, 0.75f};
    unsigned p = byte(b), f = byte(b);
    bool edge = f & 64;
    float sh = (edge ? edges : factors)[f % 8], sw = (edge ? edges : factors)[f / 8 % 8];
    float scale = edge ? x->scale : x->scale * (sh > sw ? sh : sw);
    if (scale > MAX_SCALE) return;
    const char *scales = weight_of(b, 1, DIMS(4), (const float[]){1, 1, sh, sw});
    int level = sh == 2 && sw == 2 ? next_level(b, x, -1) : OWN_LEVELS + b->own_levels++;
    const char *out = add_value(b, x->c, level, scale);
    Onnx__NodeProto *n;
    if (b->opset == 9) {
        n = node(b, "Upsample", LIST(x->name, scales), out);
    } else if (b->opset == 10) {
        n = node(b, "Resize", LIST(x->name, scales), out);
    } else {
        n = node(b, "Resize", LIST(x->name, "", scales), out);
        og_attr_string(b->m, n, "coordinate_transformation_mode", coords[p % 4]);
        og_attr_string(b->m, n, "nearest_mode", modes[p / 4 % 4]);
    }
    og_attr_string(b->m, n, "mode", "nearest");
}

/* ConvTranspose doubling the extent: k2 s2, k3 s2 pad 1 output_padding 1,
 * or k4 s2 pad 1. */
static void conv_transpose(builder *b, const value *x) {
    unsigned p = byte(b);
    int k = 2 + (int)(p % 3), cout = 1 + (int)(byte(b) % 16);
    int group = p & 4 ? gcd(x->c, cout) : 1;
    int64_t pad = k > 2;
    const char *w = weight(b, 4, DIMS(x->c, cout / group, k, k), -0.5f, 0.5f);
    const char *bias = p & 8 ? weight(b, 1, DIMS(cout), -0.3f, 0.3f) : NULL;
    const char *out = add_value(b, cout, next_level(b, x, -1), 2 * x->scale);
    Onnx__NodeProto *n = node(b, "ConvTranspose", bias ? LIST(x->name, w, bias) : LIST(x->name, w), out);
    og_attr_ints(b->m, n, "kernel_shape", 2, DIMS(k, k));
    og_attr_ints(b->m, n, "strides", 2, DIMS(2, 2));
    og_attr_ints(b->m, n, "pads", 4, DIMS(pad, pad, pad, pad));
    og_attr_int(b->m, n, "group", group);
    if (k == 3) og_attr_ints(b->m, n, "output_padding", 2, DIMS(1, 1));
    if (p & 128) edge_attr(b, n);
}

/* paddle2onnx's hardswish below opset 14: x * clip(x + 3, 0, 6) / 6. */
static void hardswish_chain(builder *b, const value *x) {
    const char *t = og_fmt(b->m, "%s.p3", x->name), *c = og_fmt(b->m, "%s.clip", x->name);
    const char *m = og_fmt(b->m, "%s.mul", x->name);
    node(b, "Add", LIST(x->name, scalar(b, 3)), t);
    clip(b, t, 0, 6, false, false, c);
    node(b, "Mul", LIST(x->name, c), m);
    const char *six = scalar(b, 6);
    node(b, "Div", LIST(m, six), add_value(b, x->c, x->level, x->scale));
}

/* x + x * hardsigmoid(conv(relu(conv(pool(x))))), as PP-OCRv4's RSEFPN. */
static void squeeze_excite(builder *b, const value *x) {
    const char *pooled = og_fmt(b->m, "%s.pool", x->name), *r = og_fmt(b->m, "%s.relu", x->name);
    const char *gate = og_fmt(b->m, "%s.gate", x->name), *m = og_fmt(b->m, "%s.se", x->name);
    node(b, "GlobalAveragePool", LIST(x->name), pooled);
    value pv = {pooled, x->c, POOLED, 0};
    const value *squeezed = conv(b, &pv, 1 + x->c / 4, true);
    node(b, "Relu", LIST(squeezed->name), r);
    value rv = {r, squeezed->c, POOLED, 0};
    const value *excited = conv(b, &rv, x->c, true);
    Onnx__NodeProto *n = node(b, "HardSigmoid", LIST(excited->name), gate);
    og_attr_float(b->m, n, "alpha", 0.2f);
    og_attr_float(b->m, n, "beta", 0.5f);
    node(b, "Mul", LIST(x->name, gate), m);
    node(b, "Add", LIST(x->name, m), add_value(b, x->c, x->level, x->scale));
}

static void step(builder *b, unsigned op) {
    const value *x = pick(b);
    switch (op % 11) {
    case 0: {
        int cout = 1 + (int)(byte(b) % 16);
        conv(b, x, cout, byte(b) & 1);
        break;
    }
    case 1: batchnorm(b, x); break;
    case 2: activation(b, x); break;
    case 3: binary(b, x); break;
    case 4: node(b, "GlobalAveragePool", LIST(x->name), add_value(b, x->c, POOLED, 0)); break;
    case 5:
        if (x->level != POOLED) resize(b, x);
        break;
    case 6:
        if (x->level != POOLED && 2 * x->scale <= MAX_SCALE) conv_transpose(b, x);
        break;
    case 7: {
        const value *y = pick(b);
        if (y->level == x->level && x->c + y->c <= MAX_CHANNELS) {
            const char *out = add_value(b, x->c + y->c, x->level, x->scale);
            Onnx__NodeProto *n = node(b, "Concat", LIST(x->name, y->name), out);
            og_attr_int(b->m, n, "axis", byte(b) & 1 ? -3 : 1);
        }
        break;
    }
    case 8: node(b, "Identity", LIST(x->name), add_value(b, x->c, x->level, x->scale)); break;
    case 9: hardswish_chain(b, x); break;
    default:
        if (x->level != POOLED) squeeze_excite(b, x);
        break;
    }
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc, (void)argv;
    model_check_init();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    builder b = {.in = {data, size}};
    b.opset = 9 + (int)(byte(&b) % 9);
    b.rng = og_rng_seed(byte(&b));
    b.m = og_new(b.opset, "fuzz");
    og_input(b.m, "x", 4, (og_dim[]){OG_SYM("N"), OG_FIX(3), OG_SYM("H"), OG_SYM("W")});
    b.v[b.n++] = (value){"x", 3, 0, 1};
    unsigned first = 0;
    for (int s = 0; s < MAX_STEPS && b.in.n; s++) {
        unsigned op = byte(&b);
        if (s == 0) first = op;
        step(&b, op);
    }
    if (b.n == 1) node(&b, "Relu", LIST("x"), add_value(&b, 3, 0, 1));
    const value *last = &b.v[b.n - 1];
    og_output(b.m, last->name, 4, (og_dim[]){OG_SYM("N"), OG_FIX(last->c), OG_SYM("h"), OG_SYM("w")});
    if (first & 1 && b.n > 2)
        og_output(b.m, b.v[1].name, 4, (og_dim[]){OG_SYM("N"), OG_FIX(b.v[1].c), OG_SYM("h1"), OG_SYM("w1")});
    size_t n;
    uint8_t *onnx = og_pack(b.m, &n);
    og_free(b.m);
    model_check(onnx, n, true);
    free(onnx);
    return 0;
}
