/* Runs files through a fuzz target's LLVMFuzzerTestOneInput without
 * libFuzzer: ctest replays the reproducers in fuzz/regressions/<target>/
 * this way in the plain and the sanitizer builds, and it is the easy way to
 * step through one in a debugger.
 *
 *   replay_<target> FILE...
 *
 * Each input sits in a buffer of exactly its size, as libFuzzer does it,
 * so AddressSanitizer sees reads past its end. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
/* Defined by the targets that need set-up. */
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s FILE...\n", argv[0]);
        return 2;
    }
    if (LLVMFuzzerInitialize) LLVMFuzzerInitialize(&argc, &argv);
    for (int i = 1; i < argc; i++) {
        size_t size;
        uint8_t *data = fuzz_read(argv[i], &size);
        if (!data) {
            perror(argv[i]);
            return 1;
        }
        fprintf(stderr, "replay: %s (%zu bytes)\n", argv[i], size);
        LLVMFuzzerTestOneInput(data, size);
        free(data);
    }
    printf("replayed %d inputs\n", argc - 1);
    return 0;
}
