/* onnxgen: builder over the protoc-c ONNX structs (see onnxgen.h). */
#include "onnxgen.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct og_model {
    Onnx__ModelProto model;
    Onnx__GraphProto graph;
    Onnx__OperatorSetIdProto opset;
    void **blocks; /* every allocation, freed by og_free() */
    size_t nblocks, capblocks;
    unsigned nodes_made;
};

static void *xrealloc(void *p, size_t size)
{
    void *q = realloc(p, size);
    if (!q) {
        fprintf(stderr, "onnxgen: out of memory\n");
        abort();
    }
    return q;
}

void *og_alloc(og_model *m, size_t size)
{
    if (m->nblocks == m->capblocks) {
        m->capblocks = m->capblocks ? 2 * m->capblocks : 256;
        m->blocks = xrealloc(m->blocks, m->capblocks * sizeof *m->blocks);
    }
    void *p = xrealloc(NULL, size ? size : 1);
    memset(p, 0, size);
    m->blocks[m->nblocks++] = p;
    return p;
}

char *og_strdup(og_model *m, const char *s)
{
    size_t n = strlen(s) + 1;
    return memcpy(og_alloc(m, n), s, n);
}

char *og_fmt(og_model *m, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *s = og_alloc(m, (size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return s;
}

/* Appends to a protoc-c pointer array. Capacity is implicit: the array is
 * regrown whenever the count reaches a power of two (old arrays stay in the
 * arena until og_free). */
static void push(og_model *m, void ***arr, size_t *n, void *item)
{
    if (*n >= 4 ? (*n & (*n - 1)) == 0 : *n == 0) {
        size_t cap = *n ? 2 * *n : 4;
        void **grown = og_alloc(m, cap * sizeof *grown);
        if (*n)
            memcpy(grown, *arr, *n * sizeof *grown);
        *arr = grown;
    }
    (*arr)[(*n)++] = item;
}
#define PUSH(m, arr, n, item) push((m), (void ***)&(arr), &(n), (item))

og_model *og_new(int64_t opset, const char *graph_name)
{
    og_model *m = xrealloc(NULL, sizeof *m);
    memset(m, 0, sizeof *m);
    m->model = (Onnx__ModelProto)ONNX__MODEL_PROTO__INIT;
    m->graph = (Onnx__GraphProto)ONNX__GRAPH_PROTO__INIT;
    m->opset = (Onnx__OperatorSetIdProto)ONNX__OPERATOR_SET_ID_PROTO__INIT;
    /* IR version 8, as paddle2onnx writes for opset 11; it also allows
     * initializers that are not graph inputs, which every model here has. */
    m->model.has_ir_version = 1;
    m->model.ir_version = 8;
    m->model.producer_name = "ocrslim-mkmodel";
    m->model.producer_version = "1";
    m->opset.domain = "";
    m->opset.has_version = 1;
    m->opset.version = opset;
    PUSH(m, m->model.opset_import, m->model.n_opset_import, &m->opset);
    m->graph.name = og_strdup(m, graph_name);
    m->model.graph = &m->graph;
    return m;
}

void og_free(og_model *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->nblocks; i++)
        free(m->blocks[i]);
    free(m->blocks);
    free(m);
}

Onnx__ModelProto *og_proto(og_model *m) { return &m->model; }

static Onnx__ValueInfoProto *value_info(og_model *m, const char *name,
                                        int rank, const og_dim *dims)
{
    Onnx__TensorShapeProto *shape = og_alloc(m, sizeof *shape);
    *shape = (Onnx__TensorShapeProto)ONNX__TENSOR_SHAPE_PROTO__INIT;
    for (int i = 0; i < rank; i++) {
        Onnx__TensorShapeProto__Dimension *d = og_alloc(m, sizeof *d);
        *d = (Onnx__TensorShapeProto__Dimension)
            ONNX__TENSOR_SHAPE_PROTO__DIMENSION__INIT;
        if (dims[i].param) {
            d->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM;
            d->dim_param = og_strdup(m, dims[i].param);
        } else {
            d->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE;
            d->dim_value = dims[i].value;
        }
        PUSH(m, shape->dim, shape->n_dim, d);
    }
    Onnx__TypeProto__Tensor *tt = og_alloc(m, sizeof *tt);
    *tt = (Onnx__TypeProto__Tensor)ONNX__TYPE_PROTO__TENSOR__INIT;
    tt->has_elem_type = 1;
    tt->elem_type = ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT;
    tt->shape = shape;
    Onnx__TypeProto *type = og_alloc(m, sizeof *type);
    *type = (Onnx__TypeProto)ONNX__TYPE_PROTO__INIT;
    type->value_case = ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE;
    type->tensor_type = tt;
    Onnx__ValueInfoProto *vi = og_alloc(m, sizeof *vi);
    *vi = (Onnx__ValueInfoProto)ONNX__VALUE_INFO_PROTO__INIT;
    vi->name = og_strdup(m, name);
    vi->type = type;
    return vi;
}

void og_input(og_model *m, const char *name, int rank, const og_dim *dims)
{
    PUSH(m, m->graph.input, m->graph.n_input, value_info(m, name, rank, dims));
}

void og_output(og_model *m, const char *name, int rank, const og_dim *dims)
{
    PUSH(m, m->graph.output, m->graph.n_output,
         value_info(m, name, rank, dims));
}

static Onnx__TensorProto *tensor(og_model *m, const char *name, int rank,
                                 const int64_t *dims, int32_t type,
                                 size_t *count)
{
    Onnx__TensorProto *t = og_alloc(m, sizeof *t);
    *t = (Onnx__TensorProto)ONNX__TENSOR_PROTO__INIT;
    t->name = og_strdup(m, name);
    t->has_data_type = 1;
    t->data_type = type;
    t->n_dims = (size_t)rank;
    t->dims = og_alloc(m, (size_t)rank * sizeof *t->dims);
    *count = 1;
    for (int i = 0; i < rank; i++) {
        t->dims[i] = dims[i];
        *count *= (size_t)dims[i];
    }
    return t;
}

/* Little-endian bytes of n 32- or 64-bit words. */
static uint8_t *le_bytes(og_model *m, const void *data, size_t n, size_t width)
{
    uint8_t *out = og_alloc(m, n * width);
    for (size_t i = 0; i < n; i++) {
        uint64_t w;
        if (width == 4) {
            uint32_t u;
            memcpy(&u, (const uint8_t *)data + 4 * i, 4);
            w = u;
        } else {
            memcpy(&w, (const uint8_t *)data + 8 * i, 8);
        }
        for (size_t b = 0; b < width; b++)
            out[i * width + b] = (uint8_t)(w >> (8 * b));
    }
    return out;
}

Onnx__TensorProto *og_tensor_f32(og_model *m, const char *name, int rank,
                                 const int64_t *dims, const float *data,
                                 og_store store)
{
    size_t n;
    Onnx__TensorProto *t =
        tensor(m, name, rank, dims, ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, &n);
    if (store == OG_RAW) {
        t->has_raw_data = 1;
        t->raw_data.len = 4 * n;
        t->raw_data.data = le_bytes(m, data, n, 4);
    } else {
        t->n_float_data = n;
        t->float_data = og_alloc(m, n * sizeof(float));
        memcpy(t->float_data, data, n * sizeof(float));
    }
    return t;
}

Onnx__TensorProto *og_tensor_i64(og_model *m, const char *name, int rank,
                                 const int64_t *dims, const int64_t *data,
                                 og_store store)
{
    size_t n;
    Onnx__TensorProto *t =
        tensor(m, name, rank, dims, ONNX__TENSOR_PROTO__DATA_TYPE__INT64, &n);
    if (store == OG_RAW) {
        t->has_raw_data = 1;
        t->raw_data.len = 8 * n;
        t->raw_data.data = le_bytes(m, data, n, 8);
    } else {
        t->n_int64_data = n;
        t->int64_data = og_alloc(m, n * sizeof(int64_t));
        memcpy(t->int64_data, data, n * sizeof(int64_t));
    }
    return t;
}

void og_initializer(og_model *m, Onnx__TensorProto *t)
{
    PUSH(m, m->graph.initializer, m->graph.n_initializer, t);
}

Onnx__NodeProto *og_constant(og_model *m, Onnx__TensorProto *t)
{
    Onnx__NodeProto *n = og_node(m, "Constant", t->name, OG_NONE,
                                 OG_LIST(t->name));
    og_attr_tensor(m, n, "value", t);
    return n;
}

const char *og_weight(og_model *m, og_where where, Onnx__TensorProto *t)
{
    if (where == OG_INITIALIZER)
        og_initializer(m, t);
    else
        og_constant(m, t);
    return t->name;
}

static void add_entry(og_model *m, Onnx__TensorProto *t, const char *key,
                      const char *value)
{
    Onnx__StringStringEntryProto *e = og_alloc(m, sizeof *e);
    *e = (Onnx__StringStringEntryProto)ONNX__STRING_STRING_ENTRY_PROTO__INIT;
    e->key = og_strdup(m, key);
    e->value = og_strdup(m, value);
    PUSH(m, t->external_data, t->n_external_data, e);
}

const uint8_t *og_externalize(og_model *m, Onnx__TensorProto *t,
                              const char *location, int64_t offset,
                              size_t *size)
{
    const uint8_t *bytes;
    if (t->has_raw_data) {
        bytes = t->raw_data.data;
        *size = t->raw_data.len;
    } else if (t->n_float_data) {
        bytes = le_bytes(m, t->float_data, t->n_float_data, 4);
        *size = 4 * t->n_float_data;
    } else {
        bytes = le_bytes(m, t->int64_data, t->n_int64_data, 8);
        *size = 8 * t->n_int64_data;
    }
    t->has_raw_data = 0;
    t->raw_data = (ProtobufCBinaryData){0, NULL};
    t->n_float_data = t->n_int64_data = 0;
    t->has_data_location = 1;
    t->data_location = ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL;
    add_entry(m, t, "location", location);
    if (offset >= 0)
        add_entry(m, t, "offset", og_fmt(m, "%lld", (long long)offset));
    add_entry(m, t, "length", og_fmt(m, "%zu", *size));
    return bytes;
}

Onnx__NodeProto *og_node(og_model *m, const char *op, const char *name,
                         const char *const *inputs,
                         const char *const *outputs)
{
    Onnx__NodeProto *n = og_alloc(m, sizeof *n);
    *n = (Onnx__NodeProto)ONNX__NODE_PROTO__INIT;
    n->op_type = og_strdup(m, op);
    n->name = name ? og_strdup(m, name) : og_fmt(m, "%s.%u", op, m->nodes_made);
    m->nodes_made++;
    for (; *inputs; inputs++)
        PUSH(m, n->input, n->n_input, og_strdup(m, *inputs));
    for (; *outputs; outputs++)
        PUSH(m, n->output, n->n_output, og_strdup(m, *outputs));
    PUSH(m, m->graph.node, m->graph.n_node, n);
    return n;
}

static Onnx__AttributeProto *attr(og_model *m, Onnx__NodeProto *n,
                                  const char *name,
                                  Onnx__AttributeProto__AttributeType type)
{
    Onnx__AttributeProto *a = og_alloc(m, sizeof *a);
    *a = (Onnx__AttributeProto)ONNX__ATTRIBUTE_PROTO__INIT;
    a->name = og_strdup(m, name);
    a->has_type = 1;
    a->type = type;
    PUSH(m, n->attribute, n->n_attribute, a);
    return a;
}

void og_attr_int(og_model *m, Onnx__NodeProto *n, const char *name, int64_t v)
{
    Onnx__AttributeProto *a =
        attr(m, n, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT);
    a->has_i = 1;
    a->i = v;
}

void og_attr_ints(og_model *m, Onnx__NodeProto *n, const char *name,
                  int count, const int64_t *v)
{
    Onnx__AttributeProto *a =
        attr(m, n, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS);
    a->n_ints = (size_t)count;
    a->ints = og_alloc(m, (size_t)count * sizeof *a->ints);
    memcpy(a->ints, v, (size_t)count * sizeof *a->ints);
}

void og_attr_float(og_model *m, Onnx__NodeProto *n, const char *name, float v)
{
    Onnx__AttributeProto *a =
        attr(m, n, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT);
    a->has_f = 1;
    a->f = v;
}

void og_attr_string(og_model *m, Onnx__NodeProto *n, const char *name,
                    const char *v)
{
    Onnx__AttributeProto *a =
        attr(m, n, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING);
    a->has_s = 1;
    a->s.len = strlen(v);
    a->s.data = (uint8_t *)og_strdup(m, v);
}

void og_attr_tensor(og_model *m, Onnx__NodeProto *n, const char *name,
                    Onnx__TensorProto *t)
{
    attr(m, n, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSOR)->t = t;
}

uint8_t *og_pack(og_model *m, size_t *size)
{
    *size = onnx__model_proto__get_packed_size(&m->model);
    uint8_t *buf = xrealloc(NULL, *size ? *size : 1);
    onnx__model_proto__pack(&m->model, buf);
    return buf;
}

int og_write_file(const char *path, const void *data, size_t size)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    int failed = fwrite(data, 1, size, f) != size;
    failed |= fclose(f) != 0;
    return failed ? -1 : 0;
}

og_rng og_rng_seed(uint64_t seed) { return (og_rng){seed}; }

uint64_t og_rng_u64(og_rng *r)
{
    uint64_t z = (r->state += 0x9E3779B97F4A7C15u);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
    return z ^ (z >> 31);
}

float og_rng_unit(og_rng *r)
{
    return (float)(og_rng_u64(r) >> 40) * (1.0f / 16777216.0f);
}

float og_rng_uniform(og_rng *r, float lo, float hi)
{
    return lo + (hi - lo) * og_rng_unit(r);
}
