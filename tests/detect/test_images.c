/* Images a user may throw at detect or ocr: made here with libpng/libjpeg,
 * loaded by the examples' loader and run through a generated library's
 * <name>_detect, or an OCR system library's <name>_ocr. Each must give
 * boxes (lines of valid UTF-8) or a clear error, never a crash; the API's
 * argument checks and options are tested on the way, and for an OCR system
 * the hard cases of its own: 1000+ lines, a line wider than the recognizer
 * takes, degenerate and absurd quadrilaterals, threads.
 *
 *   test_images LIB.so WORKDIR [--expect-text] */
#include <math.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jpeglib.h>
#include <png.h>
#include <zlib.h>

#include "card.h"
#include "check.h"
#include "detlib.h"
#include "image.h"
#include "ocrlib.h"


static const char *workdir;
static int expect_text; /* a real detector: the test card has text */
static ocrlib *ocr;     /* an OCR system library, else a detector */
static const char *lib_path;

static char *path_of(const char *name) {
    static char buf[4][4096];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s/%s", workdir, name);
    return buf[k];
}

/* The text card of examples/card.h, rendered once per size; the value at
 * (x, y) of its first channel. */
static uint8_t *card_rgb;
static int card_w, card_h;

static int card(int x, int y, int w, int h) {
    if (w != card_w || h != card_h) {
        free(card_rgb);
        card_rgb = malloc((size_t)w * h * 3);
        if (!card_rgb) abort();
        int scale = w / 160 > 1 ? w / 160 : 1;
        card_render(card_rgb, w, h, "TEXT CARD 42\nSECOND LINE", scale, 2 * scale);
        card_w = w, card_h = h;
    }
    return card_rgb[((size_t)y * w + x) * 3];
}

/* PNG of any colour type and depth; channels filled from card(). */
static void write_png(const char *name, int w, int h, int color_type, int depth) {
    FILE *f = fopen(path_of(name), "wb");
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png_create_info_struct(png);
    if (setjmp(png_jmpbuf(png))) abort();
    png_init_io(png, f);
    png_set_IHDR(png, info, w, h, depth, color_type, PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
                 PNG_FILTER_TYPE_DEFAULT);
    if (color_type == PNG_COLOR_TYPE_PALETTE) {
        png_color pal[2] = {{20, 20, 20}, {235, 235, 235}};
        png_set_PLTE(png, info, pal, 2);
    }
    png_write_info(png, info);
    int ch = color_type == PNG_COLOR_TYPE_GRAY || color_type == PNG_COLOR_TYPE_PALETTE ? 1
             : color_type == PNG_COLOR_TYPE_GRAY_ALPHA                                  ? 2
             : color_type == PNG_COLOR_TYPE_RGB                                         ? 3
                                                                                        : 4;
    int bytes = depth / 8 ? depth / 8 : 1;
    png_bytep row = calloc((size_t)w * ch * bytes, 1);
    for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++)
            for (int c = 0; c < ch; c++) {
                int v = card(x, y, w, h);
                if (color_type == PNG_COLOR_TYPE_PALETTE) v = v > 128;
                if (c == ch - 1 && (color_type & PNG_COLOR_MASK_ALPHA)) v = 128;
                for (int b = 0; b < bytes; b++) row[((size_t)x * ch + c) * bytes + b] = (png_byte)v;
            }
        png_write_row(png, row);
    }
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    free(row);
    fclose(f);
}

static void write_jpeg(const char *name, int w, int h, J_COLOR_SPACE space, int ch) {
    FILE *f = fopen(path_of(name), "wb");
    struct jpeg_compress_struct c;
    struct jpeg_error_mgr err;
    c.err = jpeg_std_error(&err);
    jpeg_create_compress(&c);
    jpeg_stdio_dest(&c, f);
    c.image_width = w, c.image_height = h, c.input_components = ch, c.in_color_space = space;
    jpeg_set_defaults(&c);
    jpeg_start_compress(&c, TRUE);
    JSAMPLE *row = malloc((size_t)w * ch);
    while (c.next_scanline < c.image_height) {
        for (int x = 0; x < w; x++)
            for (int k = 0; k < ch; k++) row[x * ch + k] = (JSAMPLE)card(x, (int)c.next_scanline, w, h);
        jpeg_write_scanlines(&c, &row, 1);
    }
    jpeg_finish_compress(&c);
    jpeg_destroy_compress(&c);
    free(row);
    fclose(f);
}

