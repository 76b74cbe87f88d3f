/* ConvTranspose in general: any group count, dilation, asymmetric pads and
 * output padding, with the fused epilogue. (Conv and the kernel = stride
 * ConvTranspose of detection heads have register-blocked kernels in
 * conv_tile.c.)
 *
 * A sum of kernel taps: for each output channel, input channel of its group
 * and tap (ky, kx), one output row range gets w * (input row range),
 * scattered (the output is written with the stride). The valid range of
 * every tap is computed once, so the innermost loop has no padding
 * branches. */
#include "cg.h"

enum { BAND_FLOATS = 4096 }; /* 16 KiB of output rows per band */

typedef struct {
    int64_t cin, cout, cpg, mpg; /* channels, and per group */
    int64_t kh, kw;
    LLVMValueRef ih, iw, oh, ow; /* i64 extents */
} conv_shape;

/* Where tap (ky, kx) reads and writes along one spatial axis: position a of
 * the tap's loop writes output index a*ds + doff, which must lie in
 * [dlo, dhi), and reads input index a*ss + soff in [0, sn). One side has
 * stride 1 and offset 0. */
typedef struct {
    int64_t ds, ss;
    LLVMValueRef doff, soff, dlo, dhi, sn;
} tap_axis;

static tap_axis tap_axis_of(cg_fn *f, int axis, LLVMValueRef k, LLVMValueRef dlo, LLVMValueRef dhi, LLVMValueRef in) {
    const ir_attrs *a = &f->node->attrs;
    LLVMValueRef off = cg_addi(f, cg_muli(f, k, a->dilation[axis]), -a->pad[axis]);
    return (tap_axis){a->stride[axis], 1, off, cg_i64(f, 0), dlo, dhi, in};
}

/* The positions a with both indices in range: [*a0, *a1). */
static void tap_range(cg_fn *f, const tap_axis *t, LLVMValueRef *a0, LLVMValueRef *a1) {
    LLVMValueRef first_d = cg_ceildiv(f, cg_sub(f, t->dlo, t->doff), t->ds);
    LLVMValueRef first_s = cg_ceildiv(f, cg_sub(f, cg_i64(f, 0), t->soff), t->ss);
    LLVMValueRef last_d = cg_floordiv(f, cg_sub(f, cg_addi(f, t->dhi, -1), t->doff), t->ds);
    LLVMValueRef last_s = cg_floordiv(f, cg_sub(f, cg_addi(f, t->sn, -1), t->soff), t->ss);
    *a0 = cg_max(f, first_d, first_s);
    *a1 = cg_addi(f, cg_min(f, last_d, last_s), 1);
}

/* out[yi] += w * in[xi]. Contraction into one fused multiply-add is
 * allowed: it is faster and rounds once instead of twice. */
static void emit_madd(cg_fn *f, LLVMValueRef w, LLVMValueRef xi, LLVMValueRef yi) {
    LLVMValueRef prod = LLVMBuildFMul(f->b, w, cg_load(f, f->in[0], xi), "");
    LLVMValueRef sum = LLVMBuildFAdd(f->b, cg_load(f, f->out, yi), prod, "");
    LLVMSetFastMathFlags(prod, LLVMFastMathAllowContract);
    LLVMSetFastMathFlags(sum, LLVMFastMathAllowContract);
    cg_store(f, sum, f->out, yi);
}

/* out[ybase + ...] += w * in[xbase + ...] over every valid position of tap
 * (ky, kx) of one (output channel, input channel) pair whose output row
 * lies in the band [r0, r1). */
static void emit_tap(cg_fn *f, const conv_shape *s, LLVMValueRef w, LLVMValueRef ybase, LLVMValueRef xbase,
                     LLVMValueRef ky, LLVMValueRef kx, LLVMValueRef r0, LLVMValueRef r1) {
    tap_axis ty = tap_axis_of(f, 0, ky, r0, r1, s->ih);
    tap_axis tx = tap_axis_of(f, 1, kx, cg_i64(f, 0), s->ow, s->iw);
    LLVMValueRef y0, y1, x0, x1;
    tap_range(f, &ty, &y0, &y1);
    tap_range(f, &tx, &x0, &x1);
    cg_loop ly, lx;
    LLVMValueRef r = cg_for(f, &ly, y0, y1, "row");
    LLVMValueRef yrow = cg_add(f, cg_mul(f, cg_add(f, cg_muli(f, r, ty.ds), ty.doff), s->ow), tx.doff);
    LLVMValueRef xrow = cg_add(f, cg_mul(f, cg_add(f, cg_muli(f, r, ty.ss), ty.soff), s->iw), tx.soff);
    yrow = cg_add(f, ybase, yrow);
    xrow = cg_add(f, xbase, xrow);
    LLVMValueRef c = cg_for(f, &lx, x0, x1, "col");
    LLVMValueRef yi = cg_add(f, yrow, cg_muli(f, c, tx.ds)), xi = cg_add(f, xrow, cg_muli(f, c, tx.ss));
    emit_madd(f, w, xi, yi);
    cg_end(f, &lx);
    cg_end(f, &ly);
}

/* A 1x1 tap with stride 1 and no padding covers the whole plane. */
static bool is_pointwise(const ir_attrs *a) {
    return a->kernel[0] == 1 && a->kernel[1] == 1 && a->stride[0] == 1 && a->stride[1] == 1 && !a->pad[0] &&
           !a->pad[1] && !a->pad[2] && !a->pad[3] && !a->output_padding[0] && !a->output_padding[1];
}

