/* MatMul, batched with broadcasting, with an optional bias on the last axis.
 *
 * C[t] = A[t] B[t] for every batch index t, A[t]: M x K, B[t]: K x N, row
 * major. The output is cut into tiles of mr rows by nv vectors of columns; a
 * tile's accumulators stay in registers over the whole reduction: per k it
 * loads nv vectors of row k of B, broadcasts A[i][k] for its mr rows and
 * issues mr * nv fused multiply-adds. The bias is added to the finished sum,
 * as the Add it replaced did. A B that is one matrix for every batch index
 * (weights, mostly) lets all of A's leading axes be rows of one GEMM.
 *
 * Threads share (batch, column chunk, row block) items, row blocks
 * innermost so that consecutive items of a thread reuse the same panel of B
 * from cache. The last row block, when M is not a multiple of mr, repeats
 * row M - 1 in its spare rows (the same values written again by the same
 * thread); the last column chunk masks its lanes. Every output element is
 * the same operations in the same order (k ascending) whatever its tile,
 * lane or thread. */
#include "cg.h"

typedef struct {
    cg_vec v;
    int64_t mr, nv;
    LLVMValueRef m, k, n; /* i64 extents of one product */
} tgemm;

/* Rows [i0, i0 + mr) (clamped to M - 1) and columns [j0, j0 + nv * vw) of
 * the product at offsets abase, bbase, ybase. */
static void emit_tile(cg_fn *f, const tgemm *t, bool masked, LLVMValueRef abase, LLVMValueRef bbase,
                      LLVMValueRef ybase, LLVMValueRef i0, LLVMValueRef j0) {
    LLVMBuilderRef b = f->b;
    int64_t mr = t->mr, nv = t->nv, vw = t->v.vw;
    LLVMValueRef acc[CG_MAX_ACC], arow[8], mask[CG_MAX_NV] = {0};
    OCRS_ASSERT(mr * nv <= CG_MAX_ACC && mr <= 8);
    LLVMValueRef last = cg_addi(f, t->m, -1);
    for (int64_t r = 0; r < mr; r++) arow[r] = cg_add(f, abase, cg_mul(f, cg_min(f, cg_addi(f, i0, r), last), t->k));
    for (int64_t v = 0; v < nv; v++)
        if (masked) mask[v] = cg_lane_mask(f, &t->v, cg_addi(f, j0, v * vw), 0, 1, t->n);
    for (int64_t i = 0; i < mr * nv; i++) {
        acc[i] = cg_alloca(f, t->v.vt, "acc");
        LLVMBuildStore(b, LLVMConstNull(t->v.vt), acc[i]);
    }
    cg_loop lk;
    LLVMValueRef k = cg_for(f, &lk, cg_i64(f, 0), t->k, "k");
    LLVMValueRef brow = cg_add(f, cg_add(f, bbase, cg_mul(f, k, t->n)), j0);
    LLVMValueRef x[CG_MAX_NV];
    for (int64_t v = 0; v < nv; v++)
        x[v] = cg_vload(f, &t->v, cg_elem_ptr(f, f->in[1], cg_addi(f, brow, v * vw)), mask[v]);
    for (int64_t r = 0; r < mr; r++) {
        LLVMValueRef a = cg_splat(f, t->v.vt, cg_load(f, f->in[0], cg_add(f, arow[r], k)));
        for (int64_t v = 0; v < nv; v++) {
            LLVMValueRef args[3] = {a, x[v], LLVMBuildLoad2(b, t->v.vt, acc[r * nv + v], "")};
            LLVMBuildStore(b, cg_intrinsic(f, "llvm.fmuladd", t->v.vt, args, 3), acc[r * nv + v]);
        }
    }
    cg_end(f, &lk);
    LLVMValueRef bias[CG_MAX_NV] = {0};
    if (f->node->ninputs > 2)
        for (int64_t v = 0; v < nv; v++)
            bias[v] = cg_vload(f, &t->v, cg_elem_ptr(f, f->in[2], cg_addi(f, j0, v * vw)), mask[v]);
    for (int64_t r = 0; r < mr; r++) {
        LLVMValueRef yrow = cg_add(f, ybase, cg_mul(f, cg_min(f, cg_addi(f, i0, r), last), t->n));
        for (int64_t v = 0; v < nv; v++) {
            LLVMValueRef y = LLVMBuildLoad2(b, t->v.vt, acc[r * nv + v], "");
            if (bias[v]) y = LLVMBuildFAdd(b, y, bias[v], "");
            LLVMValueRef p = cg_elem_ptr(f, f->out, cg_add(f, cg_add(f, yrow, j0), cg_i64(f, v * vw)));
            cg_vstore(f, &t->v, y, p, mask[v]);
        }
    }
}

/* Each operand's element offset for batch index t: its strides over the
 * output's batch axes, 0 along the axes it broadcasts. */
