/* Shape rules, one per op, over extents with symbols (ir/dim.h). Shared by
 * shape inference and the verifier so both always agree. A rule that would
 * be exact only if a symbol's alignment grew says so in diag->need_sym and
 * need_factor: the importer grows it and imports again. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "ir.h"

#define FAIL(...) return ocrs_fail(diag, OCRS_ERR_INVALID, __VA_ARGS__)

static const ir_value *in_val(const ir_graph *g, const ir_node *n, uint32_t i) {
    return n->inputs[i] == IR_NONE ? NULL : &g->values[n->inputs[i]];
}

/* A failure for an arithmetic result that does not fit an extent (too many
 * terms, or overflow), or for a division needing a larger alignment. */
static ocrs_status inexact(const ir_graph *g, const ir_align_need *need, const char *what, const char *where,
                           ocrs_diag *diag) {
    if (need->sym >= 0 && diag) {
        diag->need_sym = need->sym;
        diag->need_factor = need->factor;
        return ocrs_fail(diag, OCRS_ERR_UNSUPPORTED, "%s: %s is exact only when %s is a multiple of %lld", where,
                         what, g->syms[need->sym].name, (long long)(g->syms[need->sym].align * need->factor));
    }
    return ocrs_fail(diag, OCRS_ERR_UNSUPPORTED, "%s: %s is not an extent ocrslim can represent", where, what);
}

/* out = floor((in + pads - dilation*(k-1) - 1) / stride) + 1 */
static ocrs_status conv_extent(const ir_graph *g, ir_dim in, int64_t k, int64_t s, int64_t d, int64_t pads,
                               ir_dim *out, const char *where, ocrs_diag *diag) {
    int64_t c = pads - d * (k - 1) - 1;
    ir_align_need need;
    if (!ir_dim_floordiv(in, c, s, out, &need) || !ir_dim_add_const(*out, 1, out))
        return inexact(g, &need, "the output extent of this stride", where, diag);
    if (ir_dim_static(in) && in.q + c < 0) FAIL("%s: kernel larger than the padded input", where);
    return OCRS_OK;
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
            ocrs_status st = conv_extent(g, x->dims[2 + i], k, s, d, pads, &o[2 + i], where, diag);
            if (st) return st;
            continue;
        }
        /* out = stride * (in - 1) + dilation * (k - 1) + 1 + output_padding - pads */
        if (a->output_padding[i] < 0 || a->output_padding[i] >= s)
            FAIL("%s: output_padding must be in [0, stride)", where);
        ir_align_need none = {-1, 0};
        if (!ir_dim_scale(x->dims[2 + i], s, &o[2 + i]) ||
            !ir_dim_add_const(o[2 + i], d * (k - 1) + 1 + a->output_padding[i] - pads - s, &o[2 + i]))
            return inexact(g, &none, "the output extent", where, diag);
    }
    return OCRS_OK;
}

static ocrs_status broadcast(const ir_graph *g, const ir_value *x, const ir_value *y, int *rank, ir_dim *o,
                             const char *where, ocrs_diag *diag) {
    int r = x->rank > y->rank ? x->rank : y->rank;
    for (int i = 0; i < r; i++) {
        int ix = i - (r - x->rank), iy = i - (r - y->rank);
        ir_dim a = ix >= 0 ? x->dims[ix] : ir_dim_const(1);
        ir_dim b = iy >= 0 ? y->dims[iy] : ir_dim_const(1);
        if (ir_dim_equal(a, b) || ir_dim_equal(b, ir_dim_const(1))) o[i] = a;
        else if (ir_dim_equal(a, ir_dim_const(1))) o[i] = b;
        else {
            char sa[64], sb[64];
            ir_format_dim(g, a, sa, sizeof sa);
            ir_format_dim(g, b, sb, sizeof sb);
            FAIL("%s: operands do not broadcast (axis %d: %s vs %s)", where, i, sa, sb);
        }
    }
    *rank = r;
    return OCRS_OK;
}

/* floor(in * scale) for a positive scale: exact when scale times every
 * non-constant coefficient is an integer (growing the alignment makes it
 * so when scale is a fraction of small denominator). */
