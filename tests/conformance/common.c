/* What the conformance driver's parts share: messages (cut to CONF_ERR
 * bytes: a long compiler message is still worth its start), paths (never
 * cut: a path that does not fit is an error) and reading whole files. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "conformance.h"

bool conf_fail(char *err, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, CONF_ERR, fmt, ap);
    va_end(ap);
    return false;
}

bool conf_path(char *out, char *err, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(out, CONF_PATH, fmt, ap);
    va_end(ap);
    if (n >= 0 && n < CONF_PATH) return true;
    return conf_fail(err, "a path longer than %d bytes: %.200s...", CONF_PATH - 1, out);
}

bool conf_read_file(const char *path, size_t max, uint8_t **data_out, size_t *size_out, char *err) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        return conf_fail(err, "%s: cannot open: %s", path, strerror(errno));
    }
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode) || (uint64_t)st.st_size > max) {
        fclose(f);
        return conf_fail(err, "%s: not a regular file of at most %zu bytes", path, max);
    }
    size_t n = (size_t)st.st_size;
    uint8_t *buf = malloc(n ? n : 1);
    bool ok = buf && fread(buf, 1, n, f) == n;
    fclose(f);
    if (!ok) {
        conf_fail(err, "%s: %s", path, buf ? "read error" : "out of memory");
        free(buf);
        return false;
    }
    *data_out = buf;
    *size_out = n;
    return true;
}
