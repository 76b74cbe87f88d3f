/* A string-keyed hash map to uint32_t (open addressing, linear probing),
 * for name lookups that would otherwise be linear scans: value names in a
 * graph, node outputs in the importer. Keys are not copied: they must
 * outlive the map. */
#ifndef OCRS_STRMAP_H
#define OCRS_STRMAP_H

#include <stdbool.h>
#include <stdint.h>

#define OCRS_STRMAP_NONE UINT32_MAX

typedef struct {
    const char **keys; /* NULL: empty slot */
    uint32_t *vals;
    uint32_t cap, count; /* cap: a power of two, at least twice count */
} ocrs_strmap;

/* The value of key, or OCRS_STRMAP_NONE. */
uint32_t ocrs_strmap_get(const ocrs_strmap *m, const char *key);
/* Adds key -> val unless key is there already (the old value stays).
 * Returns 1 when added, 0 when the key was there, -1 when out of memory. */
int ocrs_strmap_put(ocrs_strmap *m, const char *key, uint32_t val);
/* Empties the map, keeping its memory. */
void ocrs_strmap_clear(ocrs_strmap *m);
void ocrs_strmap_free(ocrs_strmap *m);

#endif
