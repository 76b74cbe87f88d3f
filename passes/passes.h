/* Passes over the IR. Each lives in its own file whose opening comment says
 * what it needs, what it changes and what it invalidates. All return a status;
 * a model error carries a message naming the node. */
#ifndef OCRS_PASSES_H
#define OCRS_PASSES_H

#include <stdio.h>

#include "ir.h"

ocrs_status pass_shape_infer(ir_graph *g, ocrs_diag *diag);

/* Canonicalisation (run in this order by ocrs_canonicalize, passes/pipeline.c). */
ocrs_status pass_fold_constants(ir_graph *g, ocrs_diag *diag);
ocrs_status pass_dce(ir_graph *g, ocrs_diag *diag);
ocrs_status pass_fuse_hardswish(ir_graph *g, ocrs_diag *diag);
ocrs_status pass_fuse_layernorm(ir_graph *g, ocrs_diag *diag);
ocrs_status pass_fuse_matmul_bias(ir_graph *g, ocrs_diag *diag);
ocrs_status pass_mlp_conv(ir_graph *g, ocrs_diag *diag);
ocrs_status pass_fold_affine(ir_graph *g, ocrs_diag *diag);
ocrs_status pass_fold_bn(ir_graph *g, ocrs_diag *diag);
ocrs_status pass_fuse_act(ir_graph *g, ocrs_diag *diag);
ocrs_status pass_fuse_affine_act(ir_graph *g, ocrs_diag *diag);
ocrs_status pass_fold_se_residual(ir_graph *g, ocrs_diag *diag);

/* Dead-channel elimination (passes/dead_channels.c), after canonicalisation.
 * report: where to print what was removed, or NULL. */
ocrs_status pass_dead_channels(ir_graph *g, FILE *report, ocrs_diag *diag);

/* ---- channel groups (passes/channel_groups.c) ---- */

#define OCRS_CHAN_NONE UINT32_MAX

/* A weight slice tied to one channel: input `slot` of `node`, the slice at
 * `index` along `axis` (the weight's out_axis for a producer, its in_axis
 * for a consumer). */
typedef struct {
    ir_id node;
    uint32_t slot;
    int axis;
    int64_t index;
} ocrs_chan_ref;

/* One channel of one activation value. */
typedef struct {
    ir_id value;
    int64_t channel;
} ocrs_chan_member;

/* A channel class: the (value, channel) pairs that exist only together
 * (tied by pass-through ops, depthwise convs, elementwise ops and Concat),
 * so they are removed together; the filters computing them (producers:
 * Conv and ConvTranspose output channels, depthwise filters) and the weight
 * columns reading them in layers whose outputs lie in other classes
 * (consumers). Ranges index the arrays of ocrs_channel_groups. */
typedef struct {
    uint32_t first_member, nmembers;
    uint32_t first_producer, nproducers;
    uint32_t first_consumer, nconsumers;
    uint32_t group;
    /* Never removable: touches a graph input or output, a ConvTranspose
     * output, a grouped (not depthwise) conv, a broadcast operand, or a
     * weight computed at run time. */
    bool pinned;
} ocrs_chan_class;

/* A group: the classes that share values (a layer's channels and everything
 * tied to them), in the channel order of the first value holding them;
 * channel i of the group is class group_classes[first_class + i]. A Concat's
 * output spans the groups of its inputs. */
typedef struct {
    uint32_t first_class, nclasses;
    bool prunable; /* no class pinned and at least one producer */
} ocrs_chan_group;

typedef struct {
    uint32_t nvalues;
    uint32_t *value_base;  /* per value: element id of its channel 0, or OCRS_CHAN_NONE (no channel axis) */
    uint32_t nelems;
    uint32_t *elem_class;  /* per element (value_base[v] + channel): its class */
    uint32_t nclasses, ngroups;
    ocrs_chan_class *classes;
    ocrs_chan_group *groups;
    uint32_t *group_classes;
    ocrs_chan_member *members;
    ocrs_chan_ref *producers, *consumers;
} ocrs_channel_groups;

/* Channel groups of a graph with shapes. Elements are the channels of the
 * 4-D activation values with a constant channel count. */
