/* The int8 convolution: a Conv of one group whose input is quantized as it
 * is read (attrs.in_act, uint8 levels q = clamp(round(x / s) + z, 0, 255))
 * and whose weights are int8 per output channel (ir_value.qbits,
 * passes/quantize.c). Integer products, int32 sums, then in float:
 *   y = act((acc[m] - z * sum(w[m])) * (s * s_w[m]) + bias[m]).
 * The sums are exact, so every output is the same whatever the tile, thread
 * or target; the float steps are one conversion, one multiply, one add.
 *
 * Each thread takes chunks of output pixels of a band of output rows (a
 * flat 1x1 conv: of the whole plane as one row). It first packs the input
 * the chunk reads into a buffer of its own: for each input row the band
 * reads and block of 4 input channels, the columns the chunk spans, each
 * column 4 levels in one 32-bit word; reads outside the input (padding)
 * and channels past the last hold the zero point z, so the kernel has no
 * border cases and z * sum(w) (with the padded taps) is the exact
 * correction. Sums stay within int32: the verifier admits no such conv of
 * more than IR_INT8_MAX_TERMS products per output. Then register tiles of mr
 * output channels by nv vectors of 8 pixels each accumulate, per block of
 * 4 channels and tap, the 4 products of every pixel with the broadcast
 * weights: with VNNI one vpdpbusd (at the float vector width: 16 lanes
 * with AVX-512); on AVX2 without it vpmaddubsw (u8 x s8 pairs to int16) and
 * vpmaddwd (pairs to int32), exact when every weight pair has |w0| + |w1|
 * <= 128 (7-bit weights always; the blob is checked); on AArch64 with
 * DotProd one sdot, which multiplies signed bytes: the staged levels are
 * stored minus 128 (the top bit flipped) and the correction is
 * (z - 128) * sum(w) instead, the same integer; elsewhere, or when a pair
 * is larger, the 4 products are formed in 32-bit lanes.
 *
 * The weight blob (cg_int8_pack_weights, written by module.c in place of
 * the float weights): float scale[cout] (s * s_w[m]), int32 corr[cout]
 * (z * sum(w[m]) over every tap and channel; (z - 128) * sum(w[m]) for
 * sdot), then int8
 * w[cout][cin/4][kh][kw][4], each part 64-byte aligned. A depthwise
 * conv's (conv_tile.c subtracts z as it stages the input, so no
 * correction): float scale[cout], then int8 w[cout][kh][kw]. */
#include <math.h>
#include <string.h>

#include "cg.h"

/* The staging buffer is on the stack of each thread (pool threads have the
 * default 8 MiB): a band of a 160-wide 96-channel layer's rows. */
enum { BLOB_ALIGN = 64, STAGE_BYTES = 128 << 10, GROUP = 4 };

typedef struct {
    int64_t cin, cout, k4, kh, kw, sh, sw, dh, dw, pt, pl;
    int64_t vw, mr, nv, chunk, bw; /* lanes, tile, output pixels per chunk, buffer columns */
    bool flat, vnni, pairs, sdot;  /* a 1x1 conv seen as one row; vpdpbusd; vpmaddubsw is exact; sdot */
    LLVMValueRef ih, iw, oh, ow;
    LLVMTypeRef i32, vi;           /* i32, <vw x i32> */
    cg_vec v;
} qconv;

/* <vw x i32> with every lane v. */
static LLVMValueRef lanes_of(cg_fn *f, const qconv *t, int64_t v) { return cg_lane_ramp(f, (unsigned)t->vw, v, 0); }

/* The buffer columns `pixels` output pixels of a row read: the taps'
 * reach, plus the odd column a stride-2 load pair takes in. */
static int64_t reach(const qconv *t, int64_t pixels) {
    return (pixels - 1) * t->sw + (t->kw - 1) * t->dw + 1 + (t->sw == 2);
}

/* Offsets (in 4-byte words) of the blob's parts. */
static int64_t corr_at(int64_t cout) { return cg_round_up(4 * cout, BLOB_ALIGN) / 4; }
static int64_t w_at(int64_t cout) { return 2 * corr_at(cout); }

