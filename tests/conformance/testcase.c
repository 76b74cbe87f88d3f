/* A node test folder: its model (scope and family from its nodes' ops),
 * its data sets, and the model as the compiler can take it.
 *
 * ONNX's node tests feed every operand as a graph input, but the compiler
 * bakes some operands into the code (weights, an activation's bounds) and
 * evaluates others at compile time (shapes, axes, indices): it takes those
 * only as constants. The binding table names them by op and input index;
 * conf_bind_write moves their values from the data set into initializers
 * of a copy of the model. Everything else stays a graph input, so that
 * operands the compiler does take at run time (both of Add, A and B of
 * MatMul, every input of Concat) are tested as such.
 *
 * The drop table names outputs a test may go without: a node test lists
 * every output of its node, optional ones too, where the compiler produces
 * none of them (and refuses a model that asks for them). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "conformance.h"
#include "frontend.h"

enum { MAX_MODEL_FILE = 64 << 20 };

/* Bit i of inputs: input i of op is bound when a graph input feeds it. */
static const struct {
    const char *op;
    unsigned inputs;
} bind_table[] = {
    {"Conv", 0x6},                /* weight, bias: baked into the kernel */
    {"ConvTranspose", 0x6},       /* weight, bias: baked into the kernel */
    {"BatchNormalization", 0x1e}, /* scale, bias, mean, variance: a per-channel affine folded into a conv */
    {"Clip", 0x6},                /* min, max: the activation's bounds */
    {"Pow", 0x2},                 /* the exponent: the activation's parameter */
    {"Reshape", 0x2},             /* the target shape: resolved at compile time */
    {"Slice", 0x1e},              /* starts, ends, axes, steps: the slice's attributes */
    {"Squeeze", 0x2},             /* axes: resolved at compile time */
    {"Unsqueeze", 0x2},           /* axes: resolved at compile time */
    {"Resize", 0xe},              /* roi, scales, sizes: the resize's attributes */
    {"Upsample", 0x2},            /* scales: the resize's attributes */
    {"Gather", 0x2},              /* indices: gathering is done at compile time, on shapes */
    {"Gemm", 0x6},                /* B, C: rearranged into a MatMul's weight and bias */
    {"LayerNormalization", 0x6},  /* scale, bias: weights of the normalisation kernel */
};

/* Bit i of outputs: output i of op is left out of the compiled model. */
static const struct {
    const char *op;
    unsigned outputs;
} drop_table[] = {
    {"LayerNormalization", 0x6}, /* Mean, InvStdDev: statistics a training graph keeps for the backward pass */
};

/* Whether graph output name is an output of a node the drop table names. */
static bool may_drop(const Onnx__GraphProto *g, const char *name) {
    for (size_t i = 0; i < g->n_node; i++) {
        const Onnx__NodeProto *n = g->node[i];
        for (size_t r = 0; r < sizeof drop_table / sizeof drop_table[0]; r++) {
            if (strcmp(n->op_type, drop_table[r].op) != 0) continue;
            for (size_t k = 0; k < n->n_output && k < 32; k++)
                if ((drop_table[r].outputs >> k & 1) && strcmp(n->output[k], name) == 0) return true;
        }
    }
    return false;
}

/* Whether graph input name feeds an input the binding table names. */
static bool must_bind(const Onnx__GraphProto *g, const char *name) {
    for (size_t i = 0; i < g->n_node; i++) {
        const Onnx__NodeProto *n = g->node[i];
        for (size_t r = 0; r < sizeof bind_table / sizeof bind_table[0]; r++) {
            if (strcmp(n->op_type, bind_table[r].op) != 0) continue;
            for (size_t k = 0; k < n->n_input && k < 32; k++)
                if ((bind_table[r].inputs >> k & 1) && strcmp(n->input[k], name) == 0) return true;
        }
    }
    return false;
}

static bool is_initializer(const Onnx__GraphProto *g, const char *name) {
    for (size_t i = 0; i < g->n_initializer; i++)
        if (g->initializer[i]->name && strcmp(g->initializer[i]->name, name) == 0) return true;
    return false;
}

