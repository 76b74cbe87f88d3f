/* See detlib.h. */
#include "detlib.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dl.h"

int detlib_open(detlib *d, const char *path, const char *name, int threads, char *err, size_t errlen) {
    memset(d, 0, sizeof *d);
    char derived[128];
    name = dl_prefix(path, name, derived, sizeof derived);
    d->lib = dl_open(path, err, errlen);
    if (!d->lib) return -1;
    int missing = 0;
    *(void **)&d->create = dl_sym(d->lib, name, "create", &missing);
    *(void **)&d->destroy = dl_sym(d->lib, name, "destroy", &missing);
    *(void **)&d->strerror = dl_sym(d->lib, name, "strerror", &missing);
    *(void **)&d->forward = dl_sym(d->lib, name, "forward", &missing);
    *(void **)&d->detect = dl_sym(d->lib, name, "detect", &missing);
    *(void **)&d->times = dl_sym(d->lib, name, "detect_times", &missing);
    *(void **)&d->get_options = dl_sym(d->lib, name, "get_detect_options", &missing);
    *(void **)&d->set_options = dl_sym(d->lib, name, "set_detect_options", &missing);
    if (missing) {
        snprintf(err, errlen, "%s: no %s_detect API (wrong --name, or built by an older ocrslimc?)", path, name);
        detlib_close(d);
        return -1;
    }
    d->cap = 256;
    d->boxes = malloc(sizeof *d->boxes * (size_t)d->cap);
    int st = d->boxes ? d->create(&d->ctx, threads) : -1;
    if (st) {
        snprintf(err, errlen, "%s_create: %s", name, d->boxes ? d->strerror(st) : "out of memory");
        detlib_close(d);
        return -1;
    }
    return 0;
}

int detlib_run(detlib *d, const image *img, char *err, size_t errlen) {
    for (;;) {
        int n = 0, st = d->detect(d->ctx, img->rgb, img->width, img->height, img->width * 3, d->boxes, d->cap, &n);
        if (st) {
            snprintf(err, errlen, "detect: %s", d->strerror(st));
            return -1;
        }
        if (n <= d->cap) {
            d->nboxes = n;
            return 0;
        }
        det_box_t *b = realloc(d->boxes, sizeof *b * (size_t)n);
        if (!b) {
            snprintf(err, errlen, "detect: out of memory");
            return -1;
        }
        d->boxes = b;
        d->cap = n;
    }
}

void detlib_close(detlib *d) {
    if (d->ctx) d->destroy(d->ctx);
    if (d->lib) dlclose(d->lib);
    free(d->boxes);
    memset(d, 0, sizeof *d);
}
