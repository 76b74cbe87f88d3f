/* Code generation driver: plans buffers, builds the LLVM module (weights,
 * one function per distinct layer, the <name>__run entry and the buffer
 * table the runtime reads), then hands it to link.c.
 * Needs: a graph that passes ir_verify (shapes inferred).
 * Changes: nothing in the graph. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <llvm-c/TargetMachine.h>

#include "../runtime/core/ocrs_model.h"
#include "cg.h"

_Static_assert(OCRS_MAX_RANK == IR_MAX_RANK, "runtime and IR agree on the largest rank");

typedef struct {
    char *key;
    LLVMValueRef fn;
} layer_fn;

typedef struct {
    cg_module m;
    const ir_graph *g;
    const cg_plan *plan;
    const char *name;
    const char *pool; /* prefix of the pool whose barrier __run calls */
    LLVMValueRef weights; /* one constant byte array holding every weight */
    size_t *weight_off;   /* per value: byte offset in weights */
    size_t weight_bytes;
    layer_fn *fns;
    uint32_t nfns;
    LLVMAttributeRef target_attrs[2]; /* target-cpu, target-features */
} emitter;

enum { WEIGHT_ALIGN = 64 };

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static ocrs_status nomem(const emitter *e, ocrs_diag *diag) {
    return ocrs_fail(diag, OCRS_ERR_NOMEM, "%s: out of memory generating code", e->g->source);
}

/* ---- weights ------------------------------------------------------------------ */

/* Every weight a needed node reads, packed into one constant array: one
 * LLVM constant per model instead of one per float keeps compile time flat. */
static ocrs_status emit_weights(emitter *e, ocrs_diag *diag) {
    const ir_graph *g = e->g;
    e->weight_off = malloc(sizeof(size_t) * (g->nvalues + 1));
    if (!e->weight_off) return nomem(e, diag);
    for (ir_id v = 0; v < g->nvalues; v++) e->weight_off[v] = SIZE_MAX;
    /* An int8 conv's weights are its blob (codegen/conv_int8.c); the
     * quantization pass gave each its own weight value. */
    uint32_t *packer = malloc(sizeof(uint32_t) * (g->nvalues + 1));
    if (!packer) return nomem(e, diag);
    size_t total = 0;
    for (uint32_t i = 0; i < g->nnodes; i++) {
        if (!e->plan->needed[i]) continue;
        const ir_node *n = &g->nodes[i];
        bool int8 = cg_is_int8_conv(n);
        for (uint32_t j = 0; j < n->ninputs; j++) {
            ir_id v = n->inputs[j];
            if (v == IR_NONE || !ir_is_weight(&g->values[v])) continue;
            OCRS_ASSERT(!(int8 && j == 1 && e->weight_off[v] != SIZE_MAX));
            if (e->weight_off[v] != SIZE_MAX) continue;
            packer[v] = int8 && j == 1 ? i : UINT32_MAX;
            size_t size = int8 && j == 1 ? cg_int8_weight_bytes(g, n)
                                         : (size_t)ir_numel_static(&g->values[v]) * sizeof(float);
            e->weight_off[v] = total;
            total += (size + WEIGHT_ALIGN - 1) / WEIGHT_ALIGN * WEIGHT_ALIGN;
        }
    }
    e->weight_bytes = total;
    char *bytes = total ? calloc(total, 1) : NULL;
    if (!bytes) {
        free(packer);
        return total ? nomem(e, diag) : OCRS_OK;
    }
    for (ir_id v = 0; v < g->nvalues; v++) {
        if (e->weight_off[v] == SIZE_MAX) continue;
        if (packer[v] != UINT32_MAX) cg_int8_pack_weights(g, &g->nodes[packer[v]], &e->m.target, bytes + e->weight_off[v]);
        else memcpy(bytes + e->weight_off[v], g->values[v].data, (size_t)ir_numel_static(&g->values[v]) * sizeof(float));
    }
    free(packer);
    LLVMValueRef init = LLVMConstStringInContext2(e->m.ctx, bytes, total, 1);
    free(bytes);
    char gname[96];
    snprintf(gname, sizeof gname, "%s__weights", e->name);
    e->weights = LLVMAddGlobal(e->m.mod, LLVMTypeOf(init), gname);
    LLVMSetInitializer(e->weights, init);
    LLVMSetGlobalConstant(e->weights, 1);
    LLVMSetLinkage(e->weights, LLVMInternalLinkage);
    LLVMSetUnnamedAddress(e->weights, LLVMGlobalUnnamedAddr);
    LLVMSetAlignment(e->weights, WEIGHT_ALIGN);
    return OCRS_OK;
}

