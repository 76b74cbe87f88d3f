/* ocrslimc's sensitivity analysis (see sensitivity.h). Each measurement
 * re-imports the model, prunes it, and scores it through the task
 * (driver/task.c: compiled with ocrs_codegen into a temporary library and
 * run on the calibration samples). Measurements run in --jobs forked
 * workers that report `task loss` lines through one pipe (each line one
 * atomic write). A shard (--sens-shard K/N) measures every N-th task of the
 * table into its own file; the shards' files merge into the table. */
/* MAP_ANONYMOUS (the workers' shared task counter) */
#define _DEFAULT_SOURCE
#include "sensitivity.h"

#include <errno.h>
#include <glob.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "frontend.h"
#include "outfile.h"
#include "pipeline.h"
#include "sha256.h"

/* What every measurement shares: set up once per sens_open. */
struct sens_ctx {
    const prune_cli *p;
    const ocrs_calib *calib; /* of the canonical graph, for the criterion and recovery, or NULL */
    task *task;              /* the samples and how they score */
    char dir[32];            /* temporary libraries ("" until made) */
    int side;                /* det: limit_side_len of the runs */
    double base;
};

/* Loss of the model pruned by background (NULL: nothing) with group gi
 * (SENS_ALL: none) set to ratio r: re-imported, pruned with the criterion
 * and recovery of the final pruning, compiled and scored. The re-imported
 * graph has the ids of the one calibrated. */
ocrs_status sens_score(const sens_ctx *sc, const ir_graph *g, const char *name, double *loss, double *score,
                       ocrs_diag *diag) {
    double s = 0;
    ocrs_status st = task_score(sc->task, g, sc->dir, name, sc->side, false, &s, diag);
    *loss = sc->base > 0 ? (sc->base - s) / sc->base : 0;
    if (score) *score = s;
    return st;
}

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
    if (!st) st = sens_score(sc, g, name, loss, NULL, diag);
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

ocrs_status sens_hash_samples(const prune_cli *p, sha256_ctx *h, ocrs_diag *diag) {
    labels_src src = {p->calib, p->calib_root, p->calib_images};
    ocrs_status st = labels_paths(&src, hash_image, h, diag);
    if (st) return st;
    if (p->task == OCRS_TASK_REC && !sha256_file(h, p->dict))
        return ocrs_fail(diag, OCRS_ERR_IO, "%s: cannot read the dictionary", p->dict);
    char settings[256];
    int n = snprintf(settings, sizeof settings, "task %s space %d images %d calib side %d", task_names[p->task],
                     p->use_space, p->calib_images, p->calib_side);
    sha256_update(h, settings, (size_t)n);
    /* The import's dim settings shape the graph measured. */
    for (int i = 0; p->import && i < p->import->ndims; i++) {
        const ocrs_dim_setting *d = &p->import->dims[i];
        n = snprintf(settings, sizeof settings, " dim %s %lld %lld %d", d->name, (long long)d->min, (long long)d->max,
                     d->exact);
        sha256_update(h, settings, (size_t)n);
    }
    return OCRS_OK;
}

/* SHA-256 of the model file, the samples and every setting the losses
 * depend on. */
