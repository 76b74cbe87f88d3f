/* ocrslimc's sensitivity analysis (see sensitivity.h). Each measurement
 * re-imports the model, prunes one group, compiles it with ocrs_codegen into
 * a temporary library and runs <name>_detect on the calibration images
 * through examples/detlib, scoring with examples/evaluate (the eval
 * example's rules). Measurements run in --jobs forked workers that report
 * `task loss` lines through one pipe (each line one atomic write). */
#include "sensitivity.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "codegen.h"
#include "detlib.h"
#include "evaluate.h"
#include "frontend.h"
#include "pipeline.h"
#include "outfile.h"
#include "sha256.h"

typedef struct {
    image img;
    eval_poly *gt;
    int ngt;
} sample;

typedef struct {
    sample *s;
    int n, cap;
} samples;

static ocrs_status add_sample(void *arg, const char *where, const char *rel, image *img, const char *labels,
                              ocrs_diag *diag) {
    (void)rel;
    samples *ss = arg;
    if (ss->n == ss->cap) {
        ss->cap = ss->cap ? 2 * ss->cap : 32;
        sample *s = realloc(ss->s, sizeof *s * (size_t)ss->cap);
        if (!s) {
            image_free(img);
            return ocrs_fail(diag, OCRS_ERR_NOMEM, "sensitivity: out of memory");
        }
        ss->s = s;
    }
    sample *s = &ss->s[ss->n];
    *s = (sample){.img = *img};
    int cap = 0;
    char why[128];
    s->ngt = eval_parse_regions(labels, &s->gt, &cap, why, sizeof why);
    ss->n++;
    if (s->ngt < 0) return ocrs_fail(diag, OCRS_ERR_USAGE, "sensitivity: %s: %s", where, why);
    return OCRS_OK;
}

static void samples_free(samples *ss) {
    for (int i = 0; i < ss->n; i++) {
        image_free(&ss->s[i].img);
        free(ss->s[i].gt);
    }
    free(ss->s);
}

/* hmean of graph g compiled as lib<name>.so in dir, over the samples; with
 * as_reference, its boxes first become the samples' ground truth. */
static ocrs_status hmean_of(const ir_graph *g, const char *dir, const char *name, const samples *ss, int side,
                            bool as_reference, double *h, ocrs_diag *diag) {
    char lib[4200], hdr[4200], err[512];
    snprintf(lib, sizeof lib, "%s/lib%s.so", dir, name);
    snprintf(hdr, sizeof hdr, "%s/%s.h", dir, name);
    ocrs_codegen_opts co = {.emit = OCRS_EMIT_LIB, .name = name, .output = lib};
    ocrs_status st = ocrs_codegen(g, &co, diag);
    detlib d;
    if (!st && detlib_open(&d, lib, name, 1, err, sizeof err)) st = ocrs_fail(diag, OCRS_ERR_TOOL, "sensitivity: %s", err);
    unlink(lib);
    unlink(hdr);
    if (st) return st;
    det_options_t o;
    d.get_options(d.ctx, &o);
    o.limit_side_len = side;
    d.set_options(d.ctx, &o);
    eval_counts c = {0};
    eval_poly *det = NULL;
    int cap = 0;
    for (int i = 0; !st && i < ss->n; i++) {
        if (detlib_run(&d, &ss->s[i].img, err, sizeof err)) {
            st = ocrs_fail(diag, OCRS_ERR_TOOL, "sensitivity: %s", err);
            break;
        }
        if (d.nboxes > cap) {
            eval_poly *p = realloc(det, sizeof *p * (size_t)d.nboxes);
            if (!p) {
                st = ocrs_fail(diag, OCRS_ERR_NOMEM, "sensitivity: out of memory");
                break;
            }
            det = p, cap = d.nboxes;
        }
        for (int b = 0; b < d.nboxes; b++) {
            det[b].n = 4, det[b].dont_care = false;
            for (int k = 0; k < 4; k++) det[b].xy[2 * k] = d.boxes[b].x[k], det[b].xy[2 * k + 1] = d.boxes[b].y[k];
        }
        sample *si = &ss->s[i];
        if (as_reference) {
            free(si->gt);
            if (!(si->gt = malloc(sizeof *det * ((size_t)d.nboxes + 1)))) {
                st = ocrs_fail(diag, OCRS_ERR_NOMEM, "sensitivity: out of memory");
                break;
            }
            if (d.nboxes) memcpy(si->gt, det, sizeof *det * (size_t)d.nboxes);
            si->ngt = d.nboxes;
        }
        eval_image(si->gt, si->ngt, det, d.nboxes, &c);
    }
    free(det);
    detlib_close(&d);
    double prec, rec;
    eval_scores(&c, &prec, &rec, h);
    return st;
}

