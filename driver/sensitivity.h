/* ocrslimc's sensitivity analysis and ratio selection (PaddleSlim's
 * recipe): each prunable group not skipped is pruned alone at each ratio,
 * the model compiled and run on the calibration images, and the relative
 * hmean loss recorded; ratios are then chosen per group under a loss bound
 * or a FLOPs target. */
#ifndef OCRS_DRIVER_SENSITIVITY_H
#define OCRS_DRIVER_SENSITIVITY_H

#include "prune_cli.h"

typedef struct {
    uint32_t ngroups;
    int nratios;
    double ratios[OCRS_PRUNE_MAX_RATIOS]; /* ascending */
    double base;                          /* hmean of the unpruned model */
    double *loss;                         /* ngroups x nratios; NAN: not measured (skipped) */
    double seconds;                       /* of the measurement (0 when cached) */
    char key[65];                         /* SHA-256 of everything the losses depend on */
} sens_table;

/* The table for the canonical graph g of p->model (calibration images
 * p->calib with their labels, or the unpruned model's boxes when the label
 * file has none), from the cache p->sens_out.yml when its key
 * matches, else measured with p->jobs processes and cached; curves drawn
 * to p->sens_out.svg. skip: per group. calib: statistics of g for p's
 * criterion and recovery (NULL without them), so each group is measured
 * as the final pruning will treat it. */
ocrs_status sens_measure(const ir_graph *g, const ocrs_channel_groups *cg, const bool *skip, const prune_cli *p,
                         const ocrs_calib *calib, sens_table *t, ocrs_diag *diag);
void sens_table_free(sens_table *t);

/* Measuring pruned models: the calibration images loaded and the unpruned
 * model scored once (sens_open), then batches of ratio vectors measured in
 * p->jobs forked processes (sens_losses), each pruned as the final pruning
 * will be (criterion, recovery, calib) and scored by hmean at limit_side_len
 * side. */
typedef struct sens_ctx sens_ctx;
#define SENS_ALL UINT32_MAX
ocrs_status sens_open(const ir_graph *g, const prune_cli *p, const ocrs_calib *calib, int side, sens_ctx **out,
                      ocrs_diag *diag);
/* loss[k]: relative hmean loss of the model pruned by background (NULL:
 * nothing) with group tg[k] at ratio tr[k] (tg[k] == SENS_ALL: background
 * as it is). phase names the progress lines. */
ocrs_status sens_losses(const sens_ctx *sc, const char *phase, const double *background, const uint32_t *tg,
                        const double *tr, int ntasks, double *loss, ocrs_diag *diag);
void sens_close(sens_ctx *sc);

/* PaddleSlim's rule: per group the largest ratio whose loss <= max_loss,
 * linearly interpolated between measured ratios (0 when not measured).
 * Losses can be negative (pruning a group alone can gain), and so can
 * max_loss: then only groups gaining at least -max_loss are pruned. */
void sens_select(const sens_table *t, double max_loss, double *ratio);

#endif
