// Truncated or garbled input: a parse error, not a crash.
// RUN: sed -n '/^func.func/,$p' %s | head -c 100 | not tessera-opt 2>&1 | FileCheck %s --check-prefix=TRUNC
// RUN: printf 'tessera.add \x00\xff' | not tessera-opt 2>&1 | FileCheck %s --check-prefix=GARBLE
// TRUNC: error:
// TRUNC-NOT: Stack dump
// GARBLE: error:
// GARBLE-NOT: Stack dump
func.func @f(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = tessera.attention %x, %x, %x : (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}
