/* See fuzz.h. */
#define _DEFAULT_SOURCE /* mkdtemp */
#include "fuzz.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { MAX_FILES = 8 };

static char dir[512];
static char *files[MAX_FILES];
static int nfiles;

static void remove_scratch(void) {
    for (int i = 0; i < nfiles; i++) unlink(files[i]);
    rmdir(dir);
}

const char *fuzz_path(const char *name) {
    for (int i = 0; i < nfiles; i++)
        if (strcmp(strrchr(files[i], '/') + 1, name) == 0) return files[i];
    if (!dir[0]) {
        const char *tmp = getenv("TMPDIR");
        snprintf(dir, sizeof dir, "%s/ocrs-fuzz-XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
        if (!mkdtemp(dir)) fuzz_fail("cannot make a scratch folder", dir);
        atexit(remove_scratch);
    }
    if (nfiles == MAX_FILES) fuzz_fail("too many scratch files", name);
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);
    if (!p) fuzz_fail("out of memory", name);
    snprintf(p, n, "%s/%s", dir, name);
    files[nfiles++] = p;
    return p;
}

void fuzz_write(const char *path, const uint8_t *data, size_t size) {
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0) fuzz_fail("cannot write the scratch file", path);
}

uint8_t *fuzz_read(const char *path, size_t *size) {
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

void fuzz_fail(const char *what, const char *detail) {
    fprintf(stderr, "fuzz: %s: %s\n", what, detail);
    abort();
}

unsigned fuzz_u8(fuzz_input *in) {
    if (!in->n) return 0;
    in->n--;
    return *in->p++;
}

unsigned fuzz_u16(fuzz_input *in) {
    unsigned lo = fuzz_u8(in);
    return lo | fuzz_u8(in) << 8;
}