static long file_size(const char *name) {
    struct stat st;
    return stat(path_of(name), &st) == 0 ? (long)st.st_size : -1;
}

/* A copy of src cut to `keep` bytes, or with bytes from `at` on flipped. */
static void damage(const char *src, const char *dst, long keep, long flip_at) {
    FILE *f = fopen(path_of(src), "rb");
    long n = file_size(src);
    unsigned char *b = malloc((size_t)n);
    if (fread(b, 1, (size_t)n, f) != (size_t)n) abort();
    fclose(f);
    if (flip_at >= 0)
        for (long i = flip_at; i < n - 12 && i < flip_at + 64; i++) b[i] ^= 0x5a;
    f = fopen(path_of(dst), "wb");
    fwrite(b, 1, (size_t)(keep < n ? keep : n), f);
    fclose(f);
    free(b);
}

/* A PNG whose header claims 60000 x 60000 pixels: 3.6 Gpixel on decode. */
static void write_bomb(const char *name) {
    static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    unsigned char ihdr[25] = {0, 0, 0, 13, 'I', 'H', 'D', 'R', 0, 0, 0xea, 0x60, 0, 0, 0xea, 0x60, 8, 2, 0, 0, 0};
    unsigned long crc = crc32(0, ihdr + 4, 17);
    for (int i = 0; i < 4; i++) ihdr[21 + i] = (unsigned char)(crc >> (24 - 8 * i));
    /* An empty IDAT: libpng reads the header up to it, so the size check runs. */
    unsigned char idat[12] = {0, 0, 0, 0, 'I', 'D', 'A', 'T'};
    crc = crc32(0, idat + 4, 4);
    for (int i = 0; i < 4; i++) idat[8 + i] = (unsigned char)(crc >> (24 - 8 * i));
    FILE *f = fopen(path_of(name), "wb");
    fwrite(sig, 1, 8, f);
    fwrite(ihdr, 1, 25, f);
    fwrite(idat, 1, 12, f);
    fclose(f);
}

static char err[512]; /* the last error */

/* Loads and detects (or reads the text); returns 1 for boxes (any number),
 * 0 for a clean error. */
static int run(detlib *d, const char *name, int *nboxes) {
    image img;
    *nboxes = -1;
    if (image_load(path_of(name), &image_default_limits, &img, err, sizeof err)) {
        fprintf(stderr, "  %s: error: %s\n", name, err);
        CHECK(strstr(err, name) != NULL); /* the message names the file */
        return 0;
    }
    int rc = ocr ? ocrlib_run(ocr, &img, err, sizeof err) : detlib_run(d, &img, err, sizeof err);
    int n = ocr ? ocr->nlines : d->nboxes;
    if (rc) fprintf(stderr, "  %s: %s error: %s\n", name, ocr ? "ocr" : "detect", err);
    else fprintf(stderr, "  %s: %dx%d, %d %s\n", name, img.width, img.height, n, ocr ? "lines" : "boxes");
    *nboxes = rc ? -1 : n;
    image_free(&img);
    return rc == 0;
}

