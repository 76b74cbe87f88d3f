/* The verifier: structural invariants (arity, topological order, one
 * producer per value, unique names), and shapes recomputed from the op rules
 * and compared with the stored ones. Run after every pass in tests and debug
 * builds; a model error found here names the node at fault. */
#include <stdlib.h>
#include <string.h>

#include "ir.h"

static int cmp_names(const void *a, const void *b) { return strcmp(*(const char *const *)a, *(const char *const *)b); }

static ocrs_status check_unique_names(const ir_graph *g, ocrs_diag *diag) {
    const char **names = malloc(sizeof(char *) * (g->nvalues + 1));
    if (!names) return ocrs_fail(diag, OCRS_ERR_NOMEM, "%s: out of memory", g->source);
    for (ir_id i = 0; i < g->nvalues; i++) names[i] = g->values[i].name;
    qsort(names, g->nvalues, sizeof(char *), cmp_names);
    ocrs_status st = OCRS_OK;
    for (ir_id i = 1; i < g->nvalues && !st; i++)
        if (names[i][0] && strcmp(names[i - 1], names[i]) == 0)
            st = ocrs_fail(diag, OCRS_ERR_INVALID, "%s: value name '%s' is defined twice", g->source, names[i]);
    free(names);
    return st;
}

/* Every input extent is fixed or one symbol (the runtime reads the symbols
 * off the inputs' dims), and every symbol is one of them. */
static ocrs_status check_inputs(const ir_graph *g, ocrs_diag *diag) {
    bool seen[IR_MAX_SYMS] = {false};
    for (uint32_t i = 0; i < g->ninputs; i++) {
        const ir_value *v = &g->values[g->inputs[i]];
        for (int d = 0; d < v->rank; d++) {
            ir_dim x = v->dims[d];
            int s = ir_symbol_of(g, x);
            if (s < 0 && !ir_dim_static(x))
                return ocrs_fail(diag, OCRS_ERR_INVALID, "%s: input '%s' axis %d is neither fixed nor a symbol",
                                 g->source, v->name, d);
            if (s >= 0) seen[s] = true;
        }
    }
    for (int s = 0; s < g->nsyms; s++) {
        const ir_symbol *y = &g->syms[s];
        if (!seen[s] && !y->derived)
            return ocrs_fail(diag, OCRS_ERR_INVALID, "%s: symbol %s is no input's extent", g->source, y->name);
        if (y->derived && (y->base < 0 || y->base >= s || !g->syms[y->base].exact || !y->exact || y->align != 1 ||
                           y->bcoef <= 0 || y->bdiv <= 0 || seen[s]))
            return ocrs_fail(diag, OCRS_ERR_INVALID, "%s: derived symbol %s is malformed", g->source, y->name);
        if (y->align < 1 || y->min < 1 || y->min > y->max || y->min % y->align || y->max % y->align ||
            y->ref < y->min || y->ref > y->max || y->ref % y->align)
            return ocrs_fail(diag, OCRS_ERR_INVALID, "%s: symbol %s has a bad range", g->source, y->name);
    }
    return OCRS_OK;
}

