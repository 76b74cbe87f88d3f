/* The OCR metrics of measure/evaluate.c: edit distances over code points,
 * spaces ignored, end-to-end matching, and the label reader's JSON
 * strings and writer. Expected values are worked out by hand in the
 * comments (RecMetric and json.loads/json.dumps give the same). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "evaluate.h"

/* One line's normalised edit distance, or -1 when it is refused. */
static double ned(const char *pred, const char *target, long *correct) {
    eval_rec_counts c = {0};
    if (eval_rec_line(pred, target, &c)) return -1;
    CHECK(c.lines == 1);
    *correct = c.correct;
    return c.ned_sum;
}

static void test_rec(void) {
    long ok;
    /* One code point of two differs: 0.5 (over bytes, "ab" -> "a" U+4E2D
     * would be 3 edits of 4). */
    NEAR(ned("ab", "a\u4e2d", &ok), 0.5, 1e-12);
    CHECK(!ok);
    /* Chinese: one substitution in four, one insertion in three. */
    NEAR(ned("中文识别", "中文识字", &ok), 0.25, 1e-12);
    NEAR(ned("中文", "中文字", &ok), 1.0 / 3, 1e-12);
    NEAR(ned("中文字", "中文", &ok), 1.0 / 3, 1e-12);
    /* Spaces do not count, anywhere. */
    NEAR(ned("hello world", "helloworld", &ok), 0, 0);
    CHECK(ok);
    NEAR(ned(" 中 文", "中文 ", &ok), 0, 0);
    CHECK(ok);
    /* Empty strings: both empty is a correct line at distance 0; against
     * a text, distance 1. */
    NEAR(ned("", "", &ok), 0, 0);
    CHECK(ok);
    NEAR(ned("   ", "", &ok), 0, 0);
    CHECK(ok);
    NEAR(ned("", "abc", &ok), 1, 0);
    CHECK(!ok);
    NEAR(ned("kitten", "sitting", &ok), 3.0 / 7, 1e-12);
    /* Not UTF-8: refused, nothing counted. */
    eval_rec_counts c = {0};
    CHECK(eval_rec_line("\xe4\xb8", "x", &c) == -1 && c.lines == 0);
    CHECK(eval_rec_line("x", "\xc0\xaf", &c) == -1 && c.lines == 0);
    /* Scores over lines: 2 correct of 4, distances 0, 0, 0.5, 1. */
    eval_rec_line("a b", "ab", &c);
    eval_rec_line("", "", &c);
    eval_rec_line("ab", "ac", &c);
    eval_rec_line("x", "", &c);
    double acc, norm;
    eval_rec_scores(&c, &acc, &norm);
    NEAR(acc, 0.5, 1e-12);
    NEAR(norm, 1 - 1.5 / 4, 1e-12);
    eval_rec_counts none = {0};
    eval_rec_scores(&none, &acc, &norm);
    CHECK(acc == 0 && norm == 0);
}

static eval_poly quad(double x0, double y0, double x1, double y1) {
    eval_poly p = {{x0, y0, x1, y0, x1, y1, x0, y1}, 4, false};
    return p;
}

static void test_e2e(void) {
    eval_poly gt[3] = {quad(0, 0, 10, 10), quad(20, 0, 30, 10), quad(40, 0, 50, 10)};
    gt[2].dont_care = true;
    const char *gt_text[3] = {"HELLO", "世界", "###"};
    /* det 0 reads gt 0 (a space more); det 1 misreads gt 1; det 2 lies in
     * the don't-care region: ignored whatever it reads; det 3 is a second
     * prediction on gt 0, right but unmatched (gt 0 is taken), so counted
     * against precision. */
    eval_poly det[4] = {quad(0, 0, 10, 11), quad(20, 0, 30, 10), quad(41, 1, 49, 9), quad(0, 0, 10, 10)};
    const char *det_text[4] = {"HEL LO", "世", "x", "HELLO"};
    eval_counts dc = {0}, e2e = {0};
    eval_e2e_image(gt, gt_text, 3, det, det_text, 4, &dc, &e2e);
    CHECK(dc.gt_care == 2 && dc.det_care == 3 && dc.matched == 2);
    CHECK(e2e.gt_care == 2 && e2e.det_care == 3 && e2e.matched == 1);
    double p, r, f;
    eval_scores(&e2e, &p, &r, &f);
    NEAR(p, 1.0 / 3, 1e-12);
    NEAR(r, 0.5, 1e-12);
    NEAR(f, 0.4, 1e-12);
    /* The detection counts are eval_image's. */
    eval_counts ref = {0};
    eval_image(gt, 3, det, 4, &ref);
    CHECK(ref.gt_care == dc.gt_care && ref.det_care == dc.det_care && ref.matched == dc.matched);
    /* Two predictions on one region, the wrong one first: matching is
     * greedy in index order, so the right one finds nothing left. */
    const char *wrong_first[2] = {"HELL", "HELLO"};
    eval_poly two[2] = {quad(0, 0, 10, 10), quad(0, 0, 10, 10)};
    eval_counts dc2 = {0}, e2e2 = {0};
    eval_e2e_image(gt, gt_text, 1, two, wrong_first, 2, &dc2, &e2e2);
    CHECK(dc2.matched == 1 && e2e2.matched == 0 && e2e2.det_care == 2 && e2e2.gt_care == 1);
    /* Counts add over images. */
    eval_e2e_image(gt, gt_text, 3, det, det_text, 4, &dc, &e2e);
    CHECK(e2e.gt_care == 4 && e2e.det_care == 6 && e2e.matched == 2);
}

