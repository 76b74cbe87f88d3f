/* ONNX writer: IR -> ModelProto (protoc-c, the structs frontend/onnx.c reads
 * with), so that the graph ocrslimc compiles, pruning included, runs in ONNX
 * Runtime and in any other ONNX tool.
 *
 * Needs: a verified graph with shapes (ir_verify), as the pipeline leaves it.
 * Writes: a model of opset 17 and IR version 8 whose nodes are all standard
 *   ops. IR nodes map one to one, except for what only the IR can say:
 *   - a Conv's or ConvTranspose's fused activation (attrs.act) becomes the
 *     activation op after the conv (Relu, Clip, HardSigmoid, HardSwish,
 *     Sigmoid, with their parameters);
 *   - its affine epilogue (attrs.post, passes/fuse_affine_act.c and
 *     fold_se_residual.c) becomes Mul by the scale, then Add of the shift,
 *     each by a rank-0 initializer, which round exactly as the epilogue does;
 *     a Mul by 1 is left out (y * 1 is y);
 *   - Clip's bounds become its min and max inputs (left out when infinite);
 *   - a FakeQuant (passes/quantize.c) becomes QuantizeLinear then
 *     DequantizeLinear (uint8, per tensor), and a quantized weight its
 *     integers (int8, or int32 for a bias) through a DequantizeLinear per
 *     output channel: the QDQ form ONNX Runtime runs;
 *   - Resize's attributes become mode "nearest", its
 *     coordinate_transformation_mode and nearest_mode, and a scales
 *     initializer [1, 1, scale_h, scale_w] (roi absent).
 *   Values keep their IR names; a value without a name, or with one an
 *   earlier value holds, gets "value", and every new intermediate or
 *   initializer "<value>.<what>" (the op that writes it, or scale, shift,
 *   min, max, scales); nodes keep theirs (their output's when they have
 *   none), and the nodes an IR node expands into get "<node>.<Op>"; each
 *   with ".1", ".2", ... until unique in its kind (ONNX Runtime refuses
 *   repeated node names), in node order, so the same graph always gives the
 *   same file. Graph inputs and outputs keep their names and the dims the
 *   model declared (ir_value.declared); undeclared symbolic dims are named
 *   after their extent ("H", "W/4"). Weights are float32 (int64 for integer
 *   weights) raw_data, little-endian.
 * The model goes to a stream (ocrslimc's is a temporary file renamed into
 *   place, driver/outfile.c).
 *
 * Building never stops half-way: the allocation helpers return NULL and set
 * w->nomem, the builders do nothing with a NULL node, and the writer checks
 * nomem once before packing. */
#include "frontend.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "onnx/onnx.pb-c.h"

/* An IR node becomes at most 4 nodes (conv, activation, Mul, Add) and needs
 * at most 7 new names (3 intermediates; Clip's min and max, scale, shift). */
enum { OPSET = 17, IR_VERSION = 8, MAX_ATTRS = 8, MAX_NODES_PER_OP = 4, MAX_NAMES_PER_OP = 7 };

/* Names given so far in one namespace (values, or nodes), to keep them unique. */
typedef struct {
    const char **names;
    size_t n, cap;
} name_set;

typedef struct {
    const ir_graph *g;
    ocrs_arena *arena;
    bool nomem;
    char unsupported[256]; /* why a node has no ONNX form here, or "" */
    const char **names;  /* per IR value: its name in the file */
    name_set values, nodes;
    Onnx__GraphProto graph; /* node and initializer arrays sized for the worst case */
} writer;

static void *wr_alloc(writer *w, size_t size) {
    void *p = w->nomem ? NULL : ocrs_arena_alloc(w->arena, size ? size : 1);
    if (!p) w->nomem = true;
    return p;
}

static char *wr_strdup(writer *w, const char *s) {
    char *p = wr_alloc(w, strlen(s) + 1);
    return p ? strcpy(p, s) : NULL;
}

static bool is_taken(const name_set *s, const char *name) {
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->names[i], name) == 0) return true;
    return false;
}

static void take(name_set *s, const char *name) {
    OCRS_ASSERT(s->n < s->cap);
    s->names[s->n++] = name;
}

/* base + suffix (".<suffix>" when suffix is given), then ".1", ".2", ...
 * until s does not hold it; recorded in s. NULL when out of memory. */
