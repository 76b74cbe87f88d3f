/* Register-blocked direct convolution for Conv (any kernel, stride,
 * dilation, pads and groups; depthwise and 1x1 included) on dense NCHW.
 *
 * The output is cut into tiles of mr output channels (of one group) by nv
 * vectors of consecutive output pixels of one row. A tile's mr * nv
 * vector accumulators stay in registers across the whole reduction (input
 * channels of the group, then kernel rows, then kernel columns, unrolled):
 * each step loads nv input vectors, broadcasts mr weights and issues
 * mr * nv fused multiply-adds. Bias initialises the accumulators and the
 * activation is applied before the one store, so each output is written
 * once. mr and nv come from the target's register count and vector width
 * and the layer's shape (cg_choose_tile).
 *
 * Tiles whose reads lie inside the input row and whose pixels lie inside the
 * output row use plain vector loads and stores; the others (borders, row
 * ends) use masked ones. Kernel rows that fall into the padding are skipped
 * by the loop bounds. A 1x1 stride-1 unpadded conv sees each plane as one
 * long row, so it is a GEMM with no row ends. Stride 2 loads two vectors and
 * keeps the even lanes; other strides gather.
 *
 * Every output element is the same sequence of operations whatever its
 * tile, lane or thread: bias, then one fmuladd per (input channel, ky, kx)
 * in that order, then the activation. Threads split the tiles.
 *
 * An int8 depthwise conv (attrs.in_act, cg_is_int8_depthwise) takes the
 * same path on integers held in floats: its input as uint8 levels less the
 * zero point (in [-255, 255], quantized once as rows are staged, or as they
 * are loaded when they are not), its weights int8 from the blob
 * (conv_int8.c), sums from 0, every one an integer below 2^24
 * (IR_INT8_DW_MAX_TAPS) and so exact in any order or target; then
 * sum * (s * s_w[m]) + bias[m], uncontracted, and the activation. Padding
 * is 0, the zero point's level. */
#include <string.h>

#include "cg.h"

typedef struct {
    int64_t vw, nv;     /* lanes per vector, vectors per tile */
    int64_t mr;         /* output channels per tile (full tiles) */
    int64_t cin, cout, cpg, mpg, group, kh, kw, sh, sw, dh, dw, pt, pl;
    LLVMValueRef ih, iw, oh, ow; /* i64; a flat 1x1 conv has ih = oh = 1 and iw = ow = plane */
    cg_vec v;
    /* Where the input is read: src (the input, or a staged copy), with rows
     * pitch apart and input column c at c - shift. A staged copy holds one
     * group's channels stage_plane apart, and no read of it is masked. */
    LLVMValueRef src, pitch, shift, row_shift; /* input row r at r - row_shift */
    bool staged;
    LLVMValueRef stage_group, stage_plane;
    bool quant; /* an int8 depthwise conv */
} tconv;

/* Whether the tile reads uint8 levels (an input buffer of levels, not
 * staged): load_pixels then gives <vw x i32>. */
static bool reads_levels(cg_fn *f, const tconv *t) { return f->in_levels.kind == IR_ACT_QUANT && !t->staged; }

/* The level less the zero point, exact in float, of what load_pixels read:
 * a float, or a level. */
static LLVMValueRef centred_level(cg_fn *f, const tconv *t, LLVMValueRef x) {
    ir_act q = reads_levels(f, t) ? f->in_levels : f->node->attrs.in_act;
    LLVMValueRef l = reads_levels(f, t) ? LLVMBuildSIToFP(f->b, x, t->v.vt, "") : cg_quant_level(f, q, x);
    return LLVMBuildFSub(f->b, l, cg_fconst(t->v.vt, q.b), "");
}

/* One vector at p, masked when mask is not NULL: floats, or levels whose
 * masked lanes are the zero point (the level of 0). */
static LLVMValueRef load_vec(cg_fn *f, const tconv *t, LLVMValueRef p, LLVMValueRef mask) {
    if (reads_levels(f, t)) return cg_vload_levels(f, &t->v, p, mask, (int)f->in_levels.b);
    return cg_vload(f, &t->v, p, mask);
}

/* Address of element index of t->src: a byte of levels, or a float. */
static LLVMValueRef src_ptr(cg_fn *f, const tconv *t, LLVMValueRef base, LLVMValueRef index) {
    return reads_levels(f, t) ? cg_level_ptr(f, base, index) : cg_elem_ptr(f, base, index);
}

/* vw input pixels col, col + sw, ... of the row starting at element row of
 * t->src; safe: only columns in [0, iw) are read, the others are 0 (the
 * zero point's level). */
