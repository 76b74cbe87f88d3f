/* mkseeds: the binary seed inputs of the fuzz targets that make_seeds.sh
 * cannot write with the other tools: small PNGs of every colour type the
 * reader converts, JPEGs (baseline, progressive, grey, Adobe CMYK), and
 * detect and post-processing inputs drawn from a text card (card.h) in the
 * header layouts of fuzz_detect.c and fuzz_dbpost.c, and model-building
 * programs for fuzz_graph.c.
 *
 *   mkseeds OUTDIR     writes OUTDIR/fuzz_image, fuzz_detect, fuzz_dbpost, fuzz_graph */
#include <errno.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jpeglib.h>
#include <png.h>

#include "card.h"

enum { W = 96, H = 48 };

static const char *outdir;
static uint8_t card[W * H * 3];

static void die(const char *what, const char *detail) {
    fprintf(stderr, "mkseeds: %s: %s\n", what, detail);
    exit(1);
}

static FILE *create(const char *target, const char *name) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", outdir, target);
    if (mkdir(path, 0755) != 0 && errno != EEXIST) die(path, strerror(errno));
    snprintf(path, sizeof path, "%s/%s/%s", outdir, target, name);
    FILE *f = fopen(path, "wb");
    if (!f) die(path, strerror(errno));
    return f;
}

static void close_file(FILE *f, const char *name) {
    if (ferror(f) || fclose(f) != 0) die(name, "write error");
}

/* ---- PNG: the card in one colour type and depth ---------------------------------------- */

