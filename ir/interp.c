/* Reference interpreter: every op as a plain loop nest over NCHW float data.
 *
 * It is the oracle the passes and the code generator are checked against, so
 * each kernel follows the op's definition directly and keeps a fixed
 * summation order:
 *  - Conv and ConvTranspose accumulate in double, starting from the bias and
 *    adding input channel by input channel, then kernel row, then kernel
 *    column; the sum is rounded to float once, then the fused activation is
 *    applied (ir_act_apply).
 *  - BatchNormalization and GlobalAveragePool compute in double and round once.
 *  - Elementwise binary ops compute in float, as ONNX defines them.
 *  - Resize maps output to input coordinates in double.
 * Buffers are malloc'ed per value and freed right after their last reader.
 * ir_interp_run verifies the graph first: the kernels trust stored shapes. */
#include "interp.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    int rank;
    int64_t d[IR_MAX_RANK];
} shape;

static int64_t numel(const shape *s) {
    int64_t n = 1;
    for (int i = 0; i < s->rank; i++) n *= s->d[i];
    return n;
}

static shape value_shape(const ir_value *v, const int64_t *units) {
    shape s = {v->rank, {0}};
    for (int i = 0; i < v->rank; i++) s.d[i] = ir_dim_eval(v->dims[i], units);
    return s;
}

/* ---- kernels -------------------------------------------------------------- */

/* x: [N, C, IH, IW], w: [M, C/group, KH, KW], b: [M] or NULL, y: [N, M, OH, OW]. */
static void conv(const ir_attrs *a, const float *x, shape xs, const float *w, shape ws, const float *b, float *y,
                 shape ys, double *acc) {
    int64_t n_ = xs.d[0], c_ = xs.d[1], ih_ = xs.d[2], iw_ = xs.d[3];
    int64_t m_ = ws.d[0], cg = ws.d[1], kh = ws.d[2], kw = ws.d[3];
    int64_t oh_ = ys.d[2], ow_ = ys.d[3], mg = m_ / a->group;
    for (int64_t n = 0; n < n_; n++)
        for (int64_t m = 0; m < m_; m++) {
            int64_t c0 = (m / mg) * cg; /* first input channel of m's group */
            for (int64_t oh = 0; oh < oh_; oh++) {
                /* acc: [OW], one output row; per element the order is c, ky, kx */
                for (int64_t ow = 0; ow < ow_; ow++) acc[ow] = b ? b[m] : 0.0;
                for (int64_t c = 0; c < cg; c++)
                    for (int64_t ky = 0; ky < kh; ky++) {
                        int64_t ih = oh * a->stride[0] - a->pad[0] + ky * a->dilation[0];
                        if (ih < 0 || ih >= ih_) continue;
                        const float *xrow = x + ((n * c_ + c0 + c) * ih_ + ih) * iw_;
                        for (int64_t kx = 0; kx < kw; kx++) {
                            double wv = w[((m * cg + c) * kh + ky) * kw + kx];
                            /* The outputs whose input column lies inside the row, so the
                             * loop has no branch (the calibration runs spend their time here). */
                            int64_t s = a->stride[1], off = kx * a->dilation[1] - a->pad[1];
                            int64_t lo = off >= 0 ? 0 : (-off + s - 1) / s;
                            int64_t hi = iw_ - 1 - off < 0 ? 0 : (iw_ - 1 - off) / s + 1;
                            if (hi > ow_) hi = ow_;
                            if (s == 1)
                                for (int64_t ow = lo; ow < hi; ow++) acc[ow] += (double)xrow[ow + off] * wv;
                            else
                                for (int64_t ow = lo; ow < hi; ow++) acc[ow] += (double)xrow[ow * s + off] * wv;
                        }
                    }
                float *yrow = y + ((n * m_ + m) * oh_ + oh) * ow_;
                for (int64_t ow = 0; ow < ow_; ow++) yrow[ow] = ir_conv_epilogue(a, (float)acc[ow]);
            }
        }
}

/* x: [N, C, IH, IW], w: [C, M/group, KH, KW], b: [M] or NULL, y: [N, M, OH, OW].
 * Input pixel ih meets kernel row ky at output row ih*stride - pad + ky*dilation;
 * each output gathers the (ih, ky) pairs that land on it. */