static int64_t weight_level(const ir_value *w, int64_t m, int64_t i) {
    return (int64_t)nearbyintf(((const float *)w->data)[i] / w->qscale[m]);
}

/* Whether every pair of weights one vpmaddubsw adds (input channels 2j,
 * 2j + 1 of one tap) stays within int16 with levels up to 255. */
static bool pairs_fit(const ir_value *w) {
    int64_t cout = w->dims[0].q, cin = w->dims[1].q, taps = w->dims[2].q * w->dims[3].q;
    for (int64_t m = 0; m < cout; m++)
        for (int64_t c = 0; c < cin; c += 2)
            for (int64_t t = 0; t < taps; t++) {
                int64_t a = llabs(weight_level(w, m, (m * cin + c) * taps + t));
                int64_t b = c + 1 < cin ? llabs(weight_level(w, m, (m * cin + c + 1) * taps + t)) : 0;
                if (255 * (a + b) > 32767) return false;
            }
    return true;
}

int64_t cg_int8_depthwise_at(int64_t cout) { return 4 * corr_at(cout); }

size_t cg_int8_weight_bytes(const ir_graph *g, const ir_node *node) {
    const ir_value *w = &g->values[node->inputs[1]];
    int64_t cout = w->dims[0].q, k4 = (w->dims[1].q + GROUP - 1) / GROUP, taps = w->dims[2].q * w->dims[3].q;
    if (cg_is_int8_depthwise(node)) return (size_t)(cg_int8_depthwise_at(cout) + cout * taps);
    return (size_t)(4 * w_at(cout) + cout * k4 * taps * GROUP);
}

/* What sdot's signed levels (level - 128) move the correction by. */
static int64_t level_offset(const cg_target_desc *target) { return target->arm_dotprod ? 128 : 0; }

void cg_int8_pack_weights(const ir_graph *g, const ir_node *node, const cg_target_desc *target, char *dst) {
    const ir_value *w = &g->values[node->inputs[1]];
    ir_act q = node->attrs.in_act;
    OCRS_ASSERT(q.kind == IR_ACT_QUANT && w->qbits == 8 && w->out_axis == 0);
    int64_t cout = w->dims[0].q, cin = w->dims[1].q, kh = w->dims[2].q, kw = w->dims[3].q;
    float *scale = (float *)dst;
    for (int64_t m = 0; m < cout; m++) scale[m] = q.a * w->qscale[m];
    if (cg_is_int8_depthwise(node)) {
        OCRS_ASSERT(cin == 1 && kh * kw <= IR_INT8_DW_MAX_TAPS);
        int8_t *wq = (int8_t *)dst + cg_int8_depthwise_at(cout);
        for (int64_t i = 0; i < cout * kh * kw; i++) {
            int64_t l = weight_level(w, i / (kh * kw), i);
            OCRS_ASSERT(l >= -127 && l <= 127);
            wq[i] = (int8_t)l;
        }
        return;
    }
    int64_t k4 = (cin + GROUP - 1) / GROUP;
    OCRS_ASSERT(cin * kh * kw <= IR_INT8_MAX_TERMS);
    int32_t *corr = (int32_t *)dst + corr_at(cout);
    int8_t *wq = (int8_t *)((int32_t *)dst + w_at(cout));
    memset(wq, 0, (size_t)(cout * k4 * kh * kw * GROUP));
    for (int64_t m = 0; m < cout; m++) {
        int64_t sum = 0;
        for (int64_t c = 0; c < cin; c++)
            for (int64_t t = 0; t < kh * kw; t++) {
                int64_t l = weight_level(w, m, (m * cin + c) * kh * kw + t);
                OCRS_ASSERT(l >= -127 && l <= 127);
                sum += l;
                wq[((m * k4 + c / GROUP) * kh * kw + t) * GROUP + c % GROUP] = (int8_t)l;
            }
        corr[m] = (int32_t)(sum * ((int64_t)q.b - level_offset(target)));
    }
}

/* ---- packing -------------------------------------------------------------------- */

/* Buffer word of staged row r, channel block k, column col. */
static LLVMValueRef buf_index(cg_fn *f, const qconv *t, LLVMValueRef r, LLVMValueRef k, LLVMValueRef col) {
    return cg_add(f, cg_mul(f, cg_add(f, k, cg_muli(f, r, t->k4)), cg_i64(f, t->bw)), col);
}

