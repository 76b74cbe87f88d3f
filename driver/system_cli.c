/* ocrslimc's OCR-system mode (see system_cli.h): import and canonicalise
 * each model, prune the detector and the recognizer when asked, check the
 * three fit together before any code generation, compile each into a part
 * in a private folder, then link the library. */
#include "system_cli.h"

/* The recognizer's widths: every value in this range, as PaddleOCR runs
 * it (its strides leave nothing below 16), up to lines 170 times longer
 * than high. */
enum { OCRS_SYSTEM_REC_MIN_WIDTH = 16, OCRS_SYSTEM_REC_MAX_WIDTH = 8192 };

#include <math.h>
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

/* How a model is imported: its image input's height and width set, fixed
 * to h x w (h or w 0: left as the model has it), or the width exact in
 * [w_min, OCRS_SYSTEM_REC_MAX_WIDTH] (exact_w). The symbols are named by
 * the import, so it runs once plain to learn them (a model whose extents
 * are fixed keeps them; ocrs_check_system then compares). The settings
 * stay in sized for the pruning's re-imports. */
typedef struct {
    char names[2][64];
    ocrs_dim_setting dims[2];
    ocrs_import_opts opts;
} sized_import;

static ocrs_status import_sized(const char *path, int64_t h, int64_t w, bool exact_w, sized_import *sized,
                                ir_graph **g, ocrs_diag *diag) {
    ocrs_status st = ocrs_import_onnx(path, NULL, g, diag);
    if (st || (*g)->ninputs != 1) return st;
    const ir_value *x = &(*g)->values[(*g)->inputs[0]];
    int sym[2] = {-1, -1};
    for (int k = 0; k < 2 && x->rank == 4; k++) sym[k] = ir_symbol_of(*g, x->dims[2 + k]);
    int n = 0;
    for (int k = 0; k < 2; k++) {
        if (sym[k] < 0 || !(k ? w : h)) continue;
        snprintf(sized->names[n], sizeof sized->names[n], "%s", (*g)->syms[sym[k]].name);
        int64_t lo = k ? w : h, hi = k ? (exact_w ? OCRS_SYSTEM_REC_MAX_WIDTH : w) : h;
        sized->dims[n] = (ocrs_dim_setting){.name = sized->names[n], .min = lo, .max = hi, .exact = k && exact_w};
        n++;
    }
    if (!n) return OCRS_OK;
    sized->opts = (ocrs_import_opts){sized->dims, n};
    ir_graph_free(*g);
    *g = NULL;
    return ocrs_import_onnx(path, &sized->opts, g, diag);
}

/* One model's import settings and pruning settings, kept while its
 * pruning job (which points into them) lives. */
typedef struct {
    sized_import sized;
    char sens_out[4200];
    prune_cli p;
} model_front;

/* Import, canonical passes, and for the detector and the recognizer the
 * start of the pruning asked for (*job, NULL when none). */
static ocrs_status front(system_cli *s, int which, const char *path, model_front *m, ir_graph **g, prune_job **job,
                         ocrs_diag *diag) {
    static const char *const what[3] = {"det", "cls", "rec"};
    double t0 = now_ms();
    /* The classifier at its fixed size; the recognizer at every width, as
     * PaddleOCR runs it; the detector as --dim says. */
    ocrs_status st = which == 1   ? import_sized(path, s->cls_h, s->cls_w, false, &m->sized, g, diag)
                     : which == 2 ? import_sized(path, 0, OCRS_SYSTEM_REC_MIN_WIDTH, true, &m->sized, g, diag)
                                  : ocrs_import_onnx(path, s->prune->import, g, diag);
    if (!st) st = ocrs_canonicalize(*g, s->passes, diag);
    m->p = *s->prune;
    m->p.model = path;
    m->p.task = which == 2 ? OCRS_TASK_REC : OCRS_TASK_DET;
    if (which == 2) {
        m->p.import = &m->sized.opts;
        m->p.dict = s->dict;
        m->p.use_space = s->use_space;
        snprintf(m->sens_out, sizeof m->sens_out, "%s.rec.sens", s->lib.output);
        m->p.sens_out = m->sens_out;
    }
    if (!st && which != 1 && (m->p.models >> m->p.task & 1)) st = prune_begin(*g, &m->p, s->lib.verbose, job, diag);
    if (!st && s->lib.verbose)
        fprintf(stderr, "ocrslimc: %s %s: imported, canonical passes: %u nodes (%.0f ms)\n", what[which], path,
                (*g)->nnodes, now_ms() - t0);
    return st;
}

/* The system's FLOPs: the detector's at its typical size plus, per image,
 * the recognizer's at its typical width once per text line (the labelled
 * lines per calibration image), with each table's choice under the
 * per-group bound max_loss; -1 on error. */
