/* Image files for the examples: see image.h. Decoding reads the whole file
 * into memory first (bounded by max_file_bytes), checks the declared size
 * against the limits before allocating pixels, and turns every libpng and
 * libjpeg error into a message instead of an exit. */
#include "image.h"

#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <png.h>

const image_limits image_default_limits = {
    .max_file_bytes = (size_t)256 << 20,
    .max_pixels = 64LL << 20,
    .max_side = 65536,
};

static int fail(char *err, size_t errlen, const char *path, const char *fmt, const char *detail) {
    char msg[256];
    snprintf(msg, sizeof msg, fmt, detail);
    snprintf(err, errlen, "%s: %s", path, msg);
    return -1;
}

static int check_size(long long w, long long h, const image_limits *lim, char *err, size_t errlen, const char *path) {
    char d[96];
    snprintf(d, sizeof d, "%lldx%lld", w, h);
    if (w < 1 || h < 1) return fail(err, errlen, path, "empty image (%s)", d);
    if (w > lim->max_side || h > lim->max_side || w * h > lim->max_pixels)
        return fail(err, errlen, path, "image of %s pixels exceeds the limit (decompression bomb?)", d);
    return 0;
}

/* ---- PNG -------------------------------------------------------------------------------- */

typedef struct {
    const uint8_t *data;
    size_t size, pos;
    char msg[200];
} png_src;

static void png_read_mem(png_structp png, png_bytep out, png_size_t n) {
    png_src *s = png_get_io_ptr(png);
    if (n > s->size - s->pos) png_error(png, "file is truncated");
    memcpy(out, s->data + s->pos, n);
    s->pos += n;
}

static void png_on_error(png_structp png, png_const_charp msg) {
    png_src *s = png_get_error_ptr(png);
    snprintf(s->msg, sizeof s->msg, "%s", msg);
    png_longjmp(png, 1);
}

static void png_on_warning(png_structp png, png_const_charp msg) { (void)png, (void)msg; }

/* Every chunk's declared length against the bytes the file has, up to
 * IEND: libpng allocates a text chunk's declared length before reading it
 * (up to 2 GiB; png_set_chunk_malloc_max does not bound that path), so a
 * 52-byte file could make it allocate 2 GiB. A truncated last chunk is
 * left to libpng, which reports it. */
static int png_chunks_fit(const char *path, const uint8_t *data, size_t size, char *err, size_t errlen) {
    for (size_t pos = 8; size - pos >= 8;) {
        const uint8_t *c = data + pos;
        uint32_t len = (uint32_t)c[0] << 24 | (uint32_t)c[1] << 16 | (uint32_t)c[2] << 8 | c[3];
        char type[5] = {0};
        for (int i = 0; i < 4; i++) type[i] = c[4 + i] >= 32 && c[4 + i] < 127 ? (char)c[4 + i] : '?';
        if (len > size - pos - 8) {
            char msg[160];
            snprintf(msg, sizeof msg, "chunk '%s' at byte %zu declares %u bytes, past the end of the file (%zu bytes)",
                     type, pos, len, size);
            return fail(err, errlen, path, "not a readable PNG: %s", msg);
        }
        if (!memcmp(type, "IEND", 4) || size - pos - 8 - len < 4) break;
        pos += 12 + (size_t)len;
    }
    return 0;
}

static int load_png(const char *path, const uint8_t *data, size_t size, const image_limits *lim, image *img,
                    char *err, size_t errlen) {
    if (png_chunks_fit(path, data, size, err, errlen)) return -1;
    png_src src = {data, size, 0, ""};
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &src, png_on_error, png_on_warning);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (!info) {
        png_destroy_read_struct(&png, NULL, NULL);
        return fail(err, errlen, path, "%s", "out of memory");
    }
    /* volatile: assigned between setjmp and a possible longjmp */
    uint8_t *volatile pixels = NULL;
    png_bytep *volatile rows = NULL;
    if (setjmp(png_jmpbuf(png))) {
        free(pixels);
        free(rows);
        png_destroy_read_struct(&png, &info, NULL);
        return fail(err, errlen, path, "not a readable PNG: %s", src.msg);
    }
    png_set_user_limits(png, (png_uint_32)lim->max_side, (png_uint_32)lim->max_side);
    png_set_chunk_malloc_max(png, 16 << 20);
    png_set_read_fn(png, &src, png_read_mem);
    png_read_info(png, info);
    png_uint_32 w = png_get_image_width(png, info), h = png_get_image_height(png, info);
    if (check_size(w, h, lim, err, errlen, path)) {
        png_destroy_read_struct(&png, &info, NULL);
        return -1;
    }
    int type = png_get_color_type(png, info);
    png_set_strip_16(png);
    png_set_packing(png);
    if (type == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
    if (type == PNG_COLOR_TYPE_GRAY || type == PNG_COLOR_TYPE_GRAY_ALPHA) {
        png_set_expand_gray_1_2_4_to_8(png);
        png_set_gray_to_rgb(png);
    }
    png_set_strip_alpha(png);
    png_set_interlace_handling(png);
    png_read_update_info(png, info);
    if (png_get_rowbytes(png, info) != (size_t)w * 3) png_error(png, "unexpected pixel format after conversion");
    pixels = malloc((size_t)w * h * 3);
    rows = malloc(sizeof(png_bytep) * h);
    if (!pixels || !rows) png_error(png, "out of memory");
    for (png_uint_32 y = 0; y < h; y++) rows[y] = pixels + (size_t)y * w * 3;
    png_read_image(png, rows);
    png_read_end(png, NULL);
    free(rows);
    png_destroy_read_struct(&png, &info, NULL);
    img->width = (int)w, img->height = (int)h, img->rgb = pixels;
    return 0;
}

