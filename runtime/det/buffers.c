/* The runtime's working buffers (see ocrs_detect.h: ocrs_grow). */
#include <stdlib.h>

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
