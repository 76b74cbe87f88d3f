/* The generated library as a product: API misuse, two models in one
 * program, dependencies and exports, the --emit kinds, and outputs that
 * appear atomically or not at all.
 *
 *   test_codegen_lib api|run|two_models|deps|emit|atomic */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"

/* A small model: 3x3 conv to 4 channels, stride 2, then 2x upsampling and a
 * 1x1 conv to one channel with sigmoid: output [1, 1, H, W] (or [N, 1, H,
 * W] with a batch of up to max_batch). */
static ir_graph *small_graph_batch(int64_t max_batch) {
    h_rng r = {42};
    ir_id x;
    ir_graph *g = h_graph_batch(3, max_batch, &x);
    ir_attrs a = h_attrs();
    a.kernel[0] = a.kernel[1] = 3;
    a.stride[0] = a.stride[1] = 2;
    a.pad[0] = a.pad[1] = a.pad[2] = a.pad[3] = 1;
    a.act = (ir_act){IR_ACT_RELU, 0, 0};
    ir_id c = H_NODE(g, Conv, &a, x, h_weight(g, &r, H_DIMS(4, 3, 3, 3), -1, 1));
    ir_attrs up = h_attrs();
    up.scale[0] = up.scale[1] = 2;
    ir_id u = H_NODE(g, Resize, &up, c);
    ir_attrs pw = h_attrs();
    pw.kernel[0] = pw.kernel[1] = 1;
    pw.act = (ir_act){IR_ACT_SIGMOID, 0, 0};
    ir_id y = H_NODE(g, Conv, &pw, u, h_weight(g, &r, H_DIMS(1, 4, 1, 1), -1, 1));
    if (!h_finish(g, y)) abort();
    return g;
}

static ir_graph *small_graph(void) { return small_graph_batch(0); }

static char *path_in(const char *file) {
    static char buf[8][4096];
    static int k;
    char *p = buf[k++ % 8];
    snprintf(p, 4096, "%s/%s", h_tmpdir(), file);
    return p;
}

static bool exists(const char *p) { return access(p, F_OK) == 0; }

/* Number of entries in the test folder: stray temporaries show up here. */
static int folder_entries(void) {
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "ls -A '%s' | wc -l", h_tmpdir());
    FILE *f = popen(cmd, "r");
    int n = -1;
    if (f) {
        if (fscanf(f, "%d", &n) != 1) n = -1;
        pclose(f);
    }
    return n;
}

/* ---- API misuse ------------------------------------------------------------------- */

