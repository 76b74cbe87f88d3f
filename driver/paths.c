/* See paths.h. */
#include "paths.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

typedef struct {
    bool exists;
    dev_t dev;
    ino_t ino;
    char where[PATH_MAX + NAME_MAX + 2]; /* for a file not there yet: realpath of its folder, '/', base name */
} identity;

static void identify(const char *path, identity *id) {
    struct stat st;
    id->exists = stat(path, &st) == 0;
    id->dev = id->exists ? st.st_dev : 0;
    id->ino = id->exists ? st.st_ino : 0;
    const char *slash = strrchr(path, '/');
    char dir[PATH_MAX], real[PATH_MAX];
    snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - path) + (slash == path) : 1, slash ? path : ".");
    const char *base = slash ? slash + 1 : path;
    /* A folder that cannot be resolved keeps the path as given: writing
     * there fails later anyway. */
    if (realpath(dir, real)) snprintf(id->where, sizeof id->where, "%s/%s", real, base);
    else snprintf(id->where, sizeof id->where, "%s", path);
}

static bool same(const identity *a, const identity *b) {
    if (a->exists || b->exists) return a->exists && b->exists && a->dev == b->dev && a->ino == b->ino;
    return strcmp(a->where, b->where) == 0;
}

ocrs_status paths_distinct(const driver_file *files, int n, ocrs_diag *diag) {
    identity *ids = malloc(sizeof *ids * ((size_t)n + 1));
    if (!ids) return ocrs_fail(diag, OCRS_ERR_NOMEM, "out of memory");
    ocrs_status st = OCRS_OK;
    for (int i = 0; i < n; i++) identify(files[i].path, &ids[i]);
    for (int i = 0; i < n && !st; i++)
        for (int j = 0; j < i && !st; j++)
            if ((files[i].output || files[j].output) && same(&ids[i], &ids[j]))
                st = ocrs_fail(diag, OCRS_ERR_USAGE, "%s '%s' and %s '%s' are the same file", files[j].role,
                               files[j].path, files[i].role, files[i].path);
    free(ids);
    return st;
}
