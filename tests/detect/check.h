/* CHECK for the detection tests: counts failures and goes on. One test
 * program per translation unit, so the counter lives here. */
#ifndef OCRS_DETECT_CHECK_H
#define OCRS_DETECT_CHECK_H

#include <math.h>
#include <stdio.h>

static int failures;

#define CHECK(c)                                                                                                       \
    do {                                                                                                               \
        if (!(c)) {                                                                                                    \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #c);                                      \
            failures++;                                                                                                \
        }                                                                                                              \
    } while (0)
#define NEAR(a, b, tol) CHECK(fabs((double)(a) - (double)(b)) <= (tol))

#endif
