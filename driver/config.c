/* ocrslimc --config (see config.h). The file is loaded as a libyaml
 * document; every node keeps its start mark, so each error names the line
 * and column of the offending key or value. */
#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

typedef struct {
    const char *path, *dir; /* dir: the config's folder, for relative paths */
    yaml_document_t *doc;
    ocrs_config *c;
    ocrs_diag *diag;
    unsigned det_set; /* bit i: det_fields[i] was set */
} reader;

static ocrs_status at(reader *r, const yaml_node_t *n, const char *fmt, const char *a, const char *b) {
    char msg[512];
    snprintf(msg, sizeof msg, fmt, a, b);
    return ocrs_fail(r->diag, OCRS_ERR_USAGE, "%s:%zu:%zu: %s", r->path, n->start_mark.line + 1,
                     n->start_mark.column + 1, msg);
}

static const char *scalar(const yaml_node_t *n) {
    return n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

static ocrs_status get_number(reader *r, const yaml_node_t *n, const char *key, double *out) {
    const char *s = scalar(n);
    if (!s || !strict_real(s, out)) return at(r, n, "%s: expected a number, not %s", key, s ? s : "a collection");
    return OCRS_OK;
}

static ocrs_status get_int(reader *r, const yaml_node_t *n, const char *key, int lo, int hi, int *out) {
    const char *s = scalar(n);
    long v;
    if (!s || !strict_count(s, &v) || v < lo || v > hi) {
        char what[192];
        snprintf(what, sizeof what, "%s: expected an integer in [%d, %d]", key, lo, hi);
        return at(r, n, "%s, not %s", what, s ? s : "a collection");
    }
    *out = (int)v;
    return OCRS_OK;
}

/* A copy owned by the config; relative paths are taken from the config's folder. */
static ocrs_status get_string(reader *r, const yaml_node_t *n, const char *key, bool is_path, const char **out) {
    const char *s = scalar(n);
    if (!s || !*s) return at(r, n, "%s: expected a %s", key, is_path ? "path" : "name");
    ocrs_config *c = r->c;
    if (c->nowned == (int)(sizeof c->owned / sizeof c->owned[0])) return at(r, n, "%s: too many names", key, "");
    size_t len = strlen(r->dir) + strlen(s) + 2;
    char *copy = malloc(len);
    if (!copy) return ocrs_fail(r->diag, OCRS_ERR_NOMEM, "out of memory");
    if (is_path && s[0] != '/') snprintf(copy, len, "%s/%s", r->dir, s);
    else snprintf(copy, len, "%s", s);
    c->owned[c->nowned++] = copy;
    *out = copy;
    return OCRS_OK;
}

static ocrs_status get_choice(reader *r, const yaml_node_t *n, const char *key, const char *const *names, int *out) {
    const char *s = scalar(n);
    char list[256] = "";
    for (int i = 0; names[i]; i++) {
        if (s && strcmp(s, names[i]) == 0) {
            *out = i;
            return OCRS_OK;
        }
        snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", i ? ", " : "", names[i]);
    }
    char what[300];
    snprintf(what, sizeof what, "%s: expected one of %s", key, list);
    return at(r, n, "%s, not %s", what, s ? s : "a collection");
}

/* Calls each(r, key, value) for every pair of a mapping node, rejecting
 * non-mappings and duplicate keys. */
typedef ocrs_status (*pair_fn)(reader *r, const char *key, yaml_node_t *k, yaml_node_t *v);

static ocrs_status each_pair(reader *r, yaml_node_t *map, const char *what, pair_fn each) {
    if (map->type != YAML_MAPPING_NODE) return at(r, map, "%s: expected a mapping of keys to values", what, "");
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
        yaml_node_t *k = yaml_document_get_node(r->doc, p->key), *v = yaml_document_get_node(r->doc, p->value);
        const char *key = scalar(k);
        if (!key) return at(r, k, "%s: keys must be names", what, "");
        for (yaml_node_pair_t *q = map->data.mapping.pairs.start; q < p; q++)
            if (scalar(yaml_document_get_node(r->doc, q->key)) &&
                strcmp(scalar(yaml_document_get_node(r->doc, q->key)), key) == 0)
                return at(r, k, "%s: duplicate key %s", what, key);
        ocrs_status st = each(r, key, k, v);
        if (st) return st;
    }
    return OCRS_OK;
}

static ocrs_status unknown(reader *r, const char *section, const char *key, yaml_node_t *k) {
    return at(r, k, "%s: unknown key %s", section, key);
}

