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

/* out = floor((in + pads - dilation*(k-1) - 1) / stride) + 1; of an exact
 * symbol, a derived one (which the importer adds when it is missing). */
static ocrs_status conv_extent(const ir_graph *g, ir_dim in, int64_t k, int64_t s, int64_t d, int64_t pads,
                               ir_dim *out, const char *where, ocrs_diag *diag) {
    int64_t c = pads - d * (k - 1) - 1;
    ir_align_need need;
    ir_derive_need derive;
    bool divided = ir_dim_floordiv(in, c, s, out, &need) || ir_dim_derived_div(g->syms, g->nsyms, in, c, s, out, &derive);
    if (!divided && derive.base >= 0 && diag) {
        diag->need_derive = true;
        diag->derive_base = derive.base, diag->derive_coef = derive.bcoef;
        diag->derive_add = derive.badd, diag->derive_div = derive.bdiv;
        return ocrs_fail(diag, OCRS_ERR_UNSUPPORTED, "%s: the output extent of this stride needs a symbol floor((%s + %lld) / %lld)",
                         where, g->syms[derive.base].name, (long long)derive.badd, (long long)derive.bdiv);
    }
    if (!divided || !ir_dim_add_const(*out, 1, out))
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

/* ---- the rules, one per shape column of ops.def ------------------------------------ *
 * Each gets o and *rank preset to input 0's shape. */

typedef ocrs_status shape_fn(const ir_graph *g, const ir_node *n, const char *where, int *rank, ir_dim *o,
                             ocrs_diag *diag);

static ocrs_status shape_conv(const ir_graph *g, const ir_node *n, const char *where, int *rank, ir_dim *o,
                              ocrs_diag *diag) {
    *rank = 4;
    return conv_shape(g, n, where, o, diag);
}

static ocrs_status shape_batchnorm(const ir_graph *g, const ir_node *n, const char *where, int *rank, ir_dim *o,
                                   ocrs_diag *diag) {
    const ir_value *x = in_val(g, n, 0);
    if (x->rank < 2 || !ir_dim_static(x->dims[1])) FAIL("%s: input needs a constant channel axis", where);
    for (uint32_t i = 1; i < 5; i++) {
        const ir_value *p = in_val(g, n, i);
        if (!p || p->rank != 1 || !ir_dim_equal(p->dims[0], x->dims[1]))
            FAIL("%s: parameter %u must have %lld elements", where, i, (long long)x->dims[1].q);
    }
    return OCRS_OK;
}

static ocrs_status shape_same(const ir_graph *g, const ir_node *n, const char *where, int *rank, ir_dim *o,
                              ocrs_diag *diag) {
    return OCRS_OK;
}

static ocrs_status shape_broadcast(const ir_graph *g, const ir_node *n, const char *where, int *rank, ir_dim *o,
                                   ocrs_diag *diag) {
    return broadcast(g, in_val(g, n, 0), in_val(g, n, 1), rank, o, where, diag);
}

static ocrs_status shape_gap(const ir_graph *g, const ir_node *n, const char *where, int *rank, ir_dim *o,
                             ocrs_diag *diag) {
    if (*rank < 3) FAIL("%s: input must have a channel axis and a spatial one", where);
    for (int i = 2; i < *rank; i++) o[i] = ir_dim_const(1);
    return OCRS_OK;
}

static ocrs_status shape_resize(const ir_graph *g, const ir_node *n, const char *where, int *rank, ir_dim *o,
                                ocrs_diag *diag) {
    if (*rank != 4) FAIL("%s: input must be 4-D NCHW", where);
    for (int i = 0; i < 2; i++) {
        double s = n->attrs.scale[i];
        if (!(s > 0) || !isfinite(s) || s > 64) FAIL("%s: scale %g out of range", where, s);
        ocrs_status st = scale_extent(g, in_val(g, n, 0)->dims[2 + i], s, &o[2 + i], where, diag);
        if (st) return st;
    }
    return OCRS_OK;
}

static ocrs_status shape_concat(const ir_graph *g, const ir_node *n, const char *where, int *rank, ir_dim *o,
                                ocrs_diag *diag) {
    const ir_value *x = in_val(g, n, 0);
    int64_t axis = ir_axis(n, x->rank);
    if (axis < 0 || axis >= x->rank) FAIL("%s: axis %lld out of range", where, (long long)n->attrs.axis);
    ir_dim total = ir_dim_const(0);
    for (uint32_t i = 0; i < n->ninputs; i++) {
        const ir_value *v = in_val(g, n, i);
        if (!v || v->rank != x->rank) FAIL("%s: input %u has a different rank", where, i);
        for (int d = 0; d < x->rank; d++)
            if (d != axis && !ir_dim_equal(v->dims[d], x->dims[d]))
                FAIL("%s: input %u differs from input 0 on axis %d", where, i, d);
        ir_align_need none = {-1, 0};
        if (!ir_dim_add(total, v->dims[axis], &total)) return inexact(g, &none, "the concatenated extent", where, diag);
    }
    o[axis] = total;
    return OCRS_OK;
}

/* MaxPool, AveragePool: out = floor or ceil((in + pads - dilation*(k-1) - 1)
 * / stride) + 1; in ceil mode a last window starting past the input and its
 * leading pad is dropped, as ONNX Runtime does. */
static ocrs_status shape_pool(const ir_graph *g, const ir_node *n, const char *where, int *rank, ir_dim *o,
                              ocrs_diag *diag) {
    const ir_attrs *a = &n->attrs;
    const ir_value *x = in_val(g, n, 0);
    if (*rank != 4) FAIL("%s: input must be 4-D NCHW, has rank %d", where, *rank);
    for (int i = 0; i < 2; i++) {
        if (a->kernel[i] <= 0 || a->kernel[i] > IR_MAX_KERNEL || a->stride[i] <= 0 || a->stride[i] > IR_MAX_STRIDE ||
            a->dilation[i] <= 0 || a->dilation[i] > IR_MAX_DILATION)
            FAIL("%s: kernel, stride or dilation out of range", where);
        if (n->op == IR_OP_AveragePool && a->dilation[i] != 1) FAIL("%s: AveragePool takes no dilation", where);
    }
    for (int i = 0; i < 4; i++)
        if (a->pad[i] < 0 || a->pad[i] > IR_MAX_PAD || a->pad[i] >= a->kernel[i % 2] * a->dilation[i % 2])
            FAIL("%s: pad %lld out of range (it must be smaller than the kernel's extent)", where, (long long)a->pad[i]);
    for (int i = 0; i < 2; i++) {
        int64_t k = a->kernel[i], s = a->stride[i], d = a->dilation[i], pads = a->pad[i] + a->pad[i + 2];
        ir_dim in = x->dims[2 + i];
        if (!a->ceil_mode) {
            ocrs_status st = conv_extent(g, in, k, s, d, pads, &o[2 + i], where, diag);
            if (st) return st;
            continue;
        }
        /* ceil((in + c) / s) + 1 = floor((in + c + s - 1) / s) + 1 */
        int64_t c = pads - d * (k - 1) - 1;
        ir_align_need need;
        if (!ir_dim_floordiv(in, c + s - 1, s, &o[2 + i], &need) || !ir_dim_add_const(o[2 + i], 1, &o[2 + i]))
            return inexact(g, &need, "the output extent of this stride", where, diag);
        if (ir_dim_static(in) && in.q + c < 0) FAIL("%s: kernel larger than the padded input", where);
        /* (out - 1) * stride - in - pad_begin no longer depends on the
         * symbols (the alignment made out's terms in's over stride). */
        ir_dim last;
        if (!ir_dim_add_const(o[2 + i], -1, &last) || !ir_dim_scale(last, s, &last) || !ir_dim_sub(last, in, &last))
            return inexact(g, &need, "the last window", where, diag);
        OCRS_ASSERT(ir_dim_static(last));
        if (last.q >= a->pad[i]) (void)ir_dim_add_const(o[2 + i], -1, &o[2 + i]);
    }
    return OCRS_OK;
}

/* MatMul: [..., M, K] x [..., K, N] -> [..., M, N], the batch axes
 * broadcast; a 1-D operand is a row (A) or a column (B) whose axis goes
 * again. Input 2, when there, is a bias of N elements (fused by
 * passes/fuse_matmul_bias.c). */
static ocrs_status shape_matmul(const ir_graph *g, const ir_node *n, const char *where, int *rank, ir_dim *o,
                                ocrs_diag *diag) {
    const ir_value *a = in_val(g, n, 0), *b = in_val(g, n, 1);
    if (a->rank < 1 || b->rank < 1) FAIL("%s: operands must have at least one axis", where);
    ir_dim ka = a->dims[a->rank - 1], kb = b->dims[b->rank >= 2 ? b->rank - 2 : 0];
    if (!ir_dim_equal(ka, kb)) {
        char sa[64], sb[64];
        ir_format_dim(g, ka, sa, sizeof sa);
        ir_format_dim(g, kb, sb, sizeof sb);
        FAIL("%s: inner extents differ (%s vs %s)", where, sa, sb);
    }
    /* The batch axes: everything but the last two (one for a 1-D operand). */
    ir_value ba = {.rank = a->rank > 2 ? a->rank - 2 : 0}, bb = {.rank = b->rank > 2 ? b->rank - 2 : 0};
    memcpy(ba.dims, a->dims, sizeof(ir_dim) * (size_t)ba.rank);
    memcpy(bb.dims, b->dims, sizeof(ir_dim) * (size_t)bb.rank);
    int r;
    ocrs_status st = broadcast(g, &ba, &bb, &r, o, where, diag);
    if (st) return st;
    if (a->rank >= 2) o[r++] = a->dims[a->rank - 2];
    if (b->rank >= 2) o[r++] = b->dims[b->rank - 1];
    if (r > IR_MAX_RANK) FAIL("%s: output rank above %d", where, IR_MAX_RANK);
    *rank = r;
    const ir_value *bias = n->ninputs > 2 ? in_val(g, n, 2) : NULL;
    if (bias && (b->rank < 2 || bias->rank != 1 || !ir_dim_equal(bias->dims[0], b->dims[b->rank - 1])))
        FAIL("%s: the bias must be a vector of the output's last extent", where);
    return OCRS_OK;
}

/* Softmax over a run of adjacent axes (bits of attrs.axes): the last from
 * some axis on (opset < 13 flattens them) or any single one. */
static ocrs_status shape_softmax(const ir_graph *g, const ir_node *n, const char *where, int *rank, ir_dim *o,
                                 ocrs_diag *diag) {
    uint64_t m = (uint64_t)n->attrs.axes;
    if (!m || m >> *rank) FAIL("%s: softmax axes out of range", where);
    uint64_t low = m & -m;
    if ((m + low) & m) FAIL("%s: softmax axes must be adjacent", where);
    return OCRS_OK;
}

/* ReduceMean over the axes of attrs.axes, kept as 1s with keepdims. */
static ocrs_status shape_reduce(const ir_graph *g, const ir_node *n, const char *where, int *rank, ir_dim *o,
                                ocrs_diag *diag) {
    uint64_t m = (uint64_t)n->attrs.axes;
    if (!m || m >> *rank) FAIL("%s: axes out of range", where);
    int r = 0;
    for (int i = 0; i < *rank; i++) {
        if (!(m >> i & 1)) o[r++] = o[i];
        else if (n->attrs.keepdims) o[r++] = ir_dim_const(1);
    }
    *rank = r;
    return OCRS_OK;
}

/* LayerNorm over axes [axis, rank): scale and bias broadcast to them. */
static ocrs_status shape_layernorm(const ir_graph *g, const ir_node *n, const char *where, int *rank, ir_dim *o,
                                   ocrs_diag *diag) {
    const ir_value *x = in_val(g, n, 0);
    int64_t axis = ir_axis(n, x->rank);
    if (axis < 0 || axis >= x->rank) FAIL("%s: axis %lld out of range", where, (long long)n->attrs.axis);
    if (!(n->attrs.epsilon >= 0)) FAIL("%s: epsilon must not be negative", where);
    for (uint32_t k = 1; k < n->ninputs; k++) {
        const ir_value *p = in_val(g, n, k);
        if (!p) continue;
        if (p->rank > x->rank - axis) FAIL("%s: input %u has more axes than the normalised ones", where, k);
        /* Leading 1s, then the trailing normalised extents: element j of
         * the normalised run reads element j modulo the input's size. */
        bool started = false;
        for (int i = 0; i < p->rank; i++) {
            ir_dim d = p->dims[i], xd = x->dims[x->rank - p->rank + i];
            started |= !ir_dim_equal(d, ir_dim_const(1));
            if (started && !ir_dim_equal(d, xd))
                FAIL("%s: input %u does not broadcast to the normalised axes as 1s then their trailing extents",
                     where, k);
        }
    }
    return OCRS_OK;
}

static ocrs_status shape_transpose(const ir_graph *g, const ir_node *n, const char *where, int *rank, ir_dim *o,
                                   ocrs_diag *diag) {
    const ir_value *x = in_val(g, n, 0);
    bool seen[IR_MAX_RANK] = {false};
    for (int i = 0; i < x->rank; i++) {
        int64_t p = n->attrs.perm[i];
        if (p < 0 || p >= x->rank || seen[p]) FAIL("%s: perm is not a permutation of the %d axes", where, x->rank);
        seen[p] = true;
        o[i] = x->dims[p];
    }
    return OCRS_OK;
}

/* The output of Slice and Reshape is not a function of the input alone (the
 * importer computed it from the op's constant inputs): their rules check
 * the stored output against the input. */
static const ir_value *stored_output(const ir_graph *g, const ir_node *n, int *rank, ir_dim *o) {
    const ir_value *y = &g->values[n->output];
    *rank = y->rank;
    memcpy(o, y->dims, sizeof(ir_dim) * IR_MAX_RANK);
    return y;
}

/* Slice: output element i of each axis is input element start + i * step,
 * inside the input for every value of the symbols (a symbolic axis is taken
 * whole, or for a fixed extent within its smallest value). */
static ocrs_status shape_slice(const ir_graph *g, const ir_node *n, const char *where, int *rank, ir_dim *o,
                               ocrs_diag *diag) {
    const ir_value *x = in_val(g, n, 0), *y = stored_output(g, n, rank, o);
    if (y->rank != x->rank) FAIL("%s: the output's rank differs from the input's", where);
    for (int i = 0; i < x->rank; i++) {
        int64_t start = n->attrs.start[i], step = n->attrs.step[i], lo, hi;
        ir_dim in = x->dims[i], out = y->dims[i];
        if (!step) FAIL("%s: step 0 on axis %d", where, i);
        if (ir_dim_equal(in, out) && start == 0 && step == 1) continue;
        if (!ir_dim_static(out) || out.q < 1) FAIL("%s: axis %d: a part of a symbolic extent must be fixed", where, i);
        if (!ir_dim_range(in, g->syms, &lo, &hi)) FAIL("%s: axis %d out of range", where, i);
        int64_t last = start + (out.q - 1) * step;
        if (start < 0 || last < 0 || start >= lo || last >= lo)
            FAIL("%s: axis %d: elements %lld to %lld are not all inside the input", where, i, (long long)start,
                 (long long)last);
    }
    return OCRS_OK;
}

/* Whether a[0..na) and b[0..nb) have the same product for every value of
 * the symbols: equal extents cancel, the rest multiply out. */
static bool same_numel(const ir_dim *a, int na, const ir_dim *b, int nb) {
    bool used[IR_MAX_RANK] = {false};
    ir_dim pa = ir_dim_const(1), pb = ir_dim_const(1);
    for (int i = 0; i < na; i++) {
        int j = 0;
        while (j < nb && (used[j] || !ir_dim_equal(a[i], b[j]))) j++;
        if (j < nb) used[j] = true;
        else if (!ir_dim_mul(pa, a[i], &pa)) return false;
    }
    for (int j = 0; j < nb; j++)
        if (!used[j] && !ir_dim_mul(pb, b[j], &pb)) return false;
    return ir_dim_equal(pa, pb);
}

static ocrs_status shape_reshape(const ir_graph *g, const ir_node *n, const char *where, int *rank, ir_dim *o,
                                 ocrs_diag *diag) {
    const ir_value *x = in_val(g, n, 0), *y = stored_output(g, n, rank, o);
    if (!same_numel(x->dims, x->rank, y->dims, y->rank)) FAIL("%s: the output's element count differs", where);
    return OCRS_OK;
}

static shape_fn *const rules[IR_OP_COUNT] = {
#define OP(id, name, min_in, max_in, flags, attrs, shape, interp, emit, flops, chan) [IR_OP_##id] = shape_##shape,
#include "ops.def"
#undef OP
};

/* The output shape of node n by its op's rule, after checks every op
 * shares: float inputs, attributes the op does not use at their defaults. */
static ocrs_status rule(const ir_graph *g, const ir_node *n, const char *where, int *rank_out, ir_dim o[IR_MAX_RANK],
                        ocrs_diag *diag) {
    const ir_value *x = in_val(g, n, 0);
    if (!x) FAIL("%s: missing input 0", where);
    for (uint32_t i = 0; i < n->ninputs; i++) {
        const ir_value *v = in_val(g, n, i);
        if (v && v->dtype != IR_F32) FAIL("%s: input %u ('%s') must be float32", where, i, v->name);
    }
    for (int id = 0; id < IR_ATTR_COUNT; id++)
        if (!(ir_ops[n->op].attrs & 1u << id) && !ir_attr_is_default(&n->attrs, id))
            FAIL("%s: has an attribute the op does not take (#%d)", where, id);
    *rank_out = x->rank;
    memcpy(o, x->dims, sizeof(ir_dim) * IR_MAX_RANK);
    return rules[n->op](g, n, where, rank_out, o, diag);
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
    /* Computed aside: callers pass the output value's own rank and dims,
     * which the rules of Slice and Reshape read as the stored output. */
    int rank;
    ir_dim dims[IR_MAX_RANK];
    ocrs_status st = rule(g, n, where, &rank, dims, diag);
    if (!st) st = ir_check_extents(g, rank, dims, where, diag);
    if (st) return st;
    *rank_out = rank;
    memcpy(o, dims, sizeof dims);
    return OCRS_OK;
}