/* The levels of vw input elements from element at, as <vw x i32>: read
 * (a buffer of levels) or quantized as read; lanes off in mask (all on
 * when NULL) are z, the level of 0. */
static LLVMValueRef input_levels(cg_fn *f, const qconv *t, LLVMValueRef at, LLVMValueRef mask) {
    ir_act q = f->node->attrs.in_act;
    if (f->in_levels.kind == IR_ACT_QUANT) return cg_vload_levels(f, &t->v, cg_level_ptr(f, f->in[0], at), mask, (int)q.b);
    return cg_vlevels(f, &t->v, q, cg_vload(f, &t->v, cg_elem_ptr(f, f->in[0], at), mask));
}

/* One buffer word vector: the levels of channels 4k .. 4k+3 at vw input
 * positions from element at of channel 4k's plane (planes plane apart),
 * channel j in byte j; lanes off in mask (all on when NULL) and channels
 * past cin read 0, whose level is z: the padding. */
static LLVMValueRef pack_word(cg_fn *f, const qconv *t, LLVMValueRef at, LLVMValueRef plane, LLVMValueRef k,
                              LLVMValueRef mask) {
    LLVMBuilderRef b = f->b;
    LLVMValueRef none = LLVMConstNull(LLVMVectorType(LLVMInt1TypeInContext(f->m->ctx), (unsigned)t->vw));
    LLVMValueRef word = LLVMConstNull(t->vi);
    for (int64_t j = 0; j < GROUP; j++) {
        LLVMValueRef l;
        if (mask) {
            LLVMValueRef c = cg_addi(f, cg_muli(f, k, GROUP), j);
            LLVMValueRef m = LLVMBuildSelect(b, LLVMBuildICmp(b, LLVMIntSLT, c, cg_i64(f, t->cin), ""), mask, none, "");
            /* A channel past the last is read at the last one's address, all lanes off. */
            LLVMValueRef jj = cg_min(f, cg_i64(f, j), cg_sub(f, cg_i64(f, t->cin - 1), cg_muli(f, k, GROUP)));
            l = input_levels(f, t, cg_add(f, at, cg_mul(f, jj, plane)), m);
        } else {
            l = input_levels(f, t, cg_add(f, at, cg_muli(f, plane, j)), NULL);
        }
        word = LLVMBuildOr(b, word, LLVMBuildShl(b, l, lanes_of(f, t, 8 * j), ""), "");
    }
    return word;
}

/* The input a band of output rows [oy0, oy0 + rows) and a chunk of columns
 * read: staged row r is input row oy0*sh - pt + r, for r < (rows - 1)*sh +
 * (kh - 1)*dh + 1; column col is input column ox0*sw - pl + col. Vectors
 * wholly inside the input (rows, columns and the 4 channels) use plain
 * loads, the others masked ones. */