/* ceil(a / b) for a >= 0, b > 0 at run time. */
static LLVMValueRef ceildiv_rt(cg_fn *f, LLVMValueRef a, LLVMValueRef b) {
    return LLVMBuildSDiv(f->b, cg_sub(f, cg_add(f, a, b), cg_i64(f, 1)), b, "");
}

static void emit_general(cg_fn *f) {
    const ir_value *x = cg_in_value(f, 0), *y = cg_out_value(f);
    const ir_attrs *a = &f->node->attrs;
    conv_shape s = {.cin = x->dims[1].q, .cout = y->dims[1].q, .kh = a->kernel[0],
                    .kw = a->kernel[1]};
    s.cpg = s.cin / a->group;
    s.mpg = s.cout / a->group;
    s.ih = cg_dim(f, x->dims[2]);
    s.iw = cg_dim(f, x->dims[3]);
    s.oh = cg_dim(f, y->dims[2]);
    s.ow = cg_dim(f, y->dims[3]);
    LLVMValueRef iplane = cg_mul(f, s.ih, s.iw), oplane = cg_mul(f, s.oh, s.ow);
    LLVMValueRef bias = f->node->ninputs > 2 ? f->in[2] : NULL;

    /* Output rows are processed in bands of about BAND_FLOATS so that the
     * band being accumulated stays in the L1 cache across all taps. */
    LLVMValueRef band = cg_max(f, cg_i64(f, 1), LLVMBuildSDiv(f->b, cg_i64(f, BAND_FLOATS), s.ow, ""));
    LLVMValueRef nbands = ceildiv_rt(f, s.oh, band);

    cg_loop ln, lo, lb, li, lky, lkx, lp;
    LLVMValueRef n = cg_for(f, &ln, cg_i64(f, 0), cg_dim(f, x->dims[0]), "n");
    LLVMValueRef oc = cg_for_shared(f, &lo, cg_i64(f, 0), cg_i64(f, s.cout), "oc");
    LLVMValueRef grp = LLVMBuildUDiv(f->b, oc, cg_i64(f, s.mpg), "");
    LLVMValueRef ocg = cg_sub(f, oc, cg_muli(f, grp, s.mpg));
    LLVMValueRef ybase = cg_mul(f, cg_add(f, cg_muli(f, n, s.cout), oc), oplane);
    LLVMValueRef b0 = bias ? cg_load(f, bias, oc) : cg_f32(f, 0);

    LLVMValueRef bi = cg_for(f, &lb, cg_i64(f, 0), nbands, "band");
    LLVMValueRef r0 = cg_mul(f, bi, band), r1 = cg_min(f, s.oh, cg_add(f, r0, band));
    /* The band's elements: [pbase, pbase + count) of the output. */
    LLVMValueRef pbase = cg_add(f, ybase, cg_mul(f, r0, s.ow)), count = cg_mul(f, cg_sub(f, r1, r0), s.ow);
    LLVMValueRef i = cg_for(f, &lp, cg_i64(f, 0), count, "init");
    cg_store(f, b0, f->out, cg_add(f, pbase, i));
    cg_end(f, &lp);

    LLVMValueRef icg = cg_for(f, &li, cg_i64(f, 0), cg_i64(f, s.cpg), "icg");
    LLVMValueRef ic = cg_add(f, cg_muli(f, grp, s.cpg), icg);
    LLVMValueRef xbase = cg_mul(f, cg_add(f, cg_muli(f, n, s.cin), ic), iplane);
    /* W[ic][ocg][ky][kx] */
    LLVMValueRef wbase = cg_add(f, cg_muli(f, ic, s.mpg), ocg);
    wbase = cg_muli(f, wbase, s.kh * s.kw);
    if (is_pointwise(a)) {
        /* Input and output planes have the same shape. */
        LLVMValueRef w = cg_load(f, f->in[1], wbase), xb = cg_add(f, xbase, cg_mul(f, r0, s.ow));
        LLVMValueRef j = cg_for(f, &lp, cg_i64(f, 0), count, "px");
        emit_madd(f, w, cg_add(f, xb, j), cg_add(f, pbase, j));
        cg_end(f, &lp);
    } else {
        LLVMValueRef ky = cg_for(f, &lky, cg_i64(f, 0), cg_i64(f, s.kh), "ky");
        LLVMValueRef kx = cg_for(f, &lkx, cg_i64(f, 0), cg_i64(f, s.kw), "kx");
        LLVMValueRef w = cg_load(f, f->in[1], cg_add(f, wbase, cg_add(f, cg_muli(f, ky, s.kw), kx)));
        emit_tap(f, &s, w, ybase, xbase, ky, kx, r0, r1);
        cg_end(f, &lkx);
        cg_end(f, &lky);
    }
    cg_end(f, &li);

    if (a->act.kind != IR_ACT_NONE || a->post.on) {
        LLVMValueRef j = cg_for(f, &lp, cg_i64(f, 0), count, "act");
        LLVMValueRef yi = cg_add(f, pbase, j);
        cg_store(f, cg_conv_epilogue(f, cg_load(f, f->out, yi)), f->out, yi);
        cg_end(f, &lp);
    }
    cg_end(f, &lb);
    cg_end(f, &lo);
    cg_end(f, &ln);
}

void emit_conv_transpose(cg_fn *f) {
    if (cg_conv_transpose_is_scatter(f->node)) emit_conv_transpose_scatter(f);
    else emit_general(f);
}
