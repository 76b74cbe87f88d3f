/* The sensitivity table (driver/sensitivity.c measures it): its file
 * format, read back from caches and from shards measured on other
 * machines (so every read is checked: a file that is not a table is an
 * error naming its line), the merge of shards, and the choice of ratios
 * under a loss bound. libc only, for the fuzz target fuzz_table. */
#ifndef OCRS_DRIVER_SENS_TABLE_H
#define OCRS_DRIVER_SENS_TABLE_H

#include <stdbool.h>
#include <stddef.h>

#include "prune_opts.h"

typedef struct {
    uint32_t ngroups;
    int nratios;
    double ratios[OCRS_PRUNE_MAX_RATIOS]; /* ascending */
    double base;                          /* score of the unpruned model */
    double *loss;                         /* ngroups x nratios; NAN: not measured (skipped) */
    char key[65];                         /* SHA-256 of everything the losses depend on */
} sens_table;

void sens_table_free(sens_table *t);

/* Writes t to path (temp file + rename): the whole table (nshards 0), or
 * shard `shard` of nshards, whose cells with have[i] false are another
 * shard's. Losses print with six decimals, so a table read and written
 * again is the same bytes. false (errno) when it cannot. */
bool sens_table_write(const char *path, const sens_table *t, int shard, int nshards, const bool *have);
/* t's losses as its file holds them (six decimals), so that a run that
 * measures them chooses what a run that reads them back does. */
void sens_table_round(sens_table *t);
/* Whether path holds the whole table t is to be (t->key, ngroups and
 * nratios): then t becomes it (losses malloc'ed, base as measured). A
 * missing, unreadable or other table is no error: the caller measures. */
bool sens_table_cached(const char *path, sens_table *t);
/* Reads a table file into t (t->loss and *have malloc'ed; *have NULL for a
 * whole table, *nshards 0); OCRS_ERR_IO when it cannot be opened,
 * OCRS_ERR_INVALID naming the file and line when it is not a table. */
ocrs_status sens_table_read(const char *path, sens_table *t, int *shard, int *nshards, bool **have,
                            ocrs_diag *diag);
/* The shards' files merged into t: all of one table (the same key, base,
 * ratios and groups; expect_key's when not NULL), shards 1..N each once,
 * every cell from one of them. Errors name the file or the missing shard
 * (missing(K) gives its expected path, or NULL). */
ocrs_status sens_table_merge(const char *const *paths, int n, const char *expect_key,
                             const char *(*missing)(int shard, int nshards, char *buf, size_t size), sens_table *t,
                             ocrs_diag *diag);
/* `ocrslimc sens-merge`: the shards' files (all N of one table) into the
 * table at output. */
ocrs_status sens_merge_files(const char *const *paths, int n, const char *output, ocrs_diag *diag);

/* PaddleSlim's rule: per group the largest ratio whose loss <= max_loss,
 * linearly interpolated between measured ratios (0 when not measured).
 * Losses can be negative (pruning a group alone can gain), and so can
 * max_loss: then only groups gaining at least -max_loss are pruned. */
void sens_select(const sens_table *t, double max_loss, double *ratio);

#endif
