/* Token MLPs as 1x1 convolutions.
 * A transformer block's MLP (SVTR's in the recognizer) is
 *   h = MatMul(x, W1, b1); a = elementwise(h); y = MatMul(a, W2, b2)
 * on tokens [N, T, C], channels on the last axis. Every pass that removes
 * or measures channels (channel groups, pruning and its recovery, dead
 * channels, calibration statistics, int8) reads the channel axis as axis 1
 * of a 4-D value; written as convolutions over [N, C, 1, T] the hidden
 * width is a layer's channels like any conv's, and a MatMul with a constant
 * weight is exactly a 1x1 conv.
 * Needs: shapes (pass_shape_infer); MatMul biases fused (fuse_matmul_bias).
 * Changes: a region of values of one shape [N, T, H] that linear MatMuls
 *   (constant 2-D weight, 3-D input) produce, elementwise ops (unary, or
 *   binary between region values and one-element constants) carry, and
 *   only elementwise ops of the region and linear MatMuls (as input 0)
 *   read, with at least one such MatMul reading it: the region's values
 *   become [N, H, 1, T]; its producing MatMuls become Convs reading their
 *   input through Reshape [N, 1, T, K] and Transpose (0, 3, 1, 2); its
 *   reading MatMuls become Convs whose output goes back through Transpose
 *   (0, 2, 3, 1) and Reshape to the value the MatMul wrote. Results are
 *   unchanged up to summation order (the conv kernels sum the K products as
 *   the GEMM did, in another order).
 * Invalidates: node ids (ir_sort_nodes). */
#include <stdlib.h>
#include <string.h>

#include "passes.h"

/* A MatMul with a constant 2-D float weight on a 3-D input whose last
 * extent (the conv's input channels) is static. */
static bool linear(const ir_graph *g, ir_id n) {
    const ir_node *m = &g->nodes[n];
    return !m->dead && m->op == IR_OP_MatMul && g->values[m->inputs[0]].rank == 3 &&
           ir_dim_static(g->values[m->inputs[0]].dims[2]) && pass_float_weight(g, m->inputs[1]) &&
           g->values[m->inputs[1]].rank == 2;
}

static bool elementwise(const ir_node *n) {
    return !n->dead && (ir_ops[n->op].flags & (IR_F_UNARY | IR_F_BINARY)) && n->attrs.in_act.kind == IR_ACT_NONE;
}

typedef struct {
    ir_id *values;   /* the region's values, in order of discovery */
    uint32_t n, cap;
    bool *in;        /* per value */
} region;

static bool add(region *r, ir_id v) {
    if (r->in[v]) return true;
    if (r->n == r->cap) {
        uint32_t cap = r->cap ? 2 * r->cap : 16;
        ir_id *a = realloc(r->values, sizeof(ir_id) * cap);
        if (!a) return false;
        r->values = a, r->cap = cap;
    }
    r->in[v] = true;
    r->values[r->n++] = v;
    return true;
}

/* Grows the region from its first value over the elementwise ops joining
 * its values, all of one shape; *ok false when something else touches it or
 * no linear MatMul reads it. Returns false when out of memory. */
static bool grow(const ir_graph *g, region *r, bool *ok) {
    const ir_value *shape = &g->values[r->values[0]];
    bool consumed = false;
    *ok = true;
    for (uint32_t i = 0; i < r->n && *ok; i++) {
        ir_id v = r->values[i];
        if (!pass_same_shape(&g->values[v], shape) || g->values[v].dtype != IR_F32 || pass_is_graph_output(g, v)) {
            *ok = false;
            break;
        }
        /* Its producer: a linear MatMul, or an elementwise op whose
         * operands are region values or one-element constants. */
        ir_id p = g->values[v].producer;
        if (p == IR_NONE) {
            *ok = false;
            break;
        }
        if (!linear(g, p)) {
            if (!elementwise(&g->nodes[p])) *ok = false;
            for (uint32_t j = 0; j < g->nodes[p].ninputs && *ok; j++) {
                ir_id x = g->nodes[p].inputs[j];
                float c;
                if (pass_scalar_const(g, x, 4, &c)) continue;
                if (!add(r, x)) return false;
            }
        }
        /* Its readers: elementwise ops (whose outputs join) or linear
         * MatMuls reading it as their input. */
        for (uint32_t n = 0; n < g->nnodes && *ok; n++) {
            const ir_node *u = &g->nodes[n];
            if (u->dead) continue;
            for (uint32_t j = 0; j < u->ninputs && *ok; j++) {
                if (u->inputs[j] != v) continue;
                if (linear(g, n) && j == 0) consumed = true;
                else if (!elementwise(u)) *ok = false;
                else if (!add(r, u->output)) return false;
            }
        }
    }
    *ok = *ok && consumed;
    return true;
}

/* A value named after base, of dtype f32 and the given dims. */
static ir_id new_value(ir_graph *g, const char *base, int rank, const ir_dim *dims) {
    const char *name = pass_unique_name(g, base);
    return name ? ir_add_value(g, name, IR_F32, rank, dims) : IR_NONE;
}

