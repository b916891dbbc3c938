#!/usr/bin/env bash
# The main job: bootstrap and build, then compile a model and run it.
# Usage: scripts/run.sh [model.onnx | checkpoint.bin | hf-model-dir]
# Without a model it uses stories260K (llama2.c checkpoint) from ../shared
# when present, otherwise the repo's own GPT-2-style export
# (scripts/models/export_models.py: seeded weights, nothing downloaded).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${TESSERA_BUILD_DIR:-$ROOT/build}
SHARED=${TESSERA_SHARED_DIR:-$ROOT/../shared}

"$ROOT/scripts/bootstrap.sh"

model=${1:-}
if [ -z "$model" ]; then
  if [ -f "$SHARED/models/stories260K/stories260K.bin" ]; then
    model=$SHARED/models/stories260K/stories260K.bin
    echo "tessera: no model given; using stories260K from $SHARED"
  else
    echo "tessera: no model given and $SHARED absent; exporting the repo's"
    echo "GPT-2-style test model (seeded weights, not a trained model)"
    /usr/bin/python3 "$ROOT/scripts/models/export_models.py" \
      --out "$BUILD/models" --models gpt2 --opsets 14 > /dev/null
    model=$BUILD/models/gpt2_opset14.onnx
  fi
fi
if [ ! -e "$model" ]; then
  echo "tessera: $model: no such file" >&2
  exit 2
fi

stem=$BUILD/run/$(basename "${model%.*}")
mkdir -p "$BUILD/run"
echo "tessera: compiling $model"
"$BUILD/bin/tessera-compile" "$model" -o "$stem.tsr" --fusion-report="$stem.fusion.json" -v
"$BUILD/bin/tessera-run" "$stem.tsr" --print-signature

# Token ids 1..16 (batch 1): every model here takes int64 token ids first.
/usr/bin/python3 - "$stem.tsr" "$stem.ids.npy" <<'PY'
import sys, numpy as np
np.save(sys.argv[2], np.arange(1, 17, dtype=np.int64).reshape(1, 16))
PY
input=$("$BUILD/bin/tessera-run" "$stem.tsr" --print-signature | awk -F"'" '/input  0/ {print $2; exit}')
echo "tessera: running $stem.tsr on 16 tokens (outputs under $stem.out)"
"$BUILD/bin/tessera-run" "$stem.tsr" --input "$input=$stem.ids.npy" \
  --output-dir "$stem.out" --benchmark 10
echo
echo "tessera: text generation from a prompt (tessera-run --prompt) is not there"
echo "yet; see README, 'What does not work yet'."
