/* Internals shared by the emitters: the module being built, the function of
 * one node, a loop builder and small IR-building helpers.
 *
 * Each live node becomes one internal, noinline LLVM function
 *   void node(ptr in0, ..., ptr out, ptr units, i64 tid, i64 nthreads)
 * which every thread of the pool calls; each computes its static share of
 * the outputs (cg_for_shared), so results do not depend on the thread count,
 * over dense row-major float buffers. Absent optional inputs get no
 * parameter. Channel counts, kernels, strides and pads are constants;
 * extents that depend on symbols are computed from units (i64[nsyms]: each
 * symbol in units of its alignment, ir/dim.h). Nodes with equal op,
 * attributes and shapes share one function (weights arrive as pointers),
 * which keeps compile time proportional to distinct layers. All pointers
 * are noalias: an output never shares memory with a live buffer. */
#ifndef OCRS_CG_H
#define OCRS_CG_H

#include <stdio.h>

#include <llvm-c/Core.h>

#include "codegen.h"

/* What the emitters know about the target (codegen/target.c). */
typedef struct {
    int vector_floats; /* floats per vector register: AVX-512 16, AVX2 8, NEON/SSE 4 */
    int vector_regs;   /* architectural vector registers */
    bool x86_avx2;     /* 256-bit integer vectors: vpmaddubsw/vpmaddwd for int8 convs */
    bool x86_vnni;     /* vpdpbusd at vector_floats lanes (AVX512-VNNI, AVX-VNNI): 4 u8 x s8 products, exact */
    bool arm_dotprod;  /* sdot (Armv8.2 DotProd, standard from Armv8.4): 4 s8 x s8 products per i32 lane */
} cg_target_desc;

typedef struct {
    cg_target_desc target;
    LLVMContextRef ctx;
    LLVMModuleRef mod;
    LLVMBuilderRef b;
    LLVMTypeRef i64, f32, f64, ptr, vd;
} cg_module;

/* The function of one node while it is being emitted. */
typedef struct {
    cg_module *m;
    LLVMBuilderRef b;
    const ir_graph *g;
    const ir_node *node;
    LLVMValueRef fn;
    LLVMValueRef *in; /* node->ninputs pointers, NULL for an absent input */
    LLVMValueRef out;
    LLVMValueRef units[IR_MAX_SYMS]; /* i64, loaded at entry */
    LLVMValueRef tid, nthreads; /* i64: this thread's index and the thread count */
    /* Buffers of uint8 levels (cg_plan.levels): the quantization of the
     * output's and of input 0's (kind IR_ACT_NONE for floats; an int8
     * conv's input levels are those of its attrs.in_act). */
    ir_act out_levels, in_levels;
} cg_fn;

/* ---- loops (codegen/loops.c) ----------------------------------------------
 * for (i = begin; i < end; i++) { body }, with the trip count tested once
 * before the first iteration:
 *     cg_loop l;
 *     LLVMValueRef i = cg_for(f, &l, begin, end, "i");
 *     ... body at the builder's position ...
 *     cg_end(f, &l);
 * The builder is left after the loop. Loops nest by nesting the calls. */
typedef struct {
    LLVMBasicBlockRef head, exit;
    LLVMValueRef iv, end;
} cg_loop;

LLVMValueRef cg_for(cg_fn *f, cg_loop *l, LLVMValueRef begin, LLVMValueRef end, const char *name);
void cg_end(cg_fn *f, cg_loop *l);
/* The same over this thread's share of [begin, end): the range cut into
 * nthreads contiguous pieces. Used once per emitter, on a loop whose
 * iterations write disjoint outputs. */
LLVMValueRef cg_for_shared(cg_fn *f, cg_loop *l, LLVMValueRef begin, LLVMValueRef end, const char *name);

