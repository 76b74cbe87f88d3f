/* Output files that appear whole or not at all: written to a temporary
 * file beside the target (same file system) and renamed into place, so an
 * error or a crash never leaves half a file under the real name. */
#ifndef OCRS_DRIVER_OUTFILE_H
#define OCRS_DRIVER_OUTFILE_H

#include <stdbool.h>
#include <stdio.h>

typedef struct {
    FILE *f;
    char *tmp;
} outfile;

/* Opens a temporary file for path (mode 0644); false with errno set. */
bool outfile_open(outfile *o, const char *path);
/* Flushes, closes and renames it to path when ok and every write
 * succeeded, else removes it; false (errno set) when path was not written. */
bool outfile_commit(outfile *o, const char *path, bool ok);

#endif
