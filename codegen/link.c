/* From LLVM module to files: target machine, verification and the O3
 * pipeline, then object/assembly/IR emission, or for a library: the object,
 * the runtime sources compiled for this model with the system C compiler,
 * and the link into lib<name>.so plus the header.
 *
 * Every output is written to a temporary file beside its destination and
 * renamed into place at the end, so a failure leaves no partial file;
 * intermediates live in a private temporary folder removed on return. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <llvm-c/Analysis.h>
#include <llvm-c/Target.h>
#include <llvm-c/TargetMachine.h>
#include <llvm-c/Transforms/PassBuilder.h>

#include "cg.h"

extern char **environ;

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* ---- target and optimisation --------------------------------------------------- */

ocrs_status cg_target_create(const ocrs_codegen_opts *opts, cg_target *tm_out, ocrs_diag *diag) {
    LLVMInitializeAllTargetInfos();
    LLVMInitializeAllTargets();
    LLVMInitializeAllTargetMCs();
    LLVMInitializeAllAsmPrinters();
    char *triple = opts->triple ? LLVMNormalizeTargetTriple(opts->triple) : LLVMGetDefaultTargetTriple();
    LLVMTargetRef target;
    char *err = NULL;
    if (LLVMGetTargetFromTriple(triple, &target, &err)) {
        ocrs_status st = ocrs_fail(diag, OCRS_ERR_USAGE, "code generation: target '%s': %s", triple, err);
        LLVMDisposeMessage(err);
        LLVMDisposeMessage(triple);
        return st;
    }
    /* The host's CPU and features only when compiling for the host. */
    bool host = !opts->triple && !opts->cpu;
    char *cpu = host ? LLVMGetHostCPUName() : NULL;
    char *features = host ? LLVMGetHostCPUFeatures() : NULL;
    *tm_out = LLVMCreateTargetMachine(target, triple, host ? cpu : opts->cpu ? opts->cpu : "generic",
                                      host ? features : "", LLVMCodeGenLevelAggressive, LLVMRelocPIC,
                                      LLVMCodeModelDefault);
    if (cpu) LLVMDisposeMessage(cpu);
    if (features) LLVMDisposeMessage(features);
    ocrs_status st = OCRS_OK;
    if (!*tm_out) st = ocrs_fail(diag, OCRS_ERR_TOOL, "code generation: LLVM has no target machine for '%s'", triple);
    LLVMDisposeMessage(triple);
    return st;
}

ocrs_status cg_optimize(cg_module *m, cg_target tm, const ocrs_codegen_opts *opts, ocrs_diag *diag) {
    double t0 = now_ms();
    char *msg = NULL;
    bool broken = LLVMVerifyModule(m->mod, LLVMReturnStatusAction, &msg);
    ocrs_status st = OCRS_OK;
    /* A broken module is a bug in an emitter, not in the model. */
    if (broken) st = ocrs_fail(diag, OCRS_ERR_TOOL, "code generation: internal error: invalid LLVM module: %s", msg);
    if (msg) LLVMDisposeMessage(msg);
    if (st) return st;
    LLVMPassBuilderOptionsRef po = LLVMCreatePassBuilderOptions();
    LLVMPassBuilderOptionsSetLoopVectorization(po, 1);
    LLVMPassBuilderOptionsSetSLPVectorization(po, 1);
    LLVMPassBuilderOptionsSetLoopUnrolling(po, 1);
    LLVMPassBuilderOptionsSetLoopInterleaving(po, 1);
    LLVMErrorRef err = LLVMRunPasses(m->mod, "default<O3>", tm, po);
    LLVMDisposePassBuilderOptions(po);
    if (err) {
        char *emsg = LLVMGetErrorMessage(err);
        st = ocrs_fail(diag, OCRS_ERR_TOOL, "code generation: LLVM optimisation failed: %s", emsg);
        LLVMDisposeErrorMessage(emsg);
        return st;
    }
    if (opts->verbose) fprintf(stderr, "codegen: verified and optimised (O3) (%.0f ms)\n", now_ms() - t0);
    return OCRS_OK;
}

/* ---- files ------------------------------------------------------------------------ */

