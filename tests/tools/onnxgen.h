/* onnxgen: a small builder over the protoc-c ONNX structs, for writing test
 * models from C (see mkmodel.c).
 *
 * Ownership: everything a builder makes (strings, tensors, nodes, arrays)
 * lives in the builder and dies with og_free(). Functions that create a
 * proto return it, so a recipe can break it on purpose afterwards (negative
 * dims, short raw_data, ...). Running out of memory aborts: this is a test
 * tool, not library code.
 *
 * Serialized tensors are little-endian whatever the host, as ONNX requires.
 *
 * PRNG: og_rng is splitmix64 (Steele, Lea, Flood 2014):
 *   state += 0x9E3779B97F4A7C15;
 *   z = state; z = (z ^ z>>30) * 0xBF58476D1CE4E5B9;
 *   z = (z ^ z>>27) * 0x94D049BB133111EB; return z ^ z>>31;
 * og_rng_unit() takes the top 24 bits of one draw times 2^-24, so it is an
 * exact float in [0, 1). og_rng_uniform() maps that to [lo, hi) in float
 * arithmetic with no libm call, so weights are bit-identical on every
 * IEEE-754 host (build with -ffp-contract=off, as tests/tools does).
 */
#ifndef OCRS_ONNXGEN_H
#define OCRS_ONNXGEN_H

#include <stddef.h>
#include <stdint.h>

#include "onnx/onnx.pb-c.h"

typedef struct og_model og_model;

/* One dimension of a graph input/output: symbolic when param != NULL. */
typedef struct {
    int64_t value;
    const char *param;
} og_dim;
#define OG_FIX(v) ((og_dim){(v), NULL})
#define OG_SYM(s) ((og_dim){0, (s)})

/* A NULL-terminated list of value names, for og_node(). "" is an omitted
 * optional input. */
#define OG_LIST(...) ((const char *const[]){__VA_ARGS__, NULL})
#define OG_NONE ((const char *const[]){NULL})

/* How a tensor's numbers are stored: raw_data bytes or the typed field
 * (float_data / int64_data). */
typedef enum { OG_RAW, OG_TYPED } og_store;

/* Where a weight lives: a graph initializer or a Constant node. */
typedef enum { OG_INITIALIZER, OG_CONSTANT } og_where;

og_model *og_new(int64_t opset, const char *graph_name);
void og_free(og_model *m);
Onnx__ModelProto *og_proto(og_model *m);

void *og_alloc(og_model *m, size_t size); /* zeroed, owned by m */
char *og_strdup(og_model *m, const char *s);
char *og_fmt(og_model *m, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

void og_input(og_model *m, const char *name, int rank, const og_dim *dims);
void og_output(og_model *m, const char *name, int rank, const og_dim *dims);

/* count = product of dims; data holds that many elements. */
Onnx__TensorProto *og_tensor_f32(og_model *m, const char *name, int rank,
                                 const int64_t *dims, const float *data,
                                 og_store store);
Onnx__TensorProto *og_tensor_i64(og_model *m, const char *name, int rank,
                                 const int64_t *dims, const int64_t *data,
                                 og_store store);
void og_initializer(og_model *m, Onnx__TensorProto *t);
/* A Constant node; the node, its output and its "value" tensor are all
 * named t->name. */
Onnx__NodeProto *og_constant(og_model *m, Onnx__TensorProto *t);
/* Adds t where asked and returns its name. */
const char *og_weight(og_model *m, og_where where, Onnx__TensorProto *t);

/* Moves t's bytes out of the model: data_location EXTERNAL with
 * location/offset/length entries (offset < 0 leaves offset out). Returns the
 * little-endian bytes that belong in the side file (owned by m) and their
 * count in *size. */
const uint8_t *og_externalize(og_model *m, Onnx__TensorProto *t,
                              const char *location, int64_t offset,
                              size_t *size);

/* name == NULL names the node "<op>.<n>". */
Onnx__NodeProto *og_node(og_model *m, const char *op, const char *name,
                         const char *const *inputs,
                         const char *const *outputs);
void og_attr_int(og_model *m, Onnx__NodeProto *n, const char *name, int64_t v);
void og_attr_ints(og_model *m, Onnx__NodeProto *n, const char *name,
                  int count, const int64_t *v);
void og_attr_float(og_model *m, Onnx__NodeProto *n, const char *name, float v);
void og_attr_string(og_model *m, Onnx__NodeProto *n, const char *name,
                    const char *v);
void og_attr_tensor(og_model *m, Onnx__NodeProto *n, const char *name,
                    Onnx__TensorProto *t);

/* Serialized model in a malloc'd buffer the caller frees. */
uint8_t *og_pack(og_model *m, size_t *size);
/* 0 on success, -1 with errno set. */
int og_write_file(const char *path, const void *data, size_t size);

typedef struct {
    uint64_t state;
} og_rng;

og_rng og_rng_seed(uint64_t seed);
uint64_t og_rng_u64(og_rng *r);
float og_rng_unit(og_rng *r);
float og_rng_uniform(og_rng *r, float lo, float hi);

#endif
