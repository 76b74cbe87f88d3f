/* Prints codegen's list of the symbol suffixes of a library, one a line,
 * for names.sh to compare with a built library. */
#include <stdio.h>

#include "codegen.h"

int main(void) {
    for (int i = 0; ocrs_symbol_suffixes[i]; i++) puts(ocrs_symbol_suffixes[i]);
    return 0;
}