static void conv_transpose(const ir_attrs *a, const float *x, shape xs, const float *w, shape ws, const float *b,
                           float *y, shape ys) {
    int64_t n_ = xs.d[0], c_ = xs.d[1], ih_ = xs.d[2], iw_ = xs.d[3];
    int64_t mg = ws.d[1], kh = ws.d[2], kw = ws.d[3];
    int64_t m_ = ys.d[1], oh_ = ys.d[2], ow_ = ys.d[3], cg = c_ / a->group;
    for (int64_t n = 0; n < n_; n++)
        for (int64_t m = 0; m < m_; m++) {
            int64_t c0 = (m / mg) * cg, j = m % mg;
            for (int64_t oh = 0; oh < oh_; oh++)
                for (int64_t ow = 0; ow < ow_; ow++) {
                    double acc = b ? b[m] : 0.0;
                    for (int64_t c = c0; c < c0 + cg; c++)
                        for (int64_t ky = 0; ky < kh; ky++) {
                            int64_t th = oh + a->pad[0] - ky * a->dilation[0];
                            if (th < 0 || th % a->stride[0] || th / a->stride[0] >= ih_) continue;
                            int64_t ih = th / a->stride[0];
                            for (int64_t kx = 0; kx < kw; kx++) {
                                int64_t tw = ow + a->pad[1] - kx * a->dilation[1];
                                if (tw < 0 || tw % a->stride[1] || tw / a->stride[1] >= iw_) continue;
                                int64_t iw = tw / a->stride[1];
                                acc += (double)x[((n * c_ + c) * ih_ + ih) * iw_ + iw] *
                                       (double)w[((c * mg + j) * kh + ky) * kw + kx];
                            }
                        }
                    y[((n * m_ + m) * oh_ + oh) * ow_ + ow] = ir_conv_epilogue(a, (float)acc);
                }
        }
}

/* Parameters are [C] along axis 1. */
static void batch_norm(float epsilon, const float *x, shape xs, const float *scale, const float *bias,
                       const float *mean, const float *var, float *y) {
    int64_t outer = xs.d[0], c_ = xs.d[1], inner = numel(&xs) / (outer * c_);
    for (int64_t n = 0; n < outer; n++)
        for (int64_t c = 0; c < c_; c++) {
            double s = (double)scale[c] / sqrt((double)var[c] + (double)epsilon);
            for (int64_t i = 0; i < inner; i++) {
                int64_t k = (n * c_ + c) * inner + i;
                y[k] = (float)(s * ((double)x[k] - (double)mean[c]) + (double)bias[c]);
            }
        }
}

/* Element strides of s seen with the output's rank r (aligned to the
 * right), 0 on axes that broadcast (extent 1 where the output's is larger). */
static void broadcast_strides(shape s, shape ys, int64_t *st) {
    int64_t step = 1;
    for (int i = ys.rank - 1; i >= 0; i--) {
        int j = i - (ys.rank - s.rank);
        int64_t d = j >= 0 ? s.d[j] : 1;
        st[i] = d == 1 && ys.d[i] != 1 ? 0 : step;
        step *= d;
    }
}

static void binary(ir_op op, const float *a, shape as, const float *b, shape bs, float *y, shape ys) {
    int64_t sa[IR_MAX_RANK], sb[IR_MAX_RANK], idx[IR_MAX_RANK] = {0}, n = numel(&ys);
    broadcast_strides(as, ys, sa);
    broadcast_strides(bs, ys, sb);
    int64_t ia = 0, ib = 0;
    for (int64_t k = 0; k < n; k++) {
        y[k] = ir_binary_apply(op, a[ia], b[ib]);
        /* next index, last axis fastest */
        for (int i = ys.rank - 1; i >= 0; i--) {
            ia += sa[i], ib += sb[i];
            if (++idx[i] < ys.d[i]) break;
            ia -= sa[i] * ys.d[i], ib -= sb[i] * ys.d[i];
            idx[i] = 0;
        }
    }
}

static void global_average_pool(const float *x, shape xs, float *y) {
    int64_t planes = xs.d[0] * xs.d[1], hw = xs.d[2] * xs.d[3];
    for (int64_t p = 0; p < planes; p++) {
        double sum = 0;
        for (int64_t i = 0; i < hw; i++) sum += x[p * hw + i];
        y[p] = (float)(sum / (double)hw);
    }
}

/* Input index read by output index o along one axis, as ONNX Resize (mode
 * nearest) defines it: coordinate transformation, then nearest rounding,
 * then clamping to the input. */
