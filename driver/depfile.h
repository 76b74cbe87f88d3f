/* The dependency file of a compilation (ocrslimc --depfile), for make,
 * Ninja and CMake's add_custom_command(DEPFILE). */
#ifndef OCRS_DEPFILE_H
#define OCRS_DEPFILE_H

#include "ir.h"

/* Writes `target: deps...` in Makefile syntax to path (through a temporary
 * renamed into place): the models and their external data files (from the
 * graphs: one model's library, or an OCR system's; NULL entries skipped),
 * the other inputs (the config, the dictionary; NULL entries skipped),
 * every file of the runtime parts the library is built with, and this
 * executable, each as an absolute path. */
ocrs_status ocrs_write_depfile(const char *path, const char *target, const ir_graph *const *graphs, int ngraphs,
                               const char *const *inputs, int ninputs, ocrs_diag *diag);

#endif
