#!/bin/sh
# Installs ocrslim from the build tree into a fresh prefix, then configures,
# builds and runs examples/cmake-consumer against that prefix only, and
# checks the rebuild rules: nothing to do when nothing changed, the models
# recompiled when the model, an installed runtime source or ocrslimc changes.
#
#   consumer.sh BUILD_DIR CONSUMER_SOURCE MODEL WORKDIR
set -eu
build=$1 src=$2 model=$3 work=$4
rm -rf "$work"
mkdir -p "$work"
prefix=$work/prefix
cmake --install "$build" --prefix "$prefix" >/dev/null
cmake -S "$src" -B "$work/build" -DCMAKE_PREFIX_PATH="$prefix" -DMODEL="$model" >/dev/null
pkgdir=$(sed -n 's/^OcrSlim_DIR:PATH=//p' "$work/build/CMakeCache.txt")
case $pkgdir in
  "$prefix"/*) echo "OcrSlim package: $pkgdir" ;;
  *) echo "OcrSlim found outside the install prefix: '$pkgdir'"; exit 1 ;;
esac
rebuild() { cmake --build "$work/build" -j2 >"$work/build.log" 2>&1 || { cat "$work/build.log"; exit 1; }; }
compiled() { grep -c 'ocrslimc: compiling model' "$work/build.log" || true; }
rebuild
[ "$(compiled)" -eq 2 ] || { echo "first build compiled $(compiled) models, not 2"; exit 1; }
# The depfile names the installed runtime, not the source tree's.
grep -qF "$prefix/share/ocrslim/runtime/core/api.c" "$work/build/ocrslim/det/det.d"
[ -f "$work/build/ocrslim/det/libdet.so" ] && [ -f "$work/build/ocrslim/det_static/libdet_static.a" ]
[ -f "$work/build/ocrslim/det/det.pc" ] && [ -f "$work/build/ocrslim/det_static/det_static.pc" ]
"$work/build/two_models"

rebuild
[ "$(compiled)" -eq 0 ] || { echo "a build with nothing changed recompiled models"; exit 1; }
touch "$model"
rebuild
[ "$(compiled)" -eq 2 ] || { echo "touching the model recompiled $(compiled) models, not 2"; exit 1; }
touch "$prefix/share/ocrslim/runtime/core/api.c"
rebuild
[ "$(compiled)" -eq 2 ] || { echo "touching the runtime recompiled $(compiled) models, not 2"; exit 1; }
touch "$prefix/bin/ocrslimc"
rebuild
[ "$(compiled)" -eq 2 ] || { echo "touching ocrslimc recompiled $(compiled) models, not 2"; exit 1; }
"$work/build/two_models"
echo "consumer built and run from $prefix"