static int64_t resize_source(const ir_attrs *a, float scale, int64_t o, int64_t in, int64_t out) {
    double x = 0;
    switch (a->coord) {
    case IR_COORD_ASYMMETRIC: x = (double)o / scale; break;
    case IR_COORD_HALF_PIXEL: x = ((double)o + 0.5) / scale - 0.5; break;
    case IR_COORD_PYTORCH_HALF_PIXEL: x = out > 1 ? ((double)o + 0.5) / scale - 0.5 : 0.0; break;
    case IR_COORD_ALIGN_CORNERS: x = out > 1 ? (double)o * (double)(in - 1) / (double)(out - 1) : 0.0; break;
    }
    double r = 0;
    switch (a->nearest) {
    case IR_NEAREST_FLOOR: r = floor(x); break;
    case IR_NEAREST_CEIL: r = ceil(x); break;
    case IR_NEAREST_ROUND_PREFER_FLOOR: r = ceil(x - 0.5); break; /* ties go down */
    case IR_NEAREST_ROUND_PREFER_CEIL: r = floor(x + 0.5); break; /* ties go up */
    }
    if (r < 0) return 0;
    if (r > (double)(in - 1)) return in - 1;
    return (int64_t)r;
}

static ocrs_status resize(const ir_attrs *a, const float *x, shape xs, float *y, shape ys, ocrs_diag *diag) {
    int64_t planes = xs.d[0] * xs.d[1], ih_ = xs.d[2], iw_ = xs.d[3], oh_ = ys.d[2], ow_ = ys.d[3];
    int64_t *src_w = malloc(sizeof(int64_t) * (size_t)ow_); /* [OW]: input column of each output column */
    if (!src_w) return ocrs_fail(diag, OCRS_ERR_NOMEM, "interpreter: out of memory");
    for (int64_t ow = 0; ow < ow_; ow++) src_w[ow] = resize_source(a, a->scale[1], ow, iw_, ow_);
    for (int64_t p = 0; p < planes; p++)
        for (int64_t oh = 0; oh < oh_; oh++) {
            const float *xrow = x + (p * ih_ + resize_source(a, a->scale[0], oh, ih_, oh_)) * iw_;
            for (int64_t ow = 0; ow < ow_; ow++) y[(p * oh_ + oh) * ow_ + ow] = xrow[src_w[ow]];
        }
    free(src_w);
    return OCRS_OK;
}

static void concat(int64_t axis, uint32_t n, const float *const *in, const shape *ins, float *y, shape ys) {
    int64_t outer = 1, inner = 1;
    for (int64_t i = 0; i < axis; i++) outer *= ys.d[i];
    for (int64_t i = axis + 1; i < ys.rank; i++) inner *= ys.d[i];
    for (int64_t o = 0; o < outer; o++)
        for (uint32_t k = 0; k < n; k++) {
            int64_t block = ins[k].d[axis] * inner;
            memcpy(y, in[k] + o * block, sizeof(float) * (size_t)block);
            y += block;
        }
}

/* ---- the new op families ----------------------------------------------------------- */

/* Row-major strides of s. */
static void strides(shape s, int64_t *st) {
    int64_t step = 1;
    for (int i = s.rank - 1; i >= 0; i--) st[i] = step, step *= s.d[i];
}

/* MaxPool and AveragePool over NCHW planes, windows clipped to the input
 * (padding never wins a max); AveragePool divides by the window's elements
 * inside the input, or with count_include_pad by those inside the padded
 * input, as ONNX Runtime does. */
static void pool(const ir_node *n, const float *x, shape xs, float *y, shape ys) {
    const ir_attrs *a = &n->attrs;
    bool avg = n->op == IR_OP_AveragePool;
    int64_t planes = xs.d[0] * xs.d[1], ih = xs.d[2], iw = xs.d[3], oh = ys.d[2], ow = ys.d[3];
    for (int64_t p = 0; p < planes; p++)
        for (int64_t oy = 0; oy < oh; oy++)
            for (int64_t ox = 0; ox < ow; ox++) {
                int64_t y0 = oy * a->stride[0] - a->pad[0], x0 = ox * a->stride[1] - a->pad[1];
                double sum = 0, best = -INFINITY;
                int64_t count = 0;
                for (int64_t ky = 0; ky < a->kernel[0]; ky++)
                    for (int64_t kx = 0; kx < a->kernel[1]; kx++) {
                        int64_t yy = y0 + ky * a->dilation[0], xx = x0 + kx * a->dilation[1];
                        if (yy < 0 || yy >= ih || xx < 0 || xx >= iw) continue;
                        double v = x[(p * ih + yy) * iw + xx];
                        sum += v;
                        best = v > best || isnan(v) ? v : best;
                        count++;
                    }
                if (avg && a->count_include_pad) {
                    int64_t y1 = y0 + a->kernel[0], x1 = x0 + a->kernel[1];
                    if (y1 > ih + a->pad[2]) y1 = ih + a->pad[2];
                    if (x1 > iw + a->pad[3]) x1 = iw + a->pad[3];
                    count = (y1 - y0) * (x1 - x0);
                }
                y[(p * oh + oy) * ow + ox] = (float)(avg ? sum / (double)count : best);
            }
}

