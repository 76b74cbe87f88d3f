/* String-keyed hash map (see strmap.h). */
#include "strmap.h"

#include <stdlib.h>
#include <string.h>

/* FNV-1a: names are short, and probing sequences stay short at a load of
 * at most one half. */
static uint32_t hash(const char *s) {
    uint32_t h = 2166136261u;
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

/* The slot holding key, or the empty slot where it would go. */
static uint32_t slot_of(const ocrs_strmap *m, const char *key) {
    uint32_t i = hash(key) & (m->cap - 1);
    while (m->keys[i] && strcmp(m->keys[i], key) != 0) i = (i + 1) & (m->cap - 1);
    return i;
}

uint32_t ocrs_strmap_get(const ocrs_strmap *m, const char *key) {
    if (!m->cap) return OCRS_STRMAP_NONE;
    uint32_t i = slot_of(m, key);
    return m->keys[i] ? m->vals[i] : OCRS_STRMAP_NONE;
}

static bool rehash(ocrs_strmap *m, uint32_t cap) {
    const char **keys = calloc(cap, sizeof *keys);
    uint32_t *vals = malloc(sizeof *vals * cap);
    if (!keys || !vals) {
        free(keys);
        free(vals);
        return false;
    }
    ocrs_strmap old = *m;
    m->keys = keys;
    m->vals = vals;
    m->cap = cap;
    for (uint32_t i = 0; i < old.cap; i++) {
        if (!old.keys[i]) continue;
        uint32_t j = slot_of(m, old.keys[i]);
        m->keys[j] = old.keys[i];
        m->vals[j] = old.vals[i];
    }
    free(old.keys);
    free(old.vals);
    return true;
}

int ocrs_strmap_put(ocrs_strmap *m, const char *key, uint32_t val) {
    if (m->count >= UINT32_MAX / 4) return -1;
    if (2 * (m->count + 1) > m->cap && !rehash(m, m->cap ? 2 * m->cap : 64)) return -1;
    uint32_t i = slot_of(m, key);
    if (m->keys[i]) return 0;
    m->keys[i] = key;
    m->vals[i] = val;
    m->count++;
    return 1;
}

void ocrs_strmap_clear(ocrs_strmap *m) {
    if (m->cap) memset(m->keys, 0, sizeof *m->keys * m->cap);
    m->count = 0;
}

void ocrs_strmap_free(ocrs_strmap *m) {
    free(m->keys);
    free(m->vals);
    *m = (ocrs_strmap){0};
}