static LLVMValueRef load_pixels(cg_fn *f, const tconv *t, LLVMValueRef row, LLVMValueRef col, bool safe) {
    bool levels = reads_levels(f, t);
    LLVMValueRef p = src_ptr(f, t, t->src, cg_add(f, row, col));
    if (t->sw == 1) return load_vec(f, t, p, safe ? cg_lane_mask(f, &t->v, col, 0, 1, t->iw) : NULL);
    if (t->sw == 2) {
        LLVMValueRef lo = load_vec(f, t, p, safe ? cg_lane_mask(f, &t->v, col, 0, 1, t->iw) : NULL);
        LLVMValueRef hi = load_vec(f, t, src_ptr(f, t, p, cg_i64(f, t->vw)),
                                   safe ? cg_lane_mask(f, &t->v, col, t->vw, 1, t->iw) : NULL);
        return LLVMBuildShuffleVector(f->b, lo, hi, cg_lane_ramp(f, (unsigned)t->vw, 0, 2), "");
    }
    LLVMTypeRef et = levels ? LLVMInt8TypeInContext(f->m->ctx) : f->m->f32, vt = LLVMVectorType(et, (unsigned)t->vw);
    LLVMTypeRef i64v = LLVMVectorType(f->m->i64, (unsigned)t->vw);
    LLVMValueRef idx = LLVMBuildSExt(f->b, cg_lane_ramp(f, (unsigned)t->vw, 0, t->sw), i64v, "");
    LLVMValueRef ptrs = LLVMBuildGEP2(f->b, et, p, &idx, 1, "");
    LLVMValueRef mask = safe ? cg_lane_mask(f, &t->v, col, 0, t->sw, t->iw)
                             : LLVMConstAllOnes(LLVMVectorType(LLVMInt1TypeInContext(f->m->ctx), (unsigned)t->vw));
    LLVMValueRef fill = levels ? cg_splat(f, vt, LLVMConstInt(et, (unsigned long long)f->in_levels.b, 0))
                               : LLVMConstNull(vt);
    LLVMValueRef args[4] = {ptrs, LLVMConstInt(LLVMInt32TypeInContext(f->m->ctx), levels ? 1 : 4, 0), mask, fill};
    LLVMValueRef x = cg_intrinsic2(f, "llvm.masked.gather", vt, LLVMTypeOf(ptrs), args, 4);
    return levels ? LLVMBuildZExt(f->b, x, t->v.it, "") : x;
}

/* ---- one tile ----------------------------------------------------------------- */

/* Output channels [oc0, oc0 + mr) of group g, row oy of image n, pixels
 * [ox0, ox0 + nv * vw), reduced over kernel rows [ky0, ky1). safe: the
 * tile's pixels or (unless staged) its reads cross a row end. */
static void emit_tile(cg_fn *f, const tconv *t, int64_t mr, bool safe, LLVMValueRef n, LLVMValueRef g,
                      LLVMValueRef oc0, LLVMValueRef oy, LLVMValueRef ox0, LLVMValueRef ky0, LLVMValueRef ky1) {
    LLVMBuilderRef b = f->b;
    int64_t nv = t->nv;
    LLVMValueRef acc[CG_MAX_ACC];
    OCRS_ASSERT(mr * nv <= CG_MAX_ACC);
    LLVMValueRef bias = f->node->ninputs > 2 ? f->in[2] : NULL;
    for (int64_t r = 0; r < mr; r++) {
        LLVMValueRef init = bias && !t->quant ? cg_splat(f, t->v.vt, cg_load(f, bias, cg_addi(f, oc0, r)))
                                              : LLVMConstNull(t->v.vt);
        for (int64_t v = 0; v < nv; v++) {
            acc[r * nv + v] = cg_alloca(f, t->v.vt, "acc");
            LLVMBuildStore(b, init, acc[r * nv + v]);
        }
    }
    cg_loop li, lk;
    LLVMValueRef icg = cg_for(f, &li, cg_i64(f, 0), cg_i64(f, t->cpg), "icg");
    LLVMValueRef plane = t->staged ? cg_mul(f, icg, t->stage_plane)
                                   : cg_mul(f, cg_add(f, cg_muli(f, n, t->cin), cg_add(f, cg_muli(f, g, t->cpg), icg)),
                                            cg_mul(f, t->ih, t->iw));
    LLVMValueRef ky = cg_for(f, &lk, ky0, ky1, "ky");
    LLVMValueRef iy = cg_addi(f, cg_add(f, cg_muli(f, oy, t->sh), cg_muli(f, ky, t->dh)), -t->pt);
    LLVMValueRef row = cg_add(f, plane, cg_mul(f, cg_sub(f, iy, t->row_shift), t->pitch));
    /* W[oc][icg][ky][kx] */
    LLVMValueRef wrow = cg_muli(f, cg_add(f, cg_muli(f, cg_add(f, cg_muli(f, oc0, t->cpg), icg), t->kh), ky), t->kw);
    for (int64_t kx = 0; kx < t->kw; kx++) {
        LLVMValueRef x[CG_MAX_NV];
        for (int64_t v = 0; v < nv; v++) {
            LLVMValueRef col = cg_sub(f, cg_addi(f, cg_muli(f, cg_addi(f, ox0, v * t->vw), t->sw), kx * t->dw), t->shift);
            x[v] = load_pixels(f, t, row, col, safe && !t->staged);
            if (t->quant && !t->staged) x[v] = centred_level(f, t, x[v]);
        }
        for (int64_t r = 0; r < mr; r++) {
            LLVMValueRef wi = cg_addi(f, wrow, r * t->cpg * t->kh * t->kw + kx), w;
            if (t->quant) {
                LLVMTypeRef i8 = LLVMInt8TypeInContext(f->m->ctx);
                LLVMValueRef at = cg_addi(f, wi, cg_int8_depthwise_at(t->cout));
                w = LLVMBuildSIToFP(b, LLVMBuildLoad2(b, i8, LLVMBuildGEP2(b, i8, f->in[1], &at, 1, ""), ""),
                                    f->m->f32, "");
            } else {
                w = cg_load(f, f->in[1], wi);
            }
            w = cg_splat(f, t->v.vt, w);
            for (int64_t v = 0; v < nv; v++) {
                LLVMValueRef a = LLVMBuildLoad2(b, t->v.vt, acc[r * nv + v], "");
                LLVMValueRef args[3] = {w, x[v], a};
                LLVMBuildStore(b, cg_intrinsic(f, "llvm.fmuladd", t->v.vt, args, 3), acc[r * nv + v]);
            }
        }
    }
    cg_end(f, &lk);
    cg_end(f, &li);
    for (int64_t r = 0; r < mr; r++) {
        LLVMValueRef oc = cg_addi(f, oc0, r);
        LLVMValueRef orow = cg_mul(f, cg_add(f, cg_mul(f, cg_add(f, cg_muli(f, n, t->cout), oc), t->oh), oy), t->ow);
        LLVMValueRef scale = t->quant ? cg_splat(f, t->v.vt, cg_load(f, f->in[1], oc)) : NULL;
        LLVMValueRef shift = t->quant && bias ? cg_splat(f, t->v.vt, cg_load(f, bias, oc)) : NULL;
        for (int64_t v = 0; v < nv; v++) {
            LLVMValueRef col = cg_addi(f, ox0, v * t->vw);
            LLVMValueRef y = LLVMBuildLoad2(b, t->v.vt, acc[r * nv + v], "");
            if (scale) y = LLVMBuildFMul(b, y, scale, ""); /* never contracted with the add: the same everywhere */
            if (shift) y = LLVMBuildFAdd(b, y, shift, "");
            y = cg_conv_epilogue(f, y);
            cg_vstore_out(f, &t->v, y, cg_add(f, orow, col), safe ? cg_lane_mask(f, &t->v, col, 0, 1, t->ow) : NULL);
        }
    }
}