static LLVMValueRef weight_ptr(emitter *e, ir_id v) {
    LLVMValueRef off = LLVMConstInt(e->m.i64, e->weight_off[v], 0);
    return LLVMConstInBoundsGEP2(LLVMInt8TypeInContext(e->m.ctx), e->weights, &off, 1);
}

/* ---- one function per distinct layer ---------------------------------------------- */

static void print_dims(FILE *f, const ir_value *v) {
    fprintf(f, "|r%d", v->rank);
    for (int i = 0; i < v->rank; i++) {
        int64_t w[OCRS_DIM_WORDS];
        ir_dim_encode(v->dims[i], w);
        for (int k = 0; k < OCRS_DIM_WORDS; k++) fprintf(f, "%c%lld", k ? ':' : ',', (long long)w[k]);
    }
}

/* Everything the emitted code depends on: op, every attribute (from the
 * attribute table, so a new one cannot be missed) and the shapes. Weights
 * are parameters, so layers that differ only in weights share code. */
static char *layer_key(const ir_graph *g, const ir_node *n) {
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f) return NULL;
    fputs(ir_ops[n->op].name, f);
    ir_attrs_key(&n->attrs, f);
    for (uint32_t j = 0; j < n->ninputs; j++) {
        if (n->inputs[j] == IR_NONE) fputs("|-", f);
        else print_dims(f, &g->values[n->inputs[j]]);
    }
    print_dims(f, &g->values[n->output]);
    if (fclose(f) != 0) {
        free(buf);
        return NULL;
    }
    return buf;
}

static void add_attr(cg_module *m, LLVMValueRef fn, unsigned idx, const char *kind) {
    unsigned k = LLVMGetEnumAttributeKindForName(kind, strlen(kind));
    OCRS_ASSERT(k != 0);
    LLVMAddAttributeAtIndex(fn, idx, LLVMCreateEnumAttribute(m->ctx, k, 0));
}

static void add_function_attrs(emitter *e, LLVMValueRef fn) {
    add_attr(&e->m, fn, LLVMAttributeFunctionIndex, "nounwind");
    for (int i = 0; i < 2; i++) LLVMAddAttributeAtIndex(fn, LLVMAttributeFunctionIndex, e->target_attrs[i]);
}

static void (*const emitters[IR_OP_COUNT])(cg_fn *) = {
#define OP(id, name, min_in, max_in, flags, attrs, shape, interp, emit, flops, chan) [IR_OP_##id] = emit_##emit,
#include "ops.def"
#undef OP
};

/* The function computing node i: an existing one with the same key, or a
 * new one. Signature: (ptr in..., ptr out, i64 height, i64 width). */
static ocrs_status layer_function(emitter *e, uint32_t i, LLVMValueRef *fn_out, ocrs_diag *diag) {
    const ir_node *n = &e->g->nodes[i];
    char *key = layer_key(e->g, n);
    if (!key) return nomem(e, diag);
    for (uint32_t k = 0; k < e->nfns; k++)
        if (strcmp(e->fns[k].key, key) == 0) {
            free(key);
            *fn_out = e->fns[k].fn;
            return OCRS_OK;
        }
    cg_module *m = &e->m;
    /* inputs, output, then units, tid, nthreads */
    LLVMTypeRef *params = malloc(sizeof *params * (n->ninputs + 4));
    LLVMValueRef *in = malloc(sizeof *in * (n->ninputs + 1));
    if (!params || !in) {
        free(params);
        free(in);
        free(key);
        return nomem(e, diag);
    }
    unsigned np = 0;
    for (uint32_t j = 0; j < n->ninputs; j++)
        if (n->inputs[j] != IR_NONE) params[np++] = m->ptr;
    params[np++] = m->ptr;
    params[np++] = m->ptr;
    params[np++] = m->i64;
    params[np++] = m->i64;
    char fname[64];
    snprintf(fname, sizeof fname, "%s.%u", ir_ops[n->op].name, e->nfns);
    LLVMValueRef fn = LLVMAddFunction(m->mod, fname, LLVMFunctionType(m->vd, params, np, 0));
    free(params);
    LLVMSetLinkage(fn, LLVMInternalLinkage);
    add_function_attrs(e, fn);
    /* Kept out of line so that shared layers stay shared and the optimiser
     * works on small functions. */
    add_attr(m, fn, LLVMAttributeFunctionIndex, "noinline");
    for (unsigned p = 0; p + 3 < np; p++) add_attr(m, fn, p + 1, "noalias");

    cg_fn f = {.m = m, .b = m->b, .g = e->g, .node = n, .fn = fn, .in = in, .out_levels = e->plan->levels[n->output]};
    if (n->ninputs && n->inputs[0] != IR_NONE) f.in_levels = e->plan->levels[n->inputs[0]];
    unsigned p = 0;
    for (uint32_t j = 0; j < n->ninputs; j++) in[j] = n->inputs[j] == IR_NONE ? NULL : LLVMGetParam(fn, p++);
    f.out = LLVMGetParam(fn, p++);
    LLVMValueRef units = LLVMGetParam(fn, p++);
    f.tid = LLVMGetParam(fn, p++);
    f.nthreads = LLVMGetParam(fn, p);
    LLVMPositionBuilderAtEnd(m->b, LLVMAppendBasicBlockInContext(m->ctx, fn, "entry"));
    /* Every symbol's units, loaded once; the optimiser drops unused ones. */
    for (int s = 0; s < e->g->nsyms; s++) {
        LLVMValueRef idx = LLVMConstInt(m->i64, (unsigned long long)s, 0);
        f.units[s] = LLVMBuildLoad2(m->b, m->i64, LLVMBuildInBoundsGEP2(m->b, m->i64, units, &idx, 1, ""),
                                    e->g->syms[s].name);
    }
    emitters[n->op](&f);
    LLVMBuildRetVoid(m->b);
    free(in);

    layer_fn *grown = realloc(e->fns, sizeof(layer_fn) * (e->nfns + 1));
    if (!grown) {
        free(key);
        return nomem(e, diag);
    }
    e->fns = grown;
    e->fns[e->nfns++] = (layer_fn){key, fn};
    *fn_out = fn;
    return OCRS_OK;
}

