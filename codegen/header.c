/* The generated <name>.h: the API of lib<name>.so with its contract
 * (symbols, inputs and outputs by name with their shapes, ownership,
 * threading, workspace), every symbol prefixed. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../runtime/core/ocrs_model.h"
#include "cg.h"

/* "(N, H, W)": the parameter list of the macros giving an extent. */
static void sym_params(const ir_graph *g, char *buf, size_t size) {
    size_t n = (size_t)snprintf(buf, size, "(");
    for (int s = 0; s < g->nsyms && n < size; s++)
        n += (size_t)snprintf(buf + n, size - n, "%s%s", s ? ", " : "", g->syms[s].name);
    if (n < size) snprintf(buf + n, size - n, ")");
}

/* "[N, 3, H, W]" */
static void shape_text(FILE *f, const ir_graph *g, const ir_value *v) {
    char buf[96];
    fputc('[', f);
    for (int i = 0; i < v->rank; i++) {
        ir_format_dim(g, v->dims[i], buf, sizeof buf);
        fprintf(f, "%s%s", i ? ", " : "", buf);
    }
    fputc(']', f);
}

/* <what>_RANK, <what>_DIM<i><params> and <what>_NUMEL<params> of value v,
 * the symbols named as in syms. */
static void shape_macros(FILE *f, const ir_symbol *syms, const char *params, const char *up, const char *what,
                         const ir_value *v) {
    char buf[512];
    fprintf(f, "#define %s_%s_RANK %d\n", up, what, v->rank);
    for (int i = 0; i < v->rank; i++) {
        ir_dim_format_c(v->dims[i], syms, buf, sizeof buf);
        fprintf(f, "#define %s_%s_DIM%d%s %s\n", up, what, i, params, buf);
    }
    fprintf(f, "#define %s_%s_NUMEL%s ((size_t)1", up, what, params);
    for (int i = 0; i < v->rank; i++) fprintf(f, " * (size_t)%s_%s_DIM%d%s", up, what, i, params);
    fprintf(f, ")\n");
}

/* "16*H/4*W/4" elements of one buffer. */
static void numel_text(const ir_graph *g, const ir_value *v, char *buf, size_t size) {
    size_t n = 0;
    buf[0] = 0;
    for (int i = 0; i < v->rank && n < size; i++) {
        char d[96];
        ir_format_dim(g, v->dims[i], d, sizeof d);
        if (strcmp(d, "1") == 0) continue;
        bool sum = strchr(d, '+') || strchr(d, '-');
        n += (size_t)snprintf(buf + n, size - n, sum ? "%s(%s)" : "%s%s", n ? "*" : "", d);
    }
    if (!buf[0]) snprintf(buf, size, "1");
}

/* Workspace bytes for the symbols' units, as the runtime computes them. */
static size_t workspace_at(const ir_graph *g, const cg_plan *p, const int64_t *units, size_t *slot_max) {
    memset(slot_max, 0, sizeof(size_t) * (p->nslots + 1));
    for (uint32_t b = 0; b < p->nbufs; b++) {
        if (p->slot_of_buf[b] < 0) continue;
        size_t n = (size_t)ir_numel(&g->values[p->value_of_buf[b]], units) * sizeof(float);
        n = (n + OCRS_BUF_ALIGN - 1) / OCRS_BUF_ALIGN * OCRS_BUF_ALIGN;
        if (slot_max[p->slot_of_buf[b]] < n) slot_max[p->slot_of_buf[b]] = n;
    }
    size_t total = 0;
    for (uint32_t s = 0; s < p->nslots; s++) total += slot_max[s];
    return total;
}

/* A buffer's element count as c * m * (the product of its other extents):
 * c a constant, m a monomial (the single-term extents' coefficients go to c,
 * their monomials to m). */
typedef struct {
    int64_t c;
    int exp[IR_MAX_SYMS];
    int nrest;
    ir_dim rest[IR_MAX_RANK];
} factored;

