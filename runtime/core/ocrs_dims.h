/* The extents of a generated model's values: polynomials in its symbols'
 * units (u_s = S_s / align_s, S_s the value of symbol s), encoded in
 * OCRS_DIM_WORDS words:
 *
 *     q, then per term: coef (0 ends the terms), mono
 *
 * mono holds 4 bits of exponent per symbol (symbol s in bits 4s..4s+3). The
 * compiler writes the encoding (ir/dim.c) and evaluates extents with
 * ocrs_dim_eval, as every generated library does: one function, never
 * retyped. Callers bound the units (the compiler checked every extent at the
 * symbols' largest values), so nothing overflows. */
#ifndef OCRS_DIMS_H
#define OCRS_DIMS_H

#include <stdint.h>

enum { OCRS_MAX_SYMS = 8, OCRS_DIM_TERMS = 3, OCRS_DIM_WORDS = 1 + 2 * OCRS_DIM_TERMS };

static inline int64_t ocrs_dim_eval(const int64_t *words, const int64_t *units) {
    int64_t v = words[0];
    for (int t = 0; t < OCRS_DIM_TERMS && words[1 + 2 * t]; t++) {
        int64_t p = words[1 + 2 * t];
        uint64_t mono = (uint64_t)words[2 + 2 * t];
        for (int s = 0; mono; s++, mono >>= 4)
            for (unsigned e = mono & 15; e; e--) p *= units[s];
        v += p;
    }
    return v;
}

/* A derived symbol's value (ir/dim.h): floor((coef * base_units + add) / div),
 * div > 0, for the strided extents of an exact symbol. */
static inline int64_t ocrs_sym_derive(int64_t coef, int64_t base_units, int64_t add, int64_t div) {
    int64_t a = coef * base_units + add, q = a / div;
    return a % div && a < 0 ? q - 1 : q;
}

#endif