/* ---- entry point and buffer table ------------------------------------------------- */

/* void <name>__run(ptr bufs, ptr units, i64 tid, i64 nthreads, ptr pool):
 * every needed node in order, each on the buffers the plan gave it, with
 * <pool>__barrier(pool) after each so the next layer reads complete inputs
 * (<pool> is the model's name, or its OCR system's, whose pool it shares).
 * Every thread of the pool runs it. */
static ocrs_status emit_run(emitter *e, ocrs_diag *diag) {
    cg_module *m = &e->m;
    const ir_graph *g = e->g;
    LLVMTypeRef params[5] = {m->ptr, m->ptr, m->i64, m->i64, m->ptr};
    char fname[96];
    snprintf(fname, sizeof fname, "%s__run", e->name);
    LLVMValueRef run = LLVMAddFunction(m->mod, fname, LLVMFunctionType(m->vd, params, 5, 0));
    LLVMSetVisibility(run, LLVMHiddenVisibility);
    add_function_attrs(e, run);
    snprintf(fname, sizeof fname, "%s__barrier", e->pool);
    LLVMTypeRef barrier_type = LLVMFunctionType(m->vd, &m->ptr, 1, 0);
    LLVMValueRef barrier = LLVMAddFunction(m->mod, fname, barrier_type);
    LLVMSetVisibility(barrier, LLVMHiddenVisibility);
    LLVMValueRef pool = LLVMGetParam(run, 4);
    LLVMValueRef *bufs = malloc(sizeof(LLVMValueRef) * e->plan->nbufs);
    if (!bufs) return nomem(e, diag);
    /* Layer functions are created between the calls; build the calls with a
     * builder of their own. */
    LLVMBuilderRef b = LLVMCreateBuilderInContext(m->ctx);
    LLVMPositionBuilderAtEnd(b, LLVMAppendBasicBlockInContext(m->ctx, run, "entry"));
    for (uint32_t k = 0; k < e->plan->nbufs; k++) {
        LLVMValueRef idx = LLVMConstInt(m->i64, k, 0);
        LLVMValueRef slot = LLVMBuildInBoundsGEP2(b, m->ptr, LLVMGetParam(run, 0), &idx, 1, "");
        bufs[k] = LLVMBuildLoad2(b, m->ptr, slot, g->values[e->plan->value_of_buf[k]].name);
    }
    ocrs_status st = OCRS_OK;
    for (uint32_t i = 0; i < g->nnodes && !st; i++) {
        if (!e->plan->needed[i] || cg_plan_is_alias(g, e->plan, i)) continue;
        const ir_node *n = &g->nodes[i];
        LLVMValueRef fn = NULL;
        st = layer_function(e, i, &fn, diag);
        if (st) break;
        LLVMValueRef *args = malloc(sizeof *args * (n->ninputs + 4));
        if (!args) {
            st = nomem(e, diag);
            break;
        }
        unsigned na = 0;
        for (uint32_t j = 0; j < n->ninputs; j++) {
            ir_id v = n->inputs[j];
            if (v == IR_NONE) continue;
            args[na++] = ir_is_weight(&g->values[v]) ? weight_ptr(e, v) : bufs[e->plan->buf_of_value[v]];
        }
        args[na++] = bufs[e->plan->buf_of_value[n->output]];
        for (unsigned k = 1; k <= 3; k++) args[na++] = LLVMGetParam(run, k);
        LLVMBuildCall2(b, LLVMGlobalGetValueType(fn), fn, args, na, "");
        free(args);
        LLVMBuildCall2(b, barrier_type, barrier, &pool, 1, "");
    }
    LLVMBuildRetVoid(b);
    LLVMDisposeBuilder(b);
    free(bufs);
    return st;
}

