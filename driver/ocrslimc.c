/* ocrslimc: the command-line compiler. Import -> canonical passes -> codegen. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "codegen.h"
#include "depfile.h"
#include "frontend.h"
#include "outfile.h"
#include "paths.h"
#include "pipeline.h"
#include "config.h"
#include "prune_cli.h"
#include "quant_cli.h"
#include "task.h"
#include "system_cli.h"

static void usage(FILE *out) {
    fprintf(out,
            "usage: ocrslimc MODEL.onnx -o OUTPUT [options]\n"
            "       ocrslimc --det DET.onnx [--cls CLS.onnx] --rec REC.onnx --dict KEYS.txt\n"
            "                -o lib<name>.so [options]\n"
            "\n"
            "Compiles an ONNX model (PaddleOCR's text detector, direction classifier\n"
            "or recognizer, or a graph of the same ops) into a self-contained native\n"
            "library (lib<name>.so or lib<name>.a, plus <name>.h) specialised for its\n"
            "weights and shapes. Pruning measures the model on labelled images (--calib):\n"
            "a DB detector by hmean, a CTC recognizer by line accuracy on the labelled\n"
            "lines (--task); a pruned model losing more than --prune-loss-bound is\n"
            "refused.\n"
            "\n"
            "The second form builds an OCR system library: PaddleOCR's text system\n"
            "(detect, classify the direction, recognize; image in, lines of UTF-8 text\n"
            "out) from the three models and the recognizer's dictionary, embedded.\n"
            "A config's Global (character_dict_path, use_space_char), Det (model and\n"
            "Prune, PreProcess, PostProcess), Cls (model, cls_image_shape) and Rec\n"
            "(model) sections say the same. Pruning options apply to the detector and\n"
            "the recognizer (--prune-models).\n"
            "\n"
            "options:\n"
            "  -o, --output FILE     output path (lib<name>.so, lib<name>.a, or the file\n"
            "                        --emit names)\n"
            "      --name NAME       symbol prefix of the generated API (default: from\n"
            "                        the output file, libdet.so -> det); refused when a\n"
            "                        symbol would be the C library's or NAME.h a system\n"
            "                        header\n"
            "      --emit KIND       lib (shared library), staticlib (lib<name>.a, only the\n"
            "                        API symbols global; the default for an output ending\n"
            "                        in .a, lib otherwise), ir (the IR after the canonical\n"
            "                        passes), onnx (that graph, pruning included, as a\n"
            "                        standard ONNX model), llvm (LLVM IR), asm, obj\n"
            "      --target TRIPLE   target triple, e.g. aarch64-linux-gnu (default: this\n"
            "                        machine)\n"
            "      --dim NAME=VALUE  fix a dynamic dim of the inputs (a symbol, named as\n"
            "      --dim NAME=MIN:MAX  `--emit=ir` shows, or by the model's dim_param), or\n"
            "                        bound it; repeatable. Unset, a batch (axis 0) is in\n"
            "                        [1, 256], other dims in [1, 4096], each a multiple\n"
            "                        of what the model's strides need\n"
            "      --dim NAME=MIN:MAX:exact  every value in the range: strided extents\n"
            "                        become symbols of their own (floor divisions)\n"
            "      --cpu NAME        target CPU (default: this machine's; generic with\n"
            "                        --target)\n"
            "      --cc PROGRAM      C compiler used to build the runtime and link (default:\n"
            "                        TRIPLE-gcc with --target, else cc); a static library\n"
            "                        also uses the matching ar and objcopy (PREFIX-ar for\n"
            "                        PREFIX-gcc)\n"
            "      --depfile FILE    also write a Makefile-syntax dependency file for the\n"
            "                        output: the model, its external data, the config, the\n"
            "                        runtime sources and ocrslimc\n"
            "      --config FILE     compilation config (YAML, PaddleOCR-shaped): Prune,\n"
            "                        PreProcess (DetResizeForTest) and PostProcess (the\n"
            "                        library's default detect options); flags override it\n"
            "      --prune-ratio R   remove the share R of the channels of every prunable\n"
            "                        channel group (see `ocrslimc info MODEL.onnx`)\n"
            "      --prune-group G=R remove the share R of group G's channels, whatever\n"
            "                        the other flags choose for it (repeatable)\n"
            "      --prune-max-loss L  per-group ratios from a sensitivity analysis on the\n"
            "                        --calib images: the largest with loss <= L\n"
            "      --prune-flops-target F  or the ratios removing the share F of the FLOPs\n"
            "                        (table cached in OUTPUT.sens.yml, curves OUTPUT.sens.svg);\n"
            "                        of an OCR system: the pipeline's, spent over both tables\n"
            "      --calib LABELS    calibration images (PaddleOCR label file): pruning\n"
            "                        needs them to choose channels, recover and check\n"
            "      --calib-root DIR  folder the label file's paths are relative to\n"
            "      --calib-side N    limit_side_len of calibration inputs (960)\n"
            "      --calib-images N  use at most N calibration images\n"
            "      --task KIND       what measurements score: det (hmean of the detector's\n"
            "                        boxes) or rec (line accuracy on the labelled lines'\n"
            "                        crops; needs --dict); default: rec for a model of\n"
            "                        output [N, T, C], else det\n"
            "      --prune-loss-bound L  the pruned model may lose at most L of its metric\n"
            "                        on the calibration images, relative (0.01): the joint\n"
            "                        refinement aims at it, and a model losing more is\n"
            "                        refused; the loss is printed and put in the header\n"
            "                        (an OCR system is also checked whole: end-to-end F)\n"
            "      --force           write a pruned model that loses more than the bound,\n"
            "                        or prune without calibration images (unchecked)\n"
            "      --prune-joint-rounds N  whole-model measurements of the joint\n"
            "                        refinement, at most (4): while the chosen model loses\n"
            "                        more than the bound, the group whose restoring gains\n"
            "                        most is kept whole and the others chosen again\n"
            "      --joint-side N    limit_side_len of those measurements and of the final\n"
            "                        check (960, the library's default)\n"
            "      --jobs N          sensitivity measurements in N processes (1)\n"
            "      --sens-shard K/N  measure only share K of N of the sensitivity table,\n"
            "                        into OUTPUT.sens.shard-K-of-N.yml, and stop; a run\n"
            "                        without it finds all N files and merges them (or\n"
            "                        `ocrslimc sens-merge -o TABLE.yml SHARD...`)\n"
            "      --sens-side N     limit_side_len of the sensitivity runs (480)\n"
            "      --prune-criterion recon (default: the output error removing a channel\n"
            "                        causes on the --calib images), l1_norm or fpgm\n"
            "      --recovery KIND   lsq (default: least-squares refit of every dense\n"
            "                        consumer, bias compensation for ConvTranspose ones),\n"
            "                        bias (bias compensation) or none\n"
            "      --lsq-samples N   input patches per calibration image for lsq (64)\n"
            "      --prune-skip N    leave the groups of the N convs nearest the input (4)\n"
            "      --prune-vector N  kept channel counts are multiples of N (8)\n"
            "      --dead-relu       also remove channels that are zero on every\n"
            "                        calibration image (needs --calib; approximate)\n"
            "      --det MODEL       an OCR system's text detector (DB)\n"
            "      --cls MODEL       its direction classifier (optional)\n"
            "      --rec MODEL       its recognizer (CTC)\n"
            "      --dict FILE       the recognizer's characters, one per line (an OCR\n"
            "                        system's, or a recognizer's pruned with --task rec)\n"
            "      --no-space-char   the recognizer has no space class after them\n"
            "                        (PaddleOCR's use_space_char false)\n"
            "      --cls-shape 3,H,W the classifier's input (3,48,192)\n"
            "      --prune-models M  which of an OCR system's models the pruning options\n"
            "                        prune: det, rec or det,rec (the default); each gets\n"
            "                        its own table (OUTPUT.sens.yml, OUTPUT.rec.sens.yml),\n"
            "                        target and check\n"
            "      --quantize int8   quantize the convs after pruning: weights int8 per\n"
            "                        output channel, activations uint8 per tensor with\n"
            "                        ranges from the --calib images; checked like\n"
            "                        pruning (--quant-loss-bound, --force). Convs of one\n"
            "                        group and depthwise ones compute in integers,\n"
            "                        transposed and other grouped ones in float on the\n"
            "                        int8 grid; --emit onnx writes the QDQ model\n"
            "      --quant-calib M   activation ranges: percentile (the default), minmax\n"
            "                        or entropy (KL divergence)\n"
            "      --quant-percentile P  percentile keeps P%% of the values (99.99)\n"
            "      --quant-fp32 NAME leave conv NAME in float (repeatable)\n"
            "      --quant-loss-bound L  the relative loss of the metric the int8 model\n"
            "                        may have on the calibration samples (0.005); above\n"
            "                        it the most sensitive convs stay in float\n"
            "      --quant-weight-bits B  weights of one-group convs of 7 or 8 bits (default:\n"
            "                        7 on x86 with AVX2 but no VNNI, whose fast int8\n"
            "                        products need it; 8 elsewhere; the other convs'\n"
            "                        always 8); the same bits give the same results on\n"
            "                        every target\n"
            "      --quant-no-equalize  do not rescale the channels of a linear conv's\n"
            "                        output that depthwise convs read (by powers of two,\n"
            "                        exact in float) to even out their ranges before\n"
            "                        per-tensor quantization\n"            "      --dump-after PASS print the IR to stderr after PASS (see below)\n"
            "      --verify-each     run the IR verifier after every pass\n"
            "  -v, --verbose         report each stage and its time\n"
            "  -h, --help            show this help\n"
            "      --version         show the version\n"
            "\n"
            "passes, in order: ");
    ocrs_list_passes(out);
    fprintf(out,
            "\n\n`ocrslimc info MODEL.onnx [NSKIP]` prints the channel groups.\n"
            "`ocrslimc sens-merge -o TABLE.yml SHARD.yml...` merges --sens-shard files.\n"
            "\nexit status: 0 on success, 1 on a model or tool error, 2 on a usage error.\n"
            "Outputs are written to a temporary file and renamed, so a failed run never\n"
            "leaves a partial library behind; an output that would replace an input or\n"
            "another output is a usage error.\n");
}

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* lib<name>.so -> name (malloc'ed; ocrs_check_name judges it). */
static char *name_from_output(const char *out) {
    const char *base = strrchr(out, '/');
    base = base ? base + 1 : out;
    if (strncmp(base, "lib", 3) == 0 && base[3]) base += 3;
    return strndup(base, strcspn(base, "."));
}

