/* The ocrslim IR: a static graph of tensor ops at channel granularity.
 *
 * All graph memory (value and node arrays, names, weights) lives in one
 * arena owned by the graph and freed at once by ir_graph_free(). Values and
 * nodes refer to each other by index (ir_id), never by pointer, so passes may
 * grow the arrays. Passes mark nodes dead; ir_compact() removes them.
 *
 * Shapes: a graph's dynamic dims are symbols (ir_graph.syms: batch N, an
 * image's H and W, ...) and every extent is a polynomial in them (ir/dim.h),
 * exact for every value the symbols may take.
 */
#ifndef OCRS_IR_H
#define OCRS_IR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "diag.h"
#include "dim.h"
#include "strmap.h"

#define IR_MAX_RANK 6
#define IR_MAX_IO 16 /* graph inputs, and graph outputs */

/* Bounds on conv attributes and on extents. With extents at most
 * IR_MAX_EXTENT at the symbols' largest values and these attributes, no
 * shape rule's intermediate overflows int64, and with IR_MAX_NUMEL no buffer
 * size does (in elements or bytes, summed over every buffer of a model). */
enum {
    IR_MAX_KERNEL = 64,
    IR_MAX_STRIDE = 64,
    IR_MAX_DILATION = 64,
    IR_MAX_PAD = 1024,
};
#define IR_MAX_EXTENT ((int64_t)1 << 24)
#define IR_MAX_NUMEL ((int64_t)1 << 40)
/* Default ranges of symbols: a batch (axis 0 of an input) up to
 * IR_MAX_BATCH, any other dim up to IR_MAX_SIZE. */
#define IR_MAX_SIZE 4096
#define IR_MAX_BATCH 256
#define IR_NONE UINT32_MAX

typedef uint32_t ir_id;

enum {
    IR_F_UNARY = 1,
    IR_F_BINARY = 2,
    IR_F_CONV = 4,
};

/* How an op's FLOPs are counted (passes/prune.c): 2 per multiply-add of a
 * convolution or matrix product, 1 per output element of elementwise ops,
 * per input element of reductions, per window element of pooling; a few
 * per element of softmax (exp, sum, divide) and LayerNorm (mean, variance,
 * scale); none for data movement. */
typedef enum { IR_FLOPS_CONV, IR_FLOPS_CONVT, IR_FLOPS_MATMUL, IR_FLOPS_ELEM, IR_FLOPS_REDUCE, IR_FLOPS_POOL,
               IR_FLOPS_SOFTMAX, IR_FLOPS_LNORM, IR_FLOPS_ZERO } ir_flops_kind;

/* How channel pruning sees an op (passes/channel_groups.c, dead_channels.c):
 * a convolution (filters produce channels, weight columns consume them), a
 * pass-through (channel c in, channel c out), broadcasting elementwise,
 * BatchNormalization, Concat, or STOP: no rule, so every channel it touches
 * is pinned and pruning does not cross it. */
typedef enum { IR_CHAN_CONV, IR_CHAN_PASS, IR_CHAN_BINARY, IR_CHAN_BN, IR_CHAN_CONCAT, IR_CHAN_STOP } ir_chan_rule;

/* Attribute ids (ir/attrs.def) and the sets ops use (ops.def's attrs column). */
enum {
#define ATTR(name, type, count, dflt, quiet) IR_ATTR_##name,
#include "attrs.def"
#undef ATTR
    IR_ATTR_COUNT
};
#define IR_A(name) (1u << IR_ATTR_##name)
#define IR_AS_NONE 0u
#define IR_AS_CONV                                                                                         \
    (IR_A(kernel) | IR_A(stride) | IR_A(pad) | IR_A(dilation) | IR_A(group) | IR_A(output_padding) | IR_A(act) | \
     IR_A(post))
#define IR_AS_QCONV (IR_AS_CONV | IR_A(in_act))
/* The most products a conv with a quantizing in_act sums per output (input
 * channels x kernel taps): 255 * 127 each, the sum and its zero-point
 * correction within int32 (codegen/conv_int8.c). */
