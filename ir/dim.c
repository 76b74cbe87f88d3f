/* Extents with symbols (see dim.h): polynomial arithmetic with every int64
 * operation checked, evaluation and formatting. */
#include "dim.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* A polynomial with room for the terms of a product before they merge. */
enum { POLY_TERMS = (IR_DIM_TERMS + 1) * (IR_DIM_TERMS + 1) };
typedef struct {
    int64_t q;
    int n;
    ir_term t[POLY_TERMS];
} poly;

static poly from_dim(ir_dim d) {
    poly p = {.q = d.q, .n = d.nterms};
    memcpy(p.t, d.t, sizeof(ir_term) * (size_t)d.nterms);
    return p;
}

/* Sorts by mono, merges equal monos and drops zero terms; false on overflow
 * of a merged coefficient. */
static bool normalize(poly *p) {
    for (int i = 1; i < p->n; i++)
        for (int j = i; j > 0 && p->t[j].mono < p->t[j - 1].mono; j--) {
            ir_term x = p->t[j];
            p->t[j] = p->t[j - 1];
            p->t[j - 1] = x;
        }
    int n = 0;
    for (int i = 0; i < p->n; i++) {
        if (n && p->t[n - 1].mono == p->t[i].mono) {
            if (__builtin_add_overflow(p->t[n - 1].coef, p->t[i].coef, &p->t[n - 1].coef)) return false;
        } else {
            p->t[n++] = p->t[i];
        }
        if (p->t[n - 1].coef == 0) n--;
    }
    p->n = n;
    return true;
}

static bool to_dim(poly p, ir_dim *out) {
    if (!normalize(&p) || p.n > IR_DIM_TERMS) return false;
    *out = (ir_dim){.q = p.q, .nterms = p.n};
    memcpy(out->t, p.t, sizeof(ir_term) * (size_t)p.n);
    return true;
}

static bool mono_mul(ir_mono a, ir_mono b, ir_mono *out) {
    ir_mono m = 0;
    for (int s = 0; s < IR_MAX_SYMS; s++) {
        int e = ir_mono_exp(a, s) + ir_mono_exp(b, s);
        if (e > 15) return false;
        m |= (ir_mono)e << (4 * s);
    }
    *out = m;
    return true;
}

/* Whether b divides a (every exponent of b at most a's); *out = a / b. */
static bool mono_div(ir_mono a, ir_mono b, ir_mono *out) {
    ir_mono m = 0;
    for (int s = 0; s < IR_MAX_SYMS; s++) {
        int e = ir_mono_exp(a, s) - ir_mono_exp(b, s);
        if (e < 0) return false;
        m |= (ir_mono)e << (4 * s);
    }
    *out = m;
    return true;
}

ir_dim ir_dim_symbol(const ir_symbol *syms, int s) {
    return (ir_dim){.nterms = 1, .t = {{syms[s].align, ir_mono_sym(s)}}};
}

bool ir_dim_equal(ir_dim a, ir_dim b) {
    if (a.q != b.q || a.nterms != b.nterms) return false;
    for (int i = 0; i < a.nterms; i++)
        if (a.t[i].coef != b.t[i].coef || a.t[i].mono != b.t[i].mono) return false;
    return true;
}

bool ir_dim_add(ir_dim a, ir_dim b, ir_dim *out) {
    poly p = from_dim(a);
    if (__builtin_add_overflow(a.q, b.q, &p.q)) return false;
    for (int i = 0; i < b.nterms; i++) p.t[p.n++] = b.t[i];
    return to_dim(p, out);
}

bool ir_dim_scale(ir_dim a, int64_t k, ir_dim *out) {
    poly p = from_dim(a);
    if (__builtin_mul_overflow(a.q, k, &p.q)) return false;
    for (int i = 0; i < p.n; i++)
        if (__builtin_mul_overflow(p.t[i].coef, k, &p.t[i].coef)) return false;
    return to_dim(p, out);
}

bool ir_dim_sub(ir_dim a, ir_dim b, ir_dim *out) {
    ir_dim nb;
    return ir_dim_scale(b, -1, &nb) && ir_dim_add(a, nb, out);
}

bool ir_dim_add_const(ir_dim a, int64_t k, ir_dim *out) { return ir_dim_add(a, ir_dim_const(k), out); }

