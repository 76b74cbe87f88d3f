/* SHA-256 (FIPS 180-4), for the keys of ocrslimc's caches: a key must
 * change whenever the model, the images or a setting does. */
#ifndef OCRS_DRIVER_SHA256_H
#define OCRS_DRIVER_SHA256_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint32_t h[8];
    uint64_t bytes;
    unsigned char block[64];
} sha256_ctx;

void sha256_init(sha256_ctx *c);
void sha256_update(sha256_ctx *c, const void *data, size_t n);
/* Adds the contents of a file; false when it cannot be read (nothing added
 * then but its absence, which still changes the key). */
bool sha256_file(sha256_ctx *c, const char *path);
/* The digest as 64 lowercase hex digits and a NUL. */
void sha256_hex(sha256_ctx *c, char out[65]);

#endif
