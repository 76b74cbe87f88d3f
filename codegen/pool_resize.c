/* GlobalAveragePool, nearest Resize, MaxPool and AveragePool. Both follow the interpreter's
 * arithmetic: the pool sums in double (rounded once), Resize maps output to
 * input coordinates in double, so indices agree exactly with ir/interp.c. */
#include <math.h>

#include "cg.h"

void emit_gap(cg_fn *f) {
    const ir_value *x = cg_in_value(f, 0);
    LLVMBuilderRef b = f->b;
    LLVMTypeRef f64 = f->m->f64;
    LLVMValueRef hw = cg_extent(f, x, 2, 4);
    LLVMValueRef acc = cg_alloca(f, f64, "sum");
    cg_loop lp, li;
    LLVMValueRef p = cg_for_shared(f, &lp, cg_i64(f, 0), cg_extent(f, x, 0, 2), "plane");
    LLVMBuildStore(b, LLVMConstReal(f64, 0), acc);
    LLVMValueRef base = cg_mul(f, p, hw);
    LLVMValueRef i = cg_for(f, &li, cg_i64(f, 0), hw, "i");
    LLVMValueRef v = LLVMBuildFPExt(b, cg_load(f, f->in[0], cg_add(f, base, i)), f64, "");
    LLVMValueRef sum = LLVMBuildFAdd(b, LLVMBuildLoad2(b, f64, acc, ""), v, "");
    /* Reassociation lets the sum vectorise; in double the order changes the
     * float result only in the rarest ties. */
    LLVMSetFastMathFlags(sum, LLVMFastMathAllowReassoc);
    LLVMBuildStore(b, sum, acc);
    cg_end(f, &li);
    LLVMValueRef mean = LLVMBuildFDiv(b, LLVMBuildLoad2(b, f64, acc, ""), LLVMBuildSIToFP(b, hw, f64, ""), "");
    cg_store(f, LLVMBuildFPTrunc(b, mean, f->m->f32, ""), f->out, p);
    cg_end(f, &lp);
}

static LLVMValueRef f64c(cg_fn *f, double v) { return LLVMConstReal(f->m->f64, v); }

static LLVMValueRef fcall1(cg_fn *f, const char *name, LLVMValueRef x) {
    return cg_intrinsic(f, name, f->m->f64, &x, 1);
}

/* (o + 0.5) / scale - 0.5 */
static LLVMValueRef half_pixel(cg_fn *f, LLVMValueRef od, LLVMValueRef s) {
    LLVMValueRef t = LLVMBuildFDiv(f->b, LLVMBuildFAdd(f->b, od, f64c(f, 0.5), ""), s, "");
    return LLVMBuildFSub(f->b, t, f64c(f, 0.5), "");
}

/* Input index read by output index o along one axis: ONNX's coordinate
 * transformation, nearest rounding, then clamping to [0, in - 1]. */
