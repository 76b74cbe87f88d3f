/* Every ONNX op the importer takes, into IR nodes (ir/ops.def), weights, or
 * compile-time integer tensors (ir_value.shape_data): the Shape, Cast,
 * Gather, Slice, Concat, Unsqueeze chains models use to compute reshape
 * targets are evaluated here, symbolically, and never reach the IR.
 * Reshape, Flatten, Squeeze and Unsqueeze of activations become IR Reshape
 * nodes (copies the code generator turns into aliases), Gemm a MatMul with
 * its constants rearranged, Upsample a Resize. */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "onnx_import.h"

enum { MAX_INTS = 2 * IR_MAX_RANK }; /* elements of a compile-time int tensor */

/* ---- values ------------------------------------------------------------------ */

static ocrs_status nomem(importer *im) { return ocrs_fail(im->diag, OCRS_ERR_NOMEM, "%s: out of memory", im->path); }

/* Input i of node n (IR_NONE when absent). */
static ocrs_status input(importer *im, const Onnx__NodeProto *n, size_t i, ir_id *out) {
    return onnx_lookup(im, i < n->n_input ? n->input[i] : NULL, out);
}

/* Input i, which must be present. */
static ocrs_status required(importer *im, const Onnx__NodeProto *n, size_t i, ir_id *out) {
    ocrs_status st = input(im, n, i, out);
    if (!st && *out == IR_NONE) return NODE_FAIL(im, OCRS_ERR_INVALID, "input %zu is required", i);
    return st;
}

/* Whether v holds integers known at compile time. */
static bool is_ints(const ir_value *v) { return v->shape_data || (v->data && v->dtype == IR_I64); }

/* The elements of a compile-time int tensor (rank <= 1), symbolic or not. */
static ocrs_status ints_of(importer *im, ir_id id, const char *what, ir_dim *vals, int *n) {
    const ir_value *v = &im->g->values[id];
    int64_t count = ir_numel_static(v);
    if (!is_ints(v) || v->rank > 1 || count < 0 || count > MAX_INTS)
        return NODE_FAIL(im, OCRS_ERR_UNSUPPORTED, "%s ('%s') must be a constant or a shape computed at compile time",
                         what, v->name);
    for (int64_t i = 0; i < count; i++)
        vals[i] = v->shape_data ? v->shape_data[i] : ir_dim_const(((const int64_t *)v->data)[i]);
    *n = (int)count;
    return OCRS_OK;
}

/* The same, every element fixed. */
static ocrs_status fixed_ints(importer *im, ir_id id, const char *what, int64_t *vals, int *n) {
    ir_dim d[MAX_INTS];
    ocrs_status st = ints_of(im, id, what, d, n);
    for (int i = 0; !st && i < *n; i++) {
        if (!ir_dim_static(d[i]))
            return NODE_FAIL(im, OCRS_ERR_UNSUPPORTED, "%s must not depend on the input's dynamic dims", what);
        vals[i] = d[i].q;
    }
    return st;
}

/* Defines the node's output as the compile-time ints vals (a scalar when
 * scalar, else a vector of n); a fixed vector is also an int64 weight. */
static ocrs_status def_ints(importer *im, const ir_dim *vals, int n, bool scalar) {
    ir_graph *g = im->g;
    bool fixed = true;
    int64_t data[MAX_INTS] = {0}, dims[1] = {n};
    for (int i = 0; i < n; i++) {
        fixed &= ir_dim_static(vals[i]);
        data[i] = vals[i].q;
    }
    ir_id id = fixed ? ir_add_weight(g, im->node->output[0], IR_I64, scalar ? 0 : 1, dims, data)
                     : ir_add_value(g, im->node->output[0], IR_I64, scalar ? 0 : 1, (ir_dim[]){ir_dim_const(n)});
    ir_dim *copy = ocrs_arena_alloc(g->arena, sizeof(ir_dim) * (size_t)(n ? n : 1));
    if (id == IR_NONE || !copy) return nomem(im);
    memcpy(copy, vals, sizeof(ir_dim) * (size_t)n);
    g->values[id].shape_data = copy;
    return OCRS_OK;
}

/* A new IR node of op on ins with attributes a; its output, named as the
 * ONNX node's, gets its shape from the op's rule, or dims when given (the
 * ops whose output the rule only checks). */
static ocrs_status def_node(importer *im, ir_op op, const ir_id *ins, uint32_t nin, const ir_attrs *a, int rank,
                            const ir_dim *dims, ir_id *node_out) {
    ir_graph *g = im->g;
    const Onnx__NodeProto *n = im->node;
    if ((int)nin < ir_ops[op].min_inputs || (int)nin > ir_ops[op].max_inputs)
        return NODE_FAIL(im, OCRS_ERR_INVALID, "has %u inputs, expects %d to %d", nin, ir_ops[op].min_inputs,
                         ir_ops[op].max_inputs);
    for (uint32_t i = 0; i < nin; i++)
        if (ins[i] != IR_NONE && is_ints(&g->values[ins[i]]))
            return NODE_FAIL(im, OCRS_ERR_UNSUPPORTED, "input %u ('%s') is an integer tensor; %s computes on floats", i,
                             g->values[ins[i]].name, ir_ops[op].name);
    ir_id out = ir_add_value(g, n->output[0], IR_F32, dims ? rank : 0, dims);
    if (out == IR_NONE) return nomem(im);
    ir_id id = ir_add_node(g, op, n->name, nin, ins, out);
    if (id == IR_NONE) return nomem(im);
    g->nodes[id].attrs = *a;
    if (node_out) *node_out = id;
    ir_value *o = &g->values[out];
    return ir_node_shape(g, id, &o->rank, o->dims, im->diag);
}

/* The node's inputs up to the last present one (at most max). */
static ocrs_status inputs(importer *im, const Onnx__NodeProto *n, size_t max, ir_id *ins, uint32_t *nin) {
    *nin = 0;
    for (size_t i = 0; i < n->n_input && i < max; i++) {
        ocrs_status st = input(im, n, i, &ins[i]);
        if (st) return st;
        if (ins[i] != IR_NONE) *nin = (uint32_t)i + 1;
    }
    if (!*nin) return NODE_FAIL(im, OCRS_ERR_INVALID, "has no inputs");
    if (ins[0] == IR_NONE) return NODE_FAIL(im, OCRS_ERR_INVALID, "input 0 is required");
    return OCRS_OK;
}

/* An axis attribute or value in [-rank, rank) made non-negative. */
static ocrs_status axis_of(importer *im, int64_t axis, int rank, int64_t *out) {
    if (axis < -rank || axis >= rank)
        return NODE_FAIL(im, OCRS_ERR_INVALID, "axis %lld out of range for rank %d", (long long)axis, rank);
    *out = axis < 0 ? axis + rank : axis;
    return OCRS_OK;
}

