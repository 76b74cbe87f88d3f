/* ONNX frontend: ModelProto (protoc-c, from ONNX's own onnx.proto) -> IR.
 *
 * Initializers and Constant nodes become weights; every other node becomes
 * one IR node with its attributes normalised (Clip's min/max inputs, Resize's
 * scales and Upsample all end up as attributes). Nodes are imported in
 * topological order (a cycle is an error) and each node's output shape is
 * inferred as it is imported, so a bad model is reported at the node where it
 * goes wrong. External tensor data is read only from inside the model's
 * folder. The dims graph inputs and outputs declare are kept
 * (ir_value.declared) for the ONNX writer. */
#include "frontend.h"
#include "onnx_import.h"

#include <ctype.h>
#include <errno.h>
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "onnx/onnx.pb-c.h"

enum { OPSET_MIN = 9, OPSET_MAX = 17 };
#define MAX_MODEL_BYTES ((size_t)2 << 30)
#define MAX_TENSOR_ELEMS ((int64_t)1 << 30)

static const char *node_where(importer *im) {
    const Onnx__NodeProto *n = im->node;
    if (n->name && n->name[0])
        snprintf(im->where, sizeof im->where, "%s: node '%s' (%s, opset %lld)", im->path, n->name, n->op_type,
                 (long long)im->opset);
    else
        snprintf(im->where, sizeof im->where, "%s: node writing '%s' (%s, opset %lld)", im->path,
                 n->n_output ? n->output[0] : "?", n->op_type, (long long)im->opset);
    return im->where;
}

ocrs_status onnx_node_fail(importer *im, ocrs_status st, const char *fmt, ...) {
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return ocrs_fail(im->diag, st, "%s: %s", node_where(im), msg);
}

/* ---- reading files -------------------------------------------------------- */

static ocrs_status read_file(const char *path, const char *what, uint8_t **data_out, size_t *size_out, size_t offset,
                             int64_t length, ocrs_diag *diag) {
    FILE *f = fopen(path, "rb");
    if (!f) return ocrs_fail(diag, OCRS_ERR_IO, "%s: cannot open %s: %s", path, what, strerror(errno));
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        fclose(f);
        return ocrs_fail(diag, OCRS_ERR_IO, "%s: %s is not a regular file", path, what);
    }
    size_t fsize = (size_t)st.st_size;
    if (offset > fsize) {
        fclose(f);
        return ocrs_fail(diag, OCRS_ERR_INVALID, "%s: offset %zu is past the end of %s", path, offset, what);
    }
    size_t n = length < 0 ? fsize - offset : (size_t)length;
    if (n > fsize - offset) {
        fclose(f);
        return ocrs_fail(diag, OCRS_ERR_INVALID, "%s: %s is shorter than the %zu bytes it should hold", path, what, n);
    }
    if (n > MAX_MODEL_BYTES) {
        fclose(f);
        return ocrs_fail(diag, OCRS_ERR_UNSUPPORTED, "%s: %s is larger than %zu bytes", path, what, MAX_MODEL_BYTES);
    }
    uint8_t *buf = malloc(n ? n : 1);
    if (!buf) {
        fclose(f);
        return ocrs_fail(diag, OCRS_ERR_NOMEM, "%s: out of memory reading %s", path, what);
    }
    bool ok = fseek(f, (long)offset, SEEK_SET) == 0 && fread(buf, 1, n, f) == n;
    fclose(f);
    if (!ok) {
        free(buf);
        return ocrs_fail(diag, OCRS_ERR_IO, "%s: error reading %s", path, what);
    }
    *data_out = buf;
    *size_out = n;
    return OCRS_OK;
}

/* Resolves an external-data location against the model folder; refuses
 * absolute paths, '..' and links that lead outside the folder. */
static ocrs_status external_path(importer *im, const char *tname, const char *loc, char **out) {
    if (!loc || !loc[0] || loc[0] == '/')
        return ocrs_fail(im->diag, OCRS_ERR_INVALID,
                         "%s: tensor '%s': external data location '%s' must be a relative path inside the model folder",
                         im->path, tname, loc ? loc : "");
    for (const char *p = loc; *p;) {
        const char *e = strchr(p, '/');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len == 2 && p[0] == '.' && p[1] == '.')
            return ocrs_fail(im->diag, OCRS_ERR_INVALID,
                             "%s: tensor '%s': external data location '%s' leaves the model folder", im->path, tname, loc);
        p += len + (e ? 1 : 0);
    }
    size_t n = strlen(im->dir) + strlen(loc) + 2;
    char *joined = malloc(n);
    if (!joined) return ocrs_fail(im->diag, OCRS_ERR_NOMEM, "%s: out of memory", im->path);
    snprintf(joined, n, "%s/%s", im->dir, loc);
    char *real = realpath(joined, NULL);
    free(joined);
    if (!real)
        return ocrs_fail(im->diag, OCRS_ERR_IO, "%s: tensor '%s': cannot open external data '%s': %s", im->path, tname,
                         loc, strerror(errno));
    size_t dl = strlen(im->dir);
    if (strncmp(real, im->dir, dl) != 0 || real[dl] != '/') {
        free(real);
        return ocrs_fail(im->diag, OCRS_ERR_INVALID,
                         "%s: tensor '%s': external data '%s' resolves outside the model folder", im->path, tname, loc);
    }
    *out = real;
    return OCRS_OK;
}

/* ---- tensors -------------------------------------------------------------- */

const char *onnx_dtype_name(int32_t dtype) {
    const ProtobufCEnumDescriptor *d = &onnx__tensor_proto__data_type__descriptor;
    const ProtobufCEnumValue *v = protobuf_c_enum_descriptor_get_value(d, dtype);
    return v ? v->name : "an unknown type";
}