ocrs_status ir_verify(const ir_graph *g, ocrs_diag *diag) {
    if (g->ninputs < 1) return ocrs_fail(diag, OCRS_ERR_INVALID, "%s: graph has no inputs", g->source);
    if (g->noutputs < 1) return ocrs_fail(diag, OCRS_ERR_INVALID, "%s: graph has no outputs", g->source);
    if (g->nnodes == 0) return ocrs_fail(diag, OCRS_ERR_INVALID, "%s: graph has no nodes", g->source);
    ocrs_status st = check_unique_names(g, diag);
    if (!st) st = check_inputs(g, diag);
    if (st) return st;
    for (uint32_t i = 0; i < g->nnodes; i++) {
        const ir_node *n = &g->nodes[i];
        if (n->dead) continue;
        char label[400];
        ir_node_label(g, i, label, sizeof label);
        OCRS_ASSERT(n->op < IR_OP_COUNT);
        const ir_op_info *info = &ir_ops[n->op];
        if ((int)n->ninputs < info->min_inputs || (int)n->ninputs > info->max_inputs)
            return ocrs_fail(diag, OCRS_ERR_INVALID, "%s: %s: has %u inputs, expects %d to %d", g->source, label,
                             n->ninputs, info->min_inputs, info->max_inputs);
        for (uint32_t j = 0; j < n->ninputs; j++) {
            ir_id v = n->inputs[j];
            if (v == IR_NONE) {
                if ((int)j < info->min_inputs)
                    return ocrs_fail(diag, OCRS_ERR_INVALID, "%s: %s: input %u is required", g->source, label, j);
                continue;
            }
            OCRS_ASSERT(v < g->nvalues);
            const ir_value *val = &g->values[v];
            bool is_input = false;
            for (uint32_t k = 0; k < g->ninputs; k++) is_input |= g->inputs[k] == v;
            if (val->producer == IR_NONE && !ir_is_weight(val) && !is_input)
                return ocrs_fail(diag, OCRS_ERR_INVALID, "%s: %s: input '%s' is never computed", g->source, label,
                                 val->name);
            if (val->producer != IR_NONE && val->producer >= i)
                return ocrs_fail(diag, OCRS_ERR_INVALID, "%s: %s: input '%s' is computed later (cycle or bad order)",
                                 g->source, label, val->name);
        }
        OCRS_ASSERT(n->output < g->nvalues);
        if (g->values[n->output].producer != i)
            return ocrs_fail(diag, OCRS_ERR_INVALID, "%s: %s: output '%s' has another producer", g->source, label,
                             g->values[n->output].name);
        if (ir_is_weight(&g->values[n->output]))
            return ocrs_fail(diag, OCRS_ERR_INVALID, "%s: %s: output '%s' is also a constant", g->source, label,
                             g->values[n->output].name);
        if (n->attrs.post.on && !(info->flags & IR_F_CONV))
            return ocrs_fail(diag, OCRS_ERR_INVALID, "%s: %s: only convolutions take an affine epilogue", g->source,
                             label);
        if (n->attrs.in_act.kind != IR_ACT_NONE) {
            /* What the int8 kernels (codegen/conv_int8.c, conv_tile.c)
             * compute: uint8 input levels times int8 weights, of one group
             * or depthwise. */
            if (n->attrs.in_act.kind != IR_ACT_QUANT || !ir_conv_int8_capable(g, n) ||
                g->values[n->inputs[1]].qbits != 8)
                return ocrs_fail(diag, OCRS_ERR_INVALID,
                                 "%s: %s: an input activation ('%s') needs a quantizing one on a conv with int8 "
                                 "weights, of one group and at most %d products per output or depthwise of at "
                                 "most %d taps",
                                 g->source, label, ir_act_name(n->attrs.in_act.kind), IR_INT8_MAX_TERMS,
                                 IR_INT8_DW_MAX_TAPS);
        }
        if (info->flags & IR_F_UNARY && n->attrs.act.kind != ir_unary_act(n->op))
            return ocrs_fail(diag, OCRS_ERR_INVALID, "%s: %s: activation '%s' does not match the op", g->source,
                             label, ir_act_name(n->attrs.act.kind));
        int rank;
        ir_dim dims[IR_MAX_RANK];
        st = ir_node_shape(g, i, &rank, dims, diag);
        if (st) return st;
        const ir_value *o = &g->values[n->output];
        bool same = rank == o->rank;
        for (int d = 0; same && d < rank; d++) same = ir_dim_equal(dims[d], o->dims[d]);
        if (!same)
            return ocrs_fail(diag, OCRS_ERR_INVALID, "%s: %s: stored shape of '%s' disagrees with the op's rule",
                             g->source, label, o->name);
    }
    for (uint32_t i = 0; i < g->noutputs; i++) {
        const ir_value *o = &g->values[g->outputs[i]];
        if (o->producer == IR_NONE || g->nodes[o->producer].dead)
            return ocrs_fail(diag, OCRS_ERR_INVALID, "%s: graph output '%s' is not computed by any node", g->source,
                             o->name);
    }
    return OCRS_OK;
}

ocrs_status ir_verify_constant_params(const ir_graph *g, ocrs_diag *diag) {
    for (uint32_t i = 0; i < g->nnodes; i++) {
        const ir_node *n = &g->nodes[i];
        if (n->dead) continue;
        uint32_t first = 1, last = 0;
        if (n->op == IR_OP_Conv || n->op == IR_OP_ConvTranspose) last = n->ninputs;
        else if (n->op == IR_OP_BatchNormalization) last = 5;
        for (uint32_t j = first; j < last; j++) {
            ir_id v = n->inputs[j];
            if (v == IR_NONE || ir_is_weight(&g->values[v])) continue;
            char label[400];
            ir_node_label(g, i, label, sizeof label);
            return ocrs_fail(diag, OCRS_ERR_UNSUPPORTED,
                             "%s: %s: parameter '%s' is computed at run time; only constant weights are supported",
                             g->source, label, g->values[v].name);
        }
    }
    return OCRS_OK;
}
