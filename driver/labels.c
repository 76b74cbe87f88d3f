/* Label-file walks (see labels.h). */
#include "labels.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

ocrs_status labels_paths(const labels_src *src, labels_path_fn each, void *arg, ocrs_diag *diag) {
    FILE *f = fopen(src->file, "r");
    if (!f) return ocrs_fail(diag, OCRS_ERR_IO, "%s: cannot read the label file", src->file);
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", src->root ? src->root : src->file);
    if (!src->root) {
        char *slash = strrchr(dir, '/');
        if (slash) *slash = 0;
        else snprintf(dir, sizeof dir, ".");
    }
    static char line[1 << 20];
    ocrs_status st = OCRS_OK;
    int n = 0;
    for (int lineno = 1; !st && fgets(line, sizeof line, f) && (!src->max_images || n < src->max_images); lineno++) {
        if (strspn(line, " \t\r\n") == strlen(line)) continue;
        char *tab = strchr(line, '\t');
        if (!tab) {
            st = ocrs_fail(diag, OCRS_ERR_USAGE, "%.4000s:%d: no tab between the image path and its labels",
                           src->file, lineno);
            break;
        }
        *tab = 0;
        char path[8192], where[4200];
        if (snprintf(path, sizeof path, "%s/%.4000s", dir, line) >= (int)sizeof path) continue;
        snprintf(where, sizeof where, "%.4000s:%d", src->file, lineno);
        n++;
        st = each(arg, path, where, line, tab + 1, diag);
    }
    if (!st && ferror(f))
        st = ocrs_fail(diag, OCRS_ERR_IO, "%s: cannot read the label file: %s", src->file, strerror(errno));
    fclose(f);
    if (!st && !n)
        st = ocrs_fail(diag, OCRS_ERR_USAGE, "%s: no images (no line of an image path, a tab and labels)", src->file);
    return st;
}
