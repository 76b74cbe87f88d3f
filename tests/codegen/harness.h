/* Helpers of the codegen tests: small graphs built through the IR API,
 * compiled with ocrs_codegen into a temporary folder, loaded with dlopen and
 * compared with the reference interpreter. */
#ifndef OCRS_CG_HARNESS_H
#define OCRS_CG_HARNESS_H

#include <stdio.h>

#include "codegen.h"
#include "interp.h"
#include "passes.h"

extern int h_failures;

#define CHECK(cond)                                                                  \
    do {                                                                             \
        if (!(cond)) {                                                               \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
            h_failures++;                                                            \
        }                                                                            \
    } while (0)

/* Deterministic pseudo-random numbers (splitmix64). */
typedef struct {
    uint64_t s;
} h_rng;
uint64_t h_next(h_rng *r);
int64_t h_int(h_rng *r, int64_t lo, int64_t hi); /* uniform in [lo, hi] */
float h_float(h_rng *r, float lo, float hi);
#define H_PICK(r, ...) \
    ((int64_t[]){__VA_ARGS__}[h_int(r, 0, sizeof((int64_t[]){__VA_ARGS__}) / sizeof(int64_t) - 1)])

/* Graph with input "x" f32[1, c, H, W], H and W symbols (multiples of 32
 * in [32, 4096]); with a batch symbol N in [1, max_batch] instead of the 1. */
ir_graph *h_graph(int64_t c, ir_id *x);
ir_graph *h_graph_batch(int64_t c, int64_t max_batch, ir_id *x);
/* A weight of the given shape, values uniform in [lo, hi]. */
ir_id h_weight(ir_graph *g, h_rng *r, int rank, const int64_t *dims, float lo, float hi);
#define H_DIMS(...) (int)(sizeof((int64_t[]){__VA_ARGS__}) / sizeof(int64_t)), (int64_t[]){__VA_ARGS__}
/* A node with a fresh output value; returns the output value. attrs may be
 * NULL (defaults: stride and dilation 1, group 1). */
ir_id h_node(ir_graph *g, ir_op op, uint32_t n, const ir_id *in, const ir_attrs *attrs);
#define H_NODE(g, op, attrs, ...) \
    h_node(g, IR_OP_##op, sizeof((ir_id[]){__VA_ARGS__}) / sizeof(ir_id), (ir_id[]){__VA_ARGS__}, attrs)
/* Default attributes, with act set for a unary op. */
ir_attrs h_attrs(void);
ir_act h_unary_act(ir_op op, h_rng *r);
/* Marks v output 0, infers shapes and verifies; false (with a message) if
 * the graph is not valid. */
bool h_finish(ir_graph *g, ir_id out);

/* A folder under $TMPDIR, removed with its files by h_tmpdir_remove. */
const char *h_tmpdir(void);
void h_tmpdir_remove(void);

/* A compiled model: lib<name>.so in h_tmpdir(), dlopen'ed. */
typedef struct {
    void *lib;
    int (*create)(void **ctx_out, int num_threads);
    void (*destroy)(void *ctx);
    int (*run)(void *ctx, const int64_t *input_dims, const float *const *inputs, float *const *outputs);
    int (*shapes)(const int64_t *input_dims, int64_t *output_dims, size_t *workspace_bytes);
    /* A model of one image input only (else NULL): */
    int (*forward)(void *ctx, const float *input, int height, int width, float *output);
    const char *(*strerror)(int status);
    size_t (*workspace_size)(int height, int width);
    char path[4096];
} h_model;

/* The CPU h_compile compiles for (--cpu; NULL: the host's, with its
 * features); the host must run its code. */
extern const char *h_cpu;
/* Compiles g as lib<name>.so (and <name>.h) in h_tmpdir() and opens it. */
bool h_compile(const ir_graph *g, const char *name, h_model *m);
void h_close(h_model *m);

/* Runs m (through <name>_run, at 1 and at 3 threads, which must agree bit
 * for bit) and the interpreter on the same pseudo-random inputs and compares
 * every output: at h x w for a model of one image input, else at the
 * symbols' typical values. Tolerance: max |got - ref| <= tol * max(1, max |ref|), i.e.
 * relative to the output's magnitude (single elements may cancel). */
#define H_TOL 1e-5
bool h_compare(const ir_graph *g, h_model *m, int64_t h, int64_t w, double tol, const char *what);

/* Compiles g and compares at each of the sizes {h0, w0, h1, w1, ...}.
 * OCRS_TEST_VERBOSE=1 in the environment prints every error. */
bool h_check(const ir_graph *g, const char *what, int nsizes, const int64_t *sizes, double tol);

int h_report(const char *test);

#endif
