/* Helpers for the pass and interpreter tests: building small graphs through
 * the IR API, running them on the reference interpreter, comparing outputs. */
#ifndef OCRS_TESTLIB_H
#define OCRS_TESTLIB_H

#include <stdio.h>

#include "interp.h"
#include "passes.h"

extern int t_failures;

#define CHECK(cond)                                                                  \
    do {                                                                             \
        if (!(cond)) {                                                               \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
            t_failures++;                                                            \
        }                                                                            \
    } while (0)

/* Graph whose input "x" is f32[1, c, H, W] with symbolic H and W. */
ir_graph *t_graph(int64_t c, ir_id *x);
/* Graph whose input "x" has the given static shape. */
ir_graph *t_graph_static(int rank, const int64_t *dims, ir_id *x);

/* A float weight; data NULL fills it with pseudo-random values in [-1, 1]. */
ir_id t_weight(ir_graph *g, const char *name, int rank, const int64_t *dims, const float *data);
#define T_DIMS(...) (sizeof((int64_t[]){__VA_ARGS__}) / sizeof(int64_t)), (int64_t[]){__VA_ARGS__}
/* A one-element weight of rank 0 or 1. */
ir_id t_scalar(ir_graph *g, const char *name, int rank, float v);

/* A node computing a new value named out; returns the node's id. Unary ops
 * get the activation their op implies (a, b for Clip and HardSigmoid). */
ir_id t_node(ir_graph *g, ir_op op, const char *out, uint32_t n, const ir_id *in);
#define T_NODE(g, op, out, ...) \
    t_node(g, IR_OP_##op, out, sizeof((ir_id[]){__VA_ARGS__}) / sizeof(ir_id), (ir_id[]){__VA_ARGS__})
ir_id t_act(ir_graph *g, ir_op op, const char *out, ir_id x, float a, float b);
/* Conv or ConvTranspose with kernel from w, equal strides and pads; sets the
 * weight's and bias's out_axis/in_axis the way the frontend does. b may be IR_NONE. */
ir_id t_conv(ir_graph *g, ir_op op, const char *out, ir_id x, ir_id w, ir_id b, int64_t stride, int64_t pad,
             int64_t group);
/* The output value of node n. */
ir_id t_out(const ir_graph *g, ir_id n);
void t_set_output(ir_graph *g, ir_id v);

/* Shape inference then the verifier; a failure is a check failure. */
void t_prepare(ir_graph *g);
int t_count(const ir_graph *g, ir_op op);
int t_nodes(const ir_graph *g);

/* t_run's input at h x w (malloc'ed), and the symbols' values into sizes. */
float *t_input(const ir_graph *g, int64_t h, int64_t w, int64_t *sizes);
/* Output 0 on a fixed pseudo-random input in [-4, 4] at height h and width
 * w (the image's of a graph of one image input, else the symbols named H
 * and W; others at their typical values) (malloc'ed;
 * NULL after a check failure); *n gets its element count. */
float *t_run(const ir_graph *g, int64_t h, int64_t w, int64_t *n);

/* The tolerance of the pass tests: max |a - b| <= tol * max(1, max |a|),
 * relative to the tensor's magnitude since single elements may cancel. */
#define T_TOL 1e-5
bool t_close(const float *a, const float *b, int64_t n, double tol);
/* The IR dump of g as a string (caller frees). */
char *t_dump(const ir_graph *g);

/* Runs pass on g (already prepared), then the verifier, and checks that the
 * interpreter's output at h x w is unchanged within T_TOL. */
void t_check_pass(ir_graph *g, ocrs_status (*pass)(ir_graph *, ocrs_diag *), int64_t h, int64_t w);

/* Node "c" with weight "w" and bias "b" reading x (4 channels): a Conv 3x3
 * with pad 1, or a ConvTranspose 2x2 with stride 2. */
ir_id t_small_conv(ir_graph *g, ir_op conv_op, ir_id x);

/* Prepares g, runs pass on it (t_check_pass at 32x32), checks that it still
 * has expected_nodes live nodes, and frees it: for graphs a pass must not
 * change. */
void t_check_stays(ir_graph *g, ocrs_status (*pass)(ir_graph *, ocrs_diag *), int expected_nodes);

/* Prints the verdict; the test's exit status. */
int t_finish(const char *test);

#endif