static ocrs_status tensor_dims(importer *im, const Onnx__TensorProto *t, const char *name, int64_t *dims,
                               int64_t *numel) {
    if (t->n_dims > IR_MAX_RANK)
        return ocrs_fail(im->diag, OCRS_ERR_UNSUPPORTED, "%s: tensor '%s' has rank %zu (at most %d supported)",
                         im->path, name, t->n_dims, IR_MAX_RANK);
    int64_t n = 1;
    for (size_t i = 0; i < t->n_dims; i++) {
        if (t->dims[i] < 0)
            return ocrs_fail(im->diag, OCRS_ERR_INVALID, "%s: tensor '%s' has negative dim %lld", im->path, name,
                             (long long)t->dims[i]);
        if (t->dims[i] > 0 && n > MAX_TENSOR_ELEMS / t->dims[i])
            return ocrs_fail(im->diag, OCRS_ERR_INVALID, "%s: tensor '%s' has more than %lld elements", im->path, name,
                             (long long)MAX_TENSOR_ELEMS);
        n *= t->dims[i];
        dims[i] = t->dims[i];
    }
    *numel = n;
    return OCRS_OK;
}

/* Converts a TensorProto into an IR weight (float32 or int64). */
ocrs_status onnx_import_tensor(importer *im, const Onnx__TensorProto *t, const char *name, ir_id *out) {
    int64_t dims[IR_MAX_RANK], n = 0;
    ocrs_status st = tensor_dims(im, t, name, dims, &n);
    if (st) return st;
    ir_dtype dtype;
    size_t esize;
    switch (t->data_type) {
    case ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT: dtype = IR_F32; esize = 4; break;
    case ONNX__TENSOR_PROTO__DATA_TYPE__DOUBLE: dtype = IR_F32; esize = 8; break;
    case ONNX__TENSOR_PROTO__DATA_TYPE__INT64: dtype = IR_I64; esize = 8; break;
    case ONNX__TENSOR_PROTO__DATA_TYPE__INT32: dtype = IR_I64; esize = 4; break;
    default:
        return ocrs_fail(im->diag, OCRS_ERR_UNSUPPORTED,
                         "%s: tensor '%s' is %s (FLOAT, DOUBLE, INT32 and INT64 are supported)", im->path, name,
                         onnx_dtype_name(t->data_type));
    }
    const uint8_t *raw = NULL;
    size_t raw_size = 0;
    uint8_t *ext = NULL;
    if (t->has_data_location && t->data_location == ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL) {
        const char *loc = NULL;
        int64_t offset = 0, length = -1;
        for (size_t i = 0; i < t->n_external_data; i++) {
            const Onnx__StringStringEntryProto *e = t->external_data[i];
            if (!e->key || !e->value) continue;
            char *end;
            if (strcmp(e->key, "location") == 0) loc = e->value;
            else if (strcmp(e->key, "offset") == 0) offset = strtoll(e->value, &end, 10);
            else if (strcmp(e->key, "length") == 0) length = strtoll(e->value, &end, 10);
        }
        if (offset < 0)
            return ocrs_fail(im->diag, OCRS_ERR_INVALID, "%s: tensor '%s': negative external data offset", im->path, name);
        char *real = NULL;
        st = external_path(im, name, loc, &real);
        if (st) return st;
        if (!ir_add_data_file(im->g, real)) {
            free(real);
            return ocrs_fail(im->diag, OCRS_ERR_NOMEM, "%s: out of memory", im->path);
        }
        st = read_file(real, "external tensor data", &ext, &raw_size, (size_t)offset, length, im->diag);
        free(real);
        if (st) return st;
        raw = ext;
    } else if (t->has_raw_data) {
        raw = t->raw_data.data;
        raw_size = t->raw_data.len;
    }
    size_t want = (size_t)n;
    size_t have = raw ? raw_size / esize
                      : (t->data_type == ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT    ? t->n_float_data
                         : t->data_type == ONNX__TENSOR_PROTO__DATA_TYPE__DOUBLE ? t->n_double_data
                         : t->data_type == ONNX__TENSOR_PROTO__DATA_TYPE__INT64  ? t->n_int64_data
                                                                                 : t->n_int32_data);
    if ((raw && raw_size != want * esize) || (!raw && have != want)) {
        free(ext);
        return ocrs_fail(im->diag, OCRS_ERR_INVALID, "%s: tensor '%s' holds %zu bytes of data, its shape needs %zu",
                         im->path, name, raw ? raw_size : have * esize, want * esize);
    }
    void *data = malloc((want ? want : 1) * 8);
    if (!data) {
        free(ext);
        return ocrs_fail(im->diag, OCRS_ERR_NOMEM, "%s: out of memory", im->path);
    }
    for (size_t i = 0; i < want; i++) {
        /* raw_data is little-endian by the ONNX spec; memcpy keeps it
         * alignment-safe. */
        switch (t->data_type) {
        case ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT: {
            float v;
            if (raw) memcpy(&v, raw + i * 4, 4);
            else v = t->float_data[i];
            ((float *)data)[i] = v;
            break;
        }
        case ONNX__TENSOR_PROTO__DATA_TYPE__DOUBLE: {
            double v;
            if (raw) memcpy(&v, raw + i * 8, 8);
            else v = t->double_data[i];
            ((float *)data)[i] = (float)v;
            break;
        }
        case ONNX__TENSOR_PROTO__DATA_TYPE__INT64: {
            int64_t v;
            if (raw) memcpy(&v, raw + i * 8, 8);
            else v = t->int64_data[i];
            ((int64_t *)data)[i] = v;
            break;
        }
        default: {
            int32_t v;
            if (raw) memcpy(&v, raw + i * 4, 4);
            else v = t->int32_data[i];
            ((int64_t *)data)[i] = v;
            break;
        }
        }
    }
    free(ext);
    *out = ir_add_weight(im->g, name, dtype, (int)t->n_dims, dims, data);
    free(data);
    return *out == IR_NONE ? ocrs_fail(im->diag, OCRS_ERR_NOMEM, "%s: out of memory", im->path) : OCRS_OK;
}

