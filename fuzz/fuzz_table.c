/* fuzz_table: bytes -> up to four sensitivity-table files (split at form
 * feeds) -> sens_table_read each, then sens_table_merge of them all
 * (driver/sens_table.c). Shards come from other machines, so every read is
 * of untrusted bytes.
 *
 * Any error is a fine answer. Beyond crashes, sanitizer reports and leaks:
 * a table read has groups and 1..OCRS_PRUNE_MAX_RATIOS ratios, cells of
 * its own shard only when it is one; what is read and written again reads
 * back to the same table and writes the same bytes a second time; and a
 * merge that succeeds covers every cell. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "sens_table.h"

enum { MAX_FILES = 4 };

static bool same_table(const sens_table *a, const sens_table *b) {
    if (a->ngroups != b->ngroups || a->nratios != b->nratios || strcmp(a->key, b->key)) return false;
    for (size_t i = 0; i < a->ngroups * (size_t)a->nratios; i++)
        if (!(isnan(a->loss[i]) && isnan(b->loss[i])) && fabs(a->loss[i] - b->loss[i]) > 5e-7) return false;
    return true;
}

/* t (shard k of nk, have) written, read back and written again. */
static void round_trip(const sens_table *t, int k, int nk, const bool *have) {
    const char *p1 = fuzz_path("again1.yml"), *p2 = fuzz_path("again2.yml");
    if (!sens_table_write(p1, t, k, nk, have)) fuzz_fail("cannot write a table read", p1);
    sens_table u;
    int k2, nk2;
    bool *have2;
    ocrs_diag diag = {0};
    if (sens_table_read(p1, &u, &k2, &nk2, &have2, &diag)) fuzz_fail("a written table does not read", diag.msg);
    if (!same_table(t, &u) || k2 != k || nk2 != nk) fuzz_fail("a table changed on the way back", p1);
    if (!sens_table_write(p2, &u, k2, nk2, have2)) fuzz_fail("cannot write a table read", p2);
    size_t n1, n2;
    uint8_t *b1 = fuzz_read(p1, &n1), *b2 = fuzz_read(p2, &n2);
    if (!b1 || !b2) fuzz_fail("cannot read back a written table", p2);
    if (n1 != n2 || memcmp(b1, b2, n1)) fuzz_fail("a table written twice differs", p2);
    free(b1), free(b2), free(have2);
    sens_table_free(&u);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char names[MAX_FILES][16];
    const char *paths[MAX_FILES];
    int n = 0;
    for (size_t at = 0; n < MAX_FILES && at <= size;) {
        const uint8_t *ff = n + 1 < MAX_FILES && size > at ? memchr(data + at, '\f', size - at) : NULL;
        size_t len = ff ? (size_t)(ff - (data + at)) : size - at;
        snprintf(names[n], sizeof names[n], "t%d.yml", n);
        paths[n] = fuzz_path(names[n]);
        fuzz_write(paths[n], data + at, len);
        n++;
        if (!ff) break;
        at += len + 1;
    }
    for (int i = 0; i < n; i++) {
        sens_table t;
        int k, nk;
        bool *have;
        ocrs_diag diag = {0};
        if (sens_table_read(paths[i], &t, &k, &nk, &have, &diag)) continue;
        if (!t.ngroups || t.nratios < 1 || t.nratios > OCRS_PRUNE_MAX_RATIOS || !t.loss)
            fuzz_fail("a table read has no groups or a bad count of ratios", paths[i]);
        if ((nk == 0) != (have == NULL) || (nk && (k < 1 || k > nk)))
            fuzz_fail("a table read is inconsistently a shard", paths[i]);
        round_trip(&t, k, nk, have);
        free(have);
        sens_table_free(&t);
    }
    sens_table t;
    ocrs_diag diag = {0};
    if (!sens_table_merge(paths, n, NULL, NULL, &t, &diag)) {
        for (size_t i = 0; i < t.ngroups * (size_t)t.nratios; i++) (void)t.loss[i]; /* every cell readable */
        round_trip(&t, 0, 0, NULL);
        sens_table_free(&t);
    }
    return 0;
}
