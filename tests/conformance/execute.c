/* Compiling a node test with ocrslimc and running the library.
 *
 * Both happen in child processes, so that a compiler that crashes or
 * asserts, or a library that does, is one test's failure (named with the
 * signal) and not the end of the run. The compiler is the real ocrslimc,
 * exactly as users run it; a compile is mostly cc building and linking
 * the runtime, so running it in this process would save little.
 *
 * The library is driven through the generic API every generated library
 * has (<name>_describe, _shapes, _create, _run, _destroy), the way
 * tests/model/check_golden.c does. Each output buffer has a guard zone
 * after it, filled with a pattern a kernel writing past the end would
 * change. */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "conformance.h"

enum {
    GUARD = 64,        /* floats after each output buffer */
    MAX_LOG = 1 << 20, /* bytes of compiler stderr looked at */
};
static const uint32_t guard_bits = 0x7fc0dead; /* a NaN no kernel computes */
static const double tol_abs = 1e-4, tol_rel = 1e-4;

/* Describes how a child ended, for messages. */
static void describe_status(int status, char *buf, size_t size) {
    if (WIFSIGNALED(status))
        snprintf(buf, size, "killed by signal %d (%s)", WTERMSIG(status), strsignal(WTERMSIG(status)));
    else
        snprintf(buf, size, "exit status %d", WEXITSTATUS(status));
}

/* The last line of log starting with prefix, without it, into out. */
static bool last_line(const char *log, const char *prefix, char *out, size_t size) {
    uint8_t *buf;
    size_t n;
    char err[CONF_ERR];
    if (!conf_read_file(log, MAX_LOG, &buf, &n, err)) return false;
    bool found = false;
    size_t plen = strlen(prefix);
    for (size_t at = 0; at < n;) {
        size_t end = at;
        while (end < n && buf[end] != '\n') end++;
        if (end - at >= plen && memcmp(buf + at, prefix, plen) == 0) {
            size_t len = end - at - plen < size - 1 ? end - at - plen : size - 1;
            memcpy(out, buf + at + plen, len);
            out[len] = 0;
            found = true;
        }
        at = end + 1;
    }
    free(buf);
    return found;
}

conf_compile_result conf_compile(const char *ocrslimc, const char *model, const char *lib, const char *name,
                                 const char *log, char *msg) {
    pid_t pid = fork();
    if (pid < 0) {
        conf_fail(msg, "fork: %s", strerror(errno));
        return CONF_BROKEN;
    }
    if (pid == 0) {
        int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644), null = open("/dev/null", O_WRONLY);
        if (fd < 0 || null < 0 || dup2(fd, 2) < 0 || dup2(null, 1) < 0) _exit(127);
        execl(ocrslimc, ocrslimc, model, "-o", lib, "--name", name, (char *)NULL);
        fprintf(stderr, "cannot run %s: %s\n", ocrslimc, strerror(errno));
        _exit(127);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) {
            conf_fail(msg, "waitpid: %s", strerror(errno));
            return CONF_BROKEN;
        }
    bool said = last_line(log, "ocrslimc: error: ", msg, CONF_ERR);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && !said && access(lib, R_OK) == 0) return CONF_COMPILED;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 1 && said) return CONF_REFUSED;
    char how[128], last[512] = "";
    describe_status(status, how, sizeof how);
    bool any = last_line(log, "", last, sizeof last);
    conf_fail(msg, "ocrslimc %s; it said: %s", how, any ? last : "(nothing on stderr)");
    return CONF_BROKEN;
}

/* ---- running, in the child -------------------------------------------------- */

typedef int (*create_fn)(void **, int);
typedef void (*destroy_fn)(void *);
typedef int (*describe_fn)(int *, int *, int *);
typedef int (*shapes_fn)(const int64_t *, int64_t *, size_t *);
typedef int (*run_fn)(void *, const int64_t *, const float *const *, float *const *);

typedef struct {
    create_fn create;
    destroy_fn destroy;
    describe_fn describe;
    shapes_fn shapes;
    run_fn run;
} api;

