#!/usr/bin/env bash
# The test command: bootstrap and build, then every test tier (lit, GoogleTest,
# end-to-end) through one ctest run. Extra arguments go to ctest (e.g. -R lit).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${TESSERA_BUILD_DIR:-$ROOT/build}

"$ROOT/scripts/bootstrap.sh"
shared=${TESSERA_SHARED_DIR:-$ROOT/../shared}
if [ ! -d "$shared" ]; then
  echo "tessera: $shared not found: the tests that need it (real models, the"
  echo "full ONNX node-test suite) will show as skipped. Set TESSERA_SHARED_DIR."
fi
cd "$BUILD"
exec ctest --output-on-failure -j "$(nproc)" "$@"