/* A movement node op (Reshape, or Transpose by perm) from x to y. */
static bool move(ir_graph *g, ir_op op, ir_id x, ir_id y, const int64_t *perm, int rank) {
    ir_id n = ir_add_node(g, op, g->values[y].name, 1, &x, y);
    if (n == IR_NONE) return false;
    for (int i = 0; i < rank && perm; i++) g->nodes[n].attrs.perm[i] = perm[i];
    return true;
}

/* MatMul node n as a 1x1 Conv with a [M, K, 1, 1] copy of its weight,
 * reading x4 ([N, K, 1, T]) and writing y4. */
static bool as_conv(ir_graph *g, ir_id n, ir_id x4, ir_id y4) {
    ir_id wid = g->nodes[n].inputs[1];
    const ir_value *w = &g->values[wid];
    int64_t k = w->dims[0].q, m = w->dims[1].q, dims[4] = {m, k, 1, 1};
    float *t = malloc(sizeof(float) * (size_t)(k * m));
    const char *name = pass_unique_name(g, w->name);
    if (!t || !name) {
        free(t);
        return false;
    }
    for (int64_t i = 0; i < k; i++)
        for (int64_t j = 0; j < m; j++) t[j * k + i] = ((const float *)w->data)[i * m + j];
    ir_id c = ir_add_weight(g, name, IR_F32, 4, dims, t);
    free(t);
    if (c == IR_NONE) return false;
    g->values[c].out_axis = 0;
    g->values[c].in_axis = 1;
    ir_node *node = &g->nodes[n];
    ir_id b = node->ninputs > 2 ? node->inputs[2] : IR_NONE;
    if (b != IR_NONE) g->values[b].out_axis = 0;
    node->inputs[0] = x4;
    node->inputs[1] = c;
    node->op = IR_OP_Conv;
    node->attrs = ir_attrs_default();
    node->attrs.kernel[0] = node->attrs.kernel[1] = 1;
    node->output = y4;
    g->values[y4].producer = n;
    return true;
}

/* Rewrites a checked region; false when out of memory. */
static bool rewrite(ir_graph *g, const region *r) {
    const ir_value *s = &g->values[r->values[0]];
    ir_dim n = s->dims[0], t = s->dims[1], h = s->dims[2];
    ir_dim conv_dims[4] = {n, h, ir_dim_const(1), t};
    uint32_t nn = g->nnodes;
    /* The readers first, while the region's values still have their shape. */
    for (ir_id id = 0; id < nn; id++) {
        if (!linear(g, id) || !r->in[g->nodes[id].inputs[0]]) continue;
        ir_id out = g->nodes[id].output;
        ir_dim m = g->values[out].dims[2];
        ir_dim y4d[4] = {n, m, ir_dim_const(1), t}, yt[4] = {n, ir_dim_const(1), t, m};
        ir_id y4 = new_value(g, g->values[out].name, 4, y4d);
        ir_id y1 = y4 == IR_NONE ? IR_NONE : new_value(g, g->values[out].name, 4, yt);
        if (y1 == IR_NONE || !as_conv(g, id, g->nodes[id].inputs[0], y4) ||
            !move(g, IR_OP_Transpose, y4, y1, (const int64_t[]){0, 2, 3, 1}, 4) || !move(g, IR_OP_Reshape, y1, out, NULL, 0))
            return false;
    }
    for (uint32_t i = 0; i < r->n; i++) {
        ir_id v = r->values[i], p = g->values[v].producer;
        if (linear(g, p)) {
            ir_id x = g->nodes[p].inputs[0];
            const ir_value *xv = &g->values[x];
            ir_dim x1d[4] = {xv->dims[0], ir_dim_const(1), xv->dims[1], xv->dims[2]};
            ir_dim x4d[4] = {xv->dims[0], xv->dims[2], ir_dim_const(1), xv->dims[1]};
            ir_id x1 = new_value(g, xv->name, 4, x1d);
            ir_id x4 = x1 == IR_NONE ? IR_NONE : new_value(g, g->values[x].name, 4, x4d);
            if (x4 == IR_NONE || !move(g, IR_OP_Reshape, x, x1, NULL, 0) ||
                !move(g, IR_OP_Transpose, x1, x4, (const int64_t[]){0, 3, 1, 2}, 4))
                return false;
            /* The MatMul now writes v in conv layout. */
            if (!as_conv(g, p, x4, v)) return false;
        }
        g->values[v].rank = 4;
        memcpy(g->values[v].dims, conv_dims, sizeof conv_dims);
    }
    return ir_sort_nodes(g);
}

ocrs_status pass_mlp_conv(ir_graph *g, ocrs_diag *diag) {
    region r = {0};
    bool nomem = false;
    /* After a rewrite (which renumbers the nodes and turns its MatMuls
     * into Convs) the scan starts again. */
    for (ir_id id = 0; id < g->nnodes && !nomem; id++) {
        if (!linear(g, id)) continue;
        bool ok = false;
        r.n = 0;
        nomem = !(r.in = calloc(g->nvalues, sizeof(bool))) || !add(&r, g->nodes[id].output) || !grow(g, &r, &ok) ||
                (ok && !rewrite(g, &r));
        free(r.in);
        if (ok) id = (ir_id)-1;
    }
    free(r.values);
    if (nomem) return ocrs_fail(diag, OCRS_ERR_NOMEM, "mlp_conv: out of memory");
    return OCRS_OK;
}