static double system_flops(prune_job *const *jobs, double lines, double max_loss, double *per, ocrs_diag *diag) {
    for (int i = 0; i < 3; i += 2)
        if ((per[i] = prune_job_flops(jobs[i], max_loss, diag)) < 0) return -1;
    return per[0] + lines * per[2];
}

/* --prune-flops-target for the pipeline: one per-group loss bound over
 * both tables (each loss relative to its model's metric, and end-to-end F
 * loses about their sum), bisected until the system's FLOPs fall by the
 * target; each model's own target is its share at that bound. */
static ocrs_status system_targets(const system_cli *s, prune_job *const *jobs, double *target, ocrs_diag *diag) {
    const prune_result *det = prune_job_result(jobs[0]), *rec = prune_job_result(jobs[2]);
    double lines = det->samples ? (double)rec->samples / det->samples : 1, per[3];
    const double at0[3] = {det->flops[0], 0, rec->flops[0]}, f0 = at0[0] + lines * at0[2];
    double lo = -1, hi = 1;
    for (int it = 0; it < 20; it++) {
        double mid = (lo + hi) / 2, f = system_flops(jobs, lines, mid, per, diag);
        if (f < 0) return ocrs_fail(diag, OCRS_ERR_INVALID, "system FLOPs: %s", diag->msg);
        if (1 - f / f0 >= s->prune->flops_target) hi = mid;
        else lo = mid;
    }
    if (system_flops(jobs, lines, hi, per, diag) < 0) return OCRS_ERR_INVALID;
    for (int i = 0; i < 3; i += 2) target[i] = fmax(0, fmin(0.95, 1 - per[i] / at0[i]));
    fprintf(stderr,
            "ocrslimc: the system's FLOPs target %.0f%% (detector %.2f GFLOPs + %.1f lines x recognizer %.2f "
            "GFLOPs): per-group loss up to %+.4f, the detector %.1f%% fewer, the recognizer %.1f%%\n",
            100 * s->prune->flops_target, at0[0] / 1e9, lines, at0[2] / 1e9, hi, 100 * target[0], 100 * target[2]);
    return OCRS_OK;
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
    ocrs_diag diag = {0};
    ir_graph *g[3] = {NULL, NULL, NULL};
    const char *what[3] = {"det", "cls", "rec"}, *paths[3] = {s->det, s->cls, s->rec};
    double t0 = now_ms();
    ocrs_status st = OCRS_OK;
    static const char *const roles[3] = {"the detector (--det)", "the classifier (--cls)", "the recognizer (--rec)"};
    prune_result pruned[3] = {{0}};
    prune_job *jobs[3] = {NULL, NULL, NULL};
    model_front *fronts = calloc(3, sizeof *fronts);
    if (!fronts) st = ocrs_fail(&diag, OCRS_ERR_NOMEM, "out of memory");
    char notes[3][512];
    for (int i = 0; i < 3 && !st; i++) {
        if (paths[i]) st = front(s, i, paths[i], &fronts[i], &g[i], &jobs[i], &diag);
        /* Which model a message is about, when the model is of the wrong kind. */
        if (st) {
            char msg[sizeof diag.msg];
            memcpy(msg, diag.msg, sizeof msg);
            st = ocrs_fail(&diag, st, "%s: %s", roles[i], msg);
        }
    }
    bool shard_only = false;
    for (int i = 0; i < 3; i++) shard_only |= jobs[i] && prune_job_result(jobs[i])->shard_only;
    /* One FLOPs target for the pipeline, when both models choose from a table. */
    double target[3] = {-1, -1, -1};
    if (!st && !shard_only && jobs[0] && jobs[2] && s->prune->flops_target > 0)
        st = system_targets(s, jobs, target, &diag);
    for (int i = 0; i < 3; i++) {
        ocrs_status e = st ? prune_end(jobs[i], -1, NULL, &diag) : prune_end(jobs[i], target[i], &pruned[i], &diag);
        if (!st && e) st = e;
        if (!st && g[i]) st = ir_verify(g[i], &diag);
    }
    free(fronts);
    ocrs_system_opts so = {.name = s->lib.name, .output = s->lib.output, .header = s->lib.header,
                           .triple = s->lib.triple, .cpu = s->lib.cpu, .cc = s->lib.cc,
                           .runtime_defines = s->lib.runtime_defines, .det = g[0], .cls = g[1], .rec = g[2],
                           .dict_path = s->dict, .use_space = s->use_space, .verbose = s->lib.verbose};
    for (int i = 0; i < 3; i++)
        if (pruned[i].flops[0] > 0) {
            prune_result_text(&pruned[i], notes[i], sizeof notes[i]);
            so.notes[i] = notes[i];
        }
    if (!st && shard_only) {
        for (int i = 0; i < 3; i++) ir_graph_free(g[i]);
        fprintf(stderr, "ocrslimc: shard %d of %d measured; no library written\n", s->prune->shard,
                s->prune->nshards);
        return 0;
    }
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
