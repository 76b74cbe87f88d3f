#!/bin/sh
# --name (or the name taken from -o) must not make a library that defines
# the C library's symbols or a header that shadows a system header; the
# list of symbols the check uses is every symbol a built library defines.
#
#   names.sh OCRSLIMC MKMODEL PRINT_TABLE WORKDIR
set -eu
ocrslimc=$1 mkmodel=$2 print_table=$3 work=$4
rm -rf "$work"
mkdir -p "$work"
cd "$work"
fail() { echo "FAIL: $*"; exit 1; }
"$mkmodel" conv_bn_relu m.onnx

# refused NAME 'expected message' [ocrslimc arguments instead of --name NAME]
refused() {
  name=$1 expect=$2
  shift 2
  [ $# -gt 0 ] || set -- --name "$name"
  status=0
  "$ocrslimc" m.onnx -o out/libout.so "$@" 2>err.txt || status=$?
  cat err.txt
  [ $status -eq 2 ] || fail "$name: status $status, expected 2"
  grep -qF -- "$expect" err.txt || fail "$name: expected '$expect'"
  [ -z "$(ls out)" ] || fail "$name: wrote $(ls out)"
}
mkdir out
refused pthread_mutex \
  "'pthread_mutex' cannot name a library: its library would define pthread_mutex_destroy, which libc.so.6 already defines"
refused pthread "would define pthread_create, which libc.so.6"
refused sem "would define sem_destroy, which libc.so.6"
refused timer "would define timer_create, which libc.so.6"
refused pthread "-o out/libpthread.so: 'pthread' cannot name a library" -o out/libpthread.so
refused _Model "identifiers beginning with an underscore are reserved"
refused __model "identifiers beginning with an underscore are reserved"
for h in errno time stdio signal stdbool regex unistd; do
  refused $h "its header $h.h would shadow the standard header <$h.h>"
done
# libpng's and libyaml's headers: ocrslim itself builds with them.
for b in png yaml; do
  [ ! -f /usr/include/$b.h ] || refused $b "its header $b.h would shadow the system header /usr/include/$b.h"
done
refused 9lives "'9lives' cannot name a library: it is not a C identifier"
refused a-b "it is not a C identifier"
refused "" "it is not a C identifier"

# An accepted name; the check's list is exactly the symbols the library
# defines with its prefix (exported, hidden and internal).
"$ocrslimc" m.onnx -o libzq.so
# (GCC's local clones, zq__create_in.part.0 say, are their function's.)
nm libzq.so | sed -n 's/^[0-9a-f]* [A-Za-z] zq\(_[^.]*\).*$/\1/p' | sort -u >built.txt
"$print_table" symbols | sort >listed.txt
diff listed.txt built.txt || fail "codegen's symbol list differs from the library's symbols (< list, > library)"
echo "names ok"
