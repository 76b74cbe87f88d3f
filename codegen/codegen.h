/* LLVM backend: turns a shape-inferred ir_graph into a native shared library
 * with a C header, or into LLVM IR, assembly or an object file.
 *
 * The generated library holds the compute code (weights embedded as
 * constants, channel counts, kernels and strides baked in; the symbols are
 * run-time values) plus the runtime/ parts it needs, compiled for that
 * model: <name>_create, _destroy, _run, _shapes, _strerror (and _forward,
 * _workspace_size for a model of one image input; _detect for a detector).
 * Everything else is hidden, so several models compiled with different
 * names link into one program. */
#ifndef OCRS_CODEGEN_H
#define OCRS_CODEGEN_H

#include "ir.h"

/* OCRS_EMIT_STATICLIB: lib<name>.a (one object; only the API symbols global).
 * OCRS_EMIT_SYSTEM_PART: one relocatable object holding the model and the
 * runtime it needs, its API hidden, for ocrs_link_system (opts->system). */
typedef enum {
    OCRS_EMIT_LIB,
    OCRS_EMIT_LLVM,
    OCRS_EMIT_ASM,
    OCRS_EMIT_OBJ,
    OCRS_EMIT_STATICLIB,
    OCRS_EMIT_SYSTEM_PART
} ocrs_emit_kind;

typedef struct {
    ocrs_emit_kind emit;
    const char *name;   /* symbol prefix, a C identifier, e.g. "det" */
    const char *output; /* path of lib<name>.so or .a, or the .ll/.s/.o */
    const char *header; /* path of <name>.h for OCRS_EMIT_LIB; NULL = next to output */
    const char *triple; /* NULL = host (LLVMGetDefaultTargetTriple) */
    const char *cpu;    /* NULL = host CPU (LLVMGetHostCPUName + features) when
                         * triple is NULL, else "generic" */
    const char *cc;     /* C compiler used to compile runtime/ and link; NULL =
                         * "<triple>-gcc" when triple is set, else "cc"; ar and
                         * objcopy (static) are <prefix>ar for <prefix>gcc */
    const char *const *runtime_defines; /* NULL-terminated NAME=VALUE macros for compiling
                                         * runtime/ (e.g. the detect option defaults), or NULL */
    const char *system; /* OCRS_EMIT_SYSTEM_PART: the OCR system library's name,
                         * whose thread pool the model runs on */
    const char *note;   /* lines (separated by newlines) for the header's opening
                         * comment (what pruning and quantization did and
                         * measured), or NULL */
    int verbose;        /* progress and timings on stderr */
} ocrs_codegen_opts;

/* Compiles g (nodes no output needs are skipped). g must
 * pass ir_verify(); it is not modified. Outputs appear atomically: on failure
 * no output file is created or replaced. */
ocrs_status ocrs_codegen(const ir_graph *g, const ocrs_codegen_opts *opts, ocrs_diag *diag);

/* Every symbol a library named <name> defines is <name> followed by one of
 * these (NULL-terminated); an OCR system's, one of the second list or its
 * models' (named <name>_det, <name>_cls, <name>_rec). */
extern const char *const ocrs_symbol_suffixes[];
extern const char *const ocrs_system_symbol_suffixes[];

/* Whether name may name a library (OCRS_ERR_USAGE and why if not): a C
 * identifier of at most 64 characters not beginning with an underscore
 * (reserved at file scope), none of whose symbols the C library, libm or
 * libpthread defines, and whose header <name>.h is neither a standard C or
 * POSIX header nor one installed in the system include folders.
 * ocrs_codegen checks it; a driver may check it before doing any work. */
ocrs_status ocrs_check_name(const char *name, ocrs_diag *diag);

/* The path of the header ocrs_codegen writes for a library (malloc'ed;
 * NULL when out of memory): opts->header, or <name>.h beside the library. */
char *ocrs_header_path(const ocrs_codegen_opts *opts);

/* Whether LLVM knows opts->triple and opts->cpu (OCRS_ERR_USAGE naming
 * them if not): what ocrs_codegen checks first, for a driver to check
 * before doing any work. */
ocrs_status ocrs_check_target(const ocrs_codegen_opts *opts, ocrs_diag *diag);

/* The largest int8 weight magnitude the target's int8 convs take at full
 * speed: 63 on x86 with AVX2 but no VNNI (vpmaddubsw adds u8 x s8 pairs in
 * 16 bits), else 127 (passes/quantize.c's weight_max). opts' target must be valid. */
int ocrs_int8_weight_max(const ocrs_codegen_opts *opts);

/* The parts of the runtime folder a library of g is built with, in
 * parts[0..n) (returns n): core/ always, pool/ unless the model is part of
 * an OCR system (which has the pool), det/ for a DB text detector. */
enum { OCRS_MAX_RUNTIME_PARTS = 6 };
int ocrs_runtime_parts(const ir_graph *g, bool system_part, const char **parts);
/* The parts an OCR system library of these models (NULL entries skipped)
 * is built with: theirs as system parts, then the system's own. */
int ocrs_system_runtime_parts(const ir_graph *const *models, int n, const char **parts);

/* ---- OCR system libraries: detector, classifier, recognizer, dictionary --------- */

/* PaddleOCR's TextSystem in one library lib<name>.so: the models compiled
 * with OCRS_EMIT_SYSTEM_PART (named <name>_det, <name>_cls, <name>_rec,
 * system <name>), the runtime's pool/ and ocr/ parts, the dictionary. */
typedef struct {
    const char *name, *output, *header; /* as in ocrs_codegen_opts */
    const char *triple, *cpu, *cc;
    const char *const *runtime_defines; /* e.g. the detect option defaults */
    const ir_graph *det, *cls, *rec;    /* cls may be NULL */
    const char *det_obj, *cls_obj, *rec_obj; /* their OCRS_EMIT_SYSTEM_PART objects */
    const char *dict_path;              /* the character dictionary, one per line */
    bool use_space;                     /* ' ' is the recognizer's last class */
    const char *notes[4];               /* per model (det, cls, rec) and the system: lines for the
                                         * header, or NULL */
    int verbose;
} ocrs_system_opts;

/* Whether the graphs are a DB detector, a direction classifier (input
 * [N, 3, H, W] fixed H and W, output [N, 2]) and a CTC recognizer (input
 * [N, 3, H, W] fixed H, output [N, T, C]) and the dictionary (read here)
 * gives the recognizer's C - 1 - use_space classes; OCRS_ERR_UNSUPPORTED
 * (a model of another kind) or OCRS_ERR_INVALID (the dictionary) naming
 * the file and what differs if not. Needs no objects yet. */
ocrs_status ocrs_check_system(const ocrs_system_opts *o, ocrs_diag *diag);

/* Links the system library and writes its header (atomically, as
 * ocrs_codegen does). */
ocrs_status ocrs_link_system(const ocrs_system_opts *o, ocrs_diag *diag);

/* The runtime folder ocrs_codegen compiles into every library (malloc'ed in
 * *dir_out): $OCRS_RUNTIME_DIR, else <executable>/../share/ocrslim/runtime
 * (the install layout), else the source tree. */
ocrs_status ocrs_runtime_dir(char **dir_out, ocrs_diag *diag);

#endif
