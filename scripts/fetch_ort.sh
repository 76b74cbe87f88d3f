#!/usr/bin/env bash
# Installs ONNX Runtime for Node (onnxruntime-node@1.30.0, the peer the
# tests compare against; never a dependency of ocrslim or of a generated
# library) into the cache folder and prints its node_modules folder, which
# scripts/goldenlib.mjs finds through $ORT_NODE_DIR. --ignore-scripts: the
# package's install script downloads from a host that is not reachable, and
# the npm tarball already holds the Linux x64 binaries. OCRS_CACHE overrides
# the cache folder.
set -euo pipefail
cache=${OCRS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ocrslim}
dir="$cache/ort-1.30.0"
if [ ! -f "$dir/node_modules/onnxruntime-node/package.json" ]; then
  mkdir -p "$dir"
  echo "fetch_ort: installing onnxruntime-node@1.30.0" >&2
  (cd "$dir" && npm install --silent --no-save --ignore-scripts --no-audit --no-fund onnxruntime-node@1.30.0 >&2)
fi
node -e "require('$dir/node_modules/onnxruntime-node')" >&2
echo "$dir/node_modules"
