/* Model importers and the ONNX writer. Each importer returns a
 * verified-shape IR graph owned by the caller (free with ir_graph_free) or a
 * status with a located message. */
#ifndef OCRS_FRONTEND_H
#define OCRS_FRONTEND_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ir.h"

ocrs_status ocrs_import_onnx(const char *path, ir_graph **graph_out, ocrs_diag *diag);
/* The same from the model's bytes in memory; path names the model in
 * messages and its folder is where external tensor data is read from. */
ocrs_status ocrs_import_onnx_buffer(const uint8_t *data, size_t size, const char *path, ir_graph **graph_out,
                                    ocrs_diag *diag);

/* Writes g (verified, with shapes) to out as a standard ONNX model
 * (frontend/onnx_write.c): fusions expanded, names and declared input and
 * output dims kept. path names the output in messages. */
ocrs_status ocrs_write_onnx(const ir_graph *g, FILE *out, const char *path, ocrs_diag *diag);

#endif