bool ir_dim_mul(ir_dim a, ir_dim b, ir_dim *out) {
    /* Constants as terms of the empty monomial, so one double loop covers all. */
    ir_term x[IR_DIM_TERMS + 1], y[IR_DIM_TERMS + 1];
    int nx = 0, ny = 0;
    if (a.q) x[nx++] = (ir_term){a.q, 0};
    for (int i = 0; i < a.nterms; i++) x[nx++] = a.t[i];
    if (b.q) y[ny++] = (ir_term){b.q, 0};
    for (int i = 0; i < b.nterms; i++) y[ny++] = b.t[i];
    poly p = {0};
    for (int i = 0; i < nx; i++)
        for (int j = 0; j < ny; j++) {
            ir_term t;
            if (__builtin_mul_overflow(x[i].coef, y[j].coef, &t.coef) || !mono_mul(x[i].mono, y[j].mono, &t.mono))
                return false;
            if (t.mono) p.t[p.n++] = t;
            else if (__builtin_add_overflow(p.q, t.coef, &p.q)) return false;
        }
    return to_dim(p, out);
}

static int64_t gcd64(int64_t a, int64_t b) {
    if (a < 0) a = -a;
    if (b < 0) b = -b;
    while (b) {
        int64_t t = a % b;
        a = b;
        b = t;
    }
    return a;
}

