/* What the runtime's task parts share (ocrs_detect.h): growing buffers
 * and the clock of their stage times. */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <time.h>

#include "ocrs_detect.h"

int ocrs_grow(void **p, size_t *cap, size_t need) {
    if (need <= *cap) return 0;
    void *q = malloc(need);
    if (!q) return -1;
    free(*p);
    *p = q;
    *cap = need;
    return 0;
}

double ocrs_now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}