static void test_files(detlib *d) {
    int n;
    static const struct {
        const char *name;
        int w, h, kind, depth; /* kind: a PNG colour type, or -1 - a JPEG colour space */
    } good[] = {
        {"tiny.png", 1, 1, PNG_COLOR_TYPE_RGB, 8},          {"ten.png", 10, 10, PNG_COLOR_TYPE_RGB, 8},
        {"grey.png", 200, 120, PNG_COLOR_TYPE_GRAY, 8},     {"grey1.png", 64, 48, PNG_COLOR_TYPE_GRAY, 1},
        {"greyalpha.png", 80, 60, PNG_COLOR_TYPE_GRAY_ALPHA, 8}, {"rgba.png", 200, 120, PNG_COLOR_TYPE_RGBA, 8},
        {"palette.png", 150, 100, PNG_COLOR_TYPE_PALETTE, 8}, {"rgb16.png", 100, 70, PNG_COLOR_TYPE_RGB, 16},
        {"tall.png", 2, 3000, PNG_COLOR_TYPE_RGB, 8},       {"tiny.jpg", 1, 1, -1 - JCS_RGB, 3},
        {"rgb.jpg", 300, 200, -1 - JCS_RGB, 3},             {"grey.jpg", 300, 200, -1 - JCS_GRAYSCALE, 1},
        {"cmyk.jpg", 120, 80, -1 - JCS_CMYK, 4},
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        if (good[i].kind >= 0) write_png(good[i].name, good[i].w, good[i].h, good[i].kind, good[i].depth);
        else write_jpeg(good[i].name, good[i].w, good[i].h, (J_COLOR_SPACE)(-1 - good[i].kind), good[i].depth);
        CHECK(run(d, good[i].name, &n) == 1 && n >= 0);
    }
    if (expect_text) {
        CHECK(run(d, "rgb.jpg", &n) == 1 && n > 0);
        CHECK(run(d, "rgba.png", &n) == 1 && n > 0);
    }

    /* Damaged files: an error naming the file. libjpeg would decode a
     * truncated JPEG on, filling the rest with grey, and only warn. */
    damage("grey.png", "cut.png", file_size("grey.png") / 2, -1);
    damage("grey.png", "crc.png", 1 << 30, file_size("grey.png") / 2);
    damage("rgb.jpg", "cut.jpg", file_size("rgb.jpg") / 2, -1);
    damage("rgb.jpg", "flip.jpg", 1 << 30, file_size("rgb.jpg") / 3);
    damage("rgb.jpg", "header.jpg", 40, -1);
    CHECK(run(d, "cut.png", &n) == 0);
    CHECK(run(d, "crc.png", &n) == 0);
    CHECK(run(d, "cut.jpg", &n) == 0 && strstr(err, "Premature end of JPEG file"));
    CHECK(run(d, "flip.jpg", &n) == 0);
    CHECK(run(d, "header.jpg", &n) == 0);
    FILE *f = fopen(path_of("garbage.png"), "wb");
    fputs("this is not an image at all", f);
    fclose(f);
    CHECK(run(d, "garbage.png", &n) == 0);
    f = fopen(path_of("empty.jpg"), "wb");
    fclose(f);
    CHECK(run(d, "empty.jpg", &n) == 0);
    CHECK(run(d, "missing.png", &n) == 0);
    write_bomb("bomb.png");
    CHECK(run(d, "bomb.png", &n) == 0 && strstr(err, "exceeds the limit"));
    /* A 52-byte PNG whose zTXt chunk declares 2 GiB (found by fuzz_image):
     * refused from the chunk table, before libpng allocates it. */
    static const uint8_t text_bomb[] = {
        0x89, 'P', 'N', 'G', 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 'I', 'H', 'D', 'R', 0, 0, 0, 0x60, 0, 0, 0, 0x30,
        8, 2, 0, 0, 0, 0x61, 0x74, 0xe8, 0x98, 0x7a, 0, 1, 0x0b, 'z', 'T', 'X', 't', 'I', 'D', 'A', 'T', 0x68, 0xed,
        0xb4, 0x29, 0xf3, 0x6d, 0x6a};
    f = fopen(path_of("text_bomb.png"), "wb");
    fwrite(text_bomb, 1, sizeof text_bomb, f);
    fclose(f);
    CHECK(run(d, "text_bomb.png", &n) == 0 && strstr(err, "past the end of the file"));
}

