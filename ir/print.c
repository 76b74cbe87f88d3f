/* Text dump of the IR. One line per value or node, shapes with symbolic H/W,
 * every attribute that matters for the op, and a summary of each weight (the
 * weights themselves are too large to print). */
#include <math.h>
#include <string.h>

#include "ir.h"

static void print_shape(const ir_graph *g, const ir_value *v, FILE *out) {
    fprintf(out, "%s[", v->dtype == IR_F32 ? "f32" : "i64");
    for (int i = 0; i < v->rank; i++) {
        char buf[96];
        ir_format_dim(g, v->dims[i], buf, sizeof buf);
        fprintf(out, "%s%s", i ? "," : "", buf);
    }
    fputc(']', out);
}

static void print_weight(const ir_graph *g, const ir_value *v, FILE *out) {
    int64_t n = ir_numel_static(v);
    fprintf(out, "weight %s: ", v->name);
    print_shape(g, v, out);
    if (v->out_axis >= 0) fprintf(out, " out_axis=%d", v->out_axis);
    if (v->in_axis >= 0) fprintf(out, " in_axis=%d", v->in_axis);
    double lo = INFINITY, hi = -INFINITY, sum = 0, l1 = 0;
    for (int64_t i = 0; i < n; i++) {
        double x = v->dtype == IR_F32 ? ((const float *)v->data)[i] : (double)((const int64_t *)v->data)[i];
        lo = fmin(lo, x);
        hi = fmax(hi, x);
        sum += x;
        l1 += fabs(x);
    }
    if (n > 0) fprintf(out, " {min=%.6g max=%.6g mean=%.6g l1=%.6g}", lo, hi, sum / (double)n, l1);
    fputc('\n', out);
}

static void print_act(ir_act act, FILE *out) {
    fprintf(out, " act=%s", ir_act_name(act.kind));
    if (act.kind == IR_ACT_CLIP || act.kind == IR_ACT_HARDSIGMOID) fprintf(out, "(%.6g,%.6g)", act.a, act.b);
}

static const char *coord_name(ir_coord c) {
    static const char *names[] = {"asymmetric", "half_pixel", "pytorch_half_pixel", "align_corners"};
    return names[c];
}

static const char *nearest_name(ir_nearest m) {
    static const char *names[] = {"floor", "ceil", "round_prefer_floor", "round_prefer_ceil"};
    return names[m];
}

static void print_attrs(const ir_node *n, FILE *out) {
    const ir_attrs *a = &n->attrs;
    switch (n->op) {
    case IR_OP_Conv:
    case IR_OP_ConvTranspose:
        fprintf(out, " kernel=%lldx%lld stride=%lldx%lld pad=%lld,%lld,%lld,%lld dilation=%lldx%lld group=%lld",
                (long long)a->kernel[0], (long long)a->kernel[1], (long long)a->stride[0], (long long)a->stride[1],
                (long long)a->pad[0], (long long)a->pad[1], (long long)a->pad[2], (long long)a->pad[3],
                (long long)a->dilation[0], (long long)a->dilation[1], (long long)a->group);
        if (n->op == IR_OP_ConvTranspose && (a->output_padding[0] || a->output_padding[1]))
            fprintf(out, " output_padding=%lld,%lld", (long long)a->output_padding[0], (long long)a->output_padding[1]);
        if (a->act.kind != IR_ACT_NONE) print_act(a->act, out);
        if (a->post.on) fprintf(out, " post=*%.9g", a->post.scale);
        if (a->post.on && a->post.has_shift) fprintf(out, "+%.9g", a->post.shift);
        break;
    case IR_OP_BatchNormalization:
        fprintf(out, " epsilon=%.6g", a->epsilon);
        break;
    case IR_OP_Clip:
    case IR_OP_HardSigmoid:
        print_act(a->act, out);
        break;
    case IR_OP_Concat:
        fprintf(out, " axis=%lld", (long long)a->axis);
        break;
    case IR_OP_Resize:
        fprintf(out, " scale=%.6gx%.6g coord=%s nearest=%s", a->scale[0], a->scale[1], coord_name(a->coord),
                nearest_name(a->nearest));
        break;
    default:
        break;
    }
}

void ir_dump(const ir_graph *g, FILE *out) {
    fprintf(out, "# ocrslim IR: %u nodes, %u values, opset %lld\n", g->nnodes, g->nvalues, (long long)g->opset);
    for (int s = 0; s < g->nsyms; s++) {
        const ir_symbol *y = &g->syms[s];
        fprintf(out, "symbol %s: multiple of %lld in [%lld, %lld], typical %lld", y->name, (long long)y->align,
                (long long)y->min, (long long)y->max, (long long)y->ref);
        if (y->param && strcmp(y->param, y->name)) fprintf(out, " (%s)", y->param);
        fputc('\n', out);
    }
    for (uint32_t i = 0; i < g->ninputs; i++) {
        const ir_value *v = &g->values[g->inputs[i]];
        fprintf(out, "input %s: ", v->name);
        print_shape(g, v, out);
        fputc('\n', out);
    }
    for (ir_id i = 0; i < g->nvalues; i++)
        if (ir_is_weight(&g->values[i])) print_weight(g, &g->values[i], out);
    for (uint32_t i = 0; i < g->nnodes; i++) {
        const ir_node *n = &g->nodes[i];
        if (n->dead) continue;
        const ir_value *o = &g->values[n->output];
        fprintf(out, "%s: ", o->name);
        print_shape(g, o, out);
        fprintf(out, " = %s(", ir_ops[n->op].name);
        for (uint32_t j = 0; j < n->ninputs; j++)
            fprintf(out, "%s%s", j ? ", " : "", n->inputs[j] == IR_NONE ? "<none>" : g->values[n->inputs[j]].name);
        fputc(')', out);
        print_attrs(n, out);
        if (n->name[0]) fprintf(out, "  # %s", n->name);
        fputc('\n', out);
    }
    for (uint32_t i = 0; i < g->noutputs; i++) fprintf(out, "output %s\n", g->values[g->outputs[i]].name);
}
