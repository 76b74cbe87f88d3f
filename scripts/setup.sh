#!/usr/bin/env bash
# Installs what ocrslim needs on Debian 12 (run as root or with sudo available)
# and fetches the real model into the cache. Safe to run again.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

pkgs=(gcc make cmake pkg-config ca-certificates
      llvm-19-dev libprotobuf-c-dev protobuf-c-compiler libonnx-dev
      libonnx-testdata  # ONNX's node tests, run by ctest -L conformance
      libyaml-dev libpng-dev libjpeg-dev
      gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user  # aarch64 cross-compilation test
      clang-19 libclang-rt-19-dev                             # libFuzzer: fuzz smoke tests
      parallel)                                               # sharded sensitivity tables
# npm fetches the model; a machine that already has Node.js keeps its own.
command -v npm >/dev/null 2>&1 || pkgs+=(nodejs npm)

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  echo "setup: installing ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

"$here/fetch_model.sh" >/dev/null