static void test_api(void) {
    ir_graph *g = small_graph();
    h_model m;
    CHECK(h_compile(g, "api", &m));
    if (!m.lib) return;
    void *ctx = (void *)1;
    CHECK(m.create(NULL, 1) != 0);
    static const int bad_threads[] = {0, -1, -1000, 1025, 1 << 30};
    for (size_t i = 0; i < sizeof bad_threads / sizeof bad_threads[0]; i++) {
        ctx = (void *)1;
        CHECK(m.create(&ctx, bad_threads[i]) != 0);
        CHECK(ctx == NULL);
    }
    CHECK(m.create(&ctx, 4) == 0 && ctx);
    float *in = calloc(3 * 64 * 64, sizeof(float)), *out = calloc(64 * 64, sizeof(float));
    CHECK(m.forward(NULL, in, 64, 64, out) != 0);
    CHECK(m.forward(ctx, NULL, 64, 64, out) != 0);
    CHECK(m.forward(ctx, in, 64, 64, NULL) != 0);
    static const int bad_sizes[] = {0, -32, 1, 31, 33, 48, 4097, 4128, 1 << 30, -(1 << 30)};
    for (size_t i = 0; i < sizeof bad_sizes / sizeof bad_sizes[0]; i++) {
        CHECK(m.forward(ctx, in, bad_sizes[i], 64, out) != 0);
        CHECK(m.forward(ctx, in, 64, bad_sizes[i], out) != 0);
        CHECK(m.workspace_size(bad_sizes[i], 64) == 0);
    }
    CHECK(m.forward(ctx, in, 64, 64, out) == 0);
    CHECK(m.workspace_size(64, 64) > 0);
    CHECK(m.workspace_size(4096, 4096) > m.workspace_size(32, 32));
    /* Every status, known or not, has a message. */
    for (int s = -2; s < 8; s++) CHECK(m.strerror(s) != NULL && m.strerror(s)[0]);
    CHECK(m.strerror(0) != m.strerror(1));
    m.destroy(ctx);
    m.destroy(NULL);
    free(in);
    free(out);
    /* One context at a large size, then a smaller one (its workspace is
     * reused) and a larger one (it grows), each checked against the
     * interpreter. */
    CHECK(m.create(&ctx, 1) == 0);
    static const int hw[][2] = {{256, 192}, {64, 96}, {320, 320}};
    for (size_t i = 0; i < 3; i++) {
        int h = hw[i][0], w = hw[i][1];
        float *x = malloc(sizeof(float) * 3 * h * w), *y = malloc(sizeof(float) * h * w),
              *ref = malloc(sizeof(float) * h * w);
        for (int j = 0; j < 3 * h * w; j++) x[j] = (float)((j * 37) % 101) / 50.0f - 1;
        ocrs_diag d = {0};
        int64_t sizes[IR_MAX_SYMS];
        ir_image_sizes(g, h, w, sizes);
        CHECK(ir_interp_run(g, (const float *const[]){x}, sizes, &ref, &d) == OCRS_OK);
        CHECK(m.forward(ctx, x, h, w, y) == 0);
        double err = 0;
        for (int j = 0; j < h * w; j++) err = fmax(err, fabs((double)y[j] - ref[j]));
        CHECK(err <= H_TOL);
        free(x);
        free(y);
        free(ref);
    }
    m.destroy(ctx);
    h_close(&m);
    ir_graph_free(g);
}

/* ---- the general API: symbols from the inputs' dims, batches ------------------------ */

static void test_run(void) {
    ir_graph *g = small_graph_batch(8);
    h_model m;
    CHECK(h_compile(g, "run", &m));
    if (!m.lib) return;
    enum { H = 64, W = 96, PLANE = H * W };
    int64_t out_dims[4];
    size_t ws = 0;
    CHECK(m.shapes((const int64_t[]){2, 3, H, W}, out_dims, &ws) == 0);
    CHECK(out_dims[0] == 2 && out_dims[1] == 1 && out_dims[2] == H && out_dims[3] == W && ws > 0);
    /* ERR_SIZE (2) for a misaligned, out-of-range or wrong fixed dim. */
    static const int64_t bad[][4] = {{0, 3, H, W}, {9, 3, H, W}, {1, 4, H, W}, {1, 3, 48, W}, {1, 3, H, 4128}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) CHECK(m.shapes(bad[i], out_dims, &ws) == 2);
    CHECK(m.shapes(NULL, out_dims, &ws) == 1 && m.shapes(bad[0], NULL, &ws) == 1);
    /* A batch of two images gives each image's output of a batch of one. */
    float *x = malloc(sizeof(float) * 2 * 3 * PLANE), *y2 = malloc(sizeof(float) * 2 * PLANE),
          *y1 = malloc(sizeof(float) * PLANE);
    for (int i = 0; i < 2 * 3 * PLANE; i++) x[i] = (float)((i * 31) % 97) / 48.0f - 1;
    void *ctx = NULL;
    CHECK(m.create(&ctx, 2) == 0);
    CHECK(m.run(ctx, (const int64_t[]){2, 3, H, W}, (const float *const[]){x}, (float *const[]){y2}) == 0);
    for (int k = 0; k < 2; k++) {
        CHECK(m.run(ctx, (const int64_t[]){1, 3, H, W}, (const float *const[]){x + k * 3 * PLANE},
                    (float *const[]){y1}) == 0);
        CHECK(memcmp(y1, y2 + k * PLANE, sizeof(float) * PLANE) == 0);
    }
    CHECK(m.run(ctx, (const int64_t[]){1, 3, H, W}, (const float *const[]){NULL}, (float *const[]){y1}) == 1);
    CHECK(m.run(ctx, (const int64_t[]){1, 3, 40, W}, (const float *const[]){x}, (float *const[]){y1}) == 2);
    m.destroy(ctx);
    free(x);
    free(y1);
    free(y2);
    h_close(&m);
    ir_graph_free(g);
}

