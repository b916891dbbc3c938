#!/usr/bin/env bash
# The main job: bootstrap and build, then compile a model and run it.
# Usage: scripts/run.sh [model.onnx]
# Without a model it uses the repo's own GPT-2-style export
# (scripts/models/export_models.py: seeded weights, nothing downloaded).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${TESSERA_BUILD_DIR:-$ROOT/build}

"$ROOT/scripts/bootstrap.sh"

model=${1:-}
if [ -z "$model" ]; then
  echo "tessera: no model given; exporting the repo's GPT-2-style test model"
  /usr/bin/python3 "$ROOT/scripts/models/export_models.py" \
    --out "$BUILD/models" --models gpt2 --opsets 14 > /dev/null
  model=$BUILD/models/gpt2_opset14.onnx
fi
if [ ! -f "$model" ]; then
  echo "tessera: $model: no such file" >&2
  exit 2
fi

ir=$BUILD/$(basename "${model%.*}").mlir
echo "tessera: compiling $model (import, canonicalization, fusion)"
"$BUILD/bin/tessera-compile" "$model" --emit=ir --elide-weights -o "$ir" \
  --fusion-report="${ir%.mlir}.fusion.json"
echo "tessera: tessera IR in $ir, fusion report in ${ir%.mlir}.fusion.json"
echo
echo "tessera: not there yet: code generation (a .tsr module) and running it"
echo "(tessera-run). See README, 'What does not work yet'."
