#!/usr/bin/env bash
# The test command: bootstrap and build, build the fuzz harnesses, then every
# test tier (lit, GoogleTest, end-to-end, fuzz smoke) through one ctest run.
# Extra arguments go to ctest (e.g. -R lit).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${TESSERA_BUILD_DIR:-$ROOT/build}

"$ROOT/scripts/bootstrap.sh"
# The fuzz smoke (ctest fuzz/smoke/<harness>, 30 s each) needs the libFuzzer
# harnesses, built with clang and sanitizers in build-fuzz/: only the harness
# targets and what they link. TESSERA_FUZZ_SMOKE=0 skips it (the tests then
# report themselves skipped).
if [ "${TESSERA_FUZZ_SMOKE:-1}" != 0 ]; then
  "$ROOT/scripts/fuzz" --build-only
fi
shared=${TESSERA_SHARED_DIR:-$ROOT/../shared}
if [ ! -d "$shared" ]; then
  echo "tessera: $shared not found: the tests that need it (real models, the"
  echo "full ONNX node-test suite) will show as skipped. Set TESSERA_SHARED_DIR."
fi
cd "$BUILD"
exec ctest --output-on-failure -j "$(nproc)" "$@"
