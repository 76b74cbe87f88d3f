/* conformance: ONNX's backend node tests through ocrslimc, for every test
 * whose nodes' ops the compiler's importer takes (conformance.h).
 *
 *   conformance --data DIR --list-families
 *   conformance --data DIR --skip skip.txt --check-skip-list
 *   conformance --data DIR --skip skip.txt --compiler OCRSLIMC --work DIR [--family F]...
 *
 * The first prints the op families of the tests in scope (one per line,
 * for ctest to make a test of each); the second checks that every entry of
 * skip.txt names a test in scope; the third runs the tests (of the given
 * families, else all), one line each, then the summary
 *   conformance: P passed, S skipped (listed), F failed, of N tests for ops: ...
 * A test passes when its library's outputs match ONNX's (execute.c); a
 * test in skip.txt counts as skipped when the compiler refuses it with an
 * error naming the op, the input or the opset it refuses (a known bug,
 * "BUG: ...", when it fails in any way), and fails the run when it compiles
 * and passes (remove it from the list) or compiles to a wrong answer. Exit
 * status: 0 when nothing failed, 1 otherwise, 2 on a usage error, 77
 * (skipped) when DIR does not exist. */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "conformance.h"

enum { MAX_FAMILIES = 64, MAX_OPS = 128 };
#define LIB_NAME "onnxtest" /* every test's library: libonnxtest_<set>.so, onnxtest.h */

typedef enum { PASSED, SKIPPED, FAILED } verdict;

typedef struct {
    const char *data, *skip_path, *compiler, *work;
    const char *families[MAX_FAMILIES];
    int nfamilies;
    conf_skiplist skip;
    int count[3];
    char ops[MAX_OPS][64];
    int nops;
} run;

/* ---- one test --------------------------------------------------------------- */

/* Whether msg says what it refuses: one of the test's ops, a graph input
 * (quoted, as the compiler names values) or the model's opset. */
static bool names_culprit(const conf_test *t, const char *msg) {
    const Onnx__GraphProto *g = t->model->graph;
    char quoted[CONF_ERR];
    for (size_t i = 0; i < g->n_node; i++)
        if (strstr(msg, g->node[i]->op_type)) return true;
    for (int i = 0; i < t->ninputs; i++) {
        snprintf(quoted, sizeof quoted, "'%s'", t->inputs[i]->name);
        if (strstr(msg, quoted)) return true;
    }
    for (size_t i = 0; i < t->model->n_opset_import; i++) {
        const Onnx__OperatorSetIdProto *o = t->model->opset_import[i];
        snprintf(quoted, sizeof quoted, "opset %lld is not supported", (long long)o->version);
        if ((!o->domain || !o->domain[0]) && strstr(msg, quoted)) return true;
    }
    return false;
}

/* mkdir -p */
static bool make_dir(const char *path, char *err) {
    char p[CONF_PATH];
    if (!conf_path(p, err, "%s", path)) return false;
    for (char *c = p + 1;; c++) {
        if (*c && *c != '/') continue;
        char was = *c;
        *c = 0;
        if (mkdir(p, 0755) != 0 && errno != EEXIST) return conf_fail(err, "%s: cannot create: %s", p, strerror(errno));
        if (!was) return true;
        *c = was;
    }
}

typedef enum { OUT_PASS, OUT_MISMATCH, OUT_REFUSED, OUT_BROKEN } outcome;

/* Compiles and runs every data set of t; the first that does not pass
 * decides the outcome, described in msg. */
static outcome try_test(const run *r, const conf_test *t, char *msg) {
    char dir[CONF_PATH], model[CONF_PATH], lib[CONF_PATH], log[CONF_PATH], err[CONF_ERR];
    if (!conf_path(dir, msg, "%s/%s", r->work, t->name) || !make_dir(dir, msg)) return OUT_BROKEN;
    for (int k = 0; k < t->nsets; k++) {
        if (!conf_path(model, msg, "%s/model_%d.onnx", dir, k) ||
            !conf_path(lib, msg, "%s/lib" LIB_NAME "_%d.so", dir, k) ||
            !conf_path(log, msg, "%s/ocrslimc_%d.log", dir, k))
            return OUT_BROKEN;
        conf_set s;
        bool bound[CONF_MAX_IO];
        if (!conf_set_load(t, k, &s, err)) {
            conf_fail(msg, "data set %d: %s", k, err);
            return OUT_BROKEN;
        }
        outcome o = OUT_BROKEN;
        remove(lib);
        if (conf_bind_write(t, &s, model, bound, err)) {
            conf_compile_result c = conf_compile(r->compiler, model, lib, LIB_NAME, log, err);
            o = c == CONF_REFUSED                                    ? OUT_REFUSED
                : c == CONF_BROKEN                                   ? OUT_BROKEN
                : conf_run_compare(lib, LIB_NAME, t, &s, bound, err) ? OUT_PASS
                                                                     : OUT_MISMATCH;
        }
        conf_set_free(&s);
        if (o != OUT_PASS) {
            if (t->nsets > 1)
                conf_fail(msg, "data set %d: %s", k, err);
            else
                conf_fail(msg, "%s", err);
            return o;
        }
    }
    return OUT_PASS;
}