enum { IR_INT8_MAX_TERMS = 66000 };
/* The most taps of a depthwise one: its sums are formed in float
 * (codegen/conv_tile.c), exact while 255 * 127 * taps < 2^24. */
enum { IR_INT8_DW_MAX_TAPS = 518 };
#define IR_AS_POOL (IR_A(kernel) | IR_A(stride) | IR_A(pad) | IR_A(dilation) | IR_A(ceil_mode) | IR_A(count_include_pad))
#define IR_AS_ACT IR_A(act)
#define IR_AS_EPS IR_A(epsilon)
#define IR_AS_AXIS IR_A(axis)
#define IR_AS_AXES IR_A(axes)
#define IR_AS_REDUCE (IR_A(axes) | IR_A(keepdims))
#define IR_AS_LNORM (IR_A(axis) | IR_A(epsilon))
#define IR_AS_RESIZE (IR_A(scale) | IR_A(coord) | IR_A(nearest))
#define IR_AS_PERM IR_A(perm)
#define IR_AS_SLICE (IR_A(start) | IR_A(step))

typedef enum {
#define OP(id, name, min_in, max_in, flags, attrs, shape, interp, emit, flops, chan) IR_OP_##id,
#include "ops.def"
#undef OP
    IR_OP_COUNT
} ir_op;

typedef struct {
    const char *name; /* the ONNX op it is */
    int min_inputs, max_inputs;
    unsigned flags;
    unsigned attrs; /* IR_A bits */
    ir_flops_kind flops;
    ir_chan_rule chan;
} ir_op_info;

extern const ir_op_info ir_ops[IR_OP_COUNT];

/* Activation applied by a unary op, or fused into a Conv's epilogue. */
typedef enum {
    IR_ACT_NONE,
    IR_ACT_RELU,
    IR_ACT_CLIP,        /* min(max(x, a), b) */
    IR_ACT_HARDSIGMOID, /* max(0, min(1, a*x + b)) */
    IR_ACT_HARDSWISH,   /* x * max(0, min(1, x/6 + 1/2)) */
    IR_ACT_SIGMOID,
    IR_ACT_SQRT,
    IR_ACT_POW,         /* x^a, a constant exponent */
    /* Quantize to uint8 and back (ONNX QuantizeLinear then DequantizeLinear,
     * per tensor): (clamp(roundeven(x * r) + b, 0, 255) - b) * a, with a the
     * scale, r = ir_quant_recip(a) and b the zero point (an integer in
     * [0, 255]). ONNX divides by a; a vector division has a tenth of a
     * multiply's throughput and every int8 layer quantizes, and x * r
     * differs from x / a by an ulp at most, so a level only where x / a is
     * within an ulp of a half: the QDQ model in ORT stays within its
     * one-step bound. */
    IR_ACT_QUANT,
} ir_act_kind;

typedef struct {
    ir_act_kind kind;
    float a, b;
} ir_act;

typedef enum { IR_F32, IR_I64 } ir_dtype;
static inline size_t ir_dtype_size(ir_dtype t) { return t == IR_F32 ? sizeof(float) : sizeof(int64_t); }

/* A graph input's or output's shape as the model declared it, kept so that
 * an exported model (frontend/onnx_write.c) has the original's dims: per
 * axis a dim_param, else a fixed value > 0, else neither (0 and NULL). */
typedef struct {
    int rank;
    int64_t value[IR_MAX_RANK];
    const char *param[IR_MAX_RANK];
} ir_declared_shape;

typedef struct {
    const char *name;
    ir_dtype dtype;
    int rank;
    ir_dim dims[IR_MAX_RANK];
    ir_id producer;  /* node that computes it, IR_NONE for inputs and weights */
    void *data;      /* weights: rank-product elements of dtype, in the arena */
    /* An int64 tensor of rank <= 1 known at compile time whose elements may
     * be symbolic (a shape computed by Shape, Slice, Concat, ...): rank-product
     * extents in the arena, or NULL. Only the importer reads it. */
    const ir_dim *shape_data;
    /* For weights: which axis indexes the output channels of the layer that
     * reads it, and which its input channels (-1: none). Pruning removes
     * slices along these axes from producers and consumers together. */
    int8_t out_axis, in_axis;
    /* A weight quantized per output channel (passes/quantize.c): qbits 8
     * (a conv's weights) or 32 (its bias), and per slice c along out_axis
     * (the whole tensor when out_axis is -1) its scale qscale[c], in the
     * arena; every element is an integer of qbits bits times its slice's
     * scale, rounded to float. qbits 0: not quantized. */
    int8_t qbits;
    const float *qscale;
    bool is_input, is_output;
    const ir_declared_shape *declared; /* inputs and outputs; NULL when undeclared */
} ir_value;

