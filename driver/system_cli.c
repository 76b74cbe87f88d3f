/* ocrslimc's OCR-system mode (see system_cli.h): import and canonicalise
 * each model, prune the detector and the recognizer when asked, check the
 * three fit together before any code generation, compile each into a part
 * in a private folder, then link the library. */
#include "system_cli.h"

/* The recognizer's widths: every value in this range, as PaddleOCR runs
 * it (its strides leave nothing below 16), up to lines 170 times longer
 * than high. */
enum { OCRS_SYSTEM_REC_MIN_WIDTH = 16, OCRS_SYSTEM_REC_MAX_WIDTH = 8192 };

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "depfile.h"
#include "frontend.h"
#include "paths.h"
#include "task.h"

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
 * lines per calibration image), with each table's choices under the
 * per-group bounds lo and hi blended by b (prune_job_flops); -1 on error. */
static double system_flops(prune_job *const *jobs, double lines, double lo, double hi, double b, double *per,
                           ocrs_diag *diag) {
    for (int i = 0; i < 3; i += 2)
        if ((per[i] = prune_job_flops(jobs[i], lo, hi, b, diag)) < 0) return -1;
    return per[0] + lines * per[2];
}

/* prune_flops_fn of the pipeline: per image, the detector's FLOPs plus
 * `lines` times the recognizer's. */
typedef struct {
    prune_job *const *jobs;
    double lines, per[3];
} pipeline_flops;

static double pipeline_flops_at(void *ctx, double lo, double hi, double b, ocrs_diag *diag) {
    pipeline_flops *c = ctx;
    return system_flops(c->jobs, c->lines, lo, hi, b, c->per, diag);
}

/* --prune-flops-target for the pipeline: one per-group loss bound over
 * both tables (each loss relative to its model's metric, and end-to-end F
 * loses about their sum), as prune_bisect_target chooses it for the
 * pipeline's FLOPs; each model's own target is its share there. */
static ocrs_status system_targets(const system_cli *s, prune_job *const *jobs, double *target, ocrs_diag *diag) {
    const prune_result *det = prune_job_result(jobs[0]), *rec = prune_job_result(jobs[2]);
    pipeline_flops c = {jobs, det->samples ? (double)rec->samples / det->samples : 1, {0}};
    double lines = c.lines, *per = c.per, lo, hi, b;
    const double at0[3] = {det->flops[0], 0, rec->flops[0]}, f0 = at0[0] + lines * at0[2], want = s->prune->flops_target;
    ocrs_status st = prune_bisect_target(pipeline_flops_at, &c, f0, want, 20, &lo, &hi, &b, diag);
    if (st) return st;
    if (system_flops(jobs, lines, lo, hi, b, per, diag) < 0) return OCRS_ERR_INVALID;
    for (int i = 0; i < 3; i += 2) target[i] = fmax(0, fmin(0.95, 1 - per[i] / at0[i]));
    fprintf(stderr,
            "ocrslimc: the system's FLOPs target %.0f%% (detector %.2f GFLOPs + %.1f lines x recognizer %.2f "
            "GFLOPs): per-group loss up to %+.4f (blend %.3f), the detector %.1f%% fewer, the recognizer %.1f%%\n",
            100 * want, at0[0] / 1e9, lines, at0[2] / 1e9, hi, b, 100 * target[0], 100 * target[2]);
    return OCRS_OK;
}

/* The library's settings for the graphs g. */
static ocrs_system_opts system_opts(const system_cli *s, ir_graph *const *g) {
    return (ocrs_system_opts){.name = s->lib.name, .triple = s->lib.triple, .cpu = s->lib.cpu, .cc = s->lib.cc,
                              .runtime_defines = s->lib.runtime_defines, .det = g[0], .cls = g[1], .rec = g[2],
                              .dict_path = s->dict, .use_space = s->use_space, .verbose = s->lib.verbose};
}

/* The graphs compiled into parts in dir (their paths into so's *_obj,
 * objs the storage); remove_parts unlinks them. */
static ocrs_status compile_parts(const system_cli *s, ir_graph *const *g, const char *dir, char (*objs)[4200],
                                 ocrs_system_opts *so, ocrs_diag *diag) {
    static const char *const what[3] = {"det", "cls", "rec"};
    char names[3][96];
    ocrs_status st = OCRS_OK;
    for (int i = 0; i < 3 && !st; i++) {
        objs[i][0] = 0;
        if (!g[i]) continue;
        snprintf(names[i], sizeof names[i], "%s_%s", s->lib.name, what[i]);
        snprintf(objs[i], sizeof objs[i], "%s/%s.o", dir, names[i]);
        ocrs_codegen_opts part = s->lib;
        part.emit = OCRS_EMIT_SYSTEM_PART;
        part.name = names[i];
        part.output = objs[i];
        part.system = s->lib.name;
        double t1 = now_ms();
        st = ocrs_codegen(g[i], &part, diag);
        if (!st && s->lib.verbose) fprintf(stderr, "ocrslimc: %s compiled (%.0f ms)\n", what[i], now_ms() - t1);
    }
    so->det_obj = objs[0];
    so->cls_obj = g[1] ? objs[1] : NULL;
    so->rec_obj = objs[2];
    return st;
}