/* C[..., M, N] = A[..., M, K] B[..., K, N] (batch axes broadcast; a 1-D
 * operand a row or a column), summed in double in order of k; then the bias,
 * added in float as the Add it replaces. */
static void matmul(const float *a, shape as, const float *b, shape bs, const float *bias, float *y, shape ys) {
    int64_t k_ = as.d[as.rank - 1], m_ = as.rank >= 2 ? as.d[as.rank - 2] : 1, n_ = bs.rank >= 2 ? bs.d[bs.rank - 1] : 1;
    /* The batch axes of the output and each operand's strides over them. */
    int nb = ys.rank - (as.rank >= 2) - (bs.rank >= 2);
    shape batch = {nb, {0}}, ab = {as.rank > 2 ? as.rank - 2 : 0, {0}}, bb = {bs.rank > 2 ? bs.rank - 2 : 0, {0}};
    memcpy(batch.d, ys.d, sizeof(int64_t) * (size_t)nb);
    memcpy(ab.d, as.d, sizeof(int64_t) * (size_t)ab.rank);
    memcpy(bb.d, bs.d, sizeof(int64_t) * (size_t)bb.rank);
    int64_t sa[IR_MAX_RANK], sb[IR_MAX_RANK], idx[IR_MAX_RANK] = {0}, nbatch = numel(&batch);
    broadcast_strides(ab, batch, sa);
    broadcast_strides(bb, batch, sb);
    int64_t ia = 0, ib = 0;
    for (int64_t t = 0; t < nbatch; t++) {
        const float *pa = a + ia * m_ * k_, *pb = b + ib * k_ * n_;
        float *py = y + t * m_ * n_;
        for (int64_t i = 0; i < m_; i++)
            for (int64_t j = 0; j < n_; j++) {
                double acc = 0;
                for (int64_t k = 0; k < k_; k++) acc += (double)pa[i * k_ + k] * (double)pb[k * n_ + j];
                py[i * n_ + j] = bias ? (float)acc + bias[j] : (float)acc;
            }
        for (int i = nb - 1; i >= 0; i--) {
            ia += sa[i], ib += sb[i];
            if (++idx[i] < batch.d[i]) break;
            ia -= sa[i] * batch.d[i], ib -= sb[i] * batch.d[i];
            idx[i] = 0;
        }
    }
}

/* The reduced axes (a bit per axis, adjacent) as outer x len x inner. */
static void reduced_run(shape xs, int64_t axes, int64_t *outer, int64_t *len, int64_t *inner) {
    *outer = *len = *inner = 1;
    int first = __builtin_ctzll((uint64_t)axes), last = 63 - __builtin_clzll((uint64_t)axes);
    for (int i = 0; i < xs.rank; i++) *(i < first ? outer : i <= last ? len : inner) *= xs.d[i];
}

/* exp(x - max) / sum over the axes, in double. */
static void softmax(const ir_node *n, const float *x, shape xs, float *y) {
    int64_t outer, len, inner;
    reduced_run(xs, n->attrs.axes, &outer, &len, &inner);
    for (int64_t o = 0; o < outer; o++)
        for (int64_t i = 0; i < inner; i++) {
            const float *px = x + o * len * inner + i;
            float *py = y + o * len * inner + i;
            double m = -INFINITY, sum = 0;
            for (int64_t k = 0; k < len; k++) m = fmax(m, px[k * inner]);
            for (int64_t k = 0; k < len; k++) sum += exp((double)px[k * inner] - m);
            for (int64_t k = 0; k < len; k++) py[k * inner] = (float)(exp((double)px[k * inner] - m) / sum);
        }
}

