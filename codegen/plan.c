/* Buffer plan: which nodes run, which values get activation buffers, and
 * which buffers may share workspace memory.
 * Needs: a verified graph in topological order.
 * Produces: buffers 0 .. ninputs-1 = the graph inputs and the next noutputs
 * = the graph outputs (all the caller's memory), one buffer per other value
 * a needed node computes, and a workspace slot per such buffer so that
 * buffers live at the same time never share a slot. A node's output never
 * shares a slot with its inputs, except a Reshape's: it is its input's
 * buffer seen with other dims (no data moves, no code runs), unless it is a
 * graph output, which lives in the caller's memory; and a FakeQuant's whose
 * input holds its levels (choose_levels). */
#include <stdlib.h>

#include "cg.h"

/* Slot choice uses sizes at the symbols' typical values; any choice is
 * correct because the runtime sizes each slot for its largest buffer at the
 * actual values. */

/* The smallest free slot that fits, else the largest (it grows least). */
static bool better_slot(int64_t cand, int64_t cur, int64_t need) {
    bool cand_fits = cand >= need, cur_fits = cur >= need;
    if (cand_fits != cur_fits) return cand_fits;
    return cand_fits ? cand < cur : cand > cur;
}

static void mark_needed(const ir_graph *g, cg_plan *p) {
    bool *live = calloc(g->nvalues, 1);
    OCRS_ASSERT(live || !g->nvalues);
    for (uint32_t i = 0; i < g->noutputs; i++) live[g->outputs[i]] = true;
    for (uint32_t i = g->nnodes; i-- > 0;) {
        const ir_node *n = &g->nodes[i];
        if (n->dead || !live[n->output]) continue;
        p->needed[i] = true;
        for (uint32_t j = 0; j < n->ninputs; j++)
            if (n->inputs[j] != IR_NONE) live[n->inputs[j]] = true;
    }
    free(live);
}

/* Levels: a value every reader of which is an int8 conv quantizing it the
 * same way (attrs.in_act, of input 0) is stored as those uint8 levels when
 * a conv computes it: its epilogue quantizes, the readers quantize no more,
 * and the buffer is a quarter of the bytes (the early layers of a detector
 * are memory-bound). The readers see the same levels as from floats:
 * quantizing is idempotent. So is a FakeQuant's output that only transposed
 * convs of the scatter kernel read (passes/quantize.c puts one before each):
 * they dequantize the levels as they load them, and the FakeQuant becomes
 * an alias of its input, whose producer writes those levels (a conv), or
 * runs as usual (anything else). Graph outputs stay floats. */
enum { UNREAD, LEVELS, FLOATS };

/* One read of v: as levels of q (ok), or as floats. */
static void read_as(uint8_t *state, ir_act *levels, ir_id v, bool ok, const ir_act *q) {
    if (state[v] == FLOATS) return;
    if (!ok || (state[v] == LEVELS && (levels[v].a != q->a || levels[v].b != q->b))) {
        state[v] = FLOATS;
        levels[v].kind = IR_ACT_NONE;
    } else if (state[v] == UNREAD) {
        state[v] = LEVELS;
        levels[v] = *q;
    }
}

static bool writes_levels(const ir_node *n) {
    return n->op == IR_OP_Conv || (n->op == IR_OP_ConvTranspose && cg_conv_transpose_is_scatter(n));
}

