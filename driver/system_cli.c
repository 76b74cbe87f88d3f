/* ocrslimc's OCR-system mode (see system_cli.h): import and canonicalise
 * each model, prune the detector when asked, check the three fit together
 * before any code generation, compile each into a part in a private folder,
 * then link the library. */
#include "system_cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "depfile.h"
#include "frontend.h"
#include "paths.h"

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* The classifier with its input's height and width fixed to h x w: the
 * symbols the import gives them, set (a model with fixed ones keeps them;
 * ocrs_check_system then compares). */
static ocrs_status import_cls(const char *path, int h, int w, ir_graph **g, ocrs_diag *diag) {
    ocrs_status st = ocrs_import_onnx(path, NULL, g, diag);
    int sn, sh, sw;
    if (st || !ir_image_syms(*g, &sn, &sh, &sw)) return st;
    char hn[64], wn[64];
    snprintf(hn, sizeof hn, "%s", (*g)->syms[sh].name);
    snprintf(wn, sizeof wn, "%s", (*g)->syms[sw].name);
    ocrs_dim_setting dims[2] = {{hn, h, h}, {wn, w, w}};
    ocrs_import_opts fixed = {dims, 2};
    ir_graph_free(*g);
    *g = NULL;
    return ocrs_import_onnx(path, &fixed, g, diag);
}

/* Import, canonical passes, and for the detector the pruning asked for. */
static ocrs_status front(system_cli *s, const char *what, const char *path, ir_graph **g, ocrs_diag *diag) {
    double t0 = now_ms();
    ocrs_status st = what[0] == 'c' ? import_cls(path, s->cls_h, s->cls_w, g, diag)
                                    : ocrs_import_onnx(path, what[0] == 'd' ? s->prune->import : NULL, g, diag);
    if (!st) st = ocrs_canonicalize(*g, s->passes, diag);
    if (!st && what[0] == 'd') st = prune_cli_run(*g, s->prune, s->lib.verbose, diag);
    if (!st) st = ir_verify(*g, diag);
    if (!st && s->lib.verbose)
        fprintf(stderr, "ocrslimc: %s %s: imported, canonical passes: %u nodes (%.0f ms)\n", what, path, (*g)->nnodes,
                now_ms() - t0);
    return st;
}

/* No output replaces an input or another output. */
static bool distinct(const system_cli *s, const char *header) {
    driver_file f[9];
    int n = 0;
    const char *ins[] = {s->det, s->cls, s->rec, s->dict, s->config, s->prune->calib};
    const char *roles[] = {"the detector", "the classifier", "the recognizer", "the dictionary", "the config",
                           "the calibration label file"};
    for (int i = 0; i < 6; i++)
        if (ins[i]) f[n++] = (driver_file){roles[i], ins[i], false};
    f[n++] = (driver_file){"the output (-o)", s->lib.output, true};
    f[n++] = (driver_file){"the header", header, true};
    if (s->depfile) f[n++] = (driver_file){"the depfile", s->depfile, true};
    ocrs_diag diag = {0};
    if (!paths_distinct(f, n, &diag)) return true;
    fprintf(stderr, "ocrslimc: error: %s\n", diag.msg);
    return false;
}

int system_cli_run(system_cli *s) {
    if (!s->det || !s->rec || !s->dict) {
        fprintf(stderr, "ocrslimc: an OCR system needs --det, --rec and --dict (or the config's Det.model, "
                        "Rec.model and Global.character_dict_path)\n");
        return 2;
    }
    if (s->lib.emit != OCRS_EMIT_LIB) {
        fprintf(stderr, "ocrslimc: an OCR system is built as a shared library (lib<name>.so) only\n");
        return 2;
    }
    char *header = ocrs_header_path(&s->lib);
    if (!header || !distinct(s, header)) {
        free(header);
        return 2;
    }
    free(header);
    s->prune->model = s->det;
    ocrs_diag diag = {0};
    ir_graph *g[3] = {NULL, NULL, NULL};
    const char *what[3] = {"det", "cls", "rec"}, *paths[3] = {s->det, s->cls, s->rec};
    double t0 = now_ms();
    ocrs_status st = OCRS_OK;
    for (int i = 0; i < 3 && !st; i++)
        if (paths[i]) st = front(s, what[i], paths[i], &g[i], &diag);
    ocrs_system_opts so = {.name = s->lib.name, .output = s->lib.output, .header = s->lib.header,
                           .triple = s->lib.triple, .cpu = s->lib.cpu, .cc = s->lib.cc,
                           .runtime_defines = s->lib.runtime_defines, .det = g[0], .cls = g[1], .rec = g[2],
                           .dict_path = s->dict, .use_space = s->use_space, .verbose = s->lib.verbose};
    /* Before the long part: the models must fit together and the dictionary the recognizer. */
    if (!st) st = ocrs_check_system(&so, &diag);
    char dir[4096] = "", objs[3][4200] = {"", "", ""}, names[3][96];
    const char *tmpdir = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/ocrslimc-XXXXXX", tmpdir && tmpdir[0] ? tmpdir : "/tmp");
    bool made = !st && mkdtemp(dir);
    if (!st && !made) st = ocrs_fail(&diag, OCRS_ERR_IO, "cannot create a temporary folder in '%s'", dir);
    for (int i = 0; i < 3 && !st; i++) {
        if (!g[i]) continue;
        snprintf(names[i], sizeof names[i], "%s_%s", s->lib.name, what[i]);
        snprintf(objs[i], sizeof objs[i], "%s/%s.o", dir, names[i]);
        ocrs_codegen_opts part = s->lib;
        part.emit = OCRS_EMIT_SYSTEM_PART;
        part.name = names[i];
        part.output = objs[i];
        part.system = s->lib.name;
        double t1 = now_ms();
        st = ocrs_codegen(g[i], &part, &diag);
        if (!st && s->lib.verbose) fprintf(stderr, "ocrslimc: %s compiled (%.0f ms)\n", what[i], now_ms() - t1);
    }
    so.det_obj = objs[0];
    so.cls_obj = g[1] ? objs[1] : NULL;
    so.rec_obj = objs[2];
    if (!st) st = ocrs_link_system(&so, &diag);
    const char *inputs[2] = {s->config, s->dict};
    if (!st && s->depfile)
        st = ocrs_write_depfile(s->depfile, s->lib.output, (const ir_graph *const *)g, 3, inputs, 2, &diag);
    for (int i = 0; i < 3; i++) {
        if (objs[i][0]) unlink(objs[i]);
        ir_graph_free(g[i]);
    }
    if (made) rmdir(dir);
    if (st) {
        fprintf(stderr, "ocrslimc: error: %s\n", diag.msg);
        return 1;
    }
    if (s->lib.verbose) fprintf(stderr, "ocrslimc: wrote %s (%.0f ms)\n", s->lib.output, now_ms() - t0);
    return 0;
}
