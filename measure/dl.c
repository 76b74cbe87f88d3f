/* See dl.h. */
#include "dl.h"

#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

const char *dl_prefix(const char *path, const char *name, char *buf, size_t size) {
    if (name) return name;
    const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    if (!strncmp(base, "lib", 3)) base += 3;
    snprintf(buf, size, "%.*s", (int)strcspn(base, "."), base);
    return buf;
}

void *dl_open(const char *path, char *err, size_t errlen) {
    /* A bare name would make dlopen search the library path. */
    char local[4096];
    snprintf(local, sizeof local, "%s%s", strchr(path, '/') ? "" : "./", path);
    void *lib = dlopen(local, RTLD_NOW | RTLD_LOCAL);
    if (!lib) snprintf(err, errlen, "%s", dlerror());
    return lib;
}

void *dl_sym(void *lib, const char *prefix, const char *suffix, int *missing) {
    char buf[256];
    snprintf(buf, sizeof buf, "%s_%s", prefix, suffix);
    void *p = dlsym(lib, buf);
    if (!p) *missing = 1;
    return p;
}