static void choose_levels(const ir_graph *g, cg_plan *p) {
    uint8_t *state = calloc(g->nvalues + 1, 1);
    ir_id *producer = malloc(sizeof(ir_id) * (g->nvalues + 1));
    OCRS_ASSERT(state && producer);
    for (uint32_t v = 0; v < g->nvalues; v++) producer[v] = IR_NONE;
    for (uint32_t i = 0; i < g->nnodes; i++)
        if (p->needed[i]) producer[g->nodes[i].output] = i;
    for (uint32_t i = 0; i < g->noutputs; i++) state[g->outputs[i]] = FLOATS;
#define EACH_READ                                                                                                      \
    for (uint32_t i = 0; i < g->nnodes; i++)                                                                           \
        for (uint32_t j = 0; p->needed[i] && j < g->nodes[i].ninputs; j++)                                             \
            if (g->nodes[i].inputs[j] != IR_NONE)
    /* FakeQuant outputs: levels when only scatter kernels read them. */
    EACH_READ {
        const ir_node *n = &g->nodes[i];
        ir_id v = n->inputs[j], from = producer[v];
        if (from == IR_NONE || g->nodes[from].op != IR_OP_FakeQuant) continue;
        bool ok = j == 0 && n->op == IR_OP_ConvTranspose && cg_conv_transpose_is_scatter(n);
        read_as(state, p->levels, v, ok, &g->nodes[from].attrs.act);
    }
    /* The rest: levels when int8 convs and such FakeQuants read them. */
    EACH_READ {
        const ir_node *n = &g->nodes[i];
        ir_id v = n->inputs[j], from = producer[v];
        if (from != IR_NONE && g->nodes[from].op == IR_OP_FakeQuant) continue;
        bool fq = n->op == IR_OP_FakeQuant && state[n->output] == LEVELS;
        read_as(state, p->levels, v, fq || (j == 0 && cg_is_int8_conv(n)), fq ? &n->attrs.act : &n->attrs.in_act);
    }
#undef EACH_READ
    /* Kept where the producer writes them (in topological order, so a
     * FakeQuant's input is settled before it). */
    for (uint32_t v = 0; v < g->nvalues; v++)
        if (producer[v] == IR_NONE) p->levels[v].kind = IR_ACT_NONE;
    for (uint32_t i = 0; i < g->nnodes; i++) {
        const ir_node *n = &g->nodes[i];
        if (!p->needed[i] || p->levels[n->output].kind != IR_ACT_QUANT) continue;
        bool ok = n->op == IR_OP_FakeQuant ? p->levels[n->inputs[0]].kind == IR_ACT_QUANT : writes_levels(n);
        if (!ok) p->levels[n->output].kind = IR_ACT_NONE;
    }
    free(producer);
    free(state);
}

