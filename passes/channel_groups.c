/* Channel-group analysis: which channels must be removed together.
 * Needs: shapes (pass_shape_infer); weights carry out_axis/in_axis.
 * Changes: nothing; builds an ocrs_channel_groups the caller frees.
 * Invalidates: nothing (the result names values and nodes by id, so it is
 *   stale once the graph is compacted).
 *
 * Elements are (value, channel) pairs of the 4-D activations. A union-find
 * over them ties what one removal must take together:
 *  - the chan column of ir/ops.def says which rule an op follows;
 *  - pass-through ops (activations, Identity, Resize, pooling) and
 *    BatchNormalization with constant parameters: input channel c with
 *    output channel c;
 *  - Add/Sub/Mul/Div: every operand with the output's channel count, channel
 *    by channel (residuals, the SE gate); a broadcast operand of one channel
 *    feeds them all and is pinned; weight operands are parameters;
 *  - Concat on the channel axis: input channel c with output channel
 *    offset + c; on another axis: all inputs' channel c with the output's;
 *  - depthwise Conv (group = in = out channels): input c with output c.
 * A dense Conv (group 1) separates its sides: its output channel m is
 * produced by filter m (a producer), its input channel c is read by weight
 * column c (a consumer). ConvTranspose likewise, but its output channels are
 * pinned; grouped convs pin both sides. Ops with no channel rule (matrix
 * products, reductions, softmax, data movement) pin every channel they
 * touch. Graph inputs and outputs are pinned.
 * Groups gather the classes that appear in one value (other than a channel
 * Concat's output), so a group is "a layer's channels and all tied to them". */
#include <stdlib.h>
#include <string.h>

#include "passes.h"

typedef struct {
    uint32_t *parent;
    bool *pinned;
    /* refs recorded per element before classes are known */
    ocrs_chan_ref *prod, *cons;
    uint32_t *prod_elem, *cons_elem;
    uint32_t nprod, ncons, cap_prod, cap_cons;
    bool nomem;
} builder;

static uint32_t find(uint32_t *parent, uint32_t x) {
    while (parent[x] != x) x = parent[x] = parent[parent[x]];
    return x;
}

static void unite(uint32_t *parent, uint32_t a, uint32_t b) {
    a = find(parent, a);
    b = find(parent, b);
    if (a != b) parent[a < b ? b : a] = a < b ? a : b;
}

static int64_t channels(const ocrs_channel_groups *cg, const ir_graph *g, ir_id v) {
    return v == IR_NONE || cg->value_base[v] == OCRS_CHAN_NONE ? -1 : g->values[v].dims[1].q;
}

static void pin_value(builder *b, const ocrs_channel_groups *cg, const ir_graph *g, ir_id v) {
    for (int64_t c = 0; c < channels(cg, g, v); c++) b->pinned[cg->value_base[v] + c] = true;
}

static void tie_values(builder *b, const ocrs_channel_groups *cg, const ir_graph *g, ir_id x, ir_id y) {
    int64_t n = channels(cg, g, x);
    if (n < 0 || n != channels(cg, g, y)) {
        pin_value(b, cg, g, x);
        pin_value(b, cg, g, y);
        return;
    }
    for (int64_t c = 0; c < n; c++) unite(b->parent, cg->value_base[x] + c, cg->value_base[y] + c);
}

static void add_ref(builder *b, bool producer, uint32_t elem, ocrs_chan_ref r) {
    ocrs_chan_ref **arr = producer ? &b->prod : &b->cons;
    uint32_t **el = producer ? &b->prod_elem : &b->cons_elem;
    uint32_t *n = producer ? &b->nprod : &b->ncons, *cap = producer ? &b->cap_prod : &b->cap_cons;
    if (*n == *cap) {
        uint32_t ncap = *cap ? *cap * 2 : 256;
        ocrs_chan_ref *a = realloc(*arr, sizeof **arr * ncap);
        if (a) *arr = a;
        uint32_t *e = realloc(*el, sizeof **el * ncap);
        if (e) *el = e;
        if (!a || !e) {
            b->nomem = true;
            return;
        }
        *cap = ncap;
    }
    (*arr)[*n] = r;
    (*el)[(*n)++] = elem;
}