static const char *fresh_name(writer *w, name_set *s, const char *base, const char *suffix) {
    size_t size = strlen(base) + (suffix ? strlen(suffix) : 0) + 24;
    char *name = wr_alloc(w, size);
    if (!name) return NULL;
    snprintf(name, size, suffix ? "%s.%s" : "%s", base, suffix ? suffix : "");
    size_t len = strlen(name);
    for (unsigned i = 1; is_taken(s, name); i++) snprintf(name + len, size - len, ".%u", i);
    take(s, name);
    return name;
}

/* A new value name <base>.<what>. */
static const char *value_name(writer *w, const char *base, const char *what) {
    return fresh_name(w, &w->values, base, what);
}

/* ---- nodes, attributes, tensors ------------------------------------------- */

/* A node op(inputs) -> output appended to the graph; "" is an absent input.
 * Its name is base, or base.<suffix> for a node an IR node expands into,
 * made unique (ONNX Runtime insists). NULL when out of memory. */
static Onnx__NodeProto *add_node(writer *w, const char *op, const char *base, const char *suffix, size_t nin,
                                 const char *const *in, const char *out) {
    Onnx__NodeProto *n = wr_alloc(w, sizeof *n);
    char **ins = wr_alloc(w, sizeof(char *) * (nin ? nin : 1)), **outs = wr_alloc(w, sizeof(char *));
    Onnx__AttributeProto **attrs = wr_alloc(w, sizeof(Onnx__AttributeProto *) * MAX_ATTRS);
    const char *name = fresh_name(w, &w->nodes, base, suffix);
    if (!n || !ins || !outs || !attrs || !name || !out) return NULL;
    *n = (Onnx__NodeProto)ONNX__NODE_PROTO__INIT;
    n->op_type = (char *)op;
    n->name = (char *)name;
    for (size_t i = 0; i < nin; i++)
        if (!(ins[i] = (char *)in[i])) return NULL;
    n->n_input = nin;
    n->input = ins;
    outs[0] = (char *)out;
    n->n_output = 1;
    n->output = outs;
    n->attribute = attrs;
    w->graph.node[w->graph.n_node++] = n;
    return n;
}

static Onnx__AttributeProto *add_attr(writer *w, Onnx__NodeProto *n, const char *name,
                                      Onnx__AttributeProto__AttributeType type) {
    Onnx__AttributeProto *a = n ? wr_alloc(w, sizeof *a) : NULL;
    if (!a) return NULL;
    OCRS_ASSERT(n->n_attribute < MAX_ATTRS);
    *a = (Onnx__AttributeProto)ONNX__ATTRIBUTE_PROTO__INIT;
    a->name = (char *)name;
    a->has_type = true;
    a->type = type;
    n->attribute[n->n_attribute++] = a;
    return a;
}

static void attr_int(writer *w, Onnx__NodeProto *n, const char *name, int64_t v) {
    Onnx__AttributeProto *a = add_attr(w, n, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT);
    if (a) a->has_i = true, a->i = v;
}

static void attr_ints(writer *w, Onnx__NodeProto *n, const char *name, size_t count, const int64_t *v) {
    Onnx__AttributeProto *a = add_attr(w, n, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS);
    int64_t *ints = a ? wr_alloc(w, sizeof(int64_t) * count) : NULL;
    if (!ints) return;
    memcpy(ints, v, sizeof(int64_t) * count);
    a->n_ints = count;
    a->ints = ints;
}

static void attr_float(writer *w, Onnx__NodeProto *n, const char *name, float v) {
    Onnx__AttributeProto *a = add_attr(w, n, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT);
    if (a) a->has_f = true, a->f = v;
}

static void attr_string(writer *w, Onnx__NodeProto *n, const char *name, const char *v) {
    Onnx__AttributeProto *a = add_attr(w, n, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING);
    if (a) a->has_s = true, a->s = (ProtobufCBinaryData){strlen(v), (uint8_t *)v};
}

/* An initializer of dtype holding data, which must outlive the writer (the
 * graph's weights, or the arena): raw_data is the host's bytes, which are
 * the little-endian ONNX wants on every target (the importer assumes so
 * too). Returns its name (NULL when out of memory). */