ocrs_status ocrs_channel_groups_build(const ir_graph *g, ocrs_channel_groups **out, ocrs_diag *diag);
void ocrs_channel_groups_free(ocrs_channel_groups *cg);
/* The class of channel c of value v, or OCRS_CHAN_NONE. */
uint32_t ocrs_chan_class_of(const ocrs_channel_groups *cg, ir_id v, int64_t c);
/* Prints every group: channels, whether prunable, producer and consumer layers, values. */
void ocrs_channel_groups_dump(const ir_graph *g, const ocrs_channel_groups *cg, FILE *out);
/* Group i's producer and consumer layers and values, one indented line each.
 * seen: from ocrs_channel_group_seen(g), reused for every group dumped. */
void ocrs_channel_group_dump(const ir_graph *g, const ocrs_channel_groups *cg, uint32_t i, uint32_t *seen, FILE *out);
/* Scratch for ocrs_channel_group_dump (free it); NULL when out of memory. */
uint32_t *ocrs_channel_group_seen(const ir_graph *g);

/* The elements of a weight slice, for an array with the weight's dims:
 * offset o * step + base + j for o < outer, j < inner. */
typedef struct {
    int64_t outer, inner, step, base;
} ocrs_slice;
ocrs_slice ocrs_chan_ref_slice(const ir_graph *g, const ocrs_chan_ref *r);

/* Removes the channel classes with kept[k] false (passes/dead_channels.c,
 * step 3): slices every weight along out_axis/in_axis, shrinks depthwise
 * groups, drops emptied Concat inputs and nodes that lose every output
 * channel, then infers shapes and removes dead nodes. bias_add (per node of
 * the graph as cg saw it, or NULL) holds additions to convs' biases (per
 * original output channel), applied before slicing. report: what changed,
 * or NULL. Invalidates ids. */
ocrs_status ocrs_remove_classes(ir_graph *g, const ocrs_channel_groups *cg, const bool *kept, double *const *bias_add,
                                FILE *report, ocrs_diag *diag);

/* ---- int8 quantization (passes/quantize.c) ---- */

/* How an activation's range is chosen from its calibration histogram. */
typedef enum { OCRS_QCALIB_MINMAX, OCRS_QCALIB_PERCENTILE, OCRS_QCALIB_ENTROPY, OCRS_QCALIB_COUNT } ocrs_qcalib_method;
extern const char *const ocrs_qcalib_methods[OCRS_QCALIB_COUNT + 1]; /* "minmax", ...; NULL-terminated */

typedef struct {
    ocrs_qcalib_method method;
    double percentile;              /* OCRS_QCALIB_PERCENTILE: the share kept, in percent (99.99) */
    const bool *fp32;               /* per node of the graph: a conv left in float (NULL: none) */
    int weight_max;                 /* one-group convs' weights in [-weight_max, weight_max]: 127 (0 says
                                       so), or 63 for AVX2 without VNNI, whose u8 x s8 pair sums must
                                       fit 16 bits; the other convs' always within 127 */
} ocrs_quant_opts;

typedef struct {
    int convs, int8;     /* convs in the graph, and those quantized */
    int integer;         /* of those, the ones computing in integers (the others on the grid in float) */
    int64_t int8_params; /* weights quantized to int8 */
} ocrs_quant_report;

/* Activation histograms of the inputs of the convs o would quantize. */
typedef struct ocrs_qstats ocrs_qstats;
ocrs_status ocrs_qstats_new(const ir_graph *g, const ocrs_quant_opts *o, ocrs_qstats **out, ocrs_diag *diag);
/* Runs the interpreter on one input (as ocrs_calib_add) and adds its activations. */
ocrs_status ocrs_qstats_add(ocrs_qstats *q, const ir_graph *g, const float *const *inputs, const int64_t *sizes,
                            ocrs_diag *diag);
void ocrs_qstats_free(ocrs_qstats *q);
/* Quantizes g's convs (see passes/quantize.c) with q collected on g as it
 * is; *rep says what. Invalidates node ids. */
ocrs_status ocrs_quantize(ir_graph *g, const ocrs_qstats *q, const ocrs_quant_opts *o, ocrs_quant_report *rep,
                          ocrs_diag *diag);