/* A Prune number (its prune_nums row n, so the command line reads it
 * alike) into *out, or into its field when out is NULL. */
static ocrs_status get_prune_num(reader *r, yaml_node_t *v, const prune_num *n, double *out) {
    const char *s = scalar(v);
    if (s && (out ? prune_num_parse(n, s, out) : prune_num_set(n, s, &r->c->prune))) return OCRS_OK;
    char range[64], what[128];
    prune_num_range(n, range, sizeof range);
    snprintf(what, sizeof what, "Prune.%s: expected %s", n->key, range);
    return at(r, v, "%s, not %s", what, s ? s : "a collection");
}

static ocrs_status calib_pair(reader *r, const char *key, yaml_node_t *k, yaml_node_t *v) {
    prune_cli *p = &r->c->prune;
    if (strcmp(key, "label_file") == 0) return get_string(r, v, "Prune.calib.label_file", true, &p->calib);
    if (strcmp(key, "root") == 0) return get_string(r, v, "Prune.calib.root", true, &p->calib_root);
    char full[64];
    snprintf(full, sizeof full, "calib.%s", key);
    const prune_num *n = prune_num_find(NULL, full);
    if (n) return get_prune_num(r, v, n, NULL);
    return unknown(r, "Prune.calib", key, k);
}

static ocrs_status prune_pair(reader *r, const char *key, yaml_node_t *k, yaml_node_t *v) {
    prune_cli *p = &r->c->prune;
    static const char *const recoveries[] = {"none", "bias", "lsq", NULL};
    if (strcmp(key, "criterion") == 0) {
        int i;
        ocrs_status st = get_choice(r, v, "Prune.criterion", ocrs_prune_criteria, &i);
        p->criterion = st ? OCRS_PRUNE_L1 : (ocrs_prune_criterion)i;
        return st;
    }
    if (strcmp(key, "recovery") == 0) {
        int i;
        ocrs_status st = get_choice(r, v, "Prune.recovery", recoveries, &i);
        r->c->recovery = recoveries[st ? 0 : i];
        return st;
    }
    if (strcmp(key, "calib") == 0) return each_pair(r, v, "Prune.calib", calib_pair);
    bool ratios = strcmp(key, "ratios") == 0;
    const prune_num *num = prune_num_find(NULL, key);
    if (num && !ratios) return get_prune_num(r, v, num, NULL);
    if (ratios || strcmp(key, "skip") == 0) {
        const char *what = ratios ? "Prune.ratios" : "Prune.skip";
        if (v->type != YAML_SEQUENCE_NODE) return at(r, v, "%s: expected a list", what, "");
        int n = (int)(v->data.sequence.items.top - v->data.sequence.items.start);
        if (n > (ratios ? OCRS_PRUNE_MAX_RATIOS : OCRS_PRUNE_MAX_NAMES)) return at(r, v, "%s: too many entries", what, "");
        for (int i = 0; i < n; i++) {
            yaml_node_t *e = yaml_document_get_node(r->doc, v->data.sequence.items.start[i]);
            ocrs_status st = ratios ? get_prune_num(r, e, num, &p->ratios[i])
                                    : get_string(r, e, what, false, &p->skip_names[i]);
            if (st) return st;
        }
        if (ratios) p->nratios = n;
        else p->nskip_names = n;
        return OCRS_OK;
    }
    return unknown(r, "Prune", key, k);
}

static ocrs_status get_bool(reader *r, const yaml_node_t *n, const char *key, int *out) {
    static const char *const words[] = {"false", "true", "False", "True", NULL};
    int i;
    ocrs_status st = get_choice(r, n, key, words, &i);
    if (!st) *out = i % 2;
    return st;
}

/* Quant: {type: int8, calib: percentile|entropy|minmax, percentile: P,
 * weight_bits: 7|8, fp32: [conv names], equalize: true|false, loss_bound: L},
 * as --quantize, --quant-calib, --quant-percentile, --quant-weight-bits,
 * --quant-fp32, --quant-no-equalize and --quant-loss-bound. */
