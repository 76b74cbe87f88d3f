#!/bin/sh
# ocrslimc --depfile: one Makefile rule naming the output and, as absolute
# paths, the model, its external data, the config, the runtime sources and
# ocrslimc; an unreadable --config is a usage error.
#
#   depfile.sh OCRSLIMC MKMODEL WORKDIR
set -eu
ocrslimc=$1 mkmodel=$2 work=$3
rm -rf "$work"
mkdir -p "$work/model dir"
cd "$work"
"$mkmodel" external_ok "model dir/ext.onnx"
echo "# no settings yet" >cfg.yaml
"$ocrslimc" "model dir/ext.onnx" -o libext.so --config cfg.yaml --depfile ext.d
cat ext.d
expect() {
  grep -qxF -- "$1" ext.d || { echo "ext.d lacks the line: $1"; exit 1; }
}
expect 'libext.so: \'
expect "  $work/model\\ dir/ext.onnx \\"
expect "  $work/model\\ dir/ext.bin \\"
expect "  $work/cfg.yaml \\"
grep -qE '^  /.*/api\.c \\$' ext.d || { echo "ext.d lacks the runtime's api.c"; exit 1; }
expect "  $(readlink -f "$ocrslimc")"
status=0
"$ocrslimc" "model dir/ext.onnx" -o libext2.so --config missing.yaml 2>err.txt || status=$?
[ $status -eq 2 ] && grep -q "missing.yaml: cannot read the config" err.txt || { echo "missing --config: status $status"; exit 1; }
echo "depfile ok"
