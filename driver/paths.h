/* ocrslimc's files must be distinct: no output may replace an input (the
 * model, its external data, the config, the label file) or another output
 * (-o equal to the header, say), which rename() would do silently. */
#ifndef OCRS_DRIVER_PATHS_H
#define OCRS_DRIVER_PATHS_H

#include <stdbool.h>

#include "diag.h"

typedef struct {
    const char *role; /* in messages: "the model", "the header" */
    const char *path;
    bool output;
} driver_file;

/* OCRS_ERR_USAGE naming both roles and paths when an output is the same
 * file as another output or an input: for existing files the same device
 * and inode, for others the same resolved folder and base name. */
ocrs_status paths_distinct(const driver_file *files, int n, ocrs_diag *diag);

#endif
