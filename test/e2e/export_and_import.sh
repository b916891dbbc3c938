#!/usr/bin/env bash
# Exports the repo's own BERT, GPT-2, Llama and T5-style PyTorch models at
# opsets 11, 14 and 17 (scripts/models/export_models.py), then imports every
# one; all must import.
set -euo pipefail
compiler=$1 out=$2
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
/usr/bin/python3 "$root/scripts/models/export_models.py" --out "$out"
exec /usr/bin/python3 "$root/test/e2e/import_corpus.py" --compiler "$compiler" \
  --corpus "$out" --require-import --label "own exports"