bool cg_is_detector(const ir_graph *g) {
    int n, h, w;
    if (!ir_image_syms(g, &n, &h, &w)) return false;
    const ir_value *x = &g->values[g->inputs[0]], *y = &g->values[g->outputs[0]];
    return x->dims[1].q == 3 && y->rank == 4 && ir_dim_static(y->dims[1]) && ir_dim_equal(y->dims[2], x->dims[2]) &&
           ir_dim_equal(y->dims[3], x->dims[3]);
}

/* const int64_t <name>__model[]: the layout runtime/core/ocrs_model.h
 * defines. */
static ocrs_status emit_model_table(emitter *e, ocrs_diag *diag) {
    const cg_plan *p = e->plan;
    const ir_graph *g = e->g;
    size_t nio = g->ninputs + g->noutputs;
    size_t n = OCRS_MODEL_HEADER + (size_t)g->nsyms * OCRS_SYM_WORDS + nio + (size_t)p->nbufs * OCRS_BUF_WORDS;
    LLVMValueRef *vals = malloc(sizeof(LLVMValueRef) * n);
    int64_t *t = calloc(n, sizeof(int64_t));
    if (!vals || !t) {
        free(vals);
        free(t);
        return nomem(e, diag);
    }
    t[OCRS_MODEL_VERSION_AT] = OCRS_MODEL_VERSION;
    t[OCRS_MODEL_NSYMS] = g->nsyms;
    t[OCRS_MODEL_NINPUTS] = g->ninputs;
    t[OCRS_MODEL_NOUTPUTS] = g->noutputs;
    t[OCRS_MODEL_NBUFS] = p->nbufs;
    t[OCRS_MODEL_NSLOTS] = p->nslots;
    int in, ih, iw;
    bool image = ir_image_syms(g, &in, &ih, &iw);
    t[OCRS_MODEL_IMAGE_N] = image ? in : -1;
    t[OCRS_MODEL_IMAGE_H] = image ? ih : -1;
    t[OCRS_MODEL_IMAGE_W] = image ? iw : -1;
    for (int s = 0; s < g->nsyms; s++) {
        int64_t *r = &t[OCRS_MODEL_HEADER + (size_t)s * OCRS_SYM_WORDS];
        const ir_symbol *y = &g->syms[s];
        r[OCRS_SYM_ALIGN] = y->align;
        r[OCRS_SYM_MIN] = y->min;
        r[OCRS_SYM_MAX] = y->max;
        r[OCRS_SYM_BASE] = y->derived ? y->base : -1;
        r[OCRS_SYM_BCOEF] = y->bcoef;
        r[OCRS_SYM_BADD] = y->badd;
        r[OCRS_SYM_BDIV] = y->bdiv;
    }
    int64_t *io = &t[OCRS_MODEL_HEADER + (size_t)g->nsyms * OCRS_SYM_WORDS];
    for (uint32_t i = 0; i < g->ninputs; i++) io[i] = p->buf_of_value[g->inputs[i]];
    for (uint32_t i = 0; i < g->noutputs; i++) io[g->ninputs + i] = p->buf_of_value[g->outputs[i]];
    for (uint32_t b = 0; b < p->nbufs; b++) {
        const ir_value *v = &g->values[p->value_of_buf[b]];
        int64_t *r = io + nio + (size_t)b * OCRS_BUF_WORDS;
        r[OCRS_BUF_SLOT] = p->slot_of_buf[b];
        r[OCRS_BUF_ELEM] = cg_plan_elem_bytes(p, p->value_of_buf[b]);
        r[OCRS_BUF_RANK] = v->rank;
        for (int i = 0; i < v->rank; i++) ir_dim_encode(v->dims[i], &r[OCRS_BUF_DIMS + i * OCRS_DIM_WORDS]);
    }
    for (size_t i = 0; i < n; i++) vals[i] = LLVMConstInt(e->m.i64, (unsigned long long)t[i], 1);
    LLVMValueRef init = LLVMConstArray2(e->m.i64, vals, n);
    char gname[96];
    snprintf(gname, sizeof gname, "%s__model", e->name);
    LLVMValueRef gv = LLVMAddGlobal(e->m.mod, LLVMTypeOf(init), gname);
    LLVMSetInitializer(gv, init);
    LLVMSetGlobalConstant(gv, 1);
    LLVMSetVisibility(gv, LLVMHiddenVisibility);
    free(vals);
    free(t);
    return OCRS_OK;
}

