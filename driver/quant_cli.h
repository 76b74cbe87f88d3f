/* ocrslimc's quantization front end: --quantize int8 on a canonical (and
 * maybe pruned) graph: activation statistics on the calibration samples
 * through the task, passes/quantize.c, and the check of the quantized model
 * against the unquantized one within --quant-loss-bound. */
#ifndef OCRS_DRIVER_QUANT_CLI_H
#define OCRS_DRIVER_QUANT_CLI_H

#include "passes.h"
#include "prune_cli.h"

typedef struct {
    bool on;                 /* --quantize int8 */
    ocrs_quant_opts o;       /* method and percentile */
    const char *keep[OCRS_PRUNE_MAX_NAMES]; /* --quant-fp32: convs left in float */
    int nkeep;
    bool no_equalize;        /* --quant-no-equalize: no passes/equalize.c */
    double loss_bound;       /* --quant-loss-bound: the relative loss allowed on the calibration samples */
} quant_cli;

/* What quantization did and measured, for messages and the generated header. */
typedef struct {
    ocrs_task_kind task;
    ocrs_qcalib_method method;
    ocrs_quant_report rep;
    double bytes[2];         /* weight bytes as floats, and with the int8 ones as int8 */
    int images;              /* calibration samples the statistics came from */
    int equalized;           /* values whose channels passes/equalize.c scaled */
    double base, score, loss, bound;
} quant_result;

/* The defaults: off; percentile calibration at 99.99; a loss bound of 0.5%,
 * half pruning's (docs/quantization.md: the loss on the calibration samples
 * underestimated the loss on unseen ones).
 * Inline so that the config reader (fuzzed without the driver) has it. */
static inline void quant_cli_init(quant_cli *q) {
    *q = (quant_cli){.o = {.method = OCRS_QCALIB_PERCENTILE, .percentile = 99.99}, .loss_bound = 0.005};
}
/* One line for the header and the log. */
void quant_result_text(const quant_result *r, char *buf, size_t size);
/* A model's header note: what pruning did (when it pruned), then what
 * quantization did (when it quantized), a line each; false when neither. */
bool compression_note(const prune_result *p, const quant_result *q, char *buf, size_t size);
/* The cache of the per-conv int8 losses, beside p->sens_out (its path
 * into path); whether q writes it. */
bool quant_cli_output(const quant_cli *q, const prune_cli *p, char *path, size_t size);
/* Quantizes g when q->on, within q's loss bound, with p's calibration
 * samples, task, side and force; res: what it did (zeroed when nothing). */
ocrs_status quant_cli_run(ir_graph *g, const quant_cli *q, const prune_cli *p, int verbose, quant_result *res,
                          ocrs_diag *diag);

#endif