static void conv_ties(builder *b, const ocrs_channel_groups *cg, const ir_graph *g, ir_id id) {
    const ir_node *n = &g->nodes[id];
    ir_id x = n->inputs[0], y = n->output, w = n->inputs[1];
    int64_t cin = channels(cg, g, x), cout = channels(cg, g, y), group = n->attrs.group;
    bool transpose = n->op == IR_OP_ConvTranspose;
    bool constant = ir_is_weight(&g->values[w]) && (n->ninputs < 3 || n->inputs[2] == IR_NONE ||
                                                    ir_is_weight(&g->values[n->inputs[2]]));
    if (cin < 0 || cout < 0 || !constant) {
        pin_value(b, cg, g, x);
        pin_value(b, cg, g, y);
        return;
    }
    const ir_value *wv = &g->values[w];
    if (!transpose && group > 1 && group == cin && cout == cin) {
        tie_values(b, cg, g, x, y);
        for (int64_t c = 0; c < cout; c++)
            add_ref(b, true, cg->value_base[y] + c, (ocrs_chan_ref){id, 1, wv->out_axis, c});
        return;
    }
    if (group != 1) {
        pin_value(b, cg, g, x);
        pin_value(b, cg, g, y);
        return;
    }
    for (int64_t c = 0; c < cin; c++)
        add_ref(b, false, cg->value_base[x] + c, (ocrs_chan_ref){id, 1, wv->in_axis, c});
    for (int64_t m = 0; m < cout; m++)
        add_ref(b, true, cg->value_base[y] + m, (ocrs_chan_ref){id, 1, wv->out_axis, m});
    if (transpose) pin_value(b, cg, g, y);
}

static void binary_ties(builder *b, const ocrs_channel_groups *cg, const ir_graph *g, const ir_node *n) {
    for (uint32_t j = 0; j < 2; j++) {
        ir_id v = n->inputs[j];
        if (ir_is_weight(&g->values[v])) continue;
        if (channels(cg, g, v) == 1 && channels(cg, g, n->output) > 1) pin_value(b, cg, g, v);
        else tie_values(b, cg, g, v, n->output);
    }
}

static void concat_ties(builder *b, const ocrs_channel_groups *cg, const ir_graph *g, const ir_node *n) {
    ir_id y = n->output;
    if (channels(cg, g, y) < 0) {
        for (uint32_t j = 0; j < n->ninputs; j++) pin_value(b, cg, g, n->inputs[j]);
        return;
    }
    if (n->attrs.axis != 1 && n->attrs.axis != -3) {
        for (uint32_t j = 0; j < n->ninputs; j++) tie_values(b, cg, g, n->inputs[j], y);
        return;
    }
    int64_t off = 0;
    for (uint32_t j = 0; j < n->ninputs; j++) {
        ir_id x = n->inputs[j];
        int64_t c_ = channels(cg, g, x);
        if (c_ < 0) {
            pin_value(b, cg, g, y);
            continue;
        }
        for (int64_t c = 0; c < c_; c++) unite(b->parent, cg->value_base[x] + c, cg->value_base[y] + off + c);
        off += c_;
    }
}

static void node_ties(builder *b, const ocrs_channel_groups *cg, const ir_graph *g, ir_id id) {
    const ir_node *n = &g->nodes[id];
    switch (ir_ops[n->op].chan) {
    case IR_CHAN_CONV: conv_ties(b, cg, g, id); return;
    case IR_CHAN_BINARY: binary_ties(b, cg, g, n); return;
    case IR_CHAN_CONCAT: concat_ties(b, cg, g, n); return;
    case IR_CHAN_BN:
        for (uint32_t j = 1; j < 5; j++)
            if (!ir_is_weight(&g->values[n->inputs[j]])) {
                pin_value(b, cg, g, n->inputs[0]);
                pin_value(b, cg, g, n->output);
                return;
            }
        tie_values(b, cg, g, n->inputs[0], n->output);
        return;
    case IR_CHAN_PASS: tie_values(b, cg, g, n->inputs[0], n->output); return;
    case IR_CHAN_STOP:
        for (uint32_t j = 0; j < n->ninputs; j++)
            if (n->inputs[j] != IR_NONE) pin_value(b, cg, g, n->inputs[j]);
        pin_value(b, cg, g, n->output);
        return;
    }
    OCRS_ASSERT(!"unknown channel rule");
}

