/* The sensitivity table's file, merge and selection (see sens_table.h). */
#include "sens_table.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "outfile.h"

/* A table file: the whole table (nshards 0), or shard K of N whose cells
 * measured by other shards are "~" (have[i] false). Losses print with six
 * decimals, so a table read and written again is the same bytes. */
static void table_print(FILE *f, const sens_table *t, int shard, int nshards, const bool *have) {
    fprintf(f, "# ocrslimc sensitivity table");
    if (nshards) fprintf(f, ", shard %d of %d", shard, nshards);
    fprintf(f, "\nkey: %s\nbase: %.6f\nratios: [", t->key, t->base);
    for (int r = 0; r < t->nratios; r++) fprintf(f, "%s%g", r ? ", " : "", t->ratios[r]);
    fprintf(f, "]\ngroups:\n");
    for (uint32_t gi = 0; gi < t->ngroups; gi++) {
        fprintf(f, "  - {group: %u, loss: [", gi);
        for (int r = 0; r < t->nratios; r++) {
            size_t i = gi * (size_t)t->nratios + r;
            const char *sep = r ? ", " : "";
            if (have && !have[i]) fprintf(f, "%s~", sep);
            else if (isnan(t->loss[i])) fprintf(f, "%s.nan", sep);
            else fprintf(f, "%s%.6f", sep, t->loss[i]);
        }
        fprintf(f, "]}\n");
    }
}

bool sens_table_write(const char *path, const sens_table *t, int shard, int nshards, const bool *have) {
    outfile o;
    if (!outfile_open(&o, path)) return false;
    table_print(o.f, t, shard, nshards, have);
    return outfile_commit(&o, path, true);
}

void sens_table_round(sens_table *t) {
    for (size_t i = 0; i < t->ngroups * (size_t)t->nratios; i++) {
        char text[400]; /* %.6f of the largest double: 309 digits and 7 more */
        snprintf(text, sizeof text, "%.6f", t->loss[i]);
        t->loss[i] = strtod(text, NULL);
    }
}

ocrs_status sens_table_read(const char *path, sens_table *t, int *shard, int *nshards, bool **have,
                              ocrs_diag *diag) {
    *t = (sens_table){0};
    *shard = *nshards = 0;
    *have = NULL;
    FILE *f = fopen(path, "r");
    if (!f) return ocrs_fail(diag, OCRS_ERR_IO, "%s: cannot read: %s", path, strerror(errno));
    char line[1 << 14];
    int lineno = 0, pos = 0;
    bool ok = fgets(line, sizeof line, f) && ++lineno;
    if (ok && strcmp(line, "# ocrslimc sensitivity table\n") != 0)
        ok = sscanf(line, "# ocrslimc sensitivity table, shard %d of %d\n%n", shard, nshards, &pos) == 2 &&
             *nshards > 0 && *shard >= 1 && *shard <= *nshards && !line[pos];
    ok = ok && fgets(line, sizeof line, f) && ++lineno && sscanf(line, "key: %64s", t->key) == 1 && strlen(t->key) == 64;
    ok = ok && fgets(line, sizeof line, f) && ++lineno && sscanf(line, "base: %lf", &t->base) == 1;
    ok = ok && fgets(line, sizeof line, f) && ++lineno && strncmp(line, "ratios: [", 9) == 0;
    for (char *c = line + 9; ok && *c != ']';) {
        int n = 0;
        ok = t->nratios < OCRS_PRUNE_MAX_RATIOS && sscanf(c, "%lf%n", &t->ratios[t->nratios], &n) == 1;
        t->nratios++;
        c += n;
        if (*c == ',') c += 2;
        else ok = ok && *c == ']';
    }
    ok = ok && t->nratios > 0 && fgets(line, sizeof line, f) && ++lineno && strcmp(line, "groups:\n") == 0;
    size_t cap = 0;
    while (ok && fgets(line, sizeof line, f)) {
        lineno++;
        unsigned gi;
        int n = 0;
        ok = sscanf(line, "  - {group: %u, loss: [%n", &gi, &n) == 1 && n && gi == t->ngroups;
        if (ok && (t->ngroups + 1) * (size_t)t->nratios > cap) {
            cap = 2 * cap + 64 * (size_t)t->nratios;
            double *l = realloc(t->loss, sizeof *l * cap);
            bool *h = realloc(*have, sizeof *h * cap);
            if (l) t->loss = l;
            if (h) *have = h;
            ok = l && h;
        }
        char *c = line + n;
        for (int r = 0; ok && r < t->nratios; r++) {
            size_t i = t->ngroups * (size_t)t->nratios + r;
            int k = 0;
            (*have)[i] = *c != '~';
            if (*c == '~') t->loss[i] = NAN, k = 1;
            else if (strncmp(c, ".nan", 4) == 0) t->loss[i] = NAN, k = 4;
            else ok = sscanf(c, "%lf%n", &t->loss[i], &k) == 1;
            c += k;
            if (r + 1 < t->nratios) ok = ok && strncmp(c, ", ", 2) == 0, c += 2;
        }
        ok = ok && strcmp(c, "]}\n") == 0;
        t->ngroups++;
    }
    bool err = ferror(f);
    fclose(f);
    if (ok && !err && t->ngroups) {
        if (!*nshards) free(*have), *have = NULL;
        return OCRS_OK;
    }
    free(t->loss), free(*have);
    t->loss = NULL, *have = NULL;
    return ocrs_fail(diag, OCRS_ERR_INVALID, "%s:%d: not an ocrslimc sensitivity table%s", path, lineno,
                     *nshards ? " shard" : "");
}