/* The mean over the axes of attrs.axes (any set), summed in double. */
static void reduce_mean(const ir_node *n, const float *x, shape xs, float *y, shape ys) {
    int64_t st[IR_MAX_RANK], idx[IR_MAX_RANK] = {0}, count = 1, total = numel(&xs), ny = numel(&ys);
    /* The output element of each input element: its index with the reduced
     * axes dropped (or at 0). */
    shape kept = {0, {0}};
    for (int i = 0; i < xs.rank; i++)
        if (n->attrs.axes >> i & 1) count *= xs.d[i];
        else kept.d[kept.rank++] = xs.d[i];
    strides(kept, st);
    double *acc = calloc((size_t)ny, sizeof *acc);
    OCRS_ASSERT(acc || !ny);
    for (int64_t k = 0; k < total; k++) {
        int64_t o = 0;
        for (int i = 0, j = 0; i < xs.rank; i++)
            if (!(n->attrs.axes >> i & 1)) o += idx[i] * st[j++];
        acc[o] += x[k];
        for (int i = xs.rank - 1; i >= 0 && ++idx[i] == xs.d[i]; i--) idx[i] = 0;
    }
    for (int64_t o = 0; o < ny; o++) y[o] = (float)(acc[o] / (double)count);
    free(acc);
}

/* (x - mean) / sqrt(variance + epsilon) * scale + bias over axes [axis, rank),
 * the statistics in double. */
static void layernorm(const ir_node *n, const float *x, shape xs, const float *scale, shape ss, const float *bias,
                      shape bs, float *y) {
    int64_t axis = ir_axis(n, xs.rank), outer = 1, len = 1;
    for (int i = 0; i < xs.rank; i++) *(i < axis ? &outer : &len) *= xs.d[i];
    /* scale and bias broadcast over the normalised axes: element k of them
     * is index k modulo their own element count (trailing axes). */
    int64_t sn = numel(&ss), bn = bias ? numel(&bs) : 1;
    for (int64_t o = 0; o < outer; o++) {
        const float *px = x + o * len;
        double mean = 0, var = 0;
        for (int64_t k = 0; k < len; k++) mean += px[k];
        mean /= (double)len;
        for (int64_t k = 0; k < len; k++) var += ((double)px[k] - mean) * ((double)px[k] - mean);
        var /= (double)len;
        double inv = 1 / sqrt(var + (double)n->attrs.epsilon);
        for (int64_t k = 0; k < len; k++) {
            double v = ((double)px[k] - mean) * inv * (double)scale[k % sn];
            y[o * len + k] = (float)(bias ? v + (double)bias[k % bn] : v);
        }
    }
}

static void transpose(const ir_node *n, const float *x, shape xs, float *y, shape ys) {
    int64_t sx[IR_MAX_RANK], idx[IR_MAX_RANK] = {0}, total = numel(&ys), ix = 0;
    strides(xs, sx);
    for (int64_t k = 0; k < total; k++) {
        y[k] = x[ix];
        for (int i = ys.rank - 1; i >= 0; i--) {
            ix += sx[n->attrs.perm[i]];
            if (++idx[i] < ys.d[i]) break;
            ix -= sx[n->attrs.perm[i]] * ys.d[i];
            idx[i] = 0;
        }
    }
}

static void slice(const ir_node *n, const float *x, shape xs, float *y, shape ys) {
    int64_t sx[IR_MAX_RANK], idx[IR_MAX_RANK] = {0}, total = numel(&ys), ix = 0;
    strides(xs, sx);
    for (int i = 0; i < xs.rank; i++) ix += n->attrs.start[i] * sx[i];
    for (int64_t k = 0; k < total; k++) {
        y[k] = x[ix];
        for (int i = ys.rank - 1; i >= 0; i--) {
            ix += n->attrs.step[i] * sx[i];
            if (++idx[i] < ys.d[i]) break;
            ix -= n->attrs.step[i] * sx[i] * ys.d[i];
            idx[i] = 0;
        }
    }
}

/* ---- one node, by the interp column of ops.def ----------------------------------- *
 * Each computes node n's output y (shape ys) from its inputs (in[i] NULL for
 * an absent optional input). Shapes are trusted: the verifier checked them. */

typedef ocrs_status interp_fn(const ir_node *n, const float *const *in, const shape *ins, float *y, shape ys,
                              ocrs_diag *diag);