static factored factor(const ir_value *v) {
    factored f = {.c = 1};
    for (int i = 0; i < v->rank; i++) {
        ir_dim d = v->dims[i];
        if (ir_dim_static(d)) f.c *= d.q;
        else if (d.q == 0 && d.nterms == 1) {
            f.c *= d.t[0].coef;
            for (int s = 0; s < IR_MAX_SYMS; s++) f.exp[s] += ir_mono_exp(d.t[0].mono, s);
        } else {
            f.rest[f.nrest++] = d;
        }
    }
    return f;
}

/* Whether buffer a holds at least as many elements as buffer b for every
 * value of the symbols (ties go to the lower index): provably, when b's
 * monomial divides a's, b's other extents are among a's (a's extra ones are
 * at least 1), and the constant part wins at the symbols' smallest values. */
static bool dominates(const ir_graph *g, const cg_plan *p, uint32_t a, uint32_t b) {
    factored fa = factor(&g->values[p->value_of_buf[a]]), fb = factor(&g->values[p->value_of_buf[b]]);
    bool used[IR_MAX_RANK] = {false};
    for (int j = 0; j < fb.nrest; j++) {
        int k = 0;
        while (k < fa.nrest && (used[k] || !ir_dim_equal(fa.rest[k], fb.rest[j]))) k++;
        if (k == fa.nrest) return false;
        used[k] = true;
    }
    double ca = (double)fa.c, cb = (double)fb.c;
    for (int s = 0; s < g->nsyms; s++) {
        if (fa.exp[s] < fb.exp[s]) return false;
        for (int e = fb.exp[s]; e < fa.exp[s]; e++) ca *= (double)(g->syms[s].min / g->syms[s].align);
    }
    return ca > cb || (ca == cb && a < b);
}

/* The workspace formula: per slot, the largest of its buffers (those no
 * other buffer of the slot dominates). */
static void workspace_text(FILE *f, const ir_graph *g, const cg_plan *p) {
    for (uint32_t s = 0; s < p->nslots; s++) {
        uint32_t top[16];
        int n = 0;
        bool more = false;
        for (uint32_t b = 0; b < p->nbufs; b++) {
            if (p->slot_of_buf[b] != (int32_t)s) continue;
            bool dominated = false;
            for (uint32_t a = 0; a < p->nbufs && !dominated; a++)
                dominated = a != b && p->slot_of_buf[a] == (int32_t)s && dominates(g, p, a, b);
            if (dominated) continue;
            if (n < 16) top[n++] = b;
            else more = true;
        }
        fprintf(f, " *     %s %s", s ? "+" : " ", n > 1 ? "max(" : "");
        for (int i = 0; i < n; i++) {
            char t[256];
            numel_text(g, &g->values[p->value_of_buf[top[i]]], t, sizeof t);
            fprintf(f, "%s%s", i ? (i % 4 ? ", " : ",\n *             ") : "", t);
        }
        fprintf(f, "%s%s floats\n", more ? ", ..." : "", n > 1 ? ")" : "");
    }
}

static void symbols_text(FILE *f, const ir_graph *g) {
    if (!g->nsyms) {
        fprintf(f, " * Every dim is fixed.\n");
        return;
    }
    fprintf(f, " * Symbols, the dynamic dims (each call gives them through the inputs' dims):\n");
    for (int s = 0; s < g->nsyms; s++) {
        const ir_symbol *y = &g->syms[s];
        fprintf(f, " *   %-4s ", y->name);
        if (y->derived) {
            const ir_symbol *b = &g->syms[y->base];
            /* An exact symbol's alignment is 1: its units are its value. */
            fprintf(f, "= floor((%lld * %s + %lld) / %lld), from %s (not given)", (long long)y->bcoef, b->name,
                    (long long)y->badd, (long long)y->bdiv, b->name);
            fputc('\n', f);
            continue;
        }
        if (y->align > 1) fprintf(f, "a multiple of %lld ", (long long)y->align);
        fprintf(f, "in [%lld, %lld]", (long long)y->min, (long long)y->max);
        if (y->param) fprintf(f, " (the model's '%s')", y->param);
        fputc('\n', f);
    }
}

/* A C identifier from a value's name: other characters become '_'. */
static void c_name(const char *name, char *buf, size_t size) {
    size_t n = 0;
    if (!isalpha((unsigned char)name[0]) && name[0] != '_' && n + 1 < size) buf[n++] = '_';
    for (; *name && n + 1 < size; name++) buf[n++] = isalnum((unsigned char)*name) ? *name : '_';
    buf[n] = 0;
}

