#!/usr/bin/env bash
# The main job: bootstrap and build, then compile a model and run it.
# Usage: scripts/run.sh [model.onnx | checkpoint.bin | hf-model-dir]
# Without a model it uses stories260K (llama2.c checkpoint) from ../shared
# when present, otherwise the repo's own small llama2.c checkpoint and
# tokenizer (scripts/models/llama2c_checkpoint.py: seeded weights, nothing
# downloaded). A module with a tokenizer then generates text from a prompt.
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
    echo "tessera: no model given and $SHARED absent; writing the repo's small"
    echo "llama2.c checkpoint and tokenizer (seeded weights, not a trained model)"
    /usr/bin/python3 "$ROOT/scripts/models/llama2c_checkpoint.py" --out "$BUILD/models/llama2c"
    model=$BUILD/models/llama2c/model.bin
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
# The first function (main, for checkpoints that also have prefill/decode).
signature=$("$BUILD/bin/tessera-run" "$stem.tsr" --print-signature)
function=$(awk -F"'" '/^function/ {print $2; exit}' <<<"$signature")
input=$(awk -F"'" '/input  0/ {print $2; exit}' <<<"$signature")
echo "tessera: running $function of $stem.tsr on 16 tokens (outputs under $stem.out)"
"$BUILD/bin/tessera-run" "$stem.tsr" --function "$function" --input "$input=$stem.ids.npy" \
  --output-dir "$stem.out" --benchmark 10
echo
if probe=$("$BUILD/bin/tessera-run" "$stem.tsr" --prompt "Once upon a time" -n 0 2>&1 >/dev/null); then
  echo "tessera: generating (tessera-run --prompt \"Once upon a time\" -n 100)"
  "$BUILD/bin/tessera-run" "$stem.tsr" --prompt "Once upon a time" -n 100
else
  echo "tessera: no text generation with this module: ${probe#tessera-run: error: }"
fi