static ocrs_status quant_pair(reader *r, const char *key, yaml_node_t *k, yaml_node_t *v) {
    quant_cli *q = &r->c->quant;
    if (strcmp(key, "type") == 0) {
        static const char *const types[] = {"int8", NULL};
        int i;
        ocrs_status st = get_choice(r, v, "Quant.type", types, &i);
        q->on = !st;
        return st;
    }
    if (strcmp(key, "calib") == 0) {
        int i = 0;
        ocrs_status st = get_choice(r, v, "Quant.calib", ocrs_qcalib_methods, &i);
        q->o.method = (ocrs_qcalib_method)i;
        return st;
    }
    if (strcmp(key, "percentile") == 0) {
        double x;
        ocrs_status st = get_number(r, v, "Quant.percentile", &x);
        if (!st && !(x > 50 && x <= 100)) st = at(r, v, "Quant.percentile: expected a number in (50, 100]", "", "");
        if (!st) q->o.percentile = x;
        return st;
    }
    if (strcmp(key, "weight_bits") == 0) {
        double x;
        ocrs_status st = get_number(r, v, "Quant.weight_bits", &x);
        if (!st && x != 7 && x != 8) st = at(r, v, "Quant.weight_bits: expected 7 or 8", "", "");
        if (!st) q->o.weight_max = x == 7 ? 63 : 127;
        return st;
    }
    if (strcmp(key, "fp32") == 0) {
        if (v->type != YAML_SEQUENCE_NODE) return at(r, v, "Quant.fp32: expected a list", "", "");
        int n = (int)(v->data.sequence.items.top - v->data.sequence.items.start);
        if (n > OCRS_PRUNE_MAX_NAMES) return at(r, v, "Quant.fp32: too many entries", "", "");
        for (int i = 0; i < n; i++) {
            ocrs_status st = get_string(r, yaml_document_get_node(r->doc, v->data.sequence.items.start[i]),
                                        "Quant.fp32", false, &q->keep[i]);
            if (st) return st;
        }
        q->nkeep = n;
        return OCRS_OK;
    }
    if (strcmp(key, "loss_bound") == 0) {
        double x;
        ocrs_status st = get_number(r, v, "Quant.loss_bound", &x);
        if (!st && !(x > 0 && x < 1)) st = at(r, v, "Quant.loss_bound: expected a number in (0, 1)", "", "");
        if (!st) q->loss_bound = x;
        return st;
    }
    if (strcmp(key, "equalize") == 0) {
        int on = 1;
        ocrs_status st = get_bool(r, v, "Quant.equalize", &on);
        q->no_equalize = !on;
        return st;
    }
    return unknown(r, "Quant", key, k);
}

static const struct {
    const char *key, *macro;
    int kind; /* 0: float, 1: int, 2: limit type */
    size_t off;
} det_fields[] = {
    {"thresh", "THRESH", 0, offsetof(ocrs_det_opts, thresh)},
    {"box_thresh", "BOX_THRESH", 0, offsetof(ocrs_det_opts, box_thresh)},
    {"unclip_ratio", "UNCLIP_RATIO", 0, offsetof(ocrs_det_opts, unclip_ratio)},
    {"max_candidates", "MAX_CANDIDATES", 1, offsetof(ocrs_det_opts, max_candidates)},
    {"limit_side_len", "LIMIT_SIDE_LEN", 1, offsetof(ocrs_det_opts, limit_side_len)},
    {"limit_type", "LIMIT_TYPE", 2, offsetof(ocrs_det_opts, limit_type)},
};
enum { NDET_FIELDS = sizeof det_fields / sizeof det_fields[0] };

/* Sets one detect option (section is PostProcess or DetResizeForTest, which
 * holds only its own keys), checked by the runtime's own range check. */
static ocrs_status set_det(reader *r, const char *section, const char *key, yaml_node_t *k, yaml_node_t *v,
                           int first, int last) {
    static const char *const limit_types[] = {"max", "min", "resize_long", NULL};
    char full[96];
    snprintf(full, sizeof full, "%s.%s", section, key);
    for (int i = first; i < last; i++) {
        if (strcmp(key, det_fields[i].key)) continue;
        char *field = (char *)&r->c->det + det_fields[i].off;
        double d = 0; /* set unless the getter fails */
        int n = 0;
        ocrs_status st = det_fields[i].kind == 0   ? get_number(r, v, full, &d)
                         : det_fields[i].kind == 1 ? get_int(r, v, full, -(1 << 30), 1 << 30, &n)
                                                   : get_choice(r, v, full, limit_types, &n);
        if (st) return st;
        if (det_fields[i].kind == 0) *(float *)field = (float)d;
        else *(int *)field = n;
        const char *bad = ocrs_det_opts_check(&r->c->det);
        if (bad && strcmp(bad, key) == 0) return at(r, v, "%s: %s is out of range", full, scalar(v));
        r->det_set |= 1u << i;
        return OCRS_OK;
    }
    return unknown(r, section, key, k);
}

