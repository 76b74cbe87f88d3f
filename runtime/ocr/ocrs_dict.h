/* The one rule for a recognizer dictionary's length, shared by the
 * compiler (codegen/system.c checks it against the recognizer's classes)
 * and the runtime (text.c indexes it): PaddleOCR's one character per line,
 * the last line's "\n" optional. */
#ifndef OCRS_DICT_H
#define OCRS_DICT_H

#include <stddef.h>

static inline int ocrs_dict_lines(const char *text, size_t size) {
    int lines = 0;
    for (size_t i = 0; i < size; i++) lines += text[i] == '\n';
    return lines + (size && text[size - 1] != '\n');
}

#endif