/* ---- two models in one program ------------------------------------------------------ */

static const char two_models_c[] =
    "#include <math.h>\n"
    "#include <stdio.h>\n"
    "#include <stdlib.h>\n"
    "#include <string.h>\n"
    "#include \"a.h\"\n"
    "#include \"b.h\"\n"
    "int main(void) {\n"
    "    int h = 64, w = 96;\n"
    "    size_t ni = A_INPUT_NUMEL(h, w), no = A_OUTPUT_NUMEL(h, w);\n"
    "    if (ni != B_INPUT_NUMEL(h, w) || no != B_OUTPUT_NUMEL(h, w) || no != (size_t)h * w) return 10;\n"
    "    float *in = malloc(ni * sizeof(float)), *oa = malloc(no * sizeof(float)), *ob = malloc(no * sizeof(float));\n"
    "    for (size_t i = 0; i < ni; i++) in[i] = sinf((float)i);\n"
    "    a_ctx *ca; b_ctx *cb;\n"
    "    if (a_create(&ca, 1) != A_OK || b_create(&cb, 2) != B_OK) return 11;\n"
    "    if (a_forward(ca, in, h, w, oa) != A_OK || b_forward(cb, in, h, w, ob) != B_OK) return 12;\n"
    "    if (memcmp(oa, ob, no * sizeof(float)) != 0) return 13;\n"
    "    if (a_workspace_size(h, w) != b_workspace_size(h, w)) return 14;\n"
    "    if (a_forward(ca, in, 40, w, oa) != A_ERR_SIZE) return 15;\n"
    "    printf(\"%s / %s\\n\", a_strerror(A_OK), b_strerror(B_ERR_NULL));\n"
    "    a_destroy(ca); b_destroy(cb); free(in); free(oa); free(ob);\n"
    "    return 0;\n"
    "}\n";

static void test_two_models(void) {
    ir_graph *g = small_graph();
    const char *names[2] = {"a", "b"};
    for (int i = 0; i < 2; i++) {
        ocrs_codegen_opts o = {.emit = OCRS_EMIT_LIB, .name = names[i], .output = path_in(i ? "libb.so" : "liba.so")};
        ocrs_diag d = {0};
        ocrs_status st = ocrs_codegen(g, &o, &d);
        if (st) fprintf(stderr, "%s\n", d.msg);
        CHECK(st == OCRS_OK);
    }
    CHECK(exists(path_in("a.h")) && exists(path_in("b.h")));
    FILE *f = fopen(path_in("main.c"), "w");
    CHECK(f && fputs(two_models_c, f) >= 0 && fclose(f) == 0);
    char cmd[16384];
    const char *d = h_tmpdir();
    /* The headers must be clean, strict C; the libraries must link side by side. */
    snprintf(cmd, sizeof cmd,
             "cc -std=c99 -Wall -Wextra -Werror -pedantic -I'%s' '%s/main.c' -o '%s/prog' -L'%s' -la -lb -lm "
             "-Wl,-rpath,'%s' && '%s/prog'",
             d, d, d, d, d, d);
    int rc = system(cmd);
    if (rc) fprintf(stderr, "two models: '%s' exited with %d\n", cmd, rc);
    CHECK(rc == 0);
    ir_graph_free(g);
}

/* ---- dependencies and exports --------------------------------------------------------- */

