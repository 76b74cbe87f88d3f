/* ocrslimc's pruning front end: `ocrslimc info` and the --prune options
 * (calibration images from a PaddleOCR label file, then passes/prune.c). */
#ifndef OCRS_DRIVER_PRUNE_CLI_H
#define OCRS_DRIVER_PRUNE_CLI_H

#include "image.h"
#include "passes.h"

enum { OCRS_PRUNE_MAX_NAMES = 64, OCRS_PRUNE_MAX_RATIOS = 32 };

typedef struct {
    double ratio;           /* for every prunable group not skipped; 0: no pruning */
    int ngroup_ratios;      /* per-group ratios overriding the uniform or chosen ones */
    struct {
        int group;
        double ratio;
    } group_ratios[OCRS_PRUNE_MAX_NAMES];
    ocrs_prune_criterion criterion;
    int skip;               /* groups of the convs nearest the input left alone */
    int nskip_names;        /* more groups left alone: those of these layers or values */
    const char *skip_names[OCRS_PRUNE_MAX_NAMES];
    int nratios;            /* sensitivity analysis ratios (0: the default list) */
    double ratios[OCRS_PRUNE_MAX_RATIOS];
    double max_loss;        /* ratio selection: loss bound per group, or */
    double flops_target;    /* share of the FLOPs to remove (0: unset) */
    double joint_loss;      /* > 0: refine the chosen ratios until the whole model loses at most this */
    int joint_rounds;       /* measurements of the whole model in that refinement, at most */
    int joint_side;         /* limit_side_len of its runs (960, the library's default) */
    const char *model;      /* the ONNX file, re-imported by the sensitivity workers */
    const char *sens_out;   /* the table is cached in <sens_out>.yml, drawn in <sens_out>.svg */
    int jobs;               /* sensitivity worker processes */
    int sens_side;          /* limit_side_len of the sensitivity runs (480) */
    int vector_width;
    const char *calib;      /* label file of calibration images, or NULL (no recovery) */
    const char *calib_root; /* image paths are relative to it (default: the label file's folder) */
    int calib_side;         /* limit_side_len (max) of the calibration inputs */
    int calib_images;       /* at most this many (0: all) */
    bool bias_compensation, least_squares;
    double ridge;
    int lsq_samples;        /* least squares: input patches sampled per calibration image */
    bool dead_relu;         /* remove channels that are zero on every calibration image */
} prune_cli;

void prune_cli_defaults(prune_cli *p);
/* Calls each for the lines of p->calib (at most p->calib_images) with the
 * image's path, "labelfile:line", the path as the label file gives it and
 * the label list. */
typedef ocrs_status (*prune_cli_path_fn)(void *arg, const char *path, const char *where, const char *rel,
                                         const char *labels, ocrs_diag *diag);
ocrs_status prune_cli_paths(const prune_cli *p, prune_cli_path_fn each, void *arg, ocrs_diag *diag);
/* prune_cli_paths with each image loaded; each owns img. */
typedef ocrs_status (*prune_cli_image_fn)(void *arg, const char *rel, image *img, const char *labels,
                                          ocrs_diag *diag);
ocrs_status prune_cli_images(const prune_cli *p, prune_cli_image_fn each, void *arg, ocrs_diag *diag);
/* `ocrslimc info MODEL.onnx`: prints the channel groups; exit status. */
int prune_cli_info(int argc, char **argv);
/* Prunes the canonical graph g as p says (by one ratio, or by ratios chosen
 * from the sensitivity analysis), then removes dead ReLUs when p->dead_relu. */
ocrs_status prune_cli_run(ir_graph *g, const prune_cli *p, int verbose, ocrs_diag *diag);

#endif
