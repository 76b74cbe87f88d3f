/* Reductions: Softmax, ReduceMean and LayerNormalization.
 *
 * Softmax and LayerNorm work on rows: the reduced run of axes when nothing
 * follows it is contiguous, and each row is a few passes of vector loops
 * (the last vector masked) with the row's statistics in registers. A
 * softmax over a run followed by other axes walks its elements with that
 * stride, a lane at a time. Sums are in float, in a fixed order per row;
 * exp is a polynomial (cg_exp) so that the loops stay vectors. ReduceMean
 * is general (any set of axes) and sums in double, as the interpreter. */
#include <math.h>

#include "cg.h"

/* max, sum and similar over a vector's lanes. */
static LLVMValueRef lanes_reduce(cg_fn *f, const char *name, LLVMValueRef v, LLVMValueRef start) {
    LLVMTypeRef t = LLVMTypeOf(v);
    if (start) return cg_intrinsic(f, name, t, (LLVMValueRef[]){start, v}, 2);
    return cg_intrinsic(f, name, t, &v, 1);
}

/* body(k, NULL) for every whole vector k = 0, vw, ... of [0, len), then
 * body(k, mask) for the partial last one if there is one: masked loads and
 * stores only where they are needed (a masked store is several times
 * slower than a plain one on AMD's cores). */
typedef void vec_body(cg_fn *f, const cg_vec *v, void *ctx, LLVMValueRef k, LLVMValueRef mask);

static void vec_each(cg_fn *f, const cg_vec *v, LLVMValueRef len, vec_body *body, void *ctx) {
    LLVMValueRef whole = LLVMBuildUDiv(f->b, len, cg_i64(f, v->vw), "");
    cg_loop l;
    LLVMValueRef i = cg_for(f, &l, cg_i64(f, 0), whole, "v");
    body(f, v, ctx, cg_muli(f, i, v->vw), NULL);
    cg_end(f, &l);
    if (v->vw == 1) return;
    LLVMValueRef k = cg_muli(f, whole, v->vw);
    LLVMBasicBlockRef tail = LLVMAppendBasicBlockInContext(f->m->ctx, f->fn, "tail");
    LLVMBasicBlockRef join = LLVMAppendBasicBlockInContext(f->m->ctx, f->fn, "");
    LLVMBuildCondBr(f->b, LLVMBuildICmp(f->b, LLVMIntSLT, k, len, ""), tail, join);
    LLVMPositionBuilderAtEnd(f->b, tail);
    body(f, v, ctx, k, cg_lane_mask(f, v, k, 0, 1, len));
    LLVMBuildBr(f->b, join);
    LLVMPositionBuilderAtEnd(f->b, join);
}

/* x where the mask holds, fill elsewhere (no mask: x). */
static LLVMValueRef masked_or(cg_fn *f, const cg_vec *v, LLVMValueRef mask, LLVMValueRef x, double fill) {
    return mask ? LLVMBuildSelect(f->b, mask, x, cg_fconst(v->vt, fill), "") : x;
}

static LLVMValueRef acc_new(cg_fn *f, LLVMTypeRef t, LLVMValueRef init) {
    LLVMValueRef slot = cg_alloca(f, t, "acc");
    LLVMBuildStore(f->b, init, slot);
    return slot;
}

static LLVMValueRef acc_get(cg_fn *f, LLVMValueRef slot) { return LLVMBuildLoad2(f->b, LLVMGetAllocatedType(slot), slot, ""); }

/* One softmax row: len elements from base, stride inner (1 with vectors). */
typedef struct {
    LLVMValueRef base, inner, acc, m, sum;
} softmax_ctx;

static LLVMValueRef softmax_at(cg_fn *f, const softmax_ctx *c, LLVMValueRef p, LLVMValueRef k) {
    return cg_elem_ptr(f, p, cg_add(f, c->base, cg_mul(f, k, c->inner)));
}

