/* Internal interface of the OCR-system runtime: PaddleOCR's TextSystem
 * (tools/infer/predict_system.py) around a detector, an optional direction
 * classifier and a recognizer compiled into one library. The image
 * operations (crop.c), the text side (text.c: dictionary, CTC decoding,
 * box order) do not depend on OCRS_PREFIX, so tests link them directly;
 * system.c is the prefixed public API on top. Nothing here exits. */
#ifndef OCRS_OCR_H
#define OCRS_OCR_H

#include <stddef.h>
#include <stdint.h>

#include "ocrs_detect.h"
#include "ocrs_dict.h"

/* ---- the API's types (system.c; the generated header has them under the
 * library's name) ---------------------------------------------------------------------- */

typedef struct {
    ocrs_det_opts det;
    float drop_score;
    int use_angle_cls;
    float cls_thresh;
    int cls_batch_num, rec_batch_num, rec_image_width;
} ocrs_sys_opts;

typedef struct {
    float x[4], y[4];
} ocrs_quad;

typedef struct {
    float x[4], y[4];
    const char *text;
    float score;
} ocrs_line;

typedef struct {
    double det_pre, det_model, det_post, crop, cls_pre, cls_model, cls_post, rec_pre, rec_model, rec_post, total;
} ocrs_stage_times;

/* ---- crops (crop.c) ------------------------------------------------------------------ */

/* The size of the crop PaddleOCR's get_rotate_crop_image cuts for the
 * quadrilateral (x[i], y[i]) (corners clockwise from the top-left): width
 * int(max(|p0 - p1|, |p2 - p3|)), height int(max(|p0 - p3|, |p1 - p2|)),
 * computed in float32 as numpy does; each at least 1. */
void ocrs_crop_size(const float x[4], const float y[4], int *crop_w, int *crop_h);

/* Cuts the crop: the perspective transform taking the corners to (0, 0),
 * (crop_w, 0), (crop_w, crop_h), (0, crop_h) (cv2.getPerspectiveTransform),
 * applied backwards as cv2.warpPerspective does with INTER_CUBIC and
 * BORDER_REPLICATE, from the RGB image (stride bytes per row) into out
 * (crop_w x crop_h RGB, 3 * crop_w bytes per row). Returns 0, or -1 when
 * the corners make no transform (collinear points); out is then filled by
 * replicating the image's nearest pixel. */
int ocrs_crop_quad(const uint8_t *rgb, int width, int height, int stride, const float x[4], const float y[4],
                   uint8_t *out, int crop_w, int crop_h);

/* np.rot90 (counter-clockwise): src is w x h RGB, dst becomes h x w. */
void ocrs_rotate90(const uint8_t *src, int w, int h, uint8_t *dst);
/* cv2.rotate(img, ROTATE_180) in place on a w x h RGB image. */
void ocrs_rotate180(uint8_t *img, int w, int h);

/* PaddleOCR's defaults for predict_rec: crops in batches of 6 (rec_batch_num),
 * at least 320 wide at height 48 (rec_image_shape). */
enum { OCRS_REC_BATCH_NUM = 6, OCRS_REC_IMAGE_WIDTH = 320 };

/* predict_rec's widths at height h. ocrs_rec_input_width: a batch whose
 * widest crop has the ratio w/h `ratio` is resized against int(h *
 * max(ratio, min_w / h)) (min_w: rec_image_shape's width, 320), at most
 * widest. ocrs_rec_crop_width: resize_norm_img's width of a crop of that
 * ratio, ceil(h * ratio), within [1, max_w]. */
int ocrs_rec_input_width(int h, int min_w, double ratio, int widest);
int ocrs_rec_crop_width(int h, double ratio, int max_w);

/* ---- text (text.c) ------------------------------------------------------------------- */

/* The recognizer's classes: 0 the CTC blank, then the dictionary's lines
 * (PaddleOCR strips "\n" and "\r\n"), then " " when use_space. class c's
 * text is dict[start[c] .. start[c] + len[c]). */
typedef struct {
    const char *text;
    int32_t *start, *len;
    int nclasses, max_len;
} ocrs_dict;

/* Indexes the dictionary file's bytes (kept, not copied); 0, or -1 when out
 * of memory. */
int ocrs_dict_init(ocrs_dict *d, const char *text, size_t size, int use_space);
void ocrs_dict_free(ocrs_dict *d);

/* CTCLabelDecode on one sequence of T steps of nclasses probabilities: the
 * arg-max class of each step (the first on ties), steps repeating the
 * previous step's class or giving the blank dropped, the rest's texts
 * concatenated into text (room for T * d->max_len + 1 bytes, NUL-ended);
 * *score is the mean of their probabilities (0 when none). Returns the
 * text's length. */
size_t ocrs_ctc_decode(const float *probs, int steps, const ocrs_dict *d, char *text, float *score);

/* Sorts order[0..n) stably: a goes before b when before(arg, a, b); 0, or -1
 * when out of memory (order unchanged). */
int ocrs_sort_indices(int *order, int n, int (*before)(const void *arg, int a, int b), const void *arg);

/* PaddleOCR's sorted_boxes: by the first corner's y, then x (stably), then
 * a box moves before its predecessors while its first corner is left of
 * theirs and its y within 10 pixels. Sorts order[0..n) (indices of quads)
 * in place; 0, or -1 when out of memory. */
int ocrs_sort_quads(const ocrs_quad *quads, int *order, int n);

#endif
