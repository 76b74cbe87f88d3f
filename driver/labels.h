/* PaddleOCR label files (`path<TAB>[{"transcription": ..., "points": ...}]`
 * per line), walked for calibration and measurement: each line's image
 * path resolved against a root folder, blank lines skipped, at most a given
 * number of images. */
#ifndef OCRS_DRIVER_LABELS_H
#define OCRS_DRIVER_LABELS_H

#include "diag.h"

typedef struct {
    const char *file; /* the label file */
    const char *root; /* image paths are relative to it (NULL: the label file's folder) */
    int max_images;   /* at most this many (0: all) */
} labels_src;

/* Calls each for the lines of src->file with the image's path,
 * "labelfile:line", the path as the label file gives it and the label
 * list. A file of no images is an error (statistics of nothing prune blind). */
typedef ocrs_status (*labels_path_fn)(void *arg, const char *path, const char *where, const char *rel,
                                      const char *labels, ocrs_diag *diag);
ocrs_status labels_paths(const labels_src *src, labels_path_fn each, void *arg, ocrs_diag *diag);

#endif