static void softmax_max(cg_fn *f, const cg_vec *v, void *ctx, LLVMValueRef k, LLVMValueRef mask) {
    softmax_ctx *c = ctx;
    LLVMValueRef x = masked_or(f, v, mask, cg_vload(f, v, softmax_at(f, c, f->in[0], k), mask), -INFINITY);
    LLVMBuildStore(f->b, cg_intrinsic(f, "llvm.maximum", v->vt, (LLVMValueRef[]){acc_get(f, c->acc), x}, 2), c->acc);
}

static void softmax_exp(cg_fn *f, const cg_vec *v, void *ctx, LLVMValueRef k, LLVMValueRef mask) {
    softmax_ctx *c = ctx;
    LLVMValueRef e = cg_exp(f, LLVMBuildFSub(f->b, cg_vload(f, v, softmax_at(f, c, f->in[0], k), mask), c->m, ""));
    cg_vstore(f, v, e, softmax_at(f, c, f->out, k), mask);
    LLVMBuildStore(f->b, LLVMBuildFAdd(f->b, acc_get(f, c->acc), masked_or(f, v, mask, e, 0), ""), c->acc);
}

static void softmax_div(cg_fn *f, const cg_vec *v, void *ctx, LLVMValueRef k, LLVMValueRef mask) {
    softmax_ctx *c = ctx;
    LLVMValueRef p = softmax_at(f, c, f->out, k);
    cg_vstore(f, v, LLVMBuildFDiv(f->b, cg_vload(f, v, p, mask), c->sum, ""), p, mask);
}

static void softmax_row(cg_fn *f, const cg_vec *v, LLVMValueRef base, LLVMValueRef len, LLVMValueRef inner) {
    softmax_ctx c = {.base = base, .inner = inner};
    c.acc = acc_new(f, v->vt, cg_fconst(v->vt, -INFINITY));
    vec_each(f, v, len, softmax_max, &c);
    c.m = cg_splat(f, v->vt, lanes_reduce(f, "llvm.vector.reduce.fmaximum", acc_get(f, c.acc), NULL));
    c.acc = acc_new(f, v->vt, cg_fconst(v->vt, 0));
    vec_each(f, v, len, softmax_exp, &c);
    c.sum = cg_splat(f, v->vt, lanes_reduce(f, "llvm.vector.reduce.fadd", acc_get(f, c.acc), cg_f32(f, -0.0)));
    vec_each(f, v, len, softmax_div, &c);
}

/* Whether every axis from `from` on has extent 1. */
static bool ones_from(const ir_value *x, int from) {
    for (int i = from; i < x->rank; i++)
        if (!ir_dim_equal(x->dims[i], ir_dim_const(1))) return false;
    return true;
}

void emit_softmax(cg_fn *f) {
    const ir_value *x = cg_in_value(f, 0);
    uint64_t axes = (uint64_t)f->node->attrs.axes;
    int first = __builtin_ctzll(axes), last = 63 - __builtin_clzll(axes);
    LLVMValueRef outer = cg_extent(f, x, 0, first), len = cg_extent(f, x, first, last + 1);
    LLVMValueRef inner = cg_extent(f, x, last + 1, x->rank);
    bool rows = ones_from(x, last + 1);
    cg_vec v = cg_vec_type(f, rows ? f->m->target.vector_floats : 1);
    cg_loop l;
    LLVMValueRef r = cg_for_shared(f, &l, cg_i64(f, 0), cg_mul(f, outer, inner), "row");
    /* row r = (o, i): elements o * len * inner + i + k * inner */
    LLVMValueRef o = LLVMBuildUDiv(f->b, r, inner, ""), i = LLVMBuildURem(f->b, r, inner, "");
    softmax_row(f, &v, cg_add(f, cg_mul(f, o, cg_mul(f, len, inner)), i), len, inner);
    cg_end(f, &l);
}

/* ReduceMean: loops over the kept axes (the first shared between threads),
 * inside them over the reduced ones. */