static ocrs_status post_pair(reader *r, const char *key, yaml_node_t *k, yaml_node_t *v) {
    if (strcmp(key, "name") == 0) {
        const char *s = scalar(v);
        if (!s || strcmp(s, "DBPostProcess")) return at(r, v, "PostProcess.name: only DBPostProcess is supported, not %s", s ? s : "a collection", "");
        return OCRS_OK;
    }
    return set_det(r, "PostProcess", key, k, v, 0, 4);
}

static ocrs_status resize_pair(reader *r, const char *key, yaml_node_t *k, yaml_node_t *v) {
    return set_det(r, "PreProcess.DetResizeForTest", key, k, v, 4, NDET_FIELDS);
}

static ocrs_status transform_pair(reader *r, const char *key, yaml_node_t *k, yaml_node_t *v) {
    if (strcmp(key, "DetResizeForTest") == 0) return each_pair(r, v, "PreProcess.DetResizeForTest", resize_pair);
    return at(r, k, "PreProcess: unknown transform %s (only DetResizeForTest is configurable)", key, "");
}

static ocrs_status global_pair(reader *r, const char *key, yaml_node_t *k, yaml_node_t *v) {
    if (strcmp(key, "character_dict_path") == 0) return get_string(r, v, "Global.character_dict_path", true, &r->c->dict);
    if (strcmp(key, "use_space_char") == 0) return get_bool(r, v, "Global.use_space_char", &r->c->use_space);
    return unknown(r, "Global", key, k);
}

static ocrs_status top_pair(reader *r, const char *key, yaml_node_t *k, yaml_node_t *v);

static ocrs_status det_pair(reader *r, const char *key, yaml_node_t *k, yaml_node_t *v) {
    if (strcmp(key, "model") == 0) return get_string(r, v, "Det.model", true, &r->c->det_model);
    if (strcmp(key, "Prune") && strcmp(key, "PreProcess") && strcmp(key, "PostProcess"))
        return at(r, k, "Det: unknown key %s (expected model, Prune, PreProcess or PostProcess)", key, "");
    return top_pair(r, key, k, v);
}

static ocrs_status cls_pair(reader *r, const char *key, yaml_node_t *k, yaml_node_t *v) {
    if (strcmp(key, "model") == 0) return get_string(r, v, "Cls.model", true, &r->c->cls_model);
    if (strcmp(key, "cls_image_shape")) return unknown(r, "Cls", key, k);
    int n = v->type == YAML_SEQUENCE_NODE ? (int)(v->data.sequence.items.top - v->data.sequence.items.start) : 0;
    if (n != 3) return at(r, v, "Cls.cls_image_shape: expected [3, H, W]", "", "");
    static const int lo[3] = {3, 1, 1}, hi[3] = {3, 4096, 4096};
    for (int i = 0; i < 3; i++) {
        ocrs_status st = get_int(r, yaml_document_get_node(r->doc, v->data.sequence.items.start[i]),
                                 "Cls.cls_image_shape", lo[i], hi[i], &r->c->cls_shape[i]);
        if (st) return st;
    }
    return OCRS_OK;
}

static ocrs_status rec_pair(reader *r, const char *key, yaml_node_t *k, yaml_node_t *v) {
    if (strcmp(key, "model") == 0) return get_string(r, v, "Rec.model", true, &r->c->rec_model);
    return unknown(r, "Rec", key, k);
}

static ocrs_status top_pair(reader *r, const char *key, yaml_node_t *k, yaml_node_t *v) {
    if (strcmp(key, "Global") == 0) return each_pair(r, v, "Global", global_pair);
    if (strcmp(key, "Det") == 0) return each_pair(r, v, "Det", det_pair);
    if (strcmp(key, "Cls") == 0) return each_pair(r, v, "Cls", cls_pair);
    if (strcmp(key, "Rec") == 0) return each_pair(r, v, "Rec", rec_pair);
    if (strcmp(key, "Prune") == 0) return each_pair(r, v, "Prune", prune_pair);
    if (strcmp(key, "Quant") == 0) return each_pair(r, v, "Quant", quant_pair);
    if (strcmp(key, "PostProcess") == 0) return each_pair(r, v, "PostProcess", post_pair);
    if (strcmp(key, "PreProcess") == 0) {
        if (v->type != YAML_SEQUENCE_NODE) return each_pair(r, v, "PreProcess", transform_pair);
        for (yaml_node_item_t *i = v->data.sequence.items.start; i < v->data.sequence.items.top; i++) {
            ocrs_status st = each_pair(r, yaml_document_get_node(r->doc, *i), "PreProcess", transform_pair);
            if (st) return st;
        }
        return OCRS_OK;
    }
    return at(r, k, "unknown section %s (expected Prune, Quant, PreProcess, PostProcess, or Global, Det, Cls, Rec)",
              key, "");
}