static ocrs_status interp_conv(const ir_node *n, const float *const *in, const shape *ins, float *y, shape ys,
                               ocrs_diag *diag) {
    double *acc = malloc(sizeof(double) * (size_t)ys.d[3]);
    /* An input activation (an int8 conv's quantization) on a copy. */
    size_t count = (size_t)numel(&ins[0]);
    float *xq = n->attrs.in_act.kind != IR_ACT_NONE ? malloc(sizeof(float) * count) : NULL;
    if (!acc || (n->attrs.in_act.kind != IR_ACT_NONE && !xq)) {
        free(acc);
        free(xq);
        return ocrs_fail(diag, OCRS_ERR_NOMEM, "interpreter: out of memory");
    }
    for (size_t i = 0; xq && i < count; i++) xq[i] = ir_act_apply(n->attrs.in_act, in[0][i]);
    conv(&n->attrs, xq ? xq : in[0], ins[0], in[1], ins[1], n->ninputs > 2 ? in[2] : NULL, y, ys, acc);
    free(acc);
    free(xq);
    return OCRS_OK;
}

static ocrs_status interp_conv_transpose(const ir_node *n, const float *const *in, const shape *ins, float *y,
                                         shape ys, ocrs_diag *diag) {
    conv_transpose(&n->attrs, in[0], ins[0], in[1], ins[1], n->ninputs > 2 ? in[2] : NULL, y, ys);
    return OCRS_OK;
}

static ocrs_status interp_batchnorm(const ir_node *n, const float *const *in, const shape *ins, float *y, shape ys,
                                    ocrs_diag *diag) {
    batch_norm(n->attrs.epsilon, in[0], ins[0], in[1], in[2], in[3], in[4], y);
    return OCRS_OK;
}

static ocrs_status interp_unary(const ir_node *n, const float *const *in, const shape *ins, float *y, shape ys,
                                ocrs_diag *diag) {
    int64_t count = numel(&ys);
    for (int64_t i = 0; i < count; i++) y[i] = ir_act_apply(n->attrs.act, in[0][i]);
    return OCRS_OK;
}

static ocrs_status interp_binary(const ir_node *n, const float *const *in, const shape *ins, float *y, shape ys,
                                 ocrs_diag *diag) {
    binary(n->op, in[0], ins[0], in[1], ins[1], y, ys);
    return OCRS_OK;
}

static ocrs_status interp_gap(const ir_node *n, const float *const *in, const shape *ins, float *y, shape ys,
                              ocrs_diag *diag) {
    global_average_pool(in[0], ins[0], y);
    return OCRS_OK;
}

static ocrs_status interp_resize(const ir_node *n, const float *const *in, const shape *ins, float *y, shape ys,
                                 ocrs_diag *diag) {
    return resize(&n->attrs, in[0], ins[0], y, ys, diag);
}

static ocrs_status interp_concat(const ir_node *n, const float *const *in, const shape *ins, float *y, shape ys,
                                 ocrs_diag *diag) {
    concat(ir_axis(n, ys.rank), n->ninputs, in, ins, y, ys);
    return OCRS_OK;
}

static ocrs_status interp_pool(const ir_node *n, const float *const *in, const shape *ins, float *y, shape ys,
                               ocrs_diag *diag) {
    pool(n, in[0], ins[0], y, ys);
    return OCRS_OK;
}

static ocrs_status interp_matmul(const ir_node *n, const float *const *in, const shape *ins, float *y, shape ys,
                                 ocrs_diag *diag) {
    matmul(in[0], ins[0], in[1], ins[1], n->ninputs > 2 ? in[2] : NULL, y, ys);
    return OCRS_OK;
}

static ocrs_status interp_softmax(const ir_node *n, const float *const *in, const shape *ins, float *y, shape ys,
                                  ocrs_diag *diag) {
    softmax(n, in[0], ins[0], y);
    return OCRS_OK;
}

static ocrs_status interp_reduce_mean(const ir_node *n, const float *const *in, const shape *ins, float *y, shape ys,
                                      ocrs_diag *diag) {
    reduce_mean(n, in[0], ins[0], y, ys);
    return OCRS_OK;
}

static ocrs_status interp_layernorm(const ir_node *n, const float *const *in, const shape *ins, float *y, shape ys,
                                    ocrs_diag *diag) {
    bool bias = n->ninputs > 2 && in[2];
    layernorm(n, in[0], ins[0], in[1], ins[1], bias ? in[2] : NULL, bias ? ins[2] : ins[1], y);
    return OCRS_OK;
}