void emit_reduce_mean(cg_fn *f) {
    const ir_value *x = cg_in_value(f, 0);
    LLVMBuilderRef b = f->b;
    uint64_t axes = (uint64_t)f->node->attrs.axes;
    int r = x->rank, kept[IR_MAX_RANK], red[IR_MAX_RANK], nk = 0, nr = 0;
    LLVMValueRef stride[IR_MAX_RANK], step = cg_i64(f, 1), count = cg_i64(f, 1);
    for (int i = r - 1; i >= 0; i--) {
        stride[i] = step;
        step = cg_mul(f, step, cg_dim(f, x->dims[i]));
    }
    for (int i = 0; i < r; i++) {
        if (axes >> i & 1) {
            red[nr++] = i;
            count = cg_mul(f, count, cg_dim(f, x->dims[i]));
        } else {
            kept[nk++] = i;
        }
    }
    cg_loop lk[IR_MAX_RANK + 1], lr[IR_MAX_RANK];
    LLVMValueRef yi = cg_i64(f, 0), xi = cg_i64(f, 0);
    if (!nk) cg_for_shared(f, &lk[0], cg_i64(f, 0), cg_i64(f, 1), "one");
    for (int j = 0; j < nk; j++) {
        LLVMValueRef ext = cg_dim(f, x->dims[kept[j]]);
        LLVMValueRef iv = j ? cg_for(f, &lk[j], cg_i64(f, 0), ext, "k") : cg_for_shared(f, &lk[j], cg_i64(f, 0), ext, "k");
        yi = cg_add(f, cg_mul(f, yi, ext), iv);
        xi = cg_add(f, xi, cg_mul(f, iv, stride[kept[j]]));
    }
    LLVMValueRef acc = acc_new(f, f->m->f64, LLVMConstReal(f->m->f64, 0));
    for (int j = 0; j < nr; j++) {
        LLVMValueRef iv = cg_for(f, &lr[j], cg_i64(f, 0), cg_dim(f, x->dims[red[j]]), "r");
        xi = cg_add(f, xi, cg_mul(f, iv, stride[red[j]]));
    }
    LLVMValueRef sum = LLVMBuildFAdd(b, acc_get(f, acc), LLVMBuildFPExt(b, cg_load(f, f->in[0], xi), f->m->f64, ""), "");
    LLVMBuildStore(b, sum, acc);
    for (int j = nr - 1; j >= 0; j--) cg_end(f, &lr[j]);
    LLVMValueRef mean = LLVMBuildFDiv(b, acc_get(f, acc), LLVMBuildSIToFP(b, count, f->m->f64, ""), "");
    cg_store(f, LLVMBuildFPTrunc(b, mean, f->m->f32, ""), f->out, yi);
    for (int j = (nk ? nk : 1) - 1; j >= 0; j--) cg_end(f, &lk[j]);
}

/* One LayerNorm row from base: the sum, the squared deviations, the output. */
typedef struct {
    bool whole; /* scale and bias span the row (else read modulo psize) */
    LLVMValueRef par[2], psize[2];
    LLVMValueRef base, acc, mean, inv;
} layernorm_ctx;

static LLVMValueRef layernorm_x(cg_fn *f, const cg_vec *v, const layernorm_ctx *c, LLVMValueRef k, LLVMValueRef mask) {
    return cg_vload(f, v, cg_elem_ptr(f, f->in[0], cg_add(f, c->base, k)), mask);
}

static void layernorm_sum(cg_fn *f, const cg_vec *v, void *ctx, LLVMValueRef k, LLVMValueRef mask) {
    layernorm_ctx *c = ctx;
    LLVMBuildStore(f->b, LLVMBuildFAdd(f->b, acc_get(f, c->acc), layernorm_x(f, v, c, k, mask), ""), c->acc);
}

static void layernorm_sq(cg_fn *f, const cg_vec *v, void *ctx, LLVMValueRef k, LLVMValueRef mask) {
    layernorm_ctx *c = ctx;
    LLVMValueRef d = masked_or(f, v, mask, LLVMBuildFSub(f->b, layernorm_x(f, v, c, k, mask), c->mean, ""), 0);
    LLVMBuildStore(f->b, cg_intrinsic(f, "llvm.fmuladd", v->vt, (LLVMValueRef[]){d, d, acc_get(f, c->acc)}, 3), c->acc);
}