/* What every measurement shares: loaded once per sens_open. */
struct sens_ctx {
    const prune_cli *p;
    const ocrs_calib *calib; /* of the canonical graph, for the criterion and recovery, or NULL */
    char dir[32];            /* temporary libraries ("" until made) */
    samples ss;
    int side; /* limit_side_len of the runs */
    double base;
};

/* Loss of the model pruned by background (NULL: nothing) with group gi
 * (SENS_ALL: none) set to ratio r: re-imported, pruned with the criterion
 * and recovery of the final pruning, compiled and scored. The re-imported
 * graph has the ids of the one calibrated. */
static ocrs_status measure(const sens_ctx *sc, const double *background, uint32_t gi, double r, int task,
                           double *loss, ocrs_diag *diag) {
    const prune_cli *p = sc->p;
    ir_graph *g = NULL;
    ocrs_channel_groups *cg = NULL;
    double *ratio = NULL;
    ocrs_status st = ocrs_import_onnx(p->model, p->import, &g, diag);
    if (!st) st = ocrs_canonicalize(g, NULL, diag);
    if (!st) st = ocrs_channel_groups_build(g, &cg, diag);
    if (!st && !(ratio = calloc(cg->ngroups + 1, sizeof *ratio))) st = ocrs_fail(diag, OCRS_ERR_NOMEM, "out of memory");
    if (!st) {
        for (uint32_t i = 0; background && i < cg->ngroups; i++) ratio[i] = background[i];
        if (gi != SENS_ALL) ratio[gi] = r;
        ocrs_prune_opts o = {.ratio = ratio, .criterion = p->criterion, .vector_width = p->vector_width,
                             .calib = sc->calib, .bias_compensation = p->bias_compensation,
                             .least_squares = p->least_squares, .ridge = p->ridge};
        st = ocrs_prune(g, cg, &o, NULL, diag);
    }
    char name[32];
    snprintf(name, sizeof name, "sens%d", task);
    double h = 0;
    if (!st) st = hmean_of(g, sc->dir, name, &sc->ss, sc->side, false, &h, diag);
    *loss = sc->base > 0 ? (sc->base - h) / sc->base : 0;
    free(ratio);
    ocrs_channel_groups_free(cg);
    ir_graph_free(g);
    return st;
}

/* ---- the cache ---------------------------------------------------------------------------- */

static ocrs_status hash_image(void *arg, const char *path, const char *where, const char *rel, const char *labels,
                              ocrs_diag *diag) {
    (void)where, (void)rel, (void)diag;
    sha256_update(arg, labels, strlen(labels) + 1);
    sha256_file(arg, path);
    return OCRS_OK;
}

/* SHA-256 of the model file, the label file, every calibration image and
 * every setting the losses depend on. */
static ocrs_status cache_key(const prune_cli *p, const bool *skip, uint32_t ngroups, const sens_table *t,
                             char key[65], ocrs_diag *diag) {
    sha256_ctx h;
    sha256_init(&h);
    if (!sha256_file(&h, p->model)) return ocrs_fail(diag, OCRS_ERR_IO, "%s: cannot read the model", p->model);
    ocrs_status st = prune_cli_paths(p, hash_image, &h, diag);
    if (st) return st;
    char settings[256];
    int n = snprintf(settings, sizeof settings,
                     "v3 crit %d vec %d side %d images %d groups %u recovery %d %d ridge %g calib side %d",
                     (int)p->criterion, p->vector_width, p->sens_side, p->calib_images, ngroups, p->bias_compensation,
                     p->least_squares, p->ridge, p->calib_side);
    if (p->least_squares) n += snprintf(settings + n, sizeof settings - (size_t)n, " samples %d", p->lsq_samples);
    sha256_update(&h, settings, (size_t)n);
    sha256_update(&h, skip, ngroups);
    sha256_update(&h, t->ratios, sizeof t->ratios[0] * (size_t)t->nratios);
    sha256_hex(&h, key);
    return OCRS_OK;
}

