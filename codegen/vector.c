/* Vector helpers shared by the register-blocked kernels (conv_tile.c,
 * gemm.c, reduce.c): splats, lane masks, plain and masked loads and
 * stores, and the tile choice that fits a kernel's accumulators into the
 * target's registers. */
#include <string.h>

#include "cg.h"

enum { MAX_LANES = 64 };

cg_vec cg_vec_type(cg_fn *f, int64_t vw) {
    OCRS_ASSERT(vw >= 1 && vw <= MAX_LANES);
    return (cg_vec){.vw = vw,
                    .vt = LLVMVectorType(f->m->f32, (unsigned)vw),
                    .it = LLVMVectorType(LLVMInt32TypeInContext(f->m->ctx), (unsigned)vw)};
}

LLVMValueRef cg_intrinsic2(cg_fn *f, const char *name, LLVMTypeRef t0, LLVMTypeRef t1, LLVMValueRef *args,
                           unsigned nargs) {
    unsigned id = LLVMLookupIntrinsicID(name, strlen(name));
    OCRS_ASSERT(id != 0);
    LLVMTypeRef types[2] = {t0, t1};
    LLVMValueRef decl = LLVMGetIntrinsicDeclaration(f->m->mod, id, types, 2);
    return LLVMBuildCall2(f->b, LLVMIntrinsicGetType(f->m->ctx, id, types, 2), decl, args, nargs, "");
}

LLVMValueRef cg_splat(cg_fn *f, LLVMTypeRef vt, LLVMValueRef x) {
    LLVMValueRef v = LLVMBuildInsertElement(f->b, LLVMGetUndef(vt), x, cg_i64(f, 0), "");
    LLVMValueRef zeros = LLVMConstNull(LLVMVectorType(LLVMInt32TypeInContext(f->m->ctx), LLVMGetVectorSize(vt)));
    return LLVMBuildShuffleVector(f->b, v, LLVMGetUndef(vt), zeros, "");
}

LLVMValueRef cg_lane_ramp(cg_fn *f, unsigned n, int64_t start, int64_t step) {
    LLVMTypeRef i32 = LLVMInt32TypeInContext(f->m->ctx);
    LLVMValueRef lanes[MAX_LANES];
    OCRS_ASSERT(n <= MAX_LANES);
    for (unsigned i = 0; i < n; i++) lanes[i] = LLVMConstInt(i32, (unsigned long long)(start + i * step), 1);
    return LLVMConstVector(lanes, n);
}

LLVMValueRef cg_lane_mask(cg_fn *f, const cg_vec *v, LLVMValueRef first, int64_t start, int64_t step,
                          LLVMValueRef limit) {
    LLVMTypeRef i32 = LLVMInt32TypeInContext(f->m->ctx);
    LLVMValueRef pos = LLVMBuildAdd(f->b, cg_splat(f, v->it, LLVMBuildTrunc(f->b, first, i32, "")),
                                    cg_lane_ramp(f, (unsigned)v->vw, start, step), "");
    LLVMValueRef ge = LLVMBuildICmp(f->b, LLVMIntSGE, pos, LLVMConstNull(v->it), "");
    LLVMValueRef lt = LLVMBuildICmp(f->b, LLVMIntSLT, pos, cg_splat(f, v->it, LLVMBuildTrunc(f->b, limit, i32, "")), "");
    return LLVMBuildAnd(f->b, ge, lt, "");
}

LLVMValueRef cg_elem_ptr(cg_fn *f, LLVMValueRef base, LLVMValueRef index) {
    return LLVMBuildGEP2(f->b, f->m->f32, base, &index, 1, "");
}

LLVMValueRef cg_vload(cg_fn *f, const cg_vec *v, LLVMValueRef p, LLVMValueRef mask) {
    if (!mask) {
        LLVMValueRef x = LLVMBuildLoad2(f->b, v->vt, p, "");
        LLVMSetAlignment(x, 4);
        return x;
    }
    LLVMValueRef args[4] = {p, LLVMConstInt(LLVMInt32TypeInContext(f->m->ctx), 4, 0), mask, LLVMConstNull(v->vt)};
    return cg_intrinsic2(f, "llvm.masked.load", v->vt, f->m->ptr, args, 4);
}

void cg_vstore(cg_fn *f, const cg_vec *v, LLVMValueRef x, LLVMValueRef p, LLVMValueRef mask) {
    if (!mask) {
        LLVMSetAlignment(LLVMBuildStore(f->b, x, p), 4);
        return;
    }
    LLVMValueRef args[4] = {x, p, LLVMConstInt(LLVMInt32TypeInContext(f->m->ctx), 4, 0), mask};
    cg_intrinsic2(f, "llvm.masked.store", v->vt, f->m->ptr, args, 4);
}