/* Sizes at the limits, through the API directly. */
static void test_api(detlib *d) {
    int n = -1;
    /* Limit-sized: 4096 x 4096 goes down to 960 x 960. */
    int side = 4096;
    uint8_t *big = malloc((size_t)side * side * 3);
    for (int y = 0; y < side; y++)
        for (int x = 0; x < side; x++) memset(big + ((size_t)y * side + x) * 3, card(x, y, side, side), 3);
    CHECK(d->detect(d->ctx, big, side, side, side * 3, NULL, 0, &n) == 0 && n >= 0);
    /* Counting with max_boxes 0, then fetching. */
    int m = -1;
    det_box_t boxes[4096];
    CHECK(d->detect(d->ctx, big, side, side, side * 3, boxes, 4096, &m) == 0 && m == n);
    for (int i = 0; i < (m < 4096 ? m : 4096); i++)
        for (int k = 0; k < 4; k++)
            CHECK(boxes[i].x[k] >= 0 && boxes[i].x[k] < side && boxes[i].y[k] >= 0 && boxes[i].y[k] < side);
    double pre, model, post;
    CHECK(d->times(d->ctx, &pre, &model, &post) == 0 && pre >= 0 && model > 0 && post >= 0);
    /* Longest allowed side, one pixel high; one beyond it. */
    CHECK(d->detect(d->ctx, big, 65536, 1, 65536 * 3, boxes, 16, &n) == 0);
    CHECK(d->detect(d->ctx, big, 65537, 1, 65537 * 3, boxes, 16, &n) == 5 /* ERR_ARG */);
    /* Bad arguments. */
    CHECK(d->detect(d->ctx, big, 10, 10, 29, boxes, 16, &n) == 5);
    CHECK(d->detect(d->ctx, big, 0, 10, 30, boxes, 16, &n) == 5);
    CHECK(d->detect(d->ctx, NULL, 10, 10, 30, boxes, 16, &n) == 1 /* ERR_NULL */);
    CHECK(d->detect(d->ctx, big, 10, 10, 30, NULL, 16, &n) == 1);
    CHECK(d->detect(NULL, big, 10, 10, 30, boxes, 16, &n) == 1);
    /* Options: defaults, a bad value refused, a good one taken. */
    det_options_t o;
    CHECK(d->get_options(d->ctx, &o) == 0 && o.limit_side_len == 960 && o.max_candidates == 1000);
    CHECK(o.thresh > 0.29f && o.thresh < 0.31f && o.box_thresh > 0.59f && o.unclip_ratio == 1.5f);
    det_options_t bad = o;
    bad.limit_side_len = 5000;
    CHECK(d->set_options(d->ctx, &bad) == 5);
    bad = o;
    bad.limit_type = 7;
    CHECK(d->set_options(d->ctx, &bad) == 5);
    /* limit_type min makes a tall image too large for the model. */
    det_options_t min = o;
    min.limit_type = 1;
    CHECK(d->set_options(d->ctx, &min) == 0);
    CHECK(d->detect(d->ctx, big, 1, 200, 3, boxes, 16, &n) == 2 /* ERR_SIZE */);
    o.limit_side_len = 320;
    CHECK(d->set_options(d->ctx, &o) == 0);
    det_options_t back;
    CHECK(d->get_options(d->ctx, &back) == 0 && back.limit_side_len == 320);
    CHECK(d->detect(d->ctx, big, side, side, side * 3, boxes, 16, &n) == 0);
    free(big);
}

/* ---- an OCR system library ------------------------------------------------------------ */

/* Reads the text of a rgb image; the status, lines in o->lines. */
static int read_text(ocrlib *o, const uint8_t *rgb, int w, int h) {
    image img = {w, h, (uint8_t *)rgb};
    int rc = ocrlib_run(o, &img, err, sizeof err);
    if (rc) fprintf(stderr, "  ocr %dx%d: %s\n", w, h, err);
    return rc;
}

/* An image of text lines rendered by card_render at scale. */
static uint8_t *text_image(const char *text, int w, int h, int scale) {
    uint8_t *rgb = malloc((size_t)w * h * 3);
    if (!rgb) abort();
    card_render(rgb, w, h, text, scale, 2 * scale);
    return rgb;
}