static bool cache_read(const char *path, const char *key, sens_table *t) {
    FILE *f = fopen(path, "r");
    if (!f) return false;
    char k[80] = "";
    bool ok = fscanf(f, "# ocrslimc sensitivity table\nkey: %79s\nbase_hmean: %lf\n", k, &t->base) == 2 &&
              strcmp(k, key) == 0;
    char line[4096];
    while (ok && (ok = fgets(line, sizeof line, f) != NULL) && strcmp(line, "groups:\n") != 0) {}
    for (uint32_t gi = 0; ok && gi < t->ngroups; gi++) {
        unsigned g;
        ok = fscanf(f, " - {group: %u, loss: [", &g) == 1 && g == gi;
        for (int r = 0; ok && r < t->nratios; r++) {
            char v[32];
            ok = fscanf(f, " %31[^],]%*[,]", v) == 1;
            t->loss[gi * t->nratios + r] = strcmp(v, ".nan") == 0 ? NAN : atof(v);
        }
        ok = ok && fscanf(f, "]}") == 0;
    }
    fclose(f);
    return ok;
}

static void cache_write(const char *path, const char *key, const sens_table *t) {
    outfile o;
    if (!outfile_open(&o, path)) return;
    FILE *f = o.f;
    fprintf(f, "# ocrslimc sensitivity table\nkey: %s\nbase_hmean: %.6f\n", key, t->base);
    fprintf(f, "seconds: %.1f\nratios: [", t->seconds);
    for (int r = 0; r < t->nratios; r++) fprintf(f, "%s%g", r ? ", " : "", t->ratios[r]);
    fprintf(f, "]\ngroups:\n");
    for (uint32_t gi = 0; gi < t->ngroups; gi++) {
        fprintf(f, "  - {group: %u, loss: [", gi);
        for (int r = 0; r < t->nratios; r++) {
            double l = t->loss[gi * t->nratios + r];
            if (isnan(l)) fprintf(f, "%s.nan", r ? ", " : "");
            else fprintf(f, "%s%.6f", r ? ", " : "", l);
        }
        fprintf(f, "]}\n");
    }
    if (!outfile_commit(&o, path, true)) fprintf(stderr, "ocrslimc: %s: cannot write: %s\n", path, strerror(errno));
}

/* Loss against ratio, one polyline per measured group, labelled at its end. */
static void draw_svg(const char *path, const sens_table *t) {
    outfile o;
    if (!outfile_open(&o, path)) return;
    FILE *f = o.f;
    const double W = 720, H = 480, L = 60, R = 80, T = 30, B = 50;
    double top = 0.05;
    for (uint32_t i = 0; i < t->ngroups * (uint32_t)t->nratios; i++)
        if (!isnan(t->loss[i]) && t->loss[i] > top) top = fmin(1, t->loss[i]);
#define X(r) (L + (r) * (W - L - R))
#define Y(l) (H - B - fmax(-0.1, fmin(1, (l) / top)) * (H - T - B))
    fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%g\" height=\"%g\" font-family=\"sans-serif\" "
               "font-size=\"11\">\n<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n", W, H);
    fprintf(f, "<text x=\"%g\" y=\"18\" font-size=\"14\">hmean loss when one group is pruned alone (base %.4f)</text>\n",
            L, t->base);
    for (int k = 0; k <= 10; k++) {
        double r = k / 10.0, l = top * k / 10;
        fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>", X(r), Y(0), X(r), Y(top));
        fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%.1f</text>\n", X(r), H - B + 16, r);
        fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>", X(0), Y(l), X(1), Y(l));
        fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%.3f</text>\n", L - 4, Y(l) + 4, l);
    }
    fprintf(f, "<text x=\"%g\" y=\"%g\" text-anchor=\"middle\">pruning ratio</text>\n", X(0.5), H - 12);
    fprintf(f, "<text x=\"14\" y=\"%g\" transform=\"rotate(-90 14 %g)\" text-anchor=\"middle\">loss</text>\n",
            H / 2, H / 2);
    for (uint32_t gi = 0, shown = 0; gi < t->ngroups; gi++) {
        const double *l = t->loss + gi * t->nratios;
        if (isnan(l[0])) continue;
        fprintf(f, "<polyline fill=\"none\" stroke=\"hsl(%u,70%%,45%%)\" points=\"%.1f,%.1f", shown * 137 % 360, X(0),
                Y(0));
        for (int r = 0; r < t->nratios; r++) fprintf(f, " %.1f,%.1f", X(t->ratios[r]), Y(l[r]));
        fprintf(f, "\"/><text x=\"%.1f\" y=\"%.1f\" fill=\"hsl(%u,70%%,45%%)\">g%u</text>\n",
                X(t->ratios[t->nratios - 1]) + 4 + 22 * (shown % 3), Y(l[t->nratios - 1]) + 4, shown * 137 % 360, gi);
        shown++;
    }
