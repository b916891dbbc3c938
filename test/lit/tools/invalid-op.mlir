// A bad input is a diagnostic with its location and a non-zero exit, never a
// crash.
// RUN: not tessera-opt %s 2>&1 | FileCheck %s
// CHECK: invalid-op.mlir:8:8: error: custom op 'tessera.bogus' is unknown
// CHECK-NOT: Stack dump
func.func @f(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = tessera.add %x, %x : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %1 = tessera.bogus %0 : tensor<4xf32>
  return %1 : tensor<4xf32>
}