/* A fresh temporary file beside path ("<path>.tmpXXXXXX"); NULL on failure. */
static char *temp_beside(const char *path) {
    size_t n = strlen(path) + 16;
    char *tmp = malloc(n);
    if (!tmp) return NULL;
    snprintf(tmp, n, "%s.tmpXXXXXX", path);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        free(tmp);
        return NULL;
    }
    close(fd);
    return tmp;
}

static ocrs_status io_error(ocrs_diag *diag, const char *what, const char *path) {
    return ocrs_fail(diag, OCRS_ERR_IO, "code generation: cannot %s '%s': %s", what, path, strerror(errno));
}

/* Paths joined into a malloc'ed string. */
static char *join(const char *dir, const char *name) {
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);
    if (p) snprintf(p, n, "%s/%s", dir, name);
    return p;
}

/* A private folder for intermediates; the list of files made in it. */
typedef struct {
    char dir[4096];
    char *files[64];
    int nfiles;
} scratch;

static char *scratch_file(scratch *s, const char *name) {
    if (s->nfiles == (int)(sizeof s->files / sizeof s->files[0])) return NULL;
    char *p = join(s->dir, name);
    if (p) s->files[s->nfiles++] = p;
    return p;
}

static ocrs_status scratch_open(scratch *s, ocrs_diag *diag) {
    const char *tmpdir = getenv("TMPDIR");
    snprintf(s->dir, sizeof s->dir, "%s/ocrslim-XXXXXX", tmpdir && tmpdir[0] ? tmpdir : "/tmp");
    s->nfiles = 0;
    if (!mkdtemp(s->dir)) return io_error(diag, "create temporary folder", s->dir);
    return OCRS_OK;
}

static void scratch_close(scratch *s) {
    for (int i = 0; i < s->nfiles; i++) {
        unlink(s->files[i]);
        free(s->files[i]);
    }
    rmdir(s->dir);
}

/* Runs argv, its output going to log; what names the step in messages. */
static ocrs_status run_tool(char *const *argv, const char *what, const char *log, int verbose, ocrs_diag *diag) {
    if (verbose) {
        fputs("codegen: $", stderr);
        for (char *const *a = argv; *a; a++) fprintf(stderr, " %s", *a);
        fputc('\n', stderr);
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    pid_t pid;
    int rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) return ocrs_fail(diag, OCRS_ERR_TOOL, "code generation: %s: cannot run '%s': %s", what, argv[0], strerror(rc));
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) return ocrs_fail(diag, OCRS_ERR_TOOL, "code generation: %s: lost '%s'", what, argv[0]);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return OCRS_OK;
    char out[1200] = "";
    FILE *f = fopen(log, "r");
    if (f) {
        out[fread(out, 1, sizeof out - 1, f)] = 0;
        fclose(f);
    }
    return ocrs_fail(diag, OCRS_ERR_TOOL, "code generation: %s: '%s' failed (status %d)%s%s", what, argv[0],
                     WIFEXITED(status) ? WEXITSTATUS(status) : -1, out[0] ? ":\n" : "", out);
}

/* The folder holding runtime/api.c: $OCRS_RUNTIME_DIR when set, else the
 * source tree this compiler was built from, else the install prefix. */
static ocrs_status find_runtime(const char **dir_out, ocrs_diag *diag) {
    const char *env = getenv("OCRS_RUNTIME_DIR");
    const char *cands[] = {env && env[0] ? env : NULL, OCRS_RUNTIME_SOURCE_DIR, OCRS_RUNTIME_INSTALL_DIR};
    for (size_t i = 0; i < sizeof cands / sizeof cands[0]; i++) {
        if (!cands[i]) continue;
        char *api = join(cands[i], "api.c");
        bool ok = api && access(api, R_OK) == 0;
        free(api);
        if (ok) {
            *dir_out = cands[i];
            return OCRS_OK;
        }
        if (i == 0)
            return ocrs_fail(diag, OCRS_ERR_IO, "code generation: OCRS_RUNTIME_DIR='%s' holds no api.c", env);
    }
    return ocrs_fail(diag, OCRS_ERR_IO, "code generation: runtime sources not found in '%s' or '%s'; set OCRS_RUNTIME_DIR",
                     OCRS_RUNTIME_SOURCE_DIR, OCRS_RUNTIME_INSTALL_DIR);
}