static LLVMValueRef resize_source(cg_fn *f, float scale, LLVMValueRef o, LLVMValueRef in, LLVMValueRef out) {
    const ir_attrs *a = &f->node->attrs;
    /* Integer upsampling, asymmetric, floor (FPN's nearest x2): the double
     * quotient o / scale is correctly rounded, so its floor is the integer
     * quotient (a non-integer o / s lies at least 1/s from an integer), and
     * it never exceeds in - 1: no clamping, no floating point. */
    if (a->coord == IR_COORD_ASYMMETRIC && a->nearest == IR_NEAREST_FLOOR && scale >= 1 && scale <= 64 &&
        scale == (float)(int)scale)
        return LLVMBuildUDiv(f->b, o, cg_i64(f, (int64_t)scale), "");
    LLVMBuilderRef b = f->b;
    LLVMTypeRef f64 = f->m->f64;
    LLVMValueRef od = LLVMBuildSIToFP(b, o, f64, ""), s = f64c(f, scale), x = NULL;
    /* Transformations defined as 0 for a one-element output select on this. */
    LLVMValueRef many = LLVMBuildICmp(b, LLVMIntSGT, out, cg_i64(f, 1), "");
    switch (a->coord) {
    case IR_COORD_ASYMMETRIC: x = LLVMBuildFDiv(b, od, s, ""); break;
    case IR_COORD_HALF_PIXEL: x = half_pixel(f, od, s); break;
    case IR_COORD_PYTORCH_HALF_PIXEL: x = LLVMBuildSelect(b, many, half_pixel(f, od, s), f64c(f, 0), ""); break;
    case IR_COORD_ALIGN_CORNERS: {
        LLVMValueRef num = LLVMBuildFMul(b, od, LLVMBuildSIToFP(b, cg_addi(f, in, -1), f64, ""), "");
        x = LLVMBuildFDiv(b, num, LLVMBuildSIToFP(b, cg_addi(f, out, -1), f64, ""), "");
        x = LLVMBuildSelect(b, many, x, f64c(f, 0), "");
        break;
    }
    }
    LLVMValueRef r = NULL;
    switch (a->nearest) {
    case IR_NEAREST_FLOOR: r = fcall1(f, "llvm.floor", x); break;
    case IR_NEAREST_CEIL: r = fcall1(f, "llvm.ceil", x); break;
    case IR_NEAREST_ROUND_PREFER_FLOOR: r = fcall1(f, "llvm.ceil", LLVMBuildFSub(b, x, f64c(f, 0.5), "")); break;
    case IR_NEAREST_ROUND_PREFER_CEIL: r = fcall1(f, "llvm.floor", LLVMBuildFAdd(b, x, f64c(f, 0.5), "")); break;
    }
    LLVMValueRef hi = LLVMBuildSIToFP(b, cg_addi(f, in, -1), f64, "");
    r = LLVMBuildSelect(b, LLVMBuildFCmp(b, LLVMRealOLT, r, f64c(f, 0), ""), f64c(f, 0), r, "");
    r = LLVMBuildSelect(b, LLVMBuildFCmp(b, LLVMRealOGT, r, hi, ""), hi, r, "");
    return LLVMBuildFPToSI(b, r, f->m->i64, "");
}

void emit_resize(cg_fn *f) {
    const ir_value *x = cg_in_value(f, 0), *y = cg_out_value(f);
    const ir_attrs *a = &f->node->attrs;
    LLVMValueRef ih = cg_dim(f, x->dims[2]), iw = cg_dim(f, x->dims[3]);
    LLVMValueRef oh = cg_dim(f, y->dims[2]), ow = cg_dim(f, y->dims[3]);
    cg_loop lp, ly, lx;
    LLVMValueRef p = cg_for_shared(f, &lp, cg_i64(f, 0), cg_extent(f, x, 0, 2), "plane");
    LLVMValueRef oy = cg_for(f, &ly, cg_i64(f, 0), oh, "oy");
    LLVMValueRef iy = resize_source(f, a->scale[0], oy, ih, oh);
    LLVMValueRef xrow = cg_mul(f, cg_add(f, cg_mul(f, p, ih), iy), iw);
    LLVMValueRef yrow = cg_mul(f, cg_add(f, cg_mul(f, p, oh), oy), ow);
    LLVMValueRef ox = cg_for(f, &lx, cg_i64(f, 0), ow, "ox");
    LLVMValueRef ix = resize_source(f, a->scale[1], ox, iw, ow);
    cg_store(f, cg_load(f, f->in[0], cg_add(f, xrow, ix)), f->out, cg_add(f, yrow, ox));
    cg_end(f, &lx);
    cg_end(f, &ly);
    cg_end(f, &lp);
}

/* MaxPool and AveragePool as ir/interp.c computes them: the window clipped
 * to the input (padding never wins a max), AveragePool's sum in double
 * divided by the window's elements inside the input, or inside the padded
 * input with count_include_pad. Threads split the planes. */