static void layernorm_out(cg_fn *f, const cg_vec *v, void *ctx, LLVMValueRef k, LLVMValueRef mask) {
    layernorm_ctx *c = ctx;
    LLVMValueRef y = LLVMBuildFMul(f->b, LLVMBuildFSub(f->b, layernorm_x(f, v, c, k, mask), c->mean, ""), c->inv, "");
    for (int p = 0; p < 2; p++) {
        if (!c->par[p]) continue;
        LLVMValueRef at = c->whole ? k : LLVMBuildURem(f->b, k, c->psize[p], "");
        LLVMValueRef w = cg_vload(f, v, cg_elem_ptr(f, c->par[p], at), mask);
        y = p ? LLVMBuildFAdd(f->b, y, w, "") : LLVMBuildFMul(f->b, y, w, "");
    }
    cg_vstore(f, v, y, cg_elem_ptr(f, f->out, cg_add(f, c->base, k)), mask);
}

/* LayerNorm over rows of the trailing axes from attrs.axis: mean, then the
 * mean square of x - mean, then (x - mean) / sqrt(var + eps) * scale + bias.
 * Scale and bias are read at k modulo their size (ir/shape.c allows leading
 * 1s only); when both span the whole row the loops are vectors. */
void emit_layernorm(cg_fn *f) {
    const ir_value *x = cg_in_value(f, 0), *s = cg_in_value(f, 1);
    const ir_value *bv = f->node->ninputs > 2 ? cg_in_value(f, 2) : NULL;
    LLVMBuilderRef b = f->b;
    int axis = (int)ir_axis(f->node, x->rank);
    LLVMValueRef len = cg_extent(f, x, axis, x->rank);
    /* A parameter spans the row when its extents are the row's. */
    bool whole = true;
    const ir_value *par[2] = {s, bv};
    for (int p = 0; p < 2; p++) {
        if (!par[p]) continue;
        int skip = par[p]->rank - (x->rank - axis); /* <= 0: fewer axes than the row */
        for (int i = axis; i < x->rank; i++) {
            int j = i - axis + skip;
            whole &= j >= 0 && ir_dim_equal(par[p]->dims[j], x->dims[i]);
        }
    }
    cg_vec v = cg_vec_type(f, whole ? f->m->target.vector_floats : 1);
    LLVMTypeRef vt = v.vt;
    LLVMValueRef lenf = cg_splat(f, vt, LLVMBuildSIToFP(b, len, f->m->f32, ""));
    layernorm_ctx c = {.whole = whole, .par = {f->in[1], bv ? f->in[2] : NULL},
                       .psize = {cg_extent(f, s, 0, s->rank), bv ? cg_extent(f, bv, 0, bv->rank) : NULL}};
    cg_loop l;
    LLVMValueRef row = cg_for_shared(f, &l, cg_i64(f, 0), cg_extent(f, x, 0, axis), "row");
    c.base = cg_mul(f, row, len);
    c.acc = acc_new(f, vt, cg_fconst(vt, 0));
    vec_each(f, &v, len, layernorm_sum, &c);
    c.mean = LLVMBuildFDiv(
        b, cg_splat(f, vt, lanes_reduce(f, "llvm.vector.reduce.fadd", acc_get(f, c.acc), cg_f32(f, -0.0))), lenf, "");
    c.acc = acc_new(f, vt, cg_fconst(vt, 0));
    vec_each(f, &v, len, layernorm_sq, &c);
    LLVMValueRef var = LLVMBuildFDiv(
        b, cg_splat(f, vt, lanes_reduce(f, "llvm.vector.reduce.fadd", acc_get(f, c.acc), cg_f32(f, -0.0))), lenf, "");
    LLVMValueRef sd = cg_intrinsic(f, "llvm.sqrt", vt,
                                   (LLVMValueRef[]){LLVMBuildFAdd(b, var, cg_fconst(vt, f->node->attrs.epsilon), "")}, 1);
    c.inv = LLVMBuildFDiv(b, cg_fconst(vt, 1), sd, "");
    vec_each(f, &v, len, layernorm_out, &c);
    cg_end(f, &l);
}