_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "raw_data is written in host byte order");
static const char *add_tensor(writer *w, const char *name, Onnx__TensorProto__DataType type, size_t esize, int rank,
                              const int64_t *dims, const void *data) {
    Onnx__TensorProto *t = wr_alloc(w, sizeof *t);
    int64_t *d = wr_alloc(w, sizeof(int64_t) * (rank ? rank : 1));
    if (!t || !d || !name) return NULL;
    size_t n = 1;
    for (int i = 0; i < rank; i++) n *= (size_t)dims[i];
    memcpy(d, dims, sizeof(int64_t) * (size_t)rank);
    *t = (Onnx__TensorProto)ONNX__TENSOR_PROTO__INIT;
    t->name = (char *)name;
    t->n_dims = (size_t)rank;
    t->dims = d;
    t->has_data_type = true;
    t->data_type = type;
    t->has_raw_data = true;
    t->raw_data = (ProtobufCBinaryData){n * esize, (uint8_t *)data};
    w->graph.initializer[w->graph.n_initializer++] = t;
    return name;
}

static const char *add_initializer(writer *w, const char *name, ir_dtype dtype, int rank, const int64_t *dims,
                                   const void *data) {
    return dtype == IR_F32 ? add_tensor(w, name, ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, sizeof(float), rank, dims, data)
                           : add_tensor(w, name, ONNX__TENSOR_PROTO__DATA_TYPE__INT64, sizeof(int64_t), rank, dims, data);
}

/* A new float initializer <base>.<what> holding a copy of the n values of
 * v: rank 0 when scalar, else rank 1. */
static const char *new_floats(writer *w, const char *base, const char *what, bool scalar, size_t n, const float *v) {
    float *data = wr_alloc(w, sizeof(float) * n);
    if (!data) return NULL;
    memcpy(data, v, sizeof(float) * n);
    return add_initializer(w, value_name(w, base, what), IR_F32, scalar ? 0 : 1, (int64_t[]){(int64_t)n}, data);
}

static const char *scalar(writer *w, const char *base, const char *what, float v) {
    return new_floats(w, base, what, true, 1, &v);
}

/* ---- ops ------------------------------------------------------------------ */

static const char *const act_ops[] = {
    [IR_ACT_RELU] = "Relu", [IR_ACT_CLIP] = "Clip",   [IR_ACT_HARDSIGMOID] = "HardSigmoid",
    [IR_ACT_HARDSWISH] = "HardSwish", [IR_ACT_SIGMOID] = "Sigmoid", [IR_ACT_SQRT] = "Sqrt", [IR_ACT_POW] = "Pow",
    [IR_ACT_QUANT] = "QuantizeDequantize"};

/* Activation act on x into y: one node named as add_node says (act is not
 * NONE). */
static void emit_act(writer *w, const char *base, const char *suffix, ir_act act, const char *x, const char *y) {
    OCRS_ASSERT(act.kind != IR_ACT_NONE);
    if (act.kind == IR_ACT_CLIP) {
        const char *in[3] = {x, "", ""};
        size_t nin = 1;
        if (act.a != -INFINITY) in[1] = scalar(w, y, "min", act.a), nin = 2;
        if (act.b != INFINITY) in[2] = scalar(w, y, "max", act.b), nin = 3;
        add_node(w, "Clip", base, suffix, nin, in, y);
        return;
    }
    if (act.kind == IR_ACT_POW) {
        const char *in[2] = {x, scalar(w, y, "exponent", act.a)};
        add_node(w, "Pow", base, suffix, 2, in, y);
        return;
    }
    if (act.kind == IR_ACT_QUANT) {
        uint8_t *zero = wr_alloc(w, 1);
        if (!zero) return;
        *zero = (uint8_t)act.b;
        const char *in[3] = {x, scalar(w, y, "scale", act.a),
                             add_tensor(w, value_name(w, y, "zero_point"), ONNX__TENSOR_PROTO__DATA_TYPE__UINT8, 1, 0,
                                        NULL, zero)};
        const char *q = value_name(w, y, "quantized");
        add_node(w, "QuantizeLinear", base, "Quantize", 3, in, q);
        in[0] = q;
        add_node(w, "DequantizeLinear", base, "Dequantize", 3, in, y);
        return;
    }
    Onnx__NodeProto *n = add_node(w, act_ops[act.kind], base, suffix, 1, &x, y);
    if (act.kind == IR_ACT_HARDSIGMOID) {
        attr_float(w, n, "alpha", act.a);
        attr_float(w, n, "beta", act.b);
    }
}

