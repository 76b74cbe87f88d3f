/* ocrslimc --config: the compilation config, a YAML file shaped like
 * PaddleOCR's configs, read with libyaml.
 *
 *   Prune:                      # channel pruning (driver/prune_cli.c)
 *     criterion: recon          # the default (needs calib), or l1_norm, fpgm
 *     ratio: 0.2                # uniform ratio of every prunable group
 *     ratios: [0.1, 0.3, 0.5]   # sensitivity analysis ratios
 *     max_loss: 0.01            # or flops_target: 0.3 (share of FLOPs removed)
 *     jobs: 2                   # sensitivity worker processes
 *     sens_side: 480            # limit_side_len of the sensitivity runs
 *     loss_bound: 0.01          # the whole pruned model may lose this (relative); refused above
 *     joint_rounds: 4           # whole-model measurements of that refinement, at most
 *     joint_side: 960           # limit_side_len of its runs
 *     skip_nearest: 4           # groups of the convs nearest the input left alone
 *     skip: [conv_name, value]  # more groups left alone, by layer or value name
 *     recovery: lsq             # the default, or none, bias
 *     vector: 8
 *     calib: {label_file: train.txt, root: imgs, side: 960, images: 30}
 *   Quant:                      # int8 quantization after pruning (driver/quant_cli.c);
 *     type: int8                # its calibration, bound and jobs are Prune's
 *     calib: percentile         # the default, or entropy, minmax
 *     percentile: 99.99
 *     weight_bits: 7            # one-group convs' (the others' 8): 7 by default on x86 AVX2 without VNNI, else 8
 *     fp32: [conv_name]         # convs left in float
 *   PreProcess:
 *     - DetResizeForTest: {limit_side_len: 960, limit_type: max}
 *   PostProcess:
 *     name: DBPostProcess
 *     thresh: 0.3
 *     box_thresh: 0.6
 *     max_candidates: 1000
 *     unclip_ratio: 1.5
 *
 * An OCR system (detector, classifier, recognizer in one library) is
 * described by these sections instead of a model on the command line, the
 * Prune/PreProcess/PostProcess sections going under Det:
 *
 *   Global:
 *     character_dict_path: ppocr_keys_v1.txt
 *     use_space_char: true      # the default
 *   Det:
 *     model: ch_PP-OCRv4_det_infer.onnx
 *     PostProcess: {box_thresh: 0.6}
 *   Cls:                        # optional
 *     model: ch_ppocr_mobile_v2.0_cls_infer.onnx
 *     cls_image_shape: [3, 48, 192]
 *   Rec:
 *     model: ch_PP-OCRv4_rec_infer.onnx
 *
 * PreProcess and PostProcess set the generated library's default detect
 * options (runtime/det/db_pre.c). Paths are relative to the config's folder.
 * Numbers take the ranges of the matching options (prune_nums). Unknown
 * keys, duplicate keys, wrong types, out-of-range values and a second YAML
 * document are errors naming the file and line (and column). */
#ifndef OCRS_DRIVER_CONFIG_H
#define OCRS_DRIVER_CONFIG_H

#include "ocrs_detect.h"
#include "prune_opts.h"
#include "quant_cli.h"

enum { OCRS_CONFIG_MAX_DEFINES = 8 };

typedef struct {
    prune_cli prune;           /* the defaults, then what Prune sets */
    quant_cli quant;           /* quant_cli_init, then what Quant sets */
    const char *recovery;      /* Prune.recovery or NULL */
    ocrs_det_opts det;         /* detect defaults with PreProcess and PostProcess applied */
    int ndefines;              /* -D definitions compiling them into the runtime */
    char *defines[OCRS_CONFIG_MAX_DEFINES + 1]; /* NULL-terminated */
    /* The OCR system's models and dictionary (NULL unless set), whether the
     * recognizer has a space class (-1: not said), the classifier's input. */
    const char *det_model, *cls_model, *rec_model, *dict;
    int use_space;
    int cls_shape[3];
    int nowned;
    char *owned[2 * OCRS_PRUNE_MAX_NAMES + 8]; /* the strings the fields above point to */
} ocrs_config;

/* The defaults: prune_cli_defaults, ocrs_det_opts_default, PaddleOCR's
 * cls_image_shape 3,48,192, nothing else set. */
void ocrs_config_defaults(ocrs_config *c);
/* Reads path into *c (the defaults first). */
ocrs_status ocrs_config_load(const char *path, ocrs_config *c, ocrs_diag *diag);
void ocrs_config_free(ocrs_config *c);

#endif
