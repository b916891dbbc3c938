// RUN: tessera-opt %s -split-input-file | tessera-opt -split-input-file | FileCheck %s
// RUN: tessera-opt %s -split-input-file --canonicalize | FileCheck %s --check-prefix=FOLD

// Splitting heads with dynamic batch and sequence: one index per `?`.
// CHECK-LABEL: func.func @split_heads
// CHECK: tessera.reshape %{{.*}} dims(%{{.*}}, %{{.*}}) : tensor<?x?x768xf32> -> tensor<?x?x12x64xf32>
func.func @split_heads(%x: tensor<?x?x768xf32>) -> tensor<?x?x12x64xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %b = tensor.dim %x, %c0 : tensor<?x?x768xf32>
  %s = tensor.dim %x, %c1 : tensor<?x?x768xf32>
  %0 = tessera.reshape %x dims(%b, %s) : tensor<?x?x768xf32> -> tensor<?x?x12x64xf32>
  return %0 : tensor<?x?x12x64xf32>
}

// -----

// CHECK-LABEL: func.func @static
// CHECK: tessera.reshape %{{.*}} : tensor<2x6xf32> -> tensor<3x4xf32>
func.func @static(%x: tensor<2x6xf32>) -> tensor<3x4xf32> {
  %0 = tessera.reshape %x : tensor<2x6xf32> -> tensor<3x4xf32>
  return %0 : tensor<3x4xf32>
}

// -----

// FOLD-LABEL: func.func @folds
// FOLD-NEXT: %[[C:.*]] = tessera.constant dense<{{\[}}[1, 2], [3, 4]]> : tensor<2x2xi64>
// FOLD-NEXT: %[[R:.*]] = tessera.reshape %arg0 : tensor<2x6xf32> -> tensor<12xf32>
// FOLD-NEXT: return %arg0, %[[R]], %[[C]]
func.func @folds(%x: tensor<2x6xf32>) -> (tensor<2x6xf32>, tensor<12xf32>, tensor<2x2xi64>) {
  %same = tessera.reshape %x : tensor<2x6xf32> -> tensor<2x6xf32>
  %a = tessera.reshape %x : tensor<2x6xf32> -> tensor<3x4xf32>
  %b = tessera.reshape %a : tensor<3x4xf32> -> tensor<12xf32>
  %c = tessera.constant dense<[1, 2, 3, 4]> : tensor<4xi64>
  %d = tessera.reshape %c : tensor<4xi64> -> tensor<2x2xi64>
  return %same, %b, %d : tensor<2x6xf32>, tensor<12xf32>, tensor<2x2xi64>
}
