/* Loop builder and the small integer, memory and activation helpers every
 * emitter uses, so that kernels read as loop nests. */
#include <math.h>
#include <string.h>

#include "cg.h"

LLVMValueRef cg_for(cg_fn *f, cg_loop *l, LLVMValueRef begin, LLVMValueRef end, const char *name) {
    LLVMBasicBlockRef pre = LLVMGetInsertBlock(f->b);
    l->head = LLVMAppendBasicBlockInContext(f->m->ctx, f->fn, name);
    l->exit = LLVMAppendBasicBlockInContext(f->m->ctx, f->fn, "");
    l->end = end;
    LLVMBuildCondBr(f->b, LLVMBuildICmp(f->b, LLVMIntSLT, begin, end, ""), l->head, l->exit);
    LLVMPositionBuilderAtEnd(f->b, l->head);
    l->iv = LLVMBuildPhi(f->b, f->m->i64, name);
    LLVMAddIncoming(l->iv, &begin, &pre, 1);
    return l->iv;
}

void cg_end(cg_fn *f, cg_loop *l) {
    LLVMBasicBlockRef latch = LLVMGetInsertBlock(f->b);
    LLVMValueRef next = cg_addi(f, l->iv, 1);
    LLVMBuildCondBr(f->b, LLVMBuildICmp(f->b, LLVMIntSLT, next, l->end, ""), l->head, l->exit);
    LLVMAddIncoming(l->iv, &next, &latch, 1);
    LLVMPositionBuilderAtEnd(f->b, l->exit);
}

LLVMValueRef cg_for_shared(cg_fn *f, cg_loop *l, LLVMValueRef begin, LLVMValueRef end, const char *name) {
    LLVMValueRef n = cg_sub(f, end, begin);
    LLVMValueRef lo = LLVMBuildSDiv(f->b, cg_mul(f, n, f->tid), f->nthreads, "");
    LLVMValueRef hi = LLVMBuildSDiv(f->b, cg_mul(f, n, cg_addi(f, f->tid, 1)), f->nthreads, "");
    return cg_for(f, l, cg_add(f, begin, lo), cg_add(f, begin, hi), name);
}

LLVMValueRef cg_i64(cg_fn *f, int64_t v) { return LLVMConstInt(f->m->i64, (unsigned long long)v, 1); }
LLVMValueRef cg_f32(cg_fn *f, double v) { return LLVMConstReal(f->m->f32, v); }

/* nsw lets scalar evolution see the affine indices the vectoriser needs. */
LLVMValueRef cg_add(cg_fn *f, LLVMValueRef a, LLVMValueRef b) { return LLVMBuildNSWAdd(f->b, a, b, ""); }
LLVMValueRef cg_sub(cg_fn *f, LLVMValueRef a, LLVMValueRef b) { return LLVMBuildNSWSub(f->b, a, b, ""); }
LLVMValueRef cg_mul(cg_fn *f, LLVMValueRef a, LLVMValueRef b) { return LLVMBuildNSWMul(f->b, a, b, ""); }
LLVMValueRef cg_addi(cg_fn *f, LLVMValueRef a, int64_t b) { return b ? cg_add(f, a, cg_i64(f, b)) : a; }
LLVMValueRef cg_muli(cg_fn *f, LLVMValueRef a, int64_t b) { return b == 1 ? a : cg_mul(f, a, cg_i64(f, b)); }

LLVMValueRef cg_min(cg_fn *f, LLVMValueRef a, LLVMValueRef b) {
    return LLVMBuildSelect(f->b, LLVMBuildICmp(f->b, LLVMIntSLT, a, b, ""), a, b, "");
}

LLVMValueRef cg_max(cg_fn *f, LLVMValueRef a, LLVMValueRef b) {
    return LLVMBuildSelect(f->b, LLVMBuildICmp(f->b, LLVMIntSGT, a, b, ""), a, b, "");
}

