/* The generated <name>.h of an OCR system library: image in, lines of text
 * out (runtime/ocr/system.c implements it; the struct layouts are
 * runtime/ocr/ocrs_ocr.h's ocrs_sys_opts, ocrs_quad, ocrs_line and
 * ocrs_stage_times). */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../runtime/core/ocrs_model.h"
#include "cg.h"

static const char *base_name(const char *path) { return strrchr(path, '/') ? strrchr(path, '/') + 1 : path; }

ocrs_status cg_write_header_system(const ocrs_system_opts *o, const cg_system *sys, const char *path,
                                   ocrs_diag *diag) {
    FILE *f = fopen(path, "w");
    if (!f) return ocrs_fail(diag, OCRS_ERR_IO, "code generation: cannot write '%s': %s", path, strerror(errno));
    const char *name = o->name;
    char up[80];
    size_t n = strlen(name);
    for (size_t i = 0; i <= n; i++) up[i] = (char)toupper((unsigned char)name[i]);
    fprintf(f, "/* %s.h: the API of the %s OCR library (lib%s.so): PaddleOCR's text\n", name, name, name);
    fprintf(f, " * system, detection -> %sdirection classification -> recognition.\n", sys->has_cls ? "" : "(no) ");
    fprintf(f, " * Auto-generated file by ocrslim from %s", base_name(o->det->source));
    if (o->cls) fprintf(f, ", %s", base_name(o->cls->source));
    fprintf(f, ",\n * %s and %s. Do not edit!\n *\n", base_name(o->rec->source), base_name(o->dict_path));
    static const char *const models[4] = {"the detector, ", "the classifier, ", "the recognizer, ",
                                          "the whole system, "};
    for (int i = 0; i < 4; i++)
        if (o->notes[i]) cg_write_note(f, models[i], o->notes[i]);
    fprintf(f,
            " * What %s_ocr does, as PaddleOCR's TextSystem (tools/infer/predict_system.py):\n"
            " *   1. detects text boxes (DB, the detect options below);\n"
            " *   2. orders them top to bottom, then left to right where their tops are\n"
            " *      within 10 pixels;\n"
            " *   3. cuts each box out by a perspective warp to its width x height\n"
            " *      (bicubic, border replicated), turned 90 degrees counter-clockwise\n"
            " *      when it is at least 1.5 times taller than wide;\n",
            name);
    if (sys->has_cls)
        fprintf(f,
                " *   4. with use_angle_cls, classifies each crop's direction at %lldx%lld\n"
                " *      (resized keeping its ratio, padded) in batches of cls_batch_num, and\n"
                " *      turns the crops found upside down (score > cls_thresh) by 180 degrees;\n",
                (long long)sys->cls_h, (long long)sys->cls_w);
    else fprintf(f, " *   4. (no classifier in this library: crops are taken as they are);\n");
    fprintf(f,
            " *   5. recognizes the crops in batches of rec_batch_num, sorted by their\n"
            " *      width/height ratio: each resized to height %lld and width\n"
            " *      min(ceil(%lld * ratio), W), W = int(%lld * max(batch's ratios,\n"
            " *      rec_image_width / %lld)), zero-padded to W%s%.0lld; W is at\n"
            " *      most %lld (wider crops are squeezed to it);\n"
            " *   6. decodes CTC greedily (blank, %lld dictionary characters%s), the\n"
            " *      score being the mean probability of the characters kept, and drops\n"
            " *      lines scoring below drop_score.\n *\n",
            (long long)sys->rec_h, (long long)sys->rec_h, (long long)sys->rec_h, (long long)sys->rec_h,
            sys->rec_w_align > 1 ? " rounded up to a multiple of " : "", (long long)(sys->rec_w_align > 1 ? sys->rec_w_align : 0),
            (long long)(sys->rec_w_max / sys->rec_w_align * sys->rec_w_align),
            (long long)sys->dict_lines, sys->use_space ? ", space" : "");
    fprintf(f,
            " * Memory and ownership: the weights and the dictionary are constant data in\n"
            " * the library. A context owns its buffers (they grow to the largest image\n"
            " * and batch seen, and are kept until %s_destroy) and the lines a call\n"
            " * returns: they and their text stay valid until the next %s_ocr or\n"
            " * %s_recognize call on the context, or %s_destroy. The image belongs to\n"
            " * the caller and is not referenced after the call.\n *\n",
            name, name, name, name);
    fprintf(f,
            " * Threading: contexts are independent; one context must not be used by two\n"
            " * threads at the same time. %s_create starts num_threads - 1 worker\n"
            " * threads that all models of the context share (they sleep between\n"
            " * calls); results are bit-identical for every num_threads.\n *\n"
            " * Errors: functions returning int give %s_OK (0) or an error code, never\n"
            " * crash on bad arguments, and %s_strerror() describes the code.\n */\n",
            name, up, name);
    fprintf(f, "#ifndef %s_H\n#define %s_H\n\n#include <stddef.h>\n#include <stdint.h>\n\n", up, up);
    fprintf(f, "#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n");
    cg_write_status_macros(f, up);
    fprintf(f, "\n#define %s_MAX_THREADS %d\n", up, OCRS_MAX_THREADS);
    fprintf(f, "#define %s_HAS_CLASSIFIER %d\n", up, sys->has_cls);
    fprintf(f, "#define %s_REC_HEIGHT %lld    /* recognizer input height */\n", up, (long long)sys->rec_h);
    fprintf(f, "#define %s_REC_MAX_WIDTH %lld /* widest recognizer input */\n", up, (long long)sys->rec_w_max);
    fprintf(f, "#define %s_MAX_SIDE 65536      /* widest and tallest image */\n\n", up);
    fprintf(f, "typedef struct %s_ctx %s_ctx;\n\n", name, name);
    fprintf(f, "/* Creates a context in *ctx_out (NULL on failure), with num_threads in\n"
               " * [1, %s_MAX_THREADS]. Returns %s_OK or an error code. */\n", up, up);
    fprintf(f, "int %s_create(%s_ctx **ctx_out, int num_threads);\n\n", name, name);
    fprintf(f, "/* Frees the context, its buffers and the lines it returned; NULL is a no-op. */\n");
    fprintf(f, "void %s_destroy(%s_ctx *ctx);\n\n", name, name);
    fprintf(f, "/* A static English description of a status code. */\n");
    fprintf(f, "const char *%s_strerror(int status);\n\n", name);
    cg_write_detect_types(f, name, up);
    fprintf(f,
            "/* The options; PaddleOCR's defaults until set. */\n"
            "typedef struct {\n"
            "    %s_detect_options det; /* the detector's (as %s_detect_options above) */\n"
            "    float drop_score;      /* lines scoring below are dropped (0.5), in [0, 1] */\n"
            "    int use_angle_cls;     /* classify directions (%d; 0 without a classifier) */\n"
            "    float cls_thresh;      /* turn a crop when its 180 score is above (0.9) */\n"
            "    int cls_batch_num;     /* crops per classifier run (6), in [1, 256] */\n"
            "    int rec_batch_num;     /* crops per recognizer run (6), in [1, 256] */\n"
            "    int rec_image_width;   /* narrowest recognizer input (320), in [%lld, %lld] */\n"
            "} %s_options;\n\n",
            name, name, sys->has_cls, (long long)sys->rec_w_min, (long long)sys->rec_w_max, name);
    fprintf(f, "int %s_get_options(const %s_ctx *ctx, %s_options *opts);\n", name, name, name);
    fprintf(f, "/* %s_ERR_ARG with nothing changed if a field is out of range. */\n", up);
    fprintf(f, "int %s_set_options(%s_ctx *ctx, const %s_options *opts);\n\n", name, name, name);
    fprintf(f, "/* A quadrilateral in source pixels, corners clockwise from the top-left. */\n");
    fprintf(f, "typedef struct {\n    float x[4], y[4];\n} %s_quad;\n\n", name);
    fprintf(f,
            "/* A line of text: its box, its text (UTF-8, NUL-terminated, owned by the\n"
            " * context as said above) and score (mean character probability). */\n"
            "typedef struct {\n    float x[4], y[4];\n    const char *text;\n    float score;\n} %s_line;\n\n",
            name);
    fprintf(f,
            "/* Reads the text of an RGB image (3 bytes per pixel, rows stride bytes\n"
            " * apart, width and height in [1, %s_MAX_SIDE]): *lines_out points at\n"
            " * *num_lines_out lines in reading order (none on failure). Returns %s_OK\n"
            " * or an error code. */\n",
            up, up);
    fprintf(f,
            "int %s_ocr(%s_ctx *ctx, const uint8_t *rgb, int width, int height, int stride,\n"
            "           const %s_line **lines_out, int *num_lines_out);\n\n",
            name, name, name);
    fprintf(f, "/* Steps 3-6 on the n given quadrilaterals (n >= 0; quads may be NULL when\n"
               " * n is 0), without the drop_score filter: (*lines_out)[i] is quads[i]'s.\n"
               " * %s_ERR_ARG for a corner not finite or far outside the image,\n"
               " * %s_ERR_SIZE for a crop of more than 2^28 pixels. */\n", up, up);
    fprintf(f,
            "int %s_recognize(%s_ctx *ctx, const uint8_t *rgb, int width, int height, int stride,\n"
            "                 const %s_quad *quads, int n, const %s_line **lines_out);\n\n",
            name, name, name, name);
    fprintf(f, "/* Milliseconds the last successful call spent in each stage. */\n");
    fprintf(f,
            "typedef struct {\n"
            "    double det_pre, det_model, det_post; /* resize and normalise, model, boxes */\n"
            "    double crop;                         /* perspective crops, order */\n"
            "    double cls_pre, cls_model, cls_post; /* resize, model, turning */\n"
            "    double rec_pre, rec_model, rec_post; /* resize, model, CTC decoding */\n"
            "    double total;                        /* the whole call */\n"
            "} %s_stage_times;\n\n",
            name);
    fprintf(f, "int %s_get_times(const %s_ctx *ctx, %s_stage_times *times);\n\n", name, name, name);
    fprintf(f, "#ifdef __cplusplus\n}\n#endif\n\n#endif\n");
    bool ok = !ferror(f);
    ok &= fclose(f) == 0;
    if (!ok) return ocrs_fail(diag, OCRS_ERR_IO, "code generation: cannot write '%s': %s", path, strerror(errno));
    return OCRS_OK;
}