/* ---- driver ------------------------------------------------------------------------- */

static void module_init(cg_module *m, const char *name) {
    m->ctx = LLVMContextCreate();
    m->mod = LLVMModuleCreateWithNameInContext(name, m->ctx);
    m->b = LLVMCreateBuilderInContext(m->ctx);
    m->i64 = LLVMInt64TypeInContext(m->ctx);
    m->f32 = LLVMFloatTypeInContext(m->ctx);
    m->f64 = LLVMDoubleTypeInContext(m->ctx);
    m->ptr = LLVMPointerTypeInContext(m->ctx, 0);
    m->vd = LLVMVoidTypeInContext(m->ctx);
}

static void module_free(cg_module *m) {
    if (m->b) LLVMDisposeBuilder(m->b);
    if (m->mod) LLVMDisposeModule(m->mod);
    if (m->ctx) LLVMContextDispose(m->ctx);
}

static void target_attrs(emitter *e, cg_target tm) {
    char *cpu = LLVMGetTargetMachineCPU(tm), *features = LLVMGetTargetMachineFeatureString(tm);
    e->target_attrs[0] = LLVMCreateStringAttribute(e->m.ctx, "target-cpu", 10, cpu, (unsigned)strlen(cpu));
    e->target_attrs[1] =
        LLVMCreateStringAttribute(e->m.ctx, "target-features", 15, features, (unsigned)strlen(features));
    LLVMDisposeMessage(cpu);
    LLVMDisposeMessage(features);
}

ocrs_status ocrs_codegen(const ir_graph *g, const ocrs_codegen_opts *opts, ocrs_diag *diag) {
    if (!opts || !opts->output || !opts->output[0])
        return ocrs_fail(diag, OCRS_ERR_USAGE, "code generation: no output path");
    ocrs_diag why;
    if (ocrs_check_name(opts->name, &why)) return ocrs_fail(diag, OCRS_ERR_USAGE, "code generation: %s", why.msg);
    ocrs_status st = ir_verify(g, diag);
    if (!st) st = ir_verify_constant_params(g, diag);
    if (st) return st;
    double t0 = now_ms();
    emitter e = {.g = g, .name = opts->name, .pool = opts->system ? opts->system : opts->name};
    cg_plan plan;
    st = cg_plan_build(g, &plan, diag);
    if (st) return st;
    e.plan = &plan;
    cg_target tm = NULL;
    st = cg_target_create(opts, &tm, diag);
    if (!st) {
        module_init(&e.m, opts->name);
        e.m.target = cg_target_describe(tm);
        target_attrs(&e, tm);
        char *triple = LLVMGetTargetMachineTriple(tm);
        LLVMSetTarget(e.m.mod, triple);
        LLVMDisposeMessage(triple);
        LLVMTargetDataRef layout = LLVMCreateTargetDataLayout(tm);
        LLVMSetModuleDataLayout(e.m.mod, layout);
        LLVMDisposeTargetData(layout);
        st = emit_weights(&e, diag);
    }
    if (!st) st = emit_run(&e, diag);
    if (!st) st = emit_model_table(&e, diag);
    if (!st && opts->verbose)
        fprintf(stderr, "codegen: %u layer functions, %u buffers in %u slots, %zu weight bytes (%.0f ms)\n", e.nfns,
                plan.nbufs, plan.nslots, e.weight_bytes, now_ms() - t0);
    if (!st) st = cg_optimize(&e.m, tm, opts, diag);
    if (!st) st = cg_write_outputs(&e.m, tm, g, &plan, e.weight_bytes, opts, diag);
    module_free(&e.m);
    if (tm) LLVMDisposeTargetMachine(tm);
    for (uint32_t k = 0; k < e.nfns; k++) free(e.fns[k].key);
    free(e.fns);
    free(e.weight_off);
    cg_plan_free(&plan);
    return st;
}