/* ---- attributes ----------------------------------------------------------- */

const Onnx__AttributeProto *onnx_attr(const Onnx__NodeProto *n, const char *name) {
    for (size_t i = 0; i < n->n_attribute; i++)
        if (n->attribute[i]->name && strcmp(n->attribute[i]->name, name) == 0) return n->attribute[i];
    return NULL;
}

static const char *attr_type_name(attr_type t) {
    switch (t) {
    case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT: return "a float";
    case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT: return "an int";
    case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING: return "a string";
    case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSOR: return "a tensor";
    case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOATS: return "floats";
    case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS: return "ints";
    default: return "of another type";
    }
}

/* An attribute's type: its type field, or for models older than that
 * field, the one value field it sets. */
static attr_type type_of(const Onnx__AttributeProto *a) {
    if (a->has_type) return a->type;
    if (a->has_f) return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT;
    if (a->has_i) return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT;
    if (a->has_s) return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING;
    if (a->t) return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSOR;
    if (a->n_floats) return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOATS;
    if (a->n_ints) return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS;
    return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__UNDEFINED;
}

/* Attribute `name` of the node being imported, which must be of type want:
 * *out is NULL when absent. A value of another type is an error rather than
 * a silent default (ONNX Runtime refuses such models too). */
ocrs_status onnx_attr_of(importer *im, const char *name, attr_type want, const Onnx__AttributeProto **out) {
    *out = onnx_attr(im->node, name);
    if (!*out) return OCRS_OK;
    attr_type t = type_of(*out);
    bool has_value = want == ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT    ? (*out)->has_f
                     : want == ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT    ? (*out)->has_i
                     : want == ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING ? (*out)->has_s
                     : want == ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSOR ? (*out)->t != NULL
                                                                             : true;
    if (t != want || !has_value)
        return NODE_FAIL(im, OCRS_ERR_INVALID, "attribute %s must be %s, is %s", name, attr_type_name(want),
                         t == want ? "empty" : attr_type_name(t));
    return OCRS_OK;
}

ocrs_status onnx_attr_int(importer *im, const char *name, int64_t dflt, int64_t *out) {
    const Onnx__AttributeProto *a;
    ocrs_status st = onnx_attr_of(im, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT, &a);
    *out = a ? a->i : dflt;
    return st;
}

ocrs_status onnx_attr_float(importer *im, const char *name, float dflt, float *out) {
    const Onnx__AttributeProto *a;
    ocrs_status st = onnx_attr_of(im, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT, &a);
    *out = a ? a->f : dflt;
    return st;
}

/* A string attribute that must be one of the NULL-terminated choices: *out
 * is the index of the one it equals, dflt when absent. An empty string is
 * the default, as ONNX Runtime reads it. */
ocrs_status onnx_attr_choice(importer *im, const char *name, const char *const *choices, int dflt, int *out) {
    const Onnx__AttributeProto *a;
    ocrs_status st = onnx_attr_of(im, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING, &a);
    *out = dflt;
    if (st || !a || a->s.len == 0) return st;
    for (int i = 0; choices[i]; i++)
        if (strlen(choices[i]) == a->s.len && memcmp(choices[i], a->s.data, a->s.len) == 0) {
            *out = i;
            return OCRS_OK;
        }
    char list[256] = "";
    for (int i = 0; choices[i]; i++) snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", i ? ", " : "", choices[i]);
    return NODE_FAIL(im, OCRS_ERR_UNSUPPORTED, "attribute %s is '%.*s'; supported: %s", name,
                     a->s.len > 64 ? 64 : (int)a->s.len, (const char *)a->s.data, list);
}

/* Reads an ints attribute of exactly `count` entries into out; absent keeps out. */
ocrs_status onnx_attr_ints(importer *im, const char *name, size_t count, int64_t *out) {
    const Onnx__AttributeProto *a;
    ocrs_status st = onnx_attr_of(im, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS, &a);
    if (st || !a) return st;
    if (a->n_ints != count)
        return NODE_FAIL(im, OCRS_ERR_UNSUPPORTED, "attribute %s has %zu entries, expected %zu (2-D only)", name,
                         a->n_ints, count);
    memcpy(out, a->ints, sizeof(int64_t) * count);
    return OCRS_OK;
}

/* ---- value lookup --------------------------------------------------------- */

ocrs_status onnx_lookup(importer *im, const char *name, ir_id *out) {
    if (!name || !name[0]) {
        *out = IR_NONE;
        return OCRS_OK;
    }
    *out = ir_find_value(im->g, name);
    if (*out == IR_NONE) return NODE_FAIL(im, OCRS_ERR_INVALID, "input '%s' is not defined by any node or initializer", name);
    return OCRS_OK;
}