/* Sorts the refs into per-class ranges (counting sort by class). */
static ocrs_chan_ref *by_class(ocrs_channel_groups *cg, const ocrs_chan_ref *refs, const uint32_t *elem, uint32_t n,
                               bool producer) {
    ocrs_chan_ref *out = malloc(sizeof *out * (n ? n : 1));
    if (!out) return NULL;
    for (uint32_t k = 0; k < cg->nclasses; k++) {
        ocrs_chan_class *c = &cg->classes[k];
        *(producer ? &c->nproducers : &c->nconsumers) = 0;
    }
    for (uint32_t i = 0; i < n; i++) {
        ocrs_chan_class *c = &cg->classes[cg->elem_class[elem[i]]];
        (*(producer ? &c->nproducers : &c->nconsumers))++;
    }
    uint32_t at = 0;
    for (uint32_t k = 0; k < cg->nclasses; k++) {
        ocrs_chan_class *c = &cg->classes[k];
        *(producer ? &c->first_producer : &c->first_consumer) = at;
        at += producer ? c->nproducers : c->nconsumers;
        *(producer ? &c->nproducers : &c->nconsumers) = 0;
    }
    for (uint32_t i = 0; i < n; i++) {
        ocrs_chan_class *c = &cg->classes[cg->elem_class[elem[i]]];
        uint32_t *cnt = producer ? &c->nproducers : &c->nconsumers;
        out[(producer ? c->first_producer : c->first_consumer) + (*cnt)++] = refs[i];
    }
    return out;
}

static bool is_channel_concat(const ir_graph *g, ir_id v) {
    ir_id p = g->values[v].producer;
    return p != IR_NONE && g->nodes[p].op == IR_OP_Concat && (g->nodes[p].attrs.axis == 1 || g->nodes[p].attrs.axis == -3);
}

/* Groups: classes united when they share a value that is not a channel
 * Concat's output; ordered by first appearance. */
static bool build_groups(ocrs_channel_groups *cg, const ir_graph *g) {
    uint32_t *parent = malloc(sizeof *parent * (cg->nclasses + 1));
    uint32_t *gid = malloc(sizeof *gid * (cg->nclasses + 1));
    uint32_t *pos = malloc(sizeof *pos * (cg->nclasses + 1));
    cg->group_classes = malloc(sizeof *cg->group_classes * (cg->nclasses + 1));
    cg->groups = calloc(cg->nclasses + 1, sizeof *cg->groups);
    bool ok = parent && gid && pos && cg->group_classes && cg->groups;
    if (ok) {
        for (uint32_t k = 0; k < cg->nclasses; k++) parent[k] = k, gid[k] = OCRS_CHAN_NONE, pos[k] = OCRS_CHAN_NONE;
        for (ir_id v = 0; v < g->nvalues; v++) {
            if (cg->value_base[v] == OCRS_CHAN_NONE || is_channel_concat(g, v)) continue;
            uint32_t first = cg->elem_class[cg->value_base[v]];
            for (int64_t c = 1; c < g->values[v].dims[1].q; c++)
                unite(parent, first, cg->elem_class[cg->value_base[v] + c]);
        }
        /* group ids in order of first appearance; then channel positions */
        cg->ngroups = 0;
        uint32_t *root_gid = pos; /* reused: root -> group id */
        for (uint32_t k = 0; k < cg->nclasses; k++) {
            uint32_t r = find(parent, k);
            if (root_gid[r] == OCRS_CHAN_NONE) root_gid[r] = cg->ngroups++;
            gid[k] = root_gid[r];
        }
        for (uint32_t k = 0; k < cg->nclasses; k++) cg->groups[gid[k]].nclasses++;
        uint32_t at = 0;
        for (uint32_t i = 0; i < cg->ngroups; i++) {
            cg->groups[i].first_class = at;
            at += cg->groups[i].nclasses;
            cg->groups[i].nclasses = 0;
            cg->groups[i].prunable = true;
        }
        bool *placed = (bool *)parent; /* reused: class placed in its group */
        memset(placed, 0, sizeof *parent * (cg->nclasses + 1));
        for (ir_id v = 0; v < g->nvalues; v++) {
            if (cg->value_base[v] == OCRS_CHAN_NONE) continue;
            for (int64_t c = 0; c < g->values[v].dims[1].q; c++) {
                uint32_t k = cg->elem_class[cg->value_base[v] + c];
                if (placed[k]) continue;
                placed[k] = true;
                ocrs_chan_group *gr = &cg->groups[gid[k]];
                cg->group_classes[gr->first_class + gr->nclasses++] = k;
                cg->classes[k].group = gid[k];
            }
        }
        for (uint32_t i = 0; i < cg->ngroups; i++) {
            ocrs_chan_group *gr = &cg->groups[i];
            bool produced = false;
            for (uint32_t j = 0; j < gr->nclasses; j++) {
                const ocrs_chan_class *k = &cg->classes[cg->group_classes[gr->first_class + j]];
                gr->prunable &= !k->pinned;
                produced |= k->nproducers > 0;
            }
            gr->prunable &= produced;
        }
    }
    free(parent);
    free(gid);
    free(pos);
    return ok;
}