static void emit_pack(cg_fn *f, const qconv *t, LLVMValueRef buf, LLVMValueRef n, LLVMValueRef oy0,
                      LLVMValueRef rows, LLVMValueRef ox0, LLVMValueRef ntiles) {
    LLVMBuilderRef b = f->b;
    LLVMValueRef none = LLVMConstNull(LLVMVectorType(LLVMInt1TypeInContext(f->m->ctx), (unsigned)t->vw));
    LLVMValueRef first = cg_addi(f, cg_muli(f, ox0, t->sw), -t->pl);
    LLVMValueRef nrows = cg_addi(f, cg_muli(f, cg_addi(f, rows, -1), t->sh), (t->kh - 1) * t->dh + 1);
    LLVMValueRef plane = cg_mul(f, t->ih, t->iw);
    cg_loop lr, lk, lc;
    LLVMValueRef r = cg_for(f, &lr, cg_i64(f, 0), nrows, "pack.row");
    LLVMValueRef iy = cg_add(f, cg_addi(f, cg_muli(f, oy0, t->sh), -t->pt), r);
    LLVMValueRef row_in = LLVMBuildAnd(b, LLVMBuildICmp(b, LLVMIntSGE, iy, cg_i64(f, 0), ""),
                                       LLVMBuildICmp(b, LLVMIntSLT, iy, t->ih, ""), "");
    /* Rows outside the input are read at a clamped address, all lanes off. */
    LLVMValueRef iy_at = cg_max(f, cg_min(f, iy, cg_addi(f, t->ih, -1)), cg_i64(f, 0));
    LLVMValueRef k = cg_for(f, &lk, cg_i64(f, 0), cg_i64(f, t->k4), "pack.k");
    LLVMValueRef plane0 = cg_add(f, cg_muli(f, n, t->cin), cg_muli(f, k, GROUP)); /* channel 4k's */
    LLVMValueRef row = cg_mul(f, cg_add(f, cg_mul(f, plane0, t->ih), iy_at), t->iw);
    /* The columns ntiles tiles read, in whole vectors (at most bw). */
    LLVMValueRef pixels = cg_muli(f, ntiles, t->nv * t->vw);
    LLVMValueRef cols = cg_addi(f, cg_muli(f, pixels, t->sw), reach(t, 0)); /* reach(t, pixels) */
    cols = cg_addi(f, cols, t->vw - 1);
    LLVMValueRef col = cg_for(f, &lc, cg_i64(f, 0), LLVMBuildSDiv(b, cols, cg_i64(f, t->vw), ""), "pack.col");
    LLVMValueRef c0 = cg_muli(f, col, t->vw), ix = cg_add(f, first, c0), at = cg_add(f, row, ix);
    LLVMValueRef inside = LLVMBuildAnd(b, row_in, LLVMBuildICmp(b, LLVMIntSGE, ix, cg_i64(f, 0), ""), "");
    inside = LLVMBuildAnd(b, inside, LLVMBuildICmp(b, LLVMIntSLE, cg_addi(f, ix, t->vw), t->iw, ""), "");
    LLVMValueRef last_c = cg_addi(f, cg_muli(f, k, GROUP), GROUP - 1);
    inside = LLVMBuildAnd(b, inside, LLVMBuildICmp(b, LLVMIntSLT, last_c, cg_i64(f, t->cin), ""), "");
    LLVMBasicBlockRef plain = LLVMAppendBasicBlockInContext(f->m->ctx, f->fn, "pack.plain");
    LLVMBasicBlockRef edge = LLVMAppendBasicBlockInContext(f->m->ctx, f->fn, "pack.edge");
    LLVMBasicBlockRef join = LLVMAppendBasicBlockInContext(f->m->ctx, f->fn, "pack.join");
    LLVMBuildCondBr(b, inside, plain, edge);
    LLVMPositionBuilderAtEnd(b, plain);
    LLVMValueRef w_plain = pack_word(f, t, at, plane, k, NULL);
    LLVMBasicBlockRef plain_end = LLVMGetInsertBlock(b);
    LLVMBuildBr(b, join);
    LLVMPositionBuilderAtEnd(b, edge);
    LLVMValueRef mask = LLVMBuildSelect(b, row_in, cg_lane_mask(f, &t->v, ix, 0, 1, t->iw), none, "");
    LLVMValueRef w_edge = pack_word(f, t, at, plane, k, mask);
    LLVMBasicBlockRef edge_end = LLVMGetInsertBlock(b);
    LLVMBuildBr(b, join);
    LLVMPositionBuilderAtEnd(b, join);
    LLVMValueRef word = LLVMBuildPhi(b, t->vi, "");
    LLVMValueRef vals[2] = {w_plain, w_edge};
    LLVMBasicBlockRef from[2] = {plain_end, edge_end};
    LLVMAddIncoming(word, vals, from, 2);
    if (t->sdot) word = LLVMBuildXor(b, word, lanes_of(f, t, (int64_t)0x80808080), "");
    LLVMSetAlignment(LLVMBuildStore(b, word, cg_elem_ptr(f, buf, buf_index(f, t, r, k, c0))), 4);
    cg_end(f, &lc);
    cg_end(f, &lk);
    cg_end(f, &lr);
}

/* ---- the integer tile ------------------------------------------------------------- */

