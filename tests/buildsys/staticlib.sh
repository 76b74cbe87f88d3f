#!/bin/sh
# Static libraries: lib<name>.a exports exactly the API symbols (all
# else local, so two archives cannot clash), and two archives of one model
# under two names link into one program that runs both.
#
#   staticlib.sh OCRSLIMC MODEL WORKDIR
set -eu
ocrslimc=$1 model=$2 work=$3
rm -rf "$work"
mkdir -p "$work"
for name in one two; do
  "$ocrslimc" "$model" -o "$work/lib$name.a"
  nm -g --defined-only "$work/lib$name.a" | awk 'NF == 3 { print $3 }' | sort >"$work/$name.syms"
  printf '%s\n' create describe destroy detect detect_times forward get_detect_options run set_detect_options shapes strerror workspace_size | sed "s/^/${name}_/" >"$work/$name.want"
  diff -u "$work/$name.want" "$work/$name.syms" || { echo "lib$name.a: unexpected global symbols"; exit 1; }
done
cat >"$work/main.c" <<'C'
#include <stdio.h>
#include "one.h"
#include "two.h"
int main(void) {
    static float in[ONE_INPUT_NUMEL(64, 64)], a[ONE_OUTPUT_NUMEL(64, 64)], b[TWO_OUTPUT_NUMEL(64, 64)];
    for (size_t i = 0; i < sizeof in / sizeof in[0]; i++) in[i] = (float)(i % 7) - 3.0f;
    one_ctx *x;
    two_ctx *y;
    if (one_create(&x, 1) || two_create(&y, 1) || one_forward(x, in, 64, 64, a) || two_forward(y, in, 64, 64, b))
        return 1;
    for (size_t i = 0; i < sizeof a / sizeof a[0]; i++)
        if (a[i] != b[i]) return 1;
    one_destroy(x);
    two_destroy(y);
    puts("two static models in one program: same output");
    return 0;
}
C
cc -std=c11 -I"$work" "$work/main.c" "$work/libone.a" "$work/libtwo.a" -lm -o "$work/two_static"
"$work/two_static"