/* ---- attributes of convolutions and resizing ------------------------------- */

static const char *const pad_modes[] = {"NOTSET", "VALID", "SAME_UPPER", "SAME_LOWER", NULL};

/* The pads of auto_pad SAME_UPPER (SAME_LOWER when lower) for a's kernel
 * and stride on NCHW input x: output = ceil(in / stride). The padding that
 * achieves it depends only on in mod stride, which is constant when the
 * stride divides the extent's slope. */
static ocrs_status same_pads(importer *im, ir_attrs *a, const ir_value *x, bool lower) {
    const char *ap = pad_modes[lower ? 3 : 2];
    if (a->dilation[0] != 1 || a->dilation[1] != 1)
        return NODE_FAIL(im, OCRS_ERR_UNSUPPORTED, "auto_pad %s with dilation is not supported (nor by ONNX Runtime)",
                         ap);
    for (int i = 0; i < 2; i++) {
        ir_dim in = x->dims[2 + i], unused;
        int64_t s = a->stride[i], k = a->kernel[i];
        ir_align_need need;
        if (!ir_dim_floordiv(in, 0, s, &unused, &need)) {
            im->diag->need_sym = need.sym;
            im->diag->need_factor = need.factor;
            return NODE_FAIL(im, OCRS_ERR_UNSUPPORTED,
                             "auto_pad %s with stride %lld on an extent not always a multiple", ap, (long long)s);
        }
        int64_t r = ((s - in.q % s) % s + s) % s;
        int64_t total = r - s + k;
        if (total < 0) total = 0;
        a->pad[i] = lower ? total - total / 2 : total / 2;
        a->pad[i + 2] = total - a->pad[i];
    }
    return OCRS_OK;
}

static ocrs_status conv_attrs(importer *im, ir_attrs *a, const ir_value *x, const ir_value *w, bool transpose) {
    a->kernel[0] = w->dims[2].q; /* x and w are 4-D (h_conv) */
    a->kernel[1] = w->dims[3].q;
    ocrs_status st;
    if ((st = onnx_attr_ints(im, "kernel_shape", 2, a->kernel)) || (st = onnx_attr_ints(im, "strides", 2, a->stride)) ||
        (st = onnx_attr_ints(im, "dilations", 2, a->dilation)) || (st = onnx_attr_ints(im, "pads", 4, a->pad)))
        return st;
    /* ONNX orders pads as all begins then all ends: (top, left, bottom, right). */
    if ((st = onnx_attr_int(im, "group", 1, &a->group))) return st;
    if (transpose) {
        if ((st = onnx_attr_ints(im, "output_padding", 2, a->output_padding))) return st;
        if (onnx_attr(im->node, "output_shape"))
            return NODE_FAIL(im, OCRS_ERR_UNSUPPORTED, "attribute output_shape is not supported; give pads instead");
    }
    for (int i = 0; i < 2; i++) {
        if (a->stride[i] <= 0) return NODE_FAIL(im, OCRS_ERR_INVALID, "stride %lld must be positive", (long long)a->stride[i]);
        if (a->dilation[i] <= 0)
            return NODE_FAIL(im, OCRS_ERR_INVALID, "dilation %lld must be positive", (long long)a->dilation[i]);
        if (a->stride[i] > IR_MAX_STRIDE)
            return NODE_FAIL(im, OCRS_ERR_UNSUPPORTED, "stride %lld is above the supported %d", (long long)a->stride[i],
                             IR_MAX_STRIDE);
        if (a->dilation[i] > IR_MAX_DILATION)
            return NODE_FAIL(im, OCRS_ERR_UNSUPPORTED, "dilation %lld is above the supported %d",
                             (long long)a->dilation[i], IR_MAX_DILATION);
        if (a->kernel[i] <= 0 || a->kernel[i] > IR_MAX_KERNEL)
            return NODE_FAIL(im, OCRS_ERR_INVALID, "kernel extent %lld out of range", (long long)a->kernel[i]);
    }
    int mode;
    if ((st = onnx_attr_choice(im, "auto_pad", pad_modes, 0, &mode))) return st;
    if (mode == 0) return OCRS_OK;
    if (mode == 1) {
        memset(a->pad, 0, sizeof a->pad);
        return OCRS_OK;
    }
    if (transpose)
        return NODE_FAIL(im, OCRS_ERR_UNSUPPORTED, "auto_pad %s on ConvTranspose is not supported", pad_modes[mode]);
    return same_pads(im, a, x, mode == 3);
}

static ocrs_status resize_attrs(importer *im, ir_attrs *a, const ir_value *x, bool upsample) {
    const Onnx__NodeProto *n = im->node;
    static const char *const modes[] = {"nearest", NULL};
    int mode;
    ocrs_status st = onnx_attr_choice(im, "mode", modes, 0, &mode);
    if (st) return st;
    float scales[4];
    size_t ns = 0;
    if (upsample || im->opset < 11) {
        const Onnx__AttributeProto *sa;
        if ((st = onnx_attr_of(im, "scales", ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOATS, &sa))) return st;
        if (sa) {
            if (sa->n_floats > 4) return NODE_FAIL(im, OCRS_ERR_INVALID, "scales must have 4 entries");
            memcpy(scales, sa->floats, sizeof(float) * sa->n_floats);
            ns = sa->n_floats;
        } else if ((st = onnx_const_floats(im, n->n_input > 1 ? n->input[1] : NULL, "scales", scales, 4, &ns)))
            return st;
        a->coord = IR_COORD_ASYMMETRIC;
        a->nearest = IR_NEAREST_FLOOR;
    } else {
        /* In the order of ir_coord and ir_nearest. */
        static const char *const coords[] = {"asymmetric", "half_pixel", "pytorch_half_pixel", "align_corners", NULL};
        static const char *const roundings[] = {"floor", "ceil", "round_prefer_floor", "round_prefer_ceil", NULL};
        int coord, nearest;
        if ((st = onnx_attr_choice(im, "coordinate_transformation_mode", coords, IR_COORD_HALF_PIXEL, &coord)) ||
            (st = onnx_attr_choice(im, "nearest_mode", roundings, IR_NEAREST_ROUND_PREFER_FLOOR, &nearest)))
            return st;
        a->coord = (ir_coord)coord;
        a->nearest = (ir_nearest)nearest;
        if ((st = onnx_const_floats(im, n->n_input > 2 ? n->input[2] : NULL, "scales", scales, 4, &ns))) return st;
        if (ns == 0) {
            float sizes[4];
            size_t nz;
            if ((st = onnx_const_floats(im, n->n_input > 3 ? n->input[3] : NULL, "sizes", sizes, 4, &nz))) return st;
            if (nz != 4) return NODE_FAIL(im, OCRS_ERR_INVALID, "needs scales or 4 sizes");
            /* Fixed sizes on a variable extent would pin H and W; accept
             * them only when they scale a fixed extent by a whole factor. */
            for (int i = 0; i < 4; i++) {
                ir_dim d = x->dims[i];
                if (!ir_dim_static(d) || d.q <= 0 || fmodf(sizes[i], (float)d.q) != 0)
                    return NODE_FAIL(im, OCRS_ERR_UNSUPPORTED,
                                     "sizes are supported only as whole multiples of a fixed input extent");
                scales[i] = sizes[i] / (float)d.q;
            }
            ns = 4;
        }
    }
    if (ns != 4) return NODE_FAIL(im, OCRS_ERR_INVALID, "scales must have 4 entries, has %zu", ns);
    if (scales[0] != 1 || scales[1] != 1)
        return NODE_FAIL(im, OCRS_ERR_UNSUPPORTED, "only spatial scaling is supported (N and C scales must be 1)");
    a->scale[0] = scales[2];
    a->scale[1] = scales[3];
    return OCRS_OK;
}

