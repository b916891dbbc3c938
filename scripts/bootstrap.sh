#!/usr/bin/env bash
# Brings a Debian 12 machine to a built tree: installs the Debian packages that
# are missing (and calls apt-get only then), configures once, builds
# incrementally. Safe to run any number of times.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${TESSERA_BUILD_DIR:-$ROOT/build}
LLVM_PREFIX=/usr/lib/llvm-22

# One list, one place: what building and testing Tessera needs today.
PACKAGES=(
  build-essential cmake ninja-build python3
  llvm-22-dev llvm-22-tools libmlir-22-dev mlir-22-tools
  libgtest-dev libgmock-dev libflatbuffers-dev flatbuffers-compiler
  libonnx-dev libprotobuf-dev protobuf-compiler python3-onnx python3-numpy
  libonnx-testdata python3-torch
  clang-22 libclang-rt-22-dev  # the libFuzzer harnesses (scripts/fuzz, the CI fuzz smoke)
)

missing=()
for pkg in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$pkg")
  fi
done

if ((${#missing[@]})); then
  echo "tessera: installing missing Debian packages: ${missing[*]}"
  SUDO=()
  if [ "$(id -u)" -ne 0 ]; then SUDO=(sudo); fi
  "${SUDO[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if [ ! -f "$BUILD/build.ninja" ]; then
  echo "tessera: configuring $BUILD"
  cmake -G Ninja -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release \
    -DMLIR_DIR="$LLVM_PREFIX/lib/cmake/mlir"
fi

echo "tessera: building $BUILD"
cmake --build "$BUILD"
