/* The text-detection part of the generated <name>.h: the box type, the
 * options of PaddleOCR's DB pipeline (an OCR system's header has them too)
 * and <name>_detect (runtime/det/detect.c). The struct layouts are runtime/det/ocrs_detect.h's ocrs_box and ocrs_det_opts. */
#include "cg.h"

void cg_write_detect_types(FILE *f, const char *name, const char *up) {
    fprintf(f, "/* limit_type values */\n");
    fprintf(f, "#define %s_LIMIT_MAX 0         /* shrink when the long side exceeds limit_side_len */\n", up);
    fprintf(f, "#define %s_LIMIT_MIN 1         /* enlarge when the short side is below it */\n", up);
    fprintf(f, "#define %s_LIMIT_RESIZE_LONG 2 /* scale the long side to it */\n\n", up);
    fprintf(f, "typedef struct {\n"
               "    float thresh;       /* binarise at p > thresh (0.3) */\n"
               "    float box_thresh;   /* drop boxes with a lower mean probability (0.6) */\n"
               "    float unclip_ratio; /* grow boxes by area * ratio / perimeter (1.5) */\n"
               "    int limit_side_len; /* 960, in [32, 4096] */\n"
               "    int limit_type;     /* %s_LIMIT_MAX */\n"
               "    int max_candidates; /* contours examined at most (1000) */\n"
               "} %s_detect_options;\n\n",
            up, name);
}

void cg_write_header_detect(FILE *f, const char *name, const char *up) {
    fprintf(f,
            "/* ---- text detection: image in, boxes out ----\n"
            " * PaddleOCR's DB inference pipeline around %s_forward: resize (limit\n"
            " * the side, round to multiples of 32, bilinear), normalise in B, G, R\n"
            " * order, run the model, binarise, contours, minimum-area rectangles,\n"
            " * score, unclip, scale back to the image. Requires a model whose\n"
            " * output channel 0 is a probability map the size of its input. */\n\n",
            name);
    fprintf(f, "#include <stdint.h>\n\n");
    fprintf(f, "/* A text box in source pixels, corners clockwise from the top-left;\n"
               " * score is the mean probability inside the box. */\n");
    fprintf(f, "typedef struct {\n    float x[4], y[4];\n    float score;\n} %s_box;\n\n", name);
    cg_write_detect_types(f, name, up);
    fprintf(f, "/* Current options of a context (PaddleOCR's defaults until set). */\n");
    fprintf(f, "int %s_get_detect_options(const %s_ctx *ctx, %s_detect_options *opts);\n\n", name, name, name);
    fprintf(f, "/* Sets the options; %s_ERR_ARG with nothing changed if one is out of range. */\n", up);
    fprintf(f, "int %s_set_detect_options(%s_ctx *ctx, const %s_detect_options *opts);\n\n", name, name, name);
    fprintf(f,
            "/* Detects text in an RGB image (3 bytes per pixel, rows stride bytes\n"
            " * apart, width and height in [1, 65536]). Writes up to max_boxes boxes and\n"
            " * sets *num_boxes_out to the number found, which may be larger: call again\n"
            " * with more room, or with max_boxes 0 (boxes may be NULL) to count. The\n"
            " * context keeps its buffers for the next call. Returns %s_OK or an\n"
            " * error code (%s_ERR_SIZE when the resized image exceeds %s_MAX_SIZE). */\n",
            up, up, up);
    fprintf(f,
            "int %s_detect(%s_ctx *ctx, const uint8_t *rgb, int width, int height, int stride, %s_box *boxes,\n"
            "              int max_boxes, int *num_boxes_out);\n\n",
            name, name, name);
    fprintf(f, "/* Milliseconds the last successful %s_detect spent in pre-processing,\n"
               " * the model and post-processing. */\n", name);
    fprintf(f, "int %s_detect_times(const %s_ctx *ctx, double *pre_ms, double *model_ms, double *post_ms);\n\n", name,
            name);
}
