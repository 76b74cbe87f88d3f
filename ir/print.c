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
    if (v->qbits) fprintf(out, " int%d", v->qbits);
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

void ir_dump(const ir_graph *g, FILE *out) {
    fprintf(out, "# ocrslim IR: %u nodes, %u values, opset %lld\n", g->nnodes, g->nvalues, (long long)g->opset);
    for (int s = 0; s < g->nsyms; s++) {
        const ir_symbol *y = &g->syms[s];
        fprintf(out, "symbol %s: multiple of %lld in [%lld, %lld], typical %lld", y->name, (long long)y->align,
                (long long)y->min, (long long)y->max, (long long)y->ref);
        if (y->param && strcmp(y->param, y->name)) fprintf(out, " (%s)", y->param);
        if (y->derived)
            fprintf(out, ", floor((%lld*%s/%lld + %lld) / %lld)", (long long)y->bcoef, g->syms[y->base].name,
                    (long long)g->syms[y->base].align, (long long)y->badd, (long long)y->bdiv);
        else if (y->exact)
            fprintf(out, ", exact");
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
        ir_attrs_print(n->op, &n->attrs, out);
        if (n->name[0]) fprintf(out, "  # %s", n->name);
        fputc('\n', out);
    }
    for (uint32_t i = 0; i < g->noutputs; i++) fprintf(out, "output %s\n", g->values[g->outputs[i]].name);
}