/* Every tile of one (image, row, pixel chunk): all groups (the staged
 * one), full channel blocks then the remainder block. */
static void emit_chunk(cg_fn *f, const tconv *t, bool safe, LLVMValueRef n, LLVMValueRef oy, LLVMValueRef ox0,
                       LLVMValueRef ky0, LLVMValueRef ky1) {
    cg_loop lg, lb;
    LLVMValueRef g = t->staged ? t->stage_group : cg_for(f, &lg, cg_i64(f, 0), cg_i64(f, t->group), "g");
    LLVMValueRef gbase = cg_muli(f, g, t->mpg);
    int64_t nfull = t->mpg / t->mr, rest = t->mpg % t->mr;
    if (nfull) {
        LLVMValueRef blk = cg_for(f, &lb, cg_i64(f, 0), cg_i64(f, nfull), "blk");
        emit_tile(f, t, t->mr, safe, n, g, cg_add(f, gbase, cg_muli(f, blk, t->mr)), oy, ox0, ky0, ky1);
        cg_end(f, &lb);
    }
    if (rest) emit_tile(f, t, rest, safe, n, g, cg_addi(f, gbase, nfull * t->mr), oy, ox0, ky0, ky1);
    if (!t->staged) cg_end(f, &lg);
}

static bool is_flat(const ir_attrs *a) {
    return a->kernel[0] == 1 && a->kernel[1] == 1 && a->stride[0] == 1 && a->stride[1] == 1 && !a->pad[0] &&
           !a->pad[1] && !a->pad[2] && !a->pad[3];
}

/* Vector types and the i64 extents of input x and output y. */
static void tconv_extents(cg_fn *f, tconv *t, const ir_value *x, const ir_value *y, bool flat) {
    t->v = cg_vec_type(f, t->vw);
    t->src = f->in[0];
    t->shift = cg_i64(f, t->pl);
    t->row_shift = cg_i64(f, 0);
    if (flat) {
        t->ih = t->oh = cg_i64(f, 1);
        t->iw = t->ow = t->pitch = cg_extent(f, y, 2, 4);
        return;
    }
    t->ih = cg_dim(f, x->dims[2]);
    t->iw = t->pitch = cg_dim(f, x->dims[3]);
    t->oh = cg_dim(f, y->dims[2]);
    t->ow = cg_dim(f, y->dims[3]);
}

