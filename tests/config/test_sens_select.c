/* PaddleSlim's ratio rule (sens_select): per group the largest measured
 * ratio with loss <= max_loss, linearly interpolated up to the first ratio
 * above it; groups not measured keep ratio 0. */
#include <math.h>
#include <stdio.h>

#include "sensitivity.h"

static int failures;

static void expect(const char *what, double got, double want) {
    if (fabs(got - want) > 1e-12) {
        printf("FAIL %s: %.15g, expected %.15g\n", what, got, want);
        failures++;
    }
}

int main(void) {
    double loss[] = {
        0.00, 0.01, 0.05, 0.20,  /* group 0: crosses 0.02 between 0.2 and 0.3 */
        0.00, 0.00, 0.00, 0.01,  /* group 1: tolerates every ratio */
        0.50, 0.60, 0.70, 0.80,  /* group 2: nothing tolerable: from (0, 0) */
        NAN, NAN, NAN, NAN,      /* group 3: skipped */
        -0.01, 0.03, 0.01, 0.04, /* group 4: not monotone: stops at the first excess */
    };
    sens_table t = {.ngroups = 5, .nratios = 4, .ratios = {0.1, 0.2, 0.3, 0.5}, .loss = loss};
    double r[5];
    sens_select(&t, 0.02, r);
    expect("group 0", r[0], 0.2 + 0.1 * (0.02 - 0.01) / (0.05 - 0.01));
    expect("group 1", r[1], 0.5);
    expect("group 2", r[2], 0.1 * 0.02 / 0.5);
    expect("group 3", r[3], 0);
    expect("group 4", r[4], 0.1 + 0.1 * (0.02 + 0.01) / (0.03 + 0.01));
    sens_select(&t, 0, r);
    expect("max_loss 0, group 1", r[1], 0.3);
    expect("max_loss 0, group 0", r[0], 0.1);
    sens_select(&t, -0.005, r); /* only gains: group 4 gains 0.01 at ratio 0.1 */
    expect("max_loss < 0, group 0", r[0], 0);
    expect("max_loss < 0, group 4", r[4], 0.1 + 0.1 * (-0.005 + 0.01) / (0.03 + 0.01));
    printf("%s\n", failures ? "FAILED" : "sens_select ok");
    return failures != 0;
}