static void test_deps(void) {
    ir_graph *g = small_graph();
    h_model m;
    CHECK(h_compile(g, "deps", &m));
    h_close(&m);
    char cmd[8300];
    snprintf(cmd, sizeof cmd, "readelf -dW '%s'", m.path);
    FILE *f = popen(cmd, "r");
    CHECK(f != NULL);
    char line[1024];
    int needed = 0;
    while (f && fgets(line, sizeof line, f)) {
        char *lib = strstr(line, "(NEEDED)") ? strchr(line, '[') : NULL;
        if (!lib) continue;
        needed++;
        bool ok = !strncmp(lib, "[libc.so", 8) || !strncmp(lib, "[libm.so", 8) || !strncmp(lib, "[libpthread.so", 14) ||
                  !strncmp(lib, "[ld-linux", 9);
        if (!ok) fprintf(stderr, "unexpected dependency: %s", lib);
        CHECK(ok);
    }
    CHECK(f && pclose(f) == 0);
    CHECK(needed >= 1);
    /* Defined dynamic symbols: exactly the API functions. */
    snprintf(cmd, sizeof cmd, "readelf --dyn-syms -W '%s'", m.path);
    f = popen(cmd, "r");
    int exported = 0;
    while (f && fgets(line, sizeof line, f)) {
        char num[32], val[64], size[32], type[32], bind[32], vis[32], ndx[32], name[512];
        if (sscanf(line, "%31s %63s %31s %31s %31s %31s %31s %511s", num, val, size, type, bind, vis, ndx, name) != 8)
            continue;
        if (!strcmp(ndx, "UND") || !strcmp(bind, "LOCAL") || !strcmp(ndx, "Ndx")) continue;
        static const char *const api_names[] = {"deps_create",         "deps_destroy",        "deps_describe",
                                                "deps_run",            "deps_shapes",
                                                "deps_forward",        "deps_strerror",
                                                "deps_workspace_size", "deps_detect",
                                                "deps_detect_times",   "deps_get_detect_options",
                                                "deps_set_detect_options"};
        bool api = false;
        for (size_t i = 0; i < sizeof api_names / sizeof api_names[0]; i++) api |= !strcmp(name, api_names[i]);
        if (!api) fprintf(stderr, "unexpected export: %s\n", name);
        CHECK(api);
        exported++;
    }
    CHECK(f && pclose(f) == 0);
    CHECK(exported == 12);
    ir_graph_free(g);
}

/* ---- --emit=llvm/asm/obj ------------------------------------------------------------- */

static bool file_contains(const char *path, const char *needle, size_t nlen) {
    FILE *f = fopen(path, "rb");
    if (!f) return false;
    static char buf[1 << 22];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    for (size_t i = 0; i + nlen <= n; i++)
        if (!memcmp(buf + i, needle, nlen)) return true;
    return false;
}

static void test_emit(void) {
    ir_graph *g = small_graph();
    static const struct {
        ocrs_emit_kind kind;
        const char *file, *needle;
        size_t nlen;
    } kinds[] = {
        {OCRS_EMIT_LLVM, "m.ll", "void @m__run(", 13},
        {OCRS_EMIT_ASM, "m.s", "m__run:", 7},
        {OCRS_EMIT_OBJ, "m.o", "\177ELF", 4},
    };
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        ocrs_codegen_opts o = {.emit = kinds[i].kind, .name = "m", .output = path_in(kinds[i].file)};
        ocrs_diag d = {0};
        CHECK(ocrs_codegen(g, &o, &d) == OCRS_OK);
        CHECK(file_contains(o.output, kinds[i].needle, kinds[i].nlen));
        unlink(o.output);
    }
    /* An explicit target triple and CPU. */
    ocrs_codegen_opts o = {.emit = OCRS_EMIT_ASM, .name = "m", .output = path_in("m.s"),
                           .triple = "x86_64-pc-linux-gnu", .cpu = "x86-64-v2"};
    ocrs_diag d = {0};
    CHECK(ocrs_codegen(g, &o, &d) == OCRS_OK);
    CHECK(!file_contains(o.output, "ymm", 3)); /* v2 has no AVX */
    unlink(o.output);
    o.triple = "no-such-target";
    CHECK(ocrs_codegen(g, &o, &d) == OCRS_ERR_USAGE);
    CHECK(!exists(o.output));
    CHECK(folder_entries() == 0);
    ir_graph_free(g);
}