/* Conv's scalar affine epilogue after act (passes/fuse_affine_act.c): when
 * on, y = y * scale, then y = y + shift when has_shift, each rounded to
 * float as the Mul and the Add it replaces. */
typedef struct {
    bool on, has_shift;
    float scale, shift;
} ir_post;

/* Resize coordinate transformation and rounding, as ONNX names them. */
typedef enum { IR_COORD_ASYMMETRIC, IR_COORD_HALF_PIXEL, IR_COORD_PYTORCH_HALF_PIXEL, IR_COORD_ALIGN_CORNERS } ir_coord;
typedef enum { IR_NEAREST_FLOOR, IR_NEAREST_CEIL, IR_NEAREST_ROUND_PREFER_FLOOR, IR_NEAREST_ROUND_PREFER_CEIL } ir_nearest;

/* A node's attributes: the fields of ir/attrs.def. */
typedef int64_t ir_attr_i64;
typedef float ir_attr_f32;
typedef ir_act ir_attr_act;
typedef ir_post ir_attr_post;
typedef ir_coord ir_attr_coord;
typedef ir_nearest ir_attr_nearest;
#define IR_ATTR_DIMS_1
#define IR_ATTR_DIMS_2 [2]
#define IR_ATTR_DIMS_4 [4]
#define IR_ATTR_DIMS_6 [6]
typedef struct {
#define ATTR(name, type, count, dflt, quiet) ir_attr_##type name IR_ATTR_DIMS_##count;
#include "attrs.def"
#undef ATTR
} ir_attrs;

typedef struct {
    ir_op op;
    const char *name;   /* the model's node name, or "" */
    uint32_t ninputs;
    ir_id *inputs;      /* IR_NONE for an absent optional input */
    ir_id output;
    ir_attrs attrs;
    bool dead;
} ir_node;

typedef struct ocrs_arena ocrs_arena;

typedef struct {
    ocrs_arena *arena;
    const char *source;  /* model file, for messages */
    const char **data_files; /* external data files read, resolved, once each */
    uint32_t ndata_files, cap_data_files;
    int64_t opset;
    ir_value *values;
    uint32_t nvalues, cap_values;
    ocrs_strmap value_index; /* value name -> first value of that name (malloc'ed) */
    ir_node *nodes;      /* in topological order */
    uint32_t nnodes, cap_nodes;
    ir_id inputs[IR_MAX_IO];
    uint32_t ninputs;
    ir_id outputs[IR_MAX_IO];
    uint32_t noutputs;
    /* Symbols of the dynamic dims; every one is an extent of some input. */
    ir_symbol syms[IR_MAX_SYMS];
    int nsyms;
} ir_graph;

/* Arena: bump allocation, 64-byte aligned, zeroed; NULL when out of memory. */
ocrs_arena *ocrs_arena_new(void);
void *ocrs_arena_alloc(ocrs_arena *a, size_t bytes);
char *ocrs_arena_strdup(ocrs_arena *a, const char *s);
void ocrs_arena_free(ocrs_arena *a);

/* Graph construction. The returned ids stay valid until ir_compact().
 * Functions that allocate return IR_NONE when out of memory. */
