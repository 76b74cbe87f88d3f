/* skip.txt: the node tests the compiler does not support, one a line as
 * "test_name  reason". A listed test is not skipped blindly: the driver
 * checks that the compiler refuses it with an error naming the op (or,
 * for a known bug, "BUG: ..." to be fixed where it lies, that it still
 * fails), and one that passes fails the run until it is removed here. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conformance.h"

enum { MAX_LINE = 512 };

static char *trimmed(char *s) {
    while (isspace((unsigned char)*s)) s++;
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1])) s[--n] = 0;
    return s;
}

/* Appends an entry; false when out of memory. */
static bool push(conf_skiplist *l, size_t *cap, const char *test, const char *reason, int line) {
    if (l->n == *cap) {
        size_t ncap = *cap ? 2 * *cap : 64;
        conf_skip *v = realloc(l->v, sizeof *v * ncap);
        if (!v) return false;
        l->v = v;
        *cap = ncap;
    }
    conf_skip *e = &l->v[l->n];
    e->test = strdup(test);
    e->reason = strdup(reason);
    e->line = line;
    l->n++;
    return e->test && e->reason;
}

bool conf_skiplist_read(const char *path, conf_skiplist *l, char *err) {
    memset(l, 0, sizeof *l);
    l->path = path;
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, CONF_ERR, "%s: cannot open", path);
        return false;
    }
    char buf[MAX_LINE];
    size_t cap = 0;
    bool ok = true;
    for (int line = 1; ok && fgets(buf, sizeof buf, f); line++) {
        ok = false;
        if (!strchr(buf, '\n') && !feof(f)) {
            snprintf(err, CONF_ERR, "%s:%d: line longer than %d bytes", path, line, MAX_LINE - 2);
            break;
        }
        char *s = trimmed(buf);
        size_t n = strcspn(s, " \t");
        char *reason = trimmed(s + n);
        s[n] = 0;
        const conf_skip *again = conf_skiplist_find(l, s);
        if (!*s || *s == '#')
            ok = true;
        else if (strncmp(s, "test_", 5) != 0 || !*reason)
            snprintf(err, CONF_ERR, "%s:%d: expected 'test_name  reason'", path, line);
        else if (again)
            snprintf(err, CONF_ERR, "%s:%d: %s is listed again (first on line %d)", path, line, s, again->line);
        else if (!(ok = push(l, &cap, s, reason, line)))
            snprintf(err, CONF_ERR, "%s: out of memory", path);
    }
    if (ok && ferror(f)) {
        snprintf(err, CONF_ERR, "%s: read error", path);
        ok = false;
    }
    fclose(f);
    if (!ok) conf_skiplist_free(l);
    return ok;
}

void conf_skiplist_free(conf_skiplist *l) {
    for (size_t i = 0; i < l->n; i++) {
        free(l->v[i].test);
        free(l->v[i].reason);
    }
    free(l->v);
    l->v = NULL;
    l->n = 0;
}

const conf_skip *conf_skiplist_find(const conf_skiplist *l, const char *test) {
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->v[i].test, test) == 0) return &l->v[i];
    return NULL;
}

bool conf_skip_is_bug(const conf_skip *s) { return strncmp(s->reason, "BUG:", 4) == 0; }
