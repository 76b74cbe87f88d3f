/* Extents with symbols (ir/dim.c): arithmetic, exact division and the
 * alignment it asks for, evaluation (the runtime's ocrs_dim_eval) and
 * formatting. */
#include <string.h>

#include "testlib.h"

static const ir_symbol syms[2] = {{.name = "N", .align = 1, .min = 1, .max = 256, .ref = 1, .base = -1},
                                  {.name = "W", .align = 8, .min = 8, .max = 4096, .ref = 320, .base = -1}};

static void check_text(ir_dim d, const char *want, const char *want_c) {
    char buf[128];
    ir_dim_format(d, syms, buf, sizeof buf);
    if (strcmp(buf, want)) fprintf(stderr, "format: '%s', want '%s'\n", buf, want);
    CHECK(strcmp(buf, want) == 0);
    ir_dim_format_c(d, syms, buf, sizeof buf);
    if (strcmp(buf, want_c)) fprintf(stderr, "format_c: '%s', want '%s'\n", buf, want_c);
    CHECK(strcmp(buf, want_c) == 0);
}

int main(void) {
    ir_dim n = ir_dim_symbol(syms, 0), w = ir_dim_symbol(syms, 1), t, tt, r;
    ir_align_need need;
    /* W = 8 u: W / 8 is exact, W / 16 asks for W to be a multiple of 16. */
    CHECK(ir_dim_floordiv(w, 0, 8, &t, &need) && ir_dim_equal(t, (ir_dim){.nterms = 1, .t = {{1, ir_mono_sym(1)}}}));
    CHECK(!ir_dim_floordiv(w, 0, 16, &r, &need) && need.sym == 1 && need.factor == 2);
    /* conv 3x3 stride 2 pad 1 on W: floor((W + 2 - 3) / 2) + 1 = W / 2 */
    CHECK(ir_dim_floordiv(w, -1, 2, &r, &need) && ir_dim_add_const(r, 1, &r));
    check_text(r, "W/2", "(4 * ((W) / 8))");
    /* attention's T x T, and a merged N*T */
    CHECK(ir_dim_mul(t, t, &tt));
    check_text(tt, "W*W/64", "(((W) / 8) * ((W) / 8))");
    CHECK(ir_dim_mul(n, t, &r));
    check_text(r, "N*W/8", "(((N) / 1) * ((W) / 8))");
    /* exact division by a single term: N*T / N = T, and (N*T) / T = N */
    CHECK(ir_dim_div(r, n, &r, &need) && ir_dim_equal(r, t));
    CHECK(ir_dim_mul(n, t, &r) && ir_dim_div(r, t, &r, &need) && ir_dim_equal(r, n));
    /* sums and constants */
    CHECK(ir_dim_add_const(t, -2, &r));
    check_text(r, "W/8-2", "(((W) / 8) -2)");
    CHECK(ir_dim_sub(t, t, &r) && ir_dim_static(r) && r.q == 0);
    check_text(ir_dim_const(6625), "6625", "6625");
    /* evaluation at N = 2, W = 320 (units 2 and 40), and the range */
    int64_t units[2] = {2, 40}, lo, hi;
    CHECK(ir_dim_mul(n, tt, &r) && ir_dim_eval(r, units) == 2 * 40 * 40);
    CHECK(ir_dim_range(tt, syms, &lo, &hi) && lo == 1 && hi == 512 * 512);
    /* an exponent past 15, or too many terms, does not fit */
    ir_dim p = t;
    bool fits = true;
    for (int i = 0; i < 15 && fits; i++) fits = ir_dim_mul(p, t, &p);
    CHECK(!fits);
    ir_dim three;
    CHECK(ir_dim_add(tt, t, &three) && ir_dim_add(three, r, &three) && three.nterms == 3);
    CHECK(!ir_dim_add(three, n, &r));

    /* An exact symbol: W takes every value, and a stride-2 convolution of
     * it asks for the derived symbol floor((W - 1) / 2), which then gives
     * the extent W_1 + 1 = ceil(W / 2); units of derived symbols come from
     * their base. */
    ir_symbol ex[3] = {{.name = "W", .align = 1, .min = 16, .max = 4096, .ref = 433, .exact = true, .base = -1}};
    ir_derive_need d;
    ir_dim we = ir_dim_symbol(ex, 0), o;
    CHECK(!ir_dim_derived_div(ex, 1, we, -1, 2, &o, &d) && d.base == 0 && d.bcoef == 1 && d.badd == -1 && d.bdiv == 2);
    ex[1] = (ir_symbol){.name = "W_1", .align = 1, .min = 7, .max = 2047, .ref = 216, .exact = true, .derived = true,
                        .base = 0, .bcoef = 1, .badd = -1, .bdiv = 2};
    CHECK(ir_dim_derived_div(ex, 2, we, -1, 2, &o, &d) && ir_dim_equal(o, ir_dim_symbol(ex, 1)));
    /* not exact: no derived symbol (the alignment grows instead) */
    ex[0].exact = false;
    CHECK(!ir_dim_derived_div(ex, 2, we, -1, 2, &o, &d) && d.base == -1);
    ex[0].exact = true;
    /* a chain: floor(W_1 / 2) of W_1's extent W_1 + 1 with c = -1 */
    ex[2] = (ir_symbol){.name = "W_2", .align = 1, .min = 3, .max = 1023, .ref = 108, .exact = true, .derived = true,
                        .base = 1, .bcoef = 1, .badd = 0, .bdiv = 2};
    ir_dim w1;
    CHECK(ir_dim_add_const(ir_dim_symbol(ex, 1), 1, &w1) && ir_dim_derived_div(ex, 3, w1, -1, 2, &o, &d) &&
          ir_dim_equal(o, ir_dim_symbol(ex, 2)));
    int64_t sizes[3] = {433, 0, 0}, u[3];
    ir_units(ex, 3, sizes, u);
    CHECK(u[0] == 433 && u[1] == 216 && u[2] == 108);
    CHECK(ocrs_sym_derive(1, 1, -2, 2) == -1); /* floor, not truncation */
    return t_finish("test_dim");
}