/* ---- calibration statistics (passes/calib.c) ---- */

/* Per value of the graph they were collected on (ids as then). */
typedef struct {
    uint32_t nvalues, per_image, images;
    int64_t *channels;  /* 0: not a 4-D activation */
    double **sum;       /* per-channel sum over all positions of all inputs */
    double **sumsq;     /* per-channel sum of squares, likewise */
    float **absmax;     /* per-channel largest |x| over all positions of all inputs */
    double *count;      /* positions summed */
    uint32_t nnodes;
    bool *sampled;      /* per node: a dense Conv whose input patches are kept */
    float **sample;     /* per node: nsample rows of ocrs_calib_patch values */
    uint32_t *nsample;
} ocrs_calib;

/* Length of a conv node's input patch: channels x kernel height x width,
 * in the order of its weights' input axes. */
int64_t ocrs_calib_patch(const ir_graph *g, ir_id node);

/* Empty statistics for g, keeping samples_per_image samples per input. */
ocrs_status ocrs_calib_new(const ir_graph *g, uint32_t samples_per_image, ocrs_calib **out, ocrs_diag *diag);
/* Runs the interpreter on inputs (one image: the batch symbol at 1) at the
 * symbols' values sizes and adds the activations. */
ocrs_status ocrs_calib_add(ocrs_calib *c, const ir_graph *g, const float *const *inputs, const int64_t *sizes,
                           ocrs_diag *diag);
void ocrs_calib_free(ocrs_calib *c);

/* ---- range equalization before int8 (passes/equalize.c) ---- */

/* Whether g has a value pass_equalize would look at (a Conv whose epilogue
 * commutes with positive scales, read only by depthwise Convs): its
 * calibration statistics are worth collecting. */
bool pass_equalize_any(const ir_graph *g);
/* Scales the channels of those values by powers of two so that each spans
 * (R / 2, R] of its largest channel R on calibration (calib's absmax, of g
 * as it is), folding the inverse into the depthwise readers; the float
 * model computes the same bits. *values_out: the values changed. */
ocrs_status pass_equalize(ir_graph *g, const ocrs_calib *calib, int *values_out, ocrs_diag *diag);

/* Removes the channel classes that were exactly zero at every position of
 * every calibration input in all their members (passes/dead_relu.c): an
 * approximation that holds on the calibration images only. cg and calib are
 * of g as it is. Sets *removed_out to the number of classes removed.
 * report: what changed, or NULL. Invalidates ids. */
ocrs_status pass_dead_relu(ir_graph *g, const ocrs_channel_groups *cg, const ocrs_calib *calib, FILE *report,
                           uint32_t *removed_out, ocrs_diag *diag);

/* ---- channel pruning (passes/prune.c) ---- */

typedef enum { OCRS_PRUNE_L1, OCRS_PRUNE_FPGM, OCRS_PRUNE_RECON } ocrs_prune_criterion;
/* Their names, in enum order, NULL-terminated: l1_norm, fpgm, recon. */
extern const char *const ocrs_prune_criteria[];

/* Per group: channels, FLOPs at the symbols' typical values and parameters of its producer and
 * consumer layers (as ocrs_prune_info counts them), before [0] and after [1]. */
typedef struct {
    int64_t channels, kept;
    double flops[2], params[2];
} ocrs_prune_group_report;

typedef struct {
    const double *ratio;  /* per group of the channel groups; 0: untouched */
    ocrs_prune_criterion criterion;
    int vector_width;     /* kept counts are multiples of it (<= 1: any count) */
    const ocrs_calib *calib; /* statistics of this graph for recovery, or NULL */
    bool bias_compensation, least_squares;
    double ridge;         /* least squares: lambda = ridge * mean diagonal of the Gram matrix */
    ocrs_prune_group_report *report; /* per group, filled when not NULL */
} ocrs_prune_opts;

/* Prunes g by the ratios (cg built on g; groups not prunable are left
 * alone). report: what changed, or NULL. Invalidates ids. */
ocrs_status ocrs_prune(ir_graph *g, const ocrs_channel_groups *cg, const ocrs_prune_opts *o, FILE *report,
                       ocrs_diag *diag);
