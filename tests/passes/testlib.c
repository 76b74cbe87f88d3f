#define _POSIX_C_SOURCE 200809L /* open_memstream */
#include "testlib.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int t_failures;

static uint32_t rng_state = 12345;
static float rnd(void) { /* uniform in [-1, 1] */
    rng_state = rng_state * 1664525u + 1013904223u;
    return (float)((rng_state >> 8) * (2.0 / 16777216.0) - 1.0);
}

static ir_graph *with_input(ir_graph *g, int rank, const ir_dim *dims, ir_id *x) {
    *x = ir_add_value(g, "x", IR_F32, rank, dims);
    g->inputs[g->ninputs++] = *x;
    g->values[*x].is_input = true;
    return g;
}

ir_graph *t_graph(int64_t c, ir_id *x) {
    ir_graph *g = ir_graph_new("test.onnx");
    int h = ir_add_symbol(g, "H", NULL, 32, 32, 4096, 640), w = ir_add_symbol(g, "W", NULL, 32, 32, 4096, 640);
    ir_dim d[4] = {ir_dim_const(1), ir_dim_const(c), ir_dim_symbol(g->syms, h), ir_dim_symbol(g->syms, w)};
    return with_input(g, 4, d, x);
}

ir_graph *t_graph_static(int rank, const int64_t *dims, ir_id *x) {
    ir_dim d[IR_MAX_RANK];
    for (int i = 0; i < rank; i++) d[i] = ir_dim_const(dims[i]);
    return with_input(ir_graph_new("test.onnx"), rank, d, x);
}

ir_id t_weight(ir_graph *g, const char *name, int rank, const int64_t *dims, const float *data) {
    int64_t n = 1;
    for (int i = 0; i < rank; i++) n *= dims[i];
    float *buf = malloc(sizeof(float) * (size_t)n);
    for (int64_t i = 0; i < n; i++) buf[i] = data ? data[i] : rnd();
    ir_id v = ir_add_weight(g, name, IR_F32, rank, dims, buf);
    free(buf);
    return v;
}

ir_id t_scalar(ir_graph *g, const char *name, int rank, float v) {
    int64_t one = 1;
    return t_weight(g, name, rank, &one, &v);
}

ir_id t_node(ir_graph *g, ir_op op, const char *out, uint32_t n, const ir_id *in) {
    ir_id v = ir_add_value(g, out, IR_F32, 0, NULL);
    ir_id node = ir_add_node(g, op, out, n, in, v);
    g->nodes[node].attrs.act.kind = ir_unary_act(op);
    return node;
}

ir_id t_act(ir_graph *g, ir_op op, const char *out, ir_id x, float a, float b) {
    ir_id n = t_node(g, op, out, 1, &x);
    g->nodes[n].attrs.act.a = a;
    g->nodes[n].attrs.act.b = b;
    return n;
}

ir_id t_conv(ir_graph *g, ir_op op, const char *out, ir_id x, ir_id w, ir_id b, int64_t stride, int64_t pad,
             int64_t group) {
    ir_id n = b == IR_NONE ? t_node(g, op, out, 2, (ir_id[]){x, w}) : t_node(g, op, out, 3, (ir_id[]){x, w, b});
    ir_attrs *a = &g->nodes[n].attrs;
    for (int i = 0; i < 2; i++) {
        a->kernel[i] = g->values[w].dims[2 + i].q;
        a->stride[i] = stride;
    }
    for (int i = 0; i < 4; i++) a->pad[i] = pad;
    a->group = group;
    g->values[w].out_axis = op == IR_OP_Conv ? 0 : 1;
    g->values[w].in_axis = op == IR_OP_Conv ? 1 : 0;
    if (b != IR_NONE) g->values[b].out_axis = 0;
    return n;
}

ir_id t_out(const ir_graph *g, ir_id n) { return g->nodes[n].output; }

void t_set_output(ir_graph *g, ir_id v) {
    g->outputs[g->noutputs++] = v;
    g->values[v].is_output = true;
}

void t_prepare(ir_graph *g) {
    ocrs_diag diag = {0};
    ocrs_status st = pass_shape_infer(g, &diag);
    if (!st) st = ir_verify(g, &diag);
    if (st) fprintf(stderr, "prepare: %s\n", diag.msg);
    CHECK(st == OCRS_OK);
}

int t_count(const ir_graph *g, ir_op op) {
    int n = 0;
    for (uint32_t i = 0; i < g->nnodes; i++) n += !g->nodes[i].dead && g->nodes[i].op == op;
    return n;
}

int t_nodes(const ir_graph *g) {
    int n = 0;
    for (uint32_t i = 0; i < g->nnodes; i++) n += !g->nodes[i].dead;
    return n;
}

