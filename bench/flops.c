/* flops: floating-point operations of one forward pass of an ONNX model at a
 * given size, after the canonical passes (so what the generated code
 * computes): 2 per multiply-add of every Conv and ConvTranspose, 1 per
 * element of every other op. For bench/run.sh.
 *
 *   flops MODEL.onnx HEIGHT WIDTH      prints the count */
#include <stdio.h>
#include <stdlib.h>

#include "frontend.h"
#include "passes.h"
#include "pipeline.h"

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: flops MODEL.onnx HEIGHT WIDTH\n");
        return 2;
    }
    int64_t h = atoll(argv[2]), w = atoll(argv[3]);
    ocrs_diag diag = {0};
    ir_graph *g = NULL;
    if (ocrs_import_onnx(argv[1], &g, &diag) || ocrs_canonicalize(g, NULL, &diag)) {
        fprintf(stderr, "flops: %s\n", diag.msg);
        return 1;
    }
    double total = ocrs_graph_flops(g, h, w);
    printf("%.0f\n", total);
    ir_graph_free(g);
    return 0;
}
