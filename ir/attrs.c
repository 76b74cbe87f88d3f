/* Node attributes from their table (ir/attrs.def): defaults, the exact key
 * codegen shares layer functions by, and the printer. Each attribute type
 * has a default test, a key writer and a printer; every field goes through
 * them by the table, so none can be forgotten. */
#include <stdio.h>
#include <string.h>

#include "ir.h"

static const char *coord_name(ir_coord c) {
    static const char *const names[] = {"asymmetric", "half_pixel", "pytorch_half_pixel", "align_corners"};
    return names[c];
}

static const char *nearest_name(ir_nearest m) {
    static const char *const names[] = {"floor", "ceil", "round_prefer_floor", "round_prefer_ceil"};
    return names[m];
}

/* ---- per type: set to the default, test for it, key, print ------------------- */

static void set_i64(ir_attr_i64 *v, int n, int64_t d) {
    for (int i = 0; i < n; i++) v[i] = d;
}
static void set_f32(ir_attr_f32 *v, int n, int64_t d) {
    for (int i = 0; i < n; i++) v[i] = (float)d;
}
static void set_act(ir_attr_act *v, int n, int64_t d) { memset(v, 0, sizeof *v * (size_t)n), (void)d; }
static void set_post(ir_attr_post *v, int n, int64_t d) { memset(v, 0, sizeof *v * (size_t)n), (void)d; }
static void set_coord(ir_attr_coord *v, int n, int64_t d) {
    for (int i = 0; i < n; i++) v[i] = (ir_coord)d;
}
static void set_nearest(ir_attr_nearest *v, int n, int64_t d) {
    for (int i = 0; i < n; i++) v[i] = (ir_nearest)d;
}

static bool is_i64(const ir_attr_i64 *v, int n, int64_t d) {
    for (int i = 0; i < n; i++)
        if (v[i] != d) return false;
    return true;
}
static bool is_f32(const ir_attr_f32 *v, int n, int64_t d) {
    for (int i = 0; i < n; i++)
        if (v[i] != (float)d) return false;
    return true;
}
static bool is_act(const ir_attr_act *v, int n, int64_t d) { return (void)n, (void)d, v->kind == IR_ACT_NONE; }
static bool is_post(const ir_attr_post *v, int n, int64_t d) { return (void)n, (void)d, !v->on; }
static bool is_coord(const ir_attr_coord *v, int n, int64_t d) { return (void)n, *v == (ir_coord)d; }
static bool is_nearest(const ir_attr_nearest *v, int n, int64_t d) { return (void)n, *v == (ir_nearest)d; }

static void key_i64(FILE *f, const ir_attr_i64 *v, int n) {
    for (int i = 0; i < n; i++) fprintf(f, ",%lld", (long long)v[i]);
}
/* %a: every float exactly. */
static void key_f32(FILE *f, const ir_attr_f32 *v, int n) {
    for (int i = 0; i < n; i++) fprintf(f, ",%a", v[i]);
}
static void key_act(FILE *f, const ir_attr_act *v, int n) { (void)n, fprintf(f, ",%d,%a,%a", (int)v->kind, v->a, v->b); }
static void key_post(FILE *f, const ir_attr_post *v, int n) {
    (void)n, fprintf(f, ",%d,%d,%a,%a", (int)v->on, (int)v->has_shift, v->scale, v->shift);
}
static void key_coord(FILE *f, const ir_attr_coord *v, int n) { (void)n, fprintf(f, ",%d", (int)*v); }
static void key_nearest(FILE *f, const ir_attr_nearest *v, int n) { (void)n, fprintf(f, ",%d", (int)*v); }

/* Two elements as "3x3", more as "1,1,1,1". */
static void print_i64(FILE *f, const ir_attr_i64 *v, int n) {
    for (int i = 0; i < n; i++) fprintf(f, "%s%lld", i ? (n == 2 ? "x" : ",") : "", (long long)v[i]);
}
static void print_f32(FILE *f, const ir_attr_f32 *v, int n) {
    for (int i = 0; i < n; i++) fprintf(f, "%s%.6g", i ? (n == 2 ? "x" : ",") : "", v[i]);
}
static void print_act(FILE *f, const ir_attr_act *v, int n) {
    (void)n;
    fprintf(f, "%s", ir_act_name(v->kind));
    if (v->kind == IR_ACT_CLIP || v->kind == IR_ACT_HARDSIGMOID) fprintf(f, "(%.6g,%.6g)", v->a, v->b);
    if (v->kind == IR_ACT_POW) fprintf(f, "(%.9g)", v->a);
    if (v->kind == IR_ACT_QUANT) fprintf(f, "(%.9g,%.0f)", v->a, v->b);
}
static void print_post(FILE *f, const ir_attr_post *v, int n) {
    (void)n;
    fprintf(f, "*%.9g", v->scale);
    if (v->has_shift) fprintf(f, "+%.9g", v->shift);
}
static void print_coord(FILE *f, const ir_attr_coord *v, int n) { (void)n, fputs(coord_name(*v), f); }
static void print_nearest(FILE *f, const ir_attr_nearest *v, int n) { (void)n, fputs(nearest_name(*v), f); }

/* ---- over the table -------------------------------------------------------------- */

ir_attrs ir_attrs_default(void) {
    ir_attrs a;
    memset(&a, 0, sizeof a);
#define ATTR(name, type, count, dflt, quiet) set_##type((ir_attr_##type *)&a.name, count, dflt);
#include "attrs.def"
#undef ATTR
    return a;
}

bool ir_attr_is_default(const ir_attrs *a, int id) {
    switch (id) {
#define ATTR(name, type, count, dflt, quiet) \
    case IR_ATTR_##name: return is_##type((const ir_attr_##type *)&a->name, count, dflt);
#include "attrs.def"
#undef ATTR
    }
    OCRS_ASSERT(!"no such attribute");
    return true;
}

void ir_attrs_key(const ir_attrs *a, FILE *f) {
#define ATTR(name, type, count, dflt, quiet)          \
    fputs("|" #name, f);                              \
    key_##type(f, (const ir_attr_##type *)&a->name, count);
#include "attrs.def"
#undef ATTR
}

void ir_attrs_print(ir_op op, const ir_attrs *a, FILE *f) {
    unsigned used = ir_ops[op].attrs;
    /* A unary op's activation without parameters is the op itself. */
    bool act_params = a->act.kind == IR_ACT_CLIP || a->act.kind == IR_ACT_HARDSIGMOID || a->act.kind == IR_ACT_POW ||
                      a->act.kind == IR_ACT_QUANT;
    if ((ir_ops[op].flags & IR_F_UNARY) && !act_params) used &= ~IR_A(act);
#define ATTR(name, type, count, dflt, quiet)                                              \
    if ((used & IR_A(name)) && !((quiet) && ir_attr_is_default(a, IR_ATTR_##name))) { \
        fputs(" " #name "=", f);                                                          \
        print_##type(f, (const ir_attr_##type *)&a->name, count);                        \
    }
#include "attrs.def"
#undef ATTR
}