/* ---- ops into IR nodes ---------------------------------------------------------- */

typedef ocrs_status handler(importer *im, const Onnx__NodeProto *n, ir_op op);

static ocrs_status h_conv(importer *im, const Onnx__NodeProto *n, ir_op op) {
    ir_id ins[3];
    uint32_t nin;
    ir_graph *g = im->g;
    ocrs_status st = inputs(im, n, 3, ins, &nin);
    if (!st && (nin < 2 || ins[1] == IR_NONE)) st = NODE_FAIL(im, OCRS_ERR_INVALID, "the weight is required");
    if (!st && (g->values[ins[0]].rank != 4 || g->values[ins[1]].rank != 4))
        st = NODE_FAIL(im, OCRS_ERR_UNSUPPORTED, "input and weight must be 4-D (only 2-D convolutions are supported; "
                       "they are %d-D and %d-D)", g->values[ins[0]].rank, g->values[ins[1]].rank);
    if (st) return st;
    ir_attrs a = ir_attrs_default();
    /* Weights may still be computed from constants here; fold_constants
     * turns them into weights and codegen insists that it did. */
    if ((st = conv_attrs(im, &a, &g->values[ins[0]], &g->values[ins[1]], op == IR_OP_ConvTranspose))) return st;
    if ((st = def_node(im, op, ins, nin, &a, 0, NULL, NULL))) return st;
    /* Channel axes of the weights, for pruning: Conv's weight is
     * [out, in/g, kh, kw], ConvTranspose's is [in, out/g, kh, kw]. */
    ir_value *w = &g->values[ins[1]];
    w->out_axis = op == IR_OP_Conv ? 0 : 1;
    w->in_axis = op == IR_OP_Conv ? 1 : 0;
    if (nin > 2) g->values[ins[2]].out_axis = 0;
    return OCRS_OK;
}

static ocrs_status h_batchnorm(importer *im, const Onnx__NodeProto *n, ir_op op) {
    ir_id ins[5];
    uint32_t nin;
    int64_t training;
    ir_attrs a = ir_attrs_default();
    ocrs_status st;
    if ((st = inputs(im, n, 5, ins, &nin)) || (st = onnx_attr_float(im, "epsilon", 1e-5f, &a.epsilon)) ||
        (st = onnx_attr_int(im, "training_mode", 0, &training)))
        return st;
    if (training) return NODE_FAIL(im, OCRS_ERR_UNSUPPORTED, "training_mode is not supported");
    return def_node(im, op, ins, nin, &a, 0, NULL, NULL);
}

/* The activations: Relu, Sigmoid, HardSwish, Sqrt, HardSigmoid, Clip, Pow. */
static ocrs_status h_act(importer *im, const Onnx__NodeProto *n, ir_op op) {
    ir_id x;
    ocrs_status st = required(im, n, 0, &x);
    if (st) return st;
    ir_attrs a = ir_attrs_default();
    a.act.kind = ir_unary_act(op);
    if (op == IR_OP_HardSigmoid) {
        if ((st = onnx_attr_float(im, "alpha", 0.2f, &a.act.a)) || (st = onnx_attr_float(im, "beta", 0.5f, &a.act.b)))
            return st;
    } else if (op == IR_OP_Clip) {
        a.act.a = -INFINITY, a.act.b = INFINITY;
        if (im->opset < 11) {
            if ((st = onnx_attr_float(im, "min", -FLT_MAX, &a.act.a)) ||
                (st = onnx_attr_float(im, "max", FLT_MAX, &a.act.b)))
                return st;
        } else {
            float v;
            size_t cnt;
            if ((st = onnx_const_floats(im, n->n_input > 1 ? n->input[1] : NULL, "min", &v, 1, &cnt))) return st;
            if (cnt) a.act.a = v;
            if ((st = onnx_const_floats(im, n->n_input > 2 ? n->input[2] : NULL, "max", &v, 1, &cnt))) return st;
            if (cnt) a.act.b = v;
        }
    } else if (op == IR_OP_Pow) {
        size_t cnt;
        if ((st = onnx_const_floats(im, n->n_input > 1 ? n->input[1] : NULL, "the exponent", &a.act.a, 1, &cnt)))
            return st;
        if (cnt != 1) return NODE_FAIL(im, OCRS_ERR_UNSUPPORTED, "the exponent must be one constant");
    }
    return def_node(im, op, &x, 1, &a, 0, NULL, NULL);
}

/* Identity (and Cast to float): the value again. Compile-time ints stay
 * compile-time ints. */
static ocrs_status h_identity(importer *im, const Onnx__NodeProto *n, ir_op op) {
    ir_id x;
    ocrs_status st = required(im, n, 0, &x);
    if (st) return st;
    const ir_value *v = &im->g->values[x];
    if (is_ints(v)) {
        ir_dim vals[MAX_INTS];
        int cnt;
        return (st = ints_of(im, x, "the input", vals, &cnt)) ? st : def_ints(im, vals, cnt, v->rank == 0);
    }
    ir_attrs a = ir_attrs_default();
    return def_node(im, IR_OP_Identity, &x, 1, &a, 0, NULL, NULL);
}

static ocrs_status h_cast(importer *im, const Onnx__NodeProto *n, ir_op op) {
    int64_t to;
    ocrs_status st = onnx_attr_int(im, "to", 0, &to);
    if (st) return st;
    ir_id x;
    if ((st = required(im, n, 0, &x))) return st;
    bool ints = is_ints(&im->g->values[x]);
    bool to_int = to == ONNX__TENSOR_PROTO__DATA_TYPE__INT64 || to == ONNX__TENSOR_PROTO__DATA_TYPE__INT32;
    if (ints && to_int) return h_identity(im, n, op);
    if (!ints && to == ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT && im->g->values[x].dtype == IR_F32)
        return h_identity(im, n, op);
    return NODE_FAIL(im, OCRS_ERR_UNSUPPORTED, "a cast to %s of '%s' (only FLOAT to FLOAT, and integers a shape "
                     "computation holds, are supported)", onnx_dtype_name((int32_t)to), im->g->values[x].name);
}