static void conv_attrs(writer *w, Onnx__NodeProto *n, const ir_attrs *a, bool transpose) {
    int64_t dilations[2] = {a->dilation[0], a->dilation[1]};
    attr_ints(w, n, "kernel_shape", 2, a->kernel);
    attr_ints(w, n, "strides", 2, a->stride);
    attr_ints(w, n, "pads", 4, a->pad); /* top, left, bottom, right: ONNX's begin..., end... order */
    attr_ints(w, n, "dilations", 2, dilations);
    attr_int(w, n, "group", a->group);
    if (transpose) attr_ints(w, n, "output_padding", 2, a->output_padding);
}

/* Conv or ConvTranspose, then its fused activation and affine epilogue, the
 * last of them writing out. */
static void emit_conv(writer *w, const ir_node *node, const char *base, size_t nin, const char *const *in,
                      const char *out) {
    const ir_attrs *a = &node->attrs;
    bool act = a->act.kind != IR_ACT_NONE, mul = a->post.on && a->post.scale != 1.0f,
         add = a->post.on && a->post.has_shift;
    const char *op = ir_ops[node->op].name;
    const char *y = act || mul || add ? value_name(w, out, op) : out;
    const char *conv_in[3];
    OCRS_ASSERT(nin <= 3);
    memcpy(conv_in, in, sizeof(char *) * nin);
    if (a->in_act.kind != IR_ACT_NONE) { /* an int8 conv: its input quantized as it is read */
        conv_in[0] = value_name(w, out, "input");
        emit_act(w, base, "Input", a->in_act, in[0], conv_in[0]);
    }
    conv_attrs(w, add_node(w, op, base, NULL, nin, conv_in, y), a, node->op == IR_OP_ConvTranspose);
    if (act) {
        const char *x = y;
        y = mul || add ? value_name(w, out, act_ops[a->act.kind]) : out;
        emit_act(w, base, act_ops[a->act.kind], a->act, x, y);
    }
    if (mul) {
        const char *mul_in[2] = {y, scalar(w, out, "scale", a->post.scale)};
        y = add ? value_name(w, out, "Mul") : out;
        add_node(w, "Mul", base, "Mul", 2, mul_in, y);
    }
    if (add) {
        const char *add_in[2] = {y, scalar(w, out, "shift", a->post.shift)};
        add_node(w, "Add", base, "Add", 2, add_in, out);
    }
}

static void emit_resize(writer *w, const ir_node *node, const char *base, const char *x, const char *out) {
    static const char *const coords[] = {[IR_COORD_ASYMMETRIC] = "asymmetric", [IR_COORD_HALF_PIXEL] = "half_pixel",
                                         [IR_COORD_PYTORCH_HALF_PIXEL] = "pytorch_half_pixel",
                                         [IR_COORD_ALIGN_CORNERS] = "align_corners"};
    static const char *const modes[] = {[IR_NEAREST_FLOOR] = "floor", [IR_NEAREST_CEIL] = "ceil",
                                        [IR_NEAREST_ROUND_PREFER_FLOOR] = "round_prefer_floor",
                                        [IR_NEAREST_ROUND_PREFER_CEIL] = "round_prefer_ceil"};
    const ir_attrs *a = &node->attrs;
    const char *in[3] = {x, "", new_floats(w, out, "scales", false, 4, (float[]){1, 1, a->scale[0], a->scale[1]})};
    Onnx__NodeProto *n = add_node(w, "Resize", base, NULL, 3, in, out);
    attr_string(w, n, "mode", "nearest");
    attr_string(w, n, "coordinate_transformation_mode", coords[a->coord]);
    attr_string(w, n, "nearest_mode", modes[a->nearest]);
}

/* A new int64 initializer <base>.<what> of the n values v (rank 1). */
static const char *new_ints(writer *w, const char *base, const char *what, size_t n, const int64_t *v) {
    int64_t *data = wr_alloc(w, sizeof(int64_t) * (n ? n : 1));
    if (!data) return NULL;
    memcpy(data, v, sizeof(int64_t) * n);
    return add_initializer(w, value_name(w, base, what), IR_I64, 1, (int64_t[]){(int64_t)n}, data);
}

static void emit_pool(writer *w, const ir_node *node, const char *base, const char *x, const char *out) {
    const ir_attrs *a = &node->attrs;
    Onnx__NodeProto *n = add_node(w, ir_ops[node->op].name, base, NULL, 1, &x, out);
    attr_ints(w, n, "kernel_shape", 2, a->kernel);
    attr_ints(w, n, "strides", 2, a->stride);
    attr_ints(w, n, "pads", 4, a->pad);
    attr_int(w, n, "ceil_mode", a->ceil_mode);
    if (node->op == IR_OP_MaxPool) attr_ints(w, n, "dilations", 2, a->dilation);
    else attr_int(w, n, "count_include_pad", a->count_include_pad);
}

