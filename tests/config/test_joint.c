/* joint_refine on a made-up model whose groups 0 and 1 cost nothing alone
 * but much together (what least squares does to the real detector's
 * groups): the refinement must keep one of them whole, re-choose the
 * others, stop at the bound or the round limit, and return the best model
 * it measured. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "joint.h"

static int failures, calls, tasks;

static void expect(const char *what, double got, double want) {
    if (fabs(got - want) > 1e-12) {
        printf("FAIL %s: %.15g, expected %.15g\n", what, got, want);
        failures++;
    }
}

enum { NG = 4 }; /* group 3 is never pruned (skipped) */

static double model_loss(const double *r, bool flat) {
    if (flat) return 0.02;
    return 0.001 * (r[0] + r[1] + r[2]) + (r[0] > 0 && r[1] > 0 ? 0.05 : 0) + (r[2] > 0.55 ? 0.003 : 0);
}

static ocrs_status losses(void *arg, int round, const double *ratio, const uint32_t *tg, int n, double *loss,
                          ocrs_diag *diag) {
    (void)round, (void)diag;
    calls++;
    tasks += n;
    for (int k = 0; k < n; k++) {
        double r[NG];
        memcpy(r, ratio, sizeof r);
        if (tg[k] != JOINT_WHOLE) r[tg[k]] = 0;
        loss[k] = model_loss(r, *(bool *)arg);
    }
    return OCRS_OK;
}

/* The others pruned harder by 0.1 per group kept whole, for the same FLOPs. */
static ocrs_status choose(void *arg, const bool *kept, double *ratio, ocrs_diag *diag) {
    (void)arg, (void)diag;
    int nk = 0;
    for (int g = 0; g < 3; g++) nk += kept[g];
    for (int g = 0; g < 3; g++) ratio[g] = kept[g] ? 0 : 0.5 + 0.1 * nk;
    return OCRS_OK;
}

static bool prunes(void *arg, uint32_t gi, double r) {
    (void)arg;
    return gi < 3 && r > 0;
}

static void report(void *arg, int round, const double *ratio, double loss, uint32_t kept, double kept_loss) {
    (void)arg, (void)round, (void)ratio, (void)loss, (void)kept, (void)kept_loss;
}

static double run(double bound, int rounds, bool flat, double *ratio, bool *kept) {
    joint_problem jp = {.ngroups = NG, .bound = bound, .rounds = rounds, .losses = losses, .choose = choose,
                        .prunes = prunes, .report = report, .arg = &flat};
    double start[NG] = {0.5, 0.5, 0.5, 0}, loss = -1;
    memcpy(ratio, start, sizeof start);
    memset(kept, 0, NG);
    calls = tasks = 0;
    ocrs_diag diag = {0};
    if (joint_refine(&jp, ratio, kept, &loss, &diag)) {
        printf("FAIL: joint_refine: %s\n", diag.msg);
        failures++;
    }
    return loss;
}

int main(void) {
    double r[NG];
    bool kept[NG];
    /* Round 1: 0.0515; restoring 0 or 1 alone gives 0.001, so group 0 is
     * kept whole; round 2: {0, 0.6, 0.6} loses 0.0042 <= 0.005. */
    expect("bound reached: loss", run(0.005, 4, false, r, kept), 0.0042);
    expect("bound reached: kept", kept[0] + 2 * kept[1] + 4 * kept[2] + 8 * kept[3], 1);
    expect("bound reached: ratio 1", r[1], 0.6);
    expect("bound reached: ratio 0", r[0], 0);
    expect("bound reached: whole-model measurements", calls, 2);
    expect("bound reached: measurements (whole + each pruned group, twice)", tasks, 4 + 3);
    /* An unreachable bound: round 2 keeps group 2 (0.0006 < 0.0036), round
     * 3 is the last and the best. */
    expect("out of rounds: loss", run(0.0001, 3, false, r, kept), 0.0007);
    expect("out of rounds: kept", kept[0] + 2 * kept[1] + 4 * kept[2], 1 + 4);
    expect("out of rounds: ratio 1", r[1], 0.7);
    expect("out of rounds: rounds", calls, 3);
    /* One round: the table's choice, measured. */
    expect("one round: loss", run(0.005, 1, false, r, kept), 0.0515);
    expect("one round: ratio 0", r[0], 0.5);
    expect("one round: nothing kept", kept[0] + kept[1] + kept[2], 0);
    /* Restoring no single group helps: stop after one round. */
    expect("no gain: loss", run(0.001, 4, true, r, kept), 0.02);
    expect("no gain: rounds", calls, 1);
    expect("no gain: ratio 2", r[2], 0.5);
    printf("%s\n", failures ? "FAILED" : "joint_refine ok");
    return failures != 0;
}
