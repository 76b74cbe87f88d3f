/* Model importers and the ONNX writer. Each importer returns a
 * verified-shape IR graph owned by the caller (free with ir_graph_free) or a
 * status with a located message. */
#ifndef OCRS_FRONTEND_H
#define OCRS_FRONTEND_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ir.h"

/* A user's setting for a dynamic dim (ocrslimc --dim NAME=VALUE or
 * NAME=MIN:MAX): name is the symbol's name or the ONNX dim_param; min ==
 * max fixes it (the dim becomes static), else it bounds the symbol's range. */
typedef struct {
    const char *name;
    int64_t min, max;
    /* The symbol takes every value in [min, max]: alignment 1, strided
     * extents of it derived symbols (ir/dim.h), rather than an alignment
     * the strides need (the recognizer's width in an OCR system, which
     * PaddleOCR runs at any value). */
    bool exact;
} ocrs_dim_setting;

typedef struct {
    const ocrs_dim_setting *dims;
    int ndims;
} ocrs_import_opts;

/* opts may be NULL (every dynamic dim a symbol with its default range:
 * axis 0 of an input [1, IR_MAX_BATCH], others [1, IR_MAX_SIZE], each
 * rounded to the alignment the graph's shape rules need). */
ocrs_status ocrs_import_onnx(const char *path, const ocrs_import_opts *opts, ir_graph **graph_out, ocrs_diag *diag);
/* The same from the model's bytes in memory; path names the model in
 * messages and its folder is where external tensor data is read from. */
ocrs_status ocrs_import_onnx_buffer(const uint8_t *data, size_t size, const char *path, const ocrs_import_opts *opts,
                                    ir_graph **graph_out, ocrs_diag *diag);

/* Whether the ONNX importer takes nodes of op_type in the default domain:
 * the ops ocrslimc compiles, for tools that choose models by op (the
 * conformance suite runs ONNX's node tests of exactly these). */
bool ocrs_onnx_op_known(const char *op_type);

/* Writes g (verified, with shapes) to out as a standard ONNX model
 * (frontend/onnx_write.c): fusions expanded, names and declared input and
 * output dims kept. path names the output in messages. */
ocrs_status ocrs_write_onnx(const ir_graph *g, FILE *out, const char *path, ocrs_diag *diag);

#endif
