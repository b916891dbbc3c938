#!/usr/bin/env bash
# scripts/sanitize.sh [--asan] [--tsan] [--no-lit] [ctest args...]
#
# Sanitizer runs of the project, each in its own build directory:
#
#  --asan  (default, with --tsan) build-asan/: the whole project built with
#          gcc and -fsanitize=address,undefined -fno-omit-frame-pointer
#          (UBSan findings are fatal). Runs the unit tests (IR, runtime,
#          module writer, tokenizers), the runtime/tool tests (tessera-run,
#          load/run/unload cycles) and the fuzz regression replays, with
#          LeakSanitizer on: every module, session and status the tests
#          create must be freed. Then the lit tests: tessera-opt and
#          tessera-compile under ASan + UBSan on every lit input (leak checking
#          off there: LLVM keeps its option registry and such until exit by
#          design; abort_on_error, so that `not tool` cannot pass on a
#          sanitizer report). Debian's libMLIR.so / libLLVM.so, libonnx and
#          protobuf are NOT instrumented: errors inside them go unseen.
#          ctest unit/runtime/links-no-compiler-libraries is left out: a
#          sanitized runtime links libasan and libubsan by design.
#  --tsan  build-tsan/: the runtime and its tests with -fsanitize=thread;
#          runs the concurrency tests (sessions of one module from several
#          threads, modules loaded and freed concurrently, the thread pool)
#          20 times over, then every runtime and tessera-run test once.
#  --no-lit  skip the lit tests of the ASan run.
#
# Extra arguments go to the ASan ctest run. Build directories:
# TESSERA_ASAN_BUILD_DIR, TESSERA_TSAN_BUILD_DIR. The exit status is 0 only
# when every run is clean.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
LLVM_PREFIX=/usr/lib/llvm-22
ASAN_BUILD=${TESSERA_ASAN_BUILD_DIR:-$ROOT/build-asan}
TSAN_BUILD=${TESSERA_TSAN_BUILD_DIR:-$ROOT/build-tsan}

asan=0 tsan=0 lit=1
ctest_args=()
for arg in "$@"; do
  case "$arg" in
    --asan) asan=1 ;;
    --tsan) tsan=1 ;;
    --no-lit) lit=0 ;;
    *) ctest_args+=("$arg") ;;
  esac
done
if [ $asan -eq 0 ] && [ $tsan -eq 0 ]; then asan=1 tsan=1; fi

# The packages of a normal build (scripts/bootstrap.sh installs them; it is
# not run here, since it also builds build/).
for tool in g++ cmake ninja; do
  command -v "$tool" >/dev/null || { echo "sanitize: $tool missing: run scripts/bootstrap.sh" >&2; exit 2; }
done
[ -f "$LLVM_PREFIX/lib/cmake/mlir/MLIRConfig.cmake" ] ||
  { echo "sanitize: LLVM/MLIR 22 missing: run scripts/bootstrap.sh" >&2; exit 2; }

configure() { # dir flags
  if [ ! -f "$1/build.ninja" ]; then
    echo "sanitize: configuring $1 ($2)"
    cmake -G Ninja -S "$ROOT" -B "$1" -DCMAKE_BUILD_TYPE=Release \
      -DMLIR_DIR="$LLVM_PREFIX/lib/cmake/mlir" \
      -DCMAKE_C_COMPILER=gcc -DCMAKE_CXX_COMPILER=g++ \
      -DCMAKE_C_FLAGS="$2" -DCMAKE_CXX_FLAGS="$2" \
      -DCMAKE_EXE_LINKER_FLAGS="$2" -DCMAKE_SHARED_LINKER_FLAGS="$2" \
      -DCMAKE_MODULE_LINKER_FLAGS="$2" >/dev/null
  fi
}

status=0

if [ $asan -eq 1 ]; then
  configure "$ASAN_BUILD" "-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer -g1"
  echo "sanitize: building $ASAN_BUILD (ASan + UBSan)"
  cmake --build "$ASAN_BUILD"
  # new/delete and malloc/free mismatches, leaks, stack-use-after-return;
  # UBSan prints a stack and stops.
  export ASAN_OPTIONS=detect_leaks=1:detect_stack_use_after_return=1:strict_string_checks=1:check_initialization_order=1:abort_on_error=0
  export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
  export LSAN_OPTIONS=report_objects=1
  echo "sanitize: unit, runtime/tool and fuzz-regression tests under ASan + UBSan + LSan"
  if ! (cd "$ASAN_BUILD" && ctest --output-on-failure -j "$(nproc)" \
          -R '^(unit/|fuzz/regressions/)' -E 'links-no-compiler-libraries' \
          "${ctest_args[@]}"); then
    status=1
  fi
  if [ $lit -eq 1 ]; then
    echo "sanitize: lit tests under ASan + UBSan (leak checking off)"
    if ! (cd "$ASAN_BUILD" &&
          ASAN_OPTIONS=detect_leaks=0:detect_stack_use_after_return=1:abort_on_error=1 \
          UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:abort_on_error=1 \
            ctest --output-on-failure -j "$(nproc)" -R '^lit/'); then
      status=1
    fi
  fi
fi

if [ $tsan -eq 1 ]; then
  configure "$TSAN_BUILD" "-fsanitize=thread -g1"
  echo "sanitize: building the runtime tests in $TSAN_BUILD (ThreadSanitizer)"
  cmake --build "$TSAN_BUILD" --target tessera-unit-runtime
  echo "sanitize: concurrency tests under ThreadSanitizer"
  # Repeated: a race shows only when the threads interleave badly.
  if ! TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1:report_signal_unsafe=1 \
       "$TSAN_BUILD/test/unit/runtime/tessera-unit-runtime" --gtest_repeat=20 \
       --gtest_brief=1 \
       --gtest_filter='Concurrency.*:Run.TwoSessionsOnOneModuleRunConcurrently:Run.AddsInlineAndOnFourThreads:Run.DefaultThreadCountIsOnePerCpu'; then
    status=1
  fi
  echo "sanitize: every runtime and tessera-run test once under ThreadSanitizer"
  if ! TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 \
       "$TSAN_BUILD/test/unit/runtime/tessera-unit-runtime" --gtest_brief=1; then
    status=1
  fi
fi

if [ $status -eq 0 ]; then
  echo "sanitize: clean"
else
  echo "sanitize: FAILED (see the reports above)"
fi
exit $status
