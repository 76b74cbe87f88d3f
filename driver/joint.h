/* Joint refinement of per-group pruning ratios (--prune-joint-loss).
 * The sensitivity table measures each group pruned alone; with least
 * squares most groups then lose almost nothing, while pruned together
 * they do. So the chosen model is measured whole; while its loss is above
 * the bound, each pruned group is restored in turn (leave one out), the one
 * whose restoring gains most is kept whole from then on, and the other
 * groups' ratios are chosen again for the same target. The best model
 * measured wins. */
#ifndef OCRS_DRIVER_JOINT_H
#define OCRS_DRIVER_JOINT_H

#include <stdbool.h>
#include <stdint.h>

#include "diag.h"

#define JOINT_WHOLE UINT32_MAX

typedef struct {
    uint32_t ngroups;
    double bound; /* loss the whole model may have */
    int rounds;   /* whole-model measurements, at most */
    /* loss[k]: of the model pruned by ratio with group tg[k] restored
     * whole (tg[k] == JOINT_WHOLE: ratio as it is). */
    ocrs_status (*losses)(void *arg, int round, const double *ratio, const uint32_t *tg, int n, double *loss,
                          ocrs_diag *diag);
    /* ratio: chosen again, with the groups in kept left whole. */
    ocrs_status (*choose)(void *arg, const bool *kept, double *ratio, ocrs_diag *diag);
    /* Whether ratio r removes channels of group gi. */
    bool (*prunes)(void *arg, uint32_t gi, double r);
    /* Progress: round's loss, and the group kept whole after it (JOINT_WHOLE: none). */
    void (*report)(void *arg, int round, const double *ratio, double loss, uint32_t kept, double kept_loss);
    void *arg;
} joint_problem;

/* Refines ratio (the table's choice) in place; kept (ngroups, all false
 * on entry) gets the groups kept whole in the returned ratios, *loss their
 * measured loss. */
ocrs_status joint_refine(const joint_problem *jp, double *ratio, bool *kept, double *loss, ocrs_diag *diag);

#endif