static void batch_offsets(cg_fn *f, int nb, const LLVMValueRef *ext, LLVMValueRef t, const ir_value *const *op,
                          const int *nbatch_op, const LLVMValueRef *mat, LLVMValueRef *off) {
    for (int o = 0; o < 2; o++) off[o] = cg_i64(f, 0);
    LLVMValueRef rest = t;
    LLVMValueRef stride[2] = {mat[0], mat[1]}; /* elements per batch step of the innermost batch axis */
    for (int i = nb - 1; i >= 0; i--) {
        LLVMValueRef idx = LLVMBuildURem(f->b, rest, ext[i], "");
        rest = LLVMBuildUDiv(f->b, rest, ext[i], "");
        for (int o = 0; o < 2; o++) {
            int j = i - (nb - nbatch_op[o]); /* the operand's own axis, right-aligned */
            if (j < 0) continue;
            const ir_dim d = op[o]->dims[j];
            if (!ir_dim_equal(d, ir_dim_const(1))) off[o] = cg_add(f, off[o], cg_mul(f, idx, stride[o]));
            stride[o] = cg_mul(f, stride[o], cg_dim(f, d));
        }
    }
}

void emit_matmul(cg_fn *f) {
    const ir_value *a = cg_in_value(f, 0), *bv = cg_in_value(f, 1), *y = cg_out_value(f);
    const cg_target_desc *td = &f->m->target;
    LLVMBuilderRef b = f->b;
    int ra = a->rank, rb = bv->rank;
    tgemm t = {.v = cg_vec_type(f, td->vector_floats)};
    /* B one matrix: A's leading axes are rows. Otherwise the batch axes are
     * the output's before its last two (last one for a 1-D operand). */
    bool flat = rb <= 2;
    int nb = flat ? 0 : y->rank - (ra >= 2) - 1;
    t.k = cg_dim(f, a->dims[ra - 1]);
    t.m = flat ? cg_extent(f, a, 0, ra - 1) : ra >= 2 ? cg_dim(f, a->dims[ra - 2]) : cg_i64(f, 1);
    t.n = rb >= 2 ? cg_dim(f, bv->dims[rb - 1]) : cg_i64(f, 1);
    int64_t mref = flat ? 1 : ra >= 2 ? cg_ref_extent(f, a->dims[ra - 2]) : 1;
    if (flat)
        for (int i = 0; i < ra - 1; i++) mref *= cg_ref_extent(f, a->dims[i]);
    cg_choose_tile(td, t.v.vw, mref, rb >= 2 ? cg_ref_extent(f, bv->dims[rb - 1]) : 1, 1, &t.mr, &t.nv);
    int64_t span = t.nv * t.v.vw;
    LLVMValueRef ext[IR_MAX_RANK], nbatch = cg_i64(f, 1);
    for (int i = 0; i < nb; i++) nbatch = cg_mul(f, nbatch, ext[i] = cg_dim(f, y->dims[i]));
    LLVMValueRef nchunks = LLVMBuildUDiv(b, cg_addi(f, t.n, span - 1), cg_i64(f, span), "");
    LLVMValueRef nblocks = LLVMBuildUDiv(b, cg_addi(f, t.m, t.mr - 1), cg_i64(f, t.mr), "");
    LLVMValueRef per_batch = cg_mul(f, nchunks, nblocks);
    cg_loop li;
    LLVMValueRef item = cg_for_shared(f, &li, cg_i64(f, 0), cg_mul(f, nbatch, per_batch), "tile");
    LLVMValueRef tb = LLVMBuildUDiv(b, item, per_batch, "");
    LLVMValueRef rem = cg_sub(f, item, cg_mul(f, tb, per_batch));
    LLVMValueRef chunk = LLVMBuildUDiv(b, rem, nblocks, "");
    LLVMValueRef i0 = cg_muli(f, cg_sub(f, rem, cg_mul(f, chunk, nblocks)), t.mr);
    LLVMValueRef j0 = cg_muli(f, chunk, span);
    LLVMValueRef off[2] = {cg_i64(f, 0), cg_i64(f, 0)};
    if (nb) {
        const ir_value *ops[2] = {a, bv};
        int nbatch_op[2] = {ra - 2 > 0 ? ra - 2 : 0, rb - 2 > 0 ? rb - 2 : 0};
        LLVMValueRef mat[2] = {cg_mul(f, t.m, t.k), cg_mul(f, t.k, t.n)};
        batch_offsets(f, nb, ext, tb, ops, nbatch_op, mat, off);
    }
    LLVMValueRef ybase = cg_mul(f, tb, cg_mul(f, t.m, t.n));
    LLVMValueRef inside = LLVMBuildICmp(b, LLVMIntSLE, cg_addi(f, j0, span), t.n, "");
    LLVMBasicBlockRef fast = LLVMAppendBasicBlockInContext(f->m->ctx, f->fn, "interior");
    LLVMBasicBlockRef slow = LLVMAppendBasicBlockInContext(f->m->ctx, f->fn, "edge");
    LLVMBasicBlockRef join = LLVMAppendBasicBlockInContext(f->m->ctx, f->fn, "");
    LLVMBuildCondBr(b, inside, fast, slow);
    for (int masked = 0; masked < 2; masked++) {
        LLVMPositionBuilderAtEnd(b, masked ? slow : fast);
        emit_tile(f, &t, masked, off[0], off[1], ybase, i0, j0);
        LLVMBuildBr(b, join);
    }
    LLVMPositionBuilderAtEnd(b, join);
    cg_end(f, &li);
}