/* Channels a group of n keeps at ratio. */
int64_t ocrs_prune_kept(int64_t n, double ratio, int vector_width);
/* Per group (malloc'ed): whether it holds the output of one of the first
 * nconvs convs in topological order; NULL when out of memory. */
bool *ocrs_prune_skip_nearest(const ir_graph *g, const ocrs_channel_groups *cg, int nconvs);
/* FLOPs of one forward pass for the symbols' units (NULL: at their typical
 * values, ir_symbol.ref): 2 per multiply-add of convs, 1 per output element
 * of other ops. */
double ocrs_graph_flops(const ir_graph *g, const int64_t *units);
/* Float weights (parameters) of g's values. */
double ocrs_graph_params(const ir_graph *g);
/* "N=1, H=640, W=640": the typical values the FLOPs are counted at. */
void ocrs_ref_sizes_text(const ir_graph *g, char *buf, size_t size);
/* Every group: channels, share of FLOPs (at the typical values) and params
 * of its layers, skipped or not prunable, member layers and values. skip may
 * be NULL. */
void ocrs_prune_info(const ir_graph *g, const ocrs_channel_groups *cg, const bool *skip, FILE *out);

/* ---- rewriting helpers shared by the passes (passes/rewrite.c) ---- */

/* A value name not used in g: base itself, else base.1, base.2, ...
 * In the arena; NULL when out of memory. */
const char *pass_unique_name(ir_graph *g, const char *base);

/* A pattern pass: match(g, uses, node) on every live node of op, in order,
 * with the readers counted once before (a match may only kill nodes, move
 * reads into the node it rewrites and add values, so stale counts can only
 * make a later match miss); then ir_compact. match returns false when out
 * of memory, which fails the pass naming it. */
typedef bool pass_match_fn(ir_graph *g, const ir_uses *uses, ir_id node);
ocrs_status pass_match_each(ir_graph *g, ir_op op, pass_match_fn *match, const char *pass, ocrs_diag *diag);

/* The float value of v when it is a weight with exactly one element and rank
 * at most max_rank (so broadcasting it does not grow the other operand). */
bool pass_scalar_const(const ir_graph *g, ir_id v, int max_rank, float *x);

/* True when v is one of the graph's outputs. */
bool pass_is_graph_output(const ir_graph *g, ir_id v);
/* True when a and b have the same rank and equal dims (symbolic ones too). */
bool pass_same_shape(const ir_value *a, const ir_value *b);

/* Replaces every read of value from by value to in live nodes. */
void pass_replace_uses(ir_graph *g, ir_id from, ir_id to);

/* user reads producer's output and producer takes over user's output value
 * (and so its name and its readers); user dies. The caller has made the
 * producer compute what user computed. */
void pass_absorb_user(ir_graph *g, ir_id producer, ir_id user);

/* True when conv (Conv or ConvTranspose) has no fused activation and constant
 * weight and bias, so a per-output-channel affine map of its output can be
 * folded into them. */
bool pass_conv_accepts_affine(const ir_graph *g, ir_id conv);

/* Whether v is a float weight not yet quantized (a pass may rewrite its values). */
bool pass_float_weight(const ir_graph *g, ir_id v);

/* Number of output channels of a Conv or ConvTranspose. */
int64_t pass_conv_out_channels(const ir_graph *g, ir_id conv);

/* Input slot `slot` of node n, made a weight that n alone reads so it can be
 * rewritten in place (copied when shared, keeping out_axis/in_axis);
 * IR_NONE when out of memory. */
ir_id pass_private_weight(ir_graph *g, ir_id n, uint32_t slot);

/* conv's bias as a weight only conv reads (copied when shared, zeros created
 * when missing); IR_NONE when out of memory. */
ir_id pass_conv_private_bias(ir_graph *g, ir_id conv);

/* Folds y -> alpha[m]*y + beta[m] (m the output channel) into conv's weight
 * and bias, which pass_conv_accepts_affine allowed. Weights shared with other
 * nodes are copied first; a missing bias is created. Keeps out_axis/in_axis. */
ocrs_status pass_conv_absorb_affine(ir_graph *g, ir_id conv, const double *alpha, const double *beta,
                                    ocrs_diag *diag);

#endif
