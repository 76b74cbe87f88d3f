/* Model importers. Each returns a verified-shape IR graph owned by the
 * caller (free with ir_graph_free) or a status with a located message. */
#ifndef OCRS_FRONTEND_H
#define OCRS_FRONTEND_H

#include "ir.h"

ocrs_status ocrs_import_onnx(const char *path, ir_graph **graph_out, ocrs_diag *diag);

#endif
