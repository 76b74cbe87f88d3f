/* flops: floating-point operations of one forward pass of an ONNX model,
 * after the canonical passes (so what the generated code computes), as
 * passes/prune.c counts them (ir/ops.def's flops column). For the benches.
 *
 *   flops MODEL.onnx NxCxHxW [--dim NAME=VALUE]...
 *
 * The model's one input has those dims; --dim fixes a symbol as ocrslimc's
 * does (for a model compiled that way). Prints the count. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frontend.h"
#include "passes.h"
#include "pipeline.h"

int main(int argc, char **argv) {
    int64_t d[4];
    ocrs_dim_setting set[16];
    int nset = 0;
    bool ok = argc >= 3 && sscanf(argv[2], "%" SCNd64 "x%" SCNd64 "x%" SCNd64 "x%" SCNd64, &d[0], &d[1], &d[2],
                                  &d[3]) == 4;
    for (int i = 3; ok && i < argc; i++) {
        const char *eq = i + 1 < argc && !strcmp(argv[i], "--dim") ? strchr(argv[++i], '=') : NULL;
        ok = eq && nset < 16;
        if (ok) {
            set[nset] = (ocrs_dim_setting){
                .name = strndup(argv[i], (size_t)(eq - argv[i])), .min = atoll(eq + 1), .max = atoll(eq + 1)};
            nset++;
        }
    }
    if (!ok) {
        fprintf(stderr, "usage: flops MODEL.onnx NxCxHxW [--dim NAME=VALUE]...\n");
        return 2;
    }
    ocrs_diag diag = {0};
    ir_graph *g = NULL;
    ocrs_import_opts opts = {set, nset};
    if (ocrs_import_onnx(argv[1], &opts, &g, &diag) || ocrs_canonicalize(g, NULL, &diag)) {
        fprintf(stderr, "flops: %s\n", diag.msg);
        return 1;
    }
    const ir_value *x = &g->values[g->inputs[0]];
    if (g->ninputs != 1 || x->rank != 4) {
        fprintf(stderr, "flops: the model must have one input of rank 4\n");
        return 1;
    }
    /* An input extent is fixed or one symbol (ocrslimc makes it so). */
    int64_t sizes[IR_MAX_SYMS], units[IR_MAX_SYMS];
    for (int s = 0; s < g->nsyms; s++) sizes[s] = g->syms[s].ref;
    for (int i = 0; i < 4; i++)
        if (!ir_dim_static(x->dims[i])) sizes[__builtin_ctz(x->dims[i].t[0].mono) / 4] = d[i];
    ir_graph_units(g, sizes, units);
    printf("%.0f\n", ocrs_graph_flops(g, units));
    ir_graph_free(g);
    for (int i = 0; i < nset; i++) free((char *)set[i].name);
    return 0;
}