LLVMValueRef cg_floordiv(cg_fn *f, LLVMValueRef a, int64_t d) {
    if (d == 1) return a;
    /* sdiv truncates toward zero; step down when a is negative and inexact. */
    LLVMValueRef q = LLVMBuildSDiv(f->b, a, cg_i64(f, d), "");
    LLVMValueRef r = LLVMBuildSRem(f->b, a, cg_i64(f, d), "");
    LLVMValueRef adj = LLVMBuildICmp(f->b, LLVMIntSLT, r, cg_i64(f, 0), "");
    return LLVMBuildSub(f->b, q, LLVMBuildZExt(f->b, adj, f->m->i64, ""), "");
}

LLVMValueRef cg_ceildiv(cg_fn *f, LLVMValueRef a, int64_t d) { return cg_floordiv(f, cg_addi(f, a, d - 1), d); }

/* The same polynomial as ocrs_dim_eval (runtime/core/ocrs_dims.h), as
 * instructions: every product of units is positive and bounded (the shape
 * rules checked every extent at the symbols' largest values). */
LLVMValueRef cg_dim(cg_fn *f, ir_dim d) {
    LLVMValueRef v = cg_i64(f, d.q);
    for (int t = 0; t < d.nterms; t++) {
        LLVMValueRef p = cg_i64(f, d.t[t].coef);
        for (int s = 0; s < IR_MAX_SYMS; s++)
            for (int e = ir_mono_exp(d.t[t].mono, s); e; e--) p = cg_mul(f, p, f->units[s]);
        v = d.q || t ? cg_add(f, v, p) : p;
    }
    return v;
}

LLVMValueRef cg_extent(cg_fn *f, const ir_value *v, int from, int to) {
    LLVMValueRef n = cg_i64(f, 1);
    for (int i = from; i < to; i++) n = cg_mul(f, n, cg_dim(f, v->dims[i]));
    return n;
}

LLVMValueRef cg_alloca(cg_fn *f, LLVMTypeRef type, const char *name) {
    LLVMBasicBlockRef entry = LLVMGetEntryBasicBlock(f->fn);
    LLVMBuilderRef b = LLVMCreateBuilderInContext(f->m->ctx);
    LLVMValueRef first = LLVMGetFirstInstruction(entry);
    if (first) LLVMPositionBuilderBefore(b, first);
    else LLVMPositionBuilderAtEnd(b, entry);
    LLVMValueRef slot = LLVMBuildAlloca(b, type, name);
    LLVMDisposeBuilder(b);
    return slot;
}

LLVMValueRef cg_load(cg_fn *f, LLVMValueRef base, LLVMValueRef index) {
    LLVMValueRef p = LLVMBuildInBoundsGEP2(f->b, f->m->f32, base, &index, 1, "");
    LLVMValueRef v = LLVMBuildLoad2(f->b, f->m->f32, p, "");
    LLVMSetAlignment(v, 4);
    return v;
}

void cg_store(cg_fn *f, LLVMValueRef val, LLVMValueRef base, LLVMValueRef index) {
    LLVMValueRef p = LLVMBuildInBoundsGEP2(f->b, f->m->f32, base, &index, 1, "");
    LLVMSetAlignment(LLVMBuildStore(f->b, val, p), 4);
}

LLVMValueRef cg_intrinsic(cg_fn *f, const char *name, LLVMTypeRef type, LLVMValueRef *args, unsigned nargs) {
    unsigned id = LLVMLookupIntrinsicID(name, strlen(name));
    OCRS_ASSERT(id != 0);
    LLVMValueRef decl = LLVMGetIntrinsicDeclaration(f->m->mod, id, &type, 1);
    LLVMTypeRef fty = LLVMIntrinsicGetType(f->m->ctx, id, &type, 1);
    return LLVMBuildCall2(f->b, fty, decl, args, nargs, "");
}

