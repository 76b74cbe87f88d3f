/* The text side of the OCR system: the dictionary, CTC decoding
 * (ppocr/postprocess/rec_postprocess.py's CTCLabelDecode) and the reading
 * order of the boxes (tools/infer/predict_system.py's sorted_boxes). */
#include <stdlib.h>
#include <string.h>

#include "ocrs_ocr.h"

int ocrs_dict_init(ocrs_dict *d, const char *text, size_t size, int use_space) {
    int lines = ocrs_dict_lines(text, size);
    *d = (ocrs_dict){.text = text, .nclasses = 1 + lines + (use_space != 0)};
    d->start = calloc((size_t)d->nclasses, sizeof *d->start);
    d->len = calloc((size_t)d->nclasses, sizeof *d->len);
    if (!d->start || !d->len) {
        ocrs_dict_free(d);
        return -1;
    }
    int c = 1;
    for (size_t i = 0; i < size && c <= lines; c++) {
        size_t end = i;
        while (end < size && text[end] != '\n') end++;
        size_t n = end - i;
        if (n && text[i + n - 1] == '\r') n--;
        d->start[c] = (int32_t)i;
        d->len[c] = (int32_t)n;
        i = end + 1;
    }
    /* The space is the one character not in the file: it is the last class
     * and points at a literal. */
    if (use_space) d->start[c] = -1, d->len[c] = 1;
    for (c = 0; c < d->nclasses; c++)
        if (d->len[c] > d->max_len) d->max_len = d->len[c];
    return 0;
}

void ocrs_dict_free(ocrs_dict *d) {
    free(d->start);
    free(d->len);
    d->start = d->len = NULL;
}

/* The first index of the largest of p[0..n): the maximum in 8 independent
 * lanes (which the compiler vectorises; thousands of classes per step make
 * this the decoder's cost), then its first place. */
static int argmax(const float *p, int n) {
    enum { LANES = 8 };
    float m[LANES];
    for (int l = 0; l < LANES; l++) m[l] = p[0];
    int c = 0;
    for (; c + LANES <= n; c += LANES)
        for (int l = 0; l < LANES; l++) m[l] = p[c + l] > m[l] ? p[c + l] : m[l];
    float top = m[0];
    for (int l = 1; l < LANES; l++) top = m[l] > top ? m[l] : top;
    for (; c < n; c++) top = p[c] > top ? p[c] : top;
    int best = 0;
    while (best < n - 1 && p[best] != top) best++; /* bounded: a NaN is never found */
    return best;
}

size_t ocrs_ctc_decode(const float *probs, int steps, const ocrs_dict *d, char *text, float *score) {
    size_t n = 0;
    double sum = 0;
    int kept = 0, prev = -1;
    for (int t = 0; t < steps; t++) {
        const float *p = probs + (size_t)t * d->nclasses;
        int best = argmax(p, d->nclasses);
        if (best != 0 && best != prev) {
            memcpy(text + n, d->start[best] < 0 ? " " : d->text + d->start[best], (size_t)d->len[best]);
            n += (size_t)d->len[best];
            sum += p[best];
            kept++;
        }
        prev = best;
    }
    text[n] = 0;
    *score = kept ? (float)(sum / kept) : 0.0f;
    return n;
}

/* Merge sort of order[0..n) with tmp as room for n. */
static void merge_sort(int *order, int *tmp, int n, int (*before)(const void *, int, int), const void *arg) {
    if (n < 2) return;
    int h = n / 2;
    merge_sort(order, tmp, h, before, arg);
    merge_sort(order + h, tmp, n - h, before, arg);
    int i = 0, j = h, k = 0;
    while (i < h && j < n) tmp[k++] = before(arg, order[j], order[i]) ? order[j++] : order[i++];
    while (i < h) tmp[k++] = order[i++];
    while (j < n) tmp[k++] = order[j++];
    memcpy(order, tmp, sizeof *order * (size_t)n);
}

int ocrs_sort_indices(int *order, int n, int (*before)(const void *arg, int a, int b), const void *arg) {
    int *tmp = n > 1 ? malloc(sizeof *tmp * (size_t)n) : NULL;
    if (n > 1 && !tmp) return -1;
    merge_sort(order, tmp, n, before, arg);
    free(tmp);
    return 0;
}

/* By the first corner's y, then x. */
static int above(const void *arg, int a, int b) {
    const ocrs_quad *qa = &((const ocrs_quad *)arg)[a], *qb = &((const ocrs_quad *)arg)[b];
    return qa->y[0] < qb->y[0] || (qa->y[0] == qb->y[0] && qa->x[0] < qb->x[0]);
}

int ocrs_sort_quads(const ocrs_quad *quads, int *order, int n) {
    if (ocrs_sort_indices(order, n, above, quads)) return -1;
    /* Then PaddleOCR's pass (2.6 and later: earlier versions never compared
     * the first two boxes), the y difference in float32. */
    for (int i = 0; i < n - 1; i++)
        for (int j = i; j >= 0; j--) {
            const ocrs_quad *a = &quads[order[j]], *b = &quads[order[j + 1]];
            float dy = b->y[0] - a->y[0];
            if (!((dy < 0 ? -dy : dy) < 10 && b->x[0] < a->x[0])) break;
            int t = order[j];
            order[j] = order[j + 1], order[j + 1] = t;
        }
    return 0;
}
