/* See ocrlib.h. */
#include "ocrlib.h"

#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

#include "dl.h"
#include "evaluate.h"

bool ocrlib_is_pipeline(const char *path, const char *name) {
    char derived[128], err[256];
    name = dl_prefix(path, name, derived, sizeof derived);
    void *lib = dl_open(path, err, sizeof err);
    if (!lib) return false;
    int missing = 0;
    dl_sym(lib, name, "ocr", &missing);
    dlclose(lib);
    return !missing;
}

int ocrlib_open(ocrlib *o, const char *path, const char *name, int threads, char *err, size_t errlen) {
    memset(o, 0, sizeof *o);
    char derived[128];
    name = dl_prefix(path, name, derived, sizeof derived);
    o->lib = dl_open(path, err, errlen);
    if (!o->lib) return -1;
    int missing = 0;
    *(void **)&o->create = dl_sym(o->lib, name, "create", &missing);
    *(void **)&o->destroy = dl_sym(o->lib, name, "destroy", &missing);
    *(void **)&o->strerror = dl_sym(o->lib, name, "strerror", &missing);
    *(void **)&o->get_options = dl_sym(o->lib, name, "get_options", &missing);
    *(void **)&o->set_options = dl_sym(o->lib, name, "set_options", &missing);
    *(void **)&o->ocr = dl_sym(o->lib, name, "ocr", &missing);
    *(void **)&o->recognize = dl_sym(o->lib, name, "recognize", &missing);
    *(void **)&o->times = dl_sym(o->lib, name, "get_times", &missing);
    if (missing) {
        snprintf(err, errlen, "%s: no %s_ocr API (wrong --name, or not a pipeline library?)", path, name);
        ocrlib_close(o);
        return -1;
    }
    int st = o->create(&o->ctx, threads);
    if (st) {
        snprintf(err, errlen, "%s_create: %s", name, o->strerror(st));
        ocrlib_close(o);
        return -1;
    }
    return 0;
}

/* The library promises UTF-8: a line that is not would be written out as
 * broken JSON or scored as other characters, so it stops the run. */
static int check_lines(const ocrlib *o, const char *call, char *err, size_t errlen) {
    for (int i = 0; i < o->nlines; i++)
        if (!o->lines[i].text || !eval_utf8_valid(o->lines[i].text)) {
            snprintf(err, errlen, "%s: line %d: text %s", call, i, o->lines[i].text ? "is not valid UTF-8" : "is NULL");
            return -1;
        }
    return 0;
}

int ocrlib_run(ocrlib *o, const image *img, char *err, size_t errlen) {
    o->lines = NULL, o->nlines = 0;
    int n = 0, st = o->ocr(o->ctx, img->rgb, img->width, img->height, img->width * 3, &o->lines, &n);
    if (st || n < 0 || (n && !o->lines)) {
        snprintf(err, errlen, "ocr: %s", st ? o->strerror(st) : "returned a negative count or no lines");
        o->lines = NULL;
        return -1;
    }
    o->nlines = n;
    return check_lines(o, "ocr", err, errlen);
}

int ocrlib_recognize(ocrlib *o, const image *img, const ocr_quad_t *quads, int n, char *err, size_t errlen) {
    o->lines = NULL, o->nlines = 0;
    int st = o->recognize(o->ctx, img->rgb, img->width, img->height, img->width * 3, quads, n, &o->lines);
    if (st || (n && !o->lines)) {
        snprintf(err, errlen, "recognize: %s", st ? o->strerror(st) : "returned no lines");
        o->lines = NULL;
        return -1;
    }
    o->nlines = n;
    return check_lines(o, "recognize", err, errlen);
}

void ocrlib_close(ocrlib *o) {
    if (o->ctx) o->destroy(o->ctx);
    if (o->lib) dlclose(o->lib);
    memset(o, 0, sizeof *o);
}
