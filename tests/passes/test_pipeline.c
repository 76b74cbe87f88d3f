/* ocrs_canonicalize on a miniature of PP-OCRv4 det as paddle2onnx writes it:
 * every rewrite of the pipeline has something to do, and the output stays
 * within tolerance. Also the pass-name API and --dump-after. */
#include <stdlib.h>
#include <string.h>

#include "pipeline.h"
#include "testlib.h"

static ir_id bn(ir_graph *g, const char *name, ir_id x, int64_t c) {
    float scale[8], bias[8], mean[8], var[8];
    for (int i = 0; i < c; i++) {
        scale[i] = 1.0f - 0.1f * i;
        bias[i] = 0.05f * i;
        mean[i] = 0.1f * (i % 3);
        var[i] = 0.5f + 0.2f * i;
    }
    char n[4][64];
    const char *suffix[4] = {"scale", "bias", "mean", "var"};
    for (int i = 0; i < 4; i++) snprintf(n[i], sizeof n[i], "%s.%s", name, suffix[i]);
    ir_id node = T_NODE(g, BatchNormalization, name, x, t_weight(g, n[0], 1, &c, scale),
                        t_weight(g, n[1], 1, &c, bias), t_weight(g, n[2], 1, &c, mean), t_weight(g, n[3], 1, &c, var));
    g->nodes[node].attrs.epsilon = 1e-5f;
    return t_out(g, node);
}

static ir_graph *mini_det(void) {
    ir_id x;
    ir_graph *g = t_graph(3, &x);
    T_NODE(g, Relu, "unused", x);
    /* stem: conv (no bias) + BN */
    ir_id c0 = t_out(g, t_conv(g, IR_OP_Conv, "c0", x, t_weight(g, "w0", T_DIMS(8, 3, 3, 3), NULL), IR_NONE, 2, 1, 1));
    ir_id b0 = bn(g, "bn0", c0, 8);
    /* depthwise conv, learnable affine, hardswish chain, learnable affine */
    ir_id c1 = t_out(g, t_conv(g, IR_OP_Conv, "c1", b0, t_weight(g, "w1", T_DIMS(8, 1, 3, 3), NULL),
                               t_weight(g, "b1", T_DIMS(8), NULL), 1, 1, 8));
    ir_id m1 = t_out(g, T_NODE(g, Mul, "m1", t_scalar(g, "s1", 1, 1.25f), c1));
    ir_id a1 = t_out(g, T_NODE(g, Add, "a1", m1, t_scalar(g, "t1", 1, 0.25f)));
    ir_id p3 = t_out(g, T_NODE(g, Add, "p3", a1, t_scalar(g, "three", 0, 3)));
    ir_id cl = t_out(g, t_act(g, IR_OP_Clip, "cl", p3, 0, 6));
    ir_id mu = t_out(g, T_NODE(g, Mul, "mu", a1, cl));
    ir_id hs = t_out(g, T_NODE(g, Div, "hs", mu, t_scalar(g, "six", 0, 6)));
    ir_id k = t_out(g, T_NODE(g, Mul, "k", t_scalar(g, "half", 1, 0.5f), t_scalar(g, "three_halves", 1, 1.5f)));
    ir_id m2 = t_out(g, T_NODE(g, Mul, "m2", k, hs)); /* constant operand computed by a node */
    ir_id a2 = t_out(g, T_NODE(g, Add, "a2", m2, t_scalar(g, "t2", 1, -0.125f)));
    /* pointwise conv + BN + Relu */
    ir_id c2 = t_out(g, t_conv(g, IR_OP_Conv, "c2", a2, t_weight(g, "w2", T_DIMS(8, 8, 1, 1), NULL),
                               t_weight(g, "b2", T_DIMS(8), NULL), 1, 0, 1));
    ir_id r2 = t_out(g, t_act(g, IR_OP_Relu, "r2", bn(g, "bn2", c2, 8), 0, 0));
    /* head: ConvTranspose, bias as Add, BN, Relu, 1x1 conv, Identity, Sigmoid */
    ir_id ct = t_out(g, t_conv(g, IR_OP_ConvTranspose, "ct", r2, t_weight(g, "wt", T_DIMS(8, 4, 2, 2), NULL),
                               IR_NONE, 2, 0, 1));
    ir_id ab = t_out(g, T_NODE(g, Add, "ab", ct, t_weight(g, "bt", T_DIMS(1, 4, 1, 1), NULL)));
    ir_id r3 = t_out(g, t_act(g, IR_OP_Relu, "r3", bn(g, "bn3", ab, 4), 0, 0));
    ir_id c4 = t_out(g, t_conv(g, IR_OP_Conv, "c4", r3, t_weight(g, "w4", T_DIMS(1, 4, 1, 1), NULL),
                               t_weight(g, "b4", T_DIMS(1), NULL), 1, 0, 1));
    ir_id id = t_out(g, T_NODE(g, Identity, "id", c4));
    t_set_output(g, t_out(g, t_act(g, IR_OP_Sigmoid, "maps", id, 0, 0)));
    return g;
}

