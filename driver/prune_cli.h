/* ocrslimc's pruning front end: `ocrslimc info`, `ocrslimc sens-merge` and
 * the --prune options (calibration samples through the task, the
 * sensitivity table, ratio selection, joint refinement, passes/prune.c,
 * and the final check of the pruned model against the loss bound). */
#ifndef OCRS_DRIVER_PRUNE_CLI_H
#define OCRS_DRIVER_PRUNE_CLI_H

#include "frontend.h"
#include "prune_opts.h"

/* What pruning did and measured, for messages and the generated header. */
typedef struct {
    ocrs_task_kind task;
    double flops[2];     /* before and after, at the graph's typical sizes */
    double params[2];    /* float weights before and after */
    bool measured;       /* the final check ran (it needs calibration samples) */
    double base, score;  /* the unpruned and the pruned model's metric */
    double loss, bound;  /* relative loss, and the bound it was held to */
    int samples;         /* calibration images or lines it was measured on */
    bool shard_only;     /* --sens-shard: only a shard of the table measured; nothing to compile */
} prune_result;

/* One line: FLOPs before and after, and the measured loss (or that none was). */
void prune_result_text(const prune_result *r, char *buf, size_t size);

/* `ocrslimc info MODEL.onnx`: prints the channel groups; exit status. */
int prune_cli_info(int argc, char **argv);
/* `ocrslimc sens-merge -o TABLE SHARD...`: exit status. */
int prune_cli_merge(int argc, char **argv);
/* The same in steps, for an OCR system choosing each model's FLOPs target
 * from all their sensitivity tables: prune_begin makes the statistics and
 * the table (*out NULL when p prunes nothing), prune_job_flops gives the
 * FLOPs (or -1) of the table's choices under the per-group bounds lo and
 * hi blended, lo's ratios + b * (hi's - lo's),
 * prune_end chooses with flops_target (< 0: p's), refines, prunes, checks
 * and frees the job; res may be NULL. */
typedef struct prune_job prune_job;
ocrs_status prune_begin(ir_graph *g, const prune_cli *p, int verbose, prune_job **out, ocrs_diag *diag);
const prune_result *prune_job_result(const prune_job *j);
double prune_job_flops(const prune_job *j, double lo, double hi, double b, ocrs_diag *diag);
/* How a FLOPs target is met from sensitivity tables: the smallest
 * per-group loss bound hi (bisected over [-1, 1], `steps` halvings) whose
 * choice removes `target` of `before`, then, since many groups lose
 * nothing up to their largest ratio and the FLOPs jump at such a bound, the
 * blend b in [0, 1] of the choices at lo and hi that just does.
 * flops(ctx, lo, hi, b, diag) gives the FLOPs of that blended choice (< 0:
 * an error, in diag). */
typedef double (*prune_flops_fn)(void *ctx, double lo, double hi, double b, ocrs_diag *diag);
ocrs_status prune_bisect_target(prune_flops_fn flops, void *ctx, double before, double target, int steps,
                                double *lo_out, double *hi_out, double *b_out, ocrs_diag *diag);
ocrs_status prune_end(prune_job *j, double flops_target, prune_result *res, ocrs_diag *diag);
/* Frees a job without finishing it (NULL is a no-op). */
void prune_job_free(prune_job *j);

/* Prunes the canonical graph g as p says (by one ratio, or by ratios chosen
 * from the sensitivity analysis and refined jointly), checks the pruned
 * model against p->loss_bound on the calibration samples, then removes
 * dead ReLUs when p->dead_relu. res: what it did. */
ocrs_status prune_cli_run(ir_graph *g, const prune_cli *p, int verbose, prune_result *res, ocrs_diag *diag);

#endif