static void io_macros(FILE *f, const ir_graph *g, const char *params, const char *up) {
    fprintf(f, "#define %s_NUM_SYMBOLS %d\n", up, g->nsyms);
    for (int s = 0; s < g->nsyms; s++) {
        const ir_symbol *y = &g->syms[s];
        fprintf(f, "#define %s_SYM_%s_MULTIPLE %lld\n#define %s_SYM_%s_MIN %lld\n#define %s_SYM_%s_MAX %lld\n", up,
                y->name, (long long)y->align, up, y->name, (long long)y->min, up, y->name, (long long)y->max);
    }
    fprintf(f, "#define %s_NUM_INPUTS %u\n#define %s_NUM_OUTPUTS %u\n", up, g->ninputs, up, g->noutputs);
    int total[2] = {0, 0};
    for (int io = 0; io < 2; io++) {
        uint32_t n = io ? g->noutputs : g->ninputs;
        for (uint32_t i = 0; i < n; i++) {
            const ir_value *v = &g->values[io ? g->outputs[i] : g->inputs[i]];
            char what[32], id[128];
            snprintf(what, sizeof what, "%s%u", io ? "OUTPUT" : "INPUT", i);
            c_name(v->name, id, sizeof id);
            fprintf(f, "\n/* %s %u '%s': ", io ? "output" : "input", i, v->name);
            shape_text(f, g, v);
            fprintf(f, " */\n#define %s_%s_NAME \"%s\"\n", up, what, v->name);
            /* By name too, unless another value's name gives the same identifier. */
            bool unique = true;
            for (uint32_t k = 0; k < n; k++) {
                char other[128];
                c_name(g->values[io ? g->outputs[k] : g->inputs[k]].name, other, sizeof other);
                unique &= k == i || strcmp(other, id) != 0;
            }
            if (unique) fprintf(f, "#define %s_%s_INDEX_%s %u\n", up, io ? "OUTPUT" : "INPUT", id, i);
            shape_macros(f, g->syms, params, up, what, v);
            total[io] += v->rank;
        }
    }
    fprintf(f, "\n/* Dims of every input, and of every output, one after the other. */\n");
    fprintf(f, "#define %s_INPUT_DIMS_TOTAL %d\n#define %s_OUTPUT_DIMS_TOTAL %d\n\n", up, total[0], up, total[1]);
}

/* The image API: <name>_forward(height, width) and the macros of one
 * image (h, w), with N at 1. */
static void image_api(FILE *f, const ir_graph *g, const char *name, const char *up) {
    int n, h, w;
    if (!ir_image_syms(g, &n, &h, &w)) return;
    ir_symbol syms[IR_MAX_SYMS];
    memcpy(syms, g->syms, sizeof syms);
    if (n >= 0) syms[n].name = "1";
    syms[h].name = "h";
    syms[w].name = "w";
    const ir_symbol *H = &g->syms[h], *W = &g->syms[w];
    fprintf(f, "/* ---- one image: the input [1, C, h, w] ----\n"
               " * height = %s, width = %s; the extents for one image of height h and width w. */\n",
            H->name, W->name);
    if (H->align == W->align && H->min == W->min && H->max == W->max)
        fprintf(f, "#define %s_SIZE_MULTIPLE %lld\n#define %s_MIN_SIZE %lld\n#define %s_MAX_SIZE %lld\n", up,
                (long long)H->align, up, (long long)H->min, up, (long long)H->max);
    shape_macros(f, syms, "(h, w)", up, "INPUT", &g->values[g->inputs[0]]);
    shape_macros(f, syms, "(h, w)", up, "OUTPUT", &g->values[g->outputs[0]]);
    fprintf(f, "\n/* Runs the model on one image: input (%s_INPUT_NUMEL(height, width)\n"
               " * floats) in, output (%s_OUTPUT_NUMEL(height, width) floats) out, as\n"
               " * %s_run with %s = %lld%s, %s = height, %s = width. Returns %s_OK,\n"
               " * or an error code with output untouched. */\n",
            up, up, name, n >= 0 ? g->syms[n].name : "the batch", 1LL, "", H->name, W->name, up);
    fprintf(f, "int %s_forward(%s_ctx *ctx, const float *input, int height, int width, float *output);\n\n", name,
            name);
    fprintf(f, "/* Workspace bytes %s_forward needs at this size; 0 for a size it rejects. */\n", name);
    fprintf(f, "size_t %s_workspace_size(int height, int width);\n\n", name);
}

