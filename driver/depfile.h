/* The dependency file of a compilation (ocrslimc --depfile), for make,
 * Ninja and CMake's add_custom_command(DEPFILE). */
#ifndef OCRS_DEPFILE_H
#define OCRS_DEPFILE_H

#include "ir.h"

/* Writes `target: deps...` in Makefile syntax to path (through a temporary
 * renamed into place): the model, its external data files (from g), config
 * when not NULL, every file of the runtime folder, and this executable, each
 * as an absolute path. */
ocrs_status ocrs_write_depfile(const char *path, const char *target, const ir_graph *g, const char *config,
                               ocrs_diag *diag);

#endif