static bool load_api(void *lib, const char *name, api *a, char *err) {
    static const char *const suffix[] = {"create", "destroy", "describe", "shapes", "run"};
    void **slot[] = {(void **)&a->create, (void **)&a->destroy, (void **)&a->describe, (void **)&a->shapes,
                     (void **)&a->run};
    for (int i = 0; i < 5; i++) {
        char sym[128];
        snprintf(sym, sizeof sym, "%s_%s", name, suffix[i]);
        if (!(*slot[i] = dlsym(lib, sym))) return conf_fail(err, "the library has no %s", sym);
    }
    return true;
}

static void format_index(const conf_tensor *t, int64_t i, char *buf, size_t size) {
    int64_t idx[CONF_MAX_RANK];
    for (int k = t->rank - 1; k >= 0; k--) {
        idx[k] = t->dims[k] ? i % t->dims[k] : 0;
        i = t->dims[k] ? i / t->dims[k] : 0;
    }
    size_t n = (size_t)snprintf(buf, size, "[");
    for (int k = 0; k < t->rank && n < size; k++)
        n += (size_t)snprintf(buf + n, size - n, "%s%lld", k ? ", " : "", (long long)idx[k]);
    if (n < size) snprintf(buf + n, size - n, "]");
}

static bool close_enough(float got, float want) {
    if (isnan(want) || isnan(got)) return isnan(want) && isnan(got);
    if (got == want) return true; /* infinities of one sign included */
    return fabs((double)got - (double)want) <= tol_abs + tol_rel * fabs((double)want);
}

/* Compares output oname (values at got) with want; the first mismatch and
 * the count of them into err. */
static bool compare(const char *oname, const float *got, const conf_tensor *want, int threads, char *err) {
    int64_t bad = 0, first = -1;
    for (int64_t i = 0; i < want->numel; i++)
        if (!close_enough(got[i], want->data[i]) && bad++ == 0) first = i;
    for (int i = 0; i < GUARD; i++) {
        uint32_t bits;
        memcpy(&bits, &got[want->numel + i], sizeof bits);
        if (bits != guard_bits)
            return conf_fail(err, "output '%s': written past its end (float %d after it, %d thread%s)", oname, i,
                             threads, threads > 1 ? "s" : "");
    }
    if (!bad) return true;
    char at[128];
    format_index(want, first, at, sizeof at);
    return conf_fail(err,
                     "output '%s' %s: got %.9g, want %.9g (%lld of %lld elements beyond 1e-4 + 1e-4 |want|, %d "
                     "thread%s)",
                     oname, at, got[first], want->data[first], (long long)bad, (long long)want->numel, threads,
                     threads > 1 ? "s" : "");
}

/* Checks the library's view of the inputs and outputs against the test's
 * and gathers the unbound inputs (dims, values) in the library's order. */
static bool check_io(const api *a, const conf_test *t, const conf_set *s, const bool *bound, int64_t *in_dims,
                     const float **ins, char *err) {
    int nin = 0, nd = 0, ranks[2 * CONF_MAX_IO];
    for (int i = 0; i < t->ninputs; i++) {
        if (bound[i]) continue;
        const conf_tensor *x = &s->inputs[i];
        const char *name = t->inputs[i]->name;
        if (!x->proto) return conf_fail(err, "compiled a model whose input '%s' is not a tensor", name);
        if (!x->data)
            return conf_fail(err, "compiled a model whose input '%s' is %s; the library takes floats", name,
                             conf_dtype_name(x->dtype));
        for (int k = 0; k < x->rank; k++) in_dims[nd++] = x->dims[k];
        ins[nin++] = x->data;
    }
    int lin, lout, nout = 0;
    for (int o = 0; o < s->noutputs; o++) nout += !t->dropped[o];
    if (a->describe(&lin, &lout, NULL) || lin != nin || lout != nout)
        return conf_fail(err, "the library has %d inputs and %d outputs, the test %d and %d", lin, lout, nin, nout);
    if (a->describe(&lin, &lout, ranks)) return conf_fail(err, "describe failed");
    for (int i = 0, j = 0; i < t->ninputs; i++)
        if (!bound[i] && ranks[j++] != s->inputs[i].rank)
            return conf_fail(err, "input '%s': the library's rank is %d, the test's %d", t->inputs[i]->name,
                             ranks[j - 1], s->inputs[i].rank);
    for (int o = 0, j = nin; o < s->noutputs; o++) {
        const conf_tensor *y = &s->outputs[o];
        const char *name = t->model->graph->output[o]->name;
        if (t->dropped[o]) continue;
        if (!y->proto) return conf_fail(err, "compiled a model whose output '%s' is not a tensor", name);
        if (!y->data)
            return conf_fail(err, "compiled a model whose output '%s' is %s; the library gives floats", name,
                             conf_dtype_name(y->dtype));
        if (ranks[j++] != y->rank)
            return conf_fail(err, "output '%s': the library's rank is %d, the test's %d", name, ranks[j - 1], y->rank);
    }
    return true;
}