/* A constant input (weight) as floats, for Clip bounds and Resize scales. */
ocrs_status onnx_const_floats(importer *im, const char *name, const char *what, float *vals, size_t max, size_t *n) {
    ir_id id;
    ocrs_status st = onnx_lookup(im, name, &id);
    if (st) return st;
    *n = 0;
    if (id == IR_NONE) return OCRS_OK;
    const ir_value *v = &im->g->values[id];
    if (!ir_is_weight(v)) return NODE_FAIL(im, OCRS_ERR_UNSUPPORTED, "%s ('%s') must be a constant", what, name);
    int64_t cnt = ir_numel_static(v);
    if (cnt < 0 || (size_t)cnt > max)
        return NODE_FAIL(im, OCRS_ERR_INVALID, "%s ('%s') has %lld elements, at most %zu expected", what, name,
                         (long long)cnt, max);
    for (int64_t i = 0; i < cnt; i++)
        vals[i] = v->dtype == IR_F32 ? ((const float *)v->data)[i] : (float)((const int64_t *)v->data)[i];
    *n = (size_t)cnt;
    return OCRS_OK;
}

/* ---- graph ---------------------------------------------------------------- */

/* Keeps the shape vi declares for graph input or output v (nothing when it
 * declares none, or one of a rank other than v's). */
static ocrs_status keep_declared(importer *im, ir_id v, const Onnx__ValueInfoProto *vi) {
    ir_value *val = &im->g->values[v];
    const Onnx__TypeProto *tp = vi->type;
    if (!tp || tp->value_case != ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE || !tp->tensor_type ||
        !tp->tensor_type->shape || tp->tensor_type->shape->n_dim != (size_t)val->rank)
        return OCRS_OK;
    ir_declared_shape *d = ocrs_arena_alloc(im->g->arena, sizeof *d);
    if (!d) return ocrs_fail(im->diag, OCRS_ERR_NOMEM, "%s: out of memory", im->path);
    d->rank = val->rank;
    for (int i = 0; i < d->rank; i++) {
        const Onnx__TensorShapeProto__Dimension *dim = tp->tensor_type->shape->dim[i];
        if (dim->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE && dim->dim_value > 0)
            d->value[i] = dim->dim_value;
        else if (dim->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM && dim->dim_param && dim->dim_param[0] &&
                 !(d->param[i] = ocrs_arena_strdup(im->g->arena, dim->dim_param)))
            return ocrs_fail(im->diag, OCRS_ERR_NOMEM, "%s: out of memory", im->path);
    }
    val->declared = d;
    return OCRS_OK;
}

static bool is_identifier(const char *s) {
    if (!s || !s[0] || strlen(s) > 31 || !(isalpha((unsigned char)s[0]) || s[0] == '_')) return false;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '_') return false;
    return true;
}

/* The setting of opts naming a symbol (by name or dim_param), or NULL. */
static const ocrs_dim_setting *setting_for(importer *im, const char *name, const char *param) {
    if (!im->opts) return NULL;
    for (int i = 0; i < im->opts->ndims; i++) {
        const char *n = im->opts->dims[i].name;
        if (strcmp(n, name) == 0 || (param && strcmp(n, param) == 0)) {
            im->used[i] = true;
            return &im->opts->dims[i];
        }
    }
    return NULL;
}

/* The symbol's range and typical value for its alignment: the setting's
 * or the default range (a batch up to IR_MAX_BATCH, typically 1; other
 * dims up to IR_MAX_SIZE, typically 640), rounded inward to multiples. */
static ocrs_status symbol_range(importer *im, ir_symbol *y, bool batch, const ocrs_dim_setting *set, int64_t min) {
    int64_t a = y->align, lo = set ? set->min : min, hi = set ? set->max : batch ? IR_MAX_BATCH : IR_MAX_SIZE;
    y->min = (lo + a - 1) / a * a;
    y->max = hi / a * a;
    if (y->min > y->max)
        return ocrs_fail(im->diag, OCRS_ERR_USAGE,
                         "%s: symbol %s must be a multiple of %lld (the model's strides need it), and [%lld, %lld] "
                         "holds none",
                         im->path, y->name, (long long)a, (long long)lo, (long long)hi);
    int64_t ref = batch ? 1 : 640;
    ref = ref < y->min ? y->min : ref > y->max ? y->max : ref / a * a;
    y->ref = ref < y->min ? y->min : ref;
    return OCRS_OK;
}

/* The extent of axis i of input vi: fixed (declared, or fixed by the user),
 * or a symbol, shared by every dim of the same dim_param, named by the
 * dim_param when it is a C identifier, else by its role (N for a batch, H
 * and W for an image's height and width, D<axis> otherwise). */
static ocrs_status input_dim(importer *im, const char *input, const Onnx__TensorShapeProto__Dimension *d, int rank,
                             int i, ir_dim *out) {
    ir_graph *g = im->g;
    if (d->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE) {
        if (d->dim_value <= 0)
            return ocrs_fail(im->diag, OCRS_ERR_INVALID, "%s: graph input '%s' has dim %lld on axis %d", im->path,
                             input, (long long)d->dim_value, i);
        *out = ir_dim_const(d->dim_value);
        return OCRS_OK;
    }
    const char *param =
        d->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM && d->dim_param && d->dim_param[0]
            ? d->dim_param
            : NULL;
    for (int s = 0; param && s < g->nsyms; s++)
        if (g->syms[s].param && strcmp(g->syms[s].param, param) == 0) {
            *out = ir_dim_symbol(g->syms, s);
            return OCRS_OK;
        }
    char name[40];
    if (is_identifier(param)) snprintf(name, sizeof name, "%s", param);
    else if (i == 0) snprintf(name, sizeof name, "N");
    else if (rank == 4 && i >= 2) snprintf(name, sizeof name, "%s", i == 2 ? "H" : "W");
    else snprintf(name, sizeof name, "D%d", i);
    size_t len = strlen(name);
    for (int k = 2; ir_find_symbol(g, name) >= 0; k++) snprintf(name + len, sizeof name - len, "%d", k);
    const ocrs_dim_setting *set = setting_for(im, name, param);
    if (set && set->min == set->max) {
        *out = ir_dim_const(set->min);
        return OCRS_OK;
    }
    if (g->nsyms == IR_MAX_SYMS)
        return ocrs_fail(im->diag, OCRS_ERR_UNSUPPORTED, "%s: more than %d dynamic dims in the graph inputs; fix some "
                         "with --dim", im->path, IR_MAX_SYMS);
    int s = ir_add_symbol(g, name, param, im->align[g->nsyms], 1, 1, 1);
    if (s < 0) return ocrs_fail(im->diag, OCRS_ERR_NOMEM, "%s: out of memory", im->path);
    g->syms[s].exact = set && set->exact;
    ocrs_status st = symbol_range(im, &g->syms[s], i == 0, set, im->min[s]);
    if (st) return st;
    *out = ir_dim_symbol(g->syms, s);
    return OCRS_OK;
}