/* Kernel rows inside the input for output row oy: 0 <= oy*sh + ky*dh - pt < ih. */
static void kernel_rows(cg_fn *f, const tconv *t, LLVMValueRef oy, LLVMValueRef *ky0, LLVMValueRef *ky1) {
    LLVMValueRef top = cg_addi(f, cg_muli(f, oy, t->sh), -t->pt);
    *ky0 = cg_max(f, cg_i64(f, 0), cg_ceildiv(f, cg_sub(f, cg_i64(f, 0), top), t->dh));
    *ky1 = cg_min(f, cg_i64(f, t->kh), cg_addi(f, cg_floordiv(f, cg_sub(f, cg_addi(f, t->ih, -1), top), t->dh), 1));
}

/* The chunk's tiles, plain where every pixel lies in the row and (unless
 * staged) every column read in [0, iw), masked elsewhere. */
static void emit_chunk_checked(cg_fn *f, const tconv *t, LLVMValueRef n, LLVMValueRef oy, LLVMValueRef ox0) {
    LLVMBuilderRef b = f->b;
    int64_t span = t->nv * t->vw;
    LLVMValueRef ky0, ky1;
    kernel_rows(f, t, oy, &ky0, &ky1);
    LLVMValueRef inside = LLVMBuildICmp(b, LLVMIntSLE, cg_addi(f, ox0, span), t->ow, "");
    if (!t->staged) {
        LLVMValueRef first = cg_addi(f, cg_muli(f, ox0, t->sw), -t->pl);
        LLVMValueRef last = cg_addi(f, cg_muli(f, cg_addi(f, ox0, span - 1), t->sw),
                                    (t->sw == 2 ? 1 : 0) + (t->kw - 1) * t->dw - t->pl);
        inside = LLVMBuildAnd(b, inside, LLVMBuildICmp(b, LLVMIntSGE, first, cg_i64(f, 0), ""), "");
        inside = LLVMBuildAnd(b, inside, LLVMBuildICmp(b, LLVMIntSLT, last, t->iw, ""), "");
    }
    LLVMBasicBlockRef fast = LLVMAppendBasicBlockInContext(f->m->ctx, f->fn, "interior");
    LLVMBasicBlockRef slow = LLVMAppendBasicBlockInContext(f->m->ctx, f->fn, "border");
    LLVMBasicBlockRef join = LLVMAppendBasicBlockInContext(f->m->ctx, f->fn, "");
    LLVMBuildCondBr(b, inside, fast, slow);
    LLVMPositionBuilderAtEnd(b, fast);
    emit_chunk(f, t, false, n, oy, ox0, ky0, ky1);
    LLVMBuildBr(b, join);
    LLVMPositionBuilderAtEnd(b, slow);
    emit_chunk(f, t, true, n, oy, ox0, ky0, ky1);
    LLVMBuildBr(b, join);
    LLVMPositionBuilderAtEnd(b, join);
}

/* ---- 1x1: each chunk's input packed -----------------------------------------
 * A flat 1x1 conv reads, for each input channel, span pixels one plane
 * apart: a stride that defeats the prefetchers and, with planes of a few
 * KiB, maps every channel to the same few L1 sets. So each chunk's input
 * (every channel's span pixels) is first copied into a dense per-thread
 * buffer that all of the chunk's row blocks then read. */
enum { PACK_MAX_BYTES = 64 << 10 };

static bool packs(const tconv *t, bool flat) {
    return flat && t->group == 1 && t->cin * t->nv * t->vw * 4 <= PACK_MAX_BYTES;
}

/* Copies channels [0, cin) of pixels [ox0, ox0 + span) of image n (zero
 * past the row's end) into buf, channel c at c * span. */
static void emit_pack(cg_fn *f, const tconv *t, LLVMValueRef buf, LLVMValueRef n, LLVMValueRef ox0) {
    int64_t span = t->nv * t->vw;
    LLVMValueRef mask[CG_MAX_NV];
    for (int64_t v = 0; v < t->nv; v++) mask[v] = cg_lane_mask(f, &t->v, ox0, v * t->vw, 1, t->ow);
    cg_loop lc;
    LLVMValueRef c = cg_for(f, &lc, cg_i64(f, 0), cg_i64(f, t->cin), "pack");
    LLVMValueRef from = cg_add(f, cg_mul(f, cg_add(f, cg_muli(f, n, t->cin), c), t->iw), ox0);
    for (int64_t v = 0; v < t->nv; v++) {
        LLVMValueRef x = cg_vload(f, &t->v, cg_elem_ptr(f, f->in[0], cg_addi(f, from, v * t->vw)), mask[v]);
        cg_vstore(f, &t->v, x, cg_elem_ptr(f, buf, cg_addi(f, cg_muli(f, c, span), v * t->vw)), NULL);
    }
    cg_end(f, &lc);
}

/* Tiles of (image, row, chunk), split between threads; straight from the
 * input or, for a 1x1 conv, from its packed copy. */
