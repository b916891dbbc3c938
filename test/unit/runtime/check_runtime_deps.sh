#!/bin/sh
# Checks that libtessera_runtime.so needs nothing beyond the C and C++
# runtime (libc, libm, libstdc++, libgcc_s, libdl, libpthread, the dynamic
# loader): in particular no LLVM, MLIR or FlatBuffers library.
set -eu
lib=$1
deps=$(ldd "$lib") || { echo "ldd failed on $lib"; exit 1; }
echo "$deps"
status=0
for name in $(echo "$deps" | awk '{print $1}'); do
  case "$(basename "$name")" in
    linux-vdso.so.* | ld-linux*.so.* | libc.so.* | libm.so.* | libstdc++.so.* | \
    libgcc_s.so.* | libdl.so.* | libpthread.so.*) ;;
    *) echo "error: $lib depends on $name"; status=1 ;;
  esac
done
exit $status