bool sens_table_cached(const char *path, sens_table *t) {
    sens_table c;
    int k, nk;
    bool *have;
    ocrs_diag ignored = {0};
    if (sens_table_read(path, &c, &k, &nk, &have, &ignored)) return false;
    free(have);
    bool fits = !nk && !strcmp(c.key, t->key) && c.ngroups == t->ngroups && c.nratios == t->nratios;
    if (fits) sens_table_free(t), *t = c;
    else sens_table_free(&c);
    return fits;
}

ocrs_status sens_table_merge(const char *const *paths, int n, const char *expect_key,
                               const char *(*missing)(int shard, int nshards, char *buf, size_t size),
                               sens_table *t, ocrs_diag *diag) {
    *t = (sens_table){0};
    bool *covered = NULL, *seen = NULL;
    int N = 0;
    ocrs_status st = OCRS_OK;
    for (int i = 0; !st && i < n; i++) {
        sens_table s;
        int k, nk;
        bool *have;
        if ((st = sens_table_read(paths[i], &s, &k, &nk, &have, diag))) break;
        if (!nk) st = ocrs_fail(diag, OCRS_ERR_INVALID, "%s: a whole table, not a shard", paths[i]);
        else if (expect_key && strcmp(s.key, expect_key) != 0)
            st = ocrs_fail(diag, OCRS_ERR_INVALID,
                           "%s: measured for another table (key %.12s..., this run's %.12s...: another model, "
                           "calibration set or setting); remove it or measure that shard again",
                           paths[i], s.key, expect_key);
        else if (i == 0) {
            *t = s, s.loss = NULL, N = nk;
            size_t cells = t->ngroups * (size_t)t->nratios;
            covered = calloc(cells + 1, 1), seen = calloc((size_t)N + 1, 1);
            if (!covered || !seen) st = ocrs_fail(diag, OCRS_ERR_NOMEM, "out of memory");
            for (size_t c = 0; !st && c < cells; c++) covered[c] = have[c];
            if (!st) seen[k] = true;
        } else if (strcmp(s.key, t->key) || nk != N || s.base != t->base || s.nratios != t->nratios ||
                   s.ngroups != t->ngroups || memcmp(s.ratios, t->ratios, sizeof s.ratios[0] * (size_t)s.nratios))
            st = ocrs_fail(diag, OCRS_ERR_INVALID, "%s: shard %d of %d of another table than %s's", paths[i], k, nk,
                           paths[0]);
        else if (seen[k])
            st = ocrs_fail(diag, OCRS_ERR_INVALID, "%s: shard %d of %d a second time", paths[i], k, nk);
        else {
            seen[k] = true;
            for (size_t c = 0; c < t->ngroups * (size_t)t->nratios; c++) {
                if (!have[c]) continue;
                bool same = covered[c] && (t->loss[c] == s.loss[c] || (isnan(t->loss[c]) && isnan(s.loss[c])));
                if (covered[c] && !same)
                    st = ocrs_fail(diag, OCRS_ERR_INVALID, "%s: group %zu ratio %g differs from another shard's",
                                   paths[i], c / (size_t)t->nratios, t->ratios[c % (size_t)t->nratios]);
                t->loss[c] = s.loss[c], covered[c] = true;
            }
        }
        free(s.loss);
        free(have);
    }
    for (int k = 1; !st && k <= N; k++)
        if (!seen[k]) {
            char buf[4200];
            const char *where = missing ? missing(k, N, buf, sizeof buf) : NULL;
            st = ocrs_fail(diag, OCRS_ERR_INVALID, "shard %d of %d is missing%s%s", k, N, where ? ": no " : "",
                           where ? where : "");
        }
    for (size_t c = 0; !st && c < t->ngroups * (size_t)t->nratios; c++)
        if (!covered[c])
            st = ocrs_fail(diag, OCRS_ERR_INVALID, "the shards leave group %zu ratio %g unmeasured", c / (size_t)t->nratios,
                           t->ratios[c % (size_t)t->nratios]);
    free(covered);
    free(seen);
    if (st) sens_table_free(t);
    return st;
}

ocrs_status sens_merge_files(const char *const *paths, int n, const char *output, ocrs_diag *diag) {
    sens_table t;
    ocrs_status st = sens_table_merge(paths, n, NULL, NULL, &t, diag);
    if (!st && !sens_table_write(output, &t, 0, 0, NULL))
        st = ocrs_fail(diag, OCRS_ERR_IO, "%s: cannot write: %s", output, strerror(errno));
    sens_table_free(&t);
    return st;
}

void sens_table_free(sens_table *t) {
    free(t->loss);
    t->loss = NULL;
}

void sens_select(const sens_table *t, double max_loss, double *ratio) {
    for (uint32_t gi = 0; gi < t->ngroups; gi++) {
        const double *l = t->loss + gi * t->nratios;
        ratio[gi] = 0;
        if (isnan(l[0])) continue;
        double r0 = 0, l0 = 0;
        int j = 0;
        while (j < t->nratios && l[j] <= max_loss) r0 = t->ratios[j], l0 = l[j], j++;
        if (j == t->nratios) ratio[gi] = r0;
        else if (l0 > max_loss) ratio[gi] = 0; /* max_loss < 0 and not even the first ratio gains */
        else ratio[gi] = r0 + (t->ratios[j] - r0) * (max_loss - l0) / (l[j] - l0);
    }
}
