/* The pruning settings ocrslimc reads from its flags and from the config's
 * Prune section, their defaults (the measured best recipe) and ranges, and
 * the files pruning writes beside the output. */
#ifndef OCRS_DRIVER_PRUNE_OPTS_H
#define OCRS_DRIVER_PRUNE_OPTS_H

#include <stdbool.h>
#include <stddef.h>

#include "frontend.h"
#include "passes.h"

enum { OCRS_PRUNE_MAX_NAMES = 64, OCRS_PRUNE_MAX_RATIOS = 32 };

/* What a measurement scores (driver/task.c): a DB detector's hmean, a CTC
 * recognizer's line accuracy on the labelled lines' crops, an OCR system
 * library's end-to-end F (the system mode's own check; no --task). */
typedef enum { OCRS_TASK_DET, OCRS_TASK_REC, OCRS_TASK_SYSTEM, OCRS_TASKS } ocrs_task_kind;

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
    double loss_bound;      /* the whole pruned model may lose at most this (relative): the
                             * joint refinement aims at it, the final check refuses above it */
    bool force;             /* write a model the final check refuses, or one no check can measure */
    int joint_rounds;       /* measurements of the whole model in that refinement, at most */
    int joint_side;         /* limit_side_len of its runs and of the final check (960, the library's) */
    ocrs_task_kind task;    /* what measurements score */
    unsigned models;        /* an OCR system: the models pruned, bits 1 << task (default: det and rec) */
    const char *dict;       /* the recognizer's dictionary (task rec) */
    bool use_space;         /* its space class */
    const char *model;      /* the ONNX file, re-imported by the sensitivity workers */
    const ocrs_import_opts *import; /* how (the --dim settings), or NULL */
    const char *sens_out;   /* prefix of the sensitivity files (prune_cli_output) */
    int jobs;               /* sensitivity worker processes */
    int shard, nshards;     /* --sens-shard K/N: measure only share K (1-based) of N; 0/0: all */
    int sens_side;          /* limit_side_len of the sensitivity runs (480) */
    int vector_width;
    const char *calib;      /* label file of calibration images, or NULL (no recovery) */
    const char *calib_root; /* image paths are relative to it (default: the label file's folder) */
    int calib_side;         /* limit_side_len (max) of the calibration inputs */
    int calib_images;       /* at most this many (0: unset, all) */
    bool bias_compensation, least_squares;
    double ridge;
    int lsq_samples;        /* least squares: input patches sampled per calibration image */
    bool dead_relu;         /* remove channels that are zero on every calibration image */
} prune_cli;

/* The defaults: criterion recon, least-squares recovery (with --calib),
 * joint refinement and a final check against a 1% loss bound. */
void prune_cli_defaults(prune_cli *p);

/* The numeric settings: one row each, read from the command line (--flag)
 * and from the config (Prune.key) with the same syntax and range. */
typedef struct {
    const char *flag;      /* ocrslimc option without "--", or NULL */
    const char *key;       /* config key under Prune ("calib.side"), or NULL */
    bool count;            /* an int field, else a double */
    double lo, hi;         /* the range, each end closed unless *_open */
    bool lo_open, hi_open;
    size_t off;            /* offsetof(prune_cli, field) */
} prune_num;
enum { PRUNE_NUMS = 14 };
extern const prune_num prune_nums[PRUNE_NUMS];
/* The row of flag, else of key; NULL if none. */
const prune_num *prune_num_find(const char *flag, const char *key);
/* "an integer in [32, 4096]", "a number in [0, 1)": for messages. */
void prune_num_range(const prune_num *n, char *buf, size_t size);
/* text as n's value, strictly (the whole text, a number in n's range);
 * false if not. */
bool prune_num_parse(const prune_num *n, const char *text, double *v);
/* prune_num_parse into p's field. */
bool prune_num_set(const prune_num *n, const char *text, prune_cli *p);
/* The whole text as a finite number, or as a decimal integer, no leading
 * space; false if not. */
bool strict_real(const char *text, double *v);
bool strict_count(const char *text, long *v);

/* Whether p prunes at all, and whether by ratios a sensitivity analysis chooses. */
bool prune_cli_prunes(const prune_cli *p);
bool prune_cli_sensitive(const prune_cli *p);

/* The files pruning as p says writes, beside p->sens_out. */
typedef enum { PRUNE_OUT_TABLE, PRUNE_OUT_CURVES, PRUNE_OUT_JOINT, PRUNE_OUTS } prune_out;
/* Whether p writes out (path and role in messages into the buffers). A
 * shard writes its part of the table instead (sens_shard_path). */
bool prune_cli_output(const prune_cli *p, prune_out out, char *path, size_t size, const char **role);

#endif
