/* Makefile-syntax dependency file: one rule naming the output and every
 * file its bytes depend on, so a build system reruns ocrslimc when the
 * model, its external data, the config, the runtime sources or ocrslimc
 * itself change. Paths are absolute: build systems compare them with
 * their own absolute paths. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "codegen.h"
#include "depfile.h"
#include "outfile.h"

/* One path, escaped for Makefile syntax (also what Ninja's parser reads). */
static void put_path(FILE *f, const char *p) {
    for (; *p; p++) {
        if (*p == ' ' || *p == '#') fputc('\\', f);
        if (*p == '$') fputc('$', f);
        fputc(*p, f);
    }
}

static void put_dep(FILE *f, const char *p) {
    fputs(" \\\n  ", f);
    put_path(f, p);
}

/* A dependency given on the command line, made absolute; false if missing. */
static bool put_real(FILE *f, const char *p) {
    char *real = realpath(p, NULL);
    if (!real) return false;
    put_dep(f, real);
    free(real);
    return true;
}

static int is_runtime_file(const struct dirent *d) { return d->d_name[0] != '.'; }

/* Every file of the runtime parts. */
static ocrs_status put_runtime(FILE *f, const char *const *parts, int nparts, ocrs_diag *diag) {
    char *dir = NULL;
    ocrs_status st = ocrs_runtime_dir(&dir, diag);
    if (st) return st;
    char *real = realpath(dir, NULL);
    for (int k = 0; !st && k < nparts; k++) {
        char sub[4200];
        snprintf(sub, sizeof sub, "%s/%s", real ? real : dir, parts[k]);
        struct dirent **ents = NULL;
        int n = real ? scandir(sub, &ents, is_runtime_file, alphasort) : -1;
        if (n < 0) st = ocrs_fail(diag, OCRS_ERR_IO, "depfile: cannot list runtime folder '%s'", sub);
        for (int i = 0; i < n; i++) {
            fputs(" \\\n  ", f);
            put_path(f, sub);
            fputc('/', f);
            put_path(f, ents[i]->d_name);
            free(ents[i]);
        }
        free(ents);
    }
    free(real);
    free(dir);
    return st;
}

ocrs_status ocrs_write_depfile(const char *path, const char *target, const ir_graph *const *graphs, int ngraphs,
                               const char *const *inputs, int ninputs, ocrs_diag *diag) {
    outfile o;
    if (!outfile_open(&o, path))
        return ocrs_fail(diag, OCRS_ERR_IO, "depfile: cannot write '%s': %s", path, strerror(errno));
    FILE *f = o.f;
    put_path(f, target);
    fputc(':', f);
    ocrs_status st = OCRS_OK;
    for (int k = 0; !st && k < ngraphs; k++) {
        const ir_graph *g = graphs[k];
        if (!g) continue;
        if (!put_real(f, g->source)) st = ocrs_fail(diag, OCRS_ERR_IO, "depfile: cannot resolve '%s'", g->source);
        for (uint32_t i = 0; !st && i < g->ndata_files; i++) put_dep(f, g->data_files[i]);
    }
    for (int i = 0; !st && i < ninputs; i++)
        if (inputs[i] && !put_real(f, inputs[i])) st = ocrs_fail(diag, OCRS_ERR_IO, "depfile: cannot resolve '%s'", inputs[i]);
    /* A model's library is built with its parts, an OCR system's with its models' and its own. */
    const char *parts[OCRS_MAX_RUNTIME_PARTS];
    int nparts = ngraphs == 1 ? ocrs_runtime_parts(graphs[0], false, parts)
                              : ocrs_system_runtime_parts(graphs, ngraphs, parts);
    if (!st) st = put_runtime(f, parts, nparts, diag);
    char exe[4096];
    ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (!st && len > 0) {
        exe[len] = 0;
        put_dep(f, exe);
    }
    fputc('\n', f);
    if (!outfile_commit(&o, path, !st) && !st)
        st = ocrs_fail(diag, OCRS_ERR_IO, "depfile: cannot write '%s': %s", path, strerror(errno));
    return st;
}
