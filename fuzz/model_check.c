/* See model_check.h. */
#define _GNU_SOURCE /* open_memstream */
#include "model_check.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frontend.h"
#include "fuzz.h"
#include "interp.h"
#include "passes.h"
#include "pipeline.h"

/* The interpreter runs the models at SIDE x SIDE, unless that takes more
 * than MAX_FLOPS or a value more than MAX_ELEMS floats: valid models may
 * upsample 1024x, and the imported graph still holds its dead branches. */
enum { SIDE = 32, MAX_ELEMS = 1 << 20 };
#define MAX_FLOPS 5e7

static const char *model_path;

void model_check_init(void) {
    static float ext[1024];
    for (int i = 0; i < 1024; i++) ext[i] = (float)(i % 13 - 6) * 0.05f;
    fuzz_write(fuzz_path("ext.bin"), (const uint8_t *)ext, sizeof ext);
    model_path = fuzz_path("model.onnx");
}

/* The canonical passes and the verifier; false when a pass refused the
 * graph with an error of its own (fine). */
static bool run_passes(ir_graph *g, const char *when) {
    ocrs_diag diag = {0};
    ocrs_pipeline_opts o = {.verify_each = true};
    if (ocrs_canonicalize(g, &o, &diag)) {
        if (strncmp(diag.msg, "after pass ", 11) == 0) fuzz_fail(when, diag.msg);
        return false;
    }
    if (ir_verify(g, &diag)) fuzz_fail(when, diag.msg);
    return true;
}

/* Every symbol at its smallest value of at least SIDE for an image's H
 * and W, else its minimum (each a multiple of its alignment in its range);
 * and their units. */
static void side_sizes(const ir_graph *g, int64_t *sizes, int64_t *units) {
    int n = -1, h = -1, w = -1;
    ir_image_syms(g, &n, &h, &w);
    for (int s = 0; s < g->nsyms; s++) {
        const ir_symbol *y = &g->syms[s];
        int64_t want = s == h || s == w ? SIDE : y->min;
        int64_t v = (want + y->align - 1) / y->align * y->align;
        sizes[s] = v < y->min ? y->min : v > y->max ? y->max : v;
    }
    ir_graph_units(g, sizes, units);
}

static bool affordable(const ir_graph *g) {
    int64_t sizes[IR_MAX_SYMS], units[IR_MAX_SYMS];
    side_sizes(g, sizes, units);
    if (ocrs_graph_flops(g, units) > MAX_FLOPS) return false;
    for (ir_id v = 0; v < g->nvalues; v++)
        if (!ir_is_weight(&g->values[v]) && ir_numel(&g->values[v], units) > MAX_ELEMS) return false;
    return true;
}

/* Every output of g at the side sizes on fixed inputs, one after the
 * other, malloc'ed; NULL when the interpreter refuses the graph. */
static float *interpret(const ir_graph *g, int64_t *n_out) {
    int64_t sizes[IR_MAX_SYMS], units[IR_MAX_SYMS], at[IR_MAX_IO + 1] = {0}, nin = 0;
    side_sizes(g, sizes, units);
    for (uint32_t i = 0; i < g->ninputs; i++) nin += ir_numel(&g->values[g->inputs[i]], units);
    for (uint32_t o = 0; o < g->noutputs; o++) at[o + 1] = at[o] + ir_numel(&g->values[g->outputs[o]], units);
    int64_t n = at[g->noutputs];
    float *in = nin <= MAX_ELEMS * (int64_t)IR_MAX_IO ? malloc((size_t)(nin ? nin : 1) * sizeof *in) : NULL;
    float *out = n > 0 && n <= 1 << 24 ? malloc((size_t)n * sizeof *out) : NULL;
    const float *ins[IR_MAX_IO];
    float *outs[IR_MAX_IO];
    ocrs_diag diag = {0};
    bool ok = in && out;
    for (int64_t i = 0; ok && i < nin; i++) in[i] = sinf((float)i * 0.37f) + 0.25f * cosf((float)i * 0.011f);
    for (uint32_t i = 0, k = 0; ok && i < g->ninputs; k += (uint32_t)ir_numel(&g->values[g->inputs[i]], units), i++)
        ins[i] = in + k;
    for (uint32_t o = 0; ok && o < g->noutputs; o++) outs[o] = out + at[o];
    ok = ok && !ir_interp_run(g, ins, sizes, outs, &diag);
    free(in);
    if (!ok) {
        free(out);
        return NULL;
    }
    *n_out = n;
    return out;
}

/* The canonical graph computes what the imported one does, up to rounding:
 * within 1e-3 of the reference's magnitude per element, plus 1e-4 of the
 * output's. Outputs that overflow towards infinity compare nothing. */
static void compare_outputs(const ir_graph *before, const ir_graph *after) {
    int64_t n0 = 0, n1 = 0;
    float *ref = affordable(before) ? interpret(before, &n0) : NULL;
    float *got = ref ? interpret(after, &n1) : NULL;
    if (ref && !got) fuzz_fail("the interpreter runs the imported graph but not the canonical one", "");
    if (ref && n0 != n1) fuzz_fail("the canonical graph's output has another size", "");
    double scale = 1;
    for (int64_t i = 0; ref && i < n0; i++) scale = isfinite(ref[i]) ? fmax(scale, fabs(ref[i])) : INFINITY;
    for (int64_t i = 0; ref && scale < 1e6 && i < n0; i++)
        if (!(fabs((double)got[i] - ref[i]) <= 1e-4 * scale + 1e-3 * fabs(ref[i]))) {
            char d[160];
            snprintf(d, sizeof d, "output element %lld: %.9g before the passes, %.9g after (scale %g)", (long long)i,
                     ref[i], got[i], scale);
            fuzz_fail("the canonical passes changed what the graph computes", d);
        }
    free(ref);
    free(got);
}

void model_check(const uint8_t *data, size_t size, bool compare) {
    ocrs_diag diag = {0};
    ir_graph *g = NULL, *before = NULL;
    if (ocrs_import_onnx_buffer(data, size, model_path, NULL, &g, &diag)) return;
    if (ir_verify(g, &diag)) fuzz_fail("the importer returned a graph the verifier rejects", diag.msg);
    if (compare && ocrs_import_onnx_buffer(data, size, model_path, NULL, &before, &diag))
        fuzz_fail("the same bytes imported once but not twice", diag.msg);
    if (!run_passes(g, "the canonical passes left a graph the verifier rejects")) {
        ir_graph_free(g);
        ir_graph_free(before);
        return;
    }
    /* The FLOPs at the symbols' reference sizes, as ocrslimc info and the
     * pruning count them. */
    ocrs_graph_flops(g, NULL);
    if (compare) compare_outputs(before, g);
    ir_graph_free(before);
    char *onnx = NULL;
    size_t onnx_size = 0;
    FILE *out = open_memstream(&onnx, &onnx_size);
    if (!out) fuzz_fail("open_memstream", "out of memory");
    ocrs_status st = ocrs_write_onnx(g, out, model_path, &diag);
    fclose(out);
    ir_graph_free(g);
    if (st) fuzz_fail("the ONNX writer failed on a canonical graph", diag.msg);
    g = NULL;
    if (ocrs_import_onnx_buffer((const uint8_t *)onnx, onnx_size, model_path, NULL, &g, &diag))
        fuzz_fail("the importer refuses what the ONNX writer wrote", diag.msg);
    free(onnx);
    run_passes(g, "the canonical passes left a graph the verifier rejects (written and read back)");
    ir_graph_free(g);
}