static void emit_direct(cg_fn *f, const tconv *t, LLVMValueRef batch, bool pack) {
    int64_t span = t->nv * t->vw; /* output pixels per tile */
    LLVMValueRef buf = pack ? cg_alloca(f, LLVMArrayType(f->m->f32, (unsigned)(t->cin * span)), "pack") : NULL;
    LLVMValueRef nchunks = LLVMBuildSDiv(f->b, cg_addi(f, t->ow, span - 1), cg_i64(f, span), "");
    LLVMValueRef per_image = cg_mul(f, t->oh, nchunks);
    cg_loop li;
    LLVMValueRef item = cg_for_shared(f, &li, cg_i64(f, 0), cg_mul(f, batch, per_image), "tile");
    LLVMValueRef n = LLVMBuildSDiv(f->b, item, per_image, "");
    LLVMValueRef rem = cg_sub(f, item, cg_mul(f, n, per_image));
    LLVMValueRef oy = LLVMBuildSDiv(f->b, rem, nchunks, "");
    LLVMValueRef ox0 = cg_muli(f, cg_sub(f, rem, cg_mul(f, oy, nchunks)), span);
    if (!pack) {
        emit_chunk_checked(f, t, n, oy, ox0);
    } else {
        LLVMSetAlignment(buf, 32);
        emit_pack(f, t, buf, n, ox0);
        tconv s = *t;
        s.src = buf;
        s.pitch = cg_i64(f, span);
        s.shift = ox0;
        s.staged = true;
        s.stage_group = cg_i64(f, 0);
        s.stage_plane = cg_i64(f, span);
        emit_chunk_checked(f, &s, n, oy, ox0);
    }
    cg_end(f, &li);
}

/* ---- depthwise: input rows staged with zero columns around them ----------
 * The recognizer's rows are short (80 pixels at W = 320 against 40-pixel
 * tiles and 2 columns of padding), so no tile of a padded depthwise conv is
 * interior and every read would be masked. Instead each thread copies the
 * input rows of a band of output rows of one channel into a buffer of its
 * own (STAGE_MAX_BYTES on the stack), shifted right by pl with zero columns
 * on both sides, and the band's tiles read that with plain loads. Bands are
 * as tall as the buffer allows (a whole plane of the recognizer's), so rows
 * shared by two bands are copied twice only on large planes. Threads split
 * (image, channel, band). */
enum { STAGE_MAX_BYTES = 64 << 10, STAGE_FLOATS = STAGE_MAX_BYTES / 4 };

typedef struct {
    int64_t span, reach; /* output pixels per tile; input columns one vector reads */
} stage_geom;

static stage_geom stage_geom_of(const tconv *t) {
    return (stage_geom){t->nv * t->vw, t->sw == 1 ? t->vw : t->sw == 2 ? 2 * t->vw : (t->vw - 1) * t->sw + 1};
}

/* A staged row holds every column a tile reads, up to column
 * (ceil(ow/span)*span - vw)*sw + (kw-1)*dw plus one vector's reach, and the
 * input's columns shifted by pl. On constant widths the result is a
 * constant (the builder folds). */
static LLVMValueRef stage_pitch(cg_fn *f, const tconv *t, LLVMValueRef ow, LLVMValueRef iw) {
    stage_geom sg = stage_geom_of(t);
    LLVMValueRef nchunks = LLVMBuildSDiv(f->b, cg_addi(f, ow, sg.span - 1), cg_i64(f, sg.span), "");
    LLVMValueRef cols = cg_addi(f, cg_muli(f, cg_addi(f, cg_muli(f, nchunks, sg.span), -t->vw), t->sw),
                                (t->kw - 1) * t->dw + sg.reach);
    return cg_max(f, cols, cg_addi(f, iw, t->pl));
}

/* Whether one output row's input rows fit the buffer at the largest extents. */
static bool stages(cg_fn *f, const tconv *t, const ir_value *x, const ir_value *y) {
    if (t->cpg != 1 || t->mpg != 1) return false;
    int64_t sizes[IR_MAX_SYMS], units[IR_MAX_SYMS];
    for (int i = 0; i < f->g->nsyms; i++) sizes[i] = f->g->syms[i].max;
    ir_graph_units(f->g, sizes, units);
    LLVMValueRef pitch = stage_pitch(f, t, cg_i64(f, ir_dim_eval(y->dims[3], units)),
                                     cg_i64(f, ir_dim_eval(x->dims[3], units)));
    OCRS_ASSERT(LLVMIsConstant(pitch));
    return ((t->kh - 1) * t->dh + 1) * LLVMConstIntGetSExtValue(pitch) <= STAGE_FLOATS;
}

