/* dlopen of a library made by ocrslimc, whose symbols all start with its
 * model name, for the example loaders (detlib.c, ocrlib.c). */
#ifndef OCRS_MEASURE_DL_H
#define OCRS_MEASURE_DL_H

#include <stddef.h>

/* The symbol prefix: name, or when NULL the NAME of path's libNAME.so,
 * written into buf. */
const char *dl_prefix(const char *path, const char *name, char *buf, size_t size);
/* dlopen(path), a bare file name taken from the current folder rather than
 * the library path; NULL with dlerror's message in err. */
void *dl_open(const char *path, char *err, size_t errlen);
/* The symbol prefix_suffix, or NULL with *missing set (so a loader looks
 * up all its symbols and checks once). */
void *dl_sym(void *lib, const char *prefix, const char *suffix, int *missing);

#endif
