/* peak: the machine's single-core fp32 FMA throughput in GFLOP/s, measured
 * with independent vector FMA chains (enough to cover the FMA latency on
 * every current x86 and AArch64 core), compiled with -O2 -march=native.
 * For bench/run.sh. */
#include <stdio.h>
#include <time.h>

#if defined(__AVX512F__)
#define LANES 16
#elif defined(__AVX__)
#define LANES 8
#else
#define LANES 4
#endif
enum { CHAINS = 12, ITERS = 20000000 };

typedef float vec __attribute__((vector_size(LANES * sizeof(float))));

static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

int main(void) {
    vec acc[CHAINS], a, b;
    for (int i = 0; i < LANES; i++) a[i] = 0.999999f, b[i] = 1e-7f;
    for (int c = 0; c < CHAINS; c++) acc[c] = a * (float)c;
    double best = 0;
    for (int rep = 0; rep < 5; rep++) {
        double t0 = now_s();
        for (long it = 0; it < ITERS; it++) {
            /* Unrolled by hand so the chains stay in registers. */
#define STEP(c) acc[c] = acc[c] * a + b;
            STEP(0) STEP(1) STEP(2) STEP(3) STEP(4) STEP(5) STEP(6) STEP(7) STEP(8) STEP(9) STEP(10) STEP(11)
#undef STEP
            __asm__("" : "+v"(a));
        }
        double g = 2.0 * LANES * CHAINS * (double)ITERS / (now_s() - t0) / 1e9;
        best = g > best ? g : best;
    }
    float sink = 0;
    for (int c = 0; c < CHAINS; c++) sink += acc[c][0];
    printf("%.1f\n", best + 0 * sink);
    return 0;
}