/* MatMul, then the fused bias as an Add. */
static void emit_matmul(writer *w, const ir_node *node, const char *base, size_t nin, const char *const *in,
                        const char *out) {
    const char *y = nin > 2 ? value_name(w, out, "MatMul") : out;
    add_node(w, "MatMul", base, NULL, 2, in, y);
    if (nin > 2) add_node(w, "Add", base, "Add", 2, (const char *[]){y, in[2]}, out);
}

/* Softmax over one axis; over several (the last ones, as before opset 13),
 * on the input reshaped to put them in one axis, and shaped back. */
static void emit_softmax(writer *w, const ir_node *node, const char *base, const char *x, const char *out) {
    uint64_t axes = (uint64_t)node->attrs.axes;
    int first = __builtin_ctzll(axes), rank = w->g->values[node->inputs[0]].rank;
    if (!(axes & (axes - 1))) {
        attr_int(w, add_node(w, "Softmax", base, NULL, 1, &x, out), "axis", first);
        return;
    }
    if (axes >> (rank - 1) != 1) {
        snprintf(w->unsupported, sizeof w->unsupported, "a softmax over axes that do not end at the last one");
        return;
    }
    int64_t target[IR_MAX_RANK + 1] = {0}; /* 0: the same extent */
    target[first] = -1;
    const char *shape = value_name(w, out, "shape"), *flat = value_name(w, out, "flat"), *soft = value_name(w, out, "softmax");
    add_node(w, "Shape", base, "Shape", 1, &x, shape);
    add_node(w, "Reshape", base, "Reshape", 2, (const char *[]){x, new_ints(w, out, "target", (size_t)first + 1, target)},
             flat);
    attr_int(w, add_node(w, "Softmax", base, NULL, 1, &flat, soft), "axis", first);
    add_node(w, "Reshape", base, "Back", 2, (const char *[]){soft, shape}, out);
}

/* Reshape to the output's extents: fixed ones as values, symbolic ones as 0
 * (the input's at the same axis) or one -1. */
static void emit_reshape(writer *w, const ir_node *node, const char *base, const char *x, const char *out) {
    const ir_value *xv = &w->g->values[node->inputs[0]], *yv = &w->g->values[node->output];
    int64_t target[IR_MAX_RANK];
    int minus = 0;
    for (int i = 0; i < yv->rank; i++) {
        ir_dim d = yv->dims[i];
        if (ir_dim_static(d)) target[i] = d.q;
        else if (i < xv->rank && ir_dim_equal(d, xv->dims[i])) target[i] = 0;
        else target[i] = -1, minus++;
    }
    if (minus > 1) {
        snprintf(w->unsupported, sizeof w->unsupported, "a reshape into more than one new symbolic extent");
        return;
    }
    add_node(w, "Reshape", base, NULL, 2, (const char *[]){x, new_ints(w, out, "shape", (size_t)yv->rank, target)}, out);
}

/* Slice with its fixed starts, ends and steps on every axis (a symbolic
 * axis taken whole: start 0, end INT64_MAX). */
static void emit_slice(writer *w, const ir_node *node, const char *base, const char *x, const char *out) {
    const ir_value *yv = &w->g->values[node->output];
    const ir_attrs *a = &node->attrs;
    int64_t starts[IR_MAX_RANK], ends[IR_MAX_RANK], axes[IR_MAX_RANK], steps[IR_MAX_RANK];
    for (int i = 0; i < yv->rank; i++) {
        axes[i] = i;
        starts[i] = a->start[i];
        steps[i] = a->step[i];
        /* One past the last element read; INT64_MIN for a backward slice
         * down to element 0 (an end of -1 would mean the last). */
        int64_t end = ir_dim_static(yv->dims[i]) ? a->start[i] + yv->dims[i].q * a->step[i] : INT64_MAX;
        ends[i] = a->step[i] < 0 && end < 0 ? INT64_MIN : end;
    }
    size_t r = (size_t)yv->rank;
    const char *in[5] = {x, new_ints(w, out, "starts", r, starts), new_ints(w, out, "ends", r, ends),
                         new_ints(w, out, "axes", r, axes), new_ints(w, out, "steps", r, steps)};
    add_node(w, "Slice", base, NULL, 5, in, out);
}