/* Elementwise Add, Sub, Mul, Div on floats, or on compile-time ints (shape
 * arithmetic: exact, or an error). */
static ocrs_status h_binary(importer *im, const Onnx__NodeProto *n, ir_op op) {
    ir_id ins[2];
    ocrs_status st;
    if ((st = required(im, n, 0, &ins[0])) || (st = required(im, n, 1, &ins[1]))) return st;
    const ir_value *x = &im->g->values[ins[0]], *y = &im->g->values[ins[1]];
    if (!is_ints(x) || !is_ints(y)) {
        ir_attrs a = ir_attrs_default();
        return def_node(im, op, ins, 2, &a, 0, NULL, NULL);
    }
    ir_dim a[MAX_INTS], b[MAX_INTS], r[MAX_INTS];
    int na, nb;
    if ((st = ints_of(im, ins[0], "input 0", a, &na)) || (st = ints_of(im, ins[1], "input 1", b, &nb))) return st;
    if (na != nb && na != 1 && nb != 1) return NODE_FAIL(im, OCRS_ERR_INVALID, "operands do not broadcast");
    int nr = na > nb ? na : nb;
    for (int i = 0; i < nr; i++) {
        ir_dim p = a[na == 1 ? 0 : i], q = b[nb == 1 ? 0 : i];
        ir_align_need need;
        bool ok = op == IR_OP_Add ? ir_dim_add(p, q, &r[i])
                  : op == IR_OP_Sub ? ir_dim_sub(p, q, &r[i])
                  : op == IR_OP_Mul ? ir_dim_mul(p, q, &r[i])
                                    : ir_dim_div(p, q, &r[i], &need);
        if (!ok) return NODE_FAIL(im, OCRS_ERR_UNSUPPORTED, "shape arithmetic without an exact result");
    }
    return def_ints(im, r, nr, x->rank == 0 && y->rank == 0);
}

static ocrs_status h_simple(importer *im, const Onnx__NodeProto *n, ir_op op) {
    ir_id x;
    ocrs_status st = required(im, n, 0, &x);
    ir_attrs a = ir_attrs_default();
    return st ? st : def_node(im, op, &x, 1, &a, 0, NULL, NULL);
}

/* Input 0, which must be 4-D NCHW (2-D spatial ops). */
static ocrs_status nchw_input(importer *im, const Onnx__NodeProto *n, ir_id *x) {
    ocrs_status st = required(im, n, 0, x);
    if (!st && im->g->values[*x].rank != 4)
        st = NODE_FAIL(im, OCRS_ERR_UNSUPPORTED, "input must be 4-D NCHW (only 2-D spatial ops are supported)");
    return st;
}

static ocrs_status h_resize(importer *im, const Onnx__NodeProto *n, ir_op op) {
    ir_id x;
    ocrs_status st = nchw_input(im, n, &x);
    if (st) return st;
    const ir_value *xv = &im->g->values[x];
    ir_attrs a = ir_attrs_default();
    if ((st = resize_attrs(im, &a, xv, strcmp(n->op_type, "Upsample") == 0))) return st;
    return def_node(im, IR_OP_Resize, &x, 1, &a, 0, NULL, NULL);
}

/* Concat of activations, or of compile-time ints (axis 0). */
static ocrs_status h_concat(importer *im, const Onnx__NodeProto *n, ir_op op) {
    if (!onnx_attr(n, "axis")) return NODE_FAIL(im, OCRS_ERR_INVALID, "attribute axis is required");
    ir_attrs a = ir_attrs_default();
    ocrs_status st = onnx_attr_int(im, "axis", 0, &a.axis);
    if (st) return st;
    if (n->n_input < 1 || n->n_input > 64) return NODE_FAIL(im, OCRS_ERR_UNSUPPORTED, "takes 1 to 64 inputs");
    ir_id ins[64];
    bool ints = true;
    for (size_t i = 0; i < n->n_input; i++) {
        if ((st = required(im, n, i, &ins[i]))) return st;
        ints &= is_ints(&im->g->values[ins[i]]);
    }
    if (!ints) return def_node(im, op, ins, (uint32_t)n->n_input, &a, 0, NULL, NULL);
    ir_dim vals[MAX_INTS];
    int total = 0;
    for (size_t i = 0; i < n->n_input; i++) {
        ir_dim part[MAX_INTS];
        int cnt;
        if ((st = ints_of(im, ins[i], "an input", part, &cnt))) return st;
        if (total + cnt > MAX_INTS) return NODE_FAIL(im, OCRS_ERR_UNSUPPORTED, "too long a shape");
        memcpy(vals + total, part, sizeof(ir_dim) * (size_t)cnt);
        total += cnt;
    }
    return def_ints(im, vals, total, false);
}

static ocrs_status h_pool(importer *im, const Onnx__NodeProto *n, ir_op op) {
    ir_id x;
    ocrs_status st = nchw_input(im, n, &x);
    if (st) return st;
    ir_attrs a = ir_attrs_default();
    int64_t storage_order = 0;
    if ((st = onnx_attr_ints(im, "kernel_shape", 2, a.kernel)) || (st = onnx_attr_ints(im, "strides", 2, a.stride)) ||
        (st = onnx_attr_ints(im, "pads", 4, a.pad)) || (st = onnx_attr_int(im, "ceil_mode", 0, &a.ceil_mode)) ||
        (st = onnx_attr_int(im, "storage_order", 0, &storage_order)))
        return st;
    if (op == IR_OP_MaxPool && (st = onnx_attr_ints(im, "dilations", 2, a.dilation))) return st;
    if (op == IR_OP_AveragePool && (st = onnx_attr_int(im, "count_include_pad", 0, &a.count_include_pad))) return st;
    if (!onnx_attr(n, "kernel_shape")) return NODE_FAIL(im, OCRS_ERR_INVALID, "attribute kernel_shape is required");
    if (n->n_output > 1 && n->output[1][0]) return NODE_FAIL(im, OCRS_ERR_UNSUPPORTED, "the Indices output is not supported");
    int mode;
    if ((st = onnx_attr_choice(im, "auto_pad", pad_modes, 0, &mode))) return st;
    if (mode == 1) memset(a.pad, 0, sizeof a.pad);
    if (mode >= 2 && (st = same_pads(im, &a, &im->g->values[x], mode == 3))) return st;
    a.ceil_mode = a.ceil_mode != 0;
    a.count_include_pad = a.count_include_pad != 0;
    return def_node(im, op, &x, 1, &a, 0, NULL, NULL);
}