/* The verdict on t, with its one-line explanation in why. */
static verdict judge(const run *r, const conf_test *t, char *why) {
    char msg[CONF_ERR];
    const conf_skip *listed = conf_skiplist_find(&r->skip, t->name);
    outcome o = try_test(r, t, msg);
    static const char *const what[] = {"passes", "wrong answer", "refused", "broken"};
    if (!listed) {
        if (o == OUT_PASS) {
            if (t->dropped_names[0]) conf_fail(why, "outputs %s not compared", t->dropped_names);
            return PASSED;
        }
        conf_fail(why, "%s: %s", what[o], msg);
        return FAILED;
    }
    if (o == OUT_PASS) {
        conf_fail(why, "passes: remove it from %s (line %d)", r->skip_path, listed->line);
        return FAILED;
    }
    if (conf_skip_is_bug(listed)) {
        conf_fail(why, "%s (still fails, %s: %s)", listed->reason, what[o], msg);
        return SKIPPED;
    }
    if (o == OUT_REFUSED && names_culprit(t, msg)) {
        conf_fail(why, "%s (refused: %s)", listed->reason, msg);
        return SKIPPED;
    }
    conf_fail(why, "listed as '%s', but %s: %s", listed->reason,
              o == OUT_MISMATCH  ? "compiles to a wrong answer"
              : o == OUT_REFUSED ? "the refusal names neither the op nor the input it refuses"
                                 : "the compiler does not refuse it cleanly",
              msg);
    return FAILED;
}

/* ---- the tests of a folder ------------------------------------------------------ */

static int is_test_dir(const struct dirent *e) { return strncmp(e->d_name, "test_", 5) == 0; }

/* Calls fn on every test in scope, in name order; false (after a message)
 * when a test folder cannot be read. */
static bool each_test(const char *data, bool (*fn)(void *, const conf_test *), void *arg) {
    struct dirent **names;
    int n = scandir(data, &names, is_test_dir, alphasort);
    if (n < 0) {
        fprintf(stderr, "conformance: %s: %s\n", data, strerror(errno));
        return false;
    }
    bool ok = true;
    for (int i = 0; i < n; i++) {
        char path[CONF_PATH], err[CONF_ERR];
        bool named = conf_path(path, err, "%s/%s", data, names[i]->d_name);
        free(names[i]);
        if (!ok) continue;
        conf_test t;
        if (!named || !conf_test_load(path, &t, err)) {
            fprintf(stderr, "conformance: %s\n", err);
            ok = false;
            continue;
        }
        if (t.in_scope) ok = fn(arg, &t);
        conf_test_free(&t);
    }
    free(names);
    return ok;
}

static bool in_list(const char *const *v, int n, const char *s) {
    for (int i = 0; i < n; i++)
        if (strcmp(v[i], s) == 0) return true;
    return false;
}

/* --list-families: collects the distinct families. */
static bool add_family(void *arg, const conf_test *t) {
    run *r = arg;
    if (in_list(r->families, r->nfamilies, t->family)) return true;
    if (r->nfamilies == MAX_FAMILIES) {
        fprintf(stderr, "conformance: more than %d op families\n", MAX_FAMILIES);
        return false;
    }
    r->families[r->nfamilies] = strdup(t->family);
    return r->families[r->nfamilies++] != NULL;
}

/* --check-skip-list: marks the entries that name a test in scope. */
typedef struct {
    const conf_skiplist *l;
    bool *seen;
} marks;

static bool mark_listed(void *arg, const conf_test *t) {
    marks *m = arg;
    const conf_skip *e = conf_skiplist_find(m->l, t->name);
    if (e) m->seen[e - m->l->v] = true;
    return true;
}

static int check_skip_list(const run *r) {
    bool *seen = calloc(r->skip.n + 1, sizeof *seen);
    marks m = {&r->skip, seen};
    if (!seen || !each_test(r->data, mark_listed, &m)) {
        free(seen);
        return 1;
    }
    int bad = 0;
    for (size_t i = 0; i < r->skip.n; i++)
        if (!seen[i]) {
            printf("%s:%d: %s is not a test in scope (no such folder in %s, or an op the compiler does not take): "
                   "remove it\n",
                   r->skip_path, r->skip.v[i].line, r->skip.v[i].test, r->data);
            bad++;
        }
    printf("conformance: skip list %s: %zu entries, %d naming no test in scope\n", r->skip_path, r->skip.n, bad);
    free(seen);
    return bad ? 1 : 0;
}