#undef X
#undef Y
    fprintf(f, "</svg>\n");
    if (!outfile_commit(&o, path, true)) fprintf(stderr, "ocrslimc: %s: cannot write: %s\n", path, strerror(errno));
}

/* ---- the measurement ----------------------------------------------------------------------- */

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Worker w of n: measures tasks w, w + n, ... and writes `task loss` lines
 * to fd; exits. */
static _Noreturn void worker(int w, int n, int fd, const sens_ctx *sc, const double *background, const uint32_t *tg,
                             const double *tr, int ntasks) {
    for (int k = w; k < ntasks; k += n) {
        ocrs_diag diag = {0};
        double loss;
        char line[128];
        int len;
        if (measure(sc, background, tg[k], tr[k], k, &loss, &diag)) {
            fprintf(stderr, "ocrslimc: sensitivity: group %u ratio %g: %s\n", tg[k], tr[k], diag.msg);
            len = snprintf(line, sizeof line, "%d fail\n", k);
        } else {
            len = snprintf(line, sizeof line, "%d %.9g\n", k, loss);
        }
        if (write(fd, line, (size_t)len) != len) _exit(1);
    }
    _exit(0);
}

static void fmt_time(double s, char *buf, size_t size) {
    if (s < 60) snprintf(buf, size, "%.0fs", s);
    else snprintf(buf, size, "%dm%02ds", (int)(s / 60), (int)fmod(s, 60));
}

ocrs_status sens_losses(const sens_ctx *sc, const char *phase, const double *background, const uint32_t *tg,
                        const double *tr, int ntasks, double *loss, ocrs_diag *diag) {
    const prune_cli *p = sc->p;
    int fds[2];
    if (pipe(fds)) return ocrs_fail(diag, OCRS_ERR_IO, "sensitivity: cannot create a pipe");
    int jobs = p->jobs > 0 ? p->jobs : 1;
    if (jobs > ntasks) jobs = ntasks > 0 ? ntasks : 1;
    pid_t pids[256];
    int started = 0;
    fflush(NULL);
    for (; started < jobs && started < 256; started++) {
        pid_t pid = fork();
        if (pid < 0) break;
        if (pid == 0) {
            close(fds[0]);
            worker(started, jobs, fds[1], sc, background, tg, tr, ntasks);
        }
        pids[started] = pid;
    }
    close(fds[1]);
    FILE *in = fdopen(fds[0], "r");
    double t0 = now_s();
    int done = 0, failed = 0;
    char line[128];
    while (in && fgets(line, sizeof line, in)) {
        int k;
        char v[64];
        if (sscanf(line, "%d %63s", &k, v) != 2 || k < 0 || k >= ntasks) continue;
        if (strcmp(v, "fail") == 0) failed++;
        else loss[k] = atof(v);
        done++;
        double el = now_s() - t0;
        char e[32], eta[32], what[64];
        fmt_time(el, e, sizeof e);
        fmt_time(el / done * (ntasks - done), eta, sizeof eta);
        if (tg[k] == SENS_ALL) snprintf(what, sizeof what, "as chosen");
        else if (background && tr[k] == 0) snprintf(what, sizeof what, "group %u whole", tg[k]);
        else snprintf(what, sizeof what, "group %u ratio %.2f", tg[k], tr[k]);
        fprintf(stderr, "ocrslimc: %s %d/%d: %s loss %+.4f (%s, ETA %s)\n", phase, done, ntasks, what, loss[k], e,
                eta);
    }
    if (in) fclose(in);
    else close(fds[0]);
    bool crashed = started < jobs;
    for (int i = 0; i < started; i++) {
        int status;
        if (waitpid(pids[i], &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status)) crashed = true;
    }
    if (failed || crashed || done < ntasks)
        return ocrs_fail(diag, OCRS_ERR_TOOL, "%s: %d of %d measurements failed", phase, ntasks - done + failed,
                         ntasks);
    return OCRS_OK;
}

