/* See modellib.h. */
#include "modellib.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dl.h"

int modellib_open(modellib *m, const char *path, const char *name, int threads, char *err, size_t errlen) {
    memset(m, 0, sizeof *m);
    char derived[128];
    name = dl_prefix(path, name, derived, sizeof derived);
    if (!(m->lib = dl_open(path, err, errlen))) return -1;
    int missing = 0;
    *(void **)&m->create = dl_sym(m->lib, name, "create", &missing);
    *(void **)&m->destroy = dl_sym(m->lib, name, "destroy", &missing);
    *(void **)&m->strerror = dl_sym(m->lib, name, "strerror", &missing);
    *(void **)&m->shapes = dl_sym(m->lib, name, "shapes", &missing);
    *(void **)&m->run = dl_sym(m->lib, name, "run", &missing);
    if (missing) {
        snprintf(err, errlen, "%s: no %s_run API (wrong name?)", path, name);
        modellib_close(m);
        return -1;
    }
    int st = m->create(&m->ctx, threads);
    if (st) {
        snprintf(err, errlen, "%s_create: %s", name, m->strerror(st));
        modellib_close(m);
        return -1;
    }
    return 0;
}

int modellib_run(modellib *m, const int64_t *in_dims, const float *in, int out_rank, int64_t *out_dims, char *err,
                 size_t errlen) {
    size_t ws;
    int st = m->shapes(in_dims, out_dims, &ws);
    if (st) {
        snprintf(err, errlen, "shapes: %s", m->strerror(st));
        return -1;
    }
    size_t n = 1;
    for (int i = 0; i < out_rank; i++) n *= (size_t)out_dims[i];
    if (n > m->cap) {
        float *o = realloc(m->out, sizeof *o * n);
        if (!o) {
            snprintf(err, errlen, "run: out of memory");
            return -1;
        }
        m->out = o, m->cap = n;
    }
    float *outs[1] = {m->out};
    if ((st = m->run(m->ctx, in_dims, &in, outs))) {
        snprintf(err, errlen, "run: %s", m->strerror(st));
        return -1;
    }
    return 0;
}

void modellib_close(modellib *m) {
    if (m->ctx) m->destroy(m->ctx);
    if (m->lib) dlclose(m->lib);
    free(m->out);
    memset(m, 0, sizeof *m);
}