static ocrs_status scale_extent(const ir_graph *g, ir_dim in, double s, ir_dim *out, const char *where,
                                ocrs_diag *diag) {
    *out = (ir_dim){.q = (int64_t)floor(s * (double)in.q), .nterms = in.nterms};
    for (int i = 0; i < in.nterms; i++) {
        double c = s * (double)in.t[i].coef;
        if (c != floor(c)) {
            ir_align_need need = {-1, 0};
            for (int s_ = 0; s_ < IR_MAX_SYMS && need.sym < 0; s_++)
                if (ir_mono_exp(in.t[i].mono, s_)) need.sym = s_;
            for (int64_t f = 2; f <= 64 && !need.factor; f++)
                if (s * (double)(in.t[i].coef * f) == floor(s * (double)(in.t[i].coef * f))) need.factor = f;
            if (!need.factor) need.sym = -1;
            return inexact(g, &need, "the scaled extent", where, diag);
        }
        out->t[i] = (ir_term){(int64_t)c, in.t[i].mono};
    }
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
        return broadcast(g, x, in_val(g, n, 1), rank_out, o, where, diag);
    case IR_OP_GlobalAveragePool:
        if (x->rank != 4) FAIL("%s: input must be 4-D NCHW", where);
        o[2] = o[3] = ir_dim_const(1);
        return OCRS_OK;
    case IR_OP_Resize:
        if (x->rank != 4) FAIL("%s: input must be 4-D NCHW", where);
        for (int i = 0; i < 2; i++) {
            double s = a->scale[i];
            if (!(s > 0) || !isfinite(s) || s > 64) FAIL("%s: scale %g out of range", where, s);
            ocrs_status st = scale_extent(g, x->dims[2 + i], s, &o[2 + i], where, diag);
            if (st) return st;
        }
        return OCRS_OK;
    case IR_OP_Concat: {
        int64_t axis = a->axis < 0 ? a->axis + x->rank : a->axis;
        if (axis < 0 || axis >= x->rank) FAIL("%s: axis %lld out of range", where, (long long)a->axis);
        ir_dim total = ir_dim_const(0);
        for (uint32_t i = 0; i < n->ninputs; i++) {
            const ir_value *v = in_val(g, n, i);
            if (!v || v->rank != x->rank) FAIL("%s: input %u has a different rank", where, i);
            for (int d = 0; d < x->rank; d++)
                if (d != axis && !ir_dim_equal(v->dims[d], x->dims[d]))
                    FAIL("%s: input %u differs from input 0 on axis %d", where, i, d);
            ir_align_need none = {-1, 0};
            if (!ir_dim_add(total, v->dims[axis], &total))
                return inexact(g, &none, "the concatenated extent", where, diag);
        }
        o[axis] = total;
        return OCRS_OK;
    }
    default:
        OCRS_ASSERT(ir_ops[n->op].flags & IR_F_UNARY);
        return OCRS_OK;
    }
}

ocrs_status ir_check_extents(const ir_graph *g, int rank, const ir_dim *dims, const char *where, ocrs_diag *diag) {
    int64_t numel = 1;
    for (int i = 0; i < rank; i++) {
        for (int t = 0; t < dims[i].nterms; t++)
            if (dims[i].t[t].coef < 0) FAIL("%s: axis %d shrinks as a symbol grows", where, i);
        int64_t lo, hi;
        bool fits = ir_dim_range(dims[i], g->syms, &lo, &hi);
        if (fits && lo < 1) {
            int s = -1;
            for (int k = 0; k < IR_MAX_SYMS && s < 0; k++)
                for (int t = 0; t < dims[i].nterms; t++)
                    if (ir_mono_exp(dims[i].t[t].mono, k)) s = k;
            if (s >= 0 && diag) diag->need_sym = s, diag->need_min = true;
            if (s < 0) FAIL("%s: axis %d is empty", where, i);
            FAIL("%s: axis %d is empty for %s = %lld (--dim %s=MIN:MAX with a larger MIN)", where, i, g->syms[s].name,
                 (long long)g->syms[s].min, g->syms[s].name);
        }
        if (!fits || hi > IR_MAX_EXTENT || __builtin_mul_overflow(numel, hi, &numel) || numel > IR_MAX_NUMEL) {
            char sizes[256] = "";
            for (int s = 0; s < g->nsyms; s++)
                snprintf(sizes + strlen(sizes), sizeof sizes - strlen(sizes), "%s%s=%lld", s ? ", " : "",
                         g->syms[s].name, (long long)g->syms[s].max);
            return ocrs_fail(diag, OCRS_ERR_UNSUPPORTED,
                             "%s: output too large (axis %d) at %s: at most %lld per axis and %lld elements are "
                             "supported (--dim bounds the symbols)",
                             where, i, sizes, (long long)IR_MAX_EXTENT, (long long)IR_MAX_NUMEL);
        }
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
        if (v && ir_check_extents(g, v->rank, v->dims, where, NULL) != OCRS_OK)
            FAIL("%s: input %u ('%s') has an extent out of range", where, i, v->name);
    }
    ocrs_status st = rule(g, n, where, rank_out, o, diag);
    return st ? st : ir_check_extents(g, *rank_out, o, where, diag);
}