static ocrs_status import_input(importer *im, const Onnx__ValueInfoProto *vi) {
    const Onnx__TypeProto *tp = vi->type;
    if (!tp || tp->value_case != ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE || !tp->tensor_type)
        return ocrs_fail(im->diag, OCRS_ERR_UNSUPPORTED, "%s: graph input '%s' is not a tensor", im->path, vi->name);
    const Onnx__TypeProto__Tensor *tt = tp->tensor_type;
    if (tt->elem_type != ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT)
        return ocrs_fail(im->diag, OCRS_ERR_UNSUPPORTED, "%s: graph input '%s' is %s (only FLOAT is supported)",
                         im->path, vi->name, onnx_dtype_name(tt->elem_type));
    if (!tt->shape)
        return ocrs_fail(im->diag, OCRS_ERR_UNSUPPORTED, "%s: graph input '%s' declares no shape", im->path, vi->name);
    if (tt->shape->n_dim > IR_MAX_RANK)
        return ocrs_fail(im->diag, OCRS_ERR_UNSUPPORTED, "%s: graph input '%s' has rank %zu (at most %d supported)",
                         im->path, vi->name, tt->shape->n_dim, IR_MAX_RANK);
    if (im->g->ninputs == IR_MAX_IO)
        return ocrs_fail(im->diag, OCRS_ERR_UNSUPPORTED, "%s: more than %d graph inputs", im->path, IR_MAX_IO);
    int rank = (int)tt->shape->n_dim;
    ir_dim dims[IR_MAX_RANK];
    for (int i = 0; i < rank; i++) {
        ocrs_status st = input_dim(im, vi->name, tt->shape->dim[i], rank, i, &dims[i]);
        if (st) return st;
    }
    ir_id id = ir_add_value(im->g, vi->name, IR_F32, rank, dims);
    if (id == IR_NONE) return ocrs_fail(im->diag, OCRS_ERR_NOMEM, "%s: out of memory", im->path);
    im->g->values[id].is_input = true;
    im->g->inputs[im->g->ninputs++] = id;
    return keep_declared(im, id, vi);
}

/* Checks that every node's op is one the importer takes, naming every
 * unsupported op at once with the first node using it. */
static ocrs_status check_ops(importer *im, const Onnx__GraphProto *gp) {
    char bad[1024] = "";
    int nbad = 0;
    ocrs_strmap seen = {0}; /* unsupported op types already named */
    for (size_t i = 0; i < gp->n_node; i++) {
        const Onnx__NodeProto *n = gp->node[i];
        if (!n->op_type) {
            ocrs_strmap_free(&seen);
            return ocrs_fail(im->diag, OCRS_ERR_INVALID, "%s: node #%zu has no op_type", im->path, i);
        }
        bool other_domain = n->domain && n->domain[0] && strcmp(n->domain, "ai.onnx") != 0;
        if (!other_domain && ocrs_onnx_op_known(n->op_type)) continue;
        int added = ocrs_strmap_put(&seen, n->op_type, 0);
        if (added < 0) {
            ocrs_strmap_free(&seen);
            return ocrs_fail(im->diag, OCRS_ERR_NOMEM, "%s: out of memory", im->path);
        }
        if (!added) continue;
        im->node = n;
        char one[300];
        snprintf(one, sizeof one, "%s%s%s%s (node '%s')", nbad ? ", " : "", other_domain ? n->domain : "",
                 other_domain ? "." : "", n->op_type, n->name && n->name[0] ? n->name : n->n_output ? n->output[0] : "?");
        if (strlen(bad) + strlen(one) + 8 < sizeof bad) strcat(bad, one);
        nbad++;
    }
    ocrs_strmap_free(&seen);
    if (!nbad) return OCRS_OK;
    char supported[1024];
    onnx_supported_ops(supported, sizeof supported);
    return ocrs_fail(im->diag, OCRS_ERR_UNSUPPORTED, "%s: unsupported op%s (opset %lld): %s; supported ops: %s",
                     im->path, nbad > 1 ? "s" : "", (long long)im->opset, bad, supported);
}

/* Checks that every node has an op type and exactly one output that no
 * other node, graph input or initializer defines, before anything is built
 * from the nodes; fills prod with output name -> node. */
