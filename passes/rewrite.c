/* Rewriting helpers shared by the canonicalisation passes: fresh names, value
 * substitution, and folding a per-channel affine map into a convolution's
 * weights (used by fold_bn and fold_affine, which differ only in where the
 * map comes from). */
#include <stdlib.h>
#include <string.h>

#include "passes.h"

const char *pass_unique_name(ir_graph *g, const char *base) {
    if (ir_find_value(g, base) == IR_NONE) return ocrs_arena_strdup(g->arena, base);
    size_t size = strlen(base) + 16;
    char *buf = malloc(size);
    if (!buf) return NULL;
    for (unsigned i = 1;; i++) {
        snprintf(buf, size, "%s.%u", base, i);
        if (ir_find_value(g, buf) == IR_NONE) break;
    }
    const char *name = ocrs_arena_strdup(g->arena, buf);
    free(buf);
    return name;
}

bool pass_scalar_const(const ir_graph *g, ir_id v, int max_rank, float *x) {
    if (v == IR_NONE) return false;
    const ir_value *val = &g->values[v];
    if (!ir_is_weight(val) || val->dtype != IR_F32 || val->rank > max_rank || ir_numel_static(val) != 1) return false;
    *x = *(const float *)val->data;
    return true;
}

bool pass_is_graph_output(const ir_graph *g, ir_id v) {
    for (uint32_t i = 0; i < g->noutputs; i++)
        if (g->outputs[i] == v) return true;
    return false;
}

bool pass_same_shape(const ir_value *a, const ir_value *b) {
    if (a->rank != b->rank) return false;
    for (int i = 0; i < a->rank; i++)
        if (!ir_dim_equal(a->dims[i], b->dims[i])) return false;
    return true;
}

void pass_replace_uses(ir_graph *g, ir_id from, ir_id to) {
    for (uint32_t i = 0; i < g->nnodes; i++) {
        ir_node *n = &g->nodes[i];
        if (n->dead) continue;
        for (uint32_t j = 0; j < n->ninputs; j++)
            if (n->inputs[j] == from) n->inputs[j] = to;
    }
}

void pass_absorb_user(ir_graph *g, ir_id producer, ir_id user) {
    ir_id old = g->nodes[producer].output, out = g->nodes[user].output;
    g->nodes[producer].output = out;
    g->values[out].producer = producer;
    g->values[old].producer = IR_NONE;
    g->nodes[user].dead = true;
}

bool pass_float_weight(const ir_graph *g, ir_id v) {
    return v != IR_NONE && ir_is_weight(&g->values[v]) && g->values[v].dtype == IR_F32 && g->values[v].qbits == 0;
}

bool pass_conv_accepts_affine(const ir_graph *g, ir_id conv) {
    const ir_node *c = &g->nodes[conv];
    if (c->op != IR_OP_Conv && c->op != IR_OP_ConvTranspose) return false;
    if (c->attrs.act.kind != IR_ACT_NONE) return false;
    bool has_bias = c->ninputs > 2 && c->inputs[2] != IR_NONE;
    return pass_float_weight(g, c->inputs[1]) && (!has_bias || pass_float_weight(g, c->inputs[2]));
}

int64_t pass_conv_out_channels(const ir_graph *g, ir_id conv) {
    const ir_node *c = &g->nodes[conv];
    const ir_value *w = &g->values[c->inputs[1]];
    return c->op == IR_OP_Conv ? w->dims[0].q : w->dims[1].q * c->attrs.group;
}

ir_id pass_private_weight(ir_graph *g, ir_id n, uint32_t slot) {
    ir_id w = g->nodes[n].inputs[slot];
    if (ir_use_count(g, w) == 1) return w;
    const char *name = pass_unique_name(g, g->values[w].name);
    if (!name) return IR_NONE;
    int64_t dims[IR_MAX_RANK];
    for (int i = 0; i < g->values[w].rank; i++) dims[i] = g->values[w].dims[i].q;
    ir_id copy = ir_add_weight(g, name, IR_F32, g->values[w].rank, dims, g->values[w].data);
    if (copy == IR_NONE) return IR_NONE;
    g->values[copy].out_axis = g->values[w].out_axis;
    g->values[copy].in_axis = g->values[w].in_axis;
    g->nodes[n].inputs[slot] = copy;
    return copy;
}