static ocrs_status finish(const ir_graph *g, ocrs_channel_groups *cg, builder *b, ocrs_diag *diag) {
    uint32_t *root_class = malloc(sizeof(uint32_t) * (cg->nelems + 1));
    if (!root_class || b->nomem) {
        free(root_class);
        return ocrs_fail(diag, OCRS_ERR_NOMEM, "%s: channel groups: out of memory", g->source);
    }
    cg->nclasses = 0;
    for (uint32_t e = 0; e < cg->nelems; e++) root_class[e] = OCRS_CHAN_NONE;
    for (uint32_t e = 0; e < cg->nelems; e++) {
        uint32_t r = find(b->parent, e);
        if (root_class[r] == OCRS_CHAN_NONE) root_class[r] = cg->nclasses++;
        cg->elem_class[e] = root_class[r];
    }
    free(root_class);
    cg->classes = calloc(cg->nclasses + 1, sizeof *cg->classes);
    cg->members = malloc(sizeof *cg->members * (cg->nelems + 1));
    if (!cg->classes || !cg->members) return ocrs_fail(diag, OCRS_ERR_NOMEM, "%s: channel groups: out of memory", g->source);
    for (uint32_t e = 0; e < cg->nelems; e++) {
        ocrs_chan_class *k = &cg->classes[cg->elem_class[e]];
        k->nmembers++;
        k->pinned |= b->pinned[e];
    }
    uint32_t at = 0;
    for (uint32_t k = 0; k < cg->nclasses; k++) {
        cg->classes[k].first_member = at;
        at += cg->classes[k].nmembers;
        cg->classes[k].nmembers = 0;
    }
    for (ir_id v = 0; v < g->nvalues; v++) {
        if (cg->value_base[v] == OCRS_CHAN_NONE) continue;
        for (int64_t c = 0; c < g->values[v].dims[1].q; c++) {
            ocrs_chan_class *k = &cg->classes[cg->elem_class[cg->value_base[v] + c]];
            cg->members[k->first_member + k->nmembers++] = (ocrs_chan_member){v, c};
        }
    }
    cg->producers = by_class(cg, b->prod, b->prod_elem, b->nprod, true);
    cg->consumers = by_class(cg, b->cons, b->cons_elem, b->ncons, false);
    if (!cg->producers || !cg->consumers || !build_groups(cg, g))
        return ocrs_fail(diag, OCRS_ERR_NOMEM, "%s: channel groups: out of memory", g->source);
    return OCRS_OK;
}

ocrs_status ocrs_channel_groups_build(const ir_graph *g, ocrs_channel_groups **out, ocrs_diag *diag) {
    *out = NULL;
    ocrs_channel_groups *cg = calloc(1, sizeof *cg);
    if (!cg || !(cg->value_base = malloc(sizeof(uint32_t) * (g->nvalues + 1)))) {
        free(cg);
        return ocrs_fail(diag, OCRS_ERR_NOMEM, "%s: channel groups: out of memory", g->source);
    }
    cg->nvalues = g->nvalues;
    for (ir_id v = 0; v < g->nvalues; v++) {
        const ir_value *val = &g->values[v];
        cg->value_base[v] = OCRS_CHAN_NONE;
        if (ir_is_weight(val) || val->rank != 4 || !ir_dim_static(val->dims[1])) continue;
        cg->value_base[v] = cg->nelems;
        cg->nelems += (uint32_t)val->dims[1].q;
    }
    builder b = {0};
    b.parent = malloc(sizeof(uint32_t) * (cg->nelems + 1));
    b.pinned = calloc(cg->nelems + 1, 1);
    cg->elem_class = malloc(sizeof(uint32_t) * (cg->nelems + 1));
    ocrs_status st;
    if (!b.parent || !b.pinned || !cg->elem_class) {
        st = ocrs_fail(diag, OCRS_ERR_NOMEM, "%s: channel groups: out of memory", g->source);
    } else {
        for (uint32_t e = 0; e < cg->nelems; e++) b.parent[e] = e;
        for (uint32_t i = 0; i < g->ninputs; i++) pin_value(&b, cg, g, g->inputs[i]);
        for (uint32_t i = 0; i < g->noutputs; i++) pin_value(&b, cg, g, g->outputs[i]);
        for (ir_id i = 0; i < g->nnodes; i++)
            if (!g->nodes[i].dead) node_ties(&b, cg, g, i);
        st = finish(g, cg, &b, diag);
    }
    free(b.parent);
    free(b.pinned);
    free(b.prod);
    free(b.cons);
    free(b.prod_elem);
    free(b.cons_elem);
    if (st) {
        ocrs_channel_groups_free(cg);
        return st;
    }
    *out = cg;
    return OCRS_OK;
}

