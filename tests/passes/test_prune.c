/* prune: channel groups of residual, SE, depthwise and concat graphs; ratio 0
 * is the identity (IR dump unchanged); pruned graphs verify and run, with
 * the kept counts the ratio and vector width give; least squares recovers a
 * removed channel that a kept one spans exactly, through a 1x1 and through a
 * padded 3x3 consumer, where bias compensation alone cannot; the recon criterion removes a channel with the largest
 * filter that is constant on the calibration inputs, where l1_norm does not. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "testlib.h"

static ir_id conv(ir_graph *g, const char *out, ir_id x, int64_t cin, int64_t cout, int64_t k, int64_t group,
                  ir_act_kind act) {
    char wn[64], bn[64];
    snprintf(wn, sizeof wn, "%s.w", out);
    snprintf(bn, sizeof bn, "%s.b", out);
    ir_id w = t_weight(g, wn, T_DIMS(cout, cin / group, k, k), NULL), b = t_weight(g, bn, T_DIMS(cout), NULL);
    ir_id n = t_conv(g, IR_OP_Conv, out, x, w, b, 1, k / 2, group);
    g->nodes[n].attrs.act.kind = act;
    return t_out(g, n);
}

static uint32_t cls(const ocrs_channel_groups *cg, const ir_graph *g, const char *v, int64_t c) {
    return ocrs_chan_class_of(cg, ir_find_value(g, v), c);
}

static uint32_t grp(const ocrs_channel_groups *cg, const ir_graph *g, const char *v) {
    return cg->classes[cls(cg, g, v, 0)].group;
}

/* The channel groups of g (a check failure when they cannot be built). */
static ocrs_channel_groups *groups(const ir_graph *g) {
    ocrs_channel_groups *cg = NULL;
    ocrs_diag diag = {0};
    CHECK(ocrs_channel_groups_build(g, &cg, &diag) == OCRS_OK);
    return cg;
}

static int64_t channels(const ir_graph *g, const char *v) {
    ir_id id = ir_find_value(g, v);
    return id == IR_NONE ? -1 : g->values[id].dims[1].q;
}

/* Prunes every prunable group at ratio (vector width vw); checks the result
 * verifies and runs. */
static void prune_all(ir_graph *g, double ratio, int vw) {
    ocrs_diag diag = {0};
    ocrs_channel_groups *cg = NULL;
    CHECK(ocrs_channel_groups_build(g, &cg, &diag) == OCRS_OK);
    if (!cg) return;
    double *r = calloc(cg->ngroups, sizeof *r);
    for (uint32_t i = 0; i < cg->ngroups; i++) r[i] = ratio;
    ocrs_prune_opts o = {.ratio = r, .vector_width = vw};
    CHECK(ocrs_prune(g, cg, &o, NULL, &diag) == OCRS_OK);
    CHECK(ir_verify(g, &diag) == OCRS_OK);
    int64_t n;
    float *y = t_run(g, 32, 32, &n);
    CHECK(y != NULL);
    free(y);
    free(r);
    ocrs_channel_groups_free(cg);
}

/* s = a + b(a): a's and b's output channel c are one class with two
 * producers; y reads s. */
static ir_graph *residual(void) {
    ir_id x;
    ir_graph *g = t_graph(3, &x);
    ir_id a = conv(g, "a", x, 3, 8, 3, 1, IR_ACT_RELU);
    ir_id b = conv(g, "b", a, 8, 8, 1, 1, IR_ACT_NONE);
    ir_id s = t_out(g, T_NODE(g, Add, "s", a, b));
    t_set_output(g, conv(g, "y", s, 8, 2, 1, 1, IR_ACT_NONE));
    t_prepare(g);
    return g;
}

static void groups_residual(void) {
    ir_graph *g = residual();
    ocrs_channel_groups *cg = groups(g);
    CHECK(cls(cg, g, "a", 3) == cls(cg, g, "b", 3) && cls(cg, g, "b", 3) == cls(cg, g, "s", 3));
    CHECK(cls(cg, g, "a", 3) != cls(cg, g, "a", 4));
    const ocrs_chan_class *k = &cg->classes[cls(cg, g, "s", 3)];
    CHECK(k->nproducers == 2 && k->nconsumers == 2); /* producers a, b; consumers b, y */
    CHECK(cg->groups[grp(cg, g, "s")].prunable && cg->groups[grp(cg, g, "s")].nclasses == 8);
    ocrs_channel_groups_free(cg);
    prune_all(g, 0.5, 1);
    CHECK(channels(g, "a") == 4 && channels(g, "s") == 4 && channels(g, "y") == 2);
    ir_graph_free(g);
}

/* SE: m = a * hardsigmoid(conv(relu(conv(gap(a))))): a, the gate and m are
 * one group; the squeeze is its own. */
