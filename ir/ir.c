/* Graph storage: arena, values, nodes, compaction and small queries. */
#include "ir.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

const ir_op_info ir_ops[IR_OP_COUNT] = {
#define OP(id, name, min_in, max_in, flags, attrs, shape, interp, emit, flops, chan) \
    {name, min_in, max_in, flags, IR_AS_##attrs, IR_FLOPS_##flops, IR_CHAN_##chan},
#include "ops.def"
#undef OP
};

/* ---- arena ---------------------------------------------------------------- */

typedef struct arena_block {
    struct arena_block *next;
    size_t used, size;
    _Alignas(64) unsigned char data[];
} arena_block;

struct ocrs_arena {
    arena_block *head;
};

enum { ARENA_BLOCK = 1 << 20, ARENA_ALIGN = 64 };

ocrs_arena *ocrs_arena_new(void) { return calloc(1, sizeof(ocrs_arena)); }

void *ocrs_arena_alloc(ocrs_arena *a, size_t bytes) {
    size_t need = (bytes + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
    if (need < bytes) return NULL;
    arena_block *b = a->head;
    if (!b || b->size - b->used < need) {
        size_t size = need > ARENA_BLOCK ? need : ARENA_BLOCK;
        b = malloc(sizeof(arena_block) + size);
        if (!b) return NULL;
        b->size = size;
        b->used = 0;
        /* A large allocation gets its own block behind the current one so the
         * current block's free space is not abandoned. */
        if (a->head && size > ARENA_BLOCK) {
            b->next = a->head->next;
            a->head->next = b;
        } else {
            b->next = a->head;
            a->head = b;
        }
    }
    void *p = b->data + b->used;
    b->used += need;
    memset(p, 0, bytes);
    return p;
}

char *ocrs_arena_strdup(ocrs_arena *a, const char *s) {
    size_t n = strlen(s) + 1;
    char *p = ocrs_arena_alloc(a, n);
    if (p) memcpy(p, s, n);
    return p;
}

void ocrs_arena_free(ocrs_arena *a) {
    if (!a) return;
    for (arena_block *b = a->head, *next; b; b = next) {
        next = b->next;
        free(b);
    }
    free(a);
}

/* ---- diagnostics ---------------------------------------------------------- */

ocrs_status ocrs_fail(ocrs_diag *diag, ocrs_status status, const char *fmt, ...) {
    if (diag) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(diag->msg, sizeof diag->msg, fmt, ap);
        va_end(ap);
    }
    return status;
}

const char *ocrs_status_name(ocrs_status s) {
    switch (s) {
    case OCRS_OK: return "ok";
    case OCRS_ERR_IO: return "I/O error";
    case OCRS_ERR_PARSE: return "parse error";
    case OCRS_ERR_UNSUPPORTED: return "unsupported";
    case OCRS_ERR_INVALID: return "invalid model";
    case OCRS_ERR_NOMEM: return "out of memory";
    case OCRS_ERR_TOOL: return "tool failure";
    case OCRS_ERR_USAGE: return "usage error";
    }
    return "unknown status";
}

/* ---- graph ---------------------------------------------------------------- */

ir_graph *ir_graph_new(const char *source) {
    ocrs_arena *a = ocrs_arena_new();
    if (!a) return NULL;
    ir_graph *g = ocrs_arena_alloc(a, sizeof *g);
    if (!g) {
        ocrs_arena_free(a);
        return NULL;
    }
    g->arena = a;
    g->source = ocrs_arena_strdup(a, source ? source : "<memory>");
    return g->source ? g : (ocrs_arena_free(a), NULL);
}

void ir_graph_free(ir_graph *g) {
    if (!g) return;
    ocrs_strmap_free(&g->value_index);
    ocrs_arena_free(g->arena);
}

/* Grows an arena array to hold one more element; the old copy is abandoned
 * in the arena, which doubling keeps to a constant factor. */
static bool grow(ocrs_arena *a, void **arr, uint32_t *cap, uint32_t count, size_t elem) {
    if (count < *cap) return true;
    uint32_t ncap = *cap ? *cap * 2 : 64;
    void *p = ocrs_arena_alloc(a, (size_t)ncap * elem);
    if (!p) return false;
    if (*arr) memcpy(p, *arr, (size_t)count * elem);
    *arr = p;
    *cap = ncap;
    return true;
}

bool ir_add_data_file(ir_graph *g, const char *path) {
    for (uint32_t i = 0; i < g->ndata_files; i++)
        if (strcmp(g->data_files[i], path) == 0) return true;
    if (!grow(g->arena, (void **)&g->data_files, &g->cap_data_files, g->ndata_files, sizeof(char *))) return false;
    const char *copy = ocrs_arena_strdup(g->arena, path);
    if (!copy) return false;
    g->data_files[g->ndata_files++] = copy;
    return true;
}

ir_id ir_find_value(const ir_graph *g, const char *name) {
    uint32_t v = ocrs_strmap_get(&g->value_index, name);
    return v == OCRS_STRMAP_NONE ? IR_NONE : v;
}

ir_id ir_add_value(ir_graph *g, const char *name, ir_dtype dtype, int rank, const ir_dim *dims) {
    OCRS_ASSERT(rank >= 0 && rank <= IR_MAX_RANK);
    if (g->nvalues == UINT32_MAX - 1) return IR_NONE;
    if (!grow(g->arena, (void **)&g->values, &g->cap_values, g->nvalues, sizeof(ir_value))) return IR_NONE;
    ir_value *v = &g->values[g->nvalues];
    memset(v, 0, sizeof *v);
    v->name = ocrs_arena_strdup(g->arena, name ? name : "");
    if (!v->name) return IR_NONE;
    v->dtype = dtype;
    v->rank = rank;
    if (dims) memcpy(v->dims, dims, sizeof(ir_dim) * (size_t)rank);
    v->producer = IR_NONE;
    v->out_axis = v->in_axis = -1;
    if (ocrs_strmap_put(&g->value_index, v->name, g->nvalues) < 0) return IR_NONE;
    return g->nvalues++;
}

ir_id ir_add_weight(ir_graph *g, const char *name, ir_dtype dtype, int rank, const int64_t *dims, const void *data) {
    ir_dim d[IR_MAX_RANK];
    size_t n = 1;
    for (int i = 0; i < rank; i++) {
        d[i] = ir_dim_const(dims[i]);
        n *= (size_t)dims[i];
    }
    ir_id id = ir_add_value(g, name, dtype, rank, d);
    if (id == IR_NONE) return IR_NONE;
    size_t bytes = n * ir_dtype_size(dtype);
    void *p = ocrs_arena_alloc(g->arena, bytes ? bytes : 1);
    if (!p) return IR_NONE;
    if (bytes) memcpy(p, data, bytes);
    g->values[id].data = p;
    return id;
}

ir_id ir_add_node(ir_graph *g, ir_op op, const char *name, uint32_t ninputs, const ir_id *inputs, ir_id output) {
    if (!grow(g->arena, (void **)&g->nodes, &g->cap_nodes, g->nnodes, sizeof(ir_node))) return IR_NONE;
    ir_node *n = &g->nodes[g->nnodes];
    memset(n, 0, sizeof *n);
    n->op = op;
    n->name = ocrs_arena_strdup(g->arena, name ? name : "");
    n->inputs = ocrs_arena_alloc(g->arena, sizeof(ir_id) * (ninputs ? ninputs : 1));
    if (!n->name || !n->inputs) return IR_NONE;
    memcpy(n->inputs, inputs, sizeof(ir_id) * ninputs);
    n->ninputs = ninputs;
    n->output = output;
    n->attrs = ir_attrs_default();
    if (output != IR_NONE) g->values[output].producer = g->nnodes;
    return g->nnodes++;
}

bool ir_node_set_inputs(ir_graph *g, ir_id node, uint32_t ninputs, const ir_id *inputs) {
    ir_node *n = &g->nodes[node];
    if (ninputs > n->ninputs) {
        ir_id *grown = ocrs_arena_alloc(g->arena, sizeof(ir_id) * ninputs);
        if (!grown) return false;
        n->inputs = grown;
    }
    memmove(n->inputs, inputs, sizeof(ir_id) * ninputs);
    n->ninputs = ninputs;
    return true;
}

uint32_t ir_use_count(const ir_graph *g, ir_id v) {
    uint32_t n = 0;
    for (uint32_t i = 0; i < g->nnodes; i++) {
        if (g->nodes[i].dead) continue;
        for (uint32_t j = 0; j < g->nodes[i].ninputs; j++) n += g->nodes[i].inputs[j] == v;
    }
    for (uint32_t i = 0; i < g->noutputs; i++) n += g->outputs[i] == v;
    return n;
}

ir_id ir_single_user(const ir_graph *g, ir_id v) {
    ir_id user = IR_NONE;
    for (uint32_t i = 0; i < g->noutputs; i++)
        if (g->outputs[i] == v) return IR_NONE;
    for (uint32_t i = 0; i < g->nnodes; i++) {
        const ir_node *n = &g->nodes[i];
        if (n->dead) continue;
        for (uint32_t j = 0; j < n->ninputs; j++) {
            if (n->inputs[j] != v) continue;
            if (user != IR_NONE && user != i) return IR_NONE;
            user = i;
        }
    }
    return user;
}

bool ir_uses_build(const ir_graph *g, ir_uses *u) {
    u->nvalues = g->nvalues;
    u->single = malloc(sizeof *u->single * (g->nvalues + 1));
    u->readers = calloc(g->nvalues + 1, sizeof *u->readers);
    if (!u->single || !u->readers) {
        ir_uses_free(u);
        return false;
    }
    for (ir_id v = 0; v < g->nvalues; v++) u->single[v] = IR_NONE;
    for (uint32_t i = 0; i < g->nnodes; i++) {
        const ir_node *n = &g->nodes[i];
        if (n->dead) continue;
        for (uint32_t j = 0; j < n->ninputs; j++) {
            ir_id v = n->inputs[j];
            if (v == IR_NONE || u->single[v] == i) continue; /* a node reading v twice is one reader */
            u->single[v] = i;
            u->readers[v]++;
        }
    }
    for (ir_id v = 0; v < g->nvalues; v++)
        if (u->readers[v] != 1) u->single[v] = IR_NONE;
    for (uint32_t i = 0; i < g->noutputs; i++) {
        u->readers[g->outputs[i]]++;
        u->single[g->outputs[i]] = IR_NONE;
    }
    return true;
}

void ir_uses_free(ir_uses *u) {
    free(u->single);
    free(u->readers);
    *u = (ir_uses){0};
}

ir_id ir_uses_single(const ir_graph *g, const ir_uses *u, ir_id v) {
    return v < u->nvalues ? u->single[v] : ir_single_user(g, v);
}

uint32_t ir_uses_readers(const ir_graph *g, const ir_uses *u, ir_id v) {
    return v < u->nvalues ? u->readers[v] : ir_use_count(g, v);
}

bool ir_sort_nodes(ir_graph *g) {
    uint32_t nn = g->nnodes, k = 0;
    ir_node *order = malloc(sizeof(ir_node) * (nn + 1));
    uint32_t *at = malloc(sizeof(uint32_t) * (nn + 1)); /* per node: its new index, or UINT32_MAX */
    uint32_t *stack = malloc(sizeof(uint32_t) * (nn + 1)), *next = malloc(sizeof(uint32_t) * (nn + 1));
    if (!order || !at || !stack || !next) {
        free(order), free(at), free(stack), free(next);
        return false;
    }
    for (uint32_t i = 0; i < nn; i++) at[i] = UINT32_MAX, next[i] = 0;
    /* Depth first from each node in order, emitting a node once every
     * producer it reads is emitted; a graph without cycles needs no more
     * than nn entries of stack. */
    for (uint32_t root = 0; root < nn; root++) {
        if (at[root] != UINT32_MAX) continue;
        uint32_t depth = 0;
        stack[depth++] = root;
        while (depth) {
            uint32_t i = stack[depth - 1];
            const ir_node *n = &g->nodes[i];
            if (next[i] < n->ninputs) {
                ir_id v = n->inputs[next[i]++];
                ir_id p = v == IR_NONE ? IR_NONE : g->values[v].producer;
                if (p != IR_NONE && at[p] == UINT32_MAX && !n->dead) {
                    OCRS_ASSERT(depth < nn); /* else a cycle */
                    stack[depth++] = p;
                }
                continue;
            }
            if (at[i] == UINT32_MAX) {
                at[i] = k;
                order[k++] = *n;
            }
            depth--;
        }
    }
    OCRS_ASSERT(k == nn);
    memcpy(g->nodes, order, sizeof(ir_node) * nn);
    for (uint32_t i = 0; i < g->nvalues; i++)
        if (g->values[i].producer != IR_NONE) g->values[i].producer = at[g->values[i].producer];
    free(order), free(at), free(stack), free(next);
    return true;
}

void ir_compact(ir_graph *g) {
    ir_id *vmap = malloc(sizeof(ir_id) * (g->nvalues + 1));
    bool *used = calloc(g->nvalues + 1, 1);
    OCRS_ASSERT(vmap && used);
    for (uint32_t i = 0; i < g->nnodes; i++) {
        if (g->nodes[i].dead) continue;
        for (uint32_t j = 0; j < g->nodes[i].ninputs; j++)
            if (g->nodes[i].inputs[j] != IR_NONE) used[g->nodes[i].inputs[j]] = true;
        used[g->nodes[i].output] = true;
    }
    for (uint32_t i = 0; i < g->ninputs; i++) used[g->inputs[i]] = true;
    for (uint32_t i = 0; i < g->noutputs; i++) used[g->outputs[i]] = true;
    uint32_t nv = 0;
    for (ir_id i = 0; i < g->nvalues; i++) {
        vmap[i] = used[i] ? nv : IR_NONE;
        if (used[i]) g->values[nv++] = g->values[i];
    }
    g->nvalues = nv;
    for (ir_id i = 0; i < nv; i++) g->values[i].producer = IR_NONE;
    uint32_t nn = 0;
    for (uint32_t i = 0; i < g->nnodes; i++) {
        if (g->nodes[i].dead) continue;
        ir_node *n = &g->nodes[nn];
        *n = g->nodes[i];
        for (uint32_t j = 0; j < n->ninputs; j++)
            if (n->inputs[j] != IR_NONE) n->inputs[j] = vmap[n->inputs[j]];
        n->output = vmap[n->output];
        g->values[n->output].producer = nn;
        nn++;
    }
    g->nnodes = nn;
    for (uint32_t i = 0; i < g->ninputs; i++) g->inputs[i] = vmap[g->inputs[i]];
    for (uint32_t i = 0; i < g->noutputs; i++) g->outputs[i] = vmap[g->outputs[i]];
    free(vmap);
    free(used);
    /* Fewer values than before fit the same table: re-enter them in place. */
    ocrs_strmap_clear(&g->value_index);
    for (ir_id v = 0; v < g->nvalues; v++) {
        int added = ocrs_strmap_put(&g->value_index, g->values[v].name, v);
        OCRS_ASSERT(added >= 0); /* the table held more before */
    }
}

/* ---- dims and activations --------------------------------------------------- */

int64_t ir_numel_static(const ir_value *v) {
    int64_t n = 1;
    for (int i = 0; i < v->rank; i++) {
        if (!ir_dim_static(v->dims[i])) return -1;
        n *= v->dims[i].q;
    }
    return n;
}

int64_t ir_numel(const ir_value *v, const int64_t *units) {
    int64_t n = 1;
    for (int i = 0; i < v->rank; i++) n *= ir_dim_eval(v->dims[i], units);
    return n;
}

void ir_ref_units(const ir_graph *g, int64_t *units) {
    for (int s = 0; s < g->nsyms; s++) units[s] = g->syms[s].ref / g->syms[s].align;
    ir_derive_units(g->syms, g->nsyms, units);
}

int ir_add_symbol(ir_graph *g, const char *name, const char *param, int64_t align, int64_t min, int64_t max,
                  int64_t ref) {
    if (g->nsyms == IR_MAX_SYMS) return -1;
    ir_symbol *y = &g->syms[g->nsyms];
    *y = (ir_symbol){.name = ocrs_arena_strdup(g->arena, name),
                     .param = param ? ocrs_arena_strdup(g->arena, param) : NULL,
                     .align = align, .min = min, .max = max, .ref = ref, .base = -1};
    if (!y->name || (param && !y->param)) return -1;
    return g->nsyms++;
}

bool ir_image_syms(const ir_graph *g, int *n, int *h, int *w) {
    if (g->ninputs != 1 || g->noutputs != 1) return false;
    const ir_value *x = &g->values[g->inputs[0]];
    if (x->rank != 4 || !ir_dim_static(x->dims[1])) return false;
    int sym[4];
    for (int i = 0; i < 4; i++) sym[i] = ir_symbol_of(g, x->dims[i]);
    if (sym[2] < 0 || sym[3] < 0 || sym[2] == sym[3]) return false;
    if (sym[0] < 0 && !ir_dim_equal(x->dims[0], ir_dim_const(1))) return false;
    if (sym[0] >= 0 && g->syms[sym[0]].min > 1) return false;
    *n = sym[0], *h = sym[2], *w = sym[3];
    return true;
}

void ir_image_sizes(const ir_graph *g, int64_t h, int64_t w, int64_t *sizes) {
    int sn = -1, sh = -1, sw = -1;
    bool image = ir_image_syms(g, &sn, &sh, &sw);
    OCRS_ASSERT(image);
    for (int s = 0; s < g->nsyms; s++) sizes[s] = g->syms[s].ref;
    if (sn >= 0) sizes[sn] = 1;
    sizes[sh] = h;
    sizes[sw] = w;
}

int ir_symbol_of(const ir_graph *g, ir_dim d) {
    for (int s = 0; s < g->nsyms; s++)
        if (ir_dim_equal(d, ir_dim_symbol(g->syms, s))) return s;
    return -1;
}

int ir_find_symbol(const ir_graph *g, const char *name) {
    for (int s = 0; s < g->nsyms; s++)
        if (strcmp(g->syms[s].name, name) == 0 || (g->syms[s].param && strcmp(g->syms[s].param, name) == 0)) return s;
    return -1;
}

void ir_format_dim(const ir_graph *g, ir_dim d, char *buf, size_t size) { ir_dim_format(d, g->syms, buf, size); }

ir_act_kind ir_unary_act(ir_op op) {
    switch (op) {
    case IR_OP_Relu: return IR_ACT_RELU;
    case IR_OP_Clip: return IR_ACT_CLIP;
    case IR_OP_HardSigmoid: return IR_ACT_HARDSIGMOID;
    case IR_OP_HardSwish: return IR_ACT_HARDSWISH;
    case IR_OP_Sigmoid: return IR_ACT_SIGMOID;
    case IR_OP_Sqrt: return IR_ACT_SQRT;
    case IR_OP_Pow: return IR_ACT_POW;
    case IR_OP_FakeQuant: return IR_ACT_QUANT;
    default: return IR_ACT_NONE;
    }
}

bool ir_conv_int8_capable(const ir_graph *g, const ir_node *n) {
    const ir_value *w = n->ninputs > 1 && n->inputs[1] != IR_NONE ? &g->values[n->inputs[1]] : NULL;
    if (n->op != IR_OP_Conv || !w || !ir_is_weight(w) || w->rank != 4) return false;
    if (n->attrs.group == 1) return w->dims[1].q * w->dims[2].q * w->dims[3].q <= IR_INT8_MAX_TERMS;
    /* depthwise: one input channel per output channel, one output per group */
    return w->dims[1].q == 1 && w->dims[0].q == n->attrs.group && w->dims[2].q * w->dims[3].q <= IR_INT8_DW_MAX_TAPS;
}

const char *ir_act_name(ir_act_kind k) {
    switch (k) {
    case IR_ACT_NONE: return "none";
    case IR_ACT_RELU: return "relu";
    case IR_ACT_CLIP: return "clip";
    case IR_ACT_HARDSIGMOID: return "hardsigmoid";
    case IR_ACT_HARDSWISH: return "hardswish";
    case IR_ACT_SIGMOID: return "sigmoid";
    case IR_ACT_SQRT: return "sqrt";
    case IR_ACT_POW: return "pow";
    case IR_ACT_QUANT: return "quant";
    }
    return "?";
}

float ir_act_apply(ir_act act, float x) {
    switch (act.kind) {
    case IR_ACT_NONE: return x;
    case IR_ACT_RELU: return x > 0.0f ? x : 0.0f;
    case IR_ACT_CLIP: return fminf(fmaxf(x, act.a), act.b);
    case IR_ACT_HARDSIGMOID: return fmaxf(0.0f, fminf(1.0f, act.a * x + act.b));
    case IR_ACT_HARDSWISH: return x * fmaxf(0.0f, fminf(1.0f, x * (1.0f / 6.0f) + 0.5f));
    case IR_ACT_SIGMOID: return 1.0f / (1.0f + expf(-x));
    case IR_ACT_SQRT: return sqrtf(x);
    case IR_ACT_POW: return ir_pow(x, act.a);
    case IR_ACT_QUANT: /* nearbyintf rounds half to even in the default rounding mode */
        return (fminf(fmaxf(nearbyintf(x * ir_quant_recip(act.a)) + act.b, 0.0f), 255.0f) - act.b) * act.a;
    }
    OCRS_ASSERT(!"unknown activation");
    return x;
}

float ir_pow(float x, float e) {
    if (e == 2.0f) return x * x;
    if (e == 1.0f) return x;
    if (e == 0.5f) return sqrtf(x);
    return powf(x, e);
}

float ir_binary_apply(ir_op op, float a, float b) {
    switch (op) {
    case IR_OP_Add: return a + b;
    case IR_OP_Sub: return a - b;
    case IR_OP_Mul: return a * b;
    case IR_OP_Div: return a / b;
    default: break;
    }
    OCRS_ASSERT(!"not a binary op");
    return 0;
}

float ir_conv_epilogue(const ir_attrs *a, float x) {
    float y = ir_act_apply(a->act, x);
    if (!a->post.on) return y;
    y = y * a->post.scale;
    return a->post.has_shift ? y + a->post.shift : y;
}

void ir_node_label(const ir_graph *g, ir_id n, char *buf, size_t size) {
    const ir_node *node = &g->nodes[n];
    const char *op = ir_ops[node->op].name;
    if (node->name[0]) snprintf(buf, size, "node '%s' (%s)", node->name, op);
    else snprintf(buf, size, "node #%u (%s) -> '%s'", n, op, g->values[node->output].name);
}