static ocrs_status h_matmul(importer *im, const Onnx__NodeProto *n, ir_op op) {
    ir_id ins[2];
    ocrs_status st;
    if ((st = required(im, n, 0, &ins[0])) || (st = required(im, n, 1, &ins[1]))) return st;
    ir_attrs a = ir_attrs_default();
    return def_node(im, IR_OP_MatMul, ins, 2, &a, 0, NULL, NULL);
}

/* Gemm: alpha * A' B' + beta * C as MatMul (with the bias fused when C is a
 * vector), A' a Transpose of A when transA; a constant B is transposed and
 * scaled in place, and a constant C scaled. */
static ocrs_status h_gemm(importer *im, const Onnx__NodeProto *n, ir_op op) {
    ir_graph *g = im->g;
    ir_id A, B, C;
    float alpha, beta;
    int64_t ta, tb;
    ocrs_status st;
    if ((st = required(im, n, 0, &A)) || (st = required(im, n, 1, &B)) || (st = input(im, n, 2, &C)) ||
        (st = onnx_attr_float(im, "alpha", 1, &alpha)) || (st = onnx_attr_float(im, "beta", 1, &beta)) ||
        (st = onnx_attr_int(im, "transA", 0, &ta)) || (st = onnx_attr_int(im, "transB", 0, &tb)))
        return st;
    const ir_value *bv = &g->values[B], *av = &g->values[A];
    if (av->rank != 2 || bv->rank != 2) return NODE_FAIL(im, OCRS_ERR_INVALID, "A and B must be matrices");
    if (!ir_is_weight(bv) || bv->dtype != IR_F32 || (C != IR_NONE && !ir_is_weight(&g->values[C])))
        return NODE_FAIL(im, OCRS_ERR_UNSUPPORTED, "B and C must be constants");
    /* B' = alpha * B^T (transB) or alpha * B, as a new weight. */
    int64_t r = bv->dims[0].q, c = bv->dims[1].q, dims[2] = {tb ? c : r, tb ? r : c};
    const float *src = bv->data;
    float *w = malloc(sizeof(float) * (size_t)(r * c > 0 ? r * c : 1));
    if (!w) return nomem(im);
    for (int64_t i = 0; i < r; i++)
        for (int64_t j = 0; j < c; j++) w[tb ? j * r + i : i * c + j] = alpha * src[i * c + j];
    char name[600];
    snprintf(name, sizeof name, "%s.B", n->output[0]);
    ir_id Bw = ir_add_weight(g, name, IR_F32, 2, dims, w);
    free(w);
    if (Bw == IR_NONE) return nomem(im);
    ir_attrs a = ir_attrs_default();
    ir_id lhs = A;
    if (ta) {
        /* A' = A^T: a Transpose node of its own, named after the output. */
        snprintf(name, sizeof name, "%s.A", n->output[0]);
        ir_id t = ir_add_value(g, name, IR_F32, 0, NULL), node;
        if (t == IR_NONE || (node = ir_add_node(g, IR_OP_Transpose, n->name, 1, &A, t)) == IR_NONE) return nomem(im);
        g->nodes[node].attrs.perm[0] = 1;
        ir_value *tv = &g->values[t];
        if ((st = ir_node_shape(g, node, &tv->rank, tv->dims, im->diag))) return st;
        lhs = t;
    }
    ir_id ins[3] = {lhs, Bw, IR_NONE};
    uint32_t nin = 2;
    const ir_value *cv = C == IR_NONE ? NULL : &g->values[C];
    int64_t cn = cv ? ir_numel_static(cv) : 0, ncols = dims[1];
    if (cv && (cn == ncols || cn == 1) && cv->rank <= 2) {
        /* A bias of one row (or one value): the MatMul's bias input. */
        float *bias = malloc(sizeof(float) * (size_t)ncols);
        if (!bias) return nomem(im);
        for (int64_t j = 0; j < ncols; j++) bias[j] = beta * ((const float *)cv->data)[cn == 1 ? 0 : j];
        snprintf(name, sizeof name, "%s.C", n->output[0]);
        ins[2] = ir_add_weight(g, name, IR_F32, 1, &ncols, bias);
        free(bias);
        if (ins[2] == IR_NONE) return nomem(im);
        nin = 3;
    } else if (cv) {
        return NODE_FAIL(im, OCRS_ERR_UNSUPPORTED, "C must have one value or one row");
    }
    return def_node(im, IR_OP_MatMul, ins, nin, &a, 0, NULL, NULL);
}

/* Softmax before opset 13 normalises over every axis from axis on (the
 * input seen as 2-D); from 13 over that axis alone. */
static ocrs_status h_softmax(importer *im, const Onnx__NodeProto *n, ir_op op) {
    ir_id x;
    int64_t axis;
    ocrs_status st;
    if ((st = required(im, n, 0, &x)) || (st = onnx_attr_int(im, "axis", im->opset < 13 ? 1 : -1, &axis))) return st;
    int rank = im->g->values[x].rank;
    if ((st = axis_of(im, axis, rank, &axis))) return st;
    ir_attrs a = ir_attrs_default();
    a.axes = im->opset < 13 ? (int64_t)((1u << rank) - (1u << axis)) : (int64_t)1 << axis;
    return def_node(im, op, &x, 1, &a, 0, NULL, NULL);
}

static ocrs_status h_reduce_mean(importer *im, const Onnx__NodeProto *n, ir_op op) {
    ir_id x;
    ocrs_status st = required(im, n, 0, &x);
    if (st) return st;
    int rank = im->g->values[x].rank;
    const Onnx__AttributeProto *axes;
    ir_attrs a = ir_attrs_default();
    if ((st = onnx_attr_int(im, "keepdims", 1, &a.keepdims)) ||
        (st = onnx_attr_of(im, "axes", ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS, &axes)))
        return st;
    a.keepdims = a.keepdims != 0;
    if (!axes || !axes->n_ints) a.axes = (int64_t)((1u << rank) - 1);
    for (size_t i = 0; axes && i < axes->n_ints; i++) {
        int64_t ax = 0;
        if ((st = axis_of(im, axes->ints[i], rank, &ax))) return st;
        a.axes |= (int64_t)1 << ax;
    }
    return def_node(im, op, &x, 1, &a, 0, NULL, NULL);
}

static ocrs_status h_layernorm(importer *im, const Onnx__NodeProto *n, ir_op op) {
    ir_id ins[3];
    uint32_t nin;
    ir_attrs a = ir_attrs_default();
    int64_t stash;
    ocrs_status st;
    if ((st = inputs(im, n, 3, ins, &nin)) || (st = onnx_attr_int(im, "axis", -1, &a.axis)) ||
        (st = onnx_attr_float(im, "epsilon", 1e-5f, &a.epsilon)) || (st = onnx_attr_int(im, "stash_type", 1, &stash)))
        return st;
    for (size_t i = 1; i < n->n_output; i++)
        if (n->output[i][0])
            return NODE_FAIL(im, OCRS_ERR_UNSUPPORTED, "the Mean and InvStdDev outputs are not supported");
    return def_node(im, op, ins, nin, &a, 0, NULL, NULL);
}