static void groups_se(void) {
    ir_id x;
    ir_graph *g = t_graph(3, &x);
    ir_id a = conv(g, "a", x, 3, 8, 3, 1, IR_ACT_RELU);
    ir_id p = t_out(g, T_NODE(g, GlobalAveragePool, "p", a));
    ir_id s1 = conv(g, "s1", p, 8, 4, 1, 1, IR_ACT_RELU);
    ir_id s2 = conv(g, "s2", s1, 4, 8, 1, 1, IR_ACT_HARDSIGMOID);
    g->nodes[g->values[s2].producer].attrs.act = (ir_act){IR_ACT_HARDSIGMOID, 0.2f, 0.5f};
    ir_id m = t_out(g, T_NODE(g, Mul, "m", a, s2));
    t_set_output(g, conv(g, "y", m, 8, 2, 1, 1, IR_ACT_NONE));
    t_prepare(g);
    ocrs_channel_groups *cg = groups(g);
    CHECK(cls(cg, g, "a", 5) == cls(cg, g, "s2", 5) && cls(cg, g, "p", 5) == cls(cg, g, "m", 5));
    CHECK(grp(cg, g, "s1") != grp(cg, g, "m") && cg->groups[grp(cg, g, "s1")].nclasses == 4);
    ocrs_channel_groups_free(cg);
    prune_all(g, 0.5, 2);
    CHECK(channels(g, "m") == 4 && channels(g, "s1") == 2);
    ir_graph_free(g);
}

/* A depthwise conv ties its input and output channels; its filters are
 * producers of the class. */
static void groups_depthwise(void) {
    ir_id x;
    ir_graph *g = t_graph(3, &x);
    ir_id a = conv(g, "a", x, 3, 8, 1, 1, IR_ACT_RELU);
    ir_id d = conv(g, "d", a, 8, 8, 3, 8, IR_ACT_RELU);
    t_set_output(g, conv(g, "y", d, 8, 2, 1, 1, IR_ACT_NONE));
    t_prepare(g);
    ocrs_channel_groups *cg = groups(g);
    CHECK(cls(cg, g, "a", 2) == cls(cg, g, "d", 2) && cg->classes[cls(cg, g, "d", 2)].nproducers == 2);
    ocrs_channel_groups_free(cg);
    prune_all(g, 0.25, 2); /* 8 * 0.75 = 6 */
    CHECK(channels(g, "d") == 6);
    ir_id dn = ir_find_value(g, "d");
    CHECK(dn != IR_NONE && g->nodes[g->values[dn].producer].attrs.group == 6);
    ir_graph_free(g);
}

/* Concat maps channels by offset; its inputs stay separate groups. */
static void groups_concat(void) {
    ir_id x;
    ir_graph *g = t_graph(3, &x);
    ir_id a = conv(g, "a", x, 3, 4, 3, 1, IR_ACT_RELU), b = conv(g, "b", x, 3, 6, 1, 1, IR_ACT_RELU);
    ir_id c = t_out(g, T_NODE(g, Concat, "c", a, b));
    g->nodes[g->values[c].producer].attrs.axis = 1;
    t_set_output(g, conv(g, "y", c, 10, 2, 1, 1, IR_ACT_NONE));
    t_prepare(g);
    ocrs_channel_groups *cg = groups(g);
    CHECK(cls(cg, g, "c", 5) == cls(cg, g, "b", 1) && cls(cg, g, "c", 3) == cls(cg, g, "a", 3));
    CHECK(grp(cg, g, "a") != grp(cg, g, "b"));
    ocrs_channel_groups_free(cg);
    prune_all(g, 0.5, 1);
    CHECK(channels(g, "a") == 2 && channels(g, "b") == 3 && channels(g, "c") == 5);
    ir_graph_free(g);
}

static void ratio_zero_is_identity(void) {
    ir_graph *g = residual();
    char *before = t_dump(g);
    prune_all(g, 0, 1);
    char *after = t_dump(g);
    CHECK(strcmp(before, after) == 0);
    free(before);
    free(after);
    ir_graph_free(g);
}

static void kept_counts(void) {
    CHECK(ocrs_prune_kept(48, 0, 8) == 48);
    CHECK(ocrs_prune_kept(48, 0.3, 8) == 32);  /* 33.6 -> 32 */
    CHECK(ocrs_prune_kept(48, 0.05, 8) == 48); /* 45.6 -> 48 */
    CHECK(ocrs_prune_kept(16, 0.9, 8) == 8);   /* at least one vector */
    CHECK(ocrs_prune_kept(6, 0.5, 8) == 6);    /* never more than n */
    CHECK(ocrs_prune_kept(10, 0.5, 1) == 5);
}

/* Calibrates g (whose output for a 32x32 input is ref) on 4 random inputs,
 * removes a quarter of layer a's 4 channels with recovery and tells whether
 * the output still matches ref within 1e-4 relative. */
