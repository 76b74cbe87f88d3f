/* Data movement: Concat on any axis, Transpose, Slice and Reshape (a copy
 * where the buffer plan could not make the output an alias of its input).
 * Each writes the dense output once, reading the input through strides. */
#include "cg.h"

void emit_concat(cg_fn *f) {
    const ir_value *y = cg_out_value(f);
    int64_t axis = ir_axis(f->node, y->rank);
    LLVMValueRef outer = cg_extent(f, y, 0, (int)axis), inner = cg_extent(f, y, (int)axis + 1, y->rank);
    LLVMValueRef yblock = cg_mul(f, inner, cg_dim(f, y->dims[axis]));
    LLVMValueRef off = cg_i64(f, 0); /* along the axis */
    for (uint32_t k = 0; k < f->node->ninputs; k++) {
        LLVMValueRef n = cg_dim(f, cg_in_value(f, k)->dims[axis]);
        LLVMValueRef block = cg_mul(f, inner, n), yoff = cg_mul(f, inner, off);
        cg_loop lo, li;
        LLVMValueRef o = cg_for(f, &lo, cg_i64(f, 0), outer, "outer");
        LLVMValueRef ybase = cg_add(f, cg_mul(f, o, yblock), yoff), xbase = cg_mul(f, o, block);
        LLVMValueRef i = cg_for_shared(f, &li, cg_i64(f, 0), block, "i");
        cg_store(f, cg_load(f, f->in[k], cg_add(f, xbase, i)), f->out, cg_add(f, ybase, i));
        cg_end(f, &li);
        cg_end(f, &lo);
        off = cg_add(f, off, n);
    }
}

/* out[i0, ..., ir] = in[base + sum_k i_k * stride[k]] over the output's
 * extents, the outermost axis shared between threads. */
static void strided_copy(cg_fn *f, LLVMValueRef base, const LLVMValueRef *stride) {
    const ir_value *y = cg_out_value(f);
    int r = y->rank;
    cg_loop loops[IR_MAX_RANK];
    LLVMValueRef yi = cg_i64(f, 0), xi = base;
    if (r == 0) {
        cg_loop l;
        cg_for_shared(f, &l, cg_i64(f, 0), cg_i64(f, 1), "one");
        cg_store(f, cg_load(f, f->in[0], xi), f->out, yi);
        cg_end(f, &l);
        return;
    }
    for (int k = 0; k < r; k++) {
        LLVMValueRef ext = cg_dim(f, y->dims[k]);
        LLVMValueRef iv = k ? cg_for(f, &loops[k], cg_i64(f, 0), ext, "i") : cg_for_shared(f, &loops[k], cg_i64(f, 0), ext, "i");
        yi = cg_add(f, cg_mul(f, yi, ext), iv);
        xi = cg_add(f, xi, cg_mul(f, iv, stride[k]));
    }
    cg_store(f, cg_load(f, f->in[0], xi), f->out, yi);
    for (int k = r - 1; k >= 0; k--) cg_end(f, &loops[k]);
}

/* The input's element strides. */
static void input_strides(cg_fn *f, LLVMValueRef *st) {
    const ir_value *x = cg_in_value(f, 0);
    LLVMValueRef step = cg_i64(f, 1);
    for (int i = x->rank - 1; i >= 0; i--) {
        st[i] = step;
        step = cg_mul(f, step, cg_dim(f, x->dims[i]));
    }
}

void emit_transpose(cg_fn *f) {
    LLVMValueRef sx[IR_MAX_RANK], st[IR_MAX_RANK];
    input_strides(f, sx);
    for (int k = 0; k < cg_out_value(f)->rank; k++) st[k] = sx[f->node->attrs.perm[k]];
    strided_copy(f, cg_i64(f, 0), st);
}

void emit_slice(cg_fn *f) {
    LLVMValueRef sx[IR_MAX_RANK], st[IR_MAX_RANK], base = cg_i64(f, 0);
    input_strides(f, sx);
    const ir_attrs *a = &f->node->attrs;
    for (int k = 0; k < cg_out_value(f)->rank; k++) {
        st[k] = cg_muli(f, sx[k], a->step[k]);
        base = cg_add(f, base, cg_muli(f, sx[k], a->start[k]));
    }
    strided_copy(f, base, st);
}

void emit_reshape(cg_fn *f) {
    const ir_value *y = cg_out_value(f);
    cg_loop l;
    LLVMValueRef i = cg_for_shared(f, &l, cg_i64(f, 0), cg_extent(f, y, 0, y->rank), "i");
    cg_store(f, cg_load(f, f->in[0], i), f->out, i);
    cg_end(f, &l);
}
