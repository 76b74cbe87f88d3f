/* ocrs_write_onnx on small graphs that cover every IR op and everything only
 * the IR can say (fused activations with their parameters, the affine
 * epilogue with and without a scale, one-sided Clip, Resize modes, grouped
 * ConvTranspose with output_padding, asymmetric pads, dilation): the written
 * file re-imports with our frontend and the interpreter gives the same
 * output bit for bit (each op the writer expands into performs the same
 * float operations, in the same order, as the fused epilogue), names and
 * declared dims survive, the same graph gives the same bytes, and a failed
 * write names the file.
 *
 *   test_onnx_write WORKDIR */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "frontend.h"
#include "testlib.h"

static const char *work;

static char *path_of(const char *name) {
    static char buf[4096];
    snprintf(buf, sizeof buf, "%s/%s", work, name);
    return buf;
}

/* ocrs_write_onnx into the file path. */
static ocrs_status write_file(const ir_graph *g, const char *path, ocrs_diag *diag) {
    FILE *f = fopen(path, "wb");
    if (!f) return ocrs_fail(diag, OCRS_ERR_IO, "%s: cannot open", path);
    ocrs_status st = ocrs_write_onnx(g, f, path, diag);
    return fclose(f) != 0 && !st ? ocrs_fail(diag, OCRS_ERR_IO, "%s: cannot close", path) : st;
}

/* Writes g (prepared) to WORK/name, re-imports it and checks the
 * interpreter's output at 64x96; returns the re-imported graph or NULL. */
static ir_graph *round_trip(ir_graph *g, const char *name) {
    int64_t n0 = 0, n1 = 0;
    float *before = t_run(g, 64, 96, &n0);
    ocrs_diag diag = {0};
    ir_graph *back = NULL;
    ocrs_status st = write_file(g, path_of(name), &diag);
    if (!st) st = ocrs_import_onnx(path_of(name), NULL, &back, &diag);
    if (st) fprintf(stderr, "%s: %s\n", name, diag.msg);
    CHECK(st == OCRS_OK);
    float *after = back ? t_run(back, 64, 96, &n1) : NULL;
    CHECK(before && after && n0 == n1 && t_close(before, after, n0, 0));
    free(before);
    free(after);
    return back;
}

static ir_id conv(ir_graph *g, ir_op op, const char *out, ir_id x, const int64_t *wdims, bool bias, int64_t stride,
                  int64_t group, ir_act act) {
    char wname[64], bname[64];
    snprintf(wname, sizeof wname, "%s.w", out);
    snprintf(bname, sizeof bname, "%s.b", out);
    int64_t cout = op == IR_OP_Conv ? wdims[0] : wdims[1] * group;
    ir_id w = t_weight(g, wname, 4, wdims, NULL);
    ir_id n = t_conv(g, op, out, x, w, bias ? t_weight(g, bname, T_DIMS(cout), NULL) : IR_NONE, stride, 0, group);
    g->nodes[n].attrs.act = act;
    return n;
}

static void set_post(ir_graph *g, ir_id n, float scale, bool has_shift, float shift) {
    ir_attrs *a = &g->nodes[n].attrs;
    a->post.on = true;
    a->post.scale = scale;
    a->post.has_shift = has_shift;
    a->post.shift = shift;
}

/* Conv and ConvTranspose with every activation and epilogue form. */
static ir_graph *conv_graph(void) {
    ir_id x;
    ir_graph *g = t_graph(3, &x);
    ir_id c1 = conv(g, IR_OP_Conv, "c1", x, (int64_t[]){8, 3, 3, 3}, true, 2, 1, (ir_act){IR_ACT_CLIP, 0, 6});
    ir_attrs *a = &g->nodes[c1].attrs;
    a->dilation[1] = 2;
    memcpy(a->pad, (int64_t[]){1, 0, 2, 1}, sizeof a->pad);
    set_post(g, c1, 0.5f, true, -0.25f);
    ir_id c2 = conv(g, IR_OP_Conv, "c2", t_out(g, c1), (int64_t[]){8, 8, 1, 1}, true, 1, 1,
                    (ir_act){IR_ACT_CLIP, -INFINITY, 0.75f});
    set_post(g, c2, 1.0f, true, 0.125f);
    ir_id c3 = conv(g, IR_OP_ConvTranspose, "c3", t_out(g, c2), (int64_t[]){8, 2, 2, 2}, true, 2, 2,
                    (ir_act){IR_ACT_HARDSIGMOID, 0.3f, 0.4f});
    g->nodes[c3].attrs.output_padding[0] = 1;
    set_post(g, c3, 2.0f, false, 0);
    static const ir_act relu = {IR_ACT_RELU, 0, 0}, hardswish = {IR_ACT_HARDSWISH, 0, 0};
    static const ir_act sigmoid = {IR_ACT_SIGMOID, 0, 0};
    ir_id c4 = conv(g, IR_OP_Conv, "c4", t_out(g, c3), (int64_t[]){4, 1, 3, 3}, false, 1, 4, relu);
    for (int i = 0; i < 4; i++) g->nodes[c4].attrs.pad[i] = 1;
    ir_id c5 = conv(g, IR_OP_Conv, "c5", t_out(g, c4), (int64_t[]){4, 4, 1, 1}, true, 1, 1, hardswish);
    ir_id c6 = conv(g, IR_OP_Conv, "c6", t_out(g, c5), (int64_t[]){1, 4, 1, 1}, true, 1, 1, sigmoid);
    t_set_output(g, t_out(g, c6));
    return g;
}