void emit_pool(cg_fn *f) {
    const ir_value *x = cg_in_value(f, 0), *y = cg_out_value(f);
    const ir_attrs *a = &f->node->attrs;
    LLVMBuilderRef b = f->b;
    LLVMTypeRef f64 = f->m->f64;
    bool avg = f->node->op == IR_OP_AveragePool;
    LLVMValueRef ih = cg_dim(f, x->dims[2]), iw = cg_dim(f, x->dims[3]);
    LLVMValueRef oh = cg_dim(f, y->dims[2]), ow = cg_dim(f, y->dims[3]);
    LLVMValueRef acc = cg_alloca(f, f64, "acc"), cnt = cg_alloca(f, f->m->i64, "count");
    cg_loop lp, ly, lx, lky, lkx;
    LLVMValueRef p = cg_for_shared(f, &lp, cg_i64(f, 0), cg_extent(f, x, 0, 2), "plane");
    LLVMValueRef oy = cg_for(f, &ly, cg_i64(f, 0), oh, "oy");
    LLVMValueRef ox = cg_for(f, &lx, cg_i64(f, 0), ow, "ox");
    LLVMValueRef y0 = cg_addi(f, cg_muli(f, oy, a->stride[0]), -a->pad[0]);
    LLVMValueRef x0 = cg_addi(f, cg_muli(f, ox, a->stride[1]), -a->pad[1]);
    LLVMBuildStore(b, LLVMConstReal(f64, avg ? 0 : -INFINITY), acc);
    LLVMBuildStore(b, cg_i64(f, 0), cnt);
    /* Kernel taps inside the input: 0 <= y0 + k * dilation < ih. */
    LLVMValueRef ky0 = cg_max(f, cg_i64(f, 0), cg_ceildiv(f, cg_sub(f, cg_i64(f, 0), y0), a->dilation[0]));
    LLVMValueRef ky1 = cg_min(f, cg_i64(f, a->kernel[0]),
                              cg_addi(f, cg_floordiv(f, cg_sub(f, cg_addi(f, ih, -1), y0), a->dilation[0]), 1));
    LLVMValueRef kx0 = cg_max(f, cg_i64(f, 0), cg_ceildiv(f, cg_sub(f, cg_i64(f, 0), x0), a->dilation[1]));
    LLVMValueRef kx1 = cg_min(f, cg_i64(f, a->kernel[1]),
                              cg_addi(f, cg_floordiv(f, cg_sub(f, cg_addi(f, iw, -1), x0), a->dilation[1]), 1));
    LLVMValueRef ky = cg_for(f, &lky, ky0, ky1, "ky");
    LLVMValueRef row = cg_mul(f, cg_add(f, cg_mul(f, p, ih), cg_add(f, y0, cg_muli(f, ky, a->dilation[0]))), iw);
    LLVMValueRef kx = cg_for(f, &lkx, kx0, kx1, "kx");
    LLVMValueRef v = LLVMBuildFPExt(b, cg_load(f, f->in[0], cg_add(f, row, cg_add(f, x0, cg_muli(f, kx, a->dilation[1])))),
                                    f64, "");
    LLVMValueRef old = LLVMBuildLoad2(b, f64, acc, "");
    LLVMValueRef next;
    if (avg) {
        next = LLVMBuildFAdd(b, old, v, "");
    } else {
        /* the interpreter's max: a larger value or a NaN wins, and stays */
        LLVMValueRef take = LLVMBuildOr(b, LLVMBuildFCmp(b, LLVMRealOGT, v, old, ""),
                                        LLVMBuildFCmp(b, LLVMRealUNO, v, v, ""), "");
        next = LLVMBuildSelect(b, take, v, old, "");
    }
    LLVMBuildStore(b, next, acc);
    LLVMBuildStore(b, cg_addi(f, LLVMBuildLoad2(b, f->m->i64, cnt, ""), 1), cnt);
    cg_end(f, &lkx);
    cg_end(f, &lky);
    LLVMValueRef r = LLVMBuildLoad2(b, f64, acc, "");
    if (avg) {
        LLVMValueRef count = LLVMBuildLoad2(b, f->m->i64, cnt, "");
        if (a->count_include_pad) {
            LLVMValueRef y1 = cg_min(f, cg_addi(f, y0, a->kernel[0]), cg_addi(f, ih, a->pad[2]));
            LLVMValueRef x1 = cg_min(f, cg_addi(f, x0, a->kernel[1]), cg_addi(f, iw, a->pad[3]));
            count = cg_mul(f, cg_sub(f, y1, y0), cg_sub(f, x1, x0));
        }
        r = LLVMBuildFDiv(b, r, LLVMBuildSIToFP(b, count, f64, ""), "");
    }
    cg_store(f, LLVMBuildFPTrunc(b, r, f->m->f32, ""), f->out, cg_add(f, cg_mul(f, cg_add(f, cg_mul(f, p, oh), oy), ow), ox));
    cg_end(f, &lx);
    cg_end(f, &ly);
    cg_end(f, &lp);
}
