#!/bin/sh
# fuzz/smoke.sh HARNESS SECONDS FUZZ_BUILD_DIR OUT_DIR
#
# ctest fuzz/smoke/<harness> of the default build: fuzzes one libFuzzer
# harness of the clang build FUZZ_BUILD_DIR (or $TESSERA_FUZZ_BUILD_DIR) for
# SECONDS from its seeds, so that a loader change that crashes on a near-seed
# input fails the normal test run. scripts/test.sh builds those harnesses and
# seeds first (scripts/fuzz --build-only); without them the test says so and
# exits 77 (skipped), as it does with TESSERA_FUZZ_SMOKE=0. The corpus is a
# fresh temporary directory (the seeds stay as made); a crashing input is
# written to OUT_DIR/<harness>/.
set -u
h=$1 secs=$2 fuzz_build=${TESSERA_FUZZ_BUILD_DIR:-$3} out=$4
bin=$fuzz_build/bin/fuzz_$h
seeds=$fuzz_build/fuzz/seeds/$h
if [ "${TESSERA_FUZZ_SMOKE:-1}" = 0 ]; then
  echo "fuzz/smoke/$h: skipped: TESSERA_FUZZ_SMOKE=0."
  exit 77
fi
if [ ! -x "$bin" ] || [ ! -d "$seeds" ]; then
  echo "fuzz/smoke/$h: skipped: no libFuzzer harness at $bin (or no seeds at $seeds)."
  if command -v clang-22 >/dev/null 2>&1; then
    echo "scripts/fuzz --build-only builds them (scripts/test.sh does so before ctest)."
  else
    echo "libFuzzer needs clang: apt-get install -y clang-22 libclang-rt-22-dev (scripts/bootstrap.sh),"
    echo "then scripts/fuzz --build-only."
  fi
  echo "The saved crash inputs are still replayed by fuzz/regressions/*."
  exit 77
fi
root=$(cd "$(dirname "$0")/.." && pwd)
artifacts=$out/$h
mkdir -p "$artifacts"
corpus=$(mktemp -d "${TMPDIR:-/tmp}/tessera-fuzz-smoke-$h.XXXXXX") || exit 1
trap 'rm -rf "$corpus"' EXIT
dict=
[ -f "$root/fuzz/dicts/$h.dict" ] && dict=-dict=$root/fuzz/dicts/$h.dict
echo "fuzz/smoke/$h: $bin for ${secs}s from $seeds"
# As scripts/fuzz: leaks reported; an oversized allocation is libFuzzer's
# -malloc_limit_mb report rather than an ASan abort. libFuzzer's own reports
# (a harness invariant's abort, a leak) exit with 77 by default, which ctest
# would take for "skipped": -error_exitcode=1.
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1} \
UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1} \
  "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -error_exitcode=1 \
    -artifact_prefix="$artifacts/" $dict "$corpus" "$seeds"
rc=$?
if [ $rc -ne 0 ]; then
  echo "fuzz/smoke/$h: FAILED (exit $rc); the input is in $artifacts/, replay it with $bin FILE"
fi
exit $rc