/* ---- JPEG ------------------------------------------------------------------------------- */

typedef struct {
    struct jpeg_error_mgr base;
    jmp_buf jump;
} jpeg_err;

static void jpeg_on_error(j_common_ptr cinfo) { longjmp(((jpeg_err *)cinfo->err)->jump, 1); }
/* libjpeg reports corrupt data (a truncated file: "Premature end of JPEG
 * file"; bad Huffman codes, extraneous bytes) as warnings (level -1) and
 * decodes on, filling what is missing with grey: text would be looked for
 * in half an image without a word. Such warnings are errors here, as a
 * truncated PNG is; trace messages (level >= 0) are dropped. */
static void jpeg_on_message(j_common_ptr cinfo, int level) {
    if (level < 0) cinfo->err->error_exit(cinfo);
}

static int load_jpeg(const char *path, const uint8_t *data, size_t size, const image_limits *lim, image *img,
                     char *err, size_t errlen) {
    struct jpeg_decompress_struct cinfo;
    jpeg_err jerr;
    cinfo.err = jpeg_std_error(&jerr.base);
    jerr.base.error_exit = jpeg_on_error;
    jerr.base.emit_message = jpeg_on_message;
    uint8_t *volatile pixels = NULL;
    uint8_t *volatile row = NULL;
    if (setjmp(jerr.jump)) {
        char msg[JMSG_LENGTH_MAX];
        jerr.base.format_message((j_common_ptr)&cinfo, msg);
        jpeg_destroy_decompress(&cinfo);
        free(pixels);
        free(row);
        return fail(err, errlen, path, "not a readable JPEG: %s", msg);
    }
    jpeg_create_decompress(&cinfo);
    /* Bounds libjpeg's own allocations (progressive coefficient buffers). */
    cinfo.mem->max_memory_to_use = 512L << 20;
    jpeg_mem_src(&cinfo, data, (unsigned long)size);
    jpeg_read_header(&cinfo, TRUE);
    if (check_size(cinfo.image_width, cinfo.image_height, lim, err, errlen, path)) {
        jpeg_destroy_decompress(&cinfo);
        return -1;
    }
    bool cmyk = cinfo.jpeg_color_space == JCS_CMYK || cinfo.jpeg_color_space == JCS_YCCK;
    cinfo.out_color_space = cmyk ? JCS_CMYK : JCS_RGB;
    jpeg_start_decompress(&cinfo);
    int w = (int)cinfo.output_width, h = (int)cinfo.output_height, nc = cinfo.output_components;
    pixels = malloc((size_t)w * h * 3);
    row = malloc((size_t)w * nc);
    if (!pixels || !row) {
        jpeg_destroy_decompress(&cinfo);
        free(pixels);
        free(row);
        return fail(err, errlen, path, "%s", "out of memory");
    }
    while (cinfo.output_scanline < cinfo.output_height) {
        uint8_t *dst = pixels + (size_t)cinfo.output_scanline * w * 3;
        JSAMPROW rp = row;
        jpeg_read_scanlines(&cinfo, &rp, 1);
        for (int x = 0; x < w; x++) {
            if (nc == 3) {
                memcpy(dst + 3 * x, row + 3 * x, 3);
            } else if (nc == 4) { /* Adobe's inverted CMYK */
                int k = row[4 * x + 3];
                for (int c = 0; c < 3; c++) dst[3 * x + c] = (uint8_t)(row[4 * x + c] * k / 255);
            } else {
                dst[3 * x] = dst[3 * x + 1] = dst[3 * x + 2] = row[x];
            }
        }
    }
    jpeg_finish_decompress(&cinfo);
    jpeg_destroy_decompress(&cinfo);
    free(row);
    img->width = w, img->height = h, img->rgb = pixels;
    return 0;
}