static int64_t floordiv64(int64_t a, int64_t b) {
    int64_t q = a / b;
    return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

/* For a term whose coefficient d does not divide: the lowest symbol of its
 * monomial and the factor its alignment needs (raising an alignment by f
 * multiplies the coefficient by f^e, a multiple of f). */
static void need_for(ir_term t, int64_t d, ir_align_need *need) {
    need->sym = -1;
    need->factor = d / gcd64(t.coef, d);
    for (int s = 0; s < IR_MAX_SYMS && need->sym < 0; s++)
        if (ir_mono_exp(t.mono, s)) need->sym = s;
}

bool ir_dim_floordiv(ir_dim a, int64_t c, int64_t d, ir_dim *out, ir_align_need *need) {
    need->sym = -1;
    ir_dim r = {.nterms = a.nterms};
    for (int i = 0; i < a.nterms; i++) {
        if (a.t[i].coef % d) {
            need_for(a.t[i], d, need);
            return false;
        }
        r.t[i] = (ir_term){a.t[i].coef / d, a.t[i].mono};
    }
    int64_t q;
    if (__builtin_add_overflow(a.q, c, &q)) return false;
    r.q = floordiv64(q, d);
    *out = r;
    return true;
}

bool ir_dim_div(ir_dim a, ir_dim b, ir_dim *out, ir_align_need *need) {
    need->sym = -1;
    if (ir_dim_static(b)) {
        if (b.q <= 0 || a.q % b.q) return false;
        return ir_dim_floordiv(a, 0, b.q, out, need);
    }
    if (b.q || b.nterms != 1 || a.q || b.t[0].coef <= 0) return false;
    poly p = {0};
    for (int i = 0; i < a.nterms; i++) {
        ir_mono m;
        if (!mono_div(a.t[i].mono, b.t[0].mono, &m)) return false;
        if (a.t[i].coef % b.t[0].coef) {
            need_for(a.t[i], b.t[0].coef, need);
            return false;
        }
        if (m) p.t[p.n++] = (ir_term){a.t[i].coef / b.t[0].coef, m};
        else p.q += a.t[i].coef / b.t[0].coef;
    }
    return to_dim(p, out);
}

bool ir_dim_eval_checked(ir_dim d, const int64_t *units, int64_t *out) {
    int64_t v = d.q;
    for (int i = 0; i < d.nterms; i++) {
        int64_t p = d.t[i].coef;
        for (int s = 0; s < IR_MAX_SYMS; s++)
            for (int e = ir_mono_exp(d.t[i].mono, s); e; e--)
                if (__builtin_mul_overflow(p, units[s], &p)) return false;
        if (__builtin_add_overflow(v, p, &v)) return false;
    }
    *out = v;
    return true;
}

int64_t ir_dim_eval(ir_dim d, const int64_t *units) {
    int64_t words[OCRS_DIM_WORDS];
    ir_dim_encode(d, words);
    return ocrs_dim_eval(words, units);
}

bool ir_dim_range(ir_dim d, const ir_symbol *syms, int64_t *lo, int64_t *hi) {
    int64_t umin[IR_MAX_SYMS] = {0}, umax[IR_MAX_SYMS] = {0};
    for (int s = 0; s < IR_MAX_SYMS; s++) {
        bool used = false;
        for (int i = 0; i < d.nterms; i++) used |= ir_mono_exp(d.t[i].mono, s) != 0;
        if (!used) continue;
        umin[s] = syms[s].min / syms[s].align;
        umax[s] = syms[s].max / syms[s].align;
    }
    return ir_dim_eval_checked(d, umax, hi) && ir_dim_eval_checked(d, umin, lo);
}

void ir_units(const ir_symbol *syms, int nsyms, const int64_t *sizes, int64_t *units) {
    for (int s = 0; s < nsyms; s++) units[s] = syms[s].derived ? 0 : sizes[s] / syms[s].align;
    ir_derive_units(syms, nsyms, units);
}

void ir_derive_units(const ir_symbol *syms, int nsyms, int64_t *units) {
    for (int s = 0; s < nsyms; s++)
        if (syms[s].derived) units[s] = ocrs_sym_derive(syms[s].bcoef, units[syms[s].base], syms[s].badd, syms[s].bdiv);
}

bool ir_dim_derived_div(const ir_symbol *syms, int nsyms, ir_dim a, int64_t c, int64_t d, ir_dim *out,
                        ir_derive_need *need) {
    need->base = -1;
    int s = 0;
    while (s < nsyms && !(a.nterms == 1 && a.t[0].mono == ir_mono_sym(s))) s++;
    if (s == nsyms || !syms[s].exact || a.t[0].coef <= 0 || d <= 0 || __builtin_add_overflow(a.q, c, &need->badd))
        return false;
    *need = (ir_derive_need){s, a.t[0].coef, need->badd, d};
    for (int k = 0; k < nsyms; k++) {
        const ir_symbol *y = &syms[k];
        if (y->derived && y->base == s && y->bcoef == need->bcoef && y->badd == need->badd && y->bdiv == d) {
            *out = ir_dim_symbol(syms, k);
            return true;
        }
    }
    return false;
}

void ir_dim_encode(ir_dim d, int64_t *words) {
    memset(words, 0, sizeof(int64_t) * OCRS_DIM_WORDS);
    words[0] = d.q;
    for (int i = 0; i < d.nterms; i++) {
        words[1 + 2 * i] = d.t[i].coef;
        words[2 + 2 * i] = (int64_t)d.t[i].mono;
    }
}

/* Append to buf (size bytes) at *n, truncating safely. */
__attribute__((format(printf, 4, 5))) static void put(char *buf, size_t size, size_t *n, const char *fmt, ...) {
    if (*n >= size) return;
    va_list ap;
    va_start(ap, fmt);
    int w = vsnprintf(buf + *n, size - *n, fmt, ap);
    va_end(ap);
    if (w > 0) *n += (size_t)w;
}

void ir_dim_format(ir_dim d, const ir_symbol *syms, char *buf, size_t size) {
    size_t n = 0;
    buf[0] = 0;
    for (int i = 0; i < d.nterms; i++) {
        /* coef * prod (S/align)^e = num * prod S^e / den */
        int64_t num = d.t[i].coef, den = 1;
        for (int s = 0; s < IR_MAX_SYMS; s++)
            for (int e = ir_mono_exp(d.t[i].mono, s); e; e--) den *= syms[s].align;
        int64_t g = gcd64(num, den);
        num /= g, den /= g;
        if (i) put(buf, size, &n, "+");
        if (num != 1) put(buf, size, &n, "%lld*", (long long)num);
        bool first = true;
        for (int s = 0; s < IR_MAX_SYMS; s++)
            for (int e = ir_mono_exp(d.t[i].mono, s); e; e--, first = false)
                put(buf, size, &n, "%s%s", first ? "" : "*", syms[s].name);
        if (den != 1) put(buf, size, &n, "/%lld", (long long)den);
    }
    if (d.q || !d.nterms) put(buf, size, &n, d.nterms ? "%+lld" : "%lld", (long long)d.q);
}

void ir_dim_format_c(ir_dim d, const ir_symbol *syms, char *buf, size_t size) {
    size_t n = 0;
    buf[0] = 0;
    /* Parentheses around anything but a constant or a symbol alone. */
    bool alone = false;
    for (int s = 0; s < IR_MAX_SYMS; s++)
        alone |= d.nterms == 1 && !d.q && d.t[0].mono == ir_mono_sym(s) && d.t[0].coef == syms[s].align;
    bool outer = d.nterms && !alone;
    if (outer) put(buf, size, &n, "(");
    for (int i = 0; i < d.nterms; i++) {
        if (i) put(buf, size, &n, " + ");
        bool bare = d.t[i].coef == 1;
        /* A symbol alone with its alignment as coefficient is the symbol. */
        for (int s = 0; s < IR_MAX_SYMS; s++)
            if (d.t[i].mono == ir_mono_sym(s) && d.t[i].coef == syms[s].align) {
                put(buf, size, &n, "(%s)", syms[s].name);
                bare = false;
                goto next;
            }
        if (!bare) put(buf, size, &n, "%lld", (long long)d.t[i].coef);
        bool first = bare;
        for (int s = 0; s < IR_MAX_SYMS; s++)
            for (int e = ir_mono_exp(d.t[i].mono, s); e; e--, first = false) {
                put(buf, size, &n, "%s((%s) / %lld)", first ? "" : " * ", syms[s].name, (long long)syms[s].align);
            }
    next:;
    }
    if (d.nterms && d.q) put(buf, size, &n, " %+lld", (long long)d.q);
    if (outer) put(buf, size, &n, ")");
    else if (!d.nterms) put(buf, size, &n, "%lld", (long long)d.q);
}
