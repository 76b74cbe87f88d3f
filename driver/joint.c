/* Joint refinement (see joint.h): greedy backward selection over groups,
 * one whole-model measurement plus one per pruned group each round. */
#include "joint.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

ocrs_status joint_refine(const joint_problem *jp, double *ratio, bool *kept, double *loss_out, ocrs_diag *diag) {
    uint32_t ng = jp->ngroups;
    double *best = malloc(sizeof *best * (ng + 1)), *loss = malloc(sizeof *loss * (ng + 1));
    uint32_t *tg = malloc(sizeof *tg * (ng + 1));
    bool *now = calloc(ng + 1, 1);
    ocrs_status st = OCRS_OK;
    if (!best || !loss || !tg || !now) st = ocrs_fail(diag, OCRS_ERR_NOMEM, "out of memory");
    double best_loss = INFINITY;
    for (int round = 1; !st && round <= jp->rounds; round++) {
        int n = 0;
        tg[n++] = JOINT_WHOLE;
        /* The last round picks nothing, so it measures the whole model only. */
        for (uint32_t gi = 0; gi < ng && round < jp->rounds; gi++)
            if (jp->prunes(jp->arg, gi, ratio[gi])) tg[n++] = gi;
        if ((st = jp->losses(jp->arg, round, ratio, tg, n, loss, diag))) break;
        if (loss[0] < best_loss) {
            best_loss = loss[0];
            memcpy(best, ratio, sizeof *best * ng);
            memcpy(kept, now, ng);
        }
        int pick = 0;
        if (loss[0] > jp->bound && round < jp->rounds)
            for (int k = 1; k < n; k++)
                if (loss[k] < loss[pick]) pick = k;
        jp->report(jp->arg, round, ratio, loss[0], pick ? tg[pick] : JOINT_WHOLE, loss[pick]);
        if (!pick) break; /* within the bound, out of rounds, or restoring no single group helps */
        now[tg[pick]] = true;
        st = jp->choose(jp->arg, now, ratio, diag);
    }
    if (!st) {
        memcpy(ratio, best, sizeof *best * ng);
        *loss_out = best_loss;
    }
    free(best);
    free(loss);
    free(tg);
    free(now);
    return st;
}
