/* ours: times one generated library, for bench/run.sh.
 *
 *   ours LIB.so NAME HEIGHT WIDTH THREADS WARMUP RUNS
 *
 * Prints one line: "ms t1 t2 ... rss_kb N", the wall time of each timed
 * forward call and this process's peak resident set (getrusage), which
 * includes the library's workspace and the caller's input and output. */
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

typedef int (*create_fn)(void **ctx_out, int num_threads);
typedef void (*destroy_fn)(void *ctx);
typedef int (*forward_fn)(void *ctx, const float *input, int height, int width, float *output);

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
    if (argc != 8) {
        fprintf(stderr, "usage: ours LIB.so NAME HEIGHT WIDTH THREADS WARMUP RUNS\n");
        return 2;
    }
    int h = atoi(argv[3]), w = atoi(argv[4]), threads = atoi(argv[5]), warmup = atoi(argv[6]), runs = atoi(argv[7]);
    void *lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        fprintf(stderr, "ours: %s\n", dlerror());
        return 1;
    }
    create_fn create = (create_fn)sym(lib, argv[2], "create");
    destroy_fn destroy = (destroy_fn)sym(lib, argv[2], "destroy");
    forward_fn forward = (forward_fn)sym(lib, argv[2], "forward");
    if (!create || !destroy || !forward || h <= 0 || w <= 0) return 1;
    size_t n = (size_t)h * w;
    float *in = malloc(sizeof(float) * 3 * n), *out = malloc(sizeof(float) * n);
    void *ctx = NULL;
    if (!in || !out || create(&ctx, threads)) {
        fprintf(stderr, "ours: cannot create a context\n");
        return 1;
    }
    /* Same input as bench/ort.mjs: a hash pattern in [-2, 2]. */
    for (size_t i = 0; i < 3 * n; i++) in[i] = (float)((uint32_t)(i * 2654435761u) % 4001) / 1000.0f - 2.0f;
    printf("ms");
    for (int r = 0; r < warmup + runs; r++) {
        double t0 = now_ms();
        if (forward(ctx, in, h, w, out)) {
            fprintf(stderr, "ours: forward failed\n");
            return 1;
        }
        if (r >= warmup) printf(" %.3f", now_ms() - t0);
    }
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf(" rss_kb %ld\n", ru.ru_maxrss);
    destroy(ctx);
    free(in);
    free(out);
    return 0;
}