static void emit_staged(cg_fn *f, const tconv *t, LLVMValueRef batch) {
    LLVMBuilderRef b = f->b;
    stage_geom sg = stage_geom_of(t);
    LLVMValueRef four = cg_i64(f, 4);
    LLVMValueRef buf = cg_alloca(f, LLVMArrayType(f->m->f32, STAGE_FLOATS), "stage");
    LLVMSetAlignment(buf, 32);
    LLVMValueRef nchunks = LLVMBuildSDiv(b, cg_addi(f, t->ow, sg.span - 1), cg_i64(f, sg.span), "");
    LLVMValueRef pitch = stage_pitch(f, t, t->ow, t->iw);
    /* Output rows per band: (rows - 1)*sh + (kh-1)*dh + 1 input rows fit. */
    LLVMValueRef fit = LLVMBuildSDiv(b, cg_i64(f, STAGE_FLOATS), pitch, "");
    LLVMValueRef rows = cg_addi(f, LLVMBuildSDiv(b, cg_addi(f, fit, -(t->kh - 1) * t->dh - 1), cg_i64(f, t->sh), ""), 1);
    rows = cg_min(f, cg_max(f, rows, cg_i64(f, 1)), t->oh);
    LLVMValueRef used = cg_mul(f, cg_addi(f, cg_muli(f, cg_addi(f, rows, -1), t->sh), (t->kh - 1) * t->dh + 1), pitch);
    LLVMBuildMemSet(b, buf, LLVMConstInt(LLVMInt8TypeInContext(f->m->ctx), 0, 0), cg_mul(f, used, four), 32);
    LLVMValueRef nbands = LLVMBuildSDiv(b, cg_add(f, t->oh, cg_addi(f, rows, -1)), rows, "");
    LLVMValueRef per_image = cg_muli(f, nbands, t->cin);
    cg_loop li, lr, lo, lc;
    LLVMValueRef item = cg_for_shared(f, &li, cg_i64(f, 0), cg_mul(f, batch, per_image), "band");
    LLVMValueRef plane = LLVMBuildSDiv(b, item, nbands, ""); /* n * cin + c */
    LLVMValueRef n = LLVMBuildSDiv(b, plane, cg_i64(f, t->cin), "");
    LLVMValueRef c = cg_sub(f, plane, cg_muli(f, n, t->cin));
    LLVMValueRef oy0 = cg_mul(f, cg_sub(f, item, cg_mul(f, plane, nbands)), rows);
    LLVMValueRef oy1 = cg_min(f, t->oh, cg_add(f, oy0, rows));
    /* Buffer row 0 is input row base; rows outside the input are never read. */
    LLVMValueRef base = cg_addi(f, cg_muli(f, oy0, t->sh), -t->pt);
    LLVMValueRef lo_row = cg_max(f, cg_i64(f, 0), base);
    LLVMValueRef hi_row = cg_min(f, t->ih, cg_addi(f, cg_muli(f, cg_addi(f, oy1, -1), t->sh), (t->kh - 1) * t->dh - t->pt + 1));
    LLVMValueRef iy = cg_for(f, &lr, lo_row, hi_row, "stage");
    LLVMValueRef at = cg_mul(f, cg_add(f, cg_mul(f, plane, t->ih), iy), t->iw);
    LLVMValueRef to = cg_elem_ptr(f, buf, cg_addi(f, cg_mul(f, cg_sub(f, iy, base), pitch), t->pl));
    /* An int8 conv's row becomes centred levels vector by vector (the last
     * one masked): from levels, or from floats copied first and quantized
     * in place (5% faster at 640x640 than quantizing as loaded, which
     * stalls on the input's cache misses; memcpy streams it). */
    if (!reads_levels(f, t)) LLVMBuildMemCpy(b, to, 4, cg_elem_ptr(f, f->in[0], at), 4, cg_mul(f, t->iw, four));
    if (t->quant) {
        cg_loop lx;
        LLVMValueRef nvec = LLVMBuildSDiv(b, cg_addi(f, t->iw, t->vw - 1), cg_i64(f, t->vw), "");
        LLVMValueRef ix = cg_muli(f, cg_for(f, &lx, cg_i64(f, 0), nvec, "ix"), t->vw);
        LLVMValueRef mask = cg_lane_mask(f, &t->v, ix, 0, 1, t->iw);
        LLVMValueRef x = reads_levels(f, t) ? load_vec(f, t, cg_level_ptr(f, f->in[0], cg_add(f, at, ix)), mask)
                                            : cg_vload(f, &t->v, cg_elem_ptr(f, to, ix), mask);
        cg_vstore(f, &t->v, centred_level(f, t, x), cg_elem_ptr(f, to, ix), mask);
        cg_end(f, &lx);
    }
    cg_end(f, &lr);
    tconv s = *t;
    s.src = buf;
    s.pitch = pitch;
    s.shift = cg_i64(f, 0);
    s.row_shift = base;
    s.staged = true;
    s.stage_group = c;
    s.stage_plane = cg_i64(f, 0);
    LLVMValueRef oy = cg_for(f, &lo, oy0, oy1, "oy");
    LLVMValueRef chunk = cg_for(f, &lc, cg_i64(f, 0), nchunks, "chunk");
    emit_chunk_checked(f, &s, n, oy, cg_muli(f, chunk, sg.span));
    cg_end(f, &lc);
    cg_end(f, &lo);
    cg_end(f, &li);
}

