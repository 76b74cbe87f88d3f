/* Extents with symbols.
 *
 * A graph's dynamic dims are symbols (ir_symbol: batch N, an image's H and
 * W, ...), each a multiple of its alignment in [min, max]. An extent is a
 * polynomial with integer coefficients in the symbols' units, u_s = S_s /
 * align_s:
 *
 *     q + sum over terms of coef * prod_s u_s ^ e_s
 *
 * so strided convolutions, pooling and upsampling stay exact (the alignment
 * makes every division exact) and products of symbols (attention's T x T, a
 * reshape merging N and T) are extents like any other. Every non-constant
 * coefficient is positive, so an extent grows with every symbol and takes
 * its smallest and largest values at the symbols' min and max.
 *
 * The one evaluation of an extent is ocrs_dim_eval (runtime/core/ocrs_dims.h),
 * shared by the compiler and every generated library; ir_dim_encode gives
 * its encoding. */
#ifndef OCRS_IR_DIM_H
#define OCRS_IR_DIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../runtime/core/ocrs_dims.h"

#define IR_MAX_SYMS OCRS_MAX_SYMS
#define IR_DIM_TERMS OCRS_DIM_TERMS

/* A monomial: 4 bits of exponent per symbol (symbol s in bits 4s..4s+3). */
typedef uint32_t ir_mono;

typedef struct {
    int64_t coef;
    ir_mono mono;
} ir_term;

/* q + t[0] + ... + t[nterms - 1]: terms in increasing mono order, distinct,
 * non-zero coefficients; static when nterms is 0 (the extent is q). */
typedef struct {
    int64_t q;
    int32_t nterms;
    ir_term t[IR_DIM_TERMS];
} ir_dim;

typedef struct {
    const char *name;  /* a C identifier, the symbol's name in the generated API */
    const char *param; /* the ONNX dim_param it stands for, or NULL */
    int64_t align;     /* the symbol is a multiple of it */
    int64_t min, max;  /* multiples of align, 0 < min <= max */
    int64_t ref;       /* a typical value, for choices made at one size (tiles, slots, FLOPs) */
    /* exact: a division of it that is not exact (a strided convolution of a
     * width that is not a multiple of the stride) makes a derived symbol
     * rather than a larger alignment, so the symbol takes every value. */
    bool exact;
    /* derived: the symbol is floor((bcoef * u_base + badd) / bdiv) of an
     * earlier exact or derived symbol base, alignment 1 and exact itself;
     * no input's extent, computed from its base (ocrs_sym_derive). */
    bool derived;
    int base;
    int64_t bcoef, badd, bdiv;
} ir_symbol;

static inline ir_dim ir_dim_const(int64_t n) { return (ir_dim){.q = n}; }
static inline bool ir_dim_static(ir_dim d) { return d.nterms == 0; }
static inline ir_mono ir_mono_sym(int s) { return (ir_mono)1 << (4 * s); }
static inline int ir_mono_exp(ir_mono m, int s) { return (int)((m >> (4 * s)) & 15); }
/* The extent of symbol s itself: align_s * u_s. */
ir_dim ir_dim_symbol(const ir_symbol *syms, int s);

bool ir_dim_equal(ir_dim a, ir_dim b);

/* Arithmetic; false when the result would not fit (more than IR_DIM_TERMS
 * terms, an exponent above 15, or int64 overflow of a coefficient). */
bool ir_dim_add(ir_dim a, ir_dim b, ir_dim *out);
bool ir_dim_sub(ir_dim a, ir_dim b, ir_dim *out);
bool ir_dim_mul(ir_dim a, ir_dim b, ir_dim *out);
bool ir_dim_scale(ir_dim a, int64_t k, ir_dim *out);
bool ir_dim_add_const(ir_dim a, int64_t k, ir_dim *out);

/* floor((a + c) / d) for d > 0, exact for every value of the symbols when d
 * divides every non-constant coefficient of a. Otherwise false, and *need
 * names a symbol whose alignment would have to grow by *factor (> 1) for
 * the division to become exact (a later call may ask for more). */
typedef struct {
    int sym;
    int64_t factor;
} ir_align_need;
bool ir_dim_floordiv(ir_dim a, int64_t c, int64_t d, ir_dim *out, ir_align_need *need);
/* a / b exactly, when b is a constant or a single term dividing every term
 * of a; false otherwise (need as above when only a coefficient's
 * divisibility is missing, else need->sym = -1). */
bool ir_dim_div(ir_dim a, ir_dim b, ir_dim *out, ir_align_need *need);

/* The value at units[s] = S_s / align_s; false on int64 overflow. */
bool ir_dim_eval_checked(ir_dim d, const int64_t *units, int64_t *out);
/* The same, for units the caller has bounded (no overflow possible). */
int64_t ir_dim_eval(ir_dim d, const int64_t *units);
/* Smallest and largest values over the symbols' ranges; false on overflow
 * (the smallest never overflows when the largest does not). */
bool ir_dim_range(ir_dim d, const ir_symbol *syms, int64_t *lo, int64_t *hi);
/* Units of symbol values (sizes[s] a multiple of align_s). */
void ir_units(const ir_symbol *syms, int nsyms, const int64_t *sizes, int64_t *units);
/* The units of the derived symbols, from their bases' (in index order). */
void ir_derive_units(const ir_symbol *syms, int nsyms, int64_t *units);

/* floor((a + c) / d) where a is q + coef * u_s of an exact symbol s: the
 * extent of the derived symbol among syms that is that quotient, or false
 * with *need describing the symbol to add (need->base -1 when a is not of
 * that form: no derived symbol can help). */
typedef struct {
    int base;
    int64_t bcoef, badd, bdiv;
} ir_derive_need;
bool ir_dim_derived_div(const ir_symbol *syms, int nsyms, ir_dim a, int64_t c, int64_t d, ir_dim *out,
                        ir_derive_need *need);

/* The runtime encoding (OCRS_DIM_WORDS words). */
void ir_dim_encode(ir_dim d, int64_t *words);

/* "W/8", "3*H/32+1", "N*W*W/64", "16" into buf; symbol names from syms. */
void ir_dim_format(ir_dim d, const ir_symbol *syms, char *buf, size_t size);
/* The same as a C expression in the symbols' names, exact in integer
 * arithmetic for aligned values: "(4 * ((W) / 32))". */
void ir_dim_format_c(ir_dim d, const ir_symbol *syms, char *buf, size_t size);

#endif
