/* The parts of the ONNX node-test conformance suite (tests/conformance),
 * which compiles ONNX's own backend node tests (Debian's libonnx-testdata:
 * a folder per test holding model.onnx and test_data_set_*\/input_*.pb,
 * output_*.pb, serialized onnx.TensorProto) with ocrslimc and compares the
 * libraries' outputs with ONNX's:
 *   common.c    messages, paths, reading files
 *   tensor.c    the .pb files: dims checked, float values
 *   testcase.c  a test folder: its model, scope, family and data sets; the
 *               model with its weight inputs bound as initializers
 *   skiplist.c  skip.txt: the tests the compiler must refuse, and why
 *   execute.c   compiling with ocrslimc, running the library, comparing
 *   conformance.c  the command line, the loop over tests, the report
 * Every function that can fail returns false after writing why into err. */
#ifndef OCRS_CONFORMANCE_H
#define OCRS_CONFORMANCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "onnx/onnx.pb-c.h"

enum {
    CONF_MAX_RANK = 8,  /* dims of a test tensor; the compiler refuses above its own limit */
    CONF_MAX_IO = 16,   /* a test's graph inputs, and its outputs */
    CONF_MAX_SETS = 16, /* data sets of a test */
    CONF_ERR = 1024,    /* bytes of an error message */
    CONF_PATH = 4096,   /* bytes of a path */
};

/* Elements of one test tensor at most: the node tests' largest hold some
 * 100k; the limit keeps a corrupt file's dims from asking for gigabytes. */
#define CONF_MAX_NUMEL ((int64_t)1 << 26)

/* ---- common.c ---- */

/* Formats a message into err (CONF_ERR bytes, cut short if need be) and
 * returns false. */
bool conf_fail(char *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Formats a path into out (CONF_PATH bytes); false, with why in err, when
 * it does not fit. */
bool conf_path(char *out, char *err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* The whole of a file of at most max bytes, in *data_out (malloc'ed). */
bool conf_read_file(const char *path, size_t max, uint8_t **data_out, size_t *size_out, char *err);

/* ---- tensor.c ---- */

typedef struct {
    Onnx__TensorProto *proto; /* the decoded file (owned) */
    int32_t dtype;            /* ONNX__TENSOR_PROTO__DATA_TYPE__* */
    int rank;
    int64_t dims[CONF_MAX_RANK];
    int64_t numel;
    float *data; /* numel values of a float tensor (owned), else NULL */
} conf_tensor;

/* Reads a serialized TensorProto; its dims must be non-negative and
 * multiply to at most CONF_MAX_NUMEL, a float tensor's data must hold
 * exactly that many values. */
bool conf_tensor_read(const char *path, conf_tensor *t, char *err);
void conf_tensor_free(conf_tensor *t);
/* FLOAT, INT64, ...: an ONNX data type's name as onnx.proto spells it. */
const char *conf_dtype_name(int32_t dtype);

/* ---- testcase.c ---- */

typedef struct {
    int ninputs, noutputs;
    conf_tensor inputs[CONF_MAX_IO];  /* input_k.pb: graph input k (not an initializer) */
    conf_tensor outputs[CONF_MAX_IO]; /* output_k.pb: graph output k */
} conf_set;

typedef struct {
    char *dir;               /* the test folder */
    const char *name;        /* its last component, test_... */
    Onnx__ModelProto *model; /* model.onnx, decoded */
    const char *family;      /* op type of its one node other than Constants, or "expanded" */
    bool in_scope;           /* every node's op is one the compiler's importer takes */
    int nsets;               /* test_data_set_0 .. nsets - 1 */
    /* The graph inputs no initializer defines, in order: the data sets'
     * input_k.pb are these. */
    int ninputs;
    const Onnx__ValueInfoProto *inputs[CONF_MAX_IO];
    /* Graph outputs left out of the compiled model and not compared (the
     * drop table in testcase.c), named in dropped_names. */
    bool dropped[CONF_MAX_IO];
    char dropped_names[256];
} conf_test;

/* Loads the folder's model and counts its data sets. */
bool conf_test_load(const char *dir, conf_test *t, char *err);
void conf_test_free(conf_test *t);
/* Reads data set k's input and output tensors. */
bool conf_set_load(const conf_test *t, int k, conf_set *s, char *err);
void conf_set_free(conf_set *s);
/* Writes to path the test's model with the graph inputs the compiler takes
 * only as constants (the binding table in testcase.c) turned into
 * initializers holding data set s's values, and without the dropped
 * outputs; bound[i] tells whether t->inputs[i] was. */
bool conf_bind_write(const conf_test *t, const conf_set *s, const char *path, bool *bound, char *err);

/* ---- skiplist.c ---- */

typedef struct {
    char *test, *reason;
    int line;
} conf_skip;

typedef struct {
    const char *path;
    conf_skip *v;
    size_t n;
} conf_skiplist;

/* Reads skip.txt: "test_name  reason" lines (blank lines and lines
 * starting with '#' aside); a reason is required, a test listed once. */
bool conf_skiplist_read(const char *path, conf_skiplist *l, char *err);
void conf_skiplist_free(conf_skiplist *l);
const conf_skip *conf_skiplist_find(const conf_skiplist *l, const char *test);
/* A known bug of the compiler ("BUG: ..."): the test may fail in any way,
 * where another listed test must be refused with a clear error. */
bool conf_skip_is_bug(const conf_skip *s);

/* ---- execute.c ---- */

typedef enum {
    CONF_COMPILED, /* exit 0, the library written */
    CONF_REFUSED,  /* exit 1 with "ocrslimc: error: " and a message */
    CONF_BROKEN,   /* anything else: a signal, another exit status, no message */
} conf_compile_result;

/* Runs `ocrslimc model -o lib --name name`; the compiler's stderr goes to
 * log, and its message (or what went wrong) into msg (CONF_ERR bytes). */
conf_compile_result conf_compile(const char *ocrslimc, const char *model, const char *lib, const char *name,
                                 const char *log, char *msg);
/* Loads the library lib (symbol prefix name) in a child process, runs it
 * on data set s's unbound inputs with 1 and then 3 threads and compares
 * every output with s's, at |got - want| <= 1e-4 + 1e-4 |want| (NaN equal
 * to NaN). True when all match; else why in err (a crash of the library
 * included). */
bool conf_run_compare(const char *lib, const char *name, const conf_test *t, const conf_set *s, const bool *bound,
                      char *err);

#endif