static ocrs_status check_outputs(importer *im, const Onnx__GraphProto *gp, ocrs_strmap *prod) {
    for (size_t i = 0; i < gp->n_node; i++) {
        const Onnx__NodeProto *n = gp->node[i];
        im->node = n;
        if (!n->op_type) return ocrs_fail(im->diag, OCRS_ERR_INVALID, "%s: node #%zu has no op_type", im->path, i);
        size_t nout = 0;
        for (size_t j = 0; j < n->n_output; j++) nout += n->output[j][0] != 0;
        if (nout != 1 || !n->output[0][0])
            return NODE_FAIL(im, OCRS_ERR_UNSUPPORTED, "must have exactly one output (has %zu)", nout);
        if (ir_find_value(im->g, n->output[0]) != IR_NONE)
            return NODE_FAIL(im, OCRS_ERR_INVALID, "output '%s' is already a graph input or initializer", n->output[0]);
        int added = ocrs_strmap_put(prod, n->output[0], (uint32_t)i);
        if (added < 0) return ocrs_fail(im->diag, OCRS_ERR_NOMEM, "%s: out of memory", im->path);
        if (!added) return NODE_FAIL(im, OCRS_ERR_INVALID, "output '%s' is also written by another node", n->output[0]);
    }
    return OCRS_OK;
}

/* The nodes in topological order (Kahn's algorithm over the edges from a
 * node to the readers of its output: linear in nodes and inputs), or an
 * error naming a node on a cycle. order holds n_node entries. */
static ocrs_status order_nodes(importer *im, const Onnx__GraphProto *gp, const ocrs_strmap *prod, uint32_t *order) {
    size_t nn = gp->n_node;
    /* The producer of every node input, or OCRS_STRMAP_NONE. */
    size_t nedges = 0;
    for (size_t i = 0; i < nn; i++) nedges += gp->node[i]->n_input;
    uint32_t *src = malloc(sizeof *src * (nedges ? nedges : 1));
    uint32_t *indeg = calloc(nn, sizeof *indeg), *first = calloc(nn + 1, sizeof *first);
    uint32_t *fill = malloc(sizeof *fill * (nn ? nn : 1)), *readers = malloc(sizeof *readers * (nedges ? nedges : 1));
    ocrs_status st = OCRS_OK;
    if (!src || !indeg || !first || !fill || !readers || nedges >= UINT32_MAX) {
        st = ocrs_fail(im->diag, OCRS_ERR_NOMEM, "%s: out of memory", im->path);
        goto done;
    }
    for (size_t i = 0, e = 0; i < nn; i++)
        for (size_t j = 0; j < gp->node[i]->n_input; j++, e++) {
            const char *in = gp->node[i]->input[j];
            src[e] = in[0] ? ocrs_strmap_get(prod, in) : OCRS_STRMAP_NONE;
            if (src[e] == OCRS_STRMAP_NONE) continue;
            first[src[e] + 1]++;
            indeg[i]++;
        }
    /* readers[first[p] .. first[p + 1]): the nodes reading node p's output,
     * once per input that reads it. */
    for (size_t p = 0; p < nn; p++) {
        first[p + 1] += first[p];
        fill[p] = first[p];
    }
    for (size_t i = 0, e = 0; i < nn; i++)
        for (size_t j = 0; j < gp->node[i]->n_input; j++, e++)
            if (src[e] != OCRS_STRMAP_NONE) readers[fill[src[e]]++] = (uint32_t)i;
    size_t head = 0, tail = 0;
    for (size_t i = 0; i < nn; i++)
        if (indeg[i] == 0) order[tail++] = (uint32_t)i;
    while (head < tail) {
        uint32_t p = order[head++];
        for (uint32_t k = first[p]; k < first[p + 1]; k++)
            if (--indeg[readers[k]] == 0) order[tail++] = readers[k];
    }
    if (tail != nn) {
        for (size_t i = 0; i < nn; i++)
            if (indeg[i]) {
                im->node = gp->node[i];
                break;
            }
        st = NODE_FAIL(im, OCRS_ERR_INVALID, "is part of a cycle");
    }
done:
    free(src);
    free(indeg);
    free(first);
    free(fill);
    free(readers);
    return st;
}

/* Adds to a refusal of graph input or initializer name (its type, its
 * shape) the first node reading it, so that the message says which op the
 * value was meant for. */
static ocrs_status blame_reader(importer *im, const Onnx__GraphProto *gp, const char *name, ocrs_status st) {
    if (st != OCRS_ERR_UNSUPPORTED && st != OCRS_ERR_INVALID) return st;
    for (size_t i = 0; i < gp->n_node; i++) {
        const Onnx__NodeProto *n = gp->node[i];
        for (size_t k = 0; k < n->n_input; k++) {
            if (strcmp(n->input[k], name) != 0) continue;
            size_t len = strlen(im->diag->msg);
            bool named = n->name && n->name[0];
            snprintf(im->diag->msg + len, sizeof im->diag->msg - len, "; it is input %zu of node %s'%s' (%s)", k,
                     named ? "" : "writing ", named ? n->name : n->n_output ? n->output[0] : "?",
                     n->op_type ? n->op_type : "?");
            return st;
        }
    }
    return st;
}

/* The derived symbols found needed so far, after the inputs' symbols: named
 * after their base (W_1, W_2, ...), their range and typical value their
 * base's through the division. One smaller than 1 asks for a larger
 * smallest value of the input symbol at the root of its chain. */