static void emit_node(writer *w, const ir_node *node) {
    const char *in[64];
    size_t nin = 0;
    OCRS_ASSERT(node->ninputs <= sizeof in / sizeof in[0]);
    for (uint32_t i = 0; i < node->ninputs; i++) {
        in[i] = node->inputs[i] == IR_NONE ? "" : w->names[node->inputs[i]];
        if (node->inputs[i] != IR_NONE) nin = i + 1; /* trailing absent inputs are left out */
    }
    const char *out = w->names[node->output], *base = node->name[0] ? node->name : out, *op = ir_ops[node->op].name;
    switch (node->op) {
    case IR_OP_Conv:
    case IR_OP_ConvTranspose: emit_conv(w, node, base, nin, in, out); return;
    case IR_OP_Relu:
    case IR_OP_Clip:
    case IR_OP_HardSigmoid:
    case IR_OP_HardSwish:
    case IR_OP_Sigmoid:
    case IR_OP_Sqrt:
    case IR_OP_Pow:
    case IR_OP_FakeQuant: emit_act(w, base, NULL, node->attrs.act, in[0], out); return;
    case IR_OP_MaxPool:
    case IR_OP_AveragePool: emit_pool(w, node, base, in[0], out); return;
    case IR_OP_MatMul: emit_matmul(w, node, base, nin, in, out); return;
    case IR_OP_Softmax: emit_softmax(w, node, base, in[0], out); return;
    case IR_OP_ReduceMean: {
        int64_t axes[IR_MAX_RANK], n = 0;
        for (int i = 0; i < IR_MAX_RANK; i++)
            if (node->attrs.axes >> i & 1) axes[n++] = i;
        Onnx__NodeProto *p = add_node(w, op, base, NULL, 1, in, out);
        attr_ints(w, p, "axes", (size_t)n, axes);
        attr_int(w, p, "keepdims", node->attrs.keepdims);
        return;
    }
    case IR_OP_LayerNorm: {
        Onnx__NodeProto *p = add_node(w, op, base, NULL, nin, in, out);
        attr_int(w, p, "axis", node->attrs.axis);
        attr_float(w, p, "epsilon", node->attrs.epsilon);
        return;
    }
    case IR_OP_Transpose:
        attr_ints(w, add_node(w, op, base, NULL, 1, in, out), "perm", (size_t)w->g->values[node->output].rank,
                  node->attrs.perm);
        return;
    case IR_OP_Slice: emit_slice(w, node, base, in[0], out); return;
    case IR_OP_Reshape: emit_reshape(w, node, base, in[0], out); return;
    case IR_OP_Resize: emit_resize(w, node, base, in[0], out); return;
    case IR_OP_BatchNormalization:
        attr_float(w, add_node(w, op, base, NULL, nin, in, out), "epsilon", node->attrs.epsilon);
        return;
    case IR_OP_Concat: attr_int(w, add_node(w, op, base, NULL, nin, in, out), "axis", node->attrs.axis); return;
    case IR_OP_Add:
    case IR_OP_Sub:
    case IR_OP_Mul:
    case IR_OP_Div:
    case IR_OP_GlobalAveragePool:
    case IR_OP_Identity: add_node(w, op, base, NULL, nin, in, out); return;
    case IR_OP_COUNT: break;
    }
    OCRS_ASSERT(!"op without an ONNX form");
}

/* ---- graph ---------------------------------------------------------------- */