/* Every other op, standalone activations included. */
static ir_graph *op_graph(void) {
    ir_id x;
    ir_graph *g = t_graph(3, &x);
    ir_id p[4];
    for (int i = 0; i < 4; i++) {
        char name[16];
        snprintf(name, sizeof name, "bn%d", i);
        float v[3];
        for (int c = 0; c < 3; c++) v[c] = i == 3 ? 0.5f + 0.25f * (float)c : 0.1f * (float)(c + i);
        p[i] = t_weight(g, name, T_DIMS(3), v);
    }
    ir_id bn = T_NODE(g, BatchNormalization, "bn", x, p[0], p[1], p[2], p[3]);
    g->nodes[bn].attrs.epsilon = 1e-3f;
    ir_id sub = T_NODE(g, Sub, "sub", t_out(g, bn), t_weight(g, "k", T_DIMS(1, 3, 1, 1), NULL));
    ir_id div = T_NODE(g, Div, "div", t_out(g, sub), t_scalar(g, "two", 0, 2.0f));
    ir_id id = T_NODE(g, Identity, "id", t_out(g, div));
    ir_id gap = T_NODE(g, GlobalAveragePool, "gap", t_out(g, id));
    ir_id mul = T_NODE(g, Mul, "mul", t_out(g, id), t_out(g, gap));
    ir_id add = T_NODE(g, Add, "add", t_out(g, mul), x);
    ir_id cat = T_NODE(g, Concat, "cat", t_out(g, add), x);
    g->nodes[cat].attrs.axis = 1;
    ir_id y = t_out(g, t_act(g, IR_OP_Clip, "clip", t_out(g, cat), -0.5f, INFINITY));
    y = t_out(g, t_act(g, IR_OP_HardSigmoid, "hsig", y, 0.2f, 0.5f));
    y = t_out(g, t_act(g, IR_OP_HardSwish, "hswish", y, 0, 0));
    y = t_out(g, t_act(g, IR_OP_Relu, "relu", y, 0, 0));
    y = t_out(g, t_act(g, IR_OP_Sigmoid, "sigmoid", y, 0, 0));
    t_set_output(g, y);
    return g;
}

/* Resize in every coordinate transformation and nearest mode, scales 1.5
 * and 0.5, concatenated. */
static ir_graph *resize_graph(void) {
    ir_id x;
    ir_graph *g = t_graph(3, &x);
    ir_id in[4];
    for (int i = 0; i < 4; i++) {
        char name[16];
        snprintf(name, sizeof name, "up%d", i);
        ir_id r = T_NODE(g, Resize, name, x);
        ir_attrs *a = &g->nodes[r].attrs;
        a->scale[0] = 1.5f;
        a->scale[1] = 0.5f;
        a->coord = (ir_coord)i;
        a->nearest = (ir_nearest)(3 - i);
        in[i] = t_out(g, r);
    }
    ir_id cat = T_NODE(g, Concat, "cat", in[0], in[1], in[2], in[3]);
    g->nodes[cat].attrs.axis = 1;
    t_set_output(g, t_out(g, cat));
    return g;
}

/* Names the writer must make up: a weight holding the name of the fused
 * conv's intermediate, values and nodes without names; declared dims. */