/* The whole check, in the child; true when every output matches. */
static bool run_child(const char *libpath, const char *name, const conf_test *t, const conf_set *s, const bool *bound,
                      char *err) {
    void *lib = dlopen(libpath, RTLD_NOW | RTLD_LOCAL);
    if (!lib) return conf_fail(err, "dlopen: %s", dlerror());
    api a;
    int64_t in_dims[CONF_MAX_IO * CONF_MAX_RANK], out_dims[CONF_MAX_IO * CONF_MAX_RANK];
    const float *ins[CONF_MAX_IO];
    float *outs[CONF_MAX_IO] = {0};
    size_t ws;
    if (!load_api(lib, name, &a, err) || !check_io(&a, t, s, bound, in_dims, ins, err)) return false;
    if (a.shapes(in_dims, out_dims, &ws)) return conf_fail(err, "the library refuses the test's input dims");
    /* The compared outputs, in the library's order. */
    const conf_tensor *want[CONF_MAX_IO];
    const char *wname[CONF_MAX_IO];
    int nout = 0;
    const int64_t *d = out_dims;
    for (int o = 0; o < s->noutputs; o++) {
        if (t->dropped[o]) continue;
        const conf_tensor *y = want[nout] = &s->outputs[o];
        wname[nout] = t->model->graph->output[o]->name;
        for (int k = 0; k < y->rank; k++, d++)
            if (*d != y->dims[k])
                return conf_fail(err, "output '%s': the library's dim %d is %lld, the test's %lld", wname[nout], k,
                                 (long long)*d, (long long)y->dims[k]);
        if (!(outs[nout++] = malloc(sizeof(float) * (size_t)(y->numel + GUARD))))
            return conf_fail(err, "out of memory");
    }
    /* One thread, then three: every layer's split over threads changes. */
    for (int threads = 1; threads <= 3; threads += 2) {
        for (int o = 0; o < nout; o++)
            for (int64_t i = 0; i < want[o]->numel + GUARD; i++) memcpy(&outs[o][i], &guard_bits, sizeof(float));
        void *ctx;
        int st = a.create(&ctx, threads);
        if (!st) st = a.run(ctx, in_dims, ins, outs);
        if (st) return conf_fail(err, "the library returned status %d with %d threads", st, threads);
        a.destroy(ctx);
        for (int o = 0; o < nout; o++)
            if (!compare(wname[o], outs[o], want[o], threads, err)) return false;
    }
    return true;
}

bool conf_run_compare(const char *lib, const char *name, const conf_test *t, const conf_set *s, const bool *bound,
                      char *err) {
    int fds[2];
    if (pipe(fds) != 0) return conf_fail(err, "pipe: %s", strerror(errno));
    pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return conf_fail(err, "fork: %s", strerror(errno));
    }
    if (pid == 0) {
        close(fds[0]);
        char why[CONF_ERR] = "";
        bool ok = run_child(lib, name, t, s, bound, why);
        ssize_t unused = write(fds[1], why, strlen(why));
        (void)unused;
        _exit(ok ? 0 : 1);
    }
    close(fds[1]);
    size_t n = 0;
    for (ssize_t r; n < CONF_ERR - 1 && (r = read(fds[0], err + n, CONF_ERR - 1 - n)) != 0;)
        if (r > 0)
            n += (size_t)r;
        else if (errno != EINTR)
            break;
    err[n] = 0;
    close(fds[0]);
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) return conf_fail(err, "waitpid: %s", strerror(errno));
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return true;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 1 && n) return false;
    char how[128];
    describe_status(status, how, sizeof how);
    return conf_fail(err, "running the library: %s", how);
}