static ocrs_status add_derived(importer *im) {
    ir_graph *g = im->g;
    for (int i = 0; i < im->nderived; i++) {
        const ir_derive_need *d = &im->derived[i];
        if (g->nsyms == IR_MAX_SYMS)
            return ocrs_fail(im->diag, OCRS_ERR_UNSUPPORTED, "%s: more than %d symbols with the derived ones", im->path,
                             IR_MAX_SYMS);
        const ir_symbol *b = &g->syms[d->base];
        char name[48];
        int root = d->base;
        while (g->syms[root].derived) root = g->syms[root].base;
        for (int k = 1;; k++) {
            snprintf(name, sizeof name, "%s_%d", g->syms[root].name, k);
            if (ir_find_symbol(g, name) < 0) break;
        }
        int64_t at[3] = {b->min, b->max, b->ref};
        for (int k = 0; k < 3; k++) at[k] = ocrs_sym_derive(d->bcoef, at[k] / b->align, d->badd, d->bdiv);
        if (at[0] < 1) {
            im->diag->need_sym = root;
            im->diag->need_min = true;
            return ocrs_fail(im->diag, OCRS_ERR_USAGE, "%s: %s below %lld makes an extent of %s empty", im->path,
                             g->syms[root].name, (long long)(2 * g->syms[root].min), name);
        }
        int s = ir_add_symbol(g, name, NULL, 1, at[0], at[1], at[2]);
        if (s < 0) return ocrs_fail(im->diag, OCRS_ERR_NOMEM, "%s: out of memory", im->path);
        ir_symbol *y = &g->syms[s];
        y->exact = y->derived = true;
        y->base = d->base, y->bcoef = d->bcoef, y->badd = d->badd, y->bdiv = d->bdiv;
    }
    return OCRS_OK;
}

static ocrs_status import_graph(importer *im, const Onnx__GraphProto *gp) {
    ir_graph *g = im->g;
    ocrs_status st;
    if (gp->n_node == 0) return ocrs_fail(im->diag, OCRS_ERR_INVALID, "%s: graph has no nodes", im->path);

    /* Initializers first: a graph input that is also an initializer is a
     * weight with a default, not a model input. */
    for (size_t i = 0; i < gp->n_initializer; i++) {
        const Onnx__TensorProto *t = gp->initializer[i];
        if (!t->name || !t->name[0])
            return ocrs_fail(im->diag, OCRS_ERR_INVALID, "%s: initializer #%zu has no name", im->path, i);
        if (ir_find_value(g, t->name) != IR_NONE)
            return ocrs_fail(im->diag, OCRS_ERR_INVALID, "%s: initializer '%s' is defined twice", im->path, t->name);
        ir_id id;
        if ((st = onnx_import_tensor(im, t, t->name, &id))) return blame_reader(im, gp, t->name, st);
    }
    for (size_t i = 0; i < gp->n_input; i++) {
        if (!gp->input[i]->name || !gp->input[i]->name[0])
            return ocrs_fail(im->diag, OCRS_ERR_INVALID, "%s: graph input #%zu has no name", im->path, i);
        if (ir_find_value(g, gp->input[i]->name) != IR_NONE) continue;
        if ((st = import_input(im, gp->input[i]))) return blame_reader(im, gp, gp->input[i]->name, st);
    }
    if ((st = add_derived(im))) return st;

    /* Every op known, every value with one producer: check, then order the nodes. */
    ocrs_strmap prod = {0};
    uint32_t *order = malloc(sizeof *order * gp->n_node);
    st = order ? check_ops(im, gp) : ocrs_fail(im->diag, OCRS_ERR_NOMEM, "%s: out of memory", im->path);
    if (!st) st = check_outputs(im, gp, &prod);
    if (!st) st = order_nodes(im, gp, &prod, order);
    if (st) goto done;
    for (size_t i = 0; i < gp->n_node; i++) {
        im->node = gp->node[order[i]];
        if ((st = onnx_import_node(im, gp->node[order[i]]))) goto done;
    }
    for (size_t i = 0; i < gp->n_output; i++) {
        if (!gp->output[i]->name || !gp->output[i]->name[0]) {
            st = ocrs_fail(im->diag, OCRS_ERR_INVALID, "%s: graph output #%zu has no name", im->path, i);
            goto done;
        }
        ir_id id = ir_find_value(g, gp->output[i]->name);
        if (id != IR_NONE && g->values[id].is_output) {
            st = ocrs_fail(im->diag, OCRS_ERR_INVALID, "%s: graph output '%s' is listed twice", im->path,
                           gp->output[i]->name);
            goto done;
        }
        uint32_t k = ocrs_strmap_get(&prod, gp->output[i]->name);
        if (id != IR_NONE && g->values[id].producer == IR_NONE && k != OCRS_STRMAP_NONE) {
            /* A Constant, or a Shape computation the importer evaluated. */
            im->node = gp->node[k];
            st = NODE_FAIL(im, OCRS_ERR_UNSUPPORTED, "computes graph output '%s' at compile time, from constants and "
                           "shapes alone; outputs must depend on the inputs' values", gp->output[i]->name);
            goto done;
        }
        if (id == IR_NONE || g->values[id].producer == IR_NONE) {
            st = ocrs_fail(im->diag, OCRS_ERR_INVALID, "%s: graph output '%s' is not computed by any node", im->path,
                           gp->output[i]->name);
            goto done;
        }
        if (g->noutputs == sizeof g->outputs / sizeof g->outputs[0]) {
            st = ocrs_fail(im->diag, OCRS_ERR_UNSUPPORTED, "%s: too many graph outputs", im->path);
            goto done;
        }
        g->values[id].is_output = true;
        g->outputs[g->noutputs++] = id;
        if ((st = keep_declared(im, id, gp->output[i]))) goto done;
    }
    if (!g->noutputs) st = ocrs_fail(im->diag, OCRS_ERR_INVALID, "%s: graph has no outputs", im->path);
    /* Checked last: a graph without inputs has only constant outputs, which
     * the loop above names with the nodes computing them. */
    else if (!g->ninputs) st = ocrs_fail(im->diag, OCRS_ERR_UNSUPPORTED, "%s: graph has no inputs", im->path);
done:
    ocrs_strmap_free(&prod);
    free(order);
    return st;
}

/* protobuf-c allocates through malloc here, and records a failure, so that
 * running out of memory while decoding is reported as such rather than as a
 * malformed model. */
static void *pb_alloc(void *failed, size_t size) {
    void *p = malloc(size);
    if (!p) *(bool *)failed = true;
    return p;
}

