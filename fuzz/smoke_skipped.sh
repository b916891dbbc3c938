#!/bin/sh
# ctest fuzz/smoke in a build without TESSERA_FUZZ: says why the libFuzzer
# smoke runs are skipped here and how to run them, then exits 77 (skipped).
if command -v clang-22 >/dev/null 2>&1; then
  echo "fuzz/smoke: skipped: this build has no libFuzzer harnesses (TESSERA_FUZZ=OFF,"
  echo "or not clang). Run scripts/fuzz [seconds], which builds build-fuzz/ with clang-22"
  echo "and fuzzes each harness; the saved crash inputs are replayed here by"
  echo "fuzz/regressions/*."
else
  echo "fuzz/smoke: skipped: clang-22 is not installed (libFuzzer needs clang)."
  echo "apt-get install -y clang-22 libclang-rt-22-dev, then scripts/fuzz [seconds]."
  echo "The saved crash inputs are still replayed by fuzz/regressions/*."
fi
exit 77