/* ---- atomic outputs and failures ----------------------------------------------------- */

static void test_atomic(void) {
    ir_graph *g = small_graph();
    ocrs_diag d = {0};
    /* An existing library survives a failed build unchanged. */
    const char *lib = path_in("libold.so");
    FILE *f = fopen(lib, "w");
    CHECK(f && fputs("old", f) >= 0 && fclose(f) == 0);
    ocrs_codegen_opts o = {.emit = OCRS_EMIT_LIB, .name = "old", .output = lib, .cc = "/nonexistent/cc"};
    CHECK(ocrs_codegen(g, &o, &d) == OCRS_ERR_TOOL);
    CHECK(strstr(d.msg, "/nonexistent/cc") != NULL);
    CHECK(file_contains(lib, "old", 3));
    CHECK(!exists(path_in("old.h")));
    CHECK(folder_entries() == 1);
    /* A compiler that fails. */
    o.cc = "false";
    CHECK(ocrs_codegen(g, &o, &d) == OCRS_ERR_TOOL);
    CHECK(folder_entries() == 1);
    unlink(lib);
    /* The runtime sources found through OCRS_RUNTIME_DIR, or not at all. */
    setenv("OCRS_RUNTIME_DIR", h_tmpdir(), 1);
    o.cc = NULL;
    CHECK(ocrs_codegen(g, &o, &d) == OCRS_ERR_IO);
    CHECK(strstr(d.msg, "OCRS_RUNTIME_DIR") != NULL);
    unsetenv("OCRS_RUNTIME_DIR");
    CHECK(folder_entries() == 0);
    /* Unwritable destinations. */
    o.output = "/nonexistent-dir/libx.so";
    CHECK(ocrs_codegen(g, &o, &d) == OCRS_ERR_IO);
    o.emit = OCRS_EMIT_LLVM;
    CHECK(ocrs_codegen(g, &o, &d) == OCRS_ERR_IO);
    /* A header folder that does not exist: the library is not replaced either. */
    o.emit = OCRS_EMIT_LIB;
    o.output = path_in("libhdr.so");
    o.header = "/nonexistent-dir/hdr.h";
    CHECK(ocrs_codegen(g, &o, &d) == OCRS_ERR_IO);
    CHECK(folder_entries() == 0);
    /* Names that are not C identifiers, and a missing output. */
    static const char *const bad_names[] = {"", "1det", "de-t", "d t", NULL};
    o.header = NULL;
    for (size_t i = 0; i < sizeof bad_names / sizeof bad_names[0]; i++) {
        o.name = bad_names[i];
        CHECK(ocrs_codegen(g, &o, &d) == OCRS_ERR_USAGE);
    }
    o.name = "ok";
    o.output = NULL;
    CHECK(ocrs_codegen(g, &o, &d) == OCRS_ERR_USAGE);
    CHECK(ocrs_codegen(g, NULL, &d) == OCRS_ERR_USAGE);
    CHECK(folder_entries() == 0);
    ir_graph_free(g);
}

int main(int argc, char **argv) {
    const char *what = argc > 1 ? argv[1] : "";
    if (!strcmp(what, "api")) test_api();
    else if (!strcmp(what, "run")) test_run();
    else if (!strcmp(what, "two_models")) test_two_models();
    else if (!strcmp(what, "deps")) test_deps();
    else if (!strcmp(what, "emit")) test_emit();
    else if (!strcmp(what, "atomic")) test_atomic();
    else {
        fprintf(stderr, "usage: test_codegen_lib api|run|two_models|deps|emit|atomic\n");
        return 2;
    }
    char name[64];
    snprintf(name, sizeof name, "codegen.lib.%s", what);
    return h_report(name);
}
