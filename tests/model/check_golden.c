/* check_golden: runs a generated library on the golden input and compares
 * its outputs with a reference (an ONNX Runtime golden from tests/golden,
 * made by scripts/make_goldens.mjs, or another library's outputs),
 * reporting the max abs error, with 1, 2, ..., THREADS threads (default 1);
 * every thread count must give exactly the bits of one thread. OUTPUT.f32,
 * if given, receives this library's outputs. REFERENCE "-" compares with
 * nothing (only the thread counts with each other), to write OUTPUT.f32 for
 * a comparison elsewhere (scripts/check_ort.mjs).
 *
 *   check_golden LIB NAME REFERENCE.f32 DIMS SEED TOLERANCE [THREADS [OUTPUT.f32]]
 *
 * The model must have one input [N, C, H, W]; DIMS is NxCxHxW. Image n of
 * the batch is golden_fill(SEED + n, ...) (tests/tools/golden_input.h). The
 * outputs, all of them in order, are one after the other in the .f32 files
 * (raw little-endian float32). The library is driven through its generic
 * API (<name>_shapes, <name>_run), which every generated library has. */
#include <dlfcn.h>
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "golden_input.h"

enum { MAX_OUTPUTS = 16, MAX_DIMS = 6 * MAX_OUTPUTS };

typedef int (*create_fn)(void **, int);
typedef void (*destroy_fn)(void *);
typedef int (*shapes_fn)(const int64_t *, int64_t *, size_t *);
typedef int (*run_fn)(void *, const int64_t *, const float *const *, float *const *);

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

typedef int (*describe_fn)(int *, int *, int *);

int main(int argc, char **argv) {
    if (argc < 7) {
        fprintf(stderr, "usage: check_golden LIB NAME REFERENCE.f32 NxCxHxW SEED TOLERANCE [THREADS [OUTPUT.f32]]\n");
        return 2;
    }
    const char *libpath = argv[1], *name = argv[2], *golden = argv[3];
    int64_t in_dims[4];
    if (sscanf(argv[4], "%" SCNd64 "x%" SCNd64 "x%" SCNd64 "x%" SCNd64, &in_dims[0], &in_dims[1], &in_dims[2],
               &in_dims[3]) != 4) {
        fprintf(stderr, "check_golden: DIMS must be NxCxHxW, got '%s'\n", argv[4]);
        return 2;
    }
    uint32_t seed = (uint32_t)strtoul(argv[5], NULL, 0);
    double tol = atof(argv[6]);
    int threads = argc > 7 ? atoi(argv[7]) : 1;
    void *lib = dlopen(libpath, RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        fprintf(stderr, "check_golden: %s\n", dlerror());
        return 1;
    }
    create_fn create = (create_fn)must_sym(lib, name, "create");
    destroy_fn destroy = (destroy_fn)must_sym(lib, name, "destroy");
    shapes_fn shapes = (shapes_fn)must_sym(lib, name, "shapes");
    run_fn run = (run_fn)must_sym(lib, name, "run");
    describe_fn describe = (describe_fn)must_sym(lib, name, "describe");
    int nin, nout, ranks[1 + MAX_OUTPUTS];
    if (describe(&nin, &nout, NULL) || nin != 1 || nout < 1 || nout > MAX_OUTPUTS || describe(&nin, &nout, ranks) ||
        ranks[0] != 4) {
        fprintf(stderr, "check_golden: the model must have one input of rank 4 and at most %d outputs\n", MAX_OUTPUTS);
        return 1;
    }
    int64_t out_dims[MAX_DIMS];
    size_t ws;
    if (shapes(in_dims, out_dims, &ws)) {
        fprintf(stderr, "check_golden: the library does not take input %s\n", argv[4]);
        return 1;
    }
    /* Output o's elements, and where it starts in the concatenation. */
    size_t n = 0, at[MAX_OUTPUTS + 1];
    const int64_t *d = out_dims;
    for (int o = 0; o < nout; o++) {
        size_t cnt = 1;
        for (int k = ranks[1 + o]; k > 0; k--) cnt *= (size_t)*d++;
        at[o] = n;
        n += cnt;
    }
    at[nout] = n;
    size_t plane = (size_t)(in_dims[1] * in_dims[2] * in_dims[3]);
    float *in = malloc(sizeof(float) * plane * (size_t)in_dims[0]), *out = malloc(sizeof(float) * n);
    float *ref = malloc(sizeof(float) * n), *first = malloc(sizeof(float) * n);
    if (!in || !out || !ref || !first) return 1;
    for (int64_t b = 0; b < in_dims[0]; b++)
        golden_fill(seed + (uint32_t)b, (int)in_dims[1], (int)in_dims[2], (int)in_dims[3], in + (size_t)b * plane);
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
            fprintf(stderr, "check_golden: %s does not hold the %zu floats of the outputs\n", golden, n);
            return 1;
        }
    }
    float *outs[MAX_OUTPUTS];
    for (int o = 0; o < nout; o++) outs[o] = out + at[o];
    int failed = 0;
    for (int t = 1; t <= threads; t++) {
        void *ctx;
        int st = create(&ctx, t);
        if (!st) st = run(ctx, in_dims, (const float *const[]){in}, outs);
        if (st) {
            fprintf(stderr, "check_golden: library returned status %d\n", st);
            return 1;
        }
        destroy(ctx);
        if (!have_ref && t == 1) memcpy(ref, out, sizeof(float) * n);
        double maxerr = 0;
        size_t worst = 0;
        for (size_t i = 0; i < n; i++) {
            double e = fabs((double)out[i] - (double)ref[i]);
            if (!(e <= maxerr)) { /* NaN counts as an error */
                maxerr = isnan(e) ? INFINITY : e;
                worst = i;
            }
        }
        int o = 0;
        while (worst >= at[o + 1]) o++;
        int same = t == 1 || memcmp(out, first, sizeof(float) * n) == 0;
        printf("%s %s threads=%d: max abs error %.3g at output %d element %zu (tolerance %.3g)%s\n", golden, argv[4], t,
               maxerr, o, worst - at[o], tol,
               t == 1 ? "" : same ? ", bit-identical to 1 thread" : ", DIFFERS from 1 thread");
        failed |= !(maxerr <= tol) || !same;
        if (t == 1) memcpy(first, out, sizeof(float) * n);
        if (t == 1 && argc > 8) {
            FILE *f = fopen(argv[8], "wb");
            bool ok = f && fwrite(out, sizeof(float), n, f) == n;
            if (f) ok &= fclose(f) == 0;
            if (!ok) {
                fprintf(stderr, "check_golden: cannot write %s\n", argv[8]);
                return 1;
            }
        }
    }
    dlclose(lib);
    free(in), free(out), free(ref), free(first);
    return failed;
}