LLVMValueRef cg_fconst(LLVMTypeRef type, double v) {
    if (LLVMGetTypeKind(type) != LLVMVectorTypeKind) return LLVMConstReal(type, v);
    unsigned n = LLVMGetVectorSize(type);
    LLVMValueRef lanes[64];
    OCRS_ASSERT(n <= 64);
    for (unsigned i = 0; i < n; i++) lanes[i] = LLVMConstReal(LLVMGetElementType(type), v);
    return LLVMConstVector(lanes, n);
}

static LLVMValueRef fmax2(cg_fn *f, LLVMValueRef a, LLVMValueRef b) {
    LLVMValueRef args[2] = {a, b};
    return cg_intrinsic(f, "llvm.maxnum", LLVMTypeOf(a), args, 2);
}

static LLVMValueRef fmin2(cg_fn *f, LLVMValueRef a, LLVMValueRef b) {
    LLVMValueRef args[2] = {a, b};
    return cg_intrinsic(f, "llvm.minnum", LLVMTypeOf(a), args, 2);
}

LLVMValueRef cg_conv_epilogue(cg_fn *f, LLVMValueRef x) {
    const ir_attrs *a = &f->node->attrs;
    LLVMValueRef y = cg_act(f, a->act, x);
    if (!a->post.on) return y;
    /* Separate multiply and add, never contracted: ir_conv_epilogue rounds twice. */
    y = LLVMBuildFMul(f->b, y, cg_fconst(LLVMTypeOf(y), a->post.scale), "");
    return a->post.has_shift ? LLVMBuildFAdd(f->b, y, cg_fconst(LLVMTypeOf(y), a->post.shift), "") : y;
}

LLVMValueRef cg_quant_level(cg_fn *f, ir_act act, LLVMValueRef x) {
    OCRS_ASSERT(act.kind == IR_ACT_QUANT);
    LLVMTypeRef t = LLVMTypeOf(x);
    LLVMValueRef q = LLVMBuildFMul(f->b, x, cg_fconst(t, ir_quant_recip(act.a)), "");
    q = cg_intrinsic(f, "llvm.roundeven", t, &q, 1);
    return fmin2(f, fmax2(f, LLVMBuildFAdd(f->b, q, cg_fconst(t, act.b), ""), cg_fconst(t, 0)), cg_fconst(t, 255));
}

/* llvm.maxnum/minnum are C's fmaxf/fminf, so results match ir_act_apply
 * bit for bit (NaN included). */
LLVMValueRef cg_act(cg_fn *f, ir_act act, LLVMValueRef x) {
    LLVMBuilderRef b = f->b;
    LLVMTypeRef t = LLVMTypeOf(x);
#define C(v) cg_fconst(t, (v))
    switch (act.kind) {
    case IR_ACT_NONE: return x;
    case IR_ACT_RELU: return LLVMBuildSelect(b, LLVMBuildFCmp(b, LLVMRealOGT, x, C(0), ""), x, C(0), "");
    case IR_ACT_CLIP: return fmin2(f, fmax2(f, x, C(act.a)), C(act.b));
    case IR_ACT_HARDSIGMOID: {
        LLVMValueRef y = LLVMBuildFAdd(b, LLVMBuildFMul(b, C(act.a), x, ""), C(act.b), "");
        return fmax2(f, C(0), fmin2(f, C(1), y));
    }
    case IR_ACT_HARDSWISH: {
        LLVMValueRef y = LLVMBuildFAdd(b, LLVMBuildFMul(b, x, C(1.0f / 6.0f), ""), C(0.5), "");
        return LLVMBuildFMul(b, x, fmax2(f, C(0), fmin2(f, C(1), y)), "");
    }
    case IR_ACT_SIGMOID: {
        LLVMValueRef e = cg_exp(f, LLVMBuildFNeg(b, x, ""));
        return LLVMBuildFDiv(b, C(1), LLVMBuildFAdd(b, C(1), e, ""), "");
    }
    case IR_ACT_SQRT: return cg_intrinsic(f, "llvm.sqrt", t, &x, 1);
    case IR_ACT_POW: /* the cases ir_pow takes apart, the same way */
        if (act.a == 2.0f) return LLVMBuildFMul(b, x, x, "");
        if (act.a == 1.0f) return x;
        if (act.a == 0.5f) return cg_intrinsic(f, "llvm.sqrt", t, &x, 1);
        return cg_intrinsic(f, "llvm.pow", t, (LLVMValueRef[]){x, C(act.a)}, 2);
    case IR_ACT_QUANT: return LLVMBuildFMul(b, LLVMBuildFSub(b, cg_quant_level(f, act, x), C(act.b), ""), C(act.a), "");
    }
#undef C
    OCRS_ASSERT(!"unknown activation");
    return x;
}

