/* Prints the default detect options of a library made by ocrslimc, one
 * key=value per line, for config.sh.
 *
 *   print_options LIB.so */
#include <stdio.h>

#include "detlib.h"

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: print_options LIB.so\n");
        return 2;
    }
    detlib d;
    char err[512];
    det_options_t o;
    if (detlib_open(&d, argv[1], NULL, 1, err, sizeof err)) {
        fprintf(stderr, "print_options: %s\n", err);
        return 1;
    }
    int rc = d.get_options(d.ctx, &o);
    if (rc == 0)
        printf("thresh=%g\nbox_thresh=%g\nunclip_ratio=%g\nlimit_side_len=%d\nlimit_type=%d\nmax_candidates=%d\n",
               o.thresh, o.box_thresh, o.unclip_ratio, o.limit_side_len, o.limit_type, o.max_candidates);
    detlib_close(&d);
    return rc != 0;
}