/* ---- integer and memory helpers (codegen/loops.c) ------------------------- */
LLVMValueRef cg_i64(cg_fn *f, int64_t v);
LLVMValueRef cg_f32(cg_fn *f, double v);
LLVMValueRef cg_add(cg_fn *f, LLVMValueRef a, LLVMValueRef b);
LLVMValueRef cg_sub(cg_fn *f, LLVMValueRef a, LLVMValueRef b);
LLVMValueRef cg_mul(cg_fn *f, LLVMValueRef a, LLVMValueRef b);
LLVMValueRef cg_addi(cg_fn *f, LLVMValueRef a, int64_t b);
LLVMValueRef cg_muli(cg_fn *f, LLVMValueRef a, int64_t b);
LLVMValueRef cg_min(cg_fn *f, LLVMValueRef a, LLVMValueRef b);
LLVMValueRef cg_max(cg_fn *f, LLVMValueRef a, LLVMValueRef b);
/* Floor and ceiling division by a positive constant, for any sign of a. */
LLVMValueRef cg_floordiv(cg_fn *f, LLVMValueRef a, int64_t d);
LLVMValueRef cg_ceildiv(cg_fn *f, LLVMValueRef a, int64_t d);
/* An extent for this call's symbols. */
LLVMValueRef cg_dim(cg_fn *f, ir_dim d);
/* Product of dims [from, to) of a value. */
LLVMValueRef cg_extent(cg_fn *f, const ir_value *v, int from, int to);
/* A stack slot in the entry block (SROA turns it into a register), for
 * values carried around a loop such as a reduction's sum. */
LLVMValueRef cg_alloca(cg_fn *f, LLVMTypeRef type, const char *name);
LLVMValueRef cg_load(cg_fn *f, LLVMValueRef base, LLVMValueRef index);
void cg_store(cg_fn *f, LLVMValueRef val, LLVMValueRef base, LLVMValueRef index);
/* Calls an overloaded float intrinsic such as "llvm.maxnum". */
LLVMValueRef cg_intrinsic(cg_fn *f, const char *name, LLVMTypeRef type, LLVMValueRef *args, unsigned nargs);
/* A float constant of type (float or vector of float: splat). */
LLVMValueRef cg_fconst(LLVMTypeRef type, double v);
/* y = act(x) for a float or vector of floats, with exactly ir_act_apply's
 * formulas but for exp: cg_exp (within 2 ulp of expf), since llvm.exp is a
 * call to expf per lane (3% of an int8 detector's time in its sigmoid). */
LLVMValueRef cg_act(cg_fn *f, ir_act act, LLVMValueRef x);
/* The uint8 level of x (float or vector) under a quantizing activation:
 * clamp(roundeven(x * ir_quant_recip(scale)) + zero point, 0, 255), as
 * ir_act_apply. */
LLVMValueRef cg_quant_level(cg_fn *f, ir_act act, LLVMValueRef x);
/* exp(x) for a float or vector of floats, as a polynomial that stays in
 * vector registers (llvm.exp would call expf lane by lane). */
LLVMValueRef cg_exp(cg_fn *f, LLVMValueRef x);
/* A conv's epilogue on x (float or vector): ir_conv_epilogue. */
LLVMValueRef cg_conv_epilogue(cg_fn *f, LLVMValueRef x);

/* ---- vectors (codegen/vector.c) ---------------------------------------------- */
enum { CG_MAX_NV = 8, CG_MAX_ACC = 6 * 2 * CG_MAX_NV };
typedef struct {
    int64_t vw;          /* lanes */
    LLVMTypeRef vt, it;  /* <vw x float>, <vw x i32> */
} cg_vec;
cg_vec cg_vec_type(cg_fn *f, int64_t vw);
/* Calls an intrinsic overloaded on two types, such as "llvm.masked.load". */
LLVMValueRef cg_intrinsic2(cg_fn *f, const char *name, LLVMTypeRef t0, LLVMTypeRef t1, LLVMValueRef *args,
                           unsigned nargs);
LLVMValueRef cg_splat(cg_fn *f, LLVMTypeRef vt, LLVMValueRef x);
/* <start, start + step, ...> as an i32 vector constant of n lanes. */
LLVMValueRef cg_lane_ramp(cg_fn *f, unsigned n, int64_t start, int64_t step);
/* Lanes j with 0 <= first + start + j * step < limit. */
LLVMValueRef cg_lane_mask(cg_fn *f, const cg_vec *v, LLVMValueRef first, int64_t start, int64_t step,
                          LLVMValueRef limit);
/* Address of element index of base. Not inbounds: a masked access may form
 * an address outside the buffer whose lanes are all off. */
