/* The generated <name>.h: the API of lib<name>.so with its contract
 * (shapes, ownership, threading, workspace), every symbol prefixed. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../runtime/ocrs_model.h"
#include "cg.h"

/* "(h)", "(3 * ((w) / 32) + 1)", "(16)" for a dim of the header's macros. */
static void dim_macro(ir_dim d, char *buf, size_t size) {
    if (d.sym == IR_SYM_NONE || d.p == 0) {
        snprintf(buf, size, "%lld", (long long)d.q);
        return;
    }
    const char *s = d.sym == IR_SYM_H ? "(h)" : "(w)";
    if (d.p == IR_ALIGN && d.q == 0) snprintf(buf, size, "%s", s);
    else if (d.q == 0) snprintf(buf, size, "(%lld * (%s / %d))", (long long)d.p, s, IR_ALIGN);
    else snprintf(buf, size, "(%lld * (%s / %d) + %lld)", (long long)d.p, s, IR_ALIGN, (long long)d.q);
}

static void shape_macros(FILE *f, const char *up, const char *what, const ir_value *v) {
    char buf[96];
    fprintf(f, "#define %s_%s_RANK %d\n", up, what, v->rank);
    for (int i = 0; i < v->rank; i++) {
        dim_macro(v->dims[i], buf, sizeof buf);
        fprintf(f, "#define %s_%s_DIM%d(h, w) %s\n", up, what, i, buf);
    }
    fprintf(f, "#define %s_%s_NUMEL(h, w) ((size_t)1", up, what);
    for (int i = 0; i < v->rank; i++) fprintf(f, " * (size_t)%s_%s_DIM%d(h, w)", up, what, i);
    fprintf(f, ")\n");
}

/* "[1, 3, H, W]" */
static void shape_text(FILE *f, const ir_value *v) {
    char buf[64];
    fputc('[', f);
    for (int i = 0; i < v->rank; i++) {
        ir_dim_format(v->dims[i], buf, sizeof buf);
        fprintf(f, "%s%s", i ? ", " : "", buf);
    }
    fputc(']', f);
}

/* "16*H/4*W/4" floats of one buffer. */
static void numel_text(const ir_value *v, char *buf, size_t size) {
    size_t n = 0;
    buf[0] = 0;
    for (int i = 0; i < v->rank && n < size; i++) {
        char d[64];
        ir_dim_format(v->dims[i], d, sizeof d);
        if (strcmp(d, "1") == 0) continue;
        n += (size_t)snprintf(buf + n, size - n, "%s%s", n ? "*" : "", d);
    }
    if (!buf[0]) snprintf(buf, size, "1");
}

/* Workspace bytes at one size, as the runtime computes them. */
static size_t workspace_at(const ir_graph *g, const cg_plan *p, int64_t h, int64_t w, size_t *slot_max) {
    memset(slot_max, 0, sizeof(size_t) * (p->nslots + 1));
    for (uint32_t b = 0; b < p->nbufs; b++) {
        if (p->slot_of_buf[b] < 0) continue;
        size_t n = (size_t)ir_numel(&g->values[p->value_of_buf[b]], h, w) * sizeof(float);
        n = (n + OCRS_BUF_ALIGN - 1) / OCRS_BUF_ALIGN * OCRS_BUF_ALIGN;
        if (slot_max[p->slot_of_buf[b]] < n) slot_max[p->slot_of_buf[b]] = n;
    }
    size_t total = 0;
    for (uint32_t s = 0; s < p->nslots; s++) total += slot_max[s];
    return total;
}

/* Whether buffer a is at least as large as buffer b for every H, W; ties
 * go to the lower index. Extents are products of affine dims, bilinear in
 * H and W, so comparing at the corners of [32, 4096]^2 decides it. */
static bool dominates(const ir_graph *g, const cg_plan *p, uint32_t a, uint32_t b) {
    static const int64_t corner[4][2] = {{32, 32}, {32, 4096}, {4096, 32}, {4096, 4096}};
    bool greater = false;
    for (int i = 0; i < 4; i++) {
        int64_t na = ir_numel(&g->values[p->value_of_buf[a]], corner[i][0], corner[i][1]);
        int64_t nb = ir_numel(&g->values[p->value_of_buf[b]], corner[i][0], corner[i][1]);
        if (na < nb) return false;
        greater |= na > nb;
    }
    return greater || a < b;
}

/* The workspace formula: per slot, the largest of its buffers (those no
 * other buffer of the slot dominates). */