/* A call of intrinsic name, overloaded on the ntypes types. */
static LLVMValueRef intrinsic_call(cg_fn *f, const char *name, LLVMTypeRef *types, size_t ntypes,
                                   LLVMValueRef *args, unsigned n) {
    unsigned id = LLVMLookupIntrinsicID(name, strlen(name));
    OCRS_ASSERT(id != 0);
    LLVMValueRef decl = LLVMGetIntrinsicDeclaration(f->m->mod, id, types, ntypes);
    return LLVMBuildCall2(f->b, LLVMIntrinsicGetType(f->m->ctx, id, types, ntypes), decl, args, n, "");
}

static LLVMValueRef x86_call(cg_fn *f, const char *name, LLVMValueRef *args, unsigned n) {
    return intrinsic_call(f, name, NULL, 0, args, n);
}

/* acc + the sum over the 4 bytes of each lane of x (unsigned; for sdot
 * signed, staged minus 128) times w (signed). */
static LLVMValueRef dot4(cg_fn *f, const qconv *t, LLVMValueRef acc, LLVMValueRef x, LLVMValueRef w) {
    LLVMBuilderRef b = f->b;
    if (t->vnni) {
        LLVMValueRef args[3] = {acc, x, w};
        return x86_call(f, t->vw == 16 ? "llvm.x86.avx512.vpdpbusd.512" : "llvm.x86.avx512.vpdpbusd.256", args, 3);
    }
    if (t->sdot) {
        LLVMTypeRef types[2] = {t->vi, LLVMVectorType(LLVMInt8TypeInContext(f->m->ctx), (unsigned)(4 * t->vw))};
        LLVMValueRef args[3] = {acc, LLVMBuildBitCast(b, x, types[1], ""), LLVMBuildBitCast(b, w, types[1], "")};
        return intrinsic_call(f, "llvm.aarch64.neon.sdot", types, 2, args, 3);
    }
    if (t->pairs) {
        LLVMTypeRef i8v = LLVMVectorType(LLVMInt8TypeInContext(f->m->ctx), 32);
        LLVMTypeRef i16v = LLVMVectorType(LLVMInt16TypeInContext(f->m->ctx), 16);
        LLVMValueRef bytes[2] = {LLVMBuildBitCast(b, x, i8v, ""), LLVMBuildBitCast(b, w, i8v, "")};
        LLVMValueRef words[2] = {x86_call(f, "llvm.x86.avx2.pmadd.ub.sw", bytes, 2),
                                 cg_splat(f, i16v, LLVMConstInt(LLVMInt16TypeInContext(f->m->ctx), 1, 0))};
        return LLVMBuildAdd(b, acc, x86_call(f, "llvm.x86.avx2.pmadd.wd", words, 2), "");
    }
    for (int64_t j = 0; j < GROUP; j++) {
        LLVMValueRef xs = LLVMBuildAnd(b, LLVMBuildLShr(b, x, lanes_of(f, t, 8 * j), ""), lanes_of(f, t, 255), "");
        LLVMValueRef ws = LLVMBuildShl(b, w, lanes_of(f, t, 24 - 8 * j), "");
        ws = LLVMBuildAShr(b, ws, lanes_of(f, t, 24), "");
        acc = LLVMBuildAdd(b, acc, LLVMBuildMul(b, xs, ws, ""), "");
    }
    return acc;
}

/* vw consecutive output pixels from tile pixel p of the chunk: buffer
 * words p*sw + kx*dw, + sw, ... of staged row r, block k. */
static LLVMValueRef load_words(cg_fn *f, const qconv *t, LLVMValueRef buf, LLVMValueRef r, LLVMValueRef k,
                               LLVMValueRef p, int64_t kx) {
    LLVMBuilderRef b = f->b;
    LLVMValueRef at = cg_elem_ptr(f, buf, buf_index(f, t, r, k, cg_addi(f, cg_muli(f, p, t->sw), kx * t->dw)));
    if (t->sw <= 2) {
        LLVMValueRef lo = LLVMBuildLoad2(b, t->vi, at, "");
        LLVMSetAlignment(lo, 4);
        if (t->sw == 1) return lo;
        LLVMValueRef hi = LLVMBuildLoad2(b, t->vi, cg_elem_ptr(f, at, cg_i64(f, t->vw)), "");
        LLVMSetAlignment(hi, 4);
        return LLVMBuildShuffleVector(b, lo, hi, cg_lane_ramp(f, (unsigned)t->vw, 0, 2), "");
    }
    LLVMValueRef lanes = LLVMGetUndef(t->vi);
    for (int64_t j = 0; j < t->vw; j++) {
        LLVMValueRef x = LLVMBuildLoad2(b, t->i32, cg_elem_ptr(f, at, cg_i64(f, j * t->sw)), "");
        lanes = LLVMBuildInsertElement(b, lanes, x, cg_i64(f, j), "");
    }
    return lanes;
}

