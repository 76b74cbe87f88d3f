/* fuzz_config: bytes -> a YAML file -> ocrs_config_load (driver/config.c).
 *
 * Any error is a fine answer. Beyond crashes, sanitizer reports and leaks,
 * a loaded config must hold detect options the runtime accepts
 * (ocrs_det_opts_check): they are compiled into the library as its
 * defaults. */
#include <string.h>

#include "config.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    /* The file sits in the scratch folder, so relative paths in it resolve there. */
    const char *path = fuzz_path("config.yml");
    fuzz_write(path, data, size);
    ocrs_config c;
    ocrs_diag diag = {0};
    if (ocrs_config_load(path, &c, &diag)) return 0;
    const char *bad = ocrs_det_opts_check(&c.det);
    if (bad) fuzz_fail("a loaded config holds an out-of-range detect option", bad);
    if (c.ndefines > OCRS_CONFIG_MAX_DEFINES || c.defines[c.ndefines])
        fuzz_fail("a loaded config has a bad list of definitions", "ndefines");
    ocrs_config_free(&c);
    return 0;
}