static ocrs_status interp_transpose(const ir_node *n, const float *const *in, const shape *ins, float *y, shape ys,
                                    ocrs_diag *diag) {
    transpose(n, in[0], ins[0], y, ys);
    return OCRS_OK;
}

static ocrs_status interp_slice(const ir_node *n, const float *const *in, const shape *ins, float *y, shape ys,
                                ocrs_diag *diag) {
    slice(n, in[0], ins[0], y, ys);
    return OCRS_OK;
}

static ocrs_status interp_reshape(const ir_node *n, const float *const *in, const shape *ins, float *y, shape ys,
                                  ocrs_diag *diag) {
    memcpy(y, in[0], sizeof(float) * (size_t)numel(&ys));
    return OCRS_OK;
}

static interp_fn *const kernels[IR_OP_COUNT] = {
#define OP(id, name, min_in, max_in, flags, attrs, shape, interp, emit, flops, chan) [IR_OP_##id] = interp_##interp,
#include "ops.def"
#undef OP
};

static ocrs_status eval_node(const ir_graph *g, ir_id node, const float *const *in, const shape *ins, float *y,
                             shape ys, ocrs_diag *diag) {
    const ir_node *n = &g->nodes[node];
    return kernels[n->op](n, in, ins, y, ys, diag);
}

/* ---- whole graph ------------------------------------------------------------ */

ocrs_status ir_interp_run(const ir_graph *g, const float *const *inputs, const int64_t *sizes, float *const *outputs,
                          ocrs_diag *diag) {
    return ir_interp_run_observed(g, inputs, sizes, outputs, NULL, NULL, diag);
}

ocrs_status ir_interp_observe(const ir_graph *g, const float *const *inputs, const int64_t *sizes,
                              ir_interp_observer observe, void *ctx, ocrs_diag *diag) {
    int64_t units[IR_MAX_SYMS];
    ir_graph_units(g, sizes, units);
    float *outs[IR_MAX_IO] = {NULL};
    bool ok = true;
    for (uint32_t i = 0; i < g->noutputs; i++)
        ok &= (outs[i] = malloc(sizeof(float) * (size_t)ir_numel(&g->values[g->outputs[i]], units))) != NULL;
    ocrs_status st = ok ? ir_interp_run_observed(g, inputs, sizes, outs, observe, ctx, diag)
                        : ocrs_fail(diag, OCRS_ERR_NOMEM, "interpreter: out of memory");
    for (uint32_t i = 0; i < g->noutputs; i++) free(outs[i]);
    return st;
}