/* Writes the IR dump, or the ONNX model, through a temporary file renamed
 * into place. */
static int write_graph(const ir_graph *g, const char *path, bool onnx) {
    if (!onnx && (!path || strcmp(path, "-") == 0)) {
        ir_dump(g, stdout);
        return 0;
    }
    ocrs_diag diag = {0};
    ocrs_status st = OCRS_OK;
    outfile o;
    if (outfile_open(&o, path)) {
        if (onnx) st = ocrs_write_onnx(g, o.f, path, &diag);
        else ir_dump(g, o.f);
        if (outfile_commit(&o, path, !st) && !st) return 0;
    }
    if (st) fprintf(stderr, "ocrslimc: error: %s\n", diag.msg);
    else fprintf(stderr, "ocrslimc: %s: cannot write: %s\n", path, strerror(errno));
    return 1;
}

/* The index of arg among the first n names (fewer when a NULL ends them),
 * or -1 after a message naming the option and the names. */
static int choice_arg(const char *flag, const char *const *names, int n, const char *arg) {
    for (int i = 0; i < n; i++)
        if (!names[i]) n = i;
    for (int i = 0; i < n; i++)
        if (strcmp(arg, names[i]) == 0) return i;
    fprintf(stderr, "ocrslimc: --%s takes ", flag);
    for (int i = 0; i < n; i++) fprintf(stderr, "%s%s", names[i], i + 2 < n ? ", " : i + 1 < n ? " or " : "");
    fprintf(stderr, ", not '%s'\n", arg);
    return -1;
}