static ocrs_status h_transpose(importer *im, const Onnx__NodeProto *n, ir_op op) {
    ir_id x;
    ocrs_status st = required(im, n, 0, &x);
    if (st) return st;
    int rank = im->g->values[x].rank;
    ir_attrs a = ir_attrs_default();
    const Onnx__AttributeProto *perm;
    if ((st = onnx_attr_of(im, "perm", ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS, &perm))) return st;
    if (perm && perm->n_ints != (size_t)rank)
        return NODE_FAIL(im, OCRS_ERR_INVALID, "perm has %zu entries for rank %d", perm->n_ints, rank);
    for (int i = 0; i < rank; i++) a.perm[i] = perm ? perm->ints[i] : rank - 1 - i; /* default: reversed */
    return def_node(im, op, &x, 1, &a, 0, NULL, NULL);
}

/* ---- reshapes ----------------------------------------------------------------------- */

/* Defines the node's output as x seen with dims: a weight of new dims for a
 * constant, compile-time ints of new rank, else a Reshape node. */
static ocrs_status def_reshape(importer *im, ir_id x, int rank, const ir_dim *dims) {
    ir_graph *g = im->g;
    const ir_value *v = &g->values[x];
    if (rank > IR_MAX_RANK) return NODE_FAIL(im, OCRS_ERR_UNSUPPORTED, "rank %d above %d", rank, IR_MAX_RANK);
    if (is_ints(v)) {
        ir_dim vals[MAX_INTS];
        int cnt;
        ocrs_status st = ints_of(im, x, "the input", vals, &cnt);
        if (!st && rank > 1) st = NODE_FAIL(im, OCRS_ERR_UNSUPPORTED, "a shape computation of rank above 1");
        return st ? st : def_ints(im, vals, cnt, rank == 0);
    }
    if (ir_is_weight(v)) {
        int64_t d[IR_MAX_RANK];
        for (int i = 0; i < rank; i++) d[i] = dims[i].q;
        ir_id id = ir_add_weight(g, im->node->output[0], v->dtype, rank, d, v->data);
        return id == IR_NONE ? nomem(im) : OCRS_OK;
    }
    ir_attrs a = ir_attrs_default();
    return def_node(im, IR_OP_Reshape, &x, 1, &a, rank, dims, NULL);
}

/* The extent target[k] = -1 stands for: the input's element count over the
 * others', equal extents cancelled first so that only what differs has to
 * divide exactly. */
static ocrs_status infer_extent(importer *im, const ir_value *x, const ir_dim *out, int rank, int k, ir_dim *res) {
    bool used[IR_MAX_RANK] = {false};
    ir_dim num = ir_dim_const(1), den = ir_dim_const(1);
    for (int j = 0; j < rank; j++) {
        if (j == k) continue;
        int i = 0;
        while (i < x->rank && (used[i] || !ir_dim_equal(x->dims[i], out[j]))) i++;
        if (i < x->rank) used[i] = true;
        else if (!ir_dim_mul(den, out[j], &den)) goto inexact;
    }
    for (int i = 0; i < x->rank; i++)
        if (!used[i] && !ir_dim_mul(num, x->dims[i], &num)) goto inexact;
    ir_align_need need;
    if (ir_dim_div(num, den, res, &need)) return OCRS_OK;
    if (need.sym >= 0) {
        im->diag->need_sym = need.sym;
        im->diag->need_factor = need.factor;
    }
inexact:
    return NODE_FAIL(im, OCRS_ERR_UNSUPPORTED, "the -1 of the target shape is not an exact quotient of the input's "
                     "element count");
}

static ocrs_status h_reshape(importer *im, const Onnx__NodeProto *n, ir_op op) {
    ir_id x, s;
    ocrs_status st;
    int64_t allowzero;
    if ((st = required(im, n, 0, &x)) || (st = required(im, n, 1, &s)) ||
        (st = onnx_attr_int(im, "allowzero", 0, &allowzero)))
        return st;
    ir_dim t[MAX_INTS];
    int rank;
    if ((st = ints_of(im, s, "the target shape", t, &rank))) return st;
    if (rank > IR_MAX_RANK) return NODE_FAIL(im, OCRS_ERR_UNSUPPORTED, "rank %d above %d", rank, IR_MAX_RANK);
    const ir_value *xv = &im->g->values[x];
    int minus = -1;
    for (int i = 0; i < rank; i++) {
        if (!ir_dim_static(t[i])) continue;
        if (t[i].q == 0 && !allowzero) {
            if (i >= xv->rank) return NODE_FAIL(im, OCRS_ERR_INVALID, "a 0 past the input's rank");
            t[i] = xv->dims[i];
        } else if (t[i].q == -1) {
            if (minus >= 0) return NODE_FAIL(im, OCRS_ERR_INVALID, "two -1 in the target shape");
            minus = i;
        } else if (t[i].q <= 0) {
            return NODE_FAIL(im, OCRS_ERR_UNSUPPORTED, "target extent %lld", (long long)t[i].q);
        }
    }
    if (minus >= 0 && (st = infer_extent(im, xv, t, rank, minus, &t[minus]))) return st;
    return def_reshape(im, x, rank, t);
}

static ocrs_status h_flatten(importer *im, const Onnx__NodeProto *n, ir_op op) {
    ir_id x;
    int64_t axis;
    ocrs_status st;
    if ((st = required(im, n, 0, &x)) || (st = onnx_attr_int(im, "axis", 1, &axis))) return st;
    const ir_value *xv = &im->g->values[x];
    if (axis != xv->rank && (st = axis_of(im, axis, xv->rank, &axis))) return st;
    ir_dim d[2] = {ir_dim_const(1), ir_dim_const(1)};
    for (int i = 0; i < xv->rank; i++)
        if (!ir_dim_mul(d[i >= axis], xv->dims[i], &d[i >= axis]))
            return NODE_FAIL(im, OCRS_ERR_UNSUPPORTED, "the flattened extent is not representable");
    return def_reshape(im, x, 2, d);
}

/* The axes of Squeeze and Unsqueeze: the attribute (opset < 13) or input 1. */
static ocrs_status axes_list(importer *im, const Onnx__NodeProto *n, int64_t *axes, int *count) {
    *count = 0;
    if (im->opset < 13) {
        const Onnx__AttributeProto *a;
        ocrs_status st = onnx_attr_of(im, "axes", ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS, &a);
        if (st || !a) return st;
        if (a->n_ints > MAX_INTS) return NODE_FAIL(im, OCRS_ERR_INVALID, "too many axes");
        for (size_t i = 0; i < a->n_ints; i++) axes[i] = a->ints[i];
        *count = (int)a->n_ints;
        return OCRS_OK;
    }
    ir_id v;
    ocrs_status st = input(im, n, 1, &v);
    return st || v == IR_NONE ? st : fixed_ints(im, v, "axes", axes, count);
}

