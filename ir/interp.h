/* Reference interpreter: plain, obviously correct C for every op in the IR.
 * It is the oracle for the codegen tests and drives sensitivity analysis. */
#ifndef OCRS_INTERP_H
#define OCRS_INTERP_H

#include "ir.h"

/* Runs the graph on its input (NCHW float, the input's extent at this H and
 * W: 1x3xHxW for a detector) and writes graph output 0
 * (its full NCHW extent for this H and W) into output. H and W must be
 * multiples of IR_ALIGN. Does not keep pointers after returning. */
ocrs_status ir_interp_run(const ir_graph *g, const float *input, int64_t height, int64_t width, float *output,
                          ocrs_diag *diag);

/* ir_interp_run that also shows every node's output, as soon as it is
 * computed, to observe (the data of value v at this H and W, valid only
 * during the call): how calibration collects activations. */
typedef void (*ir_interp_observer)(void *ctx, ir_id v, const float *data, int64_t height, int64_t width);
ocrs_status ir_interp_run_observed(const ir_graph *g, const float *input, int64_t height, int64_t width, float *output,
                                   ir_interp_observer observe, void *ctx, ocrs_diag *diag);

/* Evaluates one node whose inputs all hold data of static shape (constant
 * folding); the result is stored as the data of the node's output value. */
ocrs_status ir_interp_fold_node(ir_graph *g, ir_id node, ocrs_diag *diag);

#endif