/* A float tensor value_info with v's dims as the model declared them. */
static Onnx__ValueInfoProto *value_info(writer *w, ir_id id) {
    const ir_value *v = &w->g->values[id];
    const ir_declared_shape *decl = v->declared && v->declared->rank == v->rank ? v->declared : NULL;
    Onnx__ValueInfoProto *vi = wr_alloc(w, sizeof *vi);
    Onnx__TypeProto *type = wr_alloc(w, sizeof *type);
    Onnx__TypeProto__Tensor *tt = wr_alloc(w, sizeof *tt);
    Onnx__TensorShapeProto *shape = wr_alloc(w, sizeof *shape);
    Onnx__TensorShapeProto__Dimension *dims = wr_alloc(w, sizeof *dims * IR_MAX_RANK);
    Onnx__TensorShapeProto__Dimension **dimp = wr_alloc(w, sizeof *dimp * IR_MAX_RANK);
    if (!vi || !type || !tt || !shape || !dims || !dimp) return NULL;
    for (int i = 0; i < v->rank; i++) {
        Onnx__TensorShapeProto__Dimension *d = dimp[i] = &dims[i];
        *d = (Onnx__TensorShapeProto__Dimension)ONNX__TENSOR_SHAPE_PROTO__DIMENSION__INIT;
        char sym[96];
        ir_format_dim(w->g, v->dims[i], sym, sizeof sym);
        /* A dim fixed by --dim is written as its value. */
        if (ir_dim_static(v->dims[i])) {
            d->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE;
            d->dim_value = v->dims[i].q;
        } else if (decl && decl->param[i]) {
            d->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM;
            d->dim_param = (char *)decl->param[i];
        } else {
            d->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM;
            d->dim_param = wr_strdup(w, sym);
        }
    }
    *shape = (Onnx__TensorShapeProto)ONNX__TENSOR_SHAPE_PROTO__INIT;
    shape->n_dim = (size_t)v->rank;
    shape->dim = dimp;
    *tt = (Onnx__TypeProto__Tensor)ONNX__TYPE_PROTO__TENSOR__INIT;
    tt->has_elem_type = true;
    tt->elem_type = ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT;
    tt->shape = shape;
    *type = (Onnx__TypeProto)ONNX__TYPE_PROTO__INIT;
    type->value_case = ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE;
    type->tensor_type = tt;
    *vi = (Onnx__ValueInfoProto)ONNX__VALUE_INFO_PROTO__INIT;
    vi->name = (char *)w->names[id];
    vi->type = type;
    return vi;
}

/* A quantized weight (ir_value.qbits): its integers as an int8 or int32
 * initializer <name>.quantized with per-slice scales <name>.scale and zero
 * points, and a DequantizeLinear (along out_axis) writing name: the QDQ form
 * ONNX Runtime recognises. The integers are recovered from the floats, each
 * an integer times its slice's scale. */
static void emit_quantized(writer *w, const ir_value *v, const char *name, const int64_t *dims) {
    int64_t n = 1, inner = 1, nslice = v->out_axis >= 0 ? dims[v->out_axis] : 1;
    for (int i = 0; i < v->rank; i++) n *= dims[i];
    for (int i = v->out_axis + 1; v->out_axis >= 0 && i < v->rank; i++) inner *= dims[i];
    bool wide = v->qbits == 32;
    size_t esize = wide ? sizeof(int32_t) : 1;
    void *ints = wr_alloc(w, esize * (size_t)(n ? n : 1)), *zeros = wr_alloc(w, esize * (size_t)nslice);
    if (!ints || !zeros) return;
    const float *x = v->data;
    for (int64_t i = 0; i < n; i++) {
        float q = nearbyintf(x[i] / v->qscale[(i / inner) % nslice]);
        if (wide) ((int32_t *)ints)[i] = (int32_t)q;
        else ((int8_t *)ints)[i] = (int8_t)q;
    }
    Onnx__TensorProto__DataType type = wide ? ONNX__TENSOR_PROTO__DATA_TYPE__INT32 : ONNX__TENSOR_PROTO__DATA_TYPE__INT8;
    int srank = v->out_axis >= 0 ? 1 : 0;
    const char *in[3] = {add_tensor(w, value_name(w, name, "quantized"), type, esize, v->rank, dims, ints),
                         new_floats(w, name, "scale", srank == 0, (size_t)nslice, v->qscale),
                         add_tensor(w, value_name(w, name, "zero_point"), type, esize, srank, &nslice, zeros)};
    Onnx__NodeProto *dq = add_node(w, "DequantizeLinear", name, "Dequantize", 3, in, name);
    if (srank) attr_int(w, dq, "axis", v->out_axis);
}

