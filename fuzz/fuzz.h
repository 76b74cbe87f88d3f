/* What the fuzz targets share: a private scratch folder for the readers that
 * take a path, a way to report a broken property, and a reader for
 * structured inputs. Linked into the libFuzzer targets and into the plain
 * replay programs (replay.c) alike. */
#ifndef OCRS_FUZZ_H
#define OCRS_FUZZ_H

#include <stddef.h>
#include <stdint.h>

/* <scratch folder>/name; the folder is made on first use and removed with
 * what fuzz_write put there at exit. The string lives until exit. */
const char *fuzz_path(const char *name);
/* Writes size bytes to path; aborts on failure (then the harness broke, not
 * the code under test). */
void fuzz_write(const char *path, const uint8_t *data, size_t size);
/* The file's bytes in a malloc'ed buffer of exactly their size (so ASan
 * sees reads past the end), or NULL. */
uint8_t *fuzz_read(const char *path, size_t *size);
/* Reports a property the code under test broke and aborts, so that
 * libFuzzer keeps the input as a crash. */
_Noreturn void fuzz_fail(const char *what, const char *detail);

/* Fixed-size fields taken from the front of an input; zeros once it runs
 * out, so every input is a valid one. */
typedef struct {
    const uint8_t *p;
    size_t n;
} fuzz_input;
unsigned fuzz_u8(fuzz_input *in);
unsigned fuzz_u16(fuzz_input *in);

#endif