LLVMValueRef cg_elem_ptr(cg_fn *f, LLVMValueRef base, LLVMValueRef index);
/* A vector load or store at p, masked when mask is not NULL. */
LLVMValueRef cg_vload(cg_fn *f, const cg_vec *v, LLVMValueRef p, LLVMValueRef mask);
void cg_vstore(cg_fn *f, const cg_vec *v, LLVMValueRef x, LLVMValueRef p, LLVMValueRef mask);
/* Buffers of uint8 levels (cg_fn.out_levels, in_levels). The address of
 * element index of a levels buffer; vw levels at p as <vw x i32> (masked
 * lanes read fill); vector y (floats) stored at element index of the
 * node's output, as floats or as the levels of f->out_levels. */
LLVMValueRef cg_level_ptr(cg_fn *f, LLVMValueRef base, LLVMValueRef index);
LLVMValueRef cg_vload_levels(cg_fn *f, const cg_vec *v, LLVMValueRef p, LLVMValueRef mask, int fill);
/* The levels of float vector x under q, as <vw x i32>. */
LLVMValueRef cg_vlevels(cg_fn *f, const cg_vec *v, ir_act q, LLVMValueRef x);
void cg_vstore_out(cg_fn *f, const cg_vec *v, LLVMValueRef y, LLVMValueRef index, LLVMValueRef mask);
/* A register tile for a kernel that, per reduction step, loads nv vectors
 * of a row `width` long and broadcasts one value of each of mr rows (of m),
 * each row keeping k accumulators per vector: *mr_out rows by *nv_out
 * vectors. */
void cg_choose_tile(const cg_target_desc *td, int64_t vw, int64_t m, int64_t width, int64_t k, int64_t *mr_out,
                    int64_t *nv_out);
/* a rounded up to a multiple of b > 0 (a >= 0). */
int64_t cg_round_up(int64_t a, int64_t b);
/* An extent at the symbols' reference values, for choosing tiles. */
int64_t cg_ref_extent(const cg_fn *f, ir_dim d);

static inline const ir_value *cg_in_value(const cg_fn *f, uint32_t i) {
    return f->node->inputs[i] == IR_NONE ? NULL : &f->g->values[f->node->inputs[i]];
}
static inline const ir_value *cg_out_value(const cg_fn *f) { return &f->g->values[f->node->output]; }

/* ---- emitters, one per emit column of ir/ops.def ---------------------------- */
void emit_conv(cg_fn *f);           /* conv_tile.c; conv_int8.c for an int8 conv */
void emit_conv_int8(cg_fn *f);
/* A Conv that quantizes its input (attrs.in_act): an int8 weight blob, and
 * conv_int8.c's kernel (one group) or conv_tile.c's (depthwise). */
static inline bool cg_is_int8_conv(const ir_node *n) {
    return n->op == IR_OP_Conv && n->attrs.in_act.kind != IR_ACT_NONE;
}
static inline bool cg_is_int8_depthwise(const ir_node *n) { return cg_is_int8_conv(n) && n->attrs.group > 1; }
/* The weight blob of an int8 conv (node): its size, and its bytes written
 * to dst (codegen/conv_int8.c). */
size_t cg_int8_weight_bytes(const ir_graph *g, const ir_node *node);
void cg_int8_pack_weights(const ir_graph *g, const ir_node *node, const cg_target_desc *target, char *dst);
/* Where a depthwise blob's int8 weights w[cout][kh][kw] start (bytes; the
 * float scales s * s_w[m] come first). */
int64_t cg_int8_depthwise_at(int64_t cout);
void emit_conv_transpose(cg_fn *f); /* conv.c: the scatter kernel of conv_tile.c, or the general one */
/* ConvTranspose with kernel = stride (kw <= 2), no pads, one group: a GEMM
 * per tap scattered into the output (conv_tile.c). */
bool cg_conv_transpose_is_scatter(const ir_node *n);
void emit_conv_transpose_scatter(cg_fn *f);
void emit_batchnorm(cg_fn *f);      /* elementwise.c */
void emit_unary(cg_fn *f);          /* elementwise.c: activations, Identity */
void emit_binary(cg_fn *f);         /* elementwise.c */
void emit_gap(cg_fn *f);            /* pool_resize.c: GlobalAveragePool */
void emit_resize(cg_fn *f);         /* pool_resize.c */
void emit_pool(cg_fn *f);           /* pool_resize.c: MaxPool, AveragePool */
void emit_concat(cg_fn *f);         /* movement.c */
void emit_transpose(cg_fn *f);      /* movement.c */
void emit_slice(cg_fn *f);          /* movement.c */
void emit_reshape(cg_fn *f);        /* movement.c: a copy, where the plan made no alias */
void emit_matmul(cg_fn *f);         /* gemm.c */
void emit_softmax(cg_fn *f);        /* reduce.c */
void emit_reduce_mean(cg_fn *f);    /* reduce.c */
void emit_layernorm(cg_fn *f);      /* reduce.c */

