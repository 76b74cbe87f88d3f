/* check_golden: runs a generated library on the golden input and compares
 * its output with an ONNX Runtime golden (tests/golden, made by
 * scripts/make_goldens.mjs), or with another library's output, reporting
 * the max abs error, with 1, 2, ..., THREADS threads (default 1); every
 * thread count must give exactly the bits of one thread. OUTPUT.f32, if
 * given, receives this library's output. GOLDEN "-" compares with nothing
 * (only the thread counts with each other), to write OUTPUT.f32 as a
 * reference for another model.
 *
 *   check_golden LIB NAME GOLDEN.f32 HEIGHT WIDTH SEED TOLERANCE [THREADS [OUTPUT.f32]]
 */
#include <dlfcn.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "golden_input.h"

typedef int (*create_fn)(void **, int);
typedef void (*destroy_fn)(void *);
typedef int (*forward_fn)(void *, const float *, int, int, float *);

static void *must_sym(void *lib, const char *name, const char *suffix) {
    char buf[256];
    snprintf(buf, sizeof buf, "%s_%s", name, suffix);
    void *p = dlsym(lib, buf);
    if (!p) {
        fprintf(stderr, "check_golden: missing symbol %s\n", buf);
        exit(1);
    }
    return p;
}

int main(int argc, char **argv) {
    if (argc < 8) {
        fprintf(stderr, "usage: check_golden LIB NAME GOLDEN.f32 HEIGHT WIDTH SEED TOLERANCE [THREADS [OUTPUT.f32]]\n");
        return 2;
    }
    const char *libpath = argv[1], *name = argv[2], *golden = argv[3];
    int h = atoi(argv[4]), w = atoi(argv[5]), threads = argc > 8 ? atoi(argv[8]) : 1;
    uint32_t seed = (uint32_t)strtoul(argv[6], NULL, 0);
    double tol = atof(argv[7]);
    size_t n = (size_t)h * w;
    float *in = malloc(sizeof(float) * 3 * n), *out = malloc(sizeof(float) * n), *ref = malloc(sizeof(float) * n);
    float *first = malloc(sizeof(float) * n);
    if (!in || !out || !ref || !first) return 1;
    bool have_ref = strcmp(golden, "-") != 0;
    if (have_ref) {
        FILE *f = fopen(golden, "rb");
        if (!f) {
            fprintf(stderr, "check_golden: cannot open %s\n", golden);
            return 1;
        }
        size_t got = fread(ref, sizeof(float), n, f);
        int extra = fgetc(f);
        fclose(f);
        if (got != n || extra != EOF) {
            fprintf(stderr, "check_golden: %s does not hold 1x1x%dx%d floats\n", golden, h, w);
            return 1;
        }
    }
    void *lib = dlopen(libpath, RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        fprintf(stderr, "check_golden: %s\n", dlerror());
        return 1;
    }
    create_fn create = (create_fn)must_sym(lib, name, "create");
    destroy_fn destroy = (destroy_fn)must_sym(lib, name, "destroy");
    forward_fn forward = (forward_fn)must_sym(lib, name, "forward");
    golden_fill(seed, 3, h, w, in);
    int failed = 0;
    for (int t = 1; t <= threads; t++) {
        void *ctx;
        int st = create(&ctx, t);
        if (!st) st = forward(ctx, in, h, w, out);
        if (st) {
            fprintf(stderr, "check_golden: library returned status %d\n", st);
            return 1;
        }
        destroy(ctx);
        if (!have_ref && t == 1) memcpy(ref, out, sizeof(float) * n);
        double maxerr = 0;
        size_t at = 0;
        for (size_t i = 0; i < n; i++) {
            double e = fabs((double)out[i] - (double)ref[i]);
            if (!(e <= maxerr)) { /* NaN counts as an error */
                maxerr = isnan(e) ? INFINITY : e;
                at = i;
            }
        }
        int same = t == 1 || memcmp(out, first, sizeof(float) * n) == 0;
        printf("%s %dx%d threads=%d: max abs error %.3g at (y=%zu, x=%zu) (tolerance %.3g)%s\n", golden, h, w, t,
               maxerr, at / w, at % w, tol, t == 1 ? "" : same ? ", bit-identical to 1 thread" : ", DIFFERS from 1 thread");
        failed |= !(maxerr <= tol) || !same;
        if (t == 1) memcpy(first, out, sizeof(float) * n);
        if (t == 1 && argc > 9) {
            FILE *o = fopen(argv[9], "wb");
            bool ok = o && fwrite(out, sizeof(float), n, o) == n;
            if (o) ok &= fclose(o) == 0;
            if (!ok) {
                fprintf(stderr, "check_golden: cannot write %s\n", argv[9]);
                return 1;
            }
        }
    }
    dlclose(lib);
    free(in), free(out), free(ref), free(first);
    return failed;
}
