#!/usr/bin/env bash
# The main job: bootstrap and build, then compile a model and run it.
# Usage: scripts/run.sh [model]
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${TESSERA_BUILD_DIR:-$ROOT/build}

"$ROOT/scripts/bootstrap.sh"

# The compiler (tessera-compile) and the runtime (tessera-run) are not built yet.
# What exists is the dialect and tessera-opt: show them on a transformer block.
example="$ROOT/docs/examples/gpt2-block.mlir"
echo
echo "tessera: build done. tessera-opt on $example (shape inference + canonicalization):"
"$BUILD/bin/tessera-opt" "$example" --tessera-infer-shapes --canonicalize

echo
if [ $# -gt 0 ]; then
  echo "tessera: cannot compile '$1' yet: the ONNX frontend, the CPU backend and" >&2
  echo "tessera-compile/tessera-run are not built yet (see README, 'What works today')." >&2
  exit 2
fi
echo "tessera: not there yet: importing a model (ONNX frontend), compiling it"
echo "(tessera-compile) and running it (tessera-run). See README, 'What works today'."
