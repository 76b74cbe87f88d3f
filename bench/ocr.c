/* Our side of bench/ocr.sh: an OCR system library over the images of a
 * label file, each read ROUNDS times in a row, writing one JSON object per
 * image per round with the milliseconds of every stage (<name>_get_times),
 * as scripts/ref/ref_ocr.py --time writes them (the bench drops round 0,
 * the warm-up, of both).
 *
 *   ocrs_bench_ocr LIB.so LABEL.txt ROOT THREADS ROUNDS OUT.jsonl */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image.h"
#include "ocrlib.h"

int main(int argc, char **argv) {
    if (argc != 7) {
        fprintf(stderr, "usage: ocrs_bench_ocr LIB.so LABEL.txt ROOT THREADS ROUNDS OUT.jsonl\n");
        return 2;
    }
    char err[512];
    ocrlib o;
    if (ocrlib_open(&o, argv[1], NULL, atoi(argv[4]), err, sizeof err)) {
        fprintf(stderr, "ocrs_bench_ocr: %s\n", err);
        return 1;
    }
    FILE *labels = fopen(argv[2], "r"), *out = fopen(argv[6], "w");
    if (!labels || !out) {
        fprintf(stderr, "ocrs_bench_ocr: cannot open %s\n", labels ? argv[6] : argv[2]);
        return 1;
    }
    int rounds = atoi(argv[5]);
    char line[1 << 16];
    while (fgets(line, sizeof line, labels)) {
        char *tab = strchr(line, '\t'), path[1 << 17];
        if (!tab) continue;
        *tab = 0;
        snprintf(path, sizeof path, "%s/%s", argv[3], line);
        image img;
        if (image_load(path, &image_default_limits, &img, err, sizeof err)) {
            fprintf(stderr, "ocrs_bench_ocr: %s\n", err);
            return 1;
        }
        for (int r = 0; r < rounds; r++) {
            ocr_times_t t;
            if (ocrlib_run(&o, &img, err, sizeof err) || o.times(o.ctx, &t)) {
                fprintf(stderr, "ocrs_bench_ocr: %s: %s\n", path, err);
                return 1;
            }
            fprintf(out,
                    "{\"image\": \"%s\", \"round\": %d, \"det_pre\": %.3f, \"det_model\": %.3f, \"det_post\": %.3f, "
                    "\"crop\": %.3f, \"cls_pre\": %.3f, \"cls_model\": %.3f, \"cls_post\": %.3f, \"rec_pre\": %.3f, "
                    "\"rec_model\": %.3f, \"rec_post\": %.3f, \"total\": %.3f}\n",
                    line, r, t.det_pre, t.det_model, t.det_post, t.crop, t.cls_pre, t.cls_model, t.cls_post, t.rec_pre,
                    t.rec_model, t.rec_post, t.total);
        }
        image_free(&img);
    }
    fclose(labels);
    fclose(out);
    ocrlib_close(&o);
    return 0;
}