ir_graph *ir_graph_new(const char *source);
void ir_graph_free(ir_graph *g);
ir_id ir_add_value(ir_graph *g, const char *name, ir_dtype dtype, int rank, const ir_dim *dims);
/* A weight value; data (nelems of dtype) is copied into the arena. */
ir_id ir_add_weight(ir_graph *g, const char *name, ir_dtype dtype, int rank, const int64_t *dims, const void *data);
ir_id ir_add_node(ir_graph *g, ir_op op, const char *name, uint32_t ninputs, const ir_id *inputs, ir_id output);
/* Replaces node's inputs (growing its array from the arena when needed);
 * false when out of memory, the node unchanged. */
bool ir_node_set_inputs(ir_graph *g, ir_id node, uint32_t ninputs, const ir_id *inputs);
/* The value named name (hash lookup), or IR_NONE. When several values share
 * a name, the first one added. */
ir_id ir_find_value(const ir_graph *g, const char *name);
/* Records an external data file the graph was read from (for dependency
 * lists); a path already recorded is ignored. false when out of memory. */
bool ir_add_data_file(ir_graph *g, const char *path);

/* Removes dead nodes and every value no live node, input or output uses;
 * renumbers ids. Invalidates all ids held by the caller. */
void ir_compact(ir_graph *g);
/* Restores topological order after nodes were appended that others read:
 * each node moves after the producers of its inputs, the others keep their
 * order. false when out of memory (the graph unchanged). Invalidates node
 * ids. */
bool ir_sort_nodes(ir_graph *g);

/* Number of live nodes reading value v (graph outputs count as a reader). */
uint32_t ir_use_count(const ir_graph *g, ir_id v);
/* The single live node reading v, or IR_NONE when there are none or several,
 * or when v is a graph output. */
ir_id ir_single_user(const ir_graph *g, ir_id v);

/* The readers of every value, counted once for a pass that queries many
 * values: per value, the number of live nodes reading it (graph outputs count
 * as a reader) and the single reading node, as ir_single_user gives it. It
 * stays true while the pass only merges a value's single reader into its
 * producer (pass_absorb_user) and adds values; values added after the count
 * fall back to ir_single_user. */
typedef struct {
    uint32_t nvalues;
    ir_id *single;
    uint32_t *readers; /* distinct live reading nodes, plus one per graph output */
} ir_uses;
/* false when out of memory. */
bool ir_uses_build(const ir_graph *g, ir_uses *u);
void ir_uses_free(ir_uses *u);
ir_id ir_uses_single(const ir_graph *g, const ir_uses *u, ir_id v);
/* How many read v: distinct nodes, plus one per graph output. */
uint32_t ir_uses_readers(const ir_graph *g, const ir_uses *u, ir_id v);

static inline bool ir_is_weight(const ir_value *v) { return v->data != NULL; }
/* Whether conv n may quantize its input itself (attrs.in_act, the integer
 * kernels): a Conv with constant 4-D weights, of one group and at most
 * IR_INT8_MAX_TERMS products per output, or depthwise (one input and one
 * output channel per group) of at most IR_INT8_DW_MAX_TAPS taps. */
bool ir_conv_int8_capable(const ir_graph *g, const ir_node *n);
/* attrs.axis of a node on a value of this rank, counted from 0 (ONNX
 * counts negative axes from the end). */
static inline int64_t ir_axis(const ir_node *n, int rank) { return n->attrs.axis < 0 ? n->attrs.axis + rank : n->attrs.axis; }
int64_t ir_numel_static(const ir_value *v); /* -1 if a dim is symbolic */
/* Elements of v for the symbols' units (ir_units), bounded by the shape
 * rules' checks when the units are within the symbols' ranges. */
int64_t ir_numel(const ir_value *v, const int64_t *units);
/* The units of every symbol at its typical value (ir_symbol.ref), for
 * choices made at one size: tiles, workspace slots, FLOPs. */
void ir_ref_units(const ir_graph *g, int64_t *units);
/* Units for the symbols' values sizes[0..nsyms). */
static inline void ir_graph_units(const ir_graph *g, const int64_t *sizes, int64_t *units) {
    ir_units(g->syms, g->nsyms, sizes, units);
}
/* Adds a symbol (ir_symbol's fields); its index, or -1 when there are
 * IR_MAX_SYMS already or out of memory. */
