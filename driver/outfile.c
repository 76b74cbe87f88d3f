/* See outfile.h. */
#define _POSIX_C_SOURCE 200809L
#include "outfile.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

bool outfile_open(outfile *o, const char *path) {
    size_t n = strlen(path) + 16;
    *o = (outfile){0};
    if (!(o->tmp = malloc(n))) return false;
    snprintf(o->tmp, n, "%s.tmpXXXXXX", path);
    int fd = mkstemp(o->tmp);
    if (fd >= 0 && fchmod(fd, 0644) == 0 && (o->f = fdopen(fd, "w"))) return true;
    int e = errno;
    if (fd >= 0) close(fd), unlink(o->tmp);
    free(o->tmp);
    o->tmp = NULL;
    errno = e;
    return false;
}

bool outfile_commit(outfile *o, const char *path, bool ok) {
    ok &= fflush(o->f) == 0 && !ferror(o->f);
    ok &= fclose(o->f) == 0;
    ok = ok && rename(o->tmp, path) == 0;
    if (!ok) {
        int e = errno;
        unlink(o->tmp);
        errno = e;
    }
    free(o->tmp);
    *o = (outfile){0};
    return ok;
}
