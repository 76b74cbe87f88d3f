/* The ONNX importer's internals, shared by its two files: onnx.c (files,
 * tensors, attributes, graph inputs and symbols, node order) and onnx_ops.c
 * (each ONNX op into IR nodes, compile-time shape arithmetic). */
#ifndef OCRS_ONNX_IMPORT_H
#define OCRS_ONNX_IMPORT_H

#include "frontend.h"
#include "onnx/onnx.pb-c.h"

typedef struct {
    const char *path;
    char *dir; /* the model's folder, resolved; external data must stay inside */
    ir_graph *g;
    int64_t opset;
    ocrs_diag *diag;
    const Onnx__NodeProto *node; /* node being imported, for messages */
    char where[600];
    const ocrs_import_opts *opts;
    bool *used;                  /* per opts->dims entry: it named a dim */
    /* Per symbol, in the order the inputs create them (the same on every
     * attempt): the alignment and the smallest value the shape rules asked
     * for so far. */
    int64_t align[IR_MAX_SYMS], min[IR_MAX_SYMS];
    /* The derived symbols the shape rules asked for, added after the inputs'
     * symbols on every import (derived[i] becomes symbol ninput_syms + i). */
    ir_derive_need derived[IR_MAX_SYMS];
    int nderived;
} importer;


/* A failure naming the node being imported: "<model>: node 'n' (Op, opset
 * k): <message>". */
ocrs_status onnx_node_fail(importer *im, ocrs_status st, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
#define NODE_FAIL(im, status, ...) onnx_node_fail(im, status, __VA_ARGS__)

/* An ONNX data type's name as onnx.proto spells it (UINT8, FLOAT16, ...). */
const char *onnx_dtype_name(int32_t dtype);

/* A TensorProto as an IR weight (float32, or int64 for integer types). */
ocrs_status onnx_import_tensor(importer *im, const Onnx__TensorProto *t, const char *name, ir_id *out);

/* Attributes of the node being imported. onnx_attr: by name, NULL when
 * absent, any type; onnx_attr_of: of type want, which it must have. The
 * others read one of a type, giving dflt (or leaving out) when absent;
 * onnx_attr_choice a string that must be one of choices (NULL-terminated)
 * into its index; onnx_attr_ints exactly count ints. */
typedef Onnx__AttributeProto__AttributeType attr_type;
const Onnx__AttributeProto *onnx_attr(const Onnx__NodeProto *n, const char *name);
ocrs_status onnx_attr_of(importer *im, const char *name, attr_type want, const Onnx__AttributeProto **out);
ocrs_status onnx_attr_int(importer *im, const char *name, int64_t dflt, int64_t *out);
ocrs_status onnx_attr_float(importer *im, const char *name, float dflt, float *out);
ocrs_status onnx_attr_choice(importer *im, const char *name, const char *const *choices, int dflt, int *out);
ocrs_status onnx_attr_ints(importer *im, const char *name, size_t count, int64_t *out);

/* The value named name (IR_NONE for "", an absent optional input), or a
 * failure when nothing defines it. */
ocrs_status onnx_lookup(importer *im, const char *name, ir_id *out);
/* A constant input (a weight of at most max elements) as floats; *n = 0
 * for an absent one. */
ocrs_status onnx_const_floats(importer *im, const char *name, const char *what, float *vals, size_t max, size_t *n);

/* onnx_ops.c (with ocrs_onnx_op_known, frontend.h): the list of the ops
 * the importer takes, and one node into the graph (its output defined: an
 * IR node's value, a weight or a compile-time int). */
void onnx_supported_ops(char *buf, size_t size);
ocrs_status onnx_import_node(importer *im, const Onnx__NodeProto *n);

#endif
