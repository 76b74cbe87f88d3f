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

/* ONNX op types the frontend accepts; Constant and Upsample are not IR ops. */
static const char *const supported_list =
    "Conv, ConvTranspose, BatchNormalization, Relu, Clip, HardSigmoid, HardSwish, Sigmoid, Add, Sub, Mul, Div, "
    "GlobalAveragePool, Resize, Upsample, Concat, Identity, Constant";

typedef struct {
    const char *path;
    char *dir; /* the model's folder, resolved; external data must stay inside */
    ir_graph *g;
    int64_t opset;
    ocrs_diag *diag;
    const Onnx__NodeProto *node; /* node being imported, for messages */
    char where[600];
} importer;

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

#define NODE_FAIL(im, status, ...) node_fail(im, status, __VA_ARGS__)

__attribute__((format(printf, 3, 4))) static ocrs_status node_fail(importer *im, ocrs_status st, const char *fmt, ...) {
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
static ocrs_status import_tensor(importer *im, const Onnx__TensorProto *t, const char *name, ir_id *out) {
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
                         "%s: tensor '%s' has data type %d (float, double, int32 and int64 supported)", im->path, name,
                         t->data_type);
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

static const Onnx__AttributeProto *attr(const Onnx__NodeProto *n, const char *name) {
    for (size_t i = 0; i < n->n_attribute; i++)
        if (n->attribute[i]->name && strcmp(n->attribute[i]->name, name) == 0) return n->attribute[i];
    return NULL;
}

static int64_t attr_int(const Onnx__NodeProto *n, const char *name, int64_t dflt) {
    const Onnx__AttributeProto *a = attr(n, name);
    return a && a->has_i ? a->i : dflt;
}

static float attr_float(const Onnx__NodeProto *n, const char *name, float dflt) {
    const Onnx__AttributeProto *a = attr(n, name);
    return a && a->has_f ? a->f : dflt;
}

/* Copies a string attribute into buf ("" when absent). */
static const char *attr_str(const Onnx__NodeProto *n, const char *name, const char *dflt, char *buf, size_t size) {
    const Onnx__AttributeProto *a = attr(n, name);
    if (!a || !a->has_s) return dflt;
    size_t len = a->s.len < size - 1 ? a->s.len : size - 1;
    memcpy(buf, a->s.data, len);
    buf[len] = 0;
    return buf;
}

/* Reads an ints attribute of exactly `count` entries into out; absent keeps out. */
static ocrs_status attr_ints(importer *im, const char *name, size_t count, int64_t *out) {
    const Onnx__AttributeProto *a = attr(im->node, name);
    if (!a) return OCRS_OK;
    if (a->n_ints != count)
        return NODE_FAIL(im, OCRS_ERR_UNSUPPORTED, "attribute %s has %zu entries, expected %zu (2-D only)", name,
                         a->n_ints, count);
    memcpy(out, a->ints, sizeof(int64_t) * count);
    return OCRS_OK;
}

/* ---- value lookup --------------------------------------------------------- */

static ocrs_status lookup(importer *im, const char *name, ir_id *out) {
    if (!name || !name[0]) {
        *out = IR_NONE;
        return OCRS_OK;
    }
    *out = ir_find_value(im->g, name);
    if (*out == IR_NONE) return NODE_FAIL(im, OCRS_ERR_INVALID, "input '%s' is not defined by any node or initializer", name);
    return OCRS_OK;
}

/* A constant input (weight) as floats, for Clip bounds and Resize scales. */
static ocrs_status const_floats(importer *im, const char *name, const char *what, float *vals, size_t max, size_t *n) {
    ir_id id;
    ocrs_status st = lookup(im, name, &id);
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

/* ---- ops ------------------------------------------------------------------ */

static ocrs_status conv_attrs(importer *im, ir_attrs *a, const ir_value *x, const ir_value *w, bool transpose) {
    a->kernel[0] = w->rank == 4 ? w->dims[2].q : 0;
    a->kernel[1] = w->rank == 4 ? w->dims[3].q : 0;
    ocrs_status st;
    if ((st = attr_ints(im, "kernel_shape", 2, a->kernel)) || (st = attr_ints(im, "strides", 2, a->stride)) ||
        (st = attr_ints(im, "dilations", 2, a->dilation)) || (st = attr_ints(im, "pads", 4, a->pad)))
        return st;
    /* ONNX orders pads as all begins then all ends: (top, left, bottom, right). */
    a->group = attr_int(im->node, "group", 1);
    if (transpose) {
        if ((st = attr_ints(im, "output_padding", 2, a->output_padding))) return st;
        if (attr(im->node, "output_shape"))
            return NODE_FAIL(im, OCRS_ERR_UNSUPPORTED, "attribute output_shape is not supported; give pads instead");
    }
    for (int i = 0; i < 2; i++) {
        if (a->stride[i] <= 0) return NODE_FAIL(im, OCRS_ERR_INVALID, "stride %lld must be positive", (long long)a->stride[i]);
        if (a->dilation[i] <= 0)
            return NODE_FAIL(im, OCRS_ERR_INVALID, "dilation %lld must be positive", (long long)a->dilation[i]);
        if (a->kernel[i] <= 0 || a->kernel[i] > 64)
            return NODE_FAIL(im, OCRS_ERR_INVALID, "kernel extent %lld out of range", (long long)a->kernel[i]);
    }
    char buf[32];
    const char *ap = attr_str(im->node, "auto_pad", "NOTSET", buf, sizeof buf);
    if (strcmp(ap, "NOTSET") == 0) return OCRS_OK;
    if (strcmp(ap, "VALID") == 0) {
        memset(a->pad, 0, sizeof a->pad);
        return OCRS_OK;
    }
    bool upper = strcmp(ap, "SAME_UPPER") == 0;
    if (!upper && strcmp(ap, "SAME_LOWER") != 0) return NODE_FAIL(im, OCRS_ERR_INVALID, "unknown auto_pad '%s'", ap);
    if (transpose) return NODE_FAIL(im, OCRS_ERR_UNSUPPORTED, "auto_pad %s on ConvTranspose is not supported", ap);
    if (x->rank != 4) return NODE_FAIL(im, OCRS_ERR_INVALID, "input must be 4-D NCHW");
    for (int i = 0; i < 2; i++) {
        /* SAME: output = ceil(in / stride); the padding that achieves it
         * depends only on in mod stride, which is constant when the stride
         * divides the extent's slope. */
        ir_dim in = x->dims[2 + i];
        int64_t s = a->stride[i], keff = a->dilation[i] * (a->kernel[i] - 1) + 1;
        if (in.sym != IR_SYM_NONE && in.p % s)
            return NODE_FAIL(im, OCRS_ERR_UNSUPPORTED, "auto_pad %s with stride %lld on a variable extent", ap,
                             (long long)s);
        int64_t r = ((s - in.q % s) % s + s) % s;
        int64_t total = r - s + keff;
        if (total < 0) total = 0;
        a->pad[i] = upper ? total / 2 : total - total / 2;
        a->pad[i + 2] = total - a->pad[i];
    }
    return OCRS_OK;
}

static ocrs_status resize_attrs(importer *im, ir_attrs *a, const ir_value *x, bool upsample) {
    const Onnx__NodeProto *n = im->node;
    char buf[64];
    const char *mode = attr_str(n, "mode", "nearest", buf, sizeof buf);
    if (strcmp(mode, "nearest") != 0)
        return NODE_FAIL(im, OCRS_ERR_UNSUPPORTED, "mode '%s' is not supported (nearest only)", mode);
    float scales[4];
    size_t ns = 0;
    ocrs_status st;
    if (upsample || im->opset < 11) {
        const Onnx__AttributeProto *sa = attr(n, "scales");
        if (sa) {
            if (sa->n_floats > 4) return NODE_FAIL(im, OCRS_ERR_INVALID, "scales must have 4 entries");
            memcpy(scales, sa->floats, sizeof(float) * sa->n_floats);
            ns = sa->n_floats;
        } else if ((st = const_floats(im, n->n_input > 1 ? n->input[1] : NULL, "scales", scales, 4, &ns)))
            return st;
        a->coord = IR_COORD_ASYMMETRIC;
        a->nearest = IR_NEAREST_FLOOR;
    } else {
        const char *coord = attr_str(n, "coordinate_transformation_mode", "half_pixel", buf, sizeof buf);
        static const char *coords[] = {"asymmetric", "half_pixel", "pytorch_half_pixel", "align_corners"};
        a->coord = (ir_coord)-1;
        for (int i = 0; i < 4; i++)
            if (strcmp(coord, coords[i]) == 0) a->coord = (ir_coord)i;
        if ((int)a->coord < 0)
            return NODE_FAIL(im, OCRS_ERR_UNSUPPORTED, "coordinate_transformation_mode '%s' is not supported", coord);
        const char *nm = attr_str(n, "nearest_mode", "round_prefer_floor", buf, sizeof buf);
        static const char *modes[] = {"floor", "ceil", "round_prefer_floor", "round_prefer_ceil"};
        a->nearest = (ir_nearest)-1;
        for (int i = 0; i < 4; i++)
            if (strcmp(nm, modes[i]) == 0) a->nearest = (ir_nearest)i;
        if ((int)a->nearest < 0) return NODE_FAIL(im, OCRS_ERR_UNSUPPORTED, "nearest_mode '%s' is not supported", nm);
        if ((st = const_floats(im, n->n_input > 2 ? n->input[2] : NULL, "scales", scales, 4, &ns))) return st;
        if (ns == 0) {
            float sizes[4];
            size_t nz;
            if ((st = const_floats(im, n->n_input > 3 ? n->input[3] : NULL, "sizes", sizes, 4, &nz))) return st;
            if (nz != 4) return NODE_FAIL(im, OCRS_ERR_INVALID, "needs scales or 4 sizes");
            /* Fixed sizes on a variable extent would pin H and W; accept
             * them only when they scale a fixed extent by a whole factor. */
            for (int i = 0; i < 4; i++) {
                ir_dim d = x->dims[i];
                if (d.sym != IR_SYM_NONE || d.q <= 0 || fmodf(sizes[i], (float)d.q) != 0)
                    return NODE_FAIL(im, OCRS_ERR_UNSUPPORTED,
                                     "sizes are supported only as whole multiples of a fixed input extent");
                scales[i] = sizes[i] / (float)d.q;
            }
            ns = 4;
        }
    }
    if (ns != 4) return NODE_FAIL(im, OCRS_ERR_INVALID, "scales must have 4 entries, has %zu", ns);
    if (scales[0] != 1 || scales[1] != 1)
        return NODE_FAIL(im, OCRS_ERR_UNSUPPORTED, "only spatial scaling is supported (N and C scales must be 1)");
    a->scale[0] = scales[2];
    a->scale[1] = scales[3];
    return OCRS_OK;
}

typedef struct {
    const char *onnx;
    ir_op op;
} op_map;

static const op_map ops_by_name[] = {
#define OP(id, name, min_in, max_in, flags) {name, IR_OP_##id},
#include "ops.def"
#undef OP
    {"Upsample", IR_OP_Resize},
};

static ocrs_status import_node(importer *im, const Onnx__NodeProto *n) {
    im->node = n;
    ir_graph *g = im->g;
    if (n->domain && n->domain[0] && strcmp(n->domain, "ai.onnx") != 0)
        return NODE_FAIL(im, OCRS_ERR_UNSUPPORTED, "op domain '%s' is not supported; supported ops: %s", n->domain,
                         supported_list);
    int op = -1;
    for (size_t i = 0; i < sizeof ops_by_name / sizeof ops_by_name[0]; i++)
        if (strcmp(n->op_type, ops_by_name[i].onnx) == 0) op = (int)ops_by_name[i].op;
    if (op < 0) return NODE_FAIL(im, OCRS_ERR_UNSUPPORTED, "unsupported op; supported ops: %s", supported_list);
    bool upsample = strcmp(n->op_type, "Upsample") == 0;

    size_t nout = 0;
    for (size_t i = 0; i < n->n_output; i++) nout += n->output[i][0] != 0;
    if (nout != 1 || !n->output[0][0])
        return NODE_FAIL(im, OCRS_ERR_UNSUPPORTED, "must have exactly one output (has %zu)", nout);

    /* Inputs that the IR keeps as operands; the rest become attributes. */
    size_t nin = n->n_input;
    if (op == IR_OP_Clip || op == IR_OP_Resize) nin = n->n_input ? 1 : 0;
    if (nin == 0) return NODE_FAIL(im, OCRS_ERR_INVALID, "has no inputs");
    if ((int)nin < ir_ops[op].min_inputs || (int)nin > ir_ops[op].max_inputs)
        return NODE_FAIL(im, OCRS_ERR_INVALID, "has %zu inputs, expects %d to %d", nin, ir_ops[op].min_inputs,
                         ir_ops[op].max_inputs);
    ir_id ins[64];
    for (size_t i = 0; i < nin; i++) {
        ocrs_status st = lookup(im, n->input[i], &ins[i]);
        if (st) return st;
        if (ins[i] == IR_NONE && (int)i < ir_ops[op].min_inputs)
            return NODE_FAIL(im, OCRS_ERR_INVALID, "input %zu is required", i);
    }
    while (nin > 1 && ins[nin - 1] == IR_NONE) nin--;
    const ir_value *x = &g->values[ins[0]];
    ir_attrs a = {.group = 1, .stride = {1, 1}, .dilation = {1, 1}};
    ocrs_status st = OCRS_OK;
    switch ((ir_op)op) {
    case IR_OP_Conv:
    case IR_OP_ConvTranspose: {
        /* Weights may still be computed from constants here; fold_constants
         * turns them into weights and codegen insists that it did. */
        st = conv_attrs(im, &a, x, &g->values[ins[1]], op == IR_OP_ConvTranspose);
        break;
    }
    case IR_OP_BatchNormalization:
        a.epsilon = attr_float(n, "epsilon", 1e-5f);
        if (attr_int(n, "training_mode", 0)) return NODE_FAIL(im, OCRS_ERR_UNSUPPORTED, "training_mode is not supported");
        break;
    case IR_OP_Relu: a.act.kind = IR_ACT_RELU; break;
    case IR_OP_Sigmoid: a.act.kind = IR_ACT_SIGMOID; break;
    case IR_OP_HardSwish: a.act.kind = IR_ACT_HARDSWISH; break;
    case IR_OP_HardSigmoid:
        a.act = (ir_act){IR_ACT_HARDSIGMOID, attr_float(n, "alpha", 0.2f), attr_float(n, "beta", 0.5f)};
        break;
    case IR_OP_Clip: {
        a.act = (ir_act){IR_ACT_CLIP, -INFINITY, INFINITY};
        if (im->opset < 11) {
            a.act.a = attr_float(n, "min", -FLT_MAX);
            a.act.b = attr_float(n, "max", FLT_MAX);
            break;
        }
        float v;
        size_t cnt;
        if ((st = const_floats(im, n->n_input > 1 ? n->input[1] : NULL, "min", &v, 1, &cnt))) return st;
        if (cnt) a.act.a = v;
        if ((st = const_floats(im, n->n_input > 2 ? n->input[2] : NULL, "max", &v, 1, &cnt))) return st;
        if (cnt) a.act.b = v;
        break;
    }
    case IR_OP_Resize:
        if (x->rank != 4) return NODE_FAIL(im, OCRS_ERR_INVALID, "input must be 4-D NCHW");
        st = resize_attrs(im, &a, x, upsample);
        break;
    case IR_OP_Concat:
        if (!attr(n, "axis")) return NODE_FAIL(im, OCRS_ERR_INVALID, "attribute axis is required");
        a.axis = attr_int(n, "axis", 0);
        break;
    default:
        break;
    }
    if (st) return st;
    ir_id out = ir_add_value(g, n->output[0], IR_F32, 0, NULL);
    if (out == IR_NONE) return ocrs_fail(im->diag, OCRS_ERR_NOMEM, "%s: out of memory", im->path);
    ir_id id = ir_add_node(g, (ir_op)op, n->name, (uint32_t)nin, ins, out);
    if (id == IR_NONE) return ocrs_fail(im->diag, OCRS_ERR_NOMEM, "%s: out of memory", im->path);
    g->nodes[id].attrs = a;
    if (op == IR_OP_Conv || op == IR_OP_ConvTranspose) {
        /* Channel axes of the weights, for pruning: Conv's weight is
         * [out, in/g, kh, kw], ConvTranspose's is [in, out/g, kh, kw]. */
        ir_value *w = &g->values[ins[1]];
        w->out_axis = op == IR_OP_Conv ? 0 : 1;
        w->in_axis = op == IR_OP_Conv ? 1 : 0;
        if (nin > 2) g->values[ins[2]].out_axis = 0;
    }
    ir_value *o = &g->values[out];
    return ir_node_shape(g, id, &o->rank, o->dims, im->diag);
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

static ocrs_status import_input(importer *im, const Onnx__ValueInfoProto *vi) {
    const Onnx__TypeProto *tp = vi->type;
    if (!tp || tp->value_case != ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE || !tp->tensor_type)
        return ocrs_fail(im->diag, OCRS_ERR_UNSUPPORTED, "%s: graph input '%s' is not a tensor", im->path, vi->name);
    const Onnx__TypeProto__Tensor *tt = tp->tensor_type;
    if (tt->elem_type != ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT)
        return ocrs_fail(im->diag, OCRS_ERR_UNSUPPORTED, "%s: graph input '%s' must be float32", im->path, vi->name);
    if (!tt->shape || tt->shape->n_dim != 4)
        return ocrs_fail(im->diag, OCRS_ERR_UNSUPPORTED, "%s: graph input '%s' must be 4-D NCHW", im->path, vi->name);
    const Onnx__TensorShapeProto__Dimension *c = tt->shape->dim[1];
    if (c->value_case != ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE || c->dim_value != 3)
        return ocrs_fail(im->diag, OCRS_ERR_UNSUPPORTED, "%s: graph input '%s' must have 3 channels", im->path,
                         vi->name);
    for (int i = 0; i < 4; i += 2) {
        /* Batch must be 1 or free; H and W are always runtime values. */
        const Onnx__TensorShapeProto__Dimension *d = tt->shape->dim[i];
        if (d->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE && d->dim_value <= 0)
            return ocrs_fail(im->diag, OCRS_ERR_INVALID, "%s: graph input '%s' has dim %lld on axis %d", im->path,
                             vi->name, (long long)d->dim_value, i);
    }
    const Onnx__TensorShapeProto__Dimension *nb = tt->shape->dim[0];
    if (nb->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE && nb->dim_value != 1)
        return ocrs_fail(im->diag, OCRS_ERR_UNSUPPORTED, "%s: graph input '%s' has batch %lld (1 supported)", im->path,
                         vi->name, (long long)nb->dim_value);
    ir_dim dims[4] = {ir_dim_const(1), ir_dim_const(3), {IR_ALIGN, 0, IR_SYM_H}, {IR_ALIGN, 0, IR_SYM_W}};
    ir_id id = ir_add_value(im->g, vi->name, IR_F32, 4, dims);
    if (id == IR_NONE) return ocrs_fail(im->diag, OCRS_ERR_NOMEM, "%s: out of memory", im->path);
    im->g->values[id].is_input = true;
    im->g->inputs[im->g->ninputs++] = id;
    return keep_declared(im, id, vi);
}

/* Index of the node producing `name`, or -1. */
typedef struct {
    const char *name;
    size_t node;
} producer;

static int cmp_producer(const void *a, const void *b) {
    return strcmp(((const producer *)a)->name, ((const producer *)b)->name);
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
        if ((st = import_tensor(im, t, t->name, &id))) return st;
    }
    for (size_t i = 0; i < gp->n_input; i++) {
        if (ir_find_value(g, gp->input[i]->name) != IR_NONE) continue;
        if (g->ninputs == 1)
            return ocrs_fail(im->diag, OCRS_ERR_UNSUPPORTED, "%s: graph has more than one input ('%s', '%s')", im->path,
                             g->values[g->inputs[0]].name, gp->input[i]->name);
        if ((st = import_input(im, gp->input[i]))) return st;
    }
    if (g->ninputs != 1) return ocrs_fail(im->diag, OCRS_ERR_UNSUPPORTED, "%s: graph has no image input", im->path);

    /* Every value has one producer: check, then order the nodes (Kahn). */
    producer *prod = malloc(sizeof(producer) * gp->n_node);
    size_t *indeg = calloc(gp->n_node, sizeof(size_t));
    size_t *order = malloc(sizeof(size_t) * gp->n_node);
    if (!prod || !indeg || !order) {
        free(prod), free(indeg), free(order);
        return ocrs_fail(im->diag, OCRS_ERR_NOMEM, "%s: out of memory", im->path);
    }
    size_t np = 0;
    for (size_t i = 0; i < gp->n_node; i++) {
        const Onnx__NodeProto *n = gp->node[i];
        im->node = n;
        if (!n->op_type) {
            st = ocrs_fail(im->diag, OCRS_ERR_INVALID, "%s: node #%zu has no op_type", im->path, i);
            goto done;
        }
        for (size_t j = 0; j < n->n_output; j++) {
            if (!n->output[j][0]) continue;
            if (ir_find_value(g, n->output[j]) != IR_NONE) {
                st = NODE_FAIL(im, OCRS_ERR_INVALID, "output '%s' is already a graph input or initializer", n->output[j]);
                goto done;
            }
            prod[np++] = (producer){n->output[j], i};
        }
    }
    qsort(prod, np, sizeof *prod, cmp_producer);
    for (size_t i = 1; i < np; i++)
        if (strcmp(prod[i - 1].name, prod[i].name) == 0) {
            im->node = gp->node[prod[i].node];
            st = NODE_FAIL(im, OCRS_ERR_INVALID, "output '%s' is also written by another node", prod[i].name);
            goto done;
        }
    for (size_t i = 0; i < gp->n_node; i++)
        for (size_t j = 0; j < gp->node[i]->n_input; j++) {
            producer key = {gp->node[i]->input[j], 0};
            indeg[i] += key.name[0] && bsearch(&key, prod, np, sizeof *prod, cmp_producer) != NULL;
        }
    size_t head = 0, tail = 0;
    for (size_t i = 0; i < gp->n_node; i++)
        if (indeg[i] == 0) order[tail++] = i;
    while (head < tail) {
        const Onnx__NodeProto *n = gp->node[order[head++]];
        for (size_t j = 0; j < n->n_output; j++) {
            if (!n->output[j][0]) continue;
            /* Release every consumer edge of this output. */
            for (size_t k = 0; k < gp->n_node; k++)
                for (size_t m = 0; m < gp->node[k]->n_input; m++)
                    if (strcmp(gp->node[k]->input[m], n->output[j]) == 0 && --indeg[k] == 0) order[tail++] = k;
        }
    }
    if (tail != gp->n_node) {
        for (size_t i = 0; i < gp->n_node; i++)
            if (indeg[i]) {
                im->node = gp->node[i];
                break;
            }
        st = NODE_FAIL(im, OCRS_ERR_INVALID, "is part of a cycle");
        goto done;
    }
    for (size_t i = 0; i < gp->n_node; i++) {
        const Onnx__NodeProto *n = gp->node[order[i]];
        im->node = n;
        if (strcmp(n->op_type, "Constant") == 0 && (!n->domain || !n->domain[0])) {
            const Onnx__AttributeProto *v = attr(n, "value");
            if (!v || !v->t || n->n_output != 1) {
                st = NODE_FAIL(im, OCRS_ERR_UNSUPPORTED, "only the tensor 'value' form of Constant is supported");
                goto done;
            }
            ir_id id;
            if ((st = import_tensor(im, v->t, n->output[0], &id))) goto done;
            continue;
        }
        if ((st = import_node(im, n))) goto done;
    }
    for (size_t i = 0; i < gp->n_output; i++) {
        ir_id id = ir_find_value(g, gp->output[i]->name);
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
    st = g->noutputs ? OCRS_OK : ocrs_fail(im->diag, OCRS_ERR_INVALID, "%s: graph has no outputs", im->path);
done:
    free(prod);
    free(indeg);
    free(order);
    return st;
}

ocrs_status ocrs_import_onnx(const char *path, ir_graph **graph_out, ocrs_diag *diag) {
    *graph_out = NULL;
    uint8_t *buf;
    size_t size;
    ocrs_status st = read_file(path, "model", &buf, &size, 0, -1, diag);
    if (st) return st;
    st = ocrs_import_onnx_buffer(buf, size, path, graph_out, diag);
    free(buf);
    return st;
}

ocrs_status ocrs_import_onnx_buffer(const uint8_t *data, size_t size, const char *path, ir_graph **graph_out,
                                    ocrs_diag *diag) {
    *graph_out = NULL;
    ocrs_status st = OCRS_OK;
    Onnx__ModelProto *m = onnx__model_proto__unpack(NULL, size, data);
    if (!m)
        return ocrs_fail(diag, OCRS_ERR_PARSE, "%s: not a valid ONNX model (protobuf decoding failed: truncated or not ONNX)",
                         path);
    importer im = {.path = path, .diag = diag, .opset = -1};
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
        im.g = ir_graph_new(path);
        if (!im.dir || !im.g) st = ocrs_fail(diag, OCRS_ERR_NOMEM, "%s: cannot resolve the model folder", path);
    }
    if (!st) {
        im.g->opset = im.opset;
        st = import_graph(&im, m->graph);
    }
    onnx__model_proto__free_unpacked(m, NULL);
    free(im.dir);
    if (st) {
        ir_graph_free(im.g);
        return st;
    }
    *graph_out = im.g;
    return OCRS_OK;
}