/* A numeric option (prune_nums) into its field, or false after a message
 * naming the option and its range. */
static bool number_arg(const prune_num *n, const char *arg, prune_cli *p) {
    if (prune_num_set(n, arg, p)) return true;
    char range[64];
    prune_num_range(n, range, sizeof range);
    fprintf(stderr, "ocrslimc: --%s takes %s, not '%s'\n", n->flag, range, arg);
    return false;
}

/* --prune-group GROUP=RATIO, RATIO in --prune-ratio's range. */
static bool group_arg(const char *arg, prune_cli *p) {
    if (p->ngroup_ratios == OCRS_PRUNE_MAX_NAMES) {
        fprintf(stderr, "ocrslimc: --prune-group: at most %d of them\n", OCRS_PRUNE_MAX_NAMES);
        return false;
    }
    const prune_num *rn = prune_num_find("prune-ratio", NULL);
    const char *eq = strchr(arg, '=');
    char group[32], range[64];
    long gi = -1;
    double r;
    bool ok = eq && eq - arg < (ptrdiff_t)sizeof group;
    if (ok) snprintf(group, sizeof group, "%.*s", (int)(eq - arg), arg);
    if (!ok || !strict_count(group, &gi) || gi < 0 || gi > INT_MAX || !prune_num_parse(rn, eq + 1, &r)) {
        prune_num_range(rn, range, sizeof range);
        fprintf(stderr, "ocrslimc: --prune-group takes GROUP=RATIO, a group number and %s, not '%s'\n", range, arg);
        return false;
    }
    p->group_ratios[p->ngroup_ratios].group = (int)gi;
    p->group_ratios[p->ngroup_ratios++].ratio = r;
    return true;
}

/* Whether no output replaces an input or another output, else false after
 * a message naming both. lib: the library's options when ocrs_codegen
 * writes the output (and a header with it). */
