/* ocrslimc's OCR-system mode: --det, --cls, --rec and --dict (or a config's
 * Global/Det/Cls/Rec sections) compile the three models, each through the
 * canonical passes, into one library with the dictionary embedded (codegen:
 * ocrs_link_system). Pruning, when asked, applies to the detector (scored
 * by hmean) and to the recognizer (scored by line accuracy on the labelled
 * lines' crops), each with its own sensitivity table (OUTPUT.sens.yml,
 * OUTPUT.rec.sens.yml), target and final check; then --quantize int8 to
 * the same models, each checked on its metric. The whole system is
 * measured end to end before and after either. */
#ifndef OCRS_DRIVER_SYSTEM_CLI_H
#define OCRS_DRIVER_SYSTEM_CLI_H

#include "codegen.h"
#include "pipeline.h"
#include "prune_cli.h"
#include "quant_cli.h"

typedef struct {
    const char *det, *cls, *rec, *dict; /* cls may be NULL */
    bool use_space;
    int cls_h, cls_w;                   /* the classifier's input, fixed */
    const char *config;                 /* for messages and paths_distinct */
    const char *depfile;                /* also written when not NULL */
    ocrs_codegen_opts lib;              /* name, output, header, target, cc, defines, verbose */
    const prune_cli *prune;             /* applied to the detector and the recognizer */
    const quant_cli *quant;             /* the same (--prune-models says which), after pruning */
    const ocrs_pipeline_opts *passes;
} system_cli;

/* Compiles the system; the exit status (0, 1 on a model or tool error, 2
 * on a usage error), after a message on stderr. */
int system_cli_run(system_cli *s);

#endif
