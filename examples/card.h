/* A synthetic text card: lines of capital letters from a built-in 5x7 font,
 * dark on a light background, so the examples and tests have an image with
 * text on any machine. */
#ifndef OCRS_EXAMPLES_CARD_H
#define OCRS_EXAMPLES_CARD_H

#include <stdint.h>

/* Renders text lines ('\n' separated, A-Z, 0-9, space) into a width x
 * height RGB image (3 * width bytes per row), glyphs `scale` pixels per
 * font pixel, starting at (margin, margin). */
void card_render(uint8_t *rgb, int width, int height, const char *text, int scale, int margin);

#endif