float *t_input(const ir_graph *g, int64_t h, int64_t w, int64_t *sizes) {
    int64_t units[IR_MAX_SYMS];
    int sn, sh, sw;
    for (int s = 0; s < g->nsyms; s++)
        sizes[s] = !strcmp(g->syms[s].name, "H") ? h : !strcmp(g->syms[s].name, "W") ? w : g->syms[s].ref;
    if (ir_image_syms(g, &sn, &sh, &sw)) ir_image_sizes(g, h, w, sizes);
    ir_graph_units(g, sizes, units);
    int64_t nin = ir_numel(&g->values[g->inputs[0]], units);
    float *in = malloc(sizeof(float) * (size_t)nin);
    uint32_t saved = rng_state;
    rng_state = 777; /* the same input before and after a pass */
    for (int64_t i = 0; in && i < nin; i++) in[i] = 4 * rnd();
    rng_state = saved;
    return in;
}

float *t_run(const ir_graph *g, int64_t h, int64_t w, int64_t *n) {
    int64_t sizes[IR_MAX_SYMS], units[IR_MAX_SYMS];
    float *in = t_input(g, h, w, sizes);
    ir_graph_units(g, sizes, units);
    /* Every output, laid end to end: a pass must keep all of them. */
    int64_t at[IR_MAX_IO + 1] = {0};
    for (uint32_t o = 0; o < g->noutputs; o++) at[o + 1] = at[o] + ir_numel(&g->values[g->outputs[o]], units);
    *n = at[g->noutputs];
    float *out = malloc(sizeof(float) * (size_t)*n), *outs[IR_MAX_IO];
    for (uint32_t o = 0; o < g->noutputs; o++) outs[o] = out + at[o];
    ocrs_diag diag = {0};
    ocrs_status st = ir_interp_run(g, (const float *const[]){in}, sizes, outs, &diag);
    if (st) fprintf(stderr, "run: %s\n", diag.msg);
    CHECK(st == OCRS_OK);
    free(in);
    if (st) {
        free(out);
        return NULL;
    }
    return out;
}

char *t_dump(const ir_graph *g) {
    char *text = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&text, &size);
    ir_dump(g, f);
    fclose(f);
    return text;
}

bool t_close(const float *a, const float *b, int64_t n, double tol) {
    double scale = 1, worst = 0;
    int64_t at = 0;
    for (int64_t i = 0; i < n; i++) scale = fmax(scale, fabs(a[i]));
    for (int64_t i = 0; i < n; i++) {
        double d = fabs((double)a[i] - (double)b[i]);
        if (isnan(d)) d = INFINITY;
        if (d > worst) worst = d, at = i;
    }
    if (!(worst <= tol * scale)) {
        fprintf(stderr, "mismatch: element %lld: %.9g vs %.9g (max error %.3g, allowed %.3g)\n", (long long)at,
                a[at], b[at], worst, tol * scale);
        return false;
    }
    return true;
}

void t_check_pass(ir_graph *g, ocrs_status (*pass)(ir_graph *, ocrs_diag *), int64_t h, int64_t w) {
    int64_t n0, n1;
    float *before = t_run(g, h, w, &n0);
    ocrs_diag diag = {0};
    ocrs_status st = pass(g, &diag);
    if (!st) st = ir_verify(g, &diag);
    if (st) fprintf(stderr, "pass: %s\n", diag.msg);
    CHECK(st == OCRS_OK);
    float *after = st ? NULL : t_run(g, h, w, &n1);
    CHECK(before && after && n0 == n1 && t_close(before, after, n0, T_TOL));
    free(before);
    free(after);
}

int t_finish(const char *test) {
    if (t_failures) fprintf(stderr, "%s: %d check(s) failed\n", test, t_failures);
    else printf("%s: ok\n", test);
    return t_failures ? 1 : 0;
}

void t_check_stays(ir_graph *g, ocrs_status (*pass)(ir_graph *, ocrs_diag *), int expected_nodes) {
    t_prepare(g);
    t_check_pass(g, pass, 32, 32);
    CHECK(t_nodes(g) == expected_nodes);
    ir_graph_free(g);
}

ir_id t_small_conv(ir_graph *g, ir_op conv_op, ir_id x) {
    bool conv = conv_op == IR_OP_Conv;
    ir_id w = conv ? t_weight(g, "w", T_DIMS(4, 4, 3, 3), NULL) : t_weight(g, "w", T_DIMS(4, 2, 2, 2), NULL);
    return t_conv(g, conv_op, "c", x, w, t_weight(g, "b", T_DIMS(4), NULL), conv ? 1 : 2, conv ? 1 : 0, conv ? 1 : 2);
}