static ocrs_status h_squeeze(importer *im, const Onnx__NodeProto *n, ir_op op) {
    ir_id x;
    int64_t axes[MAX_INTS];
    int count;
    ocrs_status st;
    if ((st = required(im, n, 0, &x)) || (st = axes_list(im, n, axes, &count))) return st;
    const ir_value *xv = &im->g->values[x];
    bool drop[IR_MAX_RANK] = {false};
    for (int i = 0; i < count; i++) {
        int64_t ax = 0;
        if ((st = axis_of(im, axes[i], xv->rank, &ax))) return st;
        if (!ir_dim_equal(xv->dims[ax], ir_dim_const(1)))
            return NODE_FAIL(im, OCRS_ERR_INVALID, "axis %lld is not always 1", (long long)axes[i]);
        drop[ax] = true;
    }
    ir_dim d[IR_MAX_RANK];
    int r = 0;
    for (int i = 0; i < xv->rank; i++)
        if (!(count ? drop[i] : ir_dim_equal(xv->dims[i], ir_dim_const(1)))) d[r++] = xv->dims[i];
    return def_reshape(im, x, r, d);
}

static ocrs_status h_unsqueeze(importer *im, const Onnx__NodeProto *n, ir_op op) {
    ir_id x;
    int64_t axes[MAX_INTS];
    int count;
    ocrs_status st;
    if ((st = required(im, n, 0, &x)) || (st = axes_list(im, n, axes, &count))) return st;
    const ir_value *xv = &im->g->values[x];
    int rank = xv->rank + count;
    if (rank > IR_MAX_RANK) return NODE_FAIL(im, OCRS_ERR_UNSUPPORTED, "rank %d above %d", rank, IR_MAX_RANK);
    bool one[IR_MAX_RANK] = {false};
    for (int i = 0; i < count; i++) {
        int64_t ax = 0;
        if ((st = axis_of(im, axes[i], rank, &ax))) return st;
        if (one[ax]) return NODE_FAIL(im, OCRS_ERR_INVALID, "axis %lld given twice", (long long)axes[i]);
        one[ax] = true;
    }
    ir_dim d[IR_MAX_RANK];
    for (int i = 0, k = 0; i < rank; i++) d[i] = one[i] ? ir_dim_const(1) : xv->dims[k++];
    return def_reshape(im, x, rank, d);
}

/* ---- shape computations ------------------------------------------------------- */

static ocrs_status h_shape(importer *im, const Onnx__NodeProto *n, ir_op op) {
    ir_id x;
    int64_t start, end;
    ocrs_status st;
    if ((st = required(im, n, 0, &x)) || (st = onnx_attr_int(im, "start", 0, &start)) ||
        (st = onnx_attr_int(im, "end", INT64_MAX, &end)))
        return st;
    const ir_value *v = &im->g->values[x];
    if (start < 0) start = start + v->rank < 0 ? 0 : start + v->rank;
    if (end < 0) end = end + v->rank < 0 ? 0 : end + v->rank;
    if (start > v->rank) start = v->rank;
    if (end > v->rank) end = v->rank;
    return def_ints(im, v->dims + start, end > start ? (int)(end - start) : 0, false);
}

static ocrs_status h_gather(importer *im, const Onnx__NodeProto *n, ir_op op) {
    ir_id data, idx;
    int64_t axis;
    ocrs_status st;
    if ((st = required(im, n, 0, &data)) || (st = required(im, n, 1, &idx)) ||
        (st = onnx_attr_int(im, "axis", 0, &axis)))
        return st;
    if (!is_ints(&im->g->values[data]) || axis != 0)
        return NODE_FAIL(im, OCRS_ERR_UNSUPPORTED, "only gathering from a shape computed at compile time is supported");
    ir_dim vals[MAX_INTS], r[MAX_INTS];
    int64_t at[MAX_INTS];
    int nv, ni;
    if ((st = ints_of(im, data, "the data", vals, &nv)) || (st = fixed_ints(im, idx, "the indices", at, &ni))) return st;
    for (int i = 0; i < ni; i++) {
        if (at[i] < -nv || at[i] >= nv) return NODE_FAIL(im, OCRS_ERR_INVALID, "index %lld out of range", (long long)at[i]);
        r[i] = vals[at[i] < 0 ? at[i] + nv : at[i]];
    }
    return def_ints(im, r, ni, im->g->values[idx].rank == 0);
}

/* Slice: starts, ends, axes, steps from attributes (opset < 10) or inputs. */
static ocrs_status slice_params(importer *im, const Onnx__NodeProto *n, int64_t *p[4], int cnt[4]) {
    static const char *const names[4] = {"starts", "ends", "axes", "steps"};
    for (int k = 0; k < 4; k++) {
        cnt[k] = -1;
        if (im->opset < 10) {
            const Onnx__AttributeProto *a;
            ocrs_status st = k == 3 ? OCRS_OK : onnx_attr_of(im, names[k], ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS, &a);
            if (st) return st;
            if (k < 3 && a) {
                if (a->n_ints > MAX_INTS) return NODE_FAIL(im, OCRS_ERR_INVALID, "too many %s", names[k]);
                memcpy(p[k], a->ints, sizeof(int64_t) * a->n_ints);
                cnt[k] = (int)a->n_ints;
            }
            continue;
        }
        ir_id v;
        ocrs_status st = input(im, n, (size_t)k + 1, &v);
        if (!st && v != IR_NONE) st = fixed_ints(im, v, names[k], p[k], &cnt[k]);
        if (st) return st;
    }
    if (cnt[0] < 0 || cnt[1] != cnt[0] || (cnt[2] >= 0 && cnt[2] != cnt[0]) || (cnt[3] >= 0 && cnt[3] != cnt[0]))
        return NODE_FAIL(im, OCRS_ERR_INVALID, "starts, ends, axes and steps must be as long as each other");
    return OCRS_OK;
}