/* The -D definitions of the detect options the config set (runtime/det/db_pre.c
 * reads OCRS_DET_DEFAULT_*). */
static ocrs_status make_defines(ocrs_config *c, unsigned set, ocrs_diag *diag) {
    for (int i = 0; i < NDET_FIELDS; i++) {
        if (!(set & 1u << i)) continue;
        const char *field = (const char *)&c->det + det_fields[i].off;
        char def[96];
        if (det_fields[i].kind == 0) snprintf(def, sizeof def, "OCRS_DET_DEFAULT_%s=%.9g", det_fields[i].macro, *(const float *)field);
        else snprintf(def, sizeof def, "OCRS_DET_DEFAULT_%s=%d", det_fields[i].macro, *(const int *)field);
        if (!(c->defines[c->ndefines++] = strdup(def))) return ocrs_fail(diag, OCRS_ERR_NOMEM, "out of memory");
    }
    return OCRS_OK;
}

static ocrs_status invalid_yaml(const yaml_parser_t *parser, const char *path, ocrs_diag *diag) {
    return ocrs_fail(diag, OCRS_ERR_USAGE, "%s:%zu:%zu: invalid YAML: %s%s%s", path, parser->problem_mark.line + 1,
                     parser->problem_mark.column + 1, parser->problem ? parser->problem : "error",
                     parser->context ? " " : "", parser->context ? parser->context : "");
}

/* After the first document: the end of the stream. A second document
 * (after ---) would be ignored, and with it what the user meant to set. */
static ocrs_status single_document(yaml_parser_t *parser, const char *path, ocrs_diag *diag) {
    yaml_document_t next;
    if (!yaml_parser_load(parser, &next)) return invalid_yaml(parser, path, diag);
    ocrs_status st = OCRS_OK;
    if (yaml_document_get_root_node(&next))
        st = ocrs_fail(diag, OCRS_ERR_USAGE, "%s:%zu: a second YAML document starts here; a config is one document",
                       path, next.start_mark.line + 1);
    yaml_document_delete(&next);
    return st;
}

ocrs_status ocrs_config_load(const char *path, ocrs_config *c, ocrs_diag *diag) {
    ocrs_config_defaults(c);
    FILE *f = fopen(path, "rb");
    if (!f) return ocrs_fail(diag, OCRS_ERR_IO, "%s: cannot read the config: %s", path, strerror(errno));
    char *dir = strdup(path);
    if (!dir) {
        fclose(f);
        return ocrs_fail(diag, OCRS_ERR_NOMEM, "out of memory");
    }
    char *slash = strrchr(dir, '/');
    if (slash) slash[slash == dir] = 0;
    else strcpy(dir, ".");
    yaml_parser_t parser;
    yaml_document_t doc;
    yaml_parser_initialize(&parser);
    yaml_parser_set_input_file(&parser, f);
    ocrs_status st = OCRS_OK;
    if (!yaml_parser_load(&parser, &doc)) {
        st = invalid_yaml(&parser, path, diag);
    } else {
        st = single_document(&parser, path, diag);
        reader r = {.path = path, .dir = dir, .doc = &doc, .c = c, .diag = diag};
        yaml_node_t *root = yaml_document_get_root_node(&doc);
        if (!st && root) st = each_pair(&r, root, "the config", top_pair); /* an empty file sets nothing */
        if (!st) st = make_defines(c, r.det_set, diag);
        yaml_document_delete(&doc);
    }
    yaml_parser_delete(&parser);
    fclose(f);
    free(dir);
    if (st) ocrs_config_free(c);
    return st;
}

void ocrs_config_defaults(ocrs_config *c) {
    *c = (ocrs_config){.use_space = -1, .cls_shape = {3, 48, 192}};
    prune_cli_defaults(&c->prune);
    quant_cli_init(&c->quant);
    ocrs_det_opts_default(&c->det);
}

void ocrs_config_free(ocrs_config *c) {
    for (int i = 0; i < c->nowned; i++) free(c->owned[i]);
    for (int i = 0; i < c->ndefines; i++) free(c->defines[i]);
    ocrs_config_defaults(c);
}