/* Notes the test's op types for the summary. */
static void note_ops(run *r, const conf_test *t) {
    const Onnx__GraphProto *g = t->model->graph;
    for (size_t i = 0; i < g->n_node; i++) {
        const char *op = g->node[i]->op_type;
        int k = 0;
        while (k < r->nops && strcmp(r->ops[k], op) != 0) k++;
        if (k == r->nops && r->nops < MAX_OPS) snprintf(r->ops[r->nops++], sizeof r->ops[0], "%s", op);
    }
}

static bool run_one(void *arg, const conf_test *t) {
    run *r = arg;
    if (r->nfamilies && !in_list(r->families, r->nfamilies, t->family)) return true;
    char why[CONF_ERR] = "";
    verdict v = judge(r, t, why);
    static const char *const tags[] = {"PASS", "SKIP", "FAIL"};
    printf("%s  %s%s%s\n", tags[v], t->name, why[0] ? ": " : "", why);
    fflush(stdout);
    r->count[v]++;
    note_ops(r, t);
    return true;
}

static int cmp_name(const void *a, const void *b) { return strcmp(*(const char *const *)a, *(const char *const *)b); }
static int cmp_op(const void *a, const void *b) { return strcmp(a, b); }

static void usage(void) {
    fprintf(stderr, "usage: conformance --data DIR --list-families\n"
                    "       conformance --data DIR --skip FILE --check-skip-list\n"
                    "       conformance --data DIR --skip FILE --compiler OCRSLIMC --work DIR [--family F]...\n");
}

int main(int argc, char **argv) {
    enum { O_DATA = 256, O_SKIP, O_COMPILER, O_WORK, O_FAMILY, O_LIST, O_CHECK };
    static const struct option opts[] = {
        {"data", required_argument, 0, O_DATA},         {"skip", required_argument, 0, O_SKIP},
        {"compiler", required_argument, 0, O_COMPILER}, {"work", required_argument, 0, O_WORK},
        {"family", required_argument, 0, O_FAMILY},     {"list-families", no_argument, 0, O_LIST},
        {"check-skip-list", no_argument, 0, O_CHECK},   {0, 0, 0, 0},
    };
    run r = {0};
    bool list = false, check = false;
    for (int c; (c = getopt_long(argc, argv, "", opts, NULL)) != -1;) {
        switch (c) {
        case O_DATA: r.data = optarg; break;
        case O_SKIP: r.skip_path = optarg; break;
        case O_COMPILER: r.compiler = optarg; break;
        case O_WORK: r.work = optarg; break;
        case O_FAMILY:
            if (r.nfamilies == MAX_FAMILIES) {
                usage();
                return 2;
            }
            r.families[r.nfamilies++] = optarg;
            break;
        case O_LIST: list = true; break;
        case O_CHECK: check = true; break;
        default: usage(); return 2;
        }
    }
    bool runs = !list && !check;
    if (optind < argc || !r.data || (!list && !r.skip_path) || (runs && (!r.compiler || !r.work))) {
        usage();
        return 2;
    }
    struct stat st;
    if (stat(r.data, &st) != 0) {
        printf("conformance: %s does not exist (install Debian's libonnx-testdata); skipped\n", r.data);
        return 77;
    }
    char err[CONF_ERR];
    if (list) {
        if (!each_test(r.data, add_family, &r)) return 1;
        qsort(r.families, (size_t)r.nfamilies, sizeof r.families[0], cmp_name);
        for (int i = 0; i < r.nfamilies; i++) {
            printf("%s\n", r.families[i]);
            free((char *)r.families[i]);
        }
        return 0;
    }
    if (!conf_skiplist_read(r.skip_path, &r.skip, err)) {
        fprintf(stderr, "conformance: %s\n", err);
        return 1;
    }
    if (check) {
        int rc = check_skip_list(&r);
        conf_skiplist_free(&r.skip);
        return rc;
    }
    if (!make_dir(r.work, err)) {
        fprintf(stderr, "conformance: %s\n", err);
        return 1;
    }
    bool ok = each_test(r.data, run_one, &r);
    qsort(r.ops, (size_t)r.nops, sizeof r.ops[0], cmp_op);
    int n = r.count[PASSED] + r.count[SKIPPED] + r.count[FAILED];
    printf("conformance: %d passed, %d skipped (listed), %d failed, of %d tests for ops: ", r.count[PASSED],
           r.count[SKIPPED], r.count[FAILED], n);
    for (int i = 0; i < r.nops; i++) printf("%s%s", i ? ", " : "", r.ops[i]);
    printf("\n");
    conf_skiplist_free(&r.skip);
    return ok && !r.count[FAILED] ? 0 : 1;
}