void emit_conv(cg_fn *f) {
    if (cg_is_int8_conv(f->node) && !cg_is_int8_depthwise(f->node)) {
        emit_conv_int8(f);
        return;
    }
    const ir_value *x = cg_in_value(f, 0), *y = cg_out_value(f);
    const ir_attrs *a = &f->node->attrs;
    const cg_target_desc *td = &f->m->target;
    tconv t = {.vw = td->vector_floats, .cin = x->dims[1].q, .cout = y->dims[1].q, .group = a->group,
               .kh = a->kernel[0], .kw = a->kernel[1], .sh = a->stride[0], .sw = a->stride[1],
               .dh = a->dilation[0], .dw = a->dilation[1], .pt = a->pad[0], .pl = a->pad[1],
               .quant = cg_is_int8_depthwise(f->node)};
    t.cpg = t.cin / t.group;
    t.mpg = t.cout / t.group;
    bool flat = is_flat(a);
    cg_choose_tile(td, t.vw, t.mpg, cg_ref_extent(f, y->dims[3]) * (flat ? cg_ref_extent(f, y->dims[2]) : 1), 1, &t.mr,
                   &t.nv);
    tconv_extents(f, &t, x, y, flat);
    LLVMValueRef batch = cg_dim(f, x->dims[0]);
    if (!flat && stages(f, &t, x, y)) emit_staged(f, &t, batch);
    else emit_direct(f, &t, batch, packs(&t, flat));
}

/* ---- ConvTranspose with kernel = stride ---------------------------------------------
 * Each input pixel scatters a kh x kw patch that no other pixel touches:
 * output row iy*kh + ky, columns ix*kw + kx, is a 1x1 conv of input row iy
 * with the weights of tap (ky, kx). A tile holds, for mr output channels and
 * nv input vectors, one accumulator per kx; with kw = 2 the two are
 * interleaved into 2 * nv consecutive output vectors. */

bool cg_conv_transpose_is_scatter(const ir_node *n) {
    const ir_attrs *a = &n->attrs;
    return a->group == 1 && a->kernel[0] == a->stride[0] && a->kernel[1] == a->stride[1] &&
           (a->kernel[1] == 1 || a->kernel[1] == 2) && a->dilation[0] == 1 && a->dilation[1] == 1 && !a->pad[0] &&
           !a->pad[1] && !a->pad[2] && !a->pad[3] && !a->output_padding[0] && !a->output_padding[1];
}

/* Output channels [oc0, oc0 + mr), output row iy*kh + ky, input pixels
 * [ix0, ix0 + nv * vw) of row iy. */
static void emit_scatter_tile(cg_fn *f, const tconv *t, int64_t mr, bool safe, LLVMValueRef n, LLVMValueRef oc0,
                              LLVMValueRef iy, LLVMValueRef ky, LLVMValueRef ix0) {
    LLVMBuilderRef b = f->b;
    int64_t nv = t->nv, kw = t->kw;
    LLVMValueRef acc[CG_MAX_ACC];
    OCRS_ASSERT(mr * kw * nv <= CG_MAX_ACC);
    LLVMValueRef bias = f->node->ninputs > 2 ? f->in[2] : NULL;
    for (int64_t r = 0; r < mr; r++) {
        LLVMValueRef init = bias ? cg_splat(f, t->v.vt, cg_load(f, bias, cg_addi(f, oc0, r))) : LLVMConstNull(t->v.vt);
        for (int64_t k = 0; k < kw * nv; k++) {
            acc[r * kw * nv + k] = cg_alloca(f, t->v.vt, "acc");
            LLVMBuildStore(b, init, acc[r * kw * nv + k]);
        }
    }
    cg_loop li;
    LLVMValueRef ic = cg_for(f, &li, cg_i64(f, 0), cg_i64(f, t->cin), "ic");
    LLVMValueRef row = cg_mul(f, cg_add(f, cg_mul(f, cg_add(f, cg_muli(f, n, t->cin), ic), t->ih), iy), t->iw);
    LLVMValueRef x[CG_MAX_NV];
    for (int64_t v = 0; v < nv; v++) {
        x[v] = load_pixels(f, t, row, cg_addi(f, ix0, v * t->vw), safe);
        if (reads_levels(f, t)) /* a FakeQuant's levels, as ir_act_apply dequantizes them */
            x[v] = LLVMBuildFMul(b, centred_level(f, t, x[v]), cg_fconst(t->v.vt, f->in_levels.a), "");
    }
    /* W[ic][oc][ky][kx] */
    LLVMValueRef wrow = cg_muli(f, cg_add(f, cg_muli(f, cg_add(f, cg_muli(f, ic, t->cout), oc0), t->kh), ky), kw);
    for (int64_t r = 0; r < mr; r++)
        for (int64_t kx = 0; kx < kw; kx++) {
            LLVMValueRef w = cg_splat(f, t->v.vt, cg_load(f, f->in[1], cg_addi(f, wrow, r * t->kh * kw + kx)));
            for (int64_t v = 0; v < nv; v++) {
                LLVMValueRef *slot = &acc[(r * kw + kx) * nv + v];
                LLVMValueRef args[3] = {w, x[v], LLVMBuildLoad2(b, t->v.vt, *slot, "")};
                LLVMBuildStore(b, cg_intrinsic(f, "llvm.fmuladd", t->v.vt, args, 3), *slot);
            }
        }
    cg_end(f, &li);
    LLVMValueRef oy = cg_add(f, cg_muli(f, iy, t->kh), ky), ox0 = cg_muli(f, ix0, kw);
    for (int64_t r = 0; r < mr; r++) {
        LLVMValueRef orow =
            cg_mul(f, cg_add(f, cg_mul(f, cg_add(f, cg_muli(f, n, t->cout), cg_addi(f, oc0, r)), t->oh), oy), t->ow);
        for (int64_t v = 0; v < nv; v++) {
            LLVMValueRef y[2];
            for (int64_t kx = 0; kx < kw; kx++)
                y[kx] = cg_conv_epilogue(f, LLVMBuildLoad2(b, t->v.vt, acc[(r * kw + kx) * nv + v], ""));
            for (int64_t h = 0; h < kw; h++) {
                /* kw = 2: lanes h*vw/2 .. of y[0] and y[1], alternating. */
                LLVMValueRef out = y[0];
                if (kw == 2) {
                    LLVMValueRef sel[64];
                    LLVMTypeRef i32 = LLVMInt32TypeInContext(f->m->ctx);
                    for (int64_t j = 0; j < t->vw; j++)
                        sel[j] = LLVMConstInt(i32, (unsigned long long)(h * t->vw / 2 + j / 2 + (j % 2) * t->vw), 0);
                    out = LLVMBuildShuffleVector(b, y[0], y[1], LLVMConstVector(sel, (unsigned)t->vw), "");
                }
                LLVMValueRef col = cg_addi(f, ox0, (v * kw + h) * t->vw);
                cg_vstore_out(f, &t->v, out, cg_add(f, orow, col), safe ? cg_lane_mask(f, &t->v, col, 0, 1, t->ow) : NULL);
            }
        }
    }
}