static int is_c_source(const struct dirent *d) {
    size_t n = strlen(d->d_name);
    return n > 2 && d->d_name[0] != '.' && strcmp(d->d_name + n - 2, ".c") == 0;
}

/* Renames tmp onto path with the given mode; removes tmp on failure. */
static ocrs_status commit(const char *tmp, const char *path, mode_t mode, ocrs_diag *diag) {
    if (chmod(tmp, mode) == 0 && rename(tmp, path) == 0) return OCRS_OK;
    ocrs_status st = io_error(diag, "write", path);
    unlink(tmp);
    return st;
}

static ocrs_status emit_object(cg_module *m, cg_target tm, const char *path, LLVMCodeGenFileType kind,
                               ocrs_diag *diag) {
    char *err = NULL;
    if (!LLVMTargetMachineEmitToFile(tm, m->mod, path, kind, &err)) return OCRS_OK;
    ocrs_status st = ocrs_fail(diag, OCRS_ERR_TOOL, "code generation: LLVM cannot write '%s': %s", path, err);
    LLVMDisposeMessage(err);
    return st;
}

/* <name>.h: opts->header, or beside the library. */
static char *header_path(const ocrs_codegen_opts *opts) {
    if (opts->header) return strdup(opts->header);
    char hname[96];
    snprintf(hname, sizeof hname, "%s.h", opts->name);
    const char *slash = strrchr(opts->output, '/');
    if (!slash) return strdup(hname);
    char *dir = strndup(opts->output, (size_t)(slash - opts->output) + (slash == opts->output));
    char *path = dir ? join(dir, hname) : NULL;
    free(dir);
    return path;
}

enum { MAX_RUNTIME_SOURCES = 32 };

/* Compiles every .c of the runtime folder for this model into the scratch
 * folder; objs gets their paths. */
static ocrs_status compile_runtime(scratch *s, const char *cc, const char *log, const ocrs_codegen_opts *opts,
                                   char **objs, int *nobjs, ocrs_diag *diag) {
    const char *rtdir = NULL;
    ocrs_status st = find_runtime(&rtdir, diag);
    if (st) return st;
    struct dirent **srcs = NULL;
    int nsrc = scandir(rtdir, &srcs, is_c_source, alphasort);
    if (nsrc < 1) st = ocrs_fail(diag, OCRS_ERR_IO, "code generation: no runtime sources in '%s'", rtdir);
    if (nsrc > MAX_RUNTIME_SOURCES)
        st = ocrs_fail(diag, OCRS_ERR_IO, "code generation: too many runtime sources in '%s'", rtdir);
    char prefix[96], incl[4200];
    snprintf(prefix, sizeof prefix, "-DOCRS_PREFIX=%s", opts->name);
    snprintf(incl, sizeof incl, "-I%s", rtdir);
    *nobjs = 0;
    for (int i = 0; !st && i < nsrc; i++) {
        char oname[32];
        snprintf(oname, sizeof oname, "rt%d.o", i);
        char *src = join(rtdir, srcs[i]->d_name), *o = scratch_file(s, oname);
        /* Hidden by default: only what api.c marks OCRS_API is exported. */
        char *argv[] = {(char *)cc, "-std=c11", "-O2", "-fPIC", "-fvisibility=hidden", prefix, incl, "-c", src, "-o",
                        o, NULL};
        if (!src || !o) st = ocrs_fail(diag, OCRS_ERR_NOMEM, "code generation: out of memory");
        else st = run_tool(argv, "compiling the runtime", log, opts->verbose, diag);
        free(src);
        objs[(*nobjs)++] = o;
    }
    for (int i = 0; i < nsrc; i++) free(srcs[i]);
    free(srcs);
    return st;
}

/* The object, the runtime compiled for this model, the link into a
 * temporary beside the library, the header; then both renamed into place. */