static void test_labels(void) {
    char why[128] = "";
    eval_labels l = {0};
    const char *line =
        "[{\"transcription\": \"\\u4e2d\\u6587 \\\"q\\\" \\\\ \\/ \\n\\t\", \"points\": [[0, 0], [1, 0], [1, 1], [0, 1]]},"
        " {\"points\": [], \"transcription\": \"\\ud83d\\ude00\\uD83D\\uDE00\"},"
        " {\"points\": [[0, 0], [2, 0], [1, 1]], \"other\": {\"a\": [\"\\u0041\", 1]}},"
        " {\"transcription\": \"\\u0023##\", \"points\": [[0, 0], [1, 0], [1, 1], [0, 1]]},"
        " {\"transcription\": \"混合 ASCII\", \"points\": [[0, 0], [1, 0], [1, 1], [0, 1]]}]";
    CHECK(eval_parse_labels(line, &l, why, sizeof why) == 5);
    if (l.n == 5) {
        CHECK(!strcmp(l.text[0], "\xe4\xb8\xad\xe6\x96\x87 \"q\" \\ / \n\t"));
        CHECK(!strcmp(l.text[1], "\xf0\x9f\x98\x80\xf0\x9f\x98\x80")); /* U+1F600 twice */
        CHECK(!strcmp(l.text[2], "") && l.poly[2].n == 3);
        CHECK(!strcmp(l.text[3], "###") && l.poly[3].dont_care); /* don't-care once unescaped, as in Python */
        CHECK(!strcmp(l.text[4], "混合 ASCII") && !l.poly[4].dont_care && l.poly[4].n == 4);
    }
    /* The detector's reader sees the same regions. */
    eval_poly *regions = NULL;
    int cap = 0;
    CHECK(eval_parse_regions(line, &regions, &cap, why, sizeof why) == 5 && regions[3].dont_care);
    /* Reused from line to line. */
    CHECK(eval_parse_labels("[{\"transcription\": \"*\", \"points\": []}]", &l, why, sizeof why) == 1);
    CHECK(l.n == 1 && !strcmp(l.text[0], "*") && l.poly[0].dont_care);
    /* Refused, with why: unpaired surrogates, \u0000, unknown escapes, short
     * \u escapes, a transcription that is not UTF-8 (which the detector's
     * reader takes: it never looks at the text). */
    static const struct {
        const char *line, *why;
    } bad[] = {
        {"[{\"transcription\": \"\\ud83d\"}]", "region 1: a \\u escape is half a surrogate pair"},
        {"[{}, {\"transcription\": \"\\ud83d\\u0041\"}]", "region 2: a \\u escape is half a surrogate pair"},
        {"[{\"transcription\": \"\\ude00\"}]", "region 1: a \\u escape is half a surrogate pair"},
        {"[{\"transcription\": \"a\\u0000b\"}]", "region 1: a string holds \\u0000"},
        {"[{\"transcription\": \"\\x41\"}]", "region 1: a string escape JSON does not have"},
        {"[{\"transcription\": \"\\u12\"}]", "region 1: a \\u escape without four hex digits"},
        {"[{\"transcription\": \"\\", "region 1: a string escape JSON does not have"},
        {"[{\"transcription\": \"abc", "malformed labels"},
        {"[{\"transcription\": \"\xe4\xb8\"}]", "region 1: the transcription is not UTF-8"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        why[0] = 0;
        int n = eval_parse_labels(bad[i].line, &l, why, sizeof why);
        if (n != -1 || strcmp(why, bad[i].why)) {
            fprintf(stderr, "bad[%zu]: %d, '%s'\n", i, n, why);
            failures++;
        }
    }
    CHECK(eval_parse_regions("[{\"transcription\": \"\xe4\xb8\"}]", &regions, &cap, why, sizeof why) == 1);
    free(regions);
    eval_labels_free(&l);
}

static void test_utf8_and_writing(void) {
    CHECK(eval_utf8_valid("") && eval_utf8_valid("abc 中文 \xf0\x9f\x98\x80"));
    CHECK(!eval_utf8_valid("\xc0\xaf"));             /* overlong '/' */
    CHECK(!eval_utf8_valid("\xe0\x80\xaf"));         /* overlong, 3 bytes */
    CHECK(!eval_utf8_valid("\xed\xa0\x80"));         /* U+D800 */
    CHECK(!eval_utf8_valid("\xf4\x90\x80\x80"));     /* above U+10FFFF */
    CHECK(!eval_utf8_valid("\xe4\xb8"));             /* cut short */
    CHECK(!eval_utf8_valid("\x80") && !eval_utf8_valid("\xff"));
    char *out = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&out, &size);
    if (!f) abort();
    eval_write_string(f, "a\"b\\c/\n\r\t\b\f\x01\x1f\x7f 中");
    fputc(' ', f);
    float x[3] = {114, 1.5f, -0.0f}, y[3] = {-3, 0.1f, 1e6f};
    eval_write_points(f, x, y, 3);
    fclose(f);
    /* json.dumps(ensure_ascii=False) escapes as this; float32 0.1 needs 9
     * digits to come back. */
    static const char want[] =
        "\"a\\\"b\\\\c/\\n\\r\\t\\b\\f\\u0001\\u001f\x7f 中\" [[114, -3], [1.5, 0.100000001], [0, 1000000]]";
    if (strcmp(out, want)) {
        fprintf(stderr, "wrote %s\nwant  %s\n", out, want);
        failures++;
    }
    free(out);
}

int main(void) {
    test_rec();
    test_e2e();
    test_labels();
    test_utf8_and_writing();
    if (failures) fprintf(stderr, "%d checks failed\n", failures);
    else printf("ocr metrics ok\n");
    return failures != 0;
}