static ocrs_status cache_key(const prune_cli *p, const bool *skip, uint32_t ngroups, const sens_table *t,
                             char key[65], ocrs_diag *diag) {
    sha256_ctx h;
    sha256_init(&h);
    if (!sha256_file(&h, p->model)) return ocrs_fail(diag, OCRS_ERR_IO, "%s: cannot read the model", p->model);
    ocrs_status st = sens_hash_samples(p, &h, diag);
    if (st) return st;
    char settings[256];
    int n = snprintf(settings, sizeof settings,
                     "v5 crit %d vec %d side %d groups %u recovery %d %d ridge %g", (int)p->criterion,
                     p->vector_width, p->sens_side, ngroups, p->bias_compensation, p->least_squares, p->ridge);
    if (p->least_squares) n += snprintf(settings + n, sizeof settings - (size_t)n, " samples %d", p->lsq_samples);
    sha256_update(&h, settings, (size_t)n);
    sha256_update(&h, skip, ngroups);
    sha256_update(&h, t->ratios, sizeof t->ratios[0] * (size_t)t->nratios);
    sha256_hex(&h, key);
    return OCRS_OK;
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
    fprintf(f, "<text x=\"%g\" y=\"18\" font-size=\"14\">relative loss when one group is pruned alone (base %.4f)</text>\n",
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

/* Measures task k and reports "k loss" on fd; exit status 0 when reported. */
static _Noreturn void measure_task(int k, int fd, sens_measure_fn fn, sens_describe_fn what, void *ctx) {
    ocrs_diag diag = {0};
    double loss;
    char line[128];
    if (fn(ctx, k, &loss, &diag)) {
        char w[64];
        what(ctx, k, w, sizeof w);
        fprintf(stderr, "ocrslimc: sensitivity: %s: %s\n", w, diag.msg);
        _exit(1);
    }
    int len = snprintf(line, sizeof line, "%d %.9g\n", k, loss);
    _exit(write(fd, line, (size_t)len) == len ? 0 : 1);
}

/* A worker: measures the next task not taken (next, shared) until none
 * is left, each in a process of its own (so that fn starts from the same
 * memory every time), reporting "k fail" for one that did not report. */
static _Noreturn void worker(atomic_int *next, int fd, int ntasks, sens_measure_fn fn, sens_describe_fn what,
                             void *ctx) {
    for (int k; (k = atomic_fetch_add(next, 1)) < ntasks;) {
        fflush(NULL);
        pid_t pid = fork();
        if (pid == 0) measure_task(k, fd, fn, what, ctx);
        int status = 0;
        if (pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0) continue;
        char line[64];
        int len = snprintf(line, sizeof line, "%d fail\n", k);
        if (write(fd, line, (size_t)len) != len) _exit(1);
    }
    _exit(0);
}

static void fmt_time(double s, char *buf, size_t size) {
    if (s < 60) snprintf(buf, size, "%.0fs", s);
    else snprintf(buf, size, "%dm%02ds", (int)(s / 60), (int)fmod(s, 60));
}

ocrs_status sens_run(const sens_ctx *sc, const char *phase, int ntasks, sens_measure_fn fn, sens_describe_fn what,
                     void *ctx, double *loss, ocrs_diag *diag) {
    const prune_cli *p = sc->p;
    int fds[2];
    if (pipe(fds)) return ocrs_fail(diag, OCRS_ERR_IO, "sensitivity: cannot create a pipe");
    int jobs = p->jobs > 0 ? p->jobs : 1;
    if (jobs > ntasks) jobs = ntasks > 0 ? ntasks : 1;
    pid_t pids[256];
    int started = 0;
    /* The next task, shared by the workers: whoever is free takes it. */
    atomic_int *next = mmap(NULL, sizeof *next, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (next == MAP_FAILED) {
        close(fds[0]), close(fds[1]);
        return ocrs_fail(diag, OCRS_ERR_NOMEM, "sensitivity: cannot map the task counter");
    }
    atomic_init(next, 0);
    fflush(NULL);
    for (; started < jobs && started < 256; started++) {
        pid_t pid = fork();
        if (pid < 0) break;
        if (pid == 0) {
            close(fds[0]);
            worker(next, fds[1], ntasks, fn, what, ctx);
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
        char e[32], eta[32], w[64];
        fmt_time(el, e, sizeof e);
        fmt_time(el / done * (ntasks - done), eta, sizeof eta);
        what(ctx, k, w, sizeof w);
        fprintf(stderr, "ocrslimc: %s %d/%d: %s loss %+.4f (%s, ETA %s)\n", phase, done, ntasks, w, loss[k], e, eta);
    }
    if (in) fclose(in);
    else close(fds[0]);
    bool crashed = started < jobs;
    for (int i = 0; i < started; i++) {
        int status;
        if (waitpid(pids[i], &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status)) crashed = true;
    }
    munmap(next, sizeof *next);
    if (failed || crashed || done < ntasks)
        return ocrs_fail(diag, OCRS_ERR_TOOL, "%s: %d of %d measurements failed", phase, ntasks - done + failed,
                         ntasks);
    return OCRS_OK;
}

/* sens_losses' tasks: ratio vectors. */
typedef struct {
    const sens_ctx *sc;
    const double *background, *tr;
    const uint32_t *tg;
} ratio_tasks;

static ocrs_status measure_ratio(void *ctx, int k, double *loss, ocrs_diag *diag) {
    const ratio_tasks *t = ctx;
    return measure(t->sc, t->background, t->tg[k], t->tr[k], k, loss, diag);
}

static void describe_ratio(void *ctx, int k, char *buf, size_t size) {
    const ratio_tasks *t = ctx;
    if (t->tg[k] == SENS_ALL) snprintf(buf, size, "as chosen");
    else if (t->background && t->tr[k] == 0) snprintf(buf, size, "group %u whole", t->tg[k]);
    else snprintf(buf, size, "group %u ratio %.2f", t->tg[k], t->tr[k]);
}

ocrs_status sens_losses(const sens_ctx *sc, const char *phase, const double *background, const uint32_t *tg,
                        const double *tr, int ntasks, double *loss, ocrs_diag *diag) {
    ratio_tasks t = {sc, background, tr, tg};
    return sens_run(sc, phase, ntasks, measure_ratio, describe_ratio, &t, loss, diag);
}

ocrs_status sens_open(const ir_graph *g, const prune_cli *p, const ocrs_calib *calib, task *tk, int side,
                      sens_ctx **out, ocrs_diag *diag) {
    *out = NULL;
    sens_ctx *sc = calloc(1, sizeof *sc);
    if (!sc) return ocrs_fail(diag, OCRS_ERR_NOMEM, "out of memory");
    *sc = (sens_ctx){.p = p, .calib = calib, .task = tk, .side = side};
    ocrs_status st = OCRS_OK;
    char dir[] = "/tmp/ocrslimc-sens-XXXXXX";
    if (!mkdtemp(dir)) st = ocrs_fail(diag, OCRS_ERR_IO, "measurement: cannot create a temporary folder");
    else memcpy(sc->dir, dir, sizeof dir);
    /* A detector without ground truth is judged against the unpruned model's boxes. */
    bool labelled = task_labelled(tk);
    if (!st) st = task_score(tk, g, sc->dir, "sensbase", side, !labelled, &sc->base, diag);
    if (!st) {
        fprintf(stderr, "ocrslimc: base %s %.4f on %d %s", task_metrics[p->task], sc->base, task_samples(tk),
                p->task == OCRS_TASK_DET ? "images" : "lines");
        if (p->task == OCRS_TASK_DET)
            fprintf(stderr, " at side %d (against %s)", side, labelled ? "the labels" : "the unpruned model's boxes");
        fprintf(stderr, "\n");
    }
    if (st) sens_close(sc);
    else *out = sc;
    return st;
}

void sens_close(sens_ctx *sc) {
    if (!sc) return;
    if (sc->dir[0]) rmdir(sc->dir);
    free(sc);
}

double sens_base(const sens_ctx *sc) { return sc->base; }

void sens_shard_path(const prune_cli *p, int shard, int nshards, char *buf, size_t size) {
    snprintf(buf, size, "%s.shard-%d-of-%d.yml", p->sens_out, shard, nshards);
}

static const prune_cli *shard_owner; /* for shard_missing's expected paths */
static const char *shard_missing(int shard, int nshards, char *buf, size_t size) {
    sens_shard_path(shard_owner, shard, nshards, buf, size);
    return buf;
}

/* The shards' files of p's table (<sens_out>.shard-*-of-*.yml) merged into
 * t: OCRS_ERR_IO when there are none. */
static ocrs_status merge_found(const prune_cli *p, sens_table *t, ocrs_diag *diag) {
    char pattern[4200];
    snprintf(pattern, sizeof pattern, "%s.shard-*-of-*.yml", p->sens_out);
    glob_t gl;
    if (glob(pattern, 0, NULL, &gl) != 0) return OCRS_ERR_IO;
    char key[65];
    memcpy(key, t->key, sizeof key);
    shard_owner = p;
    ocrs_status st = sens_table_merge((const char *const *)gl.gl_pathv, (int)gl.gl_pathc, key, shard_missing, t, diag);
    if (!st) fprintf(stderr, "ocrslimc: sensitivity: merged %zu shards (%s)\n", gl.gl_pathc, pattern);
    globfree(&gl);
    return st;
}

ocrs_status sens_measure(const ir_graph *g, const ocrs_channel_groups *cg, const bool *skip, const prune_cli *p,
                         const ocrs_calib *calib, task *tk, sens_table *t, ocrs_diag *diag) {
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
    size_t cells = cg->ngroups * (size_t)t->nratios;
    char cache[4200], svg[4200];
    double t0 = now_s();
    ocrs_status st = cache_key(p, skip, cg->ngroups, t, t->key, diag);
    if (st) return st;
    prune_cli_output(p, PRUNE_OUT_TABLE, cache, sizeof cache, NULL);
    prune_cli_output(p, PRUNE_OUT_CURVES, svg, sizeof svg, NULL);
    /* The cached table when it is of this key and shape, else the shards' merged, else measured. */
    if (!p->nshards && sens_table_cached(cache, t)) {
        fprintf(stderr, "ocrslimc: sensitivity: cached in %s (key and table read in %.2f s)\n", cache, now_s() - t0);
        return OCRS_OK;
    }
    if (!p->nshards) {
        sens_table m = *t;
        st = merge_found(p, &m, diag);
        if (st != OCRS_ERR_IO) {
            if (st) return st;
            if (m.ngroups != t->ngroups || m.nratios != t->nratios) {
                sens_table_free(&m);
                return ocrs_fail(diag, OCRS_ERR_INVALID, "%s.shard-*: a table of another shape", p->sens_out);
            }
            *t = m;
            if (!sens_table_write(cache, t, 0, 0, NULL))
                fprintf(stderr, "ocrslimc: %s: cannot write: %s\n", cache, strerror(errno));
            draw_svg(svg, t);
            return OCRS_OK;
        }
        st = OCRS_OK;
    }
    bool *have = NULL;
    if (!(t->loss = malloc(sizeof *t->loss * (cells + 1))) || !(have = calloc(cells + 1, 1))) {
        sens_table_free(t);
        return ocrs_fail(diag, OCRS_ERR_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < cells; i++) t->loss[i] = NAN, have[i] = true;
    t0 = now_s();
    /* Tasks: ratios whose kept count equals the group's are loss 0 without a
     * run; a shard measures every nshards-th of the others. */
    uint32_t *tg = calloc(cells + 1, sizeof *tg);
    double *tr = calloc(cells + 1, sizeof *tr);
    double *tl = malloc(sizeof *tl * (cells + 1));
    int *tslot = malloc(sizeof *tslot * (cells + 1));
    int ntasks = 0, all = 0;
    if (!tg || !tr || !tl || !tslot) st = ocrs_fail(diag, OCRS_ERR_NOMEM, "out of memory");
    for (int r = 0; !st && r < t->nratios; r++) /* ratio-major, so the ETA sees every group early */
        for (uint32_t gi = 0; gi < cg->ngroups; gi++) {
            if (!cg->groups[gi].prunable || skip[gi]) continue;
            int64_t n = cg->groups[gi].nclasses;
            size_t slot = gi * (size_t)t->nratios + r;
            if (ocrs_prune_kept(n, t->ratios[r], p->vector_width) == n) {
                t->loss[slot] = 0;
                continue;
            }
            if (p->nshards && all++ % p->nshards != p->shard - 1) {
                have[slot] = false;
                continue;
            }
            tg[ntasks] = gi, tr[ntasks] = t->ratios[r], tslot[ntasks] = (int)slot;
            ntasks++;
        }
    sens_ctx *sc = NULL;
    if (!st) st = sens_open(g, p, calib, tk, p->sens_side, &sc, diag);
    if (!st) {
        t->base = sc->base;
        fprintf(stderr, "ocrslimc: sensitivity: %d measurements", ntasks);
        if (p->nshards) fprintf(stderr, " (shard %d of %d, of %d)", p->shard, p->nshards, all);
        fprintf(stderr, " in %d processes\n", p->jobs > 0 ? p->jobs : 1);
        st = sens_losses(sc, "sensitivity", NULL, tg, tr, ntasks, tl, diag);
    }
    for (int i = 0; !st && i < ntasks; i++) t->loss[tslot[i]] = tl[i];
    sens_table_round(t);
    sens_close(sc);
    double seconds = now_s() - t0;
    if (!st && p->nshards) {
        char path[4200];
        sens_shard_path(p, p->shard, p->nshards, path, sizeof path);
        if (!sens_table_write(path, t, p->shard, p->nshards, have))
            st = ocrs_fail(diag, OCRS_ERR_IO, "%s: cannot write: %s", path, strerror(errno));
        else
            fprintf(stderr, "ocrslimc: sensitivity: shard %d of %d in %.0f s: %s\n", p->shard, p->nshards, seconds,
                    path);
    } else if (!st) {
        if (!sens_table_write(cache, t, 0, 0, NULL))
            fprintf(stderr, "ocrslimc: %s: cannot write: %s\n", cache, strerror(errno));
        draw_svg(svg, t);
        fprintf(stderr, "ocrslimc: sensitivity: %.0f s; table %s, curves %s\n", seconds, cache, svg);
    }
    free(have);
    free(tg);
    free(tr);
    free(tl);
    free(tslot);
    return st;
}