static ocrs_status build_library(cg_module *m, cg_target tm, const ir_graph *g, const cg_plan *p,
                                 size_t weight_bytes, const ocrs_codegen_opts *opts, ocrs_diag *diag) {
    const char *cc = opts->cc && opts->cc[0] ? opts->cc : "cc";
    scratch s;
    ocrs_status st = scratch_open(&s, diag);
    if (st) return st;
    char *so_tmp = NULL, *h_tmp = NULL, *header = NULL, *objs[MAX_RUNTIME_SOURCES];
    char *log = scratch_file(&s, "cc.log"), *obj = scratch_file(&s, "model.o");
    int nobjs = 0;
    if (!log || !obj) st = ocrs_fail(diag, OCRS_ERR_NOMEM, "code generation: out of memory");
    if (!st) st = emit_object(m, tm, obj, LLVMObjectFile, diag);
    double t0 = now_ms();
    if (!st) st = compile_runtime(&s, cc, log, opts, objs, &nobjs, diag);
    if (!st) {
        so_tmp = temp_beside(opts->output);
        if (!so_tmp) st = io_error(diag, "create a file beside", opts->output);
    }
    if (!st) {
        char soname[128];
        snprintf(soname, sizeof soname, "-Wl,-soname,lib%s.so", opts->name);
        char *argv[MAX_RUNTIME_SOURCES + 16];
        int n = 0;
        char *head[] = {(char *)cc, "-shared", "-o", so_tmp, soname, obj};
        /* -z defs: an unresolved symbol fails here, not when a user loads the
         * library; --as-needed keeps only the libraries really used. */
        char *tail[] = {"-Wl,-z,defs", "-Wl,-z,noexecstack", "-Wl,--as-needed", "-lm", "-lpthread", NULL};
        for (size_t i = 0; i < sizeof head / sizeof head[0]; i++) argv[n++] = head[i];
        for (int i = 0; i < nobjs; i++) argv[n++] = objs[i];
        for (size_t i = 0; i < sizeof tail / sizeof tail[0]; i++) argv[n++] = tail[i];
        st = run_tool(argv, "linking", log, opts->verbose, diag);
    }
    if (!st && opts->verbose) fprintf(stderr, "codegen: runtime compiled and linked (%.0f ms)\n", now_ms() - t0);
    if (!st) {
        header = header_path(opts);
        h_tmp = header ? temp_beside(header) : NULL;
        if (!h_tmp) st = io_error(diag, "create a file beside", header ? header : "the header");
    }
    if (!st) st = cg_write_header(g, p, opts->name, h_tmp, weight_bytes, diag);
    if (!st) st = commit(so_tmp, opts->output, 0755, diag);
    if (!st) st = commit(h_tmp, header, 0644, diag);
    if (st) {
        if (so_tmp) unlink(so_tmp);
        if (h_tmp) unlink(h_tmp);
    }
    free(so_tmp);
    free(h_tmp);
    free(header);
    scratch_close(&s);
    return st;
}

ocrs_status cg_write_outputs(cg_module *m, cg_target tm, const ir_graph *g, const cg_plan *p, size_t weight_bytes,
                             const ocrs_codegen_opts *opts, ocrs_diag *diag) {
    double t0 = now_ms();
    ocrs_status st;
    if (opts->emit == OCRS_EMIT_LIB) {
        st = build_library(m, tm, g, p, weight_bytes, opts, diag);
    } else {
        char *tmp = temp_beside(opts->output);
        if (!tmp) return io_error(diag, "create a file beside", opts->output);
        char *err = NULL;
        if (opts->emit == OCRS_EMIT_LLVM) {
            st = OCRS_OK;
            if (LLVMPrintModuleToFile(m->mod, tmp, &err))
                st = ocrs_fail(diag, OCRS_ERR_IO, "code generation: cannot write '%s': %s", opts->output, err);
            if (err) LLVMDisposeMessage(err);
        } else {
            st = emit_object(m, tm, tmp, opts->emit == OCRS_EMIT_ASM ? LLVMAssemblyFile : LLVMObjectFile, diag);
        }
        if (!st) st = commit(tmp, opts->output, 0644, diag);
        else unlink(tmp);
        free(tmp);
    }
    if (!st && opts->verbose) fprintf(stderr, "codegen: wrote %s (%.0f ms)\n", opts->output, now_ms() - t0);
    return st;
}
