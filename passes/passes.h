/* Passes over the IR. Each lives in its own file whose opening comment says
 * what it needs, what it changes and what it invalidates. All return a status;
 * a model error carries a message naming the node. */
#ifndef OCRS_PASSES_H
#define OCRS_PASSES_H

#include "ir.h"

ocrs_status pass_shape_infer(ir_graph *g, ocrs_diag *diag);

#endif