static bool files_distinct(const ir_graph *g, const char *model, const char *config, const prune_cli *p,
                           const quant_cli *q, const char *output, const ocrs_codegen_opts *lib, const char *depfile) {
    enum { NAMED = 7 }; /* model, config, label file, output, header, depfile, int8 sensitivity */
    driver_file *f = malloc(sizeof *f * (NAMED + PRUNE_OUTS + g->ndata_files));
    bool library = lib && (lib->emit == OCRS_EMIT_LIB || lib->emit == OCRS_EMIT_STATICLIB);
    char *header = library ? ocrs_header_path(lib) : NULL;
    char sens[PRUNE_OUTS][4200], int8[4200];
    ocrs_diag diag = {0};
    ocrs_status st = f ? OCRS_OK : ocrs_fail(&diag, OCRS_ERR_NOMEM, "out of memory");
    int n = 0;
    if (f) {
        f[n++] = (driver_file){"the model", model, false};
        for (uint32_t i = 0; i < g->ndata_files; i++)
            f[n++] = (driver_file){"the model's external data", g->data_files[i], false};
        if (config) f[n++] = (driver_file){"the config", config, false};
        if (p->calib) f[n++] = (driver_file){"the calibration label file", p->calib, false};
        if (output) f[n++] = (driver_file){"the output (-o)", output, true};
        if (header) f[n++] = (driver_file){"the header", header, true};
        if (depfile) f[n++] = (driver_file){"the depfile", depfile, true};
        for (int k = 0; k < PRUNE_OUTS; k++) {
            const char *role;
            if (prune_cli_output(p, (prune_out)k, sens[k], sizeof sens[k], &role))
                f[n++] = (driver_file){role, sens[k], true};
        }
        if (quant_cli_output(q, p, int8, sizeof int8)) f[n++] = (driver_file){"the int8 sensitivity table", int8, true};
        st = paths_distinct(f, n, &diag);
    }
    if (st) fprintf(stderr, "ocrslimc: error: %s\n", diag.msg);
    free(f);
    free(header);
    return !st;
}

/* --dim NAME=VALUE or NAME=MIN:MAX into import's settings (the name into
 * names[import->ndims]), or false after a message. */
static bool dim_arg(const char *arg, ocrs_import_opts *import, char (*names)[64]) {
    const char *eq = strchr(arg, '='), *colon = eq ? strchr(eq, ':') : NULL;
    long lo = 0, hi = 0;
    char num[64], max[64];
    bool ok = eq && eq > arg && eq - arg < 64 && import->ndims < 2 * IR_MAX_SYMS;
    /* NAME=MIN:MAX:exact: every value, no alignment (ocrs_dim_setting) */
    size_t n = strlen(arg);
    bool exact = n > 6 && strcmp(arg + n - 6, ":exact") == 0 && colon && colon != arg + n - 6;
    if (ok && colon) {
        snprintf(num, sizeof num, "%.*s", (int)(colon - eq - 1), eq + 1);
        snprintf(max, sizeof max, "%.*s", (int)(strlen(colon + 1) - (exact ? 6 : 0)), colon + 1);
        ok = strict_count(num, &lo) && strict_count(max, &hi);
    } else if (ok) {
        ok = strict_count(eq + 1, &lo);
        hi = lo;
    }
    if (!ok || lo < 1 || hi < lo || hi > IR_MAX_EXTENT) {
        fprintf(stderr, "ocrslimc: --dim takes NAME=VALUE, NAME=MIN:MAX or NAME=MIN:MAX:exact with 1 <= MIN <= MAX "
                        "<= %lld, not '%s'\n",
                (long long)IR_MAX_EXTENT, arg);
        return false;
    }
    char *name = names[import->ndims];
    snprintf(name, 64, "%.*s", (int)(eq - arg), arg);
    ((ocrs_dim_setting *)import->dims)[import->ndims++] =
        (ocrs_dim_setting){.name = name, .min = lo, .max = hi, .exact = exact};
    return true;
}

