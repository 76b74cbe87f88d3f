/* Reference interpreter: plain, obviously correct C for every op in the IR.
 * It is the oracle for the codegen tests and drives sensitivity analysis. */
#ifndef OCRS_INTERP_H
#define OCRS_INTERP_H

#include "ir.h"

/* Runs the graph on its inputs (dense float, each its extents for these
 * symbols) and writes every graph output (dense, its extents) into
 * outputs[i]. sizes[s] is symbol s's value: a multiple of its alignment in
 * its range. Does not keep pointers after returning. */
ocrs_status ir_interp_run(const ir_graph *g, const float *const *inputs, const int64_t *sizes, float *const *outputs,
                          ocrs_diag *diag);

/* ir_interp_run that also shows every node's output, as soon as it is
 * computed, to observe (the data of value v for the symbols' units, valid
 * only during the call): how calibration collects activations. */
typedef void (*ir_interp_observer)(void *ctx, ir_id v, const float *data, const int64_t *units);
ocrs_status ir_interp_run_observed(const ir_graph *g, const float *const *inputs, const int64_t *sizes,
                                   float *const *outputs, ir_interp_observer observe, void *ctx, ocrs_diag *diag);

/* ir_interp_run_observed into outputs of its own, thrown away: a run for
 * what observe sees (calibration statistics). */
ocrs_status ir_interp_observe(const ir_graph *g, const float *const *inputs, const int64_t *sizes,
                              ir_interp_observer observe, void *ctx, ocrs_diag *diag);

/* Evaluates one node whose inputs all hold data of static shape (constant
 * folding); the result is stored as the data of the node's output value. */
ocrs_status ir_interp_fold_node(ir_graph *g, ir_id node, ocrs_diag *diag);

#endif
