/* fuzz_onnx: any bytes as an ONNX model through the importer, the verifier,
 * the canonical passes and the ONNX writer (model_check.h says what is
 * checked). The model "lives" in a scratch folder holding ext.bin, so
 * external data (location "ext.bin", as in the ext.onnx seed) is read too. */
#include "fuzz.h"
#include "model_check.h"

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc, (void)argv;
    model_check_init();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    model_check(data, size, false);
    return 0;
}
