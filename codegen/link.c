/* From LLVM module to files: target machine, verification and the O3
 * pipeline, then object/assembly/IR emission, or for a library: the object,
 * the runtime sources compiled for this model with the C compiler of the
 * target (cc, or <triple>-gcc for --target), and the link into lib<name>.so,
 * or for a static library a partial link whose non-API symbols are made
 * local, archived into lib<name>.a; plus the header.
 *
 * Every output is written to a temporary file beside its destination and
 * renamed into place at the end, so a failure leaves no partial file;
 * intermediates live in a private temporary folder removed on return. */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
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

/* LLVM's C API cannot list a target's CPUs, and an unknown CPU only draws
 * a warning on stderr when the target machine is made ("'x' is not a
 * recognized processor for this target (ignoring processor)") before LLVM
 * aborts in code generation ("64-bit code requested on a subtarget that
 * doesn't support it"). So stderr goes to a temporary file around the call
 * (this runs before any thread is started), the warning is looked for, and
 * whatever else LLVM printed is passed on. */
static LLVMTargetMachineRef create_machine(LLVMTargetRef target, const char *triple, const char *cpu,
                                           const char *features, bool *cpu_unknown) {
    *cpu_unknown = false;
    fflush(stderr);
    FILE *log = tmpfile();
    int saved = log ? dup(2) : -1;
    bool caught = saved >= 0 && dup2(fileno(log), 2) >= 0;
    LLVMTargetMachineRef tm = LLVMCreateTargetMachine(target, triple, cpu, features, LLVMCodeGenLevelAggressive,
                                                      LLVMRelocPIC, LLVMCodeModelDefault);
    if (caught) {
        dup2(saved, 2);
        off_t n = lseek(fileno(log), 0, SEEK_END);
        char *said = n > 0 ? malloc((size_t)n + 1) : NULL;
        if (said && pread(fileno(log), said, (size_t)n, 0) == n) {
            said[n] = 0;
            *cpu_unknown = strstr(said, "is not a recognized processor for this target") != NULL;
            if (!*cpu_unknown) fwrite(said, 1, (size_t)n, stderr);
        }
        free(said);
    }
    if (saved >= 0) close(saved);
    if (log) fclose(log);
    return tm;
}

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
    bool host = !opts->triple && !opts->cpu, cpu_unknown;
    char *cpu = host ? LLVMGetHostCPUName() : NULL;
    char *features = host ? LLVMGetHostCPUFeatures() : NULL;
    const char *cpu_name = host ? cpu : opts->cpu ? opts->cpu : "generic";
    *tm_out = create_machine(target, triple, cpu_name, host ? features : "", &cpu_unknown);
    ocrs_status st = OCRS_OK;
    if (!*tm_out) st = ocrs_fail(diag, OCRS_ERR_TOOL, "code generation: LLVM has no target machine for '%s'", triple);
    else if (cpu_unknown) {
        st = ocrs_fail(diag, OCRS_ERR_USAGE,
                       "code generation: CPU '%s' is not one LLVM knows for target '%s' (llc -mtriple=%s "
                       "-mcpu=help lists them)",
                       cpu_name, triple, triple);
        LLVMDisposeTargetMachine(*tm_out);
        *tm_out = NULL;
    }
    if (cpu) LLVMDisposeMessage(cpu);
    if (features) LLVMDisposeMessage(features);
    LLVMDisposeMessage(triple);
    return st;
}

ocrs_status ocrs_check_target(const ocrs_codegen_opts *opts, ocrs_diag *diag) {
    cg_target tm = NULL;
    ocrs_status st = cg_target_create(opts, &tm, diag);
    if (tm) LLVMDisposeTargetMachine(tm);
    return st;
}

