/* Every allocation that importing an ONNX model makes (protobuf decoding
 * included), failed in turn (failalloc.h): ocrs_import_onnx returns
 * OCRS_ERR_NOMEM with no graph, and importing again then succeeds. Nothing
 * may leak (LeakSanitizer checks at exit in the sanitizer build).
 *
 *   test_faults_import MODEL.onnx...   (small models: each import is run
 *                                      twice per allocation it makes) */
#include <stdio.h>

#include "failalloc.h"
#include "frontend.h"

/* Fails each allocation of importing path in turn; returns the failures. */
static int faults(const char *path) {
    int failures = 0;
    ocrs_diag diag;
    long k = 1;
    for (;; k++) {
        failalloc_arm(k);
        ir_graph *g = NULL;
        ocrs_status st = ocrs_import_onnx(path, NULL, &g, &diag);
        bool fired = failalloc_fired();
        if (fired && (st != OCRS_ERR_NOMEM || g)) {
            fprintf(stderr, "%s: allocation %ld failed: status %d (%s)\n", path, k, (int)st, st ? diag.msg : "ok");
            failures++;
        }
        ir_graph_free(g);
        if (!fired) {
            if (st) {
                fprintf(stderr, "%s: the import without failures failed: %s\n", path, diag.msg);
                failures++;
            }
            break;
        }
        if ((st = ocrs_import_onnx(path, NULL, &g, &diag)) != OCRS_OK) {
            fprintf(stderr, "%s: after allocation %ld failed, importing again failed: %s\n", path, k, diag.msg);
            failures++;
        }
        ir_graph_free(g);
    }
    printf("faults.import: %s: %ld allocations failed in turn: %s\n", path, k - 1,
           failures ? "FAILED" : "each gave OCRS_ERR_NOMEM, and importing again succeeded");
    return failures + (k < 10);
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: test_faults_import MODEL.onnx...\n");
        return 2;
    }
    int failures = 0;
    for (int i = 1; i < argc; i++) failures += faults(argv[i]);
    return failures != 0;
}