static void remove_parts(char (*objs)[4200]) {
    for (int i = 0; i < 3; i++)
        if (objs[i][0]) unlink(objs[i]);
}

/* A private folder: under TMPDIR (or /tmp), or beside path. */
static bool make_dir(const char *beside, char *dir, size_t size) {
    const char *tmpdir = getenv("TMPDIR"), *slash = beside ? strrchr(beside, '/') : NULL;
    if (beside) snprintf(dir, size, "%.*s.ocrslimc-XXXXXX", slash ? (int)(slash - beside + 1) : 0, beside);
    else snprintf(dir, size, "%s/ocrslimc-XXXXXX", tmpdir && tmpdir[0] ? tmpdir : "/tmp");
    return mkdtemp(dir) != NULL;
}

/* The unpruned system's end-to-end F on the calibration images (*t: their
 * samples, kept for the check of the pruned one). */
static ocrs_status score_unpruned(const system_cli *s, ir_graph *const *g, task **t, double *f, ocrs_diag *diag) {
    prune_cli p = *s->prune;
    p.task = OCRS_TASK_SYSTEM;
    ocrs_status st = task_open(&p, t, diag);
    char dir[4200], objs[3][4200] = {"", "", ""}, lib[4400], hdr[4400];
    if (!st && !make_dir(NULL, dir, sizeof dir))
        return ocrs_fail(diag, OCRS_ERR_IO, "cannot create a temporary folder '%s'", dir);
    if (st) return st;
    snprintf(lib, sizeof lib, "%s/lib%s.so", dir, s->lib.name);
    snprintf(hdr, sizeof hdr, "%s/%s.h", dir, s->lib.name);
    ocrs_system_opts so = system_opts(s, g);
    so.output = lib, so.header = hdr;
    st = compile_parts(s, g, dir, objs, &so, diag);
    if (!st) st = ocrs_link_system(&so, diag);
    if (!st) st = task_score_system(*t, lib, s->lib.name, f, diag);
    if (!st)
        fprintf(stderr, "ocrslimc: the original system: end-to-end F %.4f on %d calibration images\n", *f,
                task_samples(*t));
    remove_parts(objs);
    unlink(lib), unlink(hdr), rmdir(dir);
    return st;
}

/* The pruned system (library lib) against the unpruned one's base F: a
 * loss above the bound is an error unless --force; the line for the
 * header into note. */
