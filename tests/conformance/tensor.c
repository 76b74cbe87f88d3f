/* The node tests' tensor files: a serialized onnx.TensorProto each. The
 * dims are untrusted (a corrupt or hostile file could claim any), so they
 * are checked and multiplied with overflow checks before anything is
 * allocated, and a float tensor must hold exactly the values its dims say. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conformance.h"

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "raw_data is little-endian: this reader copies it as it is"
#endif

/* A .pb of a node test is at most some MB. */
enum { MAX_TENSOR_FILE = 64 << 20 };

const char *conf_dtype_name(int32_t dtype) {
    const ProtobufCEnumDescriptor *d = &onnx__tensor_proto__data_type__descriptor;
    const ProtobufCEnumValue *v = protobuf_c_enum_descriptor_get_value(d, dtype);
    return v ? v->name : "an unknown type";
}

bool conf_tensor_read(const char *path, conf_tensor *t, char *err) {
    memset(t, 0, sizeof *t);
    uint8_t *buf;
    size_t size;
    if (!conf_read_file(path, MAX_TENSOR_FILE, &buf, &size, err)) return false;
    t->proto = onnx__tensor_proto__unpack(NULL, size, buf);
    free(buf);
    if (!t->proto) return conf_fail(err, "%s: not a serialized onnx.TensorProto", path);
    const Onnx__TensorProto *p = t->proto;
    t->dtype = p->data_type;
    if (p->n_dims > CONF_MAX_RANK) {
        conf_fail(err, "%s: rank %zu above %d", path, p->n_dims, CONF_MAX_RANK);
        goto fail;
    }
    t->rank = (int)p->n_dims;
    t->numel = 1;
    for (int i = 0; i < t->rank; i++) {
        int64_t d = p->dims[i];
        if (d < 0 || (d > 0 && t->numel > CONF_MAX_NUMEL / d)) {
            conf_fail(err, "%s: dim %d is %lld: negative, or more than %lld elements in all", path, i, (long long)d,
                      (long long)CONF_MAX_NUMEL);
            goto fail;
        }
        t->dims[i] = d;
        t->numel *= d;
    }
    if (t->dtype != ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT) return true;
    size_t n = (size_t)t->numel;
    bool raw = p->has_raw_data;
    if (raw ? p->raw_data.len != n * sizeof(float) : p->n_float_data != n) {
        conf_fail(err, "%s: %zu %s for the %zu floats of its dims", path, raw ? p->raw_data.len : p->n_float_data,
                  raw ? "bytes" : "values", n);
        goto fail;
    }
    t->data = malloc(sizeof(float) * (n ? n : 1));
    if (!t->data) {
        conf_fail(err, "%s: out of memory", path);
        goto fail;
    }
    /* An empty tensor may have no data pointer at all: memcpy must not see it. */
    if (n) memcpy(t->data, raw ? (const void *)p->raw_data.data : (const void *)p->float_data, n * sizeof(float));
    return true;
fail:
    conf_tensor_free(t);
    return false;
}

void conf_tensor_free(conf_tensor *t) {
    if (t->proto) onnx__tensor_proto__free_unpacked(t->proto, NULL);
    free(t->data);
    memset(t, 0, sizeof *t);
}