void emit_conv_transpose_scatter(cg_fn *f) {
    const ir_value *x = cg_in_value(f, 0), *y = cg_out_value(f);
    const ir_attrs *a = &f->node->attrs;
    const cg_target_desc *td = &f->m->target;
    OCRS_ASSERT(cg_conv_transpose_is_scatter(f->node));
    tconv t = {.vw = td->vector_floats, .cin = x->dims[1].q, .cout = y->dims[1].q, .group = 1, .kh = a->kernel[0],
               .kw = a->kernel[1], .sh = 1, .sw = 1, .dh = 1, .dw = 1};
    cg_choose_tile(td, t.vw, t.cout, cg_ref_extent(f, x->dims[3]), t.kw, &t.mr, &t.nv);
    tconv_extents(f, &t, x, y, false);
    int64_t span = t.nv * t.vw; /* input pixels per tile */
    LLVMValueRef nchunks = LLVMBuildSDiv(f->b, cg_addi(f, t.iw, span - 1), cg_i64(f, span), "");
    LLVMValueRef per_image = cg_mul(f, t.oh, nchunks); /* output rows x chunks */
    cg_loop li, lb;
    LLVMValueRef item = cg_for_shared(f, &li, cg_i64(f, 0), cg_mul(f, cg_dim(f, x->dims[0]), per_image), "tile");
    LLVMValueRef n = LLVMBuildSDiv(f->b, item, per_image, "");
    LLVMValueRef rem = cg_sub(f, item, cg_mul(f, n, per_image));
    LLVMValueRef oy = LLVMBuildSDiv(f->b, rem, nchunks, "");
    LLVMValueRef ix0 = cg_muli(f, cg_sub(f, rem, cg_mul(f, oy, nchunks)), span);
    LLVMValueRef iy = LLVMBuildSDiv(f->b, oy, cg_i64(f, t.kh), "");
    LLVMValueRef ky = cg_sub(f, oy, cg_muli(f, iy, t.kh));
    LLVMBuilderRef b = f->b;
    LLVMValueRef inside = LLVMBuildICmp(b, LLVMIntSLE, cg_addi(f, ix0, span), t.iw, "");
    LLVMBasicBlockRef fast = LLVMAppendBasicBlockInContext(f->m->ctx, f->fn, "interior");
    LLVMBasicBlockRef slow = LLVMAppendBasicBlockInContext(f->m->ctx, f->fn, "border");
    LLVMBasicBlockRef join = LLVMAppendBasicBlockInContext(f->m->ctx, f->fn, "");
    LLVMBuildCondBr(b, inside, fast, slow);
    int64_t nfull = t.cout / t.mr, rest = t.cout % t.mr;
    for (int safe = 0; safe < 2; safe++) {
        LLVMPositionBuilderAtEnd(b, safe ? slow : fast);
        if (nfull) {
            LLVMValueRef blk = cg_for(f, &lb, cg_i64(f, 0), cg_i64(f, nfull), "blk");
            emit_scatter_tile(f, &t, t.mr, safe, n, cg_muli(f, blk, t.mr), iy, ky, ix0);
            cg_end(f, &lb);
        }
        if (rest) emit_scatter_tile(f, &t, rest, safe, n, cg_i64(f, nfull * t.mr), iy, ky, ix0);
        LLVMBuildBr(b, join);
    }
    LLVMPositionBuilderAtEnd(b, join);
    cg_end(f, &li);
}