ocrs_status ir_interp_run_observed(const ir_graph *g, const float *const *inputs, const int64_t *sizes,
                                   float *const *outputs, ir_interp_observer observe, void *ctx, ocrs_diag *diag) {
    for (int s = 0; s < g->nsyms; s++) {
        const ir_symbol *y = &g->syms[s];
        if (y->derived) continue; /* computed from its base */
        if (sizes[s] < y->min || sizes[s] > y->max || sizes[s] % y->align)
            return ocrs_fail(diag, OCRS_ERR_USAGE, "interpreter: %s = %lld is not a multiple of %lld in [%lld, %lld]",
                             y->name, (long long)sizes[s], (long long)y->align, (long long)y->min, (long long)y->max);
    }
    int64_t units[IR_MAX_SYMS];
    ir_graph_units(g, sizes, units);
    /* The kernels trust the stored shapes; a graph that breaks them must fail
     * here rather than corrupt memory. */
    ocrs_status st = ir_verify(g, diag);
    if (st) return st;
    uint32_t nv = g->nvalues;
    const float **val = calloc(nv, sizeof *val); /* readable data of each value, once known */
    float **owned = calloc(nv, sizeof *owned);   /* buffers this run allocated */
    uint32_t *last = malloc(sizeof(uint32_t) * nv); /* last node reading each value */
    const float *in[64];
    shape ins[64];
    if (!val || !owned || !last) {
        st = ocrs_fail(diag, OCRS_ERR_NOMEM, "interpreter: out of memory");
        goto done;
    }
    for (ir_id v = 0; v < nv; v++) {
        const ir_value *value = &g->values[v];
        last[v] = value->producer; /* an output nobody reads dies right away */
        if (ir_is_weight(value) && value->dtype == IR_F32) val[v] = value->data;
    }
    for (uint32_t i = 0; i < g->ninputs; i++) val[g->inputs[i]] = inputs[i];
    for (uint32_t i = 0; i < g->nnodes; i++) {
        if (g->nodes[i].dead) continue;
        for (uint32_t j = 0; j < g->nodes[i].ninputs; j++)
            if (g->nodes[i].inputs[j] != IR_NONE) last[g->nodes[i].inputs[j]] = i;
    }
    for (uint32_t i = 0; i < g->noutputs; i++) last[g->outputs[i]] = IR_NONE;

    for (uint32_t i = 0; i < g->nnodes && !st; i++) {
        const ir_node *n = &g->nodes[i];
        if (n->dead) continue;
        OCRS_ASSERT(n->ninputs <= 64);
        for (uint32_t j = 0; j < n->ninputs; j++) {
            ir_id v = n->inputs[j];
            in[j] = NULL;
            if (v == IR_NONE) continue;
            if (!val[v]) {
                char label[400];
                ir_node_label(g, i, label, sizeof label);
                st = ocrs_fail(diag, OCRS_ERR_INVALID, "%s: %s: input '%s' has no value when the node runs",
                               g->source, label, g->values[v].name);
                goto done;
            }
            in[j] = val[v];
            ins[j] = value_shape(&g->values[v], units);
        }
        shape ys = value_shape(&g->values[n->output], units);
        float *y = malloc(sizeof(float) * (size_t)numel(&ys));
        if (!y) {
            st = ocrs_fail(diag, OCRS_ERR_NOMEM, "interpreter: out of memory");
            goto done;
        }
        owned[n->output] = y;
        val[n->output] = y;
        st = eval_node(g, i, in, ins, y, ys, diag);
        if (!st && observe) observe(ctx, n->output, y, units);
        for (uint32_t j = 0; j <= n->ninputs; j++) {
            ir_id v = j < n->ninputs ? n->inputs[j] : n->output;
            if (v != IR_NONE && last[v] == i && owned[v]) {
                free(owned[v]);
                owned[v] = NULL;
                val[v] = NULL;
            }
        }
    }
    for (uint32_t i = 0; i < g->noutputs && !st; i++) {
        const ir_value *o = &g->values[g->outputs[i]];
        OCRS_ASSERT(val[g->outputs[i]]);
        memcpy(outputs[i], val[g->outputs[i]], sizeof(float) * (size_t)ir_numel(o, units));
    }
done:
    if (owned)
        for (ir_id v = 0; v < nv; v++) free(owned[v]);
    free(owned);
    free(val);
    free(last);
    return st;
}

ocrs_status ir_interp_fold_node(ir_graph *g, ir_id node, ocrs_diag *diag) {
    const ir_node *n = &g->nodes[node];
    char label[400];
    ir_node_label(g, node, label, sizeof label);
    OCRS_ASSERT(n->ninputs <= 64);
    const float *in[64];
    shape ins[64];
    for (uint32_t j = 0; j < n->ninputs; j++) {
        in[j] = NULL;
        if (n->inputs[j] == IR_NONE) continue;
        const ir_value *v = &g->values[n->inputs[j]];
        if (!ir_is_weight(v) || v->dtype != IR_F32 || ir_numel_static(v) < 0)
            return ocrs_fail(diag, OCRS_ERR_INVALID, "%s: %s: input %u ('%s') is not a float constant", g->source,
                             label, j, v->name);
        in[j] = v->data;
        ins[j] = value_shape(v, NULL);
    }
    ir_value tmp = {.dtype = IR_F32};
    ocrs_status st = ir_node_shape(g, node, &tmp.rank, tmp.dims, diag);
    if (st) return st;
    OCRS_ASSERT(ir_numel_static(&tmp) >= 0); /* static inputs give static outputs */
    shape ys = value_shape(&tmp, NULL);
    float *y = ocrs_arena_alloc(g->arena, sizeof(float) * (size_t)(numel(&ys) ? numel(&ys) : 1));
    if (!y) return ocrs_fail(diag, OCRS_ERR_NOMEM, "%s: %s: out of memory", g->source, label);
    st = eval_node(g, node, in, ins, y, ys, diag);
    if (st) return st;
    ir_value *o = &g->values[n->output];
    o->dtype = IR_F32;
    o->rank = tmp.rank;
    memcpy(o->dims, tmp.dims, sizeof o->dims);
    o->data = y;
    return OCRS_OK;
}