/* ---- files ------------------------------------------------------------------------------ */

int image_load(const char *path, const image_limits *lim, image *img, char *err, size_t errlen) {
    img->rgb = NULL;
    img->width = img->height = 0;
    FILE *f = fopen(path, "rb");
    if (!f) return fail(err, errlen, path, "%s", strerror(errno));
    uint8_t *data = NULL;
    size_t size = 0, cap = 0;
    int rc = 0;
    for (;;) {
        if (size == cap) {
            if (cap >= lim->max_file_bytes) {
                rc = fail(err, errlen, path, "%s", "file exceeds the size limit");
                break;
            }
            cap = cap ? 2 * cap : 1 << 16;
            if (cap > lim->max_file_bytes) cap = lim->max_file_bytes;
            uint8_t *p = realloc(data, cap);
            if (!p) {
                rc = fail(err, errlen, path, "%s", "out of memory");
                break;
            }
            data = p;
        }
        size_t n = fread(data + size, 1, cap - size, f);
        size += n;
        if (n == 0) break;
    }
    if (!rc && ferror(f)) rc = fail(err, errlen, path, "%s", strerror(errno));
    fclose(f);
    if (!rc) rc = image_decode(path, data, size, lim, img, err, errlen);
    free(data);
    return rc;
}

int image_decode(const char *path, const uint8_t *data, size_t size, const image_limits *lim, image *img, char *err,
                 size_t errlen) {
    static const uint8_t png_magic[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    img->rgb = NULL;
    img->width = img->height = 0;
    if (size > lim->max_file_bytes) return fail(err, errlen, path, "%s", "file exceeds the size limit");
    if (size >= 8 && !memcmp(data, png_magic, 8)) return load_png(path, data, size, lim, img, err, errlen);
    if (size >= 3 && data[0] == 0xff && data[1] == 0xd8 && data[2] == 0xff)
        return load_jpeg(path, data, size, lim, img, err, errlen);
    return fail(err, errlen, path, "%s", "neither a PNG nor a JPEG file");
}

int image_write_png(const char *path, const image *img, char *err, size_t errlen) {
    FILE *f = fopen(path, "wb");
    if (!f) return fail(err, errlen, path, "%s", strerror(errno));
    png_src ctx = {0};
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &ctx, png_on_error, png_on_warning);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (!info || setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, info ? &info : NULL);
        fclose(f);
        return fail(err, errlen, path, "cannot write PNG: %s", ctx.msg[0] ? ctx.msg : "out of memory");
    }
    png_init_io(png, f);
    png_set_IHDR(png, info, (png_uint_32)img->width, (png_uint_32)img->height, 8, PNG_COLOR_TYPE_RGB,
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    for (int y = 0; y < img->height; y++) png_write_row(png, img->rgb + (size_t)y * img->width * 3);
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    if (fclose(f) != 0) return fail(err, errlen, path, "%s", strerror(errno));
    return 0;
}

void image_free(image *img) {
    free(img->rgb);
    img->rgb = NULL;
}

/* ---- drawing ---------------------------------------------------------------------------- */

static void dot(image *img, int cx, int cy, int thick, const uint8_t color[3]) {
    for (int y = cy - thick / 2; y < cy - thick / 2 + thick; y++)
        for (int x = cx - thick / 2; x < cx - thick / 2 + thick; x++)
            if (x >= 0 && y >= 0 && x < img->width && y < img->height)
                memcpy(img->rgb + ((size_t)y * img->width + x) * 3, color, 3);
}

void image_draw_polygon(image *img, const float *x, const float *y, int n, int thick, const uint8_t color[3]) {
    for (int i = 0; i < n; i++) {
        int j = (i + 1) % n;
        float dx = x[j] - x[i], dy = y[j] - y[i];
        int steps = (int)ceilf(fmaxf(fabsf(dx), fabsf(dy)));
        if (steps > 1 << 17) steps = 1 << 17;
        for (int s = 0; s <= steps; s++) {
            float t = steps ? (float)s / steps : 0;
            dot(img, (int)lrintf(x[i] + t * dx), (int)lrintf(y[i] + t * dy), thick, color);
        }
    }
}
