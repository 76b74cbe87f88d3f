/* dead_relu: a channel that calibration shows is always zero is removed
 * from its producer and its readers; one that is non-zero on some input
 * stays. The output on the calibration inputs is unchanged. */
#include "testlib.h"

int main(void) {
    ir_id x;
    ir_graph *g = t_graph(1, &x);
    /* conv a: 1 -> 3 channels, 1x1, relu. Channel 0 copies x (x >= 0 in the
     * calibration input, so it stays), channel 1 is -x - 1 (always negative:
     * zero after relu), channel 2 is x - 0.5 (positive somewhere). */
    float wa[3] = {1, -1, 1}, ba[3] = {0, -1, -0.5f};
    ir_id a = t_conv(g, IR_OP_Conv, "a", x, t_weight(g, "a.w", T_DIMS(3, 1, 1, 1), wa),
                     t_weight(g, "a.b", T_DIMS(3), ba), 1, 0, 1);
    g->nodes[a].attrs.act.kind = IR_ACT_RELU;
    /* conv b reads all three through a padded 3x3 kernel. */
    float wb[27];
    for (int i = 0; i < 27; i++) wb[i] = 0.1f * (float)(i % 7) - 0.2f;
    ir_id b = t_conv(g, IR_OP_Conv, "b", t_out(g, a), t_weight(g, "b.w", T_DIMS(1, 3, 3, 3), wb), IR_NONE, 1, 1, 1);
    t_set_output(g, t_out(g, b));
    t_prepare(g);

    enum { S = 32 }; /* H = W = S */
    static const int64_t sizes[2] = {S, S};
    float in[S * S], before[S * S], after[S * S];
    const float *inputs[1] = {in};
    for (int i = 0; i < S * S; i++) in[i] = (float)(i % 17) / 16.0f;
    ocrs_diag diag = {0};
    CHECK(ir_interp_run(g, inputs, sizes, (float *const[]){before}, &diag) == OCRS_OK);

    ocrs_channel_groups *cg = NULL;
    ocrs_calib *calib = NULL;
    uint32_t removed = 0;
    CHECK(ocrs_channel_groups_build(g, &cg, &diag) == OCRS_OK);
    CHECK(ocrs_calib_new(g, 0, &calib, &diag) == OCRS_OK);
    CHECK(ocrs_calib_add(calib, g, inputs, sizes, &diag) == OCRS_OK);
    CHECK(pass_dead_relu(g, cg, calib, NULL, &removed, &diag) == OCRS_OK);
    CHECK(removed == 1);
    CHECK(ir_verify(g, &diag) == OCRS_OK);
    ir_id av = ir_find_value(g, "a");
    CHECK(av != IR_NONE && g->values[av].dims[1].q == 2);
    CHECK(ir_interp_run(g, inputs, sizes, (float *const[]){after}, &diag) == OCRS_OK);
    CHECK(t_close(before, after, S * S, T_TOL));
    ocrs_calib_free(calib);
    ocrs_channel_groups_free(cg);
    ir_graph_free(g);
    return t_finish("test_dead_relu");
}