static void write_png(const char *name, int type, int depth, int interlace) {
    FILE *f = create("fuzz_image", name);
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (!info || setjmp(png_jmpbuf(png))) die(name, "libpng failed");
    png_init_io(png, f);
    png_set_IHDR(png, info, W, H, depth, type, interlace, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_color palette[16];
    if (type == PNG_COLOR_TYPE_PALETTE) {
        for (int i = 0; i < 16; i++) palette[i] = (png_color){(png_byte)(i * 17), (png_byte)(255 - i * 17), 128};
        png_set_PLTE(png, info, palette, 16);
    }
    png_write_info(png, info);
    int channels = type == PNG_COLOR_TYPE_RGB ? 3 : type == PNG_COLOR_TYPE_RGB_ALPHA ? 4 : type == PNG_COLOR_TYPE_GRAY_ALPHA ? 2 : 1;
    int bytes = depth == 16 ? 2 : 1;
    static png_byte rows[H][W * 4 * 2];
    png_bytep ptrs[H];
    for (int y = 0; y < H; y++) {
        memset(rows[y], 0, sizeof rows[y]);
        for (int x = 0; x < W; x++) {
            const uint8_t *p = card + 3 * (y * W + x);
            int grey = (p[0] + p[1] + p[2]) / 3;
            for (int c = 0; c < channels; c++) {
                int v = c == 3 || (channels == 2 && c == 1) ? 255 - x : channels >= 3 ? p[c] : grey;
                if (depth < 8) { /* packed, most significant bits first */
                    int bits = v >> (8 - depth), per = 8 / depth;
                    rows[y][x / per] |= (png_byte)(bits << (8 - depth * (x % per + 1)));
                } else {
                    for (int b = 0; b < bytes; b++) rows[y][(x * channels + c) * bytes + b] = (png_byte)v;
                }
            }
        }
        ptrs[y] = rows[y];
    }
    png_write_image(png, ptrs);
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    close_file(f, name);
}

/* ---- JPEG ------------------------------------------------------------------------------ */

static void write_jpeg(const char *name, J_COLOR_SPACE space, bool progressive) {
    FILE *f = create("fuzz_image", name);
    struct jpeg_compress_struct c;
    struct jpeg_error_mgr err;
    c.err = jpeg_std_error(&err); /* exits on error: fine for a build tool */
    jpeg_create_compress(&c);
    jpeg_stdio_dest(&c, f);
    c.image_width = W, c.image_height = H;
    c.input_components = space == JCS_RGB ? 3 : space == JCS_CMYK ? 4 : 1;
    c.in_color_space = space;
    jpeg_set_defaults(&c);
    jpeg_set_quality(&c, 75, TRUE);
    if (progressive) jpeg_simple_progression(&c);
    jpeg_start_compress(&c, TRUE);
    uint8_t row[W * 4];
    while (c.next_scanline < H) {
        const uint8_t *p = card + 3 * c.next_scanline * W;
        for (int x = 0; x < W; x++)
            for (int k = 0; k < c.input_components; k++)
                row[x * c.input_components + k] = c.input_components == 1 ? p[3 * x] : k < 3 ? p[3 * x + k] : 200;
        JSAMPROW rp = row;
        jpeg_write_scanlines(&c, &rp, 1);
    }
    jpeg_finish_compress(&c);
    jpeg_destroy_compress(&c);
    close_file(f, name);
}

/* ---- detect and post-processing inputs ------------------------------------------------- */

static void put16(uint8_t *p, unsigned v) { p[0] = (uint8_t)v, p[1] = (uint8_t)(v >> 8); }

/* fuzz_detect.c's header, then the card's pixels. */
static void write_detect(const char *name, unsigned flags, int width, int height, unsigned thresh, unsigned side) {
    uint8_t h[14] = {0};
    h[0] = (uint8_t)flags;
    put16(h + 1, (unsigned)width - 1), put16(h + 3, (unsigned)height - 1);
    h[5] = 5;                           /* stride padding */
    h[6] = 16;                          /* max_boxes */
    h[7] = (uint8_t)thresh;             /* thresh * 256 */
    h[8] = 153;                         /* box_thresh 0.6 */
    h[9] = 4;                           /* unclip_ratio 1.57 */
    put16(h + 10, side - 32);           /* limit_side_len */
    put16(h + 12, 999);                 /* max_candidates 1000 */
    FILE *f = create("fuzz_detect", name);
    fwrite(h, 1, sizeof h, f);
    fwrite(card, 1, sizeof card, f);
    close_file(f, name);
}

/* fuzz_dbpost.c's header, then the card's darkness as a map, as bytes or as bits. */
static void write_dbpost(const char *name, bool bits, unsigned unclip) {
    uint8_t h[12] = {H - 1, W - 1};
    put16(h + 2, 4 * W - 1), put16(h + 4, 4 * H - 1);
    h[6] = 77;      /* thresh 0.3 */
    h[7] = 153;     /* box_thresh 0.6 */
    h[8] = (uint8_t)unclip;
    put16(h + 9, 999);
    h[11] = 16;
    FILE *f = create("fuzz_dbpost", name);
    fwrite(h, 1, sizeof h, f);
    fputc(bits, f);
    uint8_t map[W * H];
    for (int i = 0; i < W * H; i++) map[i] = (uint8_t)(255 - card[3 * i]);
    if (bits) {
        uint8_t packed[W * H / 8] = {0};
        for (int i = 0; i < W * H; i++) packed[i / 8] |= (uint8_t)((map[i] > 127) << (i % 8));
        fwrite(packed, 1, sizeof packed, f);
    } else {
        fwrite(map, 1, sizeof map, f);
    }
    close_file(f, name);
}

/* fuzz_graph.c's programs: opset byte, weight seed, then op bytes with their operands. */
static void write_graph(const char *name, const uint8_t *program, size_t n) {
    FILE *f = create("fuzz_graph", name);
    fwrite(program, 1, n, f);
    close_file(f, name);
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: mkseeds OUTDIR\n");
        return 2;
    }
    outdir = argv[1];
    card_render(card, W, H, "OCR\nTEXT", 2, 3);

    write_png("rgb8.png", PNG_COLOR_TYPE_RGB, 8, PNG_INTERLACE_NONE);
    write_png("rgb8_interlaced.png", PNG_COLOR_TYPE_RGB, 8, PNG_INTERLACE_ADAM7);
    write_png("rgba16.png", PNG_COLOR_TYPE_RGB_ALPHA, 16, PNG_INTERLACE_NONE);
    write_png("grey8.png", PNG_COLOR_TYPE_GRAY, 8, PNG_INTERLACE_NONE);
    write_png("grey1.png", PNG_COLOR_TYPE_GRAY, 1, PNG_INTERLACE_NONE);
    write_png("grey_alpha8.png", PNG_COLOR_TYPE_GRAY_ALPHA, 8, PNG_INTERLACE_NONE);
    write_png("palette4.png", PNG_COLOR_TYPE_PALETTE, 4, PNG_INTERLACE_NONE);
    write_jpeg("baseline.jpg", JCS_RGB, false);
    write_jpeg("progressive.jpg", JCS_RGB, true);
    write_jpeg("grey.jpg", JCS_GRAYSCALE, false);
    write_jpeg("cmyk.jpg", JCS_CMYK, false);

    /* W x H card, at its own size and resized by the limit types. */
    write_detect("card_max.bin", 0, W, H, 77, 640);
    write_detect("card_min.bin", 1 | 8, W, H, 77, 64);
    write_detect("card_long.bin", 2, W, H, 128, 160);
    write_detect("strip.bin", 0, 500, 4, 77, 640);

    /* conv 3x3 (8 channels, bias), batchnorm, relu; opset 11 */
    static const uint8_t conv_bn_relu[] = {2, 1, 0, 0, 7, 1, 1, 0, 1, 1, 0, 2, 2, 0};
    /* conv 3x3 stride 2, the hardswish chain, a squeeze-excite residual,
     * resize x2, conv-transpose back up, concat with the input; opset 11 */
    static const uint8_t se_hardswish[] = {2, 2, 0, 0, 15, 1, 9, 0, 9, 1, 10, 2, 0, 0, 0, 0,
                                           5, 3, 1, 6, 1, 0, 4, 7, 5, 0, 0};
    /* dead filters, Upsample and Clip attributes (opset 9); then a global
     * pool broadcast back by Mul, HardSwish at opset 14 */
    static const uint8_t dead_upsample[] = {0, 3, 0, 0, 11, 1, 33, 0, 2, 1, 4, 5, 2, 0, 4, 3, 3, 2, 1, 1, 3};
    static const uint8_t pool_hardswish[] = {5, 4, 0, 0, 5, 1, 41, 1, 4, 1, 3, 2, 2, 1, 1, 2, 3, 3};
    write_graph("conv_bn_relu.bin", conv_bn_relu, sizeof conv_bn_relu);
    write_graph("se_hardswish.bin", se_hardswish, sizeof se_hardswish);
    write_graph("dead_upsample.bin", dead_upsample, sizeof dead_upsample);
    write_graph("pool_hardswish.bin", pool_hardswish, sizeof pool_hardswish);
    uint8_t random[96];
    for (unsigned k = 0, x = 12345; k < 3; k++) {
        for (size_t i = 0; i < sizeof random; i++) random[i] = (uint8_t)((x = x * 1103515245u + 12345u) >> 16);
        char rname[32];
        snprintf(rname, sizeof rname, "random%u.bin", k);
        write_graph(rname, random, sizeof random);
    }

    write_dbpost("card_bytes.bin", false, 4);
    write_dbpost("card_bits.bin", true, 4);
    write_dbpost("card_bits_unclip0.bin", true, 0);
    return 0;
}
