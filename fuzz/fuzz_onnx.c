/* fuzz_onnx: bytes -> the ONNX importer (shapes inferred node by node) ->
 * ir_verify -> the canonical passes, verified after each -> ir_verify ->
 * the ONNX writer -> the importer and the passes again.
 *
 * Any error status is a fine answer to a bad model. Bugs are crashes,
 * sanitizer reports and leaks, and these broken promises: the importer
 * returns a graph the verifier rejects (frontend.h promises a verified
 * graph), a pass leaves one (the pipeline's verify_each), or the writer
 * writes a model our own importer refuses.
 *
 * The model "lives" in a scratch folder holding ext.bin, so external data
 * (location "ext.bin", as in the external_ok seed) is read too. */
#define _GNU_SOURCE /* open_memstream */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frontend.h"
#include "fuzz.h"
#include "pipeline.h"

static const char *model_path;

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc, (void)argv;
    /* 1024 small floats, enough for the seeds' external tensors. */
    static float ext[1024];
    for (int i = 0; i < 1024; i++) ext[i] = (float)(i % 13 - 6) * 0.05f;
    fuzz_write(fuzz_path("ext.bin"), (const uint8_t *)ext, sizeof ext);
    model_path = fuzz_path("model.onnx");
    return 0;
}

/* The canonical passes and the verifier; false when a pass refused the
 * graph with an error of its own (fine), aborts when the verifier rejects
 * what a pass left. */
static bool canonicalize(ir_graph *g, const char *when) {
    ocrs_diag diag = {{0}};
    ocrs_pipeline_opts o = {.verify_each = true};
    if (ocrs_canonicalize(g, &o, &diag)) {
        if (strncmp(diag.msg, "after pass ", 11) == 0) fuzz_fail(when, diag.msg);
        return false;
    }
    if (ir_verify(g, &diag)) fuzz_fail(when, diag.msg);
    return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    ocrs_diag diag = {{0}};
    ir_graph *g = NULL;
    if (ocrs_import_onnx_buffer(data, size, model_path, &g, &diag)) return 0;
    if (ir_verify(g, &diag)) fuzz_fail("the importer returned a graph the verifier rejects", diag.msg);
    if (!canonicalize(g, "the canonical passes left a graph the verifier rejects")) {
        ir_graph_free(g);
        return 0;
    }
    char *onnx = NULL;
    size_t onnx_size = 0;
    FILE *out = open_memstream(&onnx, &onnx_size);
    if (!out) fuzz_fail("open_memstream", "out of memory");
    ocrs_status st = ocrs_write_onnx(g, out, model_path, &diag);
    fclose(out);
    ir_graph_free(g);
    if (st) fuzz_fail("the ONNX writer failed on a canonical graph", diag.msg);
    g = NULL;
    if (ocrs_import_onnx_buffer((const uint8_t *)onnx, onnx_size, model_path, &g, &diag))
        fuzz_fail("the importer refuses what the ONNX writer wrote", diag.msg);
    free(onnx);
    canonicalize(g, "the canonical passes left a graph the verifier rejects (written and read back)");
    ir_graph_free(g);
    return 0;
}