static void workspace_text(FILE *f, const ir_graph *g, const cg_plan *p) {
    for (uint32_t s = 0; s < p->nslots; s++) {
        uint32_t top[16];
        int n = 0;
        for (uint32_t b = 0; b < p->nbufs && n < 16; b++) {
            if (p->slot_of_buf[b] != (int32_t)s) continue;
            bool dominated = false;
            for (uint32_t a = 0; a < p->nbufs && !dominated; a++)
                dominated = a != b && p->slot_of_buf[a] == (int32_t)s && dominates(g, p, a, b);
            if (!dominated) top[n++] = b;
        }
        fprintf(f, " *     %s %s", s ? "+" : " ", n > 1 ? "max(" : "");
        for (int i = 0; i < n; i++) {
            char t[160];
            numel_text(&g->values[p->value_of_buf[top[i]]], t, sizeof t);
            fprintf(f, "%s%s", i ? (i % 4 ? ", " : ",\n *             ") : "", t);
        }
        fprintf(f, "%s floats\n", n > 1 ? ")" : "");
    }
}

ocrs_status cg_write_header(const ir_graph *g, const cg_plan *p, const char *name, const char *path,
                            size_t weight_bytes, ocrs_diag *diag) {
    FILE *f = fopen(path, "w");
    if (!f) return ocrs_fail(diag, OCRS_ERR_IO, "code generation: cannot write '%s': %s", path, strerror(errno));
    size_t *slot_max = calloc(p->nslots + 1, sizeof(size_t));
    if (!slot_max) {
        fclose(f);
        return ocrs_fail(diag, OCRS_ERR_NOMEM, "code generation: out of memory");
    }
    char up[80];
    size_t n = strlen(name);
    for (size_t i = 0; i <= n; i++) up[i] = (char)toupper((unsigned char)name[i]);
    const ir_value *in = &g->values[g->inputs[0]], *out = &g->values[g->outputs[0]];
    const char *src = strrchr(g->source, '/') ? strrchr(g->source, '/') + 1 : g->source;

    fprintf(f, "/* %s.h: the API of the %s model library (lib%s.so or lib%s.a).\n", name, name, name, name);
    fprintf(f, " * Auto-generated file by ocrslim from %s. Do not edit!\n *\n", src);
    fprintf(f, " * Shapes (float, NCHW, dense). H and W are multiples of %d in [%d, %d].\n", OCRS_ALIGN,
            OCRS_MIN_EXTENT, OCRS_MAX_EXTENT);
    fprintf(f, " *   input  ");
    shape_text(f, in);
    fprintf(f, "\n *   output ");
    shape_text(f, out);
    fprintf(f, "\n * where H/4 means H divided by 4, and so on; the %s_INPUT_* and\n", up);
    fprintf(f, " * %s_OUTPUT_* macros below compute each extent and the element count.\n *\n", up);
    fprintf(f, " * Memory and ownership:\n");
    fprintf(f, " *   - The weights (%zu bytes) are constant data inside the library.\n", weight_bytes);
    fprintf(f, " *   - A context owns its workspace of %s_workspace_size(H, W) bytes,\n", name);
    fprintf(f, " *     allocated by %s_forward when a call needs more than the context\n", name);
    fprintf(f, " *     holds, and kept (it only grows) until %s_destroy. In floats, with\n", name);
    fprintf(f, " *     each term rounded up to %d bytes:\n", OCRS_BUF_ALIGN);
    if (p->nslots) workspace_text(f, g, p);
    else fprintf(f, " *       0\n");
    static const int64_t ex[][2] = {{640, 640}, {960, 960}, {736, 1280}};
    fprintf(f, " *     e.g.");
    for (size_t i = 0; i < sizeof ex / sizeof ex[0]; i++)
        fprintf(f, "%s %lldx%lld: %zu bytes", i ? "," : "", (long long)ex[i][0], (long long)ex[i][1],
                workspace_at(g, p, ex[i][0], ex[i][1], slot_max));
    fprintf(f, ".\n");
    fprintf(f, " *   - input and output belong to the caller, must not overlap, and are not\n");
    fprintf(f, " *     referenced after %s_forward returns.\n *\n", name);
    fprintf(f, " * Threading: contexts are independent, so different threads may run\n");
    fprintf(f, " * different contexts at once; one context must not be used by two threads\n");
    fprintf(f, " * at the same time. %s_create starts num_threads - 1 worker threads\n", name);
    fprintf(f, " * (they sleep between calls; %s_destroy joins them); %s_forward computes\n", name, name);
    fprintf(f, " * on them and the calling thread, each layer split statically, so the\n");
    fprintf(f, " * output is bit-identical for every num_threads.\n *\n");
    fprintf(f, " * Errors: functions returning int give %s_OK (0) or an error code, never\n", up);
    fprintf(f, " * crash on bad arguments, and %s_strerror() describes the code.\n */\n", name);
    fprintf(f, "#ifndef %s_H\n#define %s_H\n\n#include <stddef.h>\n\n", up, up);
    fprintf(f, "#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n");
    static const char *const codes[OCRS_RT_NSTATUS] = {
        [OCRS_RT_OK] = "OK",
        [OCRS_RT_ERR_NULL] = "ERR_NULL",
        [OCRS_RT_ERR_SIZE] = "ERR_SIZE",
        [OCRS_RT_ERR_THREADS] = "ERR_THREADS",
        [OCRS_RT_ERR_NOMEM] = "ERR_NOMEM",
        [OCRS_RT_ERR_ARG] = "ERR_ARG",
        [OCRS_RT_ERR_MODEL] = "ERR_MODEL",
    };
    static const char *const code_doc[OCRS_RT_NSTATUS] = {
        [OCRS_RT_OK] = "success",
        [OCRS_RT_ERR_NULL] = "a required pointer argument is NULL",
        [OCRS_RT_ERR_SIZE] = "height or width is not a multiple of 32 in [32, 4096]",
        [OCRS_RT_ERR_THREADS] = "num_threads is outside [1, MAX_THREADS]",
        [OCRS_RT_ERR_NOMEM] = "out of memory",
        [OCRS_RT_ERR_ARG] = "an image size, stride, box count or detection option is out of range",
        [OCRS_RT_ERR_MODEL] = "the model is not a DB detector (input 1x3xHxW, output NxCxHxW)",
    };
    for (int i = 0; i < OCRS_RT_NSTATUS; i++)
        fprintf(f, "#define %s_%s %d /* %s */\n", up, codes[i], i, code_doc[i]);
    fprintf(f, "\n#define %s_SIZE_MULTIPLE %d\n#define %s_MIN_SIZE %d\n#define %s_MAX_SIZE %d\n", up, OCRS_ALIGN, up,
            OCRS_MIN_EXTENT, up, OCRS_MAX_EXTENT);
    fprintf(f, "#define %s_MAX_THREADS %d\n\n", up, OCRS_MAX_THREADS);
    fprintf(f, "/* Extents for an input of height h and width w. */\n");
    shape_macros(f, up, "INPUT", in);
    shape_macros(f, up, "OUTPUT", out);
    fprintf(f, "\ntypedef struct %s_ctx %s_ctx;\n\n", name, name);
    fprintf(f, "/* Creates a context in *ctx_out (NULL on failure). No workspace is\n"
               " * allocated yet. Returns %s_OK or an error code. */\n", up);
    fprintf(f, "int %s_create(%s_ctx **ctx_out, int num_threads);\n\n", name, name);
    fprintf(f, "/* Frees the context and its workspace; NULL is a no-op. */\n");
    fprintf(f, "void %s_destroy(%s_ctx *ctx);\n\n", name, name);
    fprintf(f, "/* Runs the model on input (%s_INPUT_NUMEL(height, width) floats) and\n", up);
    fprintf(f, " * writes output (%s_OUTPUT_NUMEL(height, width) floats). Returns\n", up);
    fprintf(f, " * %s_OK, or an error code with output untouched. */\n", up);
    fprintf(f, "int %s_forward(%s_ctx *ctx, const float *input, int height, int width, float *output);\n\n", name,
            name);
    fprintf(f, "/* A static English description of a status code. */\n");
    fprintf(f, "const char *%s_strerror(int status);\n\n", name);
    fprintf(f, "/* Workspace bytes a forward call at this size needs (see above); 0 for\n"
               " * a size %s_forward rejects. */\n", name);
    fprintf(f, "size_t %s_workspace_size(int height, int width);\n\n", name);
    cg_write_header_detect(f, name, up);
    fprintf(f, "#ifdef __cplusplus\n}\n#endif\n\n#endif\n");
    free(slot_max);
    bool ok = !ferror(f);
    ok &= fclose(f) == 0;
    if (!ok) return ocrs_fail(diag, OCRS_ERR_IO, "code generation: cannot write '%s': %s", path, strerror(errno));
    return OCRS_OK;
}