ocrs_status sens_open(const ir_graph *g, const prune_cli *p, const ocrs_calib *calib, int side, sens_ctx **out,
                      ocrs_diag *diag) {
    *out = NULL;
    if (!p->calib) return ocrs_fail(diag, OCRS_ERR_USAGE, "sensitivity analysis needs calibration images (--calib)");
    sens_ctx *sc = calloc(1, sizeof *sc);
    if (!sc) return ocrs_fail(diag, OCRS_ERR_NOMEM, "out of memory");
    *sc = (sens_ctx){.p = p, .calib = calib, .side = side};
    ocrs_status st = prune_cli_images(p, add_sample, &sc->ss, diag);
    char dir[] = "/tmp/ocrslimc-sens-XXXXXX";
    if (!st && !mkdtemp(dir)) st = ocrs_fail(diag, OCRS_ERR_IO, "sensitivity: cannot create a temporary folder");
    if (!st) memcpy(sc->dir, dir, sizeof dir);
    /* Without ground truth the unpruned model's own boxes are the reference. */
    bool labelled = false;
    for (int i = 0; i < sc->ss.n; i++) labelled |= sc->ss.s[i].ngt > 0;
    if (!st) st = hmean_of(g, sc->dir, "sensbase", &sc->ss, side, !labelled, &sc->base, diag);
    if (!st)
        fprintf(stderr, "ocrslimc: base hmean %.4f on %d images at side %d (against %s)\n", sc->base, sc->ss.n, side,
                labelled ? "the labels" : "the unpruned model's boxes");
    if (st) sens_close(sc);
    else *out = sc;
    return st;
}

void sens_close(sens_ctx *sc) {
    if (!sc) return;
    if (sc->dir[0]) rmdir(sc->dir);
    samples_free(&sc->ss);
    free(sc);
}

