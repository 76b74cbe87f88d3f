/* Diagnostics: model errors travel as a status plus one message with its
 * location; internal invariants use OCRS_ASSERT, which names file and line. */
#ifndef OCRS_DIAG_H
#define OCRS_DIAG_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "ocrslim.h"

typedef struct {
    char msg[2048];
    /* Set by a shape rule that would be exact if symbol need_sym's alignment
     * grew by need_factor (> 1; 0: nothing of the kind), or whose output
     * would not be empty if the symbol's smallest value were larger
     * (need_min). */
    int need_sym;
    int64_t need_factor;
    bool need_min;
    /* Set by a shape rule whose division of an exact symbol would be exact
     * with a derived symbol of these terms (ir/dim.h ir_dim_derived_div). */
    bool need_derive;
    int derive_base;
    int64_t derive_coef, derive_add, derive_div;
} ocrs_diag;

/* Formats the message into diag (if not NULL) and returns status. */
ocrs_status ocrs_fail(ocrs_diag *diag, ocrs_status status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define OCRS_ASSERT(cond)                                                         \
    do {                                                                          \
        if (!(cond)) {                                                            \
            fprintf(stderr, "%s:%d: internal error: assertion '%s' failed\n",     \
                    __FILE__, __LINE__, #cond);                                   \
            abort();                                                              \
        }                                                                         \
    } while (0)

#endif