static void pb_free(void *failed, void *p) {
    (void)failed;
    free(p);
}

ocrs_status ocrs_import_onnx(const char *path, const ocrs_import_opts *opts, ir_graph **graph_out, ocrs_diag *diag) {
    *graph_out = NULL;
    uint8_t *buf = NULL;
    size_t size = 0;
    ocrs_status st = read_file(path, "model", &buf, &size, 0, -1, diag);
    if (st) return st;
    st = ocrs_import_onnx_buffer(buf, size, path, opts, graph_out, diag);
    free(buf);
    return st;
}

/* Imports the graph, again with a larger alignment for a symbol as long as
 * a shape rule asks for one (a stride-2 conv on H needs H even, and five of
 * them H a multiple of 32), then checks that every --dim setting named a
 * dim. */
static ocrs_status import_aligned(importer *im, const Onnx__GraphProto *gp) {
    for (int s = 0; s < IR_MAX_SYMS; s++) im->align[s] = im->min[s] = 1;
    for (;;) {
        im->g = ir_graph_new(im->path);
        if (!im->g) return ocrs_fail(im->diag, OCRS_ERR_NOMEM, "%s: out of memory", im->path);
        im->g->opset = im->opset;
        if (im->opts)
            for (int i = 0; i < im->opts->ndims; i++) im->used[i] = false;
        im->diag->need_factor = 0;
        im->diag->need_min = false;
        im->diag->need_derive = false;
        ocrs_status st = import_graph(im, gp);
        int s = im->diag->need_sym;
        bool known = st && s >= 0 && s < im->g->nsyms;
        if (st && im->diag->need_derive && im->nderived < IR_MAX_SYMS) {
            im->derived[im->nderived++] = (ir_derive_need){im->diag->derive_base, im->diag->derive_coef,
                                                           im->diag->derive_add, im->diag->derive_div};
        } else if (known && im->diag->need_factor > 1 && !im->g->syms[s].exact &&
                   im->align[s] * im->diag->need_factor <= im->g->syms[s].max) {
            im->align[s] *= im->diag->need_factor;
        } else if (known && im->diag->need_min && 2 * im->g->syms[s].min <= im->g->syms[s].max &&
                   !setting_for(im, im->g->syms[s].name, im->g->syms[s].param)) {
            /* A symbol's default smallest value grows until every extent is
             * at least 1 (a convolution without padding needs a few pixels). */
            im->min[s] = 2 * im->g->syms[s].min;
        } else {
            for (int i = 0; !st && im->opts && i < im->opts->ndims; i++)
                if (!im->used[i]) {
                    char names[256] = "";
                    for (int k = 0; k < im->g->nsyms; k++)
                        snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s", k ? ", " : "",
                                 im->g->syms[k].name);
                    st = ocrs_fail(im->diag, OCRS_ERR_USAGE,
                                   "%s: --dim %s: the inputs have no such dynamic dim (%s%s)", im->path,
                                   im->opts->dims[i].name, im->g->nsyms ? "symbols: " : "none", names);
                }
            return st;
        }
        ir_graph_free(im->g);
        im->g = NULL;
    }
}


ocrs_status ocrs_import_onnx_buffer(const uint8_t *data, size_t size, const char *path, const ocrs_import_opts *opts,
                                    ir_graph **graph_out, ocrs_diag *diag) {
    *graph_out = NULL;
    ocrs_status st = OCRS_OK;
    bool failed = false;
    ProtobufCAllocator pb = {pb_alloc, pb_free, &failed};
    Onnx__ModelProto *m = onnx__model_proto__unpack(&pb, size, data);
    if (!m && failed) return ocrs_fail(diag, OCRS_ERR_NOMEM, "%s: out of memory decoding the model", path);
    if (!m)
        return ocrs_fail(diag, OCRS_ERR_PARSE, "%s: not a valid ONNX model (protobuf decoding failed: truncated or not ONNX)",
                         path);
    /* need_sym/need_factor go through the caller's diag, so there must be one. */
    ocrs_diag local;
    if (!diag) diag = &local;
    importer im = {.path = path, .diag = diag, .opset = -1, .opts = opts};
    for (size_t i = 0; i < m->n_opset_import; i++) {
        const char *d = m->opset_import[i]->domain;
        if (!d || !d[0] || strcmp(d, "ai.onnx") == 0) im.opset = m->opset_import[i]->version;
    }
    if (!m->graph) st = ocrs_fail(diag, OCRS_ERR_INVALID, "%s: model has no graph", path);
    else if (im.opset < OPSET_MIN || im.opset > OPSET_MAX)
        st = ocrs_fail(diag, OCRS_ERR_UNSUPPORTED, "%s: opset %lld is not supported (%d to %d are)", path,
                       (long long)im.opset, OPSET_MIN, OPSET_MAX);
    if (!st) {
        char *copy = strdup(path), *slash = copy ? strrchr(copy, '/') : NULL;
        if (slash) *slash = 0;
        im.dir = copy ? realpath(slash ? (copy[0] ? copy : "/") : ".", NULL) : NULL;
        free(copy);
        im.used = calloc(opts ? (size_t)opts->ndims + 1 : 1, sizeof *im.used);
        if (!im.dir || !im.used) st = ocrs_fail(diag, OCRS_ERR_NOMEM, "%s: cannot resolve the model folder", path);
    }
    if (!st) st = import_aligned(&im, m->graph);
    onnx__model_proto__free_unpacked(m, &pb);
    free(im.dir);
    free(im.used);
    if (st) {
        ir_graph_free(im.g);
        return st;
    }
    *graph_out = im.g;
    return OCRS_OK;
}