ocrs_status cg_plan_build(const ir_graph *g, cg_plan *p, ocrs_diag *diag) {
    *p = (cg_plan){0};
    uint32_t nv = g->nvalues, nn = g->nnodes;
    p->buf_of_value = malloc(sizeof(int32_t) * (nv + 1));
    p->value_of_buf = malloc(sizeof(ir_id) * (nv + 1));
    p->slot_of_buf = malloc(sizeof(int32_t) * (nv + 1));
    p->needed = calloc(nn + 1, 1);
    p->levels = calloc(nv + 1, sizeof(ir_act));
    uint32_t *last_use = calloc(nv + 1, sizeof(uint32_t));
    int64_t *slot_ref = calloc(nv + 1, sizeof(int64_t)); /* per slot: largest member at the reference size */
    bool *slot_free = calloc(nv + 1, 1);
    if (!p->buf_of_value || !p->value_of_buf || !p->slot_of_buf || !p->needed || !p->levels || !last_use ||
        !slot_ref || !slot_free) {
        free(last_use);
        free(slot_ref);
        free(slot_free);
        cg_plan_free(p);
        return ocrs_fail(diag, OCRS_ERR_NOMEM, "%s: out of memory planning buffers", g->source);
    }
    mark_needed(g, p);
    choose_levels(g, p);
    int64_t units[IR_MAX_SYMS];
    ir_ref_units(g, units);
    for (uint32_t v = 0; v < nv; v++) p->buf_of_value[v] = -1;
    for (uint32_t i = 0; i < g->ninputs + g->noutputs; i++) {
        ir_id v = i < g->ninputs ? g->inputs[i] : g->outputs[i - g->ninputs];
        p->value_of_buf[p->nbufs] = v;
        p->slot_of_buf[p->nbufs] = -1;
        p->buf_of_value[v] = (int32_t)p->nbufs++;
    }
    /* root[v]: the value whose buffer v uses (itself, or a Reshape's input's
     * root); a root lives until the last read of any of its aliases. */
    ir_id *root = malloc(sizeof(ir_id) * (nv + 1));
    if (!root) {
        free(last_use);
        free(slot_ref);
        free(slot_free);
        cg_plan_free(p);
        return ocrs_fail(diag, OCRS_ERR_NOMEM, "%s: out of memory planning buffers", g->source);
    }
    for (uint32_t v = 0; v < nv; v++) root[v] = v;
    for (uint32_t i = 0; i < nn; i++) {
        if (!p->needed[i]) continue;
        const ir_node *n = &g->nodes[i];
        bool reshape = n->op == IR_OP_Reshape && p->buf_of_value[n->output] < 0 && !ir_is_weight(&g->values[n->inputs[0]]);
        if (reshape || (n->op == IR_OP_FakeQuant && p->levels[n->output].kind == IR_ACT_QUANT))
            root[n->output] = root[n->inputs[0]];
        for (uint32_t j = 0; j < n->ninputs; j++)
            if (n->inputs[j] != IR_NONE) last_use[root[n->inputs[j]]] = i;
    }
    for (uint32_t i = 0; i < nn; i++) {
        if (!p->needed[i]) continue;
        const ir_node *n = &g->nodes[i];
        if (root[n->output] != n->output) {
            p->buf_of_value[n->output] = p->buf_of_value[root[n->output]];
        } else if (p->buf_of_value[n->output] < 0) {
            uint32_t b = p->nbufs++;
            int64_t need = ir_numel(&g->values[n->output], units) * cg_plan_elem_bytes(p, n->output);
            int32_t best = -1;
            for (uint32_t s = 0; s < p->nslots; s++)
                if (slot_free[s] && (best < 0 || better_slot(slot_ref[s], slot_ref[best], need))) best = (int32_t)s;
            if (best < 0) best = (int32_t)p->nslots++;
            slot_free[best] = false;
            if (slot_ref[best] < need) slot_ref[best] = need;
            p->value_of_buf[b] = n->output;
            p->buf_of_value[n->output] = (int32_t)b;
            p->slot_of_buf[b] = best;
        }
        /* Inputs read for the last time release their slot only now, after
         * the output took one, so the two never coincide. */
        for (uint32_t j = 0; j < n->ninputs; j++) {
            ir_id v = n->inputs[j] == IR_NONE ? IR_NONE : root[n->inputs[j]];
            if (v == IR_NONE || last_use[v] != i || p->buf_of_value[v] < 0) continue;
            int32_t s = p->slot_of_buf[p->buf_of_value[v]];
            if (s >= 0) slot_free[s] = true;
        }
    }
    free(root);
    free(last_use);
    free(slot_ref);
    free(slot_free);
    return OCRS_OK;
}

int64_t cg_plan_elem_bytes(const cg_plan *p, ir_id v) {
    return p->levels[v].kind == IR_ACT_QUANT ? 1 : (int64_t)sizeof(float);
}

bool cg_plan_is_alias(const ir_graph *g, const cg_plan *p, ir_id node) {
    const ir_node *n = &g->nodes[node];
    if (n->op == IR_OP_FakeQuant) return p->levels[n->output].kind == IR_ACT_QUANT;
    return n->op == IR_OP_Reshape && !ir_is_weight(&g->values[n->inputs[0]]) &&
           p->buf_of_value[n->output] == p->buf_of_value[n->inputs[0]];
}

void cg_plan_free(cg_plan *p) {
    free(p->buf_of_value);
    free(p->value_of_buf);
    free(p->slot_of_buf);
    free(p->needed);
    free(p->levels);
    *p = (cg_plan){0};
}