static ocrs_status check_system(const system_cli *s, const task *t, double base, const char *lib, char *note,
                                size_t size, ocrs_diag *diag) {
    double f = 0;
    ocrs_status st = task_score_system(t, lib, s->lib.name, &f, diag);
    if (st) return st;
    double loss = base > 0 ? (base - f) / base : 0, bound = s->prune->loss_bound;
    snprintf(note, size, "end-to-end F %.4f -> %.4f on %d calibration images (relative loss %.2f%%, bound %g%%)",
             base, f, task_samples(t), 100 * loss, 100 * bound);
    fprintf(stderr, "ocrslimc: the compressed system: %s\n", note);
    if (loss <= bound) return OCRS_OK;
    if (s->prune->force) {
        fprintf(stderr, "ocrslimc: warning: the compressed system loses more than the bound; written anyway (--force)\n");
        return OCRS_OK;
    }
    return ocrs_fail(diag, OCRS_ERR_INVALID,
                     "the compressed system (pruned or quantized) loses %.2f%% of its end-to-end F on the %d calibration images (%.4f -> "
                     "%.4f), more than the bound %g%%; try a smaller --prune-flops-target, pruning one model "
                     "(--prune-models), or a larger --prune-loss-bound; --force writes it anyway",
                     100 * loss, task_samples(t), base, f, 100 * bound);
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
    const char *paths[3] = {s->det, s->cls, s->rec};
    double t0 = now_ms();
    ocrs_status st = OCRS_OK;
    static const char *const roles[3] = {"the detector (--det)", "the classifier (--cls)", "the recognizer (--rec)"};
    prune_result pruned[3] = {{0}};
    prune_job *jobs[3] = {NULL, NULL, NULL};
    model_front *fronts = calloc(3, sizeof *fronts);
    if (!fronts) st = ocrs_fail(&diag, OCRS_ERR_NOMEM, "out of memory");
    char notes[3][1536];
    quant_result quantized[3] = {{0}};
    for (int i = 0; i < 3 && !st; i++) {
        if (paths[i]) st = front(s, i, paths[i], &fronts[i], &g[i], &jobs[i], &diag);
        /* Which model a message is about, when the model is of the wrong kind. */
        if (st) {
            char msg[sizeof diag.msg];
            memcpy(msg, diag.msg, sizeof msg);
            st = ocrs_fail(&diag, st, "%s: %s", roles[i], msg);
        }
    }
    bool shard_only = false, prunes = false, quantizes = s->quant && s->quant->on;
    for (int i = 0; i < 3; i++)
        if (jobs[i]) shard_only |= prune_job_result(jobs[i])->shard_only, prunes = true;
    if (!st && shard_only) {
        for (int i = 0; i < 3; i++) prune_job_free(jobs[i]), ir_graph_free(g[i]);
        free(fronts);
        fprintf(stderr, "ocrslimc: shard %d of %d measured; no library written\n", s->prune->shard,
                s->prune->nshards);
        return 0;
    }
    /* The models must fit together and the dictionary the recognizer, before the long part. */
    ocrs_system_opts so = system_opts(s, g);
    if (!st) st = ocrs_check_system(&so, &diag);
    /* The whole system is measured before and after the pruning. */
    task *system_task = NULL;
    double base_f = 0;
    if (!st && (prunes || quantizes) && s->prune->calib) st = score_unpruned(s, g, &system_task, &base_f, &diag);
    /* One FLOPs target for the pipeline, when both models choose from a table. */
    double target[3] = {-1, -1, -1};
    if (!st && jobs[0] && jobs[2] && s->prune->flops_target > 0) st = system_targets(s, jobs, target, &diag);
    for (int i = 0; i < 3; i++) {
        if (st) prune_job_free(jobs[i]);
        else st = prune_end(jobs[i], target[i], &pruned[i], &diag);
        if (!st && g[i]) st = ir_verify(g[i], &diag);
    }
    /* Then the detector and the recognizer quantized, each checked on its own metric. */
    for (int i = 0; i < 3 && !st && quantizes; i += 2)
        if (g[i] && (fronts[i].p.models >> fronts[i].p.task & 1))
            st = quant_cli_run(g[i], s->quant, &fronts[i].p, s->lib.verbose, &quantized[i], &diag);
    free(fronts);
    for (int i = 0; i < 3; i++)
        if (compression_note(&pruned[i], &quantized[i], notes[i], sizeof notes[i])) so.notes[i] = notes[i];
    /* Linked in a folder beside the output, measured whole when pruned (then
     * linked again, the result in its header), and only then renamed into place. */
    char *final_header = st ? NULL : ocrs_header_path(&s->lib);
    char dir[4200] = "", objs[3][4200] = {"", "", ""}, lib[4400] = "", hdr[4400] = "", system_note[512];
    bool made = !st && final_header && make_dir(s->lib.output, dir, sizeof dir);
    if (!st && !made) st = ocrs_fail(&diag, OCRS_ERR_IO, "cannot create a temporary folder '%s'", dir);
    snprintf(lib, sizeof lib, "%s/lib%s.so", dir, s->lib.name);
    snprintf(hdr, sizeof hdr, "%s/%s.h", dir, s->lib.name);
    so.output = lib, so.header = hdr;
    if (!st) st = compile_parts(s, g, dir, objs, &so, &diag);
    if (!st) st = ocrs_link_system(&so, &diag);
    if (!st && system_task) {
        st = check_system(s, system_task, base_f, lib, system_note, sizeof system_note, &diag);
        so.notes[3] = system_note;
        if (!st) st = ocrs_link_system(&so, &diag);
    }
    if (!st && (rename(lib, s->lib.output) || rename(hdr, final_header)))
        st = ocrs_fail(&diag, OCRS_ERR_IO, "%s: cannot write: %s", s->lib.output, strerror(errno));
    remove_parts(objs);
    if (made) unlink(lib), unlink(hdr), rmdir(dir);
    free(final_header);
    task_close(system_task);
    const char *inputs[2] = {s->config, s->dict};
    if (!st && s->depfile)
        st = ocrs_write_depfile(s->depfile, s->lib.output, (const ir_graph *const *)g, 3, inputs, 2, &diag);
    for (int i = 0; i < 3; i++) ir_graph_free(g[i]);
    if (st) {
        fprintf(stderr, "ocrslimc: error: %s\n", diag.msg);
        return 1;
    }
    if (s->lib.verbose) fprintf(stderr, "ocrslimc: wrote %s (%.0f ms)\n", s->lib.output, now_ms() - t0);
    return 0;
}