static void canonicalizes(void) {
    ir_graph *g = mini_det();
    t_prepare(g);
    int64_t n0, n1;
    float *before = t_run(g, 64, 32, &n0);
    ocrs_diag diag = {0};
    ocrs_pipeline_opts o = {.verify_each = true};
    ocrs_status st = ocrs_canonicalize(g, &o, &diag);
    if (st) fprintf(stderr, "canonicalize: %s\n", diag.msg);
    CHECK(st == OCRS_OK);
    float *after = t_run(g, 64, 32, &n1);
    CHECK(before && after && n0 == n1 && t_close(before, after, n0, T_TOL));
    /* left: c0, c1 (+hardswish, then the second affine's Mul and Add as its
     * post step: they follow an activation), c2 (+relu), ct (+relu), c4 (+sigmoid) */
    CHECK(t_nodes(g) == 5);
    CHECK(t_count(g, IR_OP_Conv) == 4 && t_count(g, IR_OP_ConvTranspose) == 1);
    ir_act_kind acts[5] = {0};
    for (uint32_t i = 0; i < g->nnodes; i++) acts[i] = g->nodes[i].attrs.act.kind;
    static const ir_act_kind expected[5] = {IR_ACT_NONE, IR_ACT_HARDSWISH, IR_ACT_RELU, IR_ACT_RELU, IR_ACT_SIGMOID};
    CHECK(memcmp(acts, expected, sizeof acts) == 0);
    CHECK(g->nodes[1].attrs.post.on && g->nodes[1].attrs.post.scale == 0.75f && g->nodes[1].attrs.post.has_shift &&
          g->nodes[1].attrs.post.shift == -0.125f);
    CHECK(strcmp(g->values[g->outputs[0]].name, "maps") == 0);
    free(before);
    free(after);
    ir_graph_free(g);
}

static char *dump_after(const char *pass, ocrs_status *st) {
    ir_graph *g = mini_det();
    char *text = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&text, &size);
    ocrs_diag diag = {0};
    ocrs_pipeline_opts o = {.dump_after = pass, .dump_to = f};
    *st = ocrs_canonicalize(g, &o, &diag);
    fclose(f);
    ir_graph_free(g);
    return text;
}

static int occurrences(const char *text, const char *s) {
    int n = 0;
    for (const char *p = text; (p = strstr(p, s)); p++) n++;
    return n;
}

static void dumps_and_names(void) {
    ocrs_status st;
    char *t = dump_after("fold_bn", &st);
    CHECK(st == OCRS_OK && occurrences(t, "# after fold_bn\n") == 1 && occurrences(t, "# ocrslim IR") == 1);
    CHECK(occurrences(t, "BatchNormalization") == 0);
    free(t);
    t = dump_after("dce", &st);
    CHECK(st == OCRS_OK && occurrences(t, "# after dce\n") == 2);
    free(t);
    t = dump_after("fold_bnn", &st);
    CHECK(st == OCRS_ERR_USAGE && t && t[0] == 0);
    free(t);

    ir_graph *g = mini_det();
    ocrs_diag diag = {0};
    ocrs_pipeline_opts o = {.dump_after = "nope"};
    CHECK(ocrs_canonicalize(g, &o, &diag) == OCRS_ERR_USAGE && strstr(diag.msg, "'nope'") &&
          strstr(diag.msg, "fold_affine"));
    CHECK(t_count(g, IR_OP_BatchNormalization) == 3); /* nothing ran */
    ir_graph_free(g);

    CHECK(ocrs_is_pass_name("shape_infer") && ocrs_is_pass_name("fuse_act") && !ocrs_is_pass_name("fold"));
    char *list = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&list, &size);
    ocrs_list_passes(f);
    fclose(f);
    CHECK(strcmp(list, "shape_infer, fold_constants, dce, fuse_hardswish, fuse_layernorm, fuse_matmul_bias, mlp_conv, fold_affine, fold_bn, fuse_act, dead_channels, fuse_affine_act, fold_se_residual") == 0);
    free(list);
}

int main(void) {
    canonicalizes();
    dumps_and_names();
    return t_finish("test_pipeline");
}
