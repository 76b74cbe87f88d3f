/* Unit tests of the OCR runtime's text side against hand-made cases: the
 * dictionary as PaddleOCR reads it, CTC greedy decoding and the reading
 * order of boxes (sorted_boxes, with its 10-pixel rule on the first pair
 * too).
 *
 *   test_text dict|ctc|order */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../detect/check.h"
#include "ocrs_ocr.h"

static void test_dict(void) {
    ocrs_dict d;
    /* "\r\n" ends, an empty line kept as a class, no final newline. */
    const char text[] = "a\r\n\xe4\xb8\xad\n\nzz";
    CHECK(ocrs_dict_init(&d, text, sizeof text - 1, 1) == 0);
    CHECK(d.nclasses == 1 + 4 + 1);
    CHECK(d.len[1] == 1 && memcmp(text + d.start[1], "a", 1) == 0);
    CHECK(d.len[2] == 3 && memcmp(text + d.start[2], "\xe4\xb8\xad", 3) == 0);
    CHECK(d.len[3] == 0);
    CHECK(d.len[4] == 2 && memcmp(text + d.start[4], "zz", 2) == 0);
    CHECK(d.len[5] == 1 && d.start[5] < 0); /* the space */
    CHECK(d.max_len == 3);
    ocrs_dict_free(&d);
    const char ended[] = "a\nb\n";
    CHECK(ocrs_dict_init(&d, ended, sizeof ended - 1, 0) == 0);
    CHECK(d.nclasses == 3);
    ocrs_dict_free(&d);
}

static void test_ctc(void) {
    ocrs_dict d;
    const char text[] = "a\nb\n\xe4\xb8\xad\n";
    CHECK(ocrs_dict_init(&d, text, sizeof text - 1, 1) == 0); /* blank a b 中 space */
    enum { C = 5 };
    /* steps: a a blank a b b space 中, and a tie between b and 中 (b, the
     * first, wins) after a blank */
    const int best[] = {1, 1, 0, 1, 2, 2, 4, 3, 0, -1};
    int steps = (int)(sizeof best / sizeof best[0]);
    float probs[sizeof best / sizeof best[0]][C];
    for (int t = 0; t < steps; t++) {
        for (int c = 0; c < C; c++) probs[t][c] = 0.01f;
        if (best[t] >= 0) probs[t][best[t]] = 0.5f + 0.05f * t;
        else probs[t][2] = probs[t][3] = 0.4f;
    }
    char out[64];
    float score;
    size_t n = ocrs_ctc_decode(&probs[0][0], steps, &d, out, &score);
    CHECK(n == strlen("aab \xe4\xb8\xad" "b") && strcmp(out, "aab \xe4\xb8\xad" "b") == 0);
    /* kept: steps 0, 3, 4, 6, 7, 9 */
    double want = (0.5 + 0.5 + 0.05 * 3 + 0.5 + 0.05 * 4 + 0.5 + 0.05 * 6 + 0.5 + 0.05 * 7 + 0.4) / 6;
    NEAR(score, want, 1e-6);
    /* nothing but blanks: empty, score 0 */
    float blank[3][C] = {{0.9f}, {0.9f}, {0.9f}};
    n = ocrs_ctc_decode(&blank[0][0], 3, &d, out, &score);
    CHECK(n == 0 && out[0] == 0 && score == 0);
    ocrs_dict_free(&d);
}

static void quad(ocrs_quad *q, float x, float y) {
    for (int k = 0; k < 4; k++) q->x[k] = x + (k == 1 || k == 2) * 50, q->y[k] = y + (k >= 2) * 20;
}

static void test_order(void) {
    /* (y, x) of the first corners, by index: */
    const float at[][2] = {{100, 300}, {104, 10}, {40, 200}, {300, 0}, {108, 150}, {100, 300}};
    enum { N = sizeof at / sizeof at[0] };
    ocrs_quad q[N];
    int order[N];
    for (int i = 0; i < N; i++) quad(&q[i], at[i][1], at[i][0]), order[i] = i;
    CHECK(ocrs_sort_quads(q, order, N) == 0);
    /* By y: 2 (40), 0 and 5 (100, equal: index order), 1 (104), 4 (108), 3.
     * Then boxes within 10 pixels of y move left of those right of them:
     * 1 (x 10) passes 5 and 0 (x 300), and 2 (y 40) stays first; 4 (x
     * 150) passes 5 and 0 too, not 1. */
    const int want[N] = {2, 1, 4, 0, 5, 3};
    for (int i = 0; i < N; i++) CHECK(order[i] == want[i]);
    /* The first pair is compared too (PaddleOCR 2.6 and later). */
    const float two[][2] = {{10, 100}, {15, 20}};
    for (int i = 0; i < 2; i++) quad(&q[i], two[i][1], two[i][0]), order[i] = i;
    CHECK(ocrs_sort_quads(q, order, 2) == 0);
    CHECK(order[0] == 1 && order[1] == 0);
}

int main(int argc, char **argv) {
    if (argc != 2) return 2;
    if (!strcmp(argv[1], "dict")) test_dict();
    else if (!strcmp(argv[1], "ctc")) test_ctc();
    else if (!strcmp(argv[1], "order")) test_order();
    else return 2;
    return failures ? 1 : 0;
}
