// RUN: tessera-opt %s -split-input-file | tessera-opt -split-input-file | FileCheck %s
// RUN: tessera-opt %s -split-input-file --canonicalize | FileCheck %s --check-prefix=FOLD

// Position ids for a dynamic sequence length.
// CHECK-LABEL: func.func @positions
// CHECK: tessera.iota size %{{.*}} start 0 step 1 : tensor<?xi64>
func.func @positions(%n: index) -> tensor<?xi64> {
  %0 = tessera.iota size %n start 0 step 1 : tensor<?xi64>
  return %0 : tensor<?xi64>
}

// -----

// FOLD-LABEL: func.func @static
// FOLD-NEXT: %[[A:.*]] = tessera.constant dense<[2, 5, 8]> : tensor<3xi32>
// FOLD-NEXT: %[[B:.*]] = tessera.constant dense<[1.000000e+00, 0.000000e+00]> : tensor<2xf32>
// FOLD-NEXT: return %[[A]], %[[B]]
func.func @static() -> (tensor<3xi32>, tensor<2xf32>) {
  %0 = tessera.iota start 2 step 3 : tensor<3xi32>
  %1 = tessera.iota start 1 step -1 : tensor<2xf32>
  return %0, %1 : tensor<3xi32>, tensor<2xf32>
}

// -----

// With a KV cache, positions start at the past length.
// CHECK-LABEL: func.func @offset
// CHECK: tessera.iota size %{{.*}} offset %{{.*}} start 0 step 1 : tensor<?xi64>
// FOLD-LABEL: func.func @offset
// FOLD: tessera.iota
func.func @offset(%n: index, %past: index) -> (tensor<?xi64>, tensor<2xi64>) {
  %0 = tessera.iota size %n offset %past start 0 step 1 : tensor<?xi64>
  %1 = tessera.iota offset %past start 0 step 1 : tensor<2xi64>
  return %0, %1 : tensor<?xi64>, tensor<2xi64>
}
