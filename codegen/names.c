/* Which names a library may take (see codegen.h). A name becomes the
 * prefix of every symbol the library defines and the name of its header,
 * so a bad one does harm beyond the library: `pthread` would export
 * pthread_create, which then replaces the C library's for the whole
 * program (and for the runtime's own thread pool); `errno` would write an
 * errno.h that shadows the system's for code compiled with -I to it. */
#include <ctype.h>
#include <dlfcn.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "codegen.h"

const char *const ocrs_symbol_suffixes[] = {
    /* the API: OCRS_API in runtime/core/api.c and runtime/det/detect.c */
    "_create", "_destroy", "_describe", "_run", "_shapes", "_forward", "_strerror", "_workspace_size", "_detect",
    "_get_detect_options", "_set_detect_options", "_detect_times",
    /* hidden: the runtime's other OCRS_SYM names and what module.c emits */
    "_pool_create", "_pool_destroy", "_pool_run", "__task", "__run", "__barrier", "__model", "__weights",
    "__create_in", NULL};

const char *const ocrs_system_symbol_suffixes[] = {
    /* an OCR system's API (runtime/ocr/system.c) and its dictionary; its
     * models' symbols carry <name>_det, <name>_cls and <name>_rec */
    "_create", "_destroy", "_strerror", "_get_options", "_set_options", "_ocr", "_recognize", "_get_times",
    "_pool_create", "_pool_destroy", "_pool_run", "__barrier", "__dict", "__dict_size", NULL};

/* The libraries every generated library links with (link.c: -lm -lpthread
 * and the C library), by their glibc sonames. */
static const char *const system_libs[] = {"libc.so.6", "libm.so.6", "libpthread.so.0"};

/* The headers of C11 (and C23) and of POSIX.1-2024 outside subfolders,
 * which a header named after the model must not shadow wherever they are
 * installed; other installed headers are found in system_include_dirs. */
static const char *const standard_headers[] = {
    "assert", "complex", "ctype", "errno", "fenv", "float", "inttypes", "iso646", "limits", "locale", "math",
    "setjmp", "signal", "stdalign", "stdarg", "stdatomic", "stdbit", "stdbool", "stdckdint", "stddef", "stdint",
    "stdio", "stdlib", "stdnoreturn", "string", "tgmath", "threads", "time", "uchar", "wchar", "wctype",
    "aio", "cpio", "devctl", "dirent", "dlfcn", "endian", "fcntl", "fmtmsg", "fnmatch", "ftw", "glob", "grp",
    "iconv", "langinfo", "libgen", "libintl", "monetary", "mqueue", "ndbm", "netdb", "nl_types", "poll",
    "pthread", "pwd", "regex", "sched", "search", "semaphore", "spawn", "strings", "stropts", "syslog", "tar",
    "termios", "trace", "ulimit", "unistd", "utime", "utmpx", "wordexp", NULL};

static const char *const system_include_dirs[] = {"/usr/include", ("/usr/include/" OCRS_MULTIARCH), "/usr/local/include"};

enum { MAX_NAME = 64 };

__attribute__((format(printf, 3, 4))) static ocrs_status refuse(ocrs_diag *diag, const char *name,
                                                                const char *why, ...) {
    char reason[512];
    va_list ap;
    va_start(ap, why);
    vsnprintf(reason, sizeof reason, why, ap);
    va_end(ap);
    return ocrs_fail(diag, OCRS_ERR_USAGE, "'%s' cannot name a library: %s", name, reason);
}

/* The first system library defining one of name's symbols (as a model's
 * or an OCR system's library). */
static ocrs_status check_symbols(const char *name, ocrs_diag *diag) {
    const char *const *lists[] = {ocrs_symbol_suffixes, ocrs_system_symbol_suffixes};
    for (size_t l = 0; l < sizeof system_libs / sizeof system_libs[0]; l++) {
        void *h = dlopen(system_libs[l], RTLD_LAZY | RTLD_LOCAL);
        if (!h) continue; /* not glibc: nothing to compare with */
        for (size_t k = 0; k < sizeof lists / sizeof lists[0]; k++)
            for (int i = 0; lists[k][i]; i++) {
                char sym[MAX_NAME + 32];
                snprintf(sym, sizeof sym, "%s%s", name, lists[k][i]);
                if (dlsym(h, sym)) {
                    dlclose(h);
                    return refuse(diag, name, "its library would define %s, which %s already defines", sym,
                                  system_libs[l]);
                }
            }
        dlclose(h);
    }
    return OCRS_OK;
}

static ocrs_status check_header(const char *name, ocrs_diag *diag) {
    for (int i = 0; standard_headers[i]; i++)
        if (strcmp(name, standard_headers[i]) == 0)
            return refuse(diag, name, "its header %s.h would shadow the standard header <%s.h>", name, name);
    for (size_t d = 0; d < sizeof system_include_dirs / sizeof system_include_dirs[0]; d++) {
        char path[256];
        struct stat st;
        snprintf(path, sizeof path, "%s/%s.h", system_include_dirs[d], name);
        if (stat(path, &st) == 0)
            return refuse(diag, name, "its header %s.h would shadow the system header %s", name, path);
    }
    return OCRS_OK;
}

ocrs_status ocrs_check_name(const char *name, ocrs_diag *diag) {
    bool ident = name && name[0] && !isdigit((unsigned char)name[0]) && strlen(name) <= MAX_NAME;
    for (const char *p = name; ident && *p; p++) ident = isalnum((unsigned char)*p) || *p == '_';
    if (!ident)
        return refuse(diag, name ? name : "", "it is not a C identifier of at most %d characters", MAX_NAME);
    /* C11 7.1.3: identifiers beginning with an underscore are reserved at
     * file scope, where the library's functions and types live. */
    if (name[0] == '_') return refuse(diag, name, "identifiers beginning with an underscore are reserved");
    ocrs_status st = check_symbols(name, diag);
    return st ? st : check_header(name, diag);
}
