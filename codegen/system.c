/* OCR system libraries: what the models of one must look like, the facts
 * about them the system's runtime (runtime/ocr/) is compiled with, and the
 * dictionary embedded as C source. link.c builds the library from these;
 * header_system.c writes its header.
 *
 * The runtime relies on: a DB detector (cg_is_detector); a classifier of
 * one input [N, 3, H, W] with fixed H and W and one output [N, 2] (the
 * scores of 0 and 180 degrees); a recognizer of one input [N, 3, H, W] with
 * fixed H and W a symbol, and one output [N, T, C], C the dictionary's
 * classes plus the CTC blank (and a space when use_space). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../runtime/ocr/ocrs_dict.h"
#include "cg.h"

enum { MAX_DICT_BYTES = 1 << 24 };

/* The batch (a symbol, or fixed 1) and fixed channels of an input [N, 3, H, W]. */
static bool image_input(const ir_graph *g, const ir_value **x_out) {
    if (g->ninputs != 1 || g->noutputs != 1) return false;
    const ir_value *x = &g->values[g->inputs[0]];
    *x_out = x;
    if (x->rank != 4 || !ir_dim_equal(x->dims[1], ir_dim_const(3)) || !ir_dim_static(x->dims[2])) return false;
    return ir_dim_static(x->dims[0]) ? x->dims[0].q == 1 : ir_symbol_of(g, x->dims[0]) >= 0;
}

/* A valid UTF-8 sequence at p (at most n bytes): its length, 0 if none. */
static size_t utf8_len(const unsigned char *p, size_t n) {
    size_t len = p[0] < 0x80 ? 1 : (p[0] & 0xe0) == 0xc0 ? 2 : (p[0] & 0xf0) == 0xe0 ? 3 : (p[0] & 0xf8) == 0xf0 ? 4 : 0;
    if (!len || len > n || (len == 2 && p[0] < 0xc2)) return 0;
    for (size_t i = 1; i < len; i++)
        if ((p[i] & 0xc0) != 0x80) return 0;
    uint32_t c = len == 1 ? p[0] : len == 2 ? p[0] & 0x1fu : len == 3 ? p[0] & 0x0fu : p[0] & 0x07u;
    for (size_t i = 1; i < len; i++) c = c << 6 | (p[i] & 0x3fu);
    /* overlong forms, surrogates, beyond U+10FFFF */
    if ((len == 3 && c < 0x800) || (len == 4 && (c < 0x10000 || c > 0x10ffff)) || (c >= 0xd800 && c <= 0xdfff))
        return 0;
    return len;
}

/* Reads the dictionary: PaddleOCR's one character (string) per line,
 * "\n" or "\r\n" ended, the last line's end optional. */
static ocrs_status read_dict(const char *path, cg_system *sys, ocrs_diag *diag) {
    FILE *f = fopen(path, "rb");
    if (!f) return ocrs_fail(diag, OCRS_ERR_IO, "dictionary '%s': %s", path, strerror(errno));
    char *buf = malloc(MAX_DICT_BYTES + 1);
    size_t n = buf ? fread(buf, 1, MAX_DICT_BYTES + 1, f) : 0;
    bool failed = ferror(f);
    fclose(f);
    ocrs_status st = OCRS_OK;
    if (!buf) st = ocrs_fail(diag, OCRS_ERR_NOMEM, "dictionary '%s': out of memory", path);
    else if (failed) st = ocrs_fail(diag, OCRS_ERR_IO, "dictionary '%s': read error", path);
    else if (n > MAX_DICT_BYTES) st = ocrs_fail(diag, OCRS_ERR_INVALID, "dictionary '%s': larger than %d bytes", path, MAX_DICT_BYTES);
    else if (n == 0) st = ocrs_fail(diag, OCRS_ERR_INVALID, "dictionary '%s': empty", path);
    int64_t line = 1;
    for (size_t i = 0; !st && i < n;) {
        size_t len = buf[i] ? utf8_len((const unsigned char *)buf + i, n - i) : 0;
        if (!len)
            st = ocrs_fail(diag, OCRS_ERR_INVALID, "dictionary '%s': line %lld: not UTF-8 text (byte 0x%02x)", path,
                           (long long)line, (unsigned char)buf[i]);
        line += buf[i] == '\n';
        i += len;
    }
    if (st) {
        free(buf);
        return st;
    }
    sys->dict = buf;
    sys->dict_size = n;
    sys->dict_lines = ocrs_dict_lines(buf, n);
    return OCRS_OK;
}

