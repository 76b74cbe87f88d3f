/* Allocation fault injection for tests, at link time: a program linked with
 *   -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=aligned_alloc,
 *   --wrap=posix_memalign,--wrap=strdup,--wrap=strndup
 * sends every allocation of the objects in its link (static libraries
 * included) through failalloc.c, which counts them and can fail one. Calls
 * inside shared libraries (libc's own, protobuf-c's default allocator) are
 * not seen. */
#ifndef OCRS_FAILALLOC_H
#define OCRS_FAILALLOC_H

#include <stdbool.h>

/* Counting restarts; the k-th allocation from now fails, once (k = 0:
 * none); later ones succeed again. */
void failalloc_arm(long k);
/* Whether the armed allocation has failed. */
bool failalloc_fired(void);
/* Allocations since failalloc_arm. */
long failalloc_count(void);

#endif