int ir_add_symbol(ir_graph *g, const char *name, const char *param, int64_t align, int64_t min, int64_t max,
                  int64_t ref);
/* Whether g takes one image: one input [N or 1, C, H, W] with H and W
 * symbols (N a symbol starting at 1, or fixed at 1), one output; the
 * symbols of N (-1 when fixed), H and W. Such a model has the image API
 * (<name>_forward with a height and width) and can be calibrated on images. */
bool ir_image_syms(const ir_graph *g, int *n, int *h, int *w);
/* The symbols' values for one image of height h and width w (the batch at
 * 1, other symbols at their typical values) of a graph that takes one. */
void ir_image_sizes(const ir_graph *g, int64_t h, int64_t w, int64_t *sizes);
/* A symbol named name, or -1. */
int ir_find_symbol(const ir_graph *g, const char *name);
/* The symbol whose extent d is (d = the symbol itself), or -1. */
int ir_symbol_of(const ir_graph *g, ir_dim d);
/* Human-readable extents ("W/8", "3*H/32+1", "16") in g's symbols. */
void ir_format_dim(const ir_graph *g, ir_dim d, char *buf, size_t size);

const char *ir_act_name(ir_act_kind k);
/* The activation a unary op applies (the verifier checks that its attrs.act
 * has this kind); NONE for Identity and for ops that are not activations. */
ir_act_kind ir_unary_act(ir_op op);
/* Every attribute at its default (attrs.def): what a new node starts with. */
ir_attrs ir_attrs_default(void);
/* Whether attribute id of a is at its default. */
bool ir_attr_is_default(const ir_attrs *a, int id);
/* Appends every attribute of a, exactly, to f: equal text means equal
 * attributes (codegen's layer-sharing key). */
void ir_attrs_key(const ir_attrs *a, FILE *f);
/* Prints the attributes the op uses (ops.def), " name=value" each, the
 * quiet ones only when not at their default. */
void ir_attrs_print(ir_op op, const ir_attrs *a, FILE *f);
float ir_act_apply(ir_act act, float x);
/* The multiplier of IR_ACT_QUANT's levels, 1 / scale in float. */
static inline float ir_quant_recip(float scale) { return 1.0f / scale; }
/* x^e as Pow computes it: x*x for 2 (as ONNX Runtime does, so the square of
 * a difference in LayerNorm rounds the same), sqrt for 0.5, else powf. */
float ir_pow(float x, float e);
/* a op b in float for Add, Sub, Mul, Div. */
float ir_binary_apply(ir_op op, float a, float b);

/* A conv's epilogue: act, then the affine post step. */
float ir_conv_epilogue(const ir_attrs *a, float x);

/* Shape rule of one node from its inputs' shapes (ir/shape.c). Fails with a
 * message naming the node when inputs do not fit the op; when a symbol's
 * alignment must grow for the rule to be exact, the failure says so in
 * diag->need (diag.h), which the importer acts on. */
ocrs_status ir_node_shape(const ir_graph *g, ir_id node, int *rank_out, ir_dim dims_out[IR_MAX_RANK], ocrs_diag *diag);
/* Checks that every extent of a value lies in [1, IR_MAX_EXTENT] over the
 * symbols' ranges, grows with them, and that the element count stays
 * within IR_MAX_NUMEL; where names the value in the message. */
ocrs_status ir_check_extents(const ir_graph *g, int rank, const ir_dim *dims, const char *where, ocrs_diag *diag);

/* Checks every structural and shape invariant; names the node at fault. */
ocrs_status ir_verify(const ir_graph *g, ocrs_diag *diag);

/* Codegen's precondition: Conv/ConvTranspose weights and biases and
 * BatchNormalization parameters are weights (constant folding has run). */
ocrs_status ir_verify_constant_params(const ir_graph *g, ocrs_diag *diag);

/* Text dump: ops, attributes, shapes, channel counts and weight summaries. */
void ir_dump(const ir_graph *g, FILE *out);

/* "node 'conv1' (Conv)" or "node #12 (Conv) -> 'x'" for messages. */
void ir_node_label(const ir_graph *g, ir_id n, char *buf, size_t size);

#endif
