/* The compiler's path from ONNX bytes to the canonical graph, with every
 * promise along it checked; shared by fuzz_onnx (any bytes) and fuzz_graph
 * (models built from the input, also compared through the interpreter). */
#ifndef OCRS_FUZZ_MODEL_CHECK_H
#define OCRS_FUZZ_MODEL_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Makes the scratch folder the model "lives" in, with ext.bin (1024 small
 * floats) for external data. */
void model_check_init(void);

/* bytes -> the importer (shapes inferred node by node) -> ir_verify -> the
 * canonical passes, verified after each -> ir_verify -> the FLOPs count ->
 * the ONNX writer -> the importer and the passes again. Any error status is a fine answer to
 * a bad model; aborts (fuzz_fail) when the importer returns a graph the
 * verifier rejects (frontend.h promises a verified one), a pass leaves one
 * (the pipeline's verify_each), or the writer writes a model our own
 * importer refuses. With compare, a model that imports must also compute
 * the same output through the interpreter (ir/interp.c) before and after
 * the passes, at 32x32 (when that costs at most 5e7 FLOPs and 4 MB a value). */
void model_check(const uint8_t *data, size_t size, bool compare);

#endif