void ocrs_channel_groups_free(ocrs_channel_groups *cg) {
    if (!cg) return;
    free(cg->value_base);
    free(cg->elem_class);
    free(cg->classes);
    free(cg->groups);
    free(cg->group_classes);
    free(cg->members);
    free(cg->producers);
    free(cg->consumers);
    free(cg);
}

uint32_t ocrs_chan_class_of(const ocrs_channel_groups *cg, ir_id v, int64_t c) {
    if (v >= cg->nvalues || cg->value_base[v] == OCRS_CHAN_NONE) return OCRS_CHAN_NONE;
    return cg->elem_class[cg->value_base[v] + c];
}

ocrs_slice ocrs_chan_ref_slice(const ir_graph *g, const ocrs_chan_ref *r) {
    const ir_value *w = &g->values[g->nodes[r->node].inputs[r->slot]];
    ocrs_slice s = {1, 1, 0, 0};
    for (int i = 0; i < r->axis; i++) s.outer *= w->dims[i].q;
    for (int i = r->axis + 1; i < w->rank; i++) s.inner *= w->dims[i].q;
    s.step = w->dims[r->axis].q * s.inner;
    s.base = r->index * s.inner;
    return s;
}

/* Prints the distinct nodes of refs[0..n), marking each in seen[] with stamp
 * (unique per group and list, so seen is never cleared). */
static void dump_nodes(const ir_graph *g, const ocrs_chan_ref *refs, uint32_t n, uint32_t *seen, uint32_t stamp,
                       FILE *out) {
    for (uint32_t i = 0; i < n; i++) {
        if (seen[refs[i].node] == stamp) continue;
        seen[refs[i].node] = stamp;
        const ir_node *node = &g->nodes[refs[i].node];
        fprintf(out, " %s", node->name[0] ? node->name : g->values[node->output].name);
    }
}

uint32_t *ocrs_channel_group_seen(const ir_graph *g) {
    return calloc((g->nnodes > g->nvalues ? g->nnodes : g->nvalues) + 1, sizeof(uint32_t));
}

void ocrs_channel_group_dump(const ir_graph *g, const ocrs_channel_groups *cg, uint32_t i, uint32_t *seen, FILE *out) {
    const ocrs_chan_group *gr = &cg->groups[i];
    uint32_t stamp = 3 * i; /* + 1 producers, + 2 consumers, + 3 values */
    fprintf(out, "  producers:");
    for (uint32_t j = 0; j < gr->nclasses; j++) {
        const ocrs_chan_class *k = &cg->classes[cg->group_classes[gr->first_class + j]];
        dump_nodes(g, cg->producers + k->first_producer, k->nproducers, seen, stamp + 1, out);
    }
    fprintf(out, "\n  consumers:");
    for (uint32_t j = 0; j < gr->nclasses; j++) {
        const ocrs_chan_class *k = &cg->classes[cg->group_classes[gr->first_class + j]];
        dump_nodes(g, cg->consumers + k->first_consumer, k->nconsumers, seen, stamp + 2, out);
    }
    fprintf(out, "\n  values:");
    for (uint32_t j = 0; j < gr->nclasses; j++) {
        const ocrs_chan_class *k = &cg->classes[cg->group_classes[gr->first_class + j]];
        for (uint32_t m = 0; m < k->nmembers; m++) {
            ir_id v = cg->members[k->first_member + m].value;
            if (seen[v] == stamp + 3) continue;
            seen[v] = stamp + 3;
            fprintf(out, " %s", g->values[v].name);
        }
    }
    fputc('\n', out);
}

void ocrs_channel_groups_dump(const ir_graph *g, const ocrs_channel_groups *cg, FILE *out) {
    uint32_t *seen = ocrs_channel_group_seen(g);
    if (!seen) return;
    for (uint32_t i = 0; i < cg->ngroups; i++) {
        const ocrs_chan_group *gr = &cg->groups[i];
        fprintf(out, "group %u: %u channels%s\n", i, gr->nclasses, gr->prunable ? "" : " (not prunable)");
        ocrs_channel_group_dump(g, cg, i, seen, out);
    }
    free(seen);
}