int ocrs_int8_weight_max(const ocrs_codegen_opts *opts) {
    cg_target tm = NULL;
    ocrs_diag diag;
    if (cg_target_create(opts, &tm, &diag)) return 127;
    cg_target_desc d = cg_target_describe(tm);
    LLVMDisposeTargetMachine(tm);
    return d.x86_avx2 && !d.x86_vnni ? 63 : 127;
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

/* A private folder for intermediates; the list of files made in it. Their
 * names hold a '-', so they never clash with <name>.o of a model name. */
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
/* A tool running: its pid, what it does and where its output goes. */
typedef struct {
    pid_t pid;
    const char *what, *prog, *log;
} tool_job;

/* Starts argv[0] with stdout and stderr into log. */
static ocrs_status tool_start(char *const *argv, const char *what, const char *log, int verbose, tool_job *job,
                              ocrs_diag *diag) {
    if (verbose) {
        fputs("codegen: $", stderr);
        for (char *const *a = argv; *a; a++) fprintf(stderr, " %s", *a);
        fputc('\n', stderr);
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    *job = (tool_job){.pid = -1, .what = what, .prog = argv[0], .log = log};
    int rc = posix_spawnp(&job->pid, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc == 0) return OCRS_OK;
    job->pid = -1;
    return ocrs_fail(diag, OCRS_ERR_TOOL, "code generation: %s: cannot run '%s': %s", what, argv[0], strerror(rc));
}

/* Waits for a started tool; an error quotes the start of its output. */
static ocrs_status tool_finish(tool_job *job, ocrs_diag *diag) {
    int status;
    if (job->pid < 0) return OCRS_OK;
    while (waitpid(job->pid, &status, 0) < 0)
        if (errno != EINTR) return ocrs_fail(diag, OCRS_ERR_TOOL, "code generation: %s: lost '%s'", job->what, job->prog);
    job->pid = -1;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return OCRS_OK;
    char out[1200] = "";
    FILE *f = fopen(job->log, "r");
    if (f) {
        out[fread(out, 1, sizeof out - 1, f)] = 0;
        fclose(f);
    }
    return ocrs_fail(diag, OCRS_ERR_TOOL, "code generation: %s: '%s' failed (status %d)%s%s", job->what, job->prog,
                     WIFEXITED(status) ? WEXITSTATUS(status) : -1, out[0] ? ":\n" : "", out);
}

static ocrs_status run_tool(char *const *argv, const char *what, const char *log, int verbose, ocrs_diag *diag) {
    tool_job job;
    ocrs_status st = tool_start(argv, what, log, verbose, &job, diag);
    return st ? st : tool_finish(&job, diag);
}

/* <folder of this executable>/../share/ocrslim/runtime, where `cmake
 * --install` puts the runtime beside bin/ocrslimc, whatever the prefix. */
static char *installed_runtime_dir(void) {
    char exe[4096];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0) return NULL;
    exe[n] = 0;
    char *slash = strrchr(exe, '/');
    if (!slash) return NULL;
    *slash = 0;
    return join(exe, "../share/ocrslim/runtime");
}

/* The folder holding runtime/core/api.c: $OCRS_RUNTIME_DIR when set, else the
 * install layout around this executable, else the source tree this compiler
 * was built from. Returns a malloc'ed path. */
ocrs_status ocrs_runtime_dir(char **dir_out, ocrs_diag *diag) {
    const char *env = getenv("OCRS_RUNTIME_DIR");
    char *installed = installed_runtime_dir();
    const char *cands[] = {env && env[0] ? env : NULL, installed, OCRS_RUNTIME_SOURCE_DIR};
    ocrs_status st = ocrs_fail(diag, OCRS_ERR_IO,
                               "code generation: runtime sources not found in '%s' or '%s'; set OCRS_RUNTIME_DIR",
                               installed ? installed : "<prefix>/share/ocrslim/runtime", OCRS_RUNTIME_SOURCE_DIR);
    for (size_t i = 0; i < sizeof cands / sizeof cands[0]; i++) {
        if (!cands[i]) continue;
        char *api = join(cands[i], "core/api.c");
        bool ok = api && access(api, R_OK) == 0;
        free(api);
        if (ok) {
            *dir_out = strdup(cands[i]);
            st = *dir_out ? OCRS_OK : ocrs_fail(diag, OCRS_ERR_NOMEM, "code generation: out of memory");
            break;
        }
        if (i == 0) {
            st = ocrs_fail(diag, OCRS_ERR_IO, "code generation: OCRS_RUNTIME_DIR='%s' holds no core/api.c", env);
            break;
        }
    }
    free(installed);
    return st;
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

char *ocrs_header_path(const ocrs_codegen_opts *opts) {
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

enum { MAX_RUNTIME_SOURCES = 32, MAX_RUNTIME_DEFINES = 24 };

int ocrs_runtime_parts(const ir_graph *g, bool system_part, const char **parts) {
    int n = 0;
    parts[n++] = "core";
    if (!system_part) parts[n++] = "pool";
    if (cg_is_detector(g)) parts[n++] = "det";
    return n;
}

/* The runtime parts an OCR system compiles itself, once for its models. */
static const char *const system_own_parts[] = {"pool", "ocr"};
enum { NSYSTEM_OWN_PARTS = sizeof system_own_parts / sizeof system_own_parts[0] };

int ocrs_system_runtime_parts(const ir_graph *const *models, int n, const char **parts) {
    int count = 0;
    for (int m = 0; m < n; m++) {
        const char *theirs[OCRS_MAX_RUNTIME_PARTS];
        int k = models[m] ? ocrs_runtime_parts(models[m], true, theirs) : 0;
        for (int i = 0; i < k; i++) {
            int j = 0;
            while (j < count && strcmp(parts[j], theirs[i])) j++;
            if (j == count) parts[count++] = theirs[i];
        }
    }
    for (int i = 0; i < NSYSTEM_OWN_PARTS; i++) parts[count++] = system_own_parts[i];
    return count;
}

/* What to compile of the runtime: every .c of the parts (runtime folder
 * subfolders), plus extra sources, with -DOCRS_PREFIX=prefix and the
 * defines (NAME or NAME=VALUE). */
typedef struct {
    const char *prefix;
    const char *parts[OCRS_MAX_RUNTIME_PARTS];
    int nparts;
    const char *extra[2];
    int nextra;
    char defines[MAX_RUNTIME_DEFINES][160];
    int ndefines;
} runtime_build;

static ocrs_status add_define(runtime_build *r, ocrs_diag *diag, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static ocrs_status add_define(runtime_build *r, ocrs_diag *diag, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = r->ndefines < MAX_RUNTIME_DEFINES ? vsnprintf(r->defines[r->ndefines] + 2, sizeof r->defines[0] - 2, fmt, ap)
                                              : -1;
    va_end(ap);
    if (n < 0 || n >= (int)sizeof r->defines[0] - 2)
        return ocrs_fail(diag, OCRS_ERR_USAGE, "code generation: too many or too long runtime definitions");
    memcpy(r->defines[r->ndefines++], "-D", 2);
    return OCRS_OK;
}

static ocrs_status add_defines(runtime_build *r, const char *const *defines, ocrs_diag *diag) {
    ocrs_status st = OCRS_OK;
    for (int i = 0; !st && defines && defines[i]; i++) st = add_define(r, diag, "%s", defines[i]);
    return st;
}

/* Starts compiling the runtime sources into the scratch folder, all at once
 * (they run while LLVM writes the model's object); objs gets their paths
 * and jobs the compilers to wait for (runtime_wait), also after an error. */
static ocrs_status runtime_start(scratch *s, const char *cc, const runtime_build *r, int verbose, char **objs,
                                 tool_job *jobs, int *nobjs, ocrs_diag *diag) {
    char *rtdir = NULL;
    ocrs_status st = ocrs_runtime_dir(&rtdir, diag);
    if (st) return st;
    /* Every part's headers are visible: the core's and the pool's to all. */
    static const char *const headers[] = {"core", "pool", "det", "ocr"};
    enum { NHEADERS = sizeof headers / sizeof headers[0] };
    char prefix[96], incl[NHEADERS][4200];
    snprintf(prefix, sizeof prefix, "-DOCRS_PREFIX=%s", r->prefix);
    for (int k = 0; k < NHEADERS; k++) snprintf(incl[k], sizeof incl[k], "-I%s/%s", rtdir, headers[k]);
    /* The sources: every part's, then the extra ones. */
    char *srcs[MAX_RUNTIME_SOURCES];
    int nsrcs = 0;
    for (int k = 0; !st && k < r->nparts; k++) {
        char *dir = join(rtdir, r->parts[k]);
        struct dirent **ents = NULL;
        int n = dir ? scandir(dir, &ents, is_c_source, alphasort) : -1;
        if (n < 1) st = ocrs_fail(diag, OCRS_ERR_IO, "code generation: no runtime sources in '%s'", dir ? dir : rtdir);
        for (int i = 0; i < n; i++) {
            if (!st && nsrcs + r->nextra == MAX_RUNTIME_SOURCES)
                st = ocrs_fail(diag, OCRS_ERR_IO, "code generation: too many runtime sources in '%s'", rtdir);
            if (!st && !(srcs[nsrcs++] = join(dir, ents[i]->d_name)))
                st = ocrs_fail(diag, OCRS_ERR_NOMEM, "code generation: out of memory");
            free(ents[i]);
        }
        free(ents);
        free(dir);
    }
    for (int i = 0; !st && i < r->nextra; i++)
        if (!(srcs[nsrcs++] = strdup(r->extra[i]))) st = ocrs_fail(diag, OCRS_ERR_NOMEM, "code generation: out of memory");
    *nobjs = 0;
    for (int i = 0; !st && i < nsrcs; i++) {
        char oname[32], lname[32];
        snprintf(oname, sizeof oname, "runtime-%d.o", i);
        snprintf(lname, sizeof lname, "runtime-%d.log", i);
        char *o = scratch_file(s, oname), *log = scratch_file(s, lname);
        /* Hidden by default: only what the runtime marks OCRS_API is exported. */
        char *argv[MAX_RUNTIME_DEFINES + NHEADERS + 16] = {
            (char *)cc, "-std=c11", "-O2", "-fPIC", "-fvisibility=hidden", prefix, "-c", srcs[i], "-o", o};
        int argc = 10;
        for (int j = 0; j < NHEADERS; j++) argv[argc++] = incl[j];
        for (int d = 0; d < r->ndefines; d++) argv[argc++] = (char *)r->defines[d];
        jobs[i].pid = -1;
        if (!o || !log) st = ocrs_fail(diag, OCRS_ERR_NOMEM, "code generation: out of memory");
        else st = tool_start(argv, "compiling the runtime", log, verbose, &jobs[i], diag);
        objs[(*nobjs)++] = o;
    }
    for (int i = 0; i < nsrcs; i++) free(srcs[i]);
    free(rtdir);
    return st;
}

/* The runtime a model's library is built with: its parts, and as a part of
 * an OCR system its API hidden and the system's pool. */
static ocrs_status model_runtime(const ir_graph *g, const ocrs_codegen_opts *opts, runtime_build *r,
                                 ocrs_diag *diag) {
    bool part = opts->emit == OCRS_EMIT_SYSTEM_PART;
    *r = (runtime_build){.prefix = opts->name};
    r->nparts = ocrs_runtime_parts(g, part, r->parts);
    ocrs_status st = add_defines(r, opts->runtime_defines, diag);
    int n, h, w;
    if (!st && ir_image_syms(g, &n, &h, &w)) st = add_define(r, diag, "OCRS_IMAGE_API");
    if (!st && part) st = add_define(r, diag, "OCRS_SYSTEM_PART");
    if (!st && part) st = add_define(r, diag, "OCRS_POOL_PREFIX=%s", opts->system);
    return st;
}

/* Waits for every runtime compiler started; the first failure, unless st
 * already is one. */
static ocrs_status runtime_wait(tool_job *jobs, int n, ocrs_status st, ocrs_diag *diag) {
    for (int i = 0; i < n; i++) {
        ocrs_status one = tool_finish(&jobs[i], st ? NULL : diag);
        if (!st) st = one;
    }
    return st;
}

/* The C compiler of the target: --cc, else <triple>-gcc for --target
 * (Debian's cross compilers are named so), else cc. */
static void target_cc(const char *cc, const char *triple, char *buf, size_t size) {
    if (cc && cc[0]) snprintf(buf, size, "%s", cc);
    else if (triple) snprintf(buf, size, "%s-gcc", triple);
    else snprintf(buf, size, "cc");
}

/* The binutils program that goes with cc: <prefix>ar for <prefix>gcc or
 * <prefix>cc (aarch64-linux-gnu-gcc -> aarch64-linux-gnu-ar), else plain. */
static void binutil(const char *cc, const char *tool, char *buf, size_t size) {
    const char *base = strrchr(cc, '/') ? strrchr(cc, '/') + 1 : cc;
    const char *dash = strrchr(base, '-');
    bool prefixed = dash && (strcmp(dash, "-gcc") == 0 || strcmp(dash, "-cc") == 0);
    int keep = prefixed ? (int)(dash + 1 - cc) : 0;
    snprintf(buf, size, "%.*s%s", keep, cc, tool);
}

enum { MAX_LINK_OBJECTS = MAX_RUNTIME_SOURCES + 4 };

/* lib<name>.so: the objects linked with cc. */
static ocrs_status link_shared(const char *cc, const char *log, char *const *objs, int nobjs, const char *out,
                               const char *name, int verbose, ocrs_diag *diag) {
    char soname[128];
    snprintf(soname, sizeof soname, "-Wl,-soname,lib%s.so", name);
    char *argv[MAX_LINK_OBJECTS + 16];
    int n = 0;
    char *head[] = {(char *)cc, "-shared", "-o", (char *)out, soname};
    /* -z defs: an unresolved symbol fails here, not when a user loads the
     * library; --as-needed keeps only the libraries really used. */
    char *tail[] = {"-Wl,-z,defs", "-Wl,-z,noexecstack", "-Wl,--as-needed", "-lm", "-lpthread", NULL};
    for (size_t i = 0; i < sizeof head / sizeof head[0]; i++) argv[n++] = head[i];
    for (int i = 0; i < nobjs; i++) argv[n++] = objs[i];
    for (size_t i = 0; i < sizeof tail / sizeof tail[0]; i++) argv[n++] = tail[i];
    return run_tool(argv, "linking", log, verbose, diag);
}

/* One relocatable object out of the objects. */
static ocrs_status partial_link(const char *cc, const char *log, char *const *objs, int nobjs, const char *out,
                                int verbose, ocrs_diag *diag) {
    char *argv[MAX_LINK_OBJECTS + 16] = {(char *)cc, "-r", "-nostdlib", "-o", (char *)out};
    int n = 5;
    for (int i = 0; i < nobjs; i++) argv[n++] = objs[i];
    argv[n] = NULL;
    return run_tool(argv, "partial link", log, verbose, diag);
}

/* lib<name>.a holding one object <name>.o: the objects partially linked,
 * then every hidden symbol made local. Hidden visibility alone does not
 * stop two archives' global symbols from clashing in a static link; local
 * symbols cannot, so only the API (<name>_create ...) stays global. */
static ocrs_status archive_static(scratch *s, const char *cc, const char *log, char *const *objs, int nobjs,
                                  const char *out, const ocrs_codegen_opts *opts, ocrs_diag *diag) {
    char oname[128], objcopy[4200], ar[4200];
    snprintf(oname, sizeof oname, "%s.o", opts->name);
    char *whole = scratch_file(s, oname);
    if (!whole) return ocrs_fail(diag, OCRS_ERR_NOMEM, "code generation: out of memory");
    ocrs_status st = partial_link(cc, log, objs, nobjs, whole, opts->verbose, diag);
    binutil(cc, "objcopy", objcopy, sizeof objcopy);
    char *localize[] = {objcopy, "--localize-hidden", whole, NULL};
    if (!st) st = run_tool(localize, "localizing hidden symbols", log, opts->verbose, diag);
    /* ar adds to an existing archive, so the (empty) temporary goes first;
     * D: zero timestamps, uids and modes, for byte-identical archives. */
    if (!st && unlink(out) != 0) st = io_error(diag, "replace", out);
    binutil(cc, "ar", ar, sizeof ar);
    char *archive[] = {ar, "rcsD", (char *)out, whole, NULL};
    if (!st) st = run_tool(archive, "archiving", log, opts->verbose, diag);
    return st;
}

/* The library and its header from temporaries beside them, or neither. */
typedef struct {
    char *lib_tmp, *h_tmp, *header;
} outputs;

static ocrs_status outputs_open(outputs *o, const char *lib, const char *header, ocrs_diag *diag) {
    *o = (outputs){temp_beside(lib), NULL, NULL};
    if (!o->lib_tmp) return io_error(diag, "create a file beside", lib);
    if (!header) return OCRS_OK;
    o->header = strdup(header);
    o->h_tmp = o->header ? temp_beside(o->header) : NULL;
    return o->h_tmp ? OCRS_OK : io_error(diag, "create a file beside", header);
}

static ocrs_status outputs_close(outputs *o, ocrs_status st, const char *lib, mode_t lib_mode, ocrs_diag *diag) {
    if (!st && o->lib_tmp) st = commit(o->lib_tmp, lib, lib_mode, diag);
    if (!st && o->h_tmp) st = commit(o->h_tmp, o->header, 0644, diag);
    if (st) {
        if (o->lib_tmp) unlink(o->lib_tmp);
        if (o->h_tmp) unlink(o->h_tmp);
    }
    free(o->lib_tmp);
    free(o->h_tmp);
    free(o->header);
    return st;
}

/* The object, the runtime compiled for this model, the link (or archive,
 * or partial link of a system's part) into a temporary beside the output,
 * the header; then both renamed into place. */
static ocrs_status build_library(cg_module *m, cg_target tm, const ir_graph *g, const cg_plan *p,
                                 size_t weight_bytes, const ocrs_codegen_opts *opts, ocrs_diag *diag) {
    char cc[4096];
    target_cc(opts->cc, opts->triple, cc, sizeof cc);
    scratch s;
    ocrs_status st = scratch_open(&s, diag);
    if (st) return st;
    char *objs[MAX_LINK_OBJECTS];
    tool_job jobs[MAX_RUNTIME_SOURCES];
    char *log = scratch_file(&s, "cc.log"), *obj = scratch_file(&s, "llvm-model.o");
    int nobjs = 0;
    double t0 = now_ms();
    runtime_build r;
    if (!log || !obj) st = ocrs_fail(diag, OCRS_ERR_NOMEM, "code generation: out of memory");
    if (!st) st = model_runtime(g, opts, &r, diag);
    if (!st) st = runtime_start(&s, cc, &r, opts->verbose, objs + 1, jobs, &nobjs, diag);
    if (!st) st = emit_object(m, tm, obj, LLVMObjectFile, diag);
    st = runtime_wait(jobs, nobjs, st, diag);
    objs[0] = obj;
    nobjs++;
    bool part = opts->emit == OCRS_EMIT_SYSTEM_PART;
    char *header = part ? NULL : ocrs_header_path(opts);
    if (!st && !part && !header) st = ocrs_fail(diag, OCRS_ERR_NOMEM, "code generation: out of memory");
    outputs o = {0};
    if (!st) st = outputs_open(&o, opts->output, header, diag);
    if (!st && part) st = partial_link(cc, log, objs, nobjs, o.lib_tmp, opts->verbose, diag);
    else if (!st && opts->emit == OCRS_EMIT_STATICLIB) st = archive_static(&s, cc, log, objs, nobjs, o.lib_tmp, opts, diag);
    else if (!st) st = link_shared(cc, log, objs, nobjs, o.lib_tmp, opts->name, opts->verbose, diag);
    if (!st && opts->verbose)
        fprintf(stderr, "codegen: object written, runtime compiled beside it, linked (%.0f ms)\n", now_ms() - t0);
    if (!st && !part) st = cg_write_header(g, p, opts->name, opts->note, o.h_tmp, weight_bytes, diag);
    st = outputs_close(&o, st, opts->output, opts->emit == OCRS_EMIT_LIB ? 0755 : 0644, diag);
    free(header);
    scratch_close(&s);
    return st;
}

ocrs_status cg_write_outputs(cg_module *m, cg_target tm, const ir_graph *g, const cg_plan *p, size_t weight_bytes,
                             const ocrs_codegen_opts *opts, ocrs_diag *diag) {
    double t0 = now_ms();
    ocrs_status st;
    if (opts->emit == OCRS_EMIT_LIB || opts->emit == OCRS_EMIT_STATICLIB || opts->emit == OCRS_EMIT_SYSTEM_PART) {
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

/* ---- OCR system libraries ------------------------------------------------------------ */

/* The system's runtime: the pool its models share, the ocr/ part compiled
 * with the models' facts, and the dictionary. */
static ocrs_status system_runtime(const ocrs_system_opts *o, const cg_system *sys, const char *dict_c,
                                  runtime_build *r, ocrs_diag *diag) {
    *r = (runtime_build){.prefix = o->name, .nparts = NSYSTEM_OWN_PARTS, .extra = {dict_c}, .nextra = 1};
    for (int i = 0; i < NSYSTEM_OWN_PARTS; i++) r->parts[i] = system_own_parts[i];
    ocrs_status st = add_defines(r, o->runtime_defines, diag);
    const struct {
        const char *macro;
        int64_t value;
    } facts[] = {{"OCRS_SYS_HAS_CLS", sys->has_cls},     {"OCRS_SYS_USE_SPACE", sys->use_space},
                 {"OCRS_SYS_CLS_H", sys->cls_h},         {"OCRS_SYS_CLS_W", sys->cls_w},
                 {"OCRS_SYS_REC_H", sys->rec_h},         {"OCRS_SYS_REC_W_ALIGN", sys->rec_w_align},
                 {"OCRS_SYS_REC_W_MIN", sys->rec_w_min}, {"OCRS_SYS_REC_W_MAX", sys->rec_w_max},
                 {"OCRS_SYS_REC_CLASSES", sys->rec_classes}};
    for (size_t i = 0; !st && i < sizeof facts / sizeof facts[0]; i++)
        st = add_define(r, diag, "%s=%lld", facts[i].macro, (long long)facts[i].value);
    return st;
}

ocrs_status ocrs_link_system(const ocrs_system_opts *o, ocrs_diag *diag) {
    if (!o->det || !o->rec || !o->det_obj || !o->rec_obj || (o->cls && !o->cls_obj))
        return ocrs_fail(diag, OCRS_ERR_USAGE, "code generation: an OCR system needs a detector and a recognizer");
    cg_system sys;
    ocrs_status st = cg_system_facts(o, &sys, diag);
    if (st) return st;
    char cc[4096];
    target_cc(o->cc, o->triple, cc, sizeof cc);
    scratch s;
    st = scratch_open(&s, diag);
    if (st) {
        cg_system_free(&sys);
        return st;
    }
    double t0 = now_ms();
    char *objs[MAX_LINK_OBJECTS], *log = scratch_file(&s, "cc.log"), *dict_c = scratch_file(&s, "system-dict.c");
    tool_job jobs[MAX_RUNTIME_SOURCES];
    int nobjs = 0;
    runtime_build r;
    if (!log || !dict_c) st = ocrs_fail(diag, OCRS_ERR_NOMEM, "code generation: out of memory");
    if (!st) st = cg_write_system_dict(&sys, o->name, dict_c, diag);
    if (!st) st = system_runtime(o, &sys, dict_c, &r, diag);
    if (!st) st = runtime_start(&s, cc, &r, o->verbose, objs, jobs, &nobjs, diag);
    st = runtime_wait(jobs, nobjs, st, diag);
    const char *parts[] = {o->det_obj, o->cls_obj, o->rec_obj};
    for (int i = 0; i < 3; i++)
        if (parts[i]) objs[nobjs++] = (char *)parts[i];
    ocrs_codegen_opts named = {.name = o->name, .output = o->output, .header = o->header};
    char *header = ocrs_header_path(&named);
    if (!st && !header) st = ocrs_fail(diag, OCRS_ERR_NOMEM, "code generation: out of memory");
    outputs out = {0};
    if (!st) st = outputs_open(&out, o->output, header, diag);
    if (!st) st = link_shared(cc, log, objs, nobjs, out.lib_tmp, o->name, o->verbose, diag);
    if (!st && o->verbose) fprintf(stderr, "codegen: system runtime compiled and linked (%.0f ms)\n", now_ms() - t0);
    if (!st) st = cg_write_header_system(o, &sys, out.h_tmp, diag);
    st = outputs_close(&out, st, o->output, 0755, diag);
    free(header);
    cg_system_free(&sys);
    scratch_close(&s);
    return st;
}