int main(int argc, char **argv) {
    /* O_NUMBER + i: the numeric option of prune_nums[i]. */
    enum { O_NAME = 256, O_EMIT, O_TARGET, O_CPU, O_CC, O_DEPFILE, O_CONFIG, O_DUMP_AFTER, O_VERIFY_EACH, O_VERSION,
           O_PRUNE_GROUP, O_PRUNE_CRIT, O_CALIB, O_CALIB_ROOT, O_RECOVERY, O_DEAD_RELU, O_DIM, O_DET, O_CLS, O_REC,
           O_DICT, O_NO_SPACE, O_CLS_SHAPE, O_FORCE, O_TASK, O_SENS_SHARD, O_PRUNE_MODELS, O_QUANTIZE, O_QUANT_CALIB,
           O_QUANT_PERCENTILE, O_QUANT_FP32, O_QUANT_WEIGHT_BITS, O_QUANT_NO_EQUALIZE, O_QUANT_LOSS_BOUND, O_NUMBER };
    static const struct option named[] = {
        {"output", required_argument, 0, 'o'},     {"name", required_argument, 0, O_NAME},
        {"emit", required_argument, 0, O_EMIT},    {"target", required_argument, 0, O_TARGET},
        {"cpu", required_argument, 0, O_CPU},      {"cc", required_argument, 0, O_CC},
        {"depfile", required_argument, 0, O_DEPFILE}, {"config", required_argument, 0, O_CONFIG},
        {"dump-after", required_argument, 0, O_DUMP_AFTER},
        {"verify-each", no_argument, 0, O_VERIFY_EACH},
        {"verbose", no_argument, 0, 'v'},          {"help", no_argument, 0, 'h'},
        {"version", no_argument, 0, O_VERSION},
        {"prune-group", required_argument, 0, O_PRUNE_GROUP},
        {"prune-criterion", required_argument, 0, O_PRUNE_CRIT}, {"calib", required_argument, 0, O_CALIB},
        {"calib-root", required_argument, 0, O_CALIB_ROOT}, {"recovery", required_argument, 0, O_RECOVERY},
        {"dead-relu", no_argument, 0, O_DEAD_RELU}, {"dim", required_argument, 0, O_DIM},
        {"det", required_argument, 0, O_DET},      {"cls", required_argument, 0, O_CLS},
        {"rec", required_argument, 0, O_REC},      {"dict", required_argument, 0, O_DICT},
        {"no-space-char", no_argument, 0, O_NO_SPACE}, {"cls-shape", required_argument, 0, O_CLS_SHAPE},
        {"quantize", required_argument, 0, O_QUANTIZE}, {"quant-calib", required_argument, 0, O_QUANT_CALIB},
        {"quant-percentile", required_argument, 0, O_QUANT_PERCENTILE},
        {"quant-fp32", required_argument, 0, O_QUANT_FP32},
        {"quant-weight-bits", required_argument, 0, O_QUANT_WEIGHT_BITS},
        {"quant-no-equalize", no_argument, 0, O_QUANT_NO_EQUALIZE},
        {"quant-loss-bound", required_argument, 0, O_QUANT_LOSS_BOUND},
        {"force", no_argument, 0, O_FORCE},        {"task", required_argument, 0, O_TASK},
        {"sens-shard", required_argument, 0, O_SENS_SHARD},
        {"prune-models", required_argument, 0, O_PRUNE_MODELS},
    };
    enum { NNAMED = sizeof named / sizeof named[0] };
    struct option longopts[NNAMED + PRUNE_NUMS + 1];
    int nopts = NNAMED;
    memcpy(longopts, named, sizeof named);
    for (int i = 0; i < PRUNE_NUMS; i++)
        if (prune_nums[i].flag)
            longopts[nopts++] = (struct option){prune_nums[i].flag, required_argument, 0, O_NUMBER + i};
    longopts[nopts] = (struct option){0, 0, 0, 0};
    const char *output = NULL, *name = NULL, *emit = NULL, *target = NULL, *cpu = NULL, *cc = NULL;
    const char *depfile = NULL, *config = NULL;
    char *derived = NULL; /* the name taken from the output file */
    ocrs_pipeline_opts popts = {.dump_to = stderr};
    int verbose = 0, c;
    if (argc >= 2 && strcmp(argv[1], "info") == 0) return prune_cli_info(argc, argv);
    if (argc >= 2 && strcmp(argv[1], "sens-merge") == 0) return prune_cli_merge(argc, argv);
    bool task_given = false;
    /* The config first, so that the command line overrides it. */
    opterr = 0;
    while ((c = getopt_long(argc, argv, "o:vh", longopts, NULL)) != -1)
        if (c == O_CONFIG) config = optarg;
    opterr = 1;
    optind = 0;
    ocrs_config cfg = {0};
    ocrs_diag cdiag = {0};
    if (config && ocrs_config_load(config, &cfg, &cdiag)) {
        fprintf(stderr, "ocrslimc: error: %s\n", cdiag.msg);
        return 2;
    }
    if (!config) ocrs_config_defaults(&cfg);
    prune_cli prune = cfg.prune;
    quant_cli quant = cfg.quant;
    ocrs_dim_setting dims[2 * IR_MAX_SYMS];
    char dim_names[2 * IR_MAX_SYMS][64];
    ocrs_import_opts import = {dims, 0};
    prune.import = &import;
    char *sens_out = NULL;
    const char *recovery = cfg.recovery;
    while ((c = getopt_long(argc, argv, "o:vh", longopts, NULL)) != -1) {
        switch (c) {
        case 'o': output = optarg; break;
        case O_NAME: name = optarg; break;
        case O_EMIT: emit = optarg; break;
        case O_TARGET: target = optarg; break;
        case O_CPU: cpu = optarg; break;
        case O_CC: cc = optarg; break;
        case O_DEPFILE: depfile = optarg; break;
        case O_CONFIG: config = optarg; break;
        case O_DUMP_AFTER: popts.dump_after = optarg; break;
        case O_VERIFY_EACH: popts.verify_each = true; break;
        case O_PRUNE_GROUP:
            if (!group_arg(optarg, &prune)) goto usage_error;
            break;
        case O_PRUNE_CRIT:
            if ((c = choice_arg("prune-criterion", ocrs_prune_criteria, INT_MAX, optarg)) < 0) goto usage_error;
            prune.criterion = (ocrs_prune_criterion)c;
            break;
        case O_CALIB: prune.calib = optarg; break;
        case O_CALIB_ROOT: prune.calib_root = optarg; break;
        case O_RECOVERY: recovery = optarg; break;
        case O_DEAD_RELU: prune.dead_relu = true; break;
        case O_DIM:
            if (!dim_arg(optarg, &import, dim_names)) goto usage_error;
            break;
        case O_DET: cfg.det_model = optarg; break;
        case O_CLS: cfg.cls_model = optarg; break;
        case O_REC: cfg.rec_model = optarg; break;
        case O_DICT: cfg.dict = optarg; break;
        case O_NO_SPACE: cfg.use_space = 0; break;
        case O_CLS_SHAPE:
            if (sscanf(optarg, "3,%d,%d%n", &cfg.cls_shape[1], &cfg.cls_shape[2], &c) != 2 || optarg[c] ||
                cfg.cls_shape[1] < 1 || cfg.cls_shape[2] < 1 || cfg.cls_shape[1] > 4096 || cfg.cls_shape[2] > 4096) {
                fprintf(stderr, "ocrslimc: --cls-shape takes 3,H,W with H and W in [1, 4096], not '%s'\n", optarg);
                goto usage_error;
            }
            break;
        case O_FORCE: prune.force = true; break;
        case O_QUANTIZE:
            if (strcmp(optarg, "int8") != 0) {
                fprintf(stderr, "ocrslimc: --quantize takes int8, not '%s'\n", optarg);
                goto usage_error;
            }
            quant.on = true;
            break;
        case O_QUANT_CALIB:
            if ((c = choice_arg("quant-calib", ocrs_qcalib_methods, OCRS_QCALIB_COUNT, optarg)) < 0) goto usage_error;
            quant.o.method = (ocrs_qcalib_method)c;
            break;
        case O_QUANT_PERCENTILE: {
            double v;
            if (!strict_real(optarg, &v) || v <= 50 || v > 100) {
                fprintf(stderr, "ocrslimc: --quant-percentile takes a number in (50, 100], not '%s'\n", optarg);
                goto usage_error;
            }
            quant.o.percentile = v;
            break;
        }
        case O_QUANT_LOSS_BOUND: {
            double v;
            if (!strict_real(optarg, &v) || v <= 0 || v >= 1) {
                fprintf(stderr, "ocrslimc: --quant-loss-bound takes a number in (0, 1), not '%s'\n", optarg);
                goto usage_error;
            }
            quant.loss_bound = v;
            break;
        }
        case O_QUANT_WEIGHT_BITS:
            if (strcmp(optarg, "7") != 0 && strcmp(optarg, "8") != 0) {
                fprintf(stderr, "ocrslimc: --quant-weight-bits takes 7 or 8, not '%s'\n", optarg);
                goto usage_error;
            }
            quant.o.weight_max = optarg[0] == '7' ? 63 : 127;
            break;
        case O_QUANT_NO_EQUALIZE:
            quant.no_equalize = true;
            break;
        case O_QUANT_FP32:
            if (quant.nkeep == OCRS_PRUNE_MAX_NAMES) {
                fprintf(stderr, "ocrslimc: --quant-fp32: at most %d of them\n", OCRS_PRUNE_MAX_NAMES);
                goto usage_error;
            }
            quant.keep[quant.nkeep++] = optarg;
            break;
        case O_TASK: /* det or rec; an OCR system is built by --det ... --rec */
            if ((c = choice_arg("task", task_names, OCRS_TASK_SYSTEM, optarg)) < 0) goto usage_error;
            prune.task = (ocrs_task_kind)c;
            task_given = true;
            break;
        case O_PRUNE_MODELS:
            prune.models = !strcmp(optarg, "det") ? 1u << OCRS_TASK_DET
                           : !strcmp(optarg, "rec") ? 1u << OCRS_TASK_REC
                           : !strcmp(optarg, "det,rec") || !strcmp(optarg, "rec,det")
                               ? 1u << OCRS_TASK_DET | 1u << OCRS_TASK_REC
                               : 0;
            if (!prune.models) {
                fprintf(stderr, "ocrslimc: --prune-models takes det, rec or det,rec, not '%s'\n", optarg);
                goto usage_error;
            }
            break;
        case O_SENS_SHARD: {
            int k = 0, n = 0, end = 0;
            if (sscanf(optarg, "%d/%d%n", &k, &n, &end) != 2 || optarg[end] || n < 1 || n > 4096 || k < 1 || k > n) {
                fprintf(stderr, "ocrslimc: --sens-shard takes K/N with 1 <= K <= N <= 4096, not '%s'\n", optarg);
                goto usage_error;
            }
            prune.shard = k, prune.nshards = n;
            break;
        }
        case 'v': verbose++; break;
        case 'h': usage(stdout); ocrs_config_free(&cfg); return 0;
        case O_VERSION: printf("ocrslimc 0.1.0 (LLVM 19)\n"); ocrs_config_free(&cfg); return 0;
        default:
            if (c >= O_NUMBER && c < O_NUMBER + PRUNE_NUMS) {
                if (!number_arg(&prune_nums[c - O_NUMBER], optarg, &prune)) goto usage_error;
                break;
            }
            usage(stderr);
            goto usage_error;
        }
    }
    if (recovery && strcmp(recovery, "none") && strcmp(recovery, "bias") && strcmp(recovery, "lsq")) {
        fprintf(stderr, "ocrslimc: --recovery takes none, bias or lsq, not '%s'\n", recovery);
        goto usage_error;
    }
    if (prune.nshards && !(prune.max_loss > 0 || prune.flops_target > 0)) {
        fprintf(stderr, "ocrslimc: --sens-shard measures a share of the sensitivity table: it needs "
                        "--prune-max-loss or --prune-flops-target\n");
        goto usage_error;
    }
    if (prune.dead_relu && !prune.calib) {
        fprintf(stderr, "ocrslimc: --dead-relu needs calibration images (--calib LABELS)\n");
        goto usage_error;
    }
    /* lsq (the default) refits dense consumers only; the others (ConvTranspose) keep bias compensation. */
    prune.bias_compensation = prune.calib && (!recovery || strcmp(recovery, "none") != 0);
    prune.least_squares = prune.calib && (!recovery || strcmp(recovery, "lsq") == 0);
    prune.dict = cfg.dict;
    prune.use_space = cfg.use_space != 0;
    bool system = cfg.det_model || cfg.cls_model || cfg.rec_model;
    if (system ? optind != argc : optind != argc - 1) {
        fprintf(stderr, system ? "ocrslimc: an OCR system takes its models from --det, --cls and --rec, not '%s'\n"
                               : "ocrslimc: expected exactly one model file (try --help)\n",
                optind < argc ? argv[optind] : "");
        goto usage_error;
    }
    const char *model = system ? cfg.det_model : argv[optind];
    prune.model = model;
    if (output && (sens_out = malloc(strlen(output) + 8))) {
        sprintf(sens_out, "%s.sens", output);
        prune.sens_out = sens_out;
    }
    if (!emit) { /* from the output's name: lib<name>.a is a static library */
        size_t n = output ? strlen(output) : 0;
        emit = n > 2 && strcmp(output + n - 2, ".a") == 0 ? "staticlib" : "lib";
    }
    static const struct { const char *s; ocrs_emit_kind k; } kinds[] = {
        {"lib", OCRS_EMIT_LIB}, {"staticlib", OCRS_EMIT_STATICLIB}, {"llvm", OCRS_EMIT_LLVM},
        {"asm", OCRS_EMIT_ASM}, {"obj", OCRS_EMIT_OBJ}};
    int kind = -1;
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (strcmp(emit, kinds[i].s) == 0) kind = (int)kinds[i].k;
    bool emit_ir = strcmp(emit, "ir") == 0, emit_onnx = strcmp(emit, "onnx") == 0;
    if (kind < 0 && !emit_ir && !emit_onnx) {
        fprintf(stderr, "ocrslimc: --emit takes lib, staticlib, ir, onnx, llvm, asm or obj, not '%s'\n", emit);
        goto usage_error;
    }
    if (!output && (!emit_ir || depfile)) {
        fprintf(stderr, "ocrslimc: no output file (-o); try --help\n");
        goto usage_error;
    }
    /* Writing to "" would fail only after all the work. */
    if ((output && !output[0]) || (depfile && !depfile[0])) {
        fprintf(stderr, "ocrslimc: %s takes a file name, not ''\n", output && !output[0] ? "-o" : "--depfile");
        goto usage_error;
    }
    if (popts.dump_after && !ocrs_is_pass_name(popts.dump_after)) {
        fprintf(stderr, "ocrslimc: --dump-after: unknown pass '%s'; passes are: ", popts.dump_after);
        ocrs_list_passes(stderr);
        fputc('\n', stderr);
        goto usage_error;
    }
    if (kind >= 0) {
        ocrs_diag why;
        if (!name && !(name = derived = name_from_output(output))) {
            fprintf(stderr, "ocrslimc: out of memory\n");
            goto usage_error;
        }
        if (ocrs_check_name(name, &why)) {
            if (derived) fprintf(stderr, "ocrslimc: -o %s: %s; give --name\n", output, why.msg);
            else fprintf(stderr, "ocrslimc: --name %s\n", why.msg);
            goto usage_error;
        }
    }
    ocrs_codegen_opts co = {.emit = (ocrs_emit_kind)kind, .name = name, .output = output, .triple = target,
                            .cpu = cpu, .cc = cc, .runtime_defines = (const char *const *)cfg.defines,
                            .verbose = verbose};
    ocrs_diag diag = {0};
    if (kind >= 0 && ocrs_check_target(&co, &diag)) {
        fprintf(stderr, "ocrslimc: error: %s\n", diag.msg);
        goto usage_error;
    }
    popts.verbose = verbose;
    /* For every --emit: the QDQ model and the IR are the library's model. */
    if (!quant.o.weight_max) quant.o.weight_max = ocrs_int8_weight_max(&co);
    if (system) {
        system_cli sc = {.det = cfg.det_model, .cls = cfg.cls_model, .rec = cfg.rec_model, .dict = cfg.dict,
                         .use_space = cfg.use_space != 0, .cls_h = cfg.cls_shape[1], .cls_w = cfg.cls_shape[2],
                         .config = config, .depfile = depfile, .lib = co, .prune = &prune, .quant = &quant,
                         .passes = &popts};
        int rc = emit_ir || emit_onnx ? -1 : system_cli_run(&sc);
        if (rc < 0) fprintf(stderr, "ocrslimc: an OCR system is built as a library, not --emit ir or onnx\n");
        ocrs_config_free(&cfg);
        free(sens_out);
        free(derived);
        return rc < 0 ? 2 : rc;
    }

    double t0 = now_ms();
    ir_graph *g = NULL;
    ocrs_status st = ocrs_import_onnx(model, &import, &g, &diag);
    const char *written = emit_ir && (!output || strcmp(output, "-") == 0) ? NULL : output; /* NULL: stdout */
    /* After the import, which names the external data files. */
    if (!st && !files_distinct(g, model, config, &prune, &quant, written, kind >= 0 ? &co : NULL, depfile)) {
        ir_graph_free(g);
        goto usage_error;
    }
    if (!st && verbose) fprintf(stderr, "ocrslimc: imported %s: %u nodes (%.0f ms)\n", model, g->nnodes, now_ms() - t0);
    double t1 = now_ms();
    if (!st) st = ocrs_canonicalize(g, &popts, &diag);
    if (!st && !task_given) prune.task = task_guess(g);
    prune_result pruned = {0};
    if (!st) st = prune_cli_run(g, &prune, verbose, &pruned, &diag);
    quant_result quantized = {0};
    if (!st && !pruned.shard_only) st = quant_cli_run(g, &quant, &prune, verbose, &quantized, &diag);
    char note[1536];
    if (!st && compression_note(&pruned, &quantized, note, sizeof note)) co.note = note;
    if (!st) st = ir_verify(g, &diag);
    if (!st && verbose) fprintf(stderr, "ocrslimc: canonical passes: %u nodes (%.0f ms)\n", g->nnodes, now_ms() - t1);
    int rc = 0;
    if (st) {
        fprintf(stderr, "ocrslimc: error: %s\n", diag.msg);
        rc = 1;
    } else if (pruned.shard_only) {
        fprintf(stderr, "ocrslimc: shard %d of %d measured; no %s written (merge the shards with `ocrslimc "
                        "sens-merge`, or run again without --sens-shard once all are here)\n",
                prune.shard, prune.nshards, output ? output : "output");
    } else if (emit_ir || emit_onnx) {
        rc = write_graph(g, output, emit_onnx);
    } else {
        double t2 = now_ms();
        st = ocrs_codegen(g, &co, &diag);
        if (st) {
            fprintf(stderr, "ocrslimc: error: %s\n", diag.msg);
            rc = 1;
        } else if (verbose) {
            fprintf(stderr, "ocrslimc: code generation (%.0f ms); total %.0f ms\n", now_ms() - t2, now_ms() - t0);
        }
    }
    const ir_graph *graphs[1] = {g};
    if (rc == 0 && depfile && !pruned.shard_only && (st = ocrs_write_depfile(depfile, output, graphs, 1, &config, 1, &diag))) {
        fprintf(stderr, "ocrslimc: error: %s\n", diag.msg);
        rc = 1;
    }
    ir_graph_free(g);
    free(derived);
    ocrs_config_free(&cfg);
    free(sens_out);
    return rc;
usage_error:
    ocrs_config_free(&cfg);
    free(sens_out);
    free(derived);
    return 2;
}