static void test_ocr_api(ocrlib *o) {
    ocr_options_t opts, bad;
    CHECK(o->get_options(o->ctx, &opts) == 0 && opts.drop_score == 0.5f && opts.cls_thresh > 0.89f &&
          opts.cls_batch_num == 6 && opts.rec_batch_num == 6 && opts.rec_image_width == 320 &&
          opts.det.limit_side_len == 960);
    const struct {
        size_t off;
        float v;
        int is_int;
    } out_of_range[] = {
        {offsetof(ocr_options_t, drop_score), 1.5f, 0},     {offsetof(ocr_options_t, cls_thresh), -1, 0},
        {offsetof(ocr_options_t, use_angle_cls), 2, 1},     {offsetof(ocr_options_t, cls_batch_num), 0, 1},
        {offsetof(ocr_options_t, rec_batch_num), 257, 1},   {offsetof(ocr_options_t, rec_image_width), 9000, 1},
        {offsetof(ocr_options_t, det) + offsetof(det_options_t, limit_side_len), 5000, 1},
    };
    for (size_t i = 0; i < sizeof out_of_range / sizeof out_of_range[0]; i++) {
        bad = opts;
        char *f = (char *)&bad + out_of_range[i].off;
        if (out_of_range[i].is_int) *(int *)f = (int)out_of_range[i].v;
        else *(float *)f = out_of_range[i].v;
        CHECK(o->set_options(o->ctx, &bad) == 5 /* ERR_ARG */);
    }
    ocr_options_t back;
    CHECK(o->get_options(o->ctx, &back) == 0 && !memcmp(&back, &opts, sizeof opts));

    /* No text: no lines. */
    uint8_t *blank = calloc(200 * 100 * 3, 1);
    CHECK(read_text(o, blank, 200, 100) == 0 && o->nlines == 0);
    /* Bad arguments. */
    const ocr_line_t *lines;
    int n;
    CHECK(o->ocr(o->ctx, blank, 10, 10, 29, &lines, &n) == 5);
    CHECK(o->ocr(o->ctx, blank, 0, 10, 30, &lines, &n) == 5);
    CHECK(o->ocr(o->ctx, NULL, 10, 10, 30, &lines, &n) == 1);
    CHECK(o->ocr(NULL, blank, 10, 10, 30, &lines, &n) == 1);
    CHECK(o->ocr(o->ctx, blank, 10, 10, 30, NULL, &n) == 1);
    CHECK(o->ocr(o->ctx, blank, 65537, 1, 65537 * 3, &lines, &n) == 5);

    /* A card: its lines, the same with 2 threads. */
    const char *card_text = "TEXT CARD 42\nSECOND LINE";
    uint8_t *card = text_image(card_text, 640, 200, 4);
    CHECK(read_text(o, card, 640, 200) == 0 && (!expect_text || o->nlines == 2));
    int nlines = o->nlines;
    char *first = nlines ? strdup(o->lines[0].text) : NULL;
    float score = nlines ? o->lines[0].score : 0;
    ocrlib two;
    CHECK(ocrlib_open(&two, lib_path, NULL, 2, err, sizeof err) == 0);
    CHECK(read_text(&two, card, 640, 200) == 0 && two.nlines == nlines);
    if (nlines && two.nlines) CHECK(!strcmp(two.lines[0].text, first) && two.lines[0].score == score);
    ocrlib_close(&two);
    free(first);

    /* 1000+ lines: a page of two-letter words at the font's smallest size. */
    enum { PW = 960, PH = 480 };
    size_t cap = 1 << 16, len = 0;
    char *page = malloc(cap);
    for (int l = 0; l < PH / 12; l++) {
        for (int k = 0; k < PW / 30; k++)
            len += (size_t)snprintf(page + len, cap - len, "%c%c   ", 'A' + (k + l) % 26, 'A' + (k * 7 + l) % 26);
        page[len++] = '\n';
    }
    page[len] = 0;
    uint8_t *words = text_image(page, PW, PH, 1);
    ocr_options_t many = opts; /* narrow recognizer inputs: 1000 of them at 320 take long */
    many.det.max_candidates = 100000;
    many.rec_image_width = 48;
    CHECK(o->set_options(o->ctx, &many) == 0);
    CHECK(read_text(o, words, PW, PH) == 0 && (!expect_text || o->nlines >= 1000));
    fprintf(stderr, "  a page of words: %d lines\n", o->nlines);
    CHECK(o->set_options(o->ctx, &opts) == 0);

    /* A line wider than the recognizer's widest input at its height (8192
     * at 48: 170 times longer than high): read squeezed, not cut. */
    char fox[512] = "";
    for (int k = 0; k < 6; k++) strcat(fox, "THE QUICK BROWN FOX JUMPS OVER THE LAZY DOG 0123456789 ");
    uint8_t *line = text_image(fox, 4000, 24, 2);
    image long_line = {4000, 24, line};
    ocr_quad_t whole = {{2, 3966, 3966, 2}, {2, 2, 20, 20}};
    CHECK(ocrlib_recognize(o, &long_line, &whole, 1, err, sizeof err) == 0 &&
          (!expect_text || strlen(o->lines[0].text) > 150));
    if (expect_text) fprintf(stderr, "  a line 220 times longer than high: %zu characters\n", strlen(o->lines[0].text));

    /* Quadrilaterals of every kind through recognize: a point, a segment,
     * outside the image, upside down; absurd ones refused. */
    const ocr_quad_t quads[] = {
        {{5, 5, 5, 5}, {5, 5, 5, 5}},                  {{0, 300, 300, 0}, {10, 10, 10, 10}},
        {{-50, -10, -10, -50}, {-50, -50, -10, -10}},  {{900, 1200, 1200, 900}, {500, 500, 540, 540}},
        {{600, 10, 10, 600}, {190, 190, 150, 150}},    {{0, 1, 1, 0}, {0, 0, 1, 1}},
        {{10, 630, 630, 10}, {10, 10, 190, 190}},
    };
    int nq = (int)(sizeof quads / sizeof quads[0]);
    image img = {640, 200, card};
    CHECK(ocrlib_recognize(o, &img, quads, nq, err, sizeof err) == 0 && o->nlines == nq);
    CHECK(ocrlib_recognize(o, &img, quads, 0, err, sizeof err) == 0 && o->nlines == 0);
    ocr_quad_t absurd[2] = {quads[1], {{0, 1e9f, 1e9f, 0}, {0, 0, 1e9f, 1e9f}}};
    CHECK(o->recognize(o->ctx, card, 640, 200, 640 * 3, absurd, 2, &lines) == 5);
    absurd[1].x[2] = NAN;
    CHECK(o->recognize(o->ctx, card, 640, 200, 640 * 3, absurd, 2, &lines) == 5);
    CHECK(o->recognize(o->ctx, card, 640, 200, 640 * 3, absurd, -1, &lines) == 5);
    CHECK(o->recognize(o->ctx, card, 640, 200, 640 * 3, NULL, 1, &lines) == 1);
    /* 2000 small quadrilaterals at once. */
    ocr_quad_t *lots = malloc(2000 * sizeof *lots);
    for (int i = 0; i < 2000; i++) lots[i] = (ocr_quad_t){{10, 40, 40, 10}, {10, 10, 30, 30}};
    CHECK(o->set_options(o->ctx, &many) == 0);
    CHECK(ocrlib_recognize(o, &img, lots, 2000, err, sizeof err) == 0 && o->nlines == 2000);
    ocr_times_t t;
    CHECK(o->times(o->ctx, &t) == 0 && t.total > 0 && t.rec_model > 0);
    CHECK(o->set_options(o->ctx, &opts) == 0);
    free(lots);
    free(line);
    free(words);
    free(page);
    free(card);
    free(blank);
}

int main(int argc, char **argv) {
    expect_text = argc == 4 && !strcmp(argv[3], "--expect-text");
    if (argc != 3 && !expect_text) {
        fprintf(stderr, "usage: test_images LIB.so WORKDIR [--expect-text]\n");
        return 2;
    }
    workdir = argv[2];
    lib_path = argv[1];
    mkdir(workdir, 0755);
    detlib d;
    ocrlib o;
    bool pipeline = ocrlib_is_pipeline(argv[1], NULL);
    if (pipeline ? ocrlib_open(&o, argv[1], NULL, 1, err, sizeof err) : detlib_open(&d, argv[1], NULL, 1, err, sizeof err)) {
        fprintf(stderr, "test_images: %s\n", err);
        return 1;
    }
    ocr = pipeline ? &o : NULL;
    test_files(&d);
    if (pipeline) {
        test_ocr_api(&o);
        ocrlib_close(&o);
    } else {
        test_api(&d);
        detlib_close(&d);
    }
    free(card_rgb);
    if (failures) fprintf(stderr, "%d check(s) failed\n", failures);
    return failures ? 1 : 0;
}
