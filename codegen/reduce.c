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

/* for (k = 0; k < len; k += vw) with mask = lanes k + j < len. */
typedef struct {
    cg_loop l;
    LLVMValueRef k, mask;
} vec_loop;

static void vec_for(cg_fn *f, const cg_vec *v, vec_loop *vl, LLVMValueRef len) {
    LLVMValueRef nvec = LLVMBuildUDiv(f->b, cg_addi(f, len, v->vw - 1), cg_i64(f, v->vw), "");
    LLVMValueRef i = cg_for(f, &vl->l, cg_i64(f, 0), nvec, "v");
    vl->k = cg_muli(f, i, v->vw);
    vl->mask = cg_lane_mask(f, v, vl->k, 0, 1, len);
}

static LLVMValueRef acc_new(cg_fn *f, LLVMTypeRef t, LLVMValueRef init) {
    LLVMValueRef slot = cg_alloca(f, t, "acc");
    LLVMBuildStore(f->b, init, slot);
    return slot;
}

static LLVMValueRef acc_get(cg_fn *f, LLVMValueRef slot) { return LLVMBuildLoad2(f->b, LLVMGetAllocatedType(slot), slot, ""); }

/* The softmax of one row of len elements at base, stride 1 (vectors) or
 * stride inner (one lane). */
static void softmax_row(cg_fn *f, const cg_vec *v, LLVMValueRef base, LLVMValueRef len, LLVMValueRef inner) {
    LLVMBuilderRef b = f->b;
    LLVMTypeRef vt = v->vt;
    vec_loop vl;
#define AT(k) cg_elem_ptr(f, PTR, cg_add(f, base, cg_mul(f, (k), inner)))
    LLVMValueRef vmax = acc_new(f, vt, cg_fconst(vt, -INFINITY));
    vec_for(f, v, &vl, len);
#define PTR f->in[0]
    LLVMValueRef x = LLVMBuildSelect(b, vl.mask, cg_vload(f, v, AT(vl.k), vl.mask), cg_fconst(vt, -INFINITY), "");
    LLVMBuildStore(b, cg_intrinsic(f, "llvm.maximum", vt, (LLVMValueRef[]){acc_get(f, vmax), x}, 2), vmax);
    cg_end(f, &vl.l);
    LLVMValueRef m = cg_splat(f, vt, lanes_reduce(f, "llvm.vector.reduce.fmaximum", acc_get(f, vmax), NULL));
    LLVMValueRef vsum = acc_new(f, vt, cg_fconst(vt, 0));
    vec_for(f, v, &vl, len);
    LLVMValueRef e = cg_exp(f, LLVMBuildFSub(b, cg_vload(f, v, AT(vl.k), vl.mask), m, ""));
#undef PTR
#define PTR f->out
    cg_vstore(f, v, e, AT(vl.k), vl.mask);
    e = LLVMBuildSelect(b, vl.mask, e, cg_fconst(vt, 0), "");
    LLVMBuildStore(b, LLVMBuildFAdd(b, acc_get(f, vsum), e, ""), vsum);
    cg_end(f, &vl.l);
    LLVMValueRef sum = cg_splat(f, vt, lanes_reduce(f, "llvm.vector.reduce.fadd", acc_get(f, vsum), cg_f32(f, -0.0)));
    vec_for(f, v, &vl, len);
    cg_vstore(f, v, LLVMBuildFDiv(b, cg_vload(f, v, AT(vl.k), vl.mask), sum, ""), AT(vl.k), vl.mask);
    cg_end(f, &vl.l);
#undef PTR
#undef AT
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
    LLVMValueRef psize[2] = {cg_extent(f, s, 0, s->rank), bv ? cg_extent(f, bv, 0, bv->rank) : NULL};
    cg_loop l;
    vec_loop vl;
    LLVMValueRef row = cg_for_shared(f, &l, cg_i64(f, 0), cg_extent(f, x, 0, axis), "row");
    LLVMValueRef base = cg_mul(f, row, len);
#define X(k) cg_vload(f, &v, cg_elem_ptr(f, f->in[0], cg_add(f, base, (k))), vl.mask)
    LLVMValueRef vsum = acc_new(f, vt, cg_fconst(vt, 0));
    vec_for(f, &v, &vl, len);
    LLVMBuildStore(b, LLVMBuildFAdd(b, acc_get(f, vsum), X(vl.k), ""), vsum);
    cg_end(f, &vl.l);
    LLVMValueRef mean = LLVMBuildFDiv(
        b, cg_splat(f, vt, lanes_reduce(f, "llvm.vector.reduce.fadd", acc_get(f, vsum), cg_f32(f, -0.0))), lenf, "");
    LLVMValueRef vsq = acc_new(f, vt, cg_fconst(vt, 0));
    vec_for(f, &v, &vl, len);
    LLVMValueRef d = LLVMBuildSelect(b, vl.mask, LLVMBuildFSub(b, X(vl.k), mean, ""), cg_fconst(vt, 0), "");
    LLVMBuildStore(b, cg_intrinsic(f, "llvm.fmuladd", vt, (LLVMValueRef[]){d, d, acc_get(f, vsq)}, 3), vsq);
    cg_end(f, &vl.l);
    LLVMValueRef var = LLVMBuildFDiv(
        b, cg_splat(f, vt, lanes_reduce(f, "llvm.vector.reduce.fadd", acc_get(f, vsq), cg_f32(f, -0.0))), lenf, "");
    LLVMValueRef sd = cg_intrinsic(f, "llvm.sqrt", vt,
                                   (LLVMValueRef[]){LLVMBuildFAdd(b, var, cg_fconst(vt, f->node->attrs.epsilon), "")}, 1);
    LLVMValueRef inv = LLVMBuildFDiv(b, cg_fconst(vt, 1), sd, "");
    vec_for(f, &v, &vl, len);
    LLVMValueRef y = LLVMBuildFMul(b, LLVMBuildFSub(b, X(vl.k), mean, ""), inv, "");
    for (int p = 0; p < 2; p++) {
        if (!par[p]) continue;
        LLVMValueRef k = whole ? vl.k : LLVMBuildURem(b, vl.k, psize[p], "");
        LLVMValueRef w = cg_vload(f, &v, cg_elem_ptr(f, f->in[1 + p], k), vl.mask);
        y = p ? LLVMBuildFAdd(b, y, w, "") : LLVMBuildFMul(b, y, w, "");
    }
    cg_vstore(f, &v, y, cg_elem_ptr(f, f->out, cg_add(f, base, vl.k)), vl.mask);
    cg_end(f, &vl.l);
#undef X
    cg_end(f, &l);
}
