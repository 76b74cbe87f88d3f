/* flops: floating-point operations of one forward pass of an ONNX model,
 * after the canonical passes (so what the generated code computes): 2 per
 * multiply-add of every Conv and ConvTranspose, 1 per element of every other
 * op. For the benches.
 *
 *   flops MODEL.onnx HEIGHT WIDTH        a model of one image input
 *   flops MODEL.onnx [SYMBOL=VALUE...]   any model; other symbols at their
 *                                        typical values
 * prints the count. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frontend.h"
#include "passes.h"
#include "pipeline.h"

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: flops MODEL.onnx [HEIGHT WIDTH | SYMBOL=VALUE...]\n");
        return 2;
    }
    ocrs_diag diag = {0};
    ir_graph *g = NULL;
    if (ocrs_import_onnx(argv[1], NULL, &g, &diag) || ocrs_canonicalize(g, NULL, &diag)) {
        fprintf(stderr, "flops: %s\n", diag.msg);
        return 1;
    }
    int64_t sizes[IR_MAX_SYMS], units[IR_MAX_SYMS];
    for (int s = 0; s < g->nsyms; s++) sizes[s] = g->syms[s].ref;
    int n, h, w;
    if (argc == 4 && !strchr(argv[2], '=') && ir_image_syms(g, &n, &h, &w)) {
        ir_image_sizes(g, atoll(argv[2]), atoll(argv[3]), sizes);
    } else {
        for (int i = 2; i < argc; i++) {
            const char *eq = strchr(argv[i], '=');
            char name[64];
            snprintf(name, sizeof name, "%.*s", eq ? (int)(eq - argv[i]) : 0, argv[i]);
            int s = eq ? ir_find_symbol(g, name) : -1;
            if (s < 0) {
                fprintf(stderr, "flops: '%s' is not SYMBOL=VALUE of a symbol of the model\n", argv[i]);
                return 2;
            }
            sizes[s] = atoll(eq + 1);
        }
    }
    ir_graph_units(g, sizes, units);
    printf("%.0f\n", ocrs_graph_flops(g, units));
    ir_graph_free(g);
    return 0;
}