LLVMValueRef cg_level_ptr(cg_fn *f, LLVMValueRef base, LLVMValueRef index) {
    return LLVMBuildGEP2(f->b, LLVMInt8TypeInContext(f->m->ctx), base, &index, 1, "");
}

LLVMValueRef cg_vload_levels(cg_fn *f, const cg_vec *v, LLVMValueRef p, LLVMValueRef mask, int fill) {
    LLVMTypeRef i8 = LLVMInt8TypeInContext(f->m->ctx), vt = LLVMVectorType(i8, (unsigned)v->vw);
    LLVMValueRef x;
    if (!mask) {
        x = LLVMBuildLoad2(f->b, vt, p, "");
        LLVMSetAlignment(x, 1);
    } else {
        LLVMValueRef args[4] = {p, LLVMConstInt(LLVMInt32TypeInContext(f->m->ctx), 1, 0), mask,
                                cg_splat(f, vt, LLVMConstInt(i8, (unsigned long long)fill, 0))};
        x = cg_intrinsic2(f, "llvm.masked.load", vt, f->m->ptr, args, 4);
    }
    return LLVMBuildZExt(f->b, x, v->it, "");
}

LLVMValueRef cg_vlevels(cg_fn *f, const cg_vec *v, ir_act q, LLVMValueRef x) {
    /* Levels lie in [0, 255]: the signed conversion is exact (one
     * instruction on x86, where the unsigned one is several). */
    return LLVMBuildFPToSI(f->b, cg_quant_level(f, q, x), v->it, "");
}

void cg_vstore_out(cg_fn *f, const cg_vec *v, LLVMValueRef y, LLVMValueRef index, LLVMValueRef mask) {
    if (f->out_levels.kind == IR_ACT_NONE) {
        cg_vstore(f, v, y, cg_elem_ptr(f, f->out, index), mask);
        return;
    }
    LLVMTypeRef vt = LLVMVectorType(LLVMInt8TypeInContext(f->m->ctx), (unsigned)v->vw);
    LLVMValueRef l = LLVMBuildTrunc(f->b, cg_vlevels(f, v, f->out_levels, y), vt, "");
    LLVMValueRef p = cg_level_ptr(f, f->out, index);
    if (!mask) {
        LLVMSetAlignment(LLVMBuildStore(f->b, l, p), 1);
        return;
    }
    LLVMValueRef args[4] = {l, p, LLVMConstInt(LLVMInt32TypeInContext(f->m->ctx), 1, 0), mask};
    cg_intrinsic2(f, "llvm.masked.store", vt, f->m->ptr, args, 4);
}

int64_t cg_round_up(int64_t a, int64_t b) { return (a + b - 1) / b * b; }

/* A load costs more than an FMA: L1 misses, and a narrow tile streams its
 * input once per row block (measured on the recognizer's 480 -> 466 1x1
 * conv: 2x5 tiles ran 30% slower than 4x3). */
#define LOAD_COST 1.5

/* The best estimated FMA throughput: useful over computed work (partial
 * row blocks and column ends compute idle lanes), times the FMA share of a
 * reduction step bound by two loads and two FMAs per cycle (nv vector loads
 * and mr * k broadcasts against mr * k * nv FMAs), with all accumulators,
 * the loaded vectors and a broadcast in registers. */
void cg_choose_tile(const cg_target_desc *td, int64_t vw, int64_t m, int64_t width, int64_t k, int64_t *mr_out,
                    int64_t *nv_out) {
    double best = -1;
    int64_t bm = 1, bn = 1;
    for (int64_t mr = 1; mr <= (m < 8 ? m : 8); mr++)
        for (int64_t nv = 1; nv <= CG_MAX_NV && mr * k * nv + nv + 1 <= td->vector_regs; nv++) {
            if (mr * k * nv > CG_MAX_ACC) continue;
            double fmas = (double)(mr * k * nv), loads = LOAD_COST * (double)(nv + mr * k);
            double useful = (double)(m * width) / (double)(cg_round_up(m, mr) * cg_round_up(width, nv * vw));
            double score = useful * fmas / (fmas > loads ? fmas : loads);
            /* Ties go to the larger tile: fewer loop trips. */
            if (score > best + 1e-9 || (score > best - 1e-9 && mr * nv > bm * bn)) {
                best = score > best ? score : best;
                bm = mr, bn = nv;
            }
        }
    *mr_out = bm;
    *nv_out = bn;
}

int64_t cg_ref_extent(const cg_fn *f, ir_dim d) {
    int64_t units[IR_MAX_SYMS];
    ir_ref_units(f->g, units);
    return ir_dim_eval(d, units);
}
