/* ours: times one generated library, for bench/run.sh and the other benches.
 *
 *   ours LIB.so NAME NxCxHxW THREADS WARMUP RUNS
 *
 * Drives the generic API (<name>_shapes, <name>_run) on one input of those
 * dims filled with a hash pattern in [-2, 2] (bench/ort.mjs feeds ORT the
 * same). Prints one line: "ms t1 t2 ... rss_kb N", the wall time of each
 * timed call and this process's peak resident set (getrusage), which
 * includes the library's workspace and the caller's input and outputs. */
#include <dlfcn.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

enum { MAX_OUTPUTS = 16 };

typedef int (*create_fn)(void **ctx_out, int num_threads);
typedef void (*destroy_fn)(void *ctx);
typedef int (*describe_fn)(int *, int *, int *);
typedef int (*shapes_fn)(const int64_t *, int64_t *, size_t *);
typedef int (*run_fn)(void *, const int64_t *, const float *const *, float *const *);

static void *sym(void *lib, const char *name, const char *suffix) {
    char buf[256];
    snprintf(buf, sizeof buf, "%s_%s", name, suffix);
    void *p = dlsym(lib, buf);
    if (!p) fprintf(stderr, "ours: symbol %s not found\n", buf);
    return p;
}

static double now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

int main(int argc, char **argv) {
    int64_t d[4];
    if (argc != 7 ||
        sscanf(argv[3], "%" SCNd64 "x%" SCNd64 "x%" SCNd64 "x%" SCNd64, &d[0], &d[1], &d[2], &d[3]) != 4) {
        fprintf(stderr, "usage: ours LIB.so NAME NxCxHxW THREADS WARMUP RUNS\n");
        return 2;
    }
    int threads = atoi(argv[4]), warmup = atoi(argv[5]), runs = atoi(argv[6]);
    void *lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        fprintf(stderr, "ours: %s\n", dlerror());
        return 1;
    }
    create_fn create = (create_fn)sym(lib, argv[2], "create");
    destroy_fn destroy = (destroy_fn)sym(lib, argv[2], "destroy");
    describe_fn describe = (describe_fn)sym(lib, argv[2], "describe");
    shapes_fn shapes = (shapes_fn)sym(lib, argv[2], "shapes");
    run_fn run = (run_fn)sym(lib, argv[2], "run");
    if (!create || !destroy || !describe || !shapes || !run) return 1;
    int nin, nout, ranks[1 + MAX_OUTPUTS];
    int64_t odims[6 * MAX_OUTPUTS];
    size_t ws;
    if (describe(&nin, &nout, NULL) || nin != 1 || nout > MAX_OUTPUTS || describe(&nin, &nout, ranks) ||
        ranks[0] != 4 || shapes(d, odims, &ws)) {
        fprintf(stderr, "ours: the library does not take one input of %s\n", argv[3]);
        return 1;
    }
    size_t n = (size_t)(d[0] * d[1] * d[2] * d[3]);
    float *in = malloc(sizeof(float) * n), *outs[MAX_OUTPUTS];
    const int64_t *od = odims;
    for (int o = 0; o < nout; o++) {
        size_t cnt = 1;
        for (int k = 0; k < ranks[1 + o]; k++) cnt *= (size_t)*od++;
        if (!(outs[o] = malloc(sizeof(float) * cnt))) return 1;
    }
    void *ctx = NULL;
    if (!in || create(&ctx, threads)) {
        fprintf(stderr, "ours: cannot create a context\n");
        return 1;
    }
    for (size_t i = 0; i < n; i++) in[i] = (float)((uint32_t)(i * 2654435761u) % 4001) / 1000.0f - 2.0f;
    printf("ms");
    for (int r = 0; r < warmup + runs; r++) {
        double t0 = now_ms();
        if (run(ctx, d, (const float *const[]){in}, outs)) {
            fprintf(stderr, "ours: run failed\n");
            return 1;
        }
        if (r >= warmup) printf(" %.3f", now_ms() - t0);
    }
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf(" rss_kb %ld\n", ru.ru_maxrss);
    destroy(ctx);
    free(in);
    for (int o = 0; o < nout; o++) free(outs[o]);
    return 0;
}