/* Fills w->graph from w->g; false when out of memory. */
static bool build(writer *w) {
    const ir_graph *g = w->g;
    /* and per quantized weight a DequantizeLinear and three initializers */
    size_t max_nodes = (size_t)g->nnodes * MAX_NODES_PER_OP + g->nvalues;
    size_t max_values = 4 * (size_t)g->nvalues + (size_t)g->nnodes * MAX_NAMES_PER_OP;
    w->names = wr_alloc(w, sizeof(char *) * (g->nvalues ? g->nvalues : 1));
    w->values = (name_set){wr_alloc(w, sizeof(char *) * max_values), 0, max_values};
    w->nodes = (name_set){wr_alloc(w, sizeof(char *) * (max_nodes ? max_nodes : 1)), 0, max_nodes};
    w->graph.node = wr_alloc(w, sizeof(Onnx__NodeProto *) * (max_nodes ? max_nodes : 1));
    w->graph.initializer = wr_alloc(w, sizeof(Onnx__TensorProto *) * max_values);
    w->graph.input = wr_alloc(w, sizeof(Onnx__ValueInfoProto *) * (g->ninputs ? g->ninputs : 1));
    w->graph.output = wr_alloc(w, sizeof(Onnx__ValueInfoProto *) * (g->noutputs ? g->noutputs : 1));
    if (w->nomem) return false;
    for (ir_id v = 0; v < g->nvalues; v++) {
        const char *name = g->values[v].name;
        if (name[0] && !is_taken(&w->values, name)) take(&w->values, w->names[v] = name);
        else if (!(w->names[v] = value_name(w, "value", NULL))) return false;
    }
    bool *read = wr_alloc(w, g->nvalues ? g->nvalues : 1);
    if (!read) return false;
    for (ir_id i = 0; i < g->nnodes; i++)
        for (uint32_t j = 0; j < g->nodes[i].ninputs; j++)
            if (g->nodes[i].inputs[j] != IR_NONE) read[g->nodes[i].inputs[j]] = true;
    for (ir_id v = 0; v < g->nvalues; v++) {
        const ir_value *val = &g->values[v];
        if (!ir_is_weight(val) || !read[v]) continue;
        int64_t dims[IR_MAX_RANK];
        for (int i = 0; i < val->rank; i++) dims[i] = val->dims[i].q;
        if (val->qbits) emit_quantized(w, val, w->names[v], dims);
        else add_initializer(w, w->names[v], val->dtype, val->rank, dims, val->data);
    }
    for (ir_id i = 0; i < g->nnodes; i++) {
        OCRS_ASSERT(!g->nodes[i].dead);
        emit_node(w, &g->nodes[i]);
    }
    for (uint32_t i = 0; i < g->ninputs; i++) w->graph.input[w->graph.n_input++] = value_info(w, g->inputs[i]);
    for (uint32_t i = 0; i < g->noutputs; i++) w->graph.output[w->graph.n_output++] = value_info(w, g->outputs[i]);
    w->graph.name = "ocrslim";
    return !w->nomem;
}

/* protoc-c's output sink, writing straight to the stream. */
typedef struct {
    ProtobufCBuffer base;
    FILE *out;
} file_sink;

static void sink_append(ProtobufCBuffer *b, size_t len, const uint8_t *data) {
    fwrite(data, 1, len, ((file_sink *)b)->out);
}

ocrs_status ocrs_write_onnx(const ir_graph *g, FILE *out, const char *path, ocrs_diag *diag) {
    writer w = {.g = g, .arena = ocrs_arena_new(), .graph = ONNX__GRAPH_PROTO__INIT};
    if (!w.arena || !build(&w)) {
        ocrs_arena_free(w.arena);
        return ocrs_fail(diag, OCRS_ERR_NOMEM, "%s: out of memory building the ONNX model", path);
    }
    if (w.unsupported[0]) {
        ocrs_arena_free(w.arena);
        return ocrs_fail(diag, OCRS_ERR_UNSUPPORTED, "%s: %s has no ONNX form here", path, w.unsupported);
    }
    Onnx__OperatorSetIdProto opset = ONNX__OPERATOR_SET_ID_PROTO__INIT;
    opset.domain = "";
    opset.has_version = true;
    opset.version = OPSET;
    Onnx__OperatorSetIdProto *opsets[1] = {&opset};
    Onnx__ModelProto m = ONNX__MODEL_PROTO__INIT;
    m.has_ir_version = true;
    m.ir_version = IR_VERSION;
    m.n_opset_import = 1;
    m.opset_import = opsets;
    m.producer_name = "ocrslimc";
    m.graph = &w.graph;
    file_sink sink = {{sink_append}, out};
    onnx__model_proto__pack_to_buffer(&m, &sink.base);
    ocrs_arena_free(w.arena);
    if (fflush(out) != 0 || ferror(out))
        return ocrs_fail(diag, OCRS_ERR_IO, "%s: cannot write the ONNX model: %s", path, strerror(errno));
    return OCRS_OK;
}