ocrs_status cg_system_facts(const ocrs_system_opts *o, cg_system *sys, ocrs_diag *diag) {
    *sys = (cg_system){.has_cls = o->cls != NULL, .use_space = o->use_space};
    if (!cg_is_detector(o->det))
        return ocrs_fail(diag, OCRS_ERR_UNSUPPORTED,
                         "%s: not a text detector: one input [N, 3, H, W] and an output [N, C, H, W] (a DB "
                         "probability map) are needed",
                         o->det->source);
    const ir_value *x;
    if (o->cls) {
        const ir_value *y = &o->cls->values[o->cls->outputs[0]];
        if (!image_input(o->cls, &x) || !ir_dim_static(x->dims[3]) || y->rank != 2 ||
            !ir_dim_equal(y->dims[0], x->dims[0]) || !ir_dim_equal(y->dims[1], ir_dim_const(2)))
            return ocrs_fail(diag, OCRS_ERR_UNSUPPORTED,
                             "%s: not a direction classifier: one input [N, 3, H, W] of fixed H and W (give --dim) "
                             "and one output [N, 2] are needed",
                             o->cls->source);
        sys->cls_h = x->dims[2].q;
        sys->cls_w = x->dims[3].q;
    }
    const ir_value *y = &o->rec->values[o->rec->outputs[0]];
    int w = -1;
    if (!image_input(o->rec, &x) || (w = ir_symbol_of(o->rec, x->dims[3])) < 0 || y->rank != 3 ||
        !ir_dim_equal(y->dims[0], x->dims[0]) || !ir_dim_static(y->dims[2]))
        return ocrs_fail(diag, OCRS_ERR_UNSUPPORTED,
                         "%s: not a CTC text recognizer: one input [N, 3, H, W] of fixed H and dynamic W, and one "
                         "output [N, T, C] of fixed C are needed",
                         o->rec->source);
    sys->rec_h = x->dims[2].q;
    sys->rec_w_align = o->rec->syms[w].align;
    sys->rec_w_min = o->rec->syms[w].min;
    sys->rec_w_max = o->rec->syms[w].max;
    sys->rec_classes = y->dims[2].q;
    ocrs_status st = read_dict(o->dict_path, sys, diag);
    if (st) return st;
    int64_t want = sys->dict_lines + 1 + (o->use_space ? 1 : 0);
    if (want != sys->rec_classes) {
        st = ocrs_fail(diag, OCRS_ERR_INVALID,
                       "dictionary '%s' has %lld characters, so %lld classes with the CTC blank%s, but %s gives %lld%s",
                       o->dict_path, (long long)sys->dict_lines, (long long)want, o->use_space ? " and the space" : "",
                       o->rec->source, (long long)sys->rec_classes,
                       want + 1 == sys->rec_classes && !o->use_space ? " (use_space_char?)" : "");
        cg_system_free(sys);
    }
    return st;
}

void cg_system_free(cg_system *sys) {
    free(sys->dict);
    sys->dict = NULL;
}

ocrs_status ocrs_check_system(const ocrs_system_opts *o, ocrs_diag *diag) {
    cg_system sys;
    ocrs_status st = cg_system_facts(o, &sys, diag);
    if (!st) cg_system_free(&sys);
    return st;
}

ocrs_status cg_write_system_dict(const cg_system *sys, const char *name, const char *path, ocrs_diag *diag) {
    FILE *f = fopen(path, "w");
    if (!f) return ocrs_fail(diag, OCRS_ERR_IO, "code generation: cannot write '%s': %s", path, strerror(errno));
    fprintf(f, "/* The recognizer's dictionary, as read by ocrslimc. */\n#include <stddef.h>\n");
    fprintf(f, "__attribute__((visibility(\"hidden\"))) const size_t %s__dict_size = %zu;\n", name, sys->dict_size);
    fprintf(f, "__attribute__((visibility(\"hidden\"))) const char %s__dict[] = {", name);
    for (size_t i = 0; i < sys->dict_size; i++) fprintf(f, "%s%d,", i % 24 ? "" : "\n", (signed char)sys->dict[i]);
    fprintf(f, "0};\n");
    bool ok = !ferror(f);
    ok &= fclose(f) == 0;
    return ok ? OCRS_OK : ocrs_fail(diag, OCRS_ERR_IO, "code generation: cannot write '%s': %s", path, strerror(errno));
}
