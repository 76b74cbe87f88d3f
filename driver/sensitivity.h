/* ocrslimc's sensitivity analysis and ratio selection (PaddleSlim's
 * recipe): each prunable group not skipped is pruned alone at each ratio,
 * the model compiled and scored on the calibration samples through its
 * task (driver/task.c), and the relative loss of the metric recorded;
 * ratios are then chosen per group under a loss bound or a FLOPs target.
 * The table's measurements can be spread over machines: --sens-shard K/N
 * measures every N-th into its own file, and the N files merge (by the
 * normal run finding them, or `ocrslimc sens-merge`) into the table a
 * single process writes, byte for byte. */
#ifndef OCRS_DRIVER_SENSITIVITY_H
#define OCRS_DRIVER_SENSITIVITY_H

#include "prune_opts.h"
#include "sens_table.h"
#include "sha256.h"
#include "task.h"

/* The table for the canonical graph g of p->model, scored by tk on its
 * samples: from the cache p->sens_out.yml when its key matches, else from
 * all the shards' files p->sens_out.shard-K-of-N.yml when there are any
 * (errors name a missing or mismatched one), else measured with p->jobs
 * processes and cached; curves drawn to p->sens_out.svg. With
 * p->nshards, only shard p->shard is measured and written to its file
 * (t then holds that share). skip: per group. calib: statistics of g for
 * p's criterion and recovery (NULL without them), so each group is
 * measured as the final pruning will treat it. */
ocrs_status sens_measure(const ir_graph *g, const ocrs_channel_groups *cg, const bool *skip, const prune_cli *p,
                         const ocrs_calib *calib, task *tk, sens_table *t, ocrs_diag *diag);
/* Hashes into h what every measurement on p's calibration samples depends
 * on besides the model: the label file's lines and every image (and the
 * dictionary, for a recognizer), the task, how many samples at which side,
 * and the import's dim settings. For the caches' keys. */
ocrs_status sens_hash_samples(const prune_cli *p, sha256_ctx *h, ocrs_diag *diag);
/* The file of shard K of N. */
void sens_shard_path(const prune_cli *p, int shard, int nshards, char *buf, size_t size);

/* Measuring pruned models: the unpruned model scored once (sens_open),
 * then batches of ratio vectors measured in p->jobs forked processes
 * (sens_losses), each pruned as the final pruning will be (criterion,
 * recovery, calib) and scored by tk (a detector at limit_side_len side). */
typedef struct sens_ctx sens_ctx;
#define SENS_ALL UINT32_MAX
ocrs_status sens_open(const ir_graph *g, const prune_cli *p, const ocrs_calib *calib, task *tk, int side,
                      sens_ctx **out, ocrs_diag *diag);
/* loss[k]: relative loss of the model pruned by background (NULL:
 * nothing) with group tg[k] at ratio tr[k] (tg[k] == SENS_ALL: background
 * as it is). phase names the progress lines. */
ocrs_status sens_losses(const sens_ctx *sc, const char *phase, const double *background, const uint32_t *tg,
                        const double *tr, int ntasks, double *loss, ocrs_diag *diag);
/* The same for any kind of measurement: loss[k] = fn(ctx, k) for k in
 * [0, ntasks), in p->jobs forked workers (fn may change what the fork
 * holds: the parent's memory is its own); what names task k in the
 * progress lines and in errors. */
typedef ocrs_status (*sens_measure_fn)(void *ctx, int k, double *loss, ocrs_diag *diag);
typedef void (*sens_describe_fn)(void *ctx, int k, char *buf, size_t size);
ocrs_status sens_run(const sens_ctx *sc, const char *phase, int ntasks, sens_measure_fn fn, sens_describe_fn what,
                     void *ctx, double *loss, ocrs_diag *diag);
/* The relative loss of graph g (already pruned) against the unpruned
 * model, compiled as lib<name>.so; its score into *score unless NULL. */
ocrs_status sens_score(const sens_ctx *sc, const ir_graph *g, const char *name, double *loss, double *score,
                       ocrs_diag *diag);
double sens_base(const sens_ctx *sc);
void sens_close(sens_ctx *sc);

#endif
