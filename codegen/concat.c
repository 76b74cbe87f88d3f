/* Concat on any axis: each input is a block copy repeated over the axes
 * before the concatenation axis. */
#include "cg.h"

void emit_concat(cg_fn *f) {
    const ir_value *y = cg_out_value(f);
    int64_t axis = f->node->attrs.axis < 0 ? f->node->attrs.axis + y->rank : f->node->attrs.axis;
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
