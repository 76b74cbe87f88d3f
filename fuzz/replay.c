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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
/* Defined by the targets that need set-up. */
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

/* The file's bytes in a buffer of their size, or NULL. */
static uint8_t *read_all(const char *path, size_t *size) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    long n = fseek(f, 0, SEEK_END) == 0 ? ftell(f) : -1;
    uint8_t *data = n >= 0 && fseek(f, 0, SEEK_SET) == 0 ? malloc(n ? (size_t)n : 1) : NULL;
    if (data && fread(data, 1, (size_t)n, f) != (size_t)n) {
        free(data);
        data = NULL;
    }
    fclose(f);
    *size = (size_t)n;
    return data;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s FILE...\n", argv[0]);
        return 2;
    }
    if (LLVMFuzzerInitialize) LLVMFuzzerInitialize(&argc, &argv);
    for (int i = 1; i < argc; i++) {
        size_t size;
        uint8_t *data = read_all(argv[i], &size);
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