static bool is_dir(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

bool conf_test_load(const char *dir, conf_test *t, char *err) {
    memset(t, 0, sizeof *t);
    t->dir = strdup(dir);
    if (!t->dir) return conf_fail(err, "%s: out of memory", dir);
    size_t len = strlen(t->dir);
    while (len > 1 && t->dir[len - 1] == '/') t->dir[--len] = 0;
    const char *slash = strrchr(t->dir, '/');
    t->name = slash ? slash + 1 : t->dir;
    char path[CONF_PATH];
    uint8_t *buf;
    size_t size;
    if (!conf_path(path, err, "%s/model.onnx", t->dir) || !conf_read_file(path, MAX_MODEL_FILE, &buf, &size, err))
        goto fail;
    t->model = onnx__model_proto__unpack(NULL, size, buf);
    free(buf);
    const Onnx__GraphProto *g = t->model ? t->model->graph : NULL;
    if (!g) {
        conf_fail(err, "%s: not an ONNX model with a graph", path);
        goto fail;
    }
    t->in_scope = g->n_node > 0;
    const char *single = NULL;
    int others = 0;
    for (size_t i = 0; i < g->n_node; i++) {
        const Onnx__NodeProto *n = g->node[i];
        if (n->n_output > CONF_MAX_IO) {
            conf_fail(err, "%s: node #%zu has more than %d outputs", path, i, CONF_MAX_IO);
            goto fail;
        }
        bool default_domain = !n->domain || !n->domain[0] || strcmp(n->domain, "ai.onnx") == 0;
        t->in_scope &= default_domain && ocrs_onnx_op_known(n->op_type);
        if (strcmp(n->op_type, "Constant") != 0 || g->n_node == 1) {
            single = n->op_type;
            others++;
        }
    }
    t->family = others == 1 ? single : "expanded";
    for (size_t i = 0; i < g->n_input; i++) {
        if (is_initializer(g, g->input[i]->name)) continue;
        if (t->ninputs == CONF_MAX_IO) {
            conf_fail(err, "%s: more than %d graph inputs", path, CONF_MAX_IO);
            goto fail;
        }
        t->inputs[t->ninputs++] = g->input[i];
    }
    if (g->n_output > CONF_MAX_IO) {
        conf_fail(err, "%s: more than %d graph outputs", path, CONF_MAX_IO);
        goto fail;
    }
    for (size_t i = 0; i < g->n_output; i++) {
        if (!(t->dropped[i] = may_drop(g, g->output[i]->name))) continue;
        size_t len = strlen(t->dropped_names);
        snprintf(t->dropped_names + len, sizeof t->dropped_names - len, "%s%s", len ? ", " : "", g->output[i]->name);
    }
    for (t->nsets = 0; t->nsets < CONF_MAX_SETS; t->nsets++) {
        if (!conf_path(path, err, "%s/test_data_set_%d", t->dir, t->nsets)) goto fail;
        if (!is_dir(path)) break;
    }
    if (!t->nsets) {
        conf_fail(err, "%s: no test_data_set_0", t->dir);
        goto fail;
    }
    return true;
fail:
    conf_test_free(t);
    return false;
}

void conf_test_free(conf_test *t) {
    if (t->model) onnx__model_proto__free_unpacked(t->model, NULL);
    free(t->dir);
    memset(t, 0, sizeof *t);
}

/* Whether a graph input or output is a tensor (not a sequence, map or
 * optional, whose .pb files are other messages). */
static bool is_tensor(const Onnx__ValueInfoProto *vi) {
    return vi->type && vi->type->value_case == ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE;
}

bool conf_set_load(const conf_test *t, int k, conf_set *s, char *err) {
    memset(s, 0, sizeof *s);
    const Onnx__GraphProto *g = t->model->graph;
    char path[CONF_PATH];
    for (int io = 0; io < 2; io++) {
        int n = io ? (int)g->n_output : t->ninputs;
        for (int i = 0; i < n; i++) {
            const Onnx__ValueInfoProto *vi = io ? g->output[i] : t->inputs[i];
            conf_tensor *dst = io ? &s->outputs[i] : &s->inputs[i];
            if (!is_tensor(vi)) continue; /* proto NULL: nothing a library could take or give */
            if (!conf_path(path, err, "%s/test_data_set_%d/%s_%d.pb", t->dir, k, io ? "output" : "input", i) ||
                !conf_tensor_read(path, dst, err)) {
                conf_set_free(s);
                return false;
            }
        }
        if (io)
            s->noutputs = n;
        else
            s->ninputs = n;
    }
    return true;
}

void conf_set_free(conf_set *s) {
    for (int i = 0; i < CONF_MAX_IO; i++) {
        conf_tensor_free(&s->inputs[i]);
        conf_tensor_free(&s->outputs[i]);
    }
    memset(s, 0, sizeof *s);
}

/* The node with its dropped outputs unnamed (absent, as ONNX writes an
 * optional output nobody asks for): n itself when it has none, else a
 * shallow copy in *copy with its own output array in outs. */
static Onnx__NodeProto *without_dropped(const conf_test *t, Onnx__NodeProto *n, Onnx__NodeProto *copy, char **outs) {
    const Onnx__GraphProto *g = t->model->graph;
    bool any = false;
    for (size_t k = 0; k < n->n_output && k < CONF_MAX_IO; k++) {
        outs[k] = n->output[k];
        for (size_t o = 0; o < g->n_output; o++)
            if (t->dropped[o] && strcmp(n->output[k], g->output[o]->name) == 0) outs[k] = (char *)"", any = true;
    }
    if (!any) return n;
    *copy = *n;
    copy->output = outs;
    return copy;
}

bool conf_bind_write(const conf_test *t, const conf_set *s, const char *path, bool *bound, char *err) {
    /* A shallow copy of the model, its graph and the parts that change
     * (the lists of inputs, outputs, initializers and nodes, the bound
     * tensors renamed after their inputs, the nodes with dropped outputs):
     * packing it leaves the decoded test as it was. */
    const Onnx__GraphProto *g = t->model->graph;
    Onnx__ModelProto model = *t->model;
    Onnx__GraphProto graph = *g;
    model.graph = &graph;
    size_t nn = g->n_node;
    Onnx__ValueInfoProto **inputs = malloc(sizeof *inputs * (g->n_input + 1)), *outputs[CONF_MAX_IO];
    Onnx__TensorProto **inits = malloc(sizeof *inits * (g->n_initializer + CONF_MAX_IO)), tensors[CONF_MAX_IO];
    Onnx__NodeProto **nodes = malloc(sizeof *nodes * (nn + 1)), *node_copies = malloc(sizeof *node_copies * (nn + 1));
    char **node_outputs = malloc(sizeof *node_outputs * (nn * CONF_MAX_IO + 1));
    uint8_t *buf = NULL;
    bool ok = inputs && inits && nodes && node_copies && node_outputs;
    if (!ok) conf_fail(err, "%s: out of memory", path);
    graph.input = inputs, graph.n_input = 0;
    graph.output = outputs, graph.n_output = 0;
    graph.initializer = inits, graph.n_initializer = g->n_initializer;
    graph.node = nodes;
    for (size_t i = 0; ok && i < g->n_initializer; i++) inits[i] = g->initializer[i];
    for (int i = 0; i < t->ninputs; i++) bound[i] = false;
    for (size_t i = 0; ok && i < g->n_input; i++) {
        int k = 0;
        while (k < t->ninputs && t->inputs[k] != g->input[i]) k++;
        if (k == t->ninputs || !must_bind(g, g->input[i]->name)) {
            inputs[graph.n_input++] = g->input[i];
            continue;
        }
        if (!s->inputs[k].proto) {
            ok = conf_fail(err, "%s: graph input '%s' feeds a constant operand but is not a tensor", t->name,
                           g->input[i]->name);
            break;
        }
        bound[k] = true;
        tensors[k] = *s->inputs[k].proto;
        tensors[k].name = g->input[i]->name;
        inits[graph.n_initializer++] = &tensors[k];
    }
    for (size_t i = 0; i < g->n_output; i++)
        if (!t->dropped[i]) outputs[graph.n_output++] = g->output[i];
    for (size_t i = 0; ok && i < nn; i++)
        nodes[i] = without_dropped(t, g->node[i], &node_copies[i], node_outputs + i * CONF_MAX_IO);
    size_t size = ok ? onnx__model_proto__get_packed_size(&model) : 0;
    if (ok && !(buf = malloc(size ? size : 1))) ok = conf_fail(err, "%s: out of memory", path);
    if (ok) {
        onnx__model_proto__pack(&model, buf);
        FILE *f = fopen(path, "wb");
        ok = f && fwrite(buf, 1, size, f) == size;
        if (f) ok &= fclose(f) == 0;
        if (!ok) conf_fail(err, "%s: cannot write", path);
    }
    free(buf);
    free(inputs);
    free(inits);
    free(nodes);
    free(node_copies);
    free(node_outputs);
    return ok;
}
