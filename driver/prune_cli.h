/* ocrslimc's pruning front end: `ocrslimc info` and the --prune options
 * (calibration images from a PaddleOCR label file, then passes/prune.c). */
#ifndef OCRS_DRIVER_PRUNE_CLI_H
#define OCRS_DRIVER_PRUNE_CLI_H

#include "passes.h"

typedef struct {
    double ratio;           /* for every prunable group not skipped; 0: no pruning */
    ocrs_prune_criterion criterion;
    int skip;               /* groups of the convs nearest the input left alone */
    int vector_width;
    const char *calib;      /* label file of calibration images, or NULL (no recovery) */
    const char *calib_root; /* image paths are relative to it (default: the label file's folder) */
    int calib_side;         /* limit_side_len (max) of the calibration inputs */
    int calib_images;       /* at most this many (0: all) */
    bool bias_compensation, least_squares;
    double ridge;
    bool dead_relu;         /* remove channels that are zero on every calibration image */
} prune_cli;

void prune_cli_defaults(prune_cli *p);
/* `ocrslimc info MODEL.onnx`: prints the channel groups; exit status. */
int prune_cli_info(int argc, char **argv);
/* Removes dead ReLUs when p->dead_relu, then prunes the canonical graph g
 * as p says (nothing when p->ratio is 0). */
ocrs_status prune_cli_run(ir_graph *g, const prune_cli *p, int verbose, ocrs_diag *diag);

#endif
