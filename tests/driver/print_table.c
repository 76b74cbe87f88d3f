/* Prints one of the tables the driver tests check, one row a line:
 *   print_table symbols   codegen's symbol suffixes of a library
 *   print_table system_symbols   those of an OCR system library's own code
 *   print_table numbers   the numeric settings: flag key count lo hi lo_open hi_open
 *                         ("-" for a missing flag or key) */
#include <stdio.h>
#include <string.h>

#include "codegen.h"
#include "prune_opts.h"

int main(int argc, char **argv) {
    if (argc == 2 && strcmp(argv[1], "symbols") == 0) {
        for (int i = 0; ocrs_symbol_suffixes[i]; i++) puts(ocrs_symbol_suffixes[i]);
        return 0;
    }
    if (argc == 2 && strcmp(argv[1], "system_symbols") == 0) {
        for (int i = 0; ocrs_system_symbol_suffixes[i]; i++) puts(ocrs_system_symbol_suffixes[i]);
        return 0;
    }
    if (argc == 2 && strcmp(argv[1], "numbers") == 0) {
        for (int i = 0; i < PRUNE_NUMS; i++) {
            const prune_num *n = &prune_nums[i];
            printf("%s %s %d %.10g %.10g %d %d\n", n->flag ? n->flag : "-", n->key ? n->key : "-", n->count, n->lo,
                   n->hi, n->lo_open, n->hi_open);
        }
        return 0;
    }
    fprintf(stderr, "usage: print_table symbols|system_symbols|numbers\n");
    return 2;
}