void cg_write_status_macros(FILE *f, const char *up) {
#define OCRS_STATUS(id, doc) fprintf(f, "#define %s_%s %d /* %s */\n", up, #id, OCRS_RT_##id, doc);
#include "../runtime/core/status.def"
#undef OCRS_STATUS
}

void cg_write_note(FILE *f, const char *lead, const char *note) {
    for (const char *line = note; *line; lead = "") {
        size_t len = strcspn(line, "\n");
        fprintf(f, " * %s%.*s.\n", lead, (int)len, line);
        line += len + (line[len] == '\n');
    }
    fprintf(f, " *\n");
}

ocrs_status cg_write_header(const ir_graph *g, const cg_plan *p, const char *name, const char *note,
                            const char *path, size_t weight_bytes, ocrs_diag *diag) {
    FILE *f = fopen(path, "w");
    if (!f) return ocrs_fail(diag, OCRS_ERR_IO, "code generation: cannot write '%s': %s", path, strerror(errno));
    size_t *slot_max = calloc(p->nslots + 1, sizeof(size_t));
    if (!slot_max) {
        fclose(f);
        return ocrs_fail(diag, OCRS_ERR_NOMEM, "code generation: out of memory");
    }
    char up[80], params[256];
    size_t n = strlen(name);
    for (size_t i = 0; i <= n; i++) up[i] = (char)toupper((unsigned char)name[i]);
    sym_params(g, params, sizeof params);
    const char *src = strrchr(g->source, '/') ? strrchr(g->source, '/') + 1 : g->source;

    fprintf(f, "/* %s.h: the API of the %s model library (lib%s.so or lib%s.a).\n", name, name, name, name);
    fprintf(f, " * Auto-generated file by ocrslim from %s. Do not edit!\n *\n", src);
    if (note) cg_write_note(f, "", note);
    symbols_text(f, g);
    fprintf(f, " *\n * Inputs and outputs (float, dense, row-major), in the order the calls take them:\n");
    for (uint32_t i = 0; i < g->ninputs + g->noutputs; i++) {
        const ir_value *v = &g->values[i < g->ninputs ? g->inputs[i] : g->outputs[i - g->ninputs]];
        fprintf(f, " *   %s %u '%s' ", i < g->ninputs ? "input " : "output", i < g->ninputs ? i : i - g->ninputs,
                v->name);
        shape_text(f, g, v);
        fputc('\n', f);
    }
    fprintf(f, " * where W/8 means W divided by 8, and so on; the %s_INPUT<i>_* and\n", up);
    fprintf(f, " * %s_OUTPUT<i>_* macros below compute each extent and the element count.\n *\n", up);
    fprintf(f, " * Memory and ownership:\n");
    fprintf(f, " *   - The weights (%zu bytes) are constant data inside the library.\n", weight_bytes);
    fprintf(f, " *   - A context owns its workspace (%s_shapes gives its size), allocated by\n", name);
    fprintf(f, " *     %s_run when a call needs more than the context holds, and kept (it\n", name);
    fprintf(f, " *     only grows) until %s_destroy. In floats, each term rounded up to %d bytes:\n", name,
            OCRS_BUF_ALIGN);
    if (p->nslots) workspace_text(f, g, p);
    else fprintf(f, " *       0\n");
    int64_t units[IR_MAX_SYMS];
    ir_ref_units(g, units);
    char at[256] = "";
    for (int s = 0; s < g->nsyms; s++)
        snprintf(at + strlen(at), sizeof at - strlen(at), "%s%s=%lld", s ? ", " : "", g->syms[s].name,
                 (long long)g->syms[s].ref);
    fprintf(f, " *     e.g. %zu bytes%s%s.\n", workspace_at(g, p, units, slot_max), g->nsyms ? " at " : "", at);
    fprintf(f, " *   - Inputs and outputs belong to the caller, must not overlap, and are not\n");
    fprintf(f, " *     referenced after the call returns.\n *\n");
    fprintf(f, " * Threading: contexts are independent, so different threads may run\n");
    fprintf(f, " * different contexts at once; one context must not be used by two threads\n");
    fprintf(f, " * at the same time. %s_create starts num_threads - 1 worker threads\n", name);
    fprintf(f, " * (they sleep between calls; %s_destroy joins them); %s_run computes\n", name, name);
    fprintf(f, " * on them and the calling thread, each layer split statically, so the\n");
    fprintf(f, " * outputs are bit-identical for every num_threads.\n *\n");
    fprintf(f, " * Errors: functions returning int give %s_OK (0) or an error code, never\n", up);
    fprintf(f, " * crash on bad arguments, and %s_strerror() describes the code.\n */\n", name);
    fprintf(f, "#ifndef %s_H\n#define %s_H\n\n#include <stddef.h>\n#include <stdint.h>\n\n", up, up);
    fprintf(f, "#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n");
    cg_write_status_macros(f, up);
    fprintf(f, "\n#define %s_MAX_THREADS %d\n#define %s_MAX_RANK %d\n\n", up, OCRS_MAX_THREADS, up, OCRS_MAX_RANK);
    fprintf(f, "/* Extents, in the symbols %s. */\n", params);
    io_macros(f, g, params, up);
    fprintf(f, "typedef struct %s_ctx %s_ctx;\n\n", name, name);
    fprintf(f, "/* Creates a context in *ctx_out (NULL on failure). No workspace is\n"
               " * allocated yet. Returns %s_OK or an error code. */\n", up);
    fprintf(f, "int %s_create(%s_ctx **ctx_out, int num_threads);\n\n", name, name);
    fprintf(f, "/* Frees the context and its workspace; NULL is a no-op. */\n");
    fprintf(f, "void %s_destroy(%s_ctx *ctx);\n\n", name, name);
    fprintf(f, "/* A static English description of a status code. */\n");
    fprintf(f, "const char *%s_strerror(int status);\n\n", name);
    fprintf(f, "/* The inputs and outputs as the library sees them, for callers without\n"
               " * this header (bindings that load the library at run time): their\n"
               " * counts, and each one's rank into ranks_out (inputs first; room for\n"
               " * %s_NUM_INPUTS + %s_NUM_OUTPUTS, or NULL). Returns %s_OK or\n"
               " * %s_ERR_NULL. */\n",
            up, up, up, up);
    fprintf(f, "int %s_describe(int *num_inputs_out, int *num_outputs_out, int *ranks_out);\n\n", name);
    fprintf(f, "/* For inputs of these dims (every input's, one after the other:\n"
               " * %s_INPUT_DIMS_TOTAL values): every output's dims (%s_OUTPUT_DIMS_TOTAL\n"
               " * values) and the workspace bytes a run needs. %s_ERR_SIZE when the dims\n"
               " * do not fit the model (a fixed dim differs, a symbol is outside its range\n"
               " * or not its multiple, or one symbol takes two values). */\n",
            up, up, up);
    fprintf(f, "int %s_shapes(const int64_t *input_dims, int64_t *output_dims, size_t *workspace_bytes);\n\n", name);
    fprintf(f, "/* Runs the model: inputs[i] holds input i (its NUMEL floats for these\n"
               " * dims), outputs[i] receives output i. Returns %s_OK, or an error code\n"
               " * with the outputs untouched. */\n", up);
    fprintf(f, "int %s_run(%s_ctx *ctx, const int64_t *input_dims, const float *const *inputs,\n"
               "           float *const *outputs);\n\n", name, name);
    image_api(f, g, name, up);
    if (cg_is_detector(g)) cg_write_header_detect(f, name, up);
    fprintf(f, "#ifdef __cplusplus\n}\n#endif\n\n#endif\n");
    free(slot_max);
    bool ok = !ferror(f);
    ok &= fclose(f) == 0;
    if (!ok) return ocrs_fail(diag, OCRS_ERR_IO, "code generation: cannot write '%s': %s", path, strerror(errno));
    return OCRS_OK;
}
