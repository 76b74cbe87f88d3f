/* Elementwise ops: activations and Identity, broadcasting Add/Sub/Mul/Div,
 * and BatchNormalization. Each is one flat loop nest over dense NCHW. */
#include "cg.h"

void emit_unary(cg_fn *f) {
    const ir_value *y = cg_out_value(f);
    cg_loop l;
    LLVMValueRef i = cg_for_shared(f, &l, cg_i64(f, 0), cg_extent(f, y, 0, y->rank), "i");
    cg_store(f, cg_act(f, f->node->attrs.act, cg_load(f, f->in[0], i)), f->out, i);
    cg_end(f, &l);
}

/* A run of adjacent output axes over which each operand is either dense or
 * broadcast throughout, so the run is one loop. */
typedef struct {
    int first, last; /* output axes, inclusive */
    bool bcast[2];
} axis_run;

static bool is_one(ir_dim d) { return ir_dim_equal(d, ir_dim_const(1)); }

/* dims of operand k aligned to the output's rank r (missing leading axes are 1). */
static ir_dim operand_dim(const ir_value *v, int r, int axis) {
    int i = axis - (r - v->rank);
    return i >= 0 ? v->dims[i] : ir_dim_const(1);
}

void emit_binary(cg_fn *f) {
    const ir_value *y = cg_out_value(f), *opnd[2] = {cg_in_value(f, 0), cg_in_value(f, 1)};
    int r = y->rank;
    axis_run runs[IR_MAX_RANK];
    int nruns = 0;
    for (int i = 0; i < r; i++) {
        if (is_one(y->dims[i])) continue; /* nothing to iterate, nothing to stride */
        bool bc[2];
        for (int k = 0; k < 2; k++) bc[k] = is_one(operand_dim(opnd[k], r, i));
        if (nruns && runs[nruns - 1].bcast[0] == bc[0] && runs[nruns - 1].bcast[1] == bc[1]) {
            runs[nruns - 1].last = i;
            continue;
        }
        runs[nruns++] = (axis_run){i, i, {bc[0], bc[1]}};
    }
    /* A one-element output still needs one (shared) loop, or every thread
     * would write it. */
    if (!nruns && r) runs[nruns++] = (axis_run){0, r - 1, {true, true}};
    /* Per run: extent, and each operand's element stride (0 when broadcast). */
    LLVMValueRef ext[IR_MAX_RANK], stride[2][IR_MAX_RANK];
    for (int j = 0; j < nruns; j++) {
        ext[j] = cg_extent(f, y, runs[j].first, runs[j].last + 1);
        for (int k = 0; k < 2; k++) {
            LLVMValueRef s = cg_i64(f, 1);
            for (int i = runs[j].last + 1; i < r; i++) s = cg_mul(f, s, cg_dim(f, operand_dim(opnd[k], r, i)));
            stride[k][j] = runs[j].bcast[k] ? cg_i64(f, 0) : s;
        }
    }
    cg_loop loops[IR_MAX_RANK];
    LLVMValueRef yi = cg_i64(f, 0), idx[2] = {cg_i64(f, 0), cg_i64(f, 0)};
    for (int j = 0; j < nruns; j++) {
        LLVMValueRef iv = j ? cg_for(f, &loops[j], cg_i64(f, 0), ext[j], "i")
                            : cg_for_shared(f, &loops[j], cg_i64(f, 0), ext[j], "i");
        yi = cg_add(f, cg_mul(f, yi, ext[j]), iv);
        for (int k = 0; k < 2; k++) idx[k] = cg_add(f, idx[k], cg_mul(f, iv, stride[k][j]));
    }
    LLVMValueRef a = cg_load(f, f->in[0], idx[0]), b = cg_load(f, f->in[1], idx[1]), v = NULL;
    switch (f->node->op) {
    case IR_OP_Add: v = LLVMBuildFAdd(f->b, a, b, ""); break;
    case IR_OP_Sub: v = LLVMBuildFSub(f->b, a, b, ""); break;
    case IR_OP_Mul: v = LLVMBuildFMul(f->b, a, b, ""); break;
    case IR_OP_Div: v = LLVMBuildFDiv(f->b, a, b, ""); break;
    default: OCRS_ASSERT(!"not a binary op");
    }
    cg_store(f, v, f->out, yi);
    for (int j = nruns - 1; j >= 0; j--) cg_end(f, &loops[j]);
}

/* y = (x - mean) / sqrt(var + epsilon) * scale + bias, per channel (axis 1). */
void emit_batchnorm(cg_fn *f) {
    const ir_value *x = cg_in_value(f, 0);
    LLVMBuilderRef b = f->b;
    cg_loop ln, lc, li;
    LLVMValueRef c_n = cg_i64(f, x->dims[1].q), inner = cg_extent(f, x, 2, x->rank);
    LLVMValueRef n = cg_for(f, &ln, cg_i64(f, 0), cg_dim(f, x->dims[0]), "n");
    LLVMValueRef c = cg_for_shared(f, &lc, cg_i64(f, 0), c_n, "c");
    LLVMValueRef scale = cg_load(f, f->in[1], c), bias = cg_load(f, f->in[2], c);
    LLVMValueRef mean = cg_load(f, f->in[3], c), var = cg_load(f, f->in[4], c);
    LLVMValueRef ve = LLVMBuildFAdd(b, var, cg_f32(f, f->node->attrs.epsilon), "");
    LLVMValueRef sd = cg_intrinsic(f, "llvm.sqrt", f->m->f32, &ve, 1);
    LLVMValueRef base = cg_mul(f, cg_add(f, cg_mul(f, n, c_n), c), inner);
    LLVMValueRef i = cg_for(f, &li, cg_i64(f, 0), inner, "i");
    LLVMValueRef xi = cg_add(f, base, i);
    LLVMValueRef v = LLVMBuildFDiv(b, LLVMBuildFSub(b, cg_load(f, f->in[0], xi), mean, ""), sd, "");
    cg_store(f, LLVMBuildFAdd(b, LLVMBuildFMul(b, v, scale, ""), bias, ""), f->out, xi);
    cg_end(f, &li);
    cg_end(f, &lc);
    cg_end(f, &ln);
}