/* Cephes' expf: x = n ln2 + r with |r| <= ln2 / 2 (ln2 in two parts, so r is
 * exact), exp(r) by a degree-6 polynomial, times 2^n built in the exponent
 * bits. Within 2 ulp of expf over the clamped range; below it the result
 * is 2^-126 * exp(r), which no caller distinguishes from 0 in a sum, above
 * it (x > 88.38) +inf, and NaN stays NaN. */
LLVMValueRef cg_exp(cg_fn *f, LLVMValueRef x) {
    LLVMBuilderRef b = f->b;
    LLVMTypeRef t = LLVMTypeOf(x);
    bool vec = LLVMGetTypeKind(t) == LLVMVectorTypeKind;
    LLVMTypeRef i32 = LLVMInt32TypeInContext(f->m->ctx);
    LLVMTypeRef it = vec ? LLVMVectorType(i32, LLVMGetVectorSize(t)) : i32;
#define C(v) cg_fconst(t, (v))
    LLVMValueRef hi = LLVMBuildFCmp(b, LLVMRealOGT, x, C(88.3762626647949), "");
    LLVMValueRef nan = LLVMBuildFCmp(b, LLVMRealUNO, x, x, "");
    LLVMValueRef xc = fmax2(f, fmin2(f, x, C(88.3762626647949)), C(-87.3365447504));
    LLVMValueRef n = cg_intrinsic(f, "llvm.floor", t,
                                  (LLVMValueRef[]){LLVMBuildFAdd(b, LLVMBuildFMul(b, xc, C(1.44269504088896341), ""),
                                                                 C(0.5), "")},
                                  1);
    LLVMValueRef r = LLVMBuildFSub(b, xc, LLVMBuildFMul(b, n, C(0.693359375), ""), "");
    r = LLVMBuildFAdd(b, r, LLVMBuildFMul(b, n, C(2.12194440e-4), ""), "");
    static const double poly[] = {1.9875691500e-4, 1.3981999507e-3, 8.3334519073e-3,
                                  4.1665795894e-2, 1.6666665459e-1, 5.0000001201e-1};
    LLVMValueRef p = C(poly[0]);
    for (int i = 1; i < 6; i++) p = LLVMBuildFAdd(b, LLVMBuildFMul(b, p, r, ""), C(poly[i]), "");
    LLVMValueRef y = LLVMBuildFAdd(b, LLVMBuildFMul(b, p, LLVMBuildFMul(b, r, r, ""), ""), r, "");
    y = LLVMBuildFAdd(b, y, C(1), "");
    /* 2^n: (n + 127) << 23 as the bits of a float; n is in [-126, 127]. */
    LLVMValueRef k127 = LLVMConstInt(i32, 127, 0), k23 = LLVMConstInt(i32, 23, 0);
    if (vec) {
        k127 = cg_splat(f, it, k127);
        k23 = cg_splat(f, it, k23);
    }
    LLVMValueRef bits = LLVMBuildShl(b, LLVMBuildAdd(b, LLVMBuildFPToSI(b, n, it, ""), k127, ""), k23, "");
    y = LLVMBuildFMul(b, y, LLVMBuildBitCast(b, bits, t, ""), "");
    y = LLVMBuildSelect(b, hi, C(INFINITY), y, "");
    y = LLVMBuildSelect(b, nan, x, y, "");
#undef C
    return y;
}