ocrs_status sens_measure(const ir_graph *g, const ocrs_channel_groups *cg, const bool *skip, const prune_cli *p,
                         const ocrs_calib *calib, sens_table *t, ocrs_diag *diag) {
    static const double default_ratios[] = {0.1, 0.2, 0.3, 0.5, 0.7};
    *t = (sens_table){.ngroups = cg->ngroups};
    if (p->nratios) {
        t->nratios = p->nratios;
        memcpy(t->ratios, p->ratios, sizeof p->ratios[0] * (size_t)p->nratios);
    } else {
        t->nratios = (int)(sizeof default_ratios / sizeof default_ratios[0]);
        memcpy(t->ratios, default_ratios, sizeof default_ratios);
    }
    for (int i = 1; i < t->nratios; i++) /* ascending */
        for (int j = i; j > 0 && t->ratios[j - 1] > t->ratios[j]; j--) {
            double x = t->ratios[j];
            t->ratios[j] = t->ratios[j - 1], t->ratios[j - 1] = x;
        }
    if (!p->calib) return ocrs_fail(diag, OCRS_ERR_USAGE, "sensitivity analysis needs calibration images (--calib)");
    if (!(t->loss = malloc(sizeof *t->loss * (cg->ngroups * (size_t)t->nratios + 1))))
        return ocrs_fail(diag, OCRS_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < cg->ngroups * (size_t)t->nratios; i++) t->loss[i] = NAN;
    char cache[4200], svg[4200];
    double t0 = now_s();
    ocrs_status st = cache_key(p, skip, cg->ngroups, t, t->key, diag);
    if (st) return st;
    prune_cli_output(p, PRUNE_OUT_TABLE, cache, sizeof cache, NULL);
    prune_cli_output(p, PRUNE_OUT_CURVES, svg, sizeof svg, NULL);
    if (cache_read(cache, t->key, t)) {
        fprintf(stderr, "ocrslimc: sensitivity: cached in %s (key and table read in %.2f s)\n", cache, now_s() - t0);
        return OCRS_OK;
    }
    for (size_t i = 0; i < cg->ngroups * (size_t)t->nratios; i++) t->loss[i] = NAN;
    t0 = now_s();
    sens_ctx *sc = NULL;
    st = sens_open(g, p, calib, p->sens_side, &sc, diag);
    if (!st) t->base = sc->base;
    /* Tasks: ratios whose kept count equals the group's are loss 0 without a run. */
    uint32_t *tg = calloc(cg->ngroups * (size_t)t->nratios + 1, sizeof *tg);
    double *tr = calloc(cg->ngroups * (size_t)t->nratios + 1, sizeof *tr);
    double *tl = malloc(sizeof *tl * (cg->ngroups * (size_t)t->nratios + 1));
    int *tslot = malloc(sizeof *tslot * (cg->ngroups * (size_t)t->nratios + 1));
    int ntasks = 0;
    if (!st && (!tg || !tr || !tl || !tslot)) st = ocrs_fail(diag, OCRS_ERR_NOMEM, "out of memory");
    for (int r = 0; !st && r < t->nratios; r++) /* ratio-major, so the ETA sees every group early */
        for (uint32_t gi = 0; gi < cg->ngroups; gi++) {
            if (!cg->groups[gi].prunable || skip[gi]) continue;
            int64_t n = cg->groups[gi].nclasses;
            if (ocrs_prune_kept(n, t->ratios[r], p->vector_width) == n) {
                t->loss[gi * t->nratios + r] = 0;
                continue;
            }
            tg[ntasks] = gi, tr[ntasks] = t->ratios[r], tslot[ntasks] = (int)(gi * t->nratios + r);
            ntasks++;
        }
    if (!st) {
        fprintf(stderr, "ocrslimc: sensitivity: %d measurements in %d processes\n", ntasks, p->jobs > 0 ? p->jobs : 1);
        st = sens_losses(sc, "sensitivity", NULL, tg, tr, ntasks, tl, diag);
    }
    for (int k = 0; !st && k < ntasks; k++) t->loss[tslot[k]] = tl[k];
    sens_close(sc);
    t->seconds = now_s() - t0;
    if (!st) {
        cache_write(cache, t->key, t);
        draw_svg(svg, t);
        fprintf(stderr, "ocrslimc: sensitivity: %.0f s; table %s, curves %s\n", t->seconds, cache, svg);
    }
    free(tg);
    free(tr);
    free(tl);
    free(tslot);
    return st;
}

void sens_table_free(sens_table *t) {
    free(t->loss);
    t->loss = NULL;
}

void sens_select(const sens_table *t, double max_loss, double *ratio) {
    for (uint32_t gi = 0; gi < t->ngroups; gi++) {
        const double *l = t->loss + gi * t->nratios;
        ratio[gi] = 0;
        if (isnan(l[0])) continue;
        double r0 = 0, l0 = 0;
        int j = 0;
        while (j < t->nratios && l[j] <= max_loss) r0 = t->ratios[j], l0 = l[j], j++;
        if (j == t->nratios) ratio[gi] = r0;
        else if (l0 > max_loss) ratio[gi] = 0; /* max_loss < 0 and not even the first ratio gains */
        else ratio[gi] = r0 + (t->ratios[j] - r0) * (max_loss - l0) / (l[j] - l0);
    }
}
