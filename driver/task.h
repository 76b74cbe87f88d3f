/* What pruning measures a model by, per task: which samples a label file
 * gives, how they feed calibration (the library's own pre-processing, so
 * the statistics are of the activations the compiled model sees) and how
 * a compiled model scores on them.
 *   det: the images; hmean of the detector's boxes against the labelled
 *        regions (examples/eval's rules), or against the unpruned model's
 *        boxes when the file has no regions.
 *   rec: the crops of the labelled lines (PaddleOCR's get_rotate_crop_image,
 *        turned when 1.5 times taller than wide), each resized as
 *        PaddleOCR's predict_rec resizes a batch of one; line accuracy of
 *        the CTC-decoded text against the transcription (RecMetric: spaces
 *        ignored). Lines labelled "###" are left out.
 *   system: the images; end-to-end F of an OCR system library's lines
 *        (a box matching a labelled region at IoU > 0.5 with the same text). */
#ifndef OCRS_DRIVER_TASK_H
#define OCRS_DRIVER_TASK_H

#include "ir.h"
#include "labels.h"
#include "passes.h"
#include "prune_opts.h"

typedef struct task task;

/* The metric's name ("hmean", "line accuracy", "end-to-end F") and the
 * task's ("det", "rec", "system"). */
extern const char *const task_metrics[OCRS_TASKS];
extern const char *const task_names[OCRS_TASKS];

/* The task of a model that does not say: rec for an output [N, T, C],
 * else det. */
ocrs_task_kind task_guess(const ir_graph *g);

/* Loads p's calibration samples for p->task (rec: with p->dict). */
ocrs_status task_open(const prune_cli *p, task **out, ocrs_diag *diag);
void task_close(task *t);
/* Samples: images (det) or lines (rec); whether they carry labels. */
int task_samples(const task *t);
bool task_labelled(const task *t);
/* Whether g is a model of the task's kind, else an error naming its source. */
ocrs_status task_check_graph(const task *t, const ir_graph *g, ocrs_diag *diag);

/* Feeds every sample, pre-processed for g (det: at limit_side_len side), to
 * feed (its inputs and the symbols' sizes); verbose: a line per sample. */
typedef ocrs_status (*task_feeder)(void *ctx, const ir_graph *g, const float *const *inputs, const int64_t *sizes,
                                   ocrs_diag *diag);
ocrs_status task_feed(const task *t, const ir_graph *g, int side, int verbose, task_feeder feed, void *ctx,
                      ocrs_diag *diag);
/* task_feed into c's statistics (ocrs_calib_add). */
ocrs_status task_calibrate(const task *t, const ir_graph *g, ocrs_calib *c, int side, int verbose, ocrs_diag *diag);

/* The OCR system library lib (symbol prefix name) scored on the samples
 * (task system): end-to-end F. */
ocrs_status task_score_system(const task *t, const char *lib, const char *name, double *f, ocrs_diag *diag);

/* g compiled as lib<name>.so in dir (removed after) and scored on the
 * samples (det: at side). as_reference (det without labels): its boxes
 * become the samples' reference first. */
ocrs_status task_score(task *t, const ir_graph *g, const char *dir, const char *name, int side, bool as_reference,
                       double *score, ocrs_diag *diag);

#endif