static ocrs_status h_slice(importer *im, const Onnx__NodeProto *n, ir_op op) {
    ir_id x;
    ocrs_status st = required(im, n, 0, &x);
    int64_t starts[MAX_INTS], ends[MAX_INTS], axes[MAX_INTS], steps[MAX_INTS];
    int64_t *p[4] = {starts, ends, axes, steps};
    int cnt[4];
    if (st || (st = slice_params(im, n, p, cnt))) return st;
    const ir_value *xv = &im->g->values[x];
    bool ints = is_ints(xv);
    ir_dim vals[MAX_INTS];
    int nv = 0;
    if (ints && (st = ints_of(im, x, "the data", vals, &nv))) return st;
    int rank = ints ? 1 : xv->rank;
    ir_attrs a = ir_attrs_default();
    ir_dim out[IR_MAX_RANK];
    memcpy(out, xv->dims, sizeof out);
    if (ints) out[0] = ir_dim_const(nv);
    bool seen[IR_MAX_RANK] = {false};
    for (int i = 0; i < cnt[0]; i++) {
        int64_t ax = cnt[2] >= 0 ? axes[i] : i, step = cnt[3] >= 0 ? steps[i] : 1;
        if ((st = axis_of(im, ax, rank, &ax))) return st;
        if (seen[ax]) return NODE_FAIL(im, OCRS_ERR_INVALID, "axis %lld sliced twice", (long long)ax);
        seen[ax] = true;
        if (step == 0) return NODE_FAIL(im, OCRS_ERR_INVALID, "step 0");
        ir_dim d = out[ax];
        int64_t lo, hi, s = starts[i], e = ends[i];
        if (!ir_dim_range(d, im->g->syms, &lo, &hi)) return NODE_FAIL(im, OCRS_ERR_INVALID, "axis %lld too large", (long long)ax);
        /* The whole of a symbolic axis. */
        if (!ir_dim_static(d) && step == 1 && (s == 0 || s <= -hi) && e >= hi) continue;
        /* Else a fixed part, clamped as ONNX clamps, of a fixed extent or of
         * one within the symbolic extent's smallest value. */
        int64_t dim = ir_dim_static(d) ? d.q : lo;
        if (!ir_dim_static(d) && (s < 0 || e < 0 || e > lo || step < 0))
            return NODE_FAIL(im, OCRS_ERR_UNSUPPORTED, "a part of a symbolic extent must be fixed (non-negative "
                             "start and end within its smallest value %lld, positive step)", (long long)lo);
        if (s < 0) s += dim;
        if (e < 0) e += dim;
        if (step > 0) {
            s = s < 0 ? 0 : s > dim ? dim : s;
            e = e < 0 ? 0 : e > dim ? dim : e;
        } else {
            s = s < 0 ? -1 : s > dim - 1 ? dim - 1 : s;
            e = e < -1 ? -1 : e > dim - 1 ? dim - 1 : e;
        }
        int64_t len = step > 0 ? (e - s + step - 1) / step : (s - e + (-step) - 1) / (-step);
        if (len <= 0) return NODE_FAIL(im, OCRS_ERR_UNSUPPORTED, "an empty slice of axis %lld", (long long)ax);
        out[ax] = ir_dim_const(len);
        a.start[ax] = s;
        a.step[ax] = step;
    }
    if (ints) {
        ir_dim r[MAX_INTS];
        for (int64_t i = 0; i < out[0].q; i++) r[i] = vals[a.start[0] + i * a.step[0]];
        return def_ints(im, r, (int)out[0].q, false);
    }
    return def_node(im, IR_OP_Slice, &x, 1, &a, rank, out, NULL);
}

static ocrs_status h_constant(importer *im, const Onnx__NodeProto *n, ir_op op) {
    const Onnx__AttributeProto *v;
    ocrs_status st = onnx_attr_of(im, "value", ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSOR, &v);
    if (st) return st;
    if (!v) return NODE_FAIL(im, OCRS_ERR_UNSUPPORTED, "only the tensor 'value' form of Constant is supported");
    ir_id id;
    return onnx_import_tensor(im, v->t, n->output[0], &id);
}

/* ---- the table ---------------------------------------------------------------------- */

static const struct {
    const char *onnx;
    handler *fn;
    ir_op op; /* what the handler makes of it, when one op */
} handlers[] = {
    {"Conv", h_conv, IR_OP_Conv},
    {"ConvTranspose", h_conv, IR_OP_ConvTranspose},
    {"BatchNormalization", h_batchnorm, IR_OP_BatchNormalization},
    {"Relu", h_act, IR_OP_Relu},
    {"Clip", h_act, IR_OP_Clip},
    {"HardSigmoid", h_act, IR_OP_HardSigmoid},
    {"HardSwish", h_act, IR_OP_HardSwish},
    {"Sigmoid", h_act, IR_OP_Sigmoid},
    {"Sqrt", h_act, IR_OP_Sqrt},
    {"Pow", h_act, IR_OP_Pow},
    {"Identity", h_identity, IR_OP_Identity},
    {"Cast", h_cast, IR_OP_Identity},
    {"Add", h_binary, IR_OP_Add},
    {"Sub", h_binary, IR_OP_Sub},
    {"Mul", h_binary, IR_OP_Mul},
    {"Div", h_binary, IR_OP_Div},
    {"GlobalAveragePool", h_simple, IR_OP_GlobalAveragePool},
    {"Resize", h_resize, IR_OP_Resize},
    {"Upsample", h_resize, IR_OP_Resize},
    {"Concat", h_concat, IR_OP_Concat},
    {"MaxPool", h_pool, IR_OP_MaxPool},
    {"AveragePool", h_pool, IR_OP_AveragePool},
    {"MatMul", h_matmul, IR_OP_MatMul},
    {"Gemm", h_gemm, IR_OP_MatMul},
    {"Softmax", h_softmax, IR_OP_Softmax},
    {"ReduceMean", h_reduce_mean, IR_OP_ReduceMean},
    {"LayerNormalization", h_layernorm, IR_OP_LayerNorm},
    {"Transpose", h_transpose, IR_OP_Transpose},
    {"Slice", h_slice, IR_OP_Slice},
    {"Reshape", h_reshape, IR_OP_Reshape},
    {"Flatten", h_flatten, IR_OP_Reshape},
    {"Squeeze", h_squeeze, IR_OP_Reshape},
    {"Unsqueeze", h_unsqueeze, IR_OP_Reshape},
    {"Shape", h_shape, IR_OP_COUNT},
    {"Gather", h_gather, IR_OP_COUNT},
    {"Constant", h_constant, IR_OP_COUNT},
};
enum { NHANDLERS = sizeof handlers / sizeof handlers[0] };

bool ocrs_onnx_op_known(const char *op_type) {
    for (int i = 0; i < NHANDLERS; i++)
        if (strcmp(op_type, handlers[i].onnx) == 0) return true;
    return false;
}

void onnx_supported_ops(char *buf, size_t size) {
    size_t n = 0;
    buf[0] = 0;
    for (int i = 0; i < NHANDLERS && n < size; i++)
        n += (size_t)snprintf(buf + n, size - n, "%s%s", i ? ", " : "", handlers[i].onnx);
}

ocrs_status onnx_import_node(importer *im, const Onnx__NodeProto *n) {
    im->node = n;
    for (int i = 0; i < NHANDLERS; i++)
        if (strcmp(n->op_type, handlers[i].onnx) == 0) return handlers[i].fn(im, n, handlers[i].op);
    OCRS_ASSERT(!"an op check_ops let through");
    return OCRS_ERR_UNSUPPORTED;
}