/* Output channels [oc0, oc0 + mr), the tile at chunk pixel p (output
 * column ox0 + p) of row oy, the band's row ol; masked stores past the
 * row's end when safe. */
static void emit_tile(cg_fn *f, const qconv *t, int64_t mr, bool safe, LLVMValueRef buf, LLVMValueRef n,
                      LLVMValueRef oc0, LLVMValueRef oy, LLVMValueRef ol, LLVMValueRef ox0, LLVMValueRef p) {
    LLVMBuilderRef b = f->b;
    int64_t nv = t->nv;
    LLVMValueRef acc[CG_MAX_ACC];
    OCRS_ASSERT(mr * nv <= CG_MAX_ACC);
    for (int64_t i = 0; i < mr * nv; i++) {
        acc[i] = cg_alloca(f, t->vi, "acc");
        LLVMBuildStore(b, LLVMConstNull(t->vi), acc[i]);
    }
    LLVMValueRef wbase = cg_i64(f, w_at(t->cout));
    cg_loop lk;
    LLVMValueRef k = cg_for(f, &lk, cg_i64(f, 0), cg_i64(f, t->k4), "k4");
    for (int64_t ky = 0; ky < t->kh; ky++)
        for (int64_t kx = 0; kx < t->kw; kx++) {
            LLVMValueRef x[CG_MAX_NV], r = cg_addi(f, cg_muli(f, ol, t->sh), ky * t->dh);
            for (int64_t v = 0; v < nv; v++) x[v] = load_words(f, t, buf, r, k, cg_addi(f, p, v * t->vw), kx);
            for (int64_t r = 0; r < mr; r++) {
                /* w[oc][k][ky][kx], 4 channels in a word */
                LLVMValueRef block = cg_add(f, cg_muli(f, cg_addi(f, oc0, r), t->k4), k);
                LLVMValueRef wi = cg_addi(f, cg_muli(f, block, t->kh * t->kw), ky * t->kw + kx);
                LLVMValueRef w = LLVMBuildLoad2(b, t->i32, cg_elem_ptr(f, f->in[1], cg_add(f, wbase, wi)), "");
                w = cg_splat(f, t->vi, w);
                for (int64_t v = 0; v < nv; v++) {
                    LLVMValueRef a = LLVMBuildLoad2(b, t->vi, acc[r * nv + v], "");
                    LLVMBuildStore(b, dot4(f, t, a, x[v], w), acc[r * nv + v]);
                }
            }
        }
    cg_end(f, &lk);
    LLVMValueRef bias = f->node->ninputs > 2 ? f->in[2] : NULL;
    for (int64_t r = 0; r < mr; r++) {
        LLVMValueRef oc = cg_addi(f, oc0, r);
        LLVMValueRef scale = cg_splat(f, t->v.vt, cg_load(f, f->in[1], oc));
        LLVMValueRef corr = LLVMBuildLoad2(b, t->i32, cg_elem_ptr(f, f->in[1], cg_addi(f, oc, corr_at(t->cout))), "");
        corr = cg_splat(f, t->vi, corr);
        LLVMValueRef shift = bias ? cg_splat(f, t->v.vt, cg_load(f, bias, oc)) : NULL;
        LLVMValueRef orow = cg_mul(f, cg_add(f, cg_mul(f, cg_add(f, cg_muli(f, n, t->cout), oc), t->oh), oy), t->ow);
        for (int64_t v = 0; v < nv; v++) {
            LLVMValueRef col = cg_add(f, ox0, cg_addi(f, p, v * t->vw));
            LLVMValueRef s = LLVMBuildSub(b, LLVMBuildLoad2(b, t->vi, acc[r * nv + v], ""), corr, "");
            /* Separate multiply and add, never contracted: the same on every target. */
            LLVMValueRef y = LLVMBuildFMul(b, LLVMBuildSIToFP(b, s, t->v.vt, ""), scale, "");
            if (shift) y = LLVMBuildFAdd(b, y, shift, "");
            y = cg_conv_epilogue(f, y);
            cg_vstore_out(f, &t->v, y, cg_add(f, orow, col), safe ? cg_lane_mask(f, &t->v, col, 0, 1, t->ow) : NULL);
        }
    }
}

