/* Shape rules, one per op, over affine extents (see ir.h). Shared by shape
 * inference and the verifier so both always agree. */
#include <math.h>
#include <string.h>

#include "ir.h"

static ir_dim norm(ir_dim d) {
    if (d.sym == IR_SYM_NONE || d.p == 0) return ir_dim_const(d.q);
    return d;
}

bool ir_dim_equal(ir_dim a, ir_dim b) {
    a = norm(a);
    b = norm(b);
    return a.sym == b.sym && a.p == b.p && a.q == b.q;
}

static int64_t floordiv(int64_t a, int64_t b) {
    int64_t q = a / b;
    return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

/* Smallest value the extent takes (H or W = IR_ALIGN). */
static int64_t dim_min(ir_dim d) { return d.sym == IR_SYM_NONE ? d.q : d.p + d.q; }

/* Largest value the extent takes (H or W = IR_MAX_SIZE); false on int64
 * overflow. */
static bool dim_max(ir_dim d, int64_t *out) {
    if (d.sym == IR_SYM_NONE) {
        *out = d.q;
        return true;
    }
    return !__builtin_mul_overflow(d.p, (int64_t)(IR_MAX_SIZE / IR_ALIGN), out) && !__builtin_add_overflow(*out, d.q, out);
}

#define FAIL(...) return ocrs_fail(diag, OCRS_ERR_INVALID, __VA_ARGS__)

/* out = floor((in + pads - dilation*(k-1) - 1) / stride) + 1, exact over all
 * H, W multiples of IR_ALIGN only when the stride divides the slope. */
static ocrs_status conv_extent(ir_dim in, int64_t k, int64_t s, int64_t d, int64_t pads, ir_dim *out,
                               const char *where, ocrs_diag *diag) {
    int64_t c = pads - d * (k - 1) - 1;
    in = norm(in);
    if (in.sym != IR_SYM_NONE && in.p % s != 0)
        return ocrs_fail(diag, OCRS_ERR_UNSUPPORTED,
                         "%s: stride %lld does not divide the input extent for every size that is a multiple of %d",
                         where, (long long)s, IR_ALIGN);
    *out = (ir_dim){in.sym == IR_SYM_NONE ? 0 : in.p / s, floordiv(in.q + c, s) + 1, in.sym};
    *out = norm(*out);
    if (in.sym == IR_SYM_NONE && in.q + c < 0) FAIL("%s: kernel larger than the padded input", where);
    if (dim_min(*out) < 1) FAIL("%s: output is empty for the smallest input (%d)", where, IR_ALIGN);
    return OCRS_OK;
}

static const ir_value *in_val(const ir_graph *g, const ir_node *n, uint32_t i) {
    return n->inputs[i] == IR_NONE ? NULL : &g->values[n->inputs[i]];
}

static ocrs_status conv_shape(const ir_graph *g, const ir_node *n, const char *where, ir_dim *o, ocrs_diag *diag) {
    const ir_value *x = in_val(g, n, 0), *w = in_val(g, n, 1), *b = n->ninputs > 2 ? in_val(g, n, 2) : NULL;
    const ir_attrs *a = &n->attrs;
    bool transpose = n->op == IR_OP_ConvTranspose;
    if (x->rank != 4) FAIL("%s: input must be 4-D NCHW, has rank %d", where, x->rank);
    if (w->rank != 4) FAIL("%s: weight must be 4-D, has rank %d", where, w->rank);
    for (int i = 0; i < 4; i++)
        if (!ir_dim_static(w->dims[i]) || w->dims[i].q <= 0) FAIL("%s: weight dims must be positive constants", where);
    if (!ir_dim_static(x->dims[1])) FAIL("%s: input channel count must be constant", where);
    int64_t cin = x->dims[1].q, group = a->group;
    if (group <= 0) FAIL("%s: group must be positive, is %lld", where, (long long)group);
    for (int i = 0; i < 2; i++) {
        if (a->stride[i] <= 0 || a->stride[i] > IR_MAX_STRIDE)
            FAIL("%s: stride must be in [1, %d], is %lld", where, IR_MAX_STRIDE, (long long)a->stride[i]);
        if (a->dilation[i] <= 0 || a->dilation[i] > IR_MAX_DILATION)
            FAIL("%s: dilation must be in [1, %d], is %lld", where, IR_MAX_DILATION, (long long)a->dilation[i]);
        if (a->kernel[i] <= 0 || a->kernel[i] > IR_MAX_KERNEL)
            FAIL("%s: kernel extent must be in [1, %d], is %lld", where, IR_MAX_KERNEL, (long long)a->kernel[i]);
        if (a->kernel[i] != w->dims[2 + i].q)
            FAIL("%s: kernel_shape %lld does not match weight extent %lld", where, (long long)a->kernel[i],
                 (long long)w->dims[2 + i].q);
    }
    for (int i = 0; i < 4; i++)
        if (a->pad[i] < 0 || a->pad[i] > IR_MAX_PAD) FAIL("%s: pad %lld out of range", where, (long long)a->pad[i]);
    if (cin % group) FAIL("%s: %lld input channels not divisible by group %lld", where, (long long)cin, (long long)group);
    int64_t cout;
    if (!transpose) {
        if (w->dims[1].q * group != cin)
            FAIL("%s: weight expects %lld input channels, input has %lld", where, (long long)(w->dims[1].q * group),
                 (long long)cin);
        cout = w->dims[0].q;
        if (cout % group) FAIL("%s: %lld output channels not divisible by group %lld", where, (long long)cout, (long long)group);
    } else {
        if (w->dims[0].q != cin)
            FAIL("%s: weight expects %lld input channels, input has %lld", where, (long long)w->dims[0].q, (long long)cin);
        cout = w->dims[1].q * group;
    }
    if (b && (b->rank != 1 || !ir_dim_equal(b->dims[0], ir_dim_const(cout))))
        FAIL("%s: bias must have %lld elements", where, (long long)cout);
    o[0] = x->dims[0];
    o[1] = ir_dim_const(cout);
    for (int i = 0; i < 2; i++) {
        int64_t k = a->kernel[i], s = a->stride[i], d = a->dilation[i], pads = a->pad[i] + a->pad[i + 2];
        if (!transpose) {
            ocrs_status st = conv_extent(x->dims[2 + i], k, s, d, pads, &o[2 + i], where, diag);
            if (st) return st;
        } else {
            ir_dim in = norm(x->dims[2 + i]);
            if (a->output_padding[i] < 0 || a->output_padding[i] >= s)
                FAIL("%s: output_padding must be in [0, stride)", where);
            int64_t c = d * (k - 1) + 1 + a->output_padding[i] - pads;
            o[2 + i] = norm((ir_dim){in.p * s, s * (in.q - 1) + c, in.sym});
            if (dim_min(o[2 + i]) < 1) FAIL("%s: output is empty", where);
        }
    }
    return OCRS_OK;
}

static ocrs_status broadcast(const ir_value *x, const ir_value *y, int *rank, ir_dim *o, const char *where,
                             ocrs_diag *diag) {
    int r = x->rank > y->rank ? x->rank : y->rank;
    for (int i = 0; i < r; i++) {
        int ix = i - (r - x->rank), iy = i - (r - y->rank);
        ir_dim a = ix >= 0 ? norm(x->dims[ix]) : ir_dim_const(1);
        ir_dim b = iy >= 0 ? norm(y->dims[iy]) : ir_dim_const(1);
        if (ir_dim_equal(a, b) || ir_dim_equal(b, ir_dim_const(1))) o[i] = a;
        else if (ir_dim_equal(a, ir_dim_const(1))) o[i] = b;
        else {
            char sa[48], sb[48];
            ir_dim_format(a, sa, sizeof sa);
            ir_dim_format(b, sb, sizeof sb);
            FAIL("%s: operands do not broadcast (axis %d: %s vs %s)", where, i, sa, sb);
        }
    }
    *rank = r;
    return OCRS_OK;
}

/* The output shape of node n by its op's rule. Every input extent lies in
 * [1, IR_MAX_EXTENT] and the attributes within their IR_MAX_* bounds, so no
 * intermediate overflows. */
static ocrs_status rule(const ir_graph *g, const ir_node *n, const char *where, int *rank_out, ir_dim o[IR_MAX_RANK],
                        ocrs_diag *diag) {
    const ir_value *x = in_val(g, n, 0);
    if (!x) FAIL("%s: missing input 0", where);
    for (uint32_t i = 0; i < n->ninputs; i++) {
        const ir_value *v = in_val(g, n, i);
        if (v && v->dtype != IR_F32) FAIL("%s: input %u ('%s') must be float32", where, i, v->name);
    }
    *rank_out = x->rank;
    memcpy(o, x->dims, sizeof(ir_dim) * IR_MAX_RANK);
    const ir_attrs *a = &n->attrs;
    switch (n->op) {
    case IR_OP_Conv:
    case IR_OP_ConvTranspose:
        *rank_out = 4;
        return conv_shape(g, n, where, o, diag);
    case IR_OP_BatchNormalization:
        if (x->rank < 2 || !ir_dim_static(x->dims[1])) FAIL("%s: input needs a constant channel axis", where);
        for (uint32_t i = 1; i < 5; i++) {
            const ir_value *p = in_val(g, n, i);
            if (!p || p->rank != 1 || !ir_dim_equal(p->dims[0], x->dims[1]))
                FAIL("%s: parameter %u must have %lld elements", where, i, (long long)x->dims[1].q);
        }
        return OCRS_OK;
    case IR_OP_Add:
    case IR_OP_Sub:
    case IR_OP_Mul:
    case IR_OP_Div:
        return broadcast(x, in_val(g, n, 1), rank_out, o, where, diag);
    case IR_OP_GlobalAveragePool:
        if (x->rank != 4) FAIL("%s: input must be 4-D NCHW", where);
        o[2] = o[3] = ir_dim_const(1);
        return OCRS_OK;
    case IR_OP_Resize:
        if (x->rank != 4) FAIL("%s: input must be 4-D NCHW", where);
        for (int i = 0; i < 2; i++) {
            ir_dim in = norm(x->dims[2 + i]);
            double s = a->scale[i], sp = s * (double)in.p;
            if (!(s > 0) || !isfinite(s) || s > 64) FAIL("%s: scale %g out of range", where, s);
            if (sp != floor(sp))
                return ocrs_fail(diag, OCRS_ERR_UNSUPPORTED,
                                 "%s: scale %g gives a fractional extent for some input sizes", where, s);
            o[2 + i] = norm((ir_dim){(int64_t)sp, (int64_t)floor(s * (double)in.q), in.sym});
            if (dim_min(o[2 + i]) < 1) FAIL("%s: output is empty", where);
        }
        return OCRS_OK;
    case IR_OP_Concat: {
        int64_t axis = a->axis < 0 ? a->axis + x->rank : a->axis;
        if (axis < 0 || axis >= x->rank) FAIL("%s: axis %lld out of range", where, (long long)a->axis);
        if (!ir_dim_static(x->dims[axis])) FAIL("%s: concatenation axis must be constant", where);
        int64_t total = 0;
        for (uint32_t i = 0; i < n->ninputs; i++) {
            const ir_value *v = in_val(g, n, i);
            if (!v || v->rank != x->rank) FAIL("%s: input %u has a different rank", where, i);
            for (int d = 0; d < x->rank; d++)
                if (d != axis && !ir_dim_equal(v->dims[d], x->dims[d]))
                    FAIL("%s: input %u differs from input 0 on axis %d", where, i, d);
            if (!ir_dim_static(v->dims[axis])) FAIL("%s: concatenation axis must be constant", where);
            total += v->dims[axis].q;
        }
        o[axis] = ir_dim_const(total);
        return OCRS_OK;
    }
    default:
        OCRS_ASSERT(ir_ops[n->op].flags & IR_F_UNARY);
        return OCRS_OK;
    }
}

/* Checks that every extent is at least 1 at the smallest input and at most
 * IR_MAX_EXTENT at the largest, and that the element count at the largest
 * stays within IR_MAX_NUMEL. */
static ocrs_status check_extents(int rank, const ir_dim *o, const char *where, ocrs_diag *diag) {
    int64_t numel = 1;
    for (int i = 0; i < rank; i++) {
        int64_t hi;
        if (o[i].sym != IR_SYM_NONE && o[i].p < 0) FAIL("%s: axis %d shrinks as the input grows", where, i);
        if (dim_min(o[i]) < 1) FAIL("%s: axis %d is empty for the smallest input", where, i);
        if (!dim_max(o[i], &hi) || hi > IR_MAX_EXTENT || __builtin_mul_overflow(numel, hi, &numel) ||
            numel > IR_MAX_NUMEL)
            return ocrs_fail(diag, OCRS_ERR_UNSUPPORTED,
                             "%s: output too large (axis %d) for an input of %dx%d: at most %lld per axis and %lld "
                             "elements are supported",
                             where, i, IR_MAX_SIZE, IR_MAX_SIZE, (long long)IR_MAX_EXTENT, (long long)IR_MAX_NUMEL);
    }
    return OCRS_OK;
}

ocrs_status ir_node_shape(const ir_graph *g, ir_id node, int *rank_out, ir_dim o[IR_MAX_RANK], ocrs_diag *diag) {
    char where[512], label[400];
    ir_node_label(g, node, label, sizeof label);
    snprintf(where, sizeof where, "%s: %s", g->source, label);
    const ir_node *n = &g->nodes[node];
    for (uint32_t i = 0; i < n->ninputs; i++) {
        const ir_value *v = in_val(g, n, i);
        if (v && check_extents(v->rank, v->dims, where, NULL) != OCRS_OK)
            FAIL("%s: input %u ('%s') has an extent out of range", where, i, v->name);
    }
    ocrs_status st = rule(g, n, where, rank_out, o, diag);
    return st ? st : check_extents(*rank_out, o, where, diag);
}