/* ---- driver pieces ---------------------------------------------------------- */

/* The activation buffers and their workspace slots (codegen/plan.c). */
typedef struct {
    uint32_t nbufs, nslots;
    int32_t *buf_of_value;  /* per value: buffer index, -1 for weights and unused values */
    ir_id *value_of_buf;    /* per buffer */
    int32_t *slot_of_buf;   /* per buffer: slot, -1 for the caller's inputs and outputs */
    bool *needed;           /* per node: contributes to a graph output */
    ir_act *levels;         /* per value: IR_ACT_QUANT when its buffer holds these uint8 levels, not floats */
} cg_plan;

/* Whether g is a DB text detector: the image API, 3 input channels, and an
 * output [*, C, H, W] of the input's H and W (core/ plus det/ runtime). */
bool cg_is_detector(const ir_graph *g);

ocrs_status cg_plan_build(const ir_graph *g, cg_plan *p, ocrs_diag *diag);
/* Bytes per element of value v's buffer: 1 for levels, else 4. */
int64_t cg_plan_elem_bytes(const cg_plan *p, ir_id v);
/* Whether node is a Reshape or FakeQuant whose output is its input's buffer
 * (no code). */
bool cg_plan_is_alias(const ir_graph *g, const cg_plan *p, ir_id node);
void cg_plan_free(cg_plan *p);

/* Writes the text-detection part of the header (codegen/header_detect.c). */
void cg_write_header_detect(FILE *f, const char *name, const char *up);
/* A note (lines separated by newlines) in a header's opening comment: each
 * line a sentence, the first after lead ("" for none), then an empty line. */
void cg_write_note(FILE *f, const char *lead, const char *note);

/* What an OCR system's runtime is compiled with (codegen/system.c). */
typedef struct {
    bool has_cls, use_space;
    int64_t cls_h, cls_w;                                 /* the classifier's fixed input size */
    int64_t rec_h, rec_w_align, rec_w_min, rec_w_max;     /* the recognizer's input height and widths */
    int64_t rec_classes;                                  /* C of its output [N, T, C] */
    char *dict;                                           /* the dictionary file's bytes */
    size_t dict_size;
    int64_t dict_lines;
} cg_system;

/* Checks the system's models and reads its dictionary into sys (freed by
 * cg_system_free, which a failure has done). */
ocrs_status cg_system_facts(const ocrs_system_opts *o, cg_system *sys, ocrs_diag *diag);
void cg_system_free(cg_system *sys);
/* C source defining the hidden <name>__dict and <name>__dict_size. */
ocrs_status cg_write_system_dict(const cg_system *sys, const char *name, const char *path, ocrs_diag *diag);
/* The system library's header (codegen/header_system.c). */
ocrs_status cg_write_header_system(const ocrs_system_opts *o, const cg_system *sys, const char *path,
                                   ocrs_diag *diag);

/* The status codes of every generated header, <UP>_OK ... (codegen/header.c). */
void cg_write_status_macros(FILE *f, const char *up);
/* The detector's options type <name>_detect_options and its limit_type
 * values (codegen/header_detect.c). */
void cg_write_detect_types(FILE *f, const char *name, const char *up);

/* Writes the C header of the generated library (codegen/header.c); note:
 * a line for its opening comment, or NULL. */
ocrs_status cg_write_header(const ir_graph *g, const cg_plan *p, const char *name, const char *note,
                            const char *path, size_t weight_bytes, ocrs_diag *diag);

/* Target machine, optimisation and output files (codegen/link.c). */
typedef struct LLVMOpaqueTargetMachine *cg_target;
ocrs_status cg_target_create(const ocrs_codegen_opts *opts, cg_target *tm_out, ocrs_diag *diag);
cg_target_desc cg_target_describe(cg_target tm); /* codegen/target.c */
ocrs_status cg_optimize(cg_module *m, cg_target tm, const ocrs_codegen_opts *opts, ocrs_diag *diag);
ocrs_status cg_write_outputs(cg_module *m, cg_target tm, const ir_graph *g, const cg_plan *p,
                             size_t weight_bytes, const ocrs_codegen_opts *opts, ocrs_diag *diag);

#endif
