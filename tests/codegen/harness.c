/* Codegen test helpers; see harness.h. */
#include "harness.h"

#include <dirent.h>
#include <dlfcn.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int h_failures;

uint64_t h_next(h_rng *r) {
    uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

int64_t h_int(h_rng *r, int64_t lo, int64_t hi) { return lo + (int64_t)(h_next(r) % (uint64_t)(hi - lo + 1)); }

float h_float(h_rng *r, float lo, float hi) { return lo + (hi - lo) * (float)((h_next(r) >> 40) / 16777216.0); }

ir_graph *h_graph(int64_t c, ir_id *x) { return h_graph_batch(c, 0, x); }

ir_graph *h_graph_batch(int64_t c, int64_t max_batch, ir_id *x) {
    ir_graph *g = ir_graph_new("codegen-test");
    int n = max_batch ? ir_add_symbol(g, "N", NULL, 1, 1, max_batch, 1) : -1;
    int h = ir_add_symbol(g, "H", NULL, 32, 32, 4096, 640), w = ir_add_symbol(g, "W", NULL, 32, 32, 4096, 640);
    ir_dim d[4] = {n < 0 ? ir_dim_const(1) : ir_dim_symbol(g->syms, n), ir_dim_const(c), ir_dim_symbol(g->syms, h),
                   ir_dim_symbol(g->syms, w)};
    *x = ir_add_value(g, "x", IR_F32, 4, d);
    g->inputs[g->ninputs++] = *x;
    g->values[*x].is_input = true;
    return g;
}

ir_id h_weight(ir_graph *g, h_rng *r, int rank, const int64_t *dims, float lo, float hi) {
    int64_t n = 1;
    for (int i = 0; i < rank; i++) n *= dims[i];
    float *data = malloc(sizeof(float) * (size_t)(n ? n : 1));
    for (int64_t i = 0; i < n; i++) data[i] = h_float(r, lo, hi);
    char name[32];
    snprintf(name, sizeof name, "w%u", g->nvalues);
    ir_id id = ir_add_weight(g, name, IR_F32, rank, dims, data);
    free(data);
    return id;
}

ir_attrs h_attrs(void) { return ir_attrs_default(); }

ir_act h_unary_act(ir_op op, h_rng *r) {
    switch (op) {
    case IR_OP_Relu: return (ir_act){IR_ACT_RELU, 0, 0};
    case IR_OP_Clip: return (ir_act){IR_ACT_CLIP, h_float(r, -1, 0), h_float(r, 0.2f, 1.5f)};
    case IR_OP_HardSigmoid: return (ir_act){IR_ACT_HARDSIGMOID, h_float(r, 0.1f, 0.5f), h_float(r, 0.2f, 0.7f)};
    case IR_OP_HardSwish: return (ir_act){IR_ACT_HARDSWISH, 0, 0};
    case IR_OP_Sigmoid: return (ir_act){IR_ACT_SIGMOID, 0, 0};
    case IR_OP_FakeQuant: return (ir_act){IR_ACT_QUANT, h_float(r, 0.01f, 0.1f), (float)h_int(r, 0, 255)};
    default: return (ir_act){IR_ACT_NONE, 0, 0};
    }
}

ir_id h_node(ir_graph *g, ir_op op, uint32_t n, const ir_id *in, const ir_attrs *attrs) {
    char name[32];
    snprintf(name, sizeof name, "v%u", g->nvalues);
    ir_id out = ir_add_value(g, name, IR_F32, 0, NULL);
    ir_id node = ir_add_node(g, op, "", n, in, out);
    g->nodes[node].attrs = attrs ? *attrs : h_attrs();
    return out;
}

bool h_finish(ir_graph *g, ir_id out) {
    g->outputs[g->noutputs++] = out;
    g->values[out].is_output = true;
    ocrs_diag diag = {0};
    ocrs_status st = pass_shape_infer(g, &diag);
    if (!st) st = ir_verify(g, &diag);
    if (st) fprintf(stderr, "graph rejected: %s\n", diag.msg);
    return !st;
}

static char tmpdir[4096];

const char *h_tmpdir(void) {
    if (!tmpdir[0]) {
        const char *t = getenv("TMPDIR");
        snprintf(tmpdir, sizeof tmpdir, "%s/ocrs-cgtest-XXXXXX", t && t[0] ? t : "/tmp");
        if (!mkdtemp(tmpdir)) {
            perror("mkdtemp");
            abort();
        }
    }
    return tmpdir;
}

void h_tmpdir_remove(void) {
    if (!tmpdir[0]) return;
    DIR *d = opendir(tmpdir);
    struct dirent *e;
    while (d && (e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        char p[8192];
        snprintf(p, sizeof p, "%s/%s", tmpdir, e->d_name);
        unlink(p);
    }
    if (d) closedir(d);
    rmdir(tmpdir);
    tmpdir[0] = 0;
}

static void *sym(h_model *m, const char *name, const char *suffix) {
    char s[128];
    snprintf(s, sizeof s, "%s_%s", name, suffix);
    void *p = dlsym(m->lib, s);
    if (!p) fprintf(stderr, "%s: no symbol %s\n", m->path, s);
    return p;
}

const char *h_cpu;

bool h_compile(const ir_graph *g, const char *name, h_model *m) {
    memset(m, 0, sizeof *m);
    snprintf(m->path, sizeof m->path, "%s/lib%s.so", h_tmpdir(), name);
    ocrs_codegen_opts o = {.emit = OCRS_EMIT_LIB, .name = name, .output = m->path, .cpu = h_cpu};
    ocrs_diag diag = {0};
    ocrs_status st = ocrs_codegen(g, &o, &diag);
    if (st) {
        fprintf(stderr, "ocrs_codegen(%s): %s: %s\n", name, ocrs_status_name(st), diag.msg);
        return false;
    }
    m->lib = dlopen(m->path, RTLD_NOW | RTLD_LOCAL);
    if (!m->lib) {
        fprintf(stderr, "dlopen: %s\n", dlerror());
        return false;
    }
    *(void **)&m->create = sym(m, name, "create");
    *(void **)&m->destroy = sym(m, name, "destroy");
    *(void **)&m->run = sym(m, name, "run");
    *(void **)&m->shapes = sym(m, name, "shapes");
    *(void **)&m->strerror = sym(m, name, "strerror");
    bool ok = m->create && m->destroy && m->run && m->shapes && m->strerror;
    int n, h, w;
    if (ir_image_syms(g, &n, &h, &w)) {
        *(void **)&m->forward = sym(m, name, "forward");
        *(void **)&m->workspace_size = sym(m, name, "workspace_size");
        ok &= m->forward && m->workspace_size;
    }
    return ok;
}

void h_close(h_model *m) {
    if (m->lib) dlclose(m->lib);
    m->lib = NULL;
}

/* Runs m with nthreads on inputs at these symbols into outs (each with a
 * guard element after it); false after a message. */
static bool run(const ir_graph *g, h_model *m, int nthreads, const int64_t *units, float *const *in, float **outs,
                const char *what) {
    int64_t dims[IR_MAX_IO * IR_MAX_RANK];
    int k = 0;
    for (uint32_t i = 0; i < g->ninputs; i++)
        for (int d = 0; d < g->values[g->inputs[i]].rank; d++)
            dims[k++] = ir_dim_eval(g->values[g->inputs[i]].dims[d], units);
    void *ctx = NULL;
    int rc = m->create(&ctx, nthreads);
    if (!rc) rc = m->run(ctx, dims, (const float *const *)in, outs);
    m->destroy(ctx);
    if (rc) fprintf(stderr, "%s: %d threads: %s\n", what, nthreads, m->strerror(rc));
    return rc == 0;
}

bool h_compare(const ir_graph *g, h_model *m, int64_t h, int64_t w, double tol, const char *what) {
    int64_t sizes[IR_MAX_SYMS], units[IR_MAX_SYMS];
    int sn, sh, sw;
    for (int s = 0; s < g->nsyms; s++) sizes[s] = g->syms[s].ref;
    if (ir_image_syms(g, &sn, &sh, &sw)) ir_image_sizes(g, h, w, sizes);
    ir_graph_units(g, sizes, units);
    float *in[IR_MAX_IO] = {NULL}, *ref[IR_MAX_IO] = {NULL}, *got[IR_MAX_IO] = {NULL}, *got3[IR_MAX_IO] = {NULL};
    int64_t ny[IR_MAX_IO];
    h_rng r = {(uint64_t)(h * 7919 + w)};
    for (uint32_t i = 0; i < g->ninputs; i++) {
        int64_t nx = ir_numel(&g->values[g->inputs[i]], units);
        in[i] = malloc(sizeof(float) * (size_t)nx);
        for (int64_t j = 0; j < nx; j++) in[i][j] = h_float(&r, -2, 2);
    }
    for (uint32_t o = 0; o < g->noutputs; o++) {
        ny[o] = ir_numel(&g->values[g->outputs[o]], units);
        ref[o] = malloc(sizeof(float) * (size_t)ny[o]);
        /* A guard element after each output catches writes past its end. */
        got[o] = malloc(sizeof(float) * (size_t)(ny[o] + 1));
        got3[o] = malloc(sizeof(float) * (size_t)(ny[o] + 1));
        for (int64_t j = 0; j <= ny[o]; j++) got[o][j] = got3[o][j] = -12345.0f;
    }
    ocrs_diag diag = {0};
    bool ok = true;
    if (ir_interp_run(g, (const float *const *)in, sizes, ref, &diag)) {
        fprintf(stderr, "%s: interpreter: %s\n", what, diag.msg);
        ok = false;
    }
    /* Threads split the work statically: 3 threads give the same bits. */
    ok = ok && run(g, m, 1, units, in, got, what) && run(g, m, 3, units, in, got3, what);
    for (uint32_t o = 0; ok && o < g->noutputs; o++) {
        if (memcmp(got[o], got3[o], sizeof(float) * (size_t)ny[o]) != 0) {
            fprintf(stderr, "%s at %lldx%lld: output %u: 3 threads differ from 1\n", what, (long long)h, (long long)w,
                    o);
            ok = false;
        }
        double err = 0, mag = 1;
        int64_t worst = 0;
        for (int64_t i = 0; i < ny[o]; i++) {
            double d = fabs((double)got[o][i] - (double)ref[o][i]);
            if (isnan(got[o][i]) != isnan(ref[o][i])) d = INFINITY;
            else if (isnan(ref[o][i])) d = 0;
            if (d > err) err = d, worst = i;
            if (fabs(ref[o][i]) > mag) mag = fabs(ref[o][i]);
        }
        if (getenv("OCRS_TEST_VERBOSE"))
            printf("%s at %lldx%lld: output %u: max error %g, magnitude %g\n", what, (long long)h, (long long)w, o, err,
                   mag);
        if (err > tol * mag || got[o][ny[o]] != -12345.0f) {
            fprintf(stderr, "%s at %lldx%lld: output %u: max error %g (element %lld: got %g, want %g), magnitude %g%s\n",
                    what, (long long)h, (long long)w, o, err, (long long)worst, got[o][worst], ref[o][worst], mag,
                    got[o][ny[o]] != -12345.0f ? ", wrote past the output" : "");
            ok = false;
        }
    }
    for (uint32_t i = 0; i < IR_MAX_IO; i++) {
        free(in[i]);
        free(ref[i]);
        free(got[i]);
        free(got3[i]);
    }
    return ok;
}

bool h_check(const ir_graph *g, const char *what, int nsizes, const int64_t *sizes, double tol) {
    static int counter;
    char name[32];
    snprintf(name, sizeof name, "m%d", counter++);
    h_model m;
    bool ok = h_compile(g, name, &m);
    for (int i = 0; ok && i < nsizes; i++) ok = h_compare(g, &m, sizes[2 * i], sizes[2 * i + 1], tol, what);
    h_close(&m);
    if (!ok) {
        fprintf(stderr, "FAILED: %s\n", what);
        h_failures++;
    }
    return ok;
}

int h_report(const char *test) {
    h_tmpdir_remove();
    if (h_failures) fprintf(stderr, "%s: %d failure(s)\n", test, h_failures);
    else printf("%s: all checks passed\n", test);
    return h_failures ? 1 : 0;
}
