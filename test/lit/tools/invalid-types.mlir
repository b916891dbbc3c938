// A verifier error names the op, the problem and the location.
// RUN: not tessera-opt %s 2>&1 | FileCheck %s
// CHECK: invalid-types.mlir:8:8: error: tessera.matmul: contraction dimensions differ: 8 vs 7
// CHECK: invalid-types.mlir:8:8: error: 'tessera.matmul' op failed to infer returned types
// CHECK-NOT: Stack dump

func.func @f(%a: tensor<4x8xf32>, %b: tensor<7x2xf32>) -> tensor<4x2xf32> {
  %0 = tessera.matmul %a, %b : (tensor<4x8xf32>, tensor<7x2xf32>) -> tensor<4x2xf32>
  return %0 : tensor<4x2xf32>
}