static ir_graph *name_graph(void) {
    ir_id x;
    ir_graph *g = t_graph(3, &x);
    static const ir_declared_shape in_decl = {4, {0, 3, 0, 0}, {"batch", NULL, "height", "width"}};
    static const ir_declared_shape out_decl = {4, {1, 0, 0, 0}, {NULL, "ch", NULL, NULL}};
    g->values[x].declared = &in_decl;
    ir_id w = t_weight(g, "c.Conv", T_DIMS(3, 3, 1, 1), NULL);
    ir_id c = t_conv(g, IR_OP_Conv, "c", x, w, IR_NONE, 1, 0, 1);
    g->nodes[c].attrs.act.kind = IR_ACT_RELU;
    ir_id a = T_NODE(g, Add, "", t_out(g, c), x);
    ir_id b = T_NODE(g, Mul, "", t_out(g, a), t_out(g, c));
    ir_id y = t_out(g, T_NODE(g, Sub, "y", t_out(g, b), x));
    g->values[y].declared = &out_decl;
    t_set_output(g, y);
    return g;
}

static bool same_param(const char *a, const char *b) { return a && b ? strcmp(a, b) == 0 : a == b; }

/* ONNX Runtime refuses a model with two nodes of one name; the re-imported
 * graph holds the file's nodes as they are. */
static void check_unique_node_names(const ir_graph *back) {
    for (uint32_t i = 0; i < back->nnodes; i++) {
        CHECK(back->nodes[i].name[0]);
        for (uint32_t j = 0; j < i; j++) CHECK(strcmp(back->nodes[i].name, back->nodes[j].name) != 0);
    }
}

static void check_names(const ir_graph *back) {
    const ir_value *x = &back->values[back->inputs[0]], *y = &back->values[back->outputs[0]];
    CHECK(strcmp(x->name, "x") == 0 && strcmp(y->name, "y") == 0);
    /* The batch is fixed at 1 in the graph, so the file says 1, not "batch". */
    CHECK(x->declared && x->declared->value[0] == 1 && x->declared->value[1] == 3 &&
          same_param(x->declared->param[2], "height") && same_param(x->declared->param[3], "width"));
    /* Likewise the output's fixed channel count, which the model named "ch". */
    CHECK(y->declared && y->declared->value[0] == 1 && y->declared->value[1] == 3 &&
          same_param(y->declared->param[2], "H") && same_param(y->declared->param[3], "W"));
    CHECK(ir_find_value(back, "c.Conv") != IR_NONE && ir_find_value(back, "c.Conv.1") != IR_NONE);
    CHECK(ir_find_value(back, "value") != IR_NONE && ir_find_value(back, "value.1") != IR_NONE);
}

/* The bytes of a file (malloc'ed), or NULL. */
static char *slurp(const char *path, long *size) {
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    if (f && fseek(f, 0, SEEK_END) == 0 && (*size = ftell(f)) > 0 && fseek(f, 0, SEEK_SET) == 0 &&
        (buf = malloc((size_t)*size)) && fread(buf, 1, (size_t)*size, f) != (size_t)*size) {
        free(buf);
        buf = NULL;
    }
    if (f) fclose(f);
    return buf;
}

static bool same_file(const char *a, const char *b) {
    long na = 0, nb = 0;
    char *da = slurp(a, &na), *db = slurp(b, &nb);
    bool same = da && db && na == nb && memcmp(da, db, (size_t)na) == 0;
    free(da);
    free(db);
    return same;
}

/* A stream that fails: the error names the file. */
static void write_error(const ir_graph *g) {
    const char *path = path_of("read_only.onnx");
    FILE *f = fopen(path, "w");
    if (f) fclose(f);
    f = fopen(path, "r");
    ocrs_diag diag = {0};
    CHECK(f && ocrs_write_onnx(g, f, path, &diag) == OCRS_ERR_IO && strstr(diag.msg, path));
    if (f) fclose(f);
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: test_onnx_write WORKDIR\n");
        return 2;
    }
    work = argv[1];
    mkdir(work, 0755);
    ir_graph *(*make[])(void) = {conv_graph, op_graph, resize_graph, name_graph};
    const char *names[] = {"conv.onnx", "ops.onnx", "resize.onnx", "names.onnx"};
    for (int i = 0; i < 4; i++) {
        ir_graph *g = make[i]();
        t_prepare(g);
        ir_graph *back = round_trip(g, names[i]);
        if (back) check_unique_node_names(back);
        if (back && i == 3) check_names(back);
        if (i == 0) {
            char first[4096];
            snprintf(first, sizeof first, "%s", path_of(names[i]));
            ocrs_diag diag = {0};
            CHECK(write_file(g, path_of("again.onnx"), &diag) == OCRS_OK);
            CHECK(same_file(first, path_of("again.onnx")));
            write_error(g);
        }
        ir_graph_free(back);
        ir_graph_free(g);
    }
    return t_finish("test_onnx_write");
}