static bool quarter_of_a_pruned(ir_graph *g, const float *ref, int64_t n, ocrs_prune_criterion crit, bool lsq) {
    ocrs_diag diag = {0};
    ocrs_calib *cal = NULL;
    CHECK(ocrs_calib_new(g, 64, &cal, &diag) == OCRS_OK);
    float *in = malloc(sizeof(float) * 3 * 32 * 32);
    uint32_t s = 7;
    for (int i = 0; i < 4; i++) {
        for (int j = 0; j < 3 * 32 * 32; j++) in[j] = (float)((s = s * 1664525u + 1013904223u) >> 8) / (1 << 24) * 8 - 4;
        CHECK(ocrs_calib_add(cal, g, (const float *const[]){in}, (const int64_t[]){32, 32}, &diag) == OCRS_OK);
    }
    ocrs_channel_groups *cg = groups(g);
    double *r = calloc(cg->ngroups, sizeof *r);
    r[grp(cg, g, "a")] = 0.25;
    ocrs_prune_opts o = {.ratio = r, .criterion = crit, .vector_width = 1, .calib = cal, .bias_compensation = true,
                         .least_squares = lsq, .ridge = 1e-9};
    CHECK(ocrs_prune(g, cg, &o, NULL, &diag) == OCRS_OK);
    CHECK(channels(g, "a") == 3);
    int64_t m;
    float *out = t_run(g, 32, 32, &m);
    bool close = out && m == n && t_close(ref, out, n, 1e-4);
    free(out);
    free(in);
    free(r);
    ocrs_channel_groups_free(cg);
    ocrs_calib_free(cal);
    return close;
}

/* Channel 0 of a is 0.1 x channel 1 before the activation (none): least
 * squares folds it into channel 1's weights exactly, through a 1x1 and a
 * padded 3x3 consumer (the padding's zeros are fitted too); bias
 * compensation alone does not. */
static void least_squares_exact(void) {
    for (int lsq = 0; lsq < 2; lsq++)
        for (int k = 1; k <= 3; k += 2) {
            ir_id x;
            ir_graph *g = t_graph(3, &x);
            ir_id a = conv(g, "a", x, 3, 4, 1, 1, IR_ACT_NONE);
            ir_node *an = &g->nodes[g->values[a].producer];
            float *w = g->values[an->inputs[1]].data, *b = g->values[an->inputs[2]].data;
            for (int c = 0; c < 3; c++) w[c] = 0.1f * w[3 + c];
            b[0] = 0.1f * b[1];
            t_set_output(g, conv(g, "y", a, 4, 3, k, 1, IR_ACT_NONE));
            t_prepare(g);
            int64_t n;
            float *ref = t_run(g, 32, 32, &n);
            CHECK(quarter_of_a_pruned(g, ref, n, OCRS_PRUNE_L1, lsq) == (lsq == 1));
            free(ref);
            ir_graph_free(g);
        }
}

/* Channel 0 of a = relu(5x larger filter, bias -1000) is always 0: recon
 * removes it (the output is unchanged), l1_norm keeps it and removes a
 * channel that matters. Without statistics recon is a usage error. */
static void recon_sees_constant_channels(void) {
    for (int crit = 0; crit < 2; crit++) {
        ir_id x;
        ir_graph *g = t_graph(3, &x);
        ir_id a = conv(g, "a", x, 3, 4, 1, 1, IR_ACT_RELU);
        ir_node *an = &g->nodes[g->values[a].producer];
        float *w = g->values[an->inputs[1]].data, *b = g->values[an->inputs[2]].data;
        for (int c = 0; c < 3; c++) w[c] = 5 * (fabsf(w[3 + c]) + fabsf(w[6 + c]) + fabsf(w[9 + c]) + 1);
        b[0] = -1000;
        t_set_output(g, conv(g, "y", a, 4, 3, 1, 1, IR_ACT_NONE));
        t_prepare(g);
        int64_t n;
        float *ref = t_run(g, 32, 32, &n);
        CHECK(quarter_of_a_pruned(g, ref, n, crit ? OCRS_PRUNE_RECON : OCRS_PRUNE_L1, false) == (crit == 1));
        free(ref);
        ir_graph_free(g);
    }
    ir_id x;
    ir_graph *g = t_graph(3, &x);
    t_set_output(g, conv(g, "y", conv(g, "a", x, 3, 4, 1, 1, IR_ACT_NONE), 4, 3, 1, 1, IR_ACT_NONE));
    t_prepare(g);
    ocrs_channel_groups *cg = groups(g);
    double r[8] = {0};
    r[grp(cg, g, "a")] = 0.5;
    ocrs_diag diag = {0};
    ocrs_prune_opts o = {.ratio = r, .criterion = OCRS_PRUNE_RECON, .vector_width = 1};
    CHECK(ocrs_prune(g, cg, &o, NULL, &diag) == OCRS_ERR_USAGE && strstr(diag.msg, "calibration"));
    ocrs_channel_groups_free(cg);
    ir_graph_free(g);
}

int main(void) {
    groups_residual();
    groups_se();
    groups_depthwise();
    groups_concat();
    ratio_zero_is_identity();
    kept_counts();
    least_squares_exact();
    recon_sees_constant_channels();
    return t_finish("prune");
}
