/* The canonicalisation pipeline: the fixed sequence of passes that turns the
 * frontend's graph into the form the later stages expect (batch norms and
 * affine ops folded into convolutions, activations fused, hardswish chains
 * recognised, no dead nodes or Identities). */
#ifndef OCRS_PIPELINE_H
#define OCRS_PIPELINE_H

#include <stdio.h>

#include "ir.h"

typedef struct {
    const char *dump_after; /* pass name; the IR is dumped after every run of it; NULL: none */
    FILE *dump_to;          /* where dumps go; NULL: stdout */
    bool verify_each;       /* run ir_verify after every pass */
    int verbose;            /* > 0: one line per pass on stderr */
} ocrs_pipeline_opts;

/* Runs the canonical passes on g in place. opts may be NULL (no dumps, no
 * verification). An unknown dump_after name fails with OCRS_ERR_USAGE before
 * any pass runs. */
ocrs_status ocrs_canonicalize(ir_graph *g, const ocrs_pipeline_opts *opts, ocrs_diag *diag);

/* Whether name is a pass dump_after accepts. */
bool ocrs_is_pass_name(const char *name);

/* Writes the pass names, comma-separated, in pipeline order (for --help and
 * for the message about an unknown --dump-after name). */
void ocrs_list_passes(FILE *out);

#endif