/* Every tile of a packed chunk of one row: channel blocks, then the
 * chunk's tiles. */
static void emit_chunk(cg_fn *f, const qconv *t, bool safe, LLVMValueRef buf, LLVMValueRef n, LLVMValueRef oy,
                       LLVMValueRef ol, LLVMValueRef ox0, LLVMValueRef ntiles) {
    int64_t span = t->nv * t->vw, nfull = t->cout / t->mr, rest = t->cout % t->mr;
    cg_loop lb, lp;
    LLVMValueRef tile = cg_for(f, &lp, cg_i64(f, 0), ntiles, "tile");
    LLVMValueRef p = cg_muli(f, tile, span);
    if (nfull) {
        LLVMValueRef blk = cg_for(f, &lb, cg_i64(f, 0), cg_i64(f, nfull), "blk");
        emit_tile(f, t, t->mr, safe, buf, n, cg_muli(f, blk, t->mr), oy, ol, ox0, p);
        cg_end(f, &lb);
    }
    if (rest) emit_tile(f, t, rest, safe, buf, n, cg_i64(f, nfull * t->mr), oy, ol, ox0, p);
    cg_end(f, &lp);
}

void emit_conv_int8(cg_fn *f) {
    const ir_value *x = cg_in_value(f, 0), *y = cg_out_value(f), *w = cg_in_value(f, 1);
    const ir_attrs *a = &f->node->attrs;
    OCRS_ASSERT(cg_is_int8_conv(f->node) && !cg_is_int8_depthwise(f->node) && w->qbits == 8);
    LLVMBuilderRef b = f->b;
    qconv t = {.cin = x->dims[1].q, .cout = y->dims[1].q, .kh = a->kernel[0], .kw = a->kernel[1],
               .sh = a->stride[0], .sw = a->stride[1], .dh = a->dilation[0], .dw = a->dilation[1],
               .pt = a->pad[0], .pl = a->pad[1]};
    t.k4 = (t.cin + GROUP - 1) / GROUP;
    t.flat = t.kh == 1 && t.kw == 1 && t.sh == 1 && t.sw == 1 && !a->pad[0] && !a->pad[1] && !a->pad[2] && !a->pad[3];
    t.vnni = f->m->target.x86_vnni;
    t.sdot = f->m->target.arm_dotprod;
    t.pairs = !t.vnni && f->m->target.x86_avx2 && pairs_fit(w);
    t.vw = f->m->target.x86_avx2 && !t.vnni ? 8 : f->m->target.vector_floats;
    t.v = cg_vec_type(f, t.vw);
    t.i32 = LLVMInt32TypeInContext(f->m->ctx);
    t.vi = t.v.it;
    if (t.flat) {
        t.ih = t.oh = cg_i64(f, 1);
        t.iw = t.ow = cg_extent(f, y, 2, 4);
    } else {
        t.ih = cg_dim(f, x->dims[2]);
        t.iw = cg_dim(f, x->dims[3]);
        t.oh = cg_dim(f, y->dims[2]);
        t.ow = cg_dim(f, y->dims[3]);
    }
    int64_t width = cg_ref_extent(f, y->dims[3]) * (t.flat ? cg_ref_extent(f, y->dims[2]) : 1);
    /* Two registers fewer: the int16 products and the vector of ones (or
     * the bytes of the 32-bit products) live beside the accumulators. */
    cg_target_desc regs = f->m->target;
    regs.vector_regs -= 2;
    cg_choose_tile(&regs, t.vw, t.cout, width, 1, &t.mr, &t.nv);
    /* Chunks as wide as the kernel rows of one output row fit the buffer
     * (at least one tile, at most the row), then bands of as many output
     * rows as fit: each input row is staged about once. */
    int64_t span = t.nv * t.vw, tiles = 1, row_words;
    for (;;) {
        int64_t c = (tiles + 1) * span, cols = cg_round_up(reach(&t, c), t.vw);
        if (c > cg_round_up(width, span) || t.kh * t.k4 * cols * 4 > STAGE_BYTES) break;
        tiles++;
    }
    t.chunk = tiles * span;
    t.bw = cg_round_up(reach(&t, t.chunk), t.vw);
    row_words = t.k4 * t.bw;
    int64_t band = t.flat ? 1 : (STAGE_BYTES / (4 * row_words) - (t.kh - 1) * t.dh - 1) / t.sh + 1;
    int64_t ref_oh = t.flat ? 1 : cg_ref_extent(f, y->dims[2]);
    band = band < 1 ? 1 : band > ref_oh ? ref_oh : band;
    int64_t staged_rows = (band - 1) * t.sh + (t.kh - 1) * t.dh + 1;
    LLVMValueRef buf = cg_alloca(f, LLVMArrayType(t.i32, (unsigned)(staged_rows * row_words)), "qstage");
    LLVMSetAlignment(buf, 32);

    LLVMValueRef nchunks = LLVMBuildSDiv(b, cg_addi(f, t.ow, t.chunk - 1), cg_i64(f, t.chunk), "");
    LLVMValueRef nbands = LLVMBuildSDiv(b, cg_addi(f, t.oh, band - 1), cg_i64(f, band), "");
    LLVMValueRef per_image = cg_mul(f, nbands, nchunks);
    cg_loop li, lo;
    LLVMValueRef item = cg_for_shared(f, &li, cg_i64(f, 0), cg_mul(f, cg_dim(f, x->dims[0]), per_image), "chunk");
    LLVMValueRef n = LLVMBuildSDiv(b, item, per_image, "");
    LLVMValueRef rem = cg_sub(f, item, cg_mul(f, n, per_image));
    LLVMValueRef bi = LLVMBuildSDiv(b, rem, nchunks, "");
    LLVMValueRef ox0 = cg_muli(f, cg_sub(f, rem, cg_mul(f, bi, nchunks)), t.chunk);
    LLVMValueRef oy0 = cg_muli(f, bi, band), rows = cg_min(f, cg_i64(f, band), cg_sub(f, t.oh, oy0));
    /* The chunk's tiles: fewer than the buffer holds where the row (narrower
     * than the reference extent the chunk was sized for) ends. */
    LLVMValueRef ntiles = cg_min(f, cg_i64(f, t.chunk), cg_sub(f, t.ow, ox0));
    ntiles = LLVMBuildSDiv(b, cg_addi(f, ntiles, span - 1), cg_i64(f, span), "");
    emit_pack(f, &t, buf, n, oy0, rows, ox0, ntiles);
    LLVMValueRef ol = cg_for(f, &lo, cg_i64(f, 0), rows, "oy");
    LLVMValueRef oy = cg_add(f, oy0, ol);
    LLVMValueRef inside = LLVMBuildICmp(b, LLVMIntSLE, cg_add(f, ox0, cg_muli(f, ntiles, span)), t.ow, "");
    LLVMBasicBlockRef fast = LLVMAppendBasicBlockInContext(f->m->ctx, f->fn, "interior");
    LLVMBasicBlockRef slow = LLVMAppendBasicBlockInContext(f->m->ctx, f->fn, "row_end");
    LLVMBasicBlockRef join = LLVMAppendBasicBlockInContext(f->m->ctx, f->fn, "");
    LLVMBuildCondBr(b, inside, fast, slow);
    LLVMPositionBuilderAtEnd(b, fast);
    emit_chunk(f, &t, false, buf, n, oy, ol, ox0, ntiles);
    LLVMBuildBr(b, join);
    LLVMPositionBuilderAtEnd(b, slow);
    emit_chunk(f, &t, true, buf, n, oy, ol, ox0, ntiles);
    LLVMBuildBr(b, join);
    LLVMPositionBuilderAtEnd(b, join);
    cg_end(f, &lo);
    cg_end(f, &li);
}