/* A zero bias of m elements as conv's input 2; IR_NONE when out of memory. */
static ir_id add_zero_bias(ir_graph *g, ir_id conv, int64_t m) {
    char base[512];
    snprintf(base, sizeof base, "%s.bias", g->values[g->nodes[conv].inputs[1]].name);
    const char *name = pass_unique_name(g, base);
    float *zeros = calloc((size_t)m, sizeof(float));
    ir_id b = name && zeros ? ir_add_weight(g, name, IR_F32, 1, &m, zeros) : IR_NONE;
    free(zeros);
    if (b == IR_NONE) return IR_NONE;
    g->values[b].out_axis = 0;
    const ir_node *c = &g->nodes[conv];
    if (!ir_node_set_inputs(g, conv, 3, (ir_id[]){c->inputs[0], c->inputs[1], b})) return IR_NONE;
    return b;
}

ir_id pass_conv_private_bias(ir_graph *g, ir_id conv) {
    bool has_bias = g->nodes[conv].ninputs > 2 && g->nodes[conv].inputs[2] != IR_NONE;
    return has_bias ? pass_private_weight(g, conv, 2) : add_zero_bias(g, conv, pass_conv_out_channels(g, conv));
}

ocrs_status pass_conv_absorb_affine(ir_graph *g, ir_id conv, const double *alpha, const double *beta,
                                    ocrs_diag *diag) {
    OCRS_ASSERT(pass_conv_accepts_affine(g, conv));
    int64_t m_ = pass_conv_out_channels(g, conv);
    ir_id w = pass_private_weight(g, conv, 1);
    ir_id b = w == IR_NONE ? IR_NONE : pass_conv_private_bias(g, conv);
    if (b == IR_NONE) {
        char label[400];
        ir_node_label(g, conv, label, sizeof label);
        return ocrs_fail(diag, OCRS_ERR_NOMEM, "%s: %s: out of memory", g->source, label);
    }
    const ir_node *c = &g->nodes[conv];
    const ir_value *wv = &g->values[w];
    float *wd = wv->data, *bd = g->values[b].data;
    /* Conv weight: [M, C/group, KH, KW]; ConvTranspose: [C, M/group, KH, KW],
     * where input channel c and column j feed output channel
     * (c / (C/group)) * (M/group) + j. */
    int64_t k = wv->dims[2].q * wv->dims[3].q, n = ir_numel_static(wv);
    int64_t cg = wv->dims[0].q / c->attrs.group, mg = wv->dims[1].q;
    for (int64_t i = 0; i < n; i++) {
        int64_t m = c->op == IR_OP_Conv ? i / (wv->dims[1].q * k) : (i / (mg * k)) / cg * mg + (i / k) % mg;
        wd[i] = (float)(alpha[m] * wd[i]);
    }
    for (int64_t m = 0; m < m_; m++) bd[m] = (float)(alpha[m] * bd[m] + beta[m]);
    return OCRS_OK;
}

ocrs_status pass_match_each(ir_graph *g, ir_op op, pass_match_fn *match, const char *pass, ocrs_diag *diag) {
    ir_uses uses;
    bool ok = ir_uses_build(g, &uses);
    for (ir_id i = 0; i < g->nnodes && ok; i++)
        if (!g->nodes[i].dead && g->nodes[i].op == op) ok = match(g, &uses, i);
    ir_uses_free(&uses);
    if (!ok) return ocrs_fail(diag, OCRS_ERR_NOMEM, "%s: %s: out of memory", g->source, pass);
    ir_compact(g);
    return OCRS_OK;
}
