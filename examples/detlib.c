/* See detlib.h. */
#include "detlib.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *sym(detlib *d, const char *name, const char *suffix, int *missing) {
    char buf[256];
    snprintf(buf, sizeof buf, "%s_%s", name, suffix);
    void *p = dlsym(d->lib, buf);
    if (!p) *missing = 1;
    return p;
}

int detlib_open(detlib *d, const char *path, const char *name, int threads, char *err, size_t errlen) {
    memset(d, 0, sizeof *d);
    char derived[128];
    if (!name) {
        const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
        if (!strncmp(base, "lib", 3)) base += 3;
        snprintf(derived, sizeof derived, "%.*s", (int)strcspn(base, "."), base);
        name = derived;
    }
    /* A bare name would make dlopen search the library path. */
    char local[4096];
    snprintf(local, sizeof local, "%s%s", strchr(path, '/') ? "" : "./", path);
    d->lib = dlopen(local, RTLD_NOW | RTLD_LOCAL);
    if (!d->lib) {
        snprintf(err, errlen, "%s", dlerror());
        return -1;
    }
    int missing = 0;
    *(void **)&d->create = sym(d, name, "create", &missing);
    *(void **)&d->destroy = sym(d, name, "destroy", &missing);
    *(void **)&d->strerror = sym(d, name, "strerror", &missing);
    *(void **)&d->forward = sym(d, name, "forward", &missing);
    *(void **)&d->detect = sym(d, name, "detect", &missing);
    *(void **)&d->times = sym(d, name, "detect_times", &missing);
    *(void **)&d->get_options = sym(d, name, "get_detect_options", &missing);
    *(void **)&d->set_options = sym(d, name, "set_detect_options", &missing);
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
