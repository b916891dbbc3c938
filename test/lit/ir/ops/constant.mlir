// RUN: tessera-opt %s -split-input-file | tessera-opt -split-input-file | FileCheck %s
// RUN: tessera-opt %s -split-input-file --canonicalize | FileCheck %s --check-prefix=FOLD

// CHECK-LABEL: func.func @splat
// CHECK: tessera.constant dense<9.99999974E-6> : tensor<f32>
func.func @splat() -> tensor<f32> {
  %0 = tessera.constant dense<1.0e-05> : tensor<f32>
  return %0 : tensor<f32>
}

// -----

// CHECK-LABEL: func.func @dense
// CHECK: tessera.constant dense<[0, 2, 1, 3]> : tensor<4xi64>
func.func @dense() -> tensor<4xi64> {
  %0 = tessera.constant dense<[0, 2, 1, 3]> : tensor<4xi64>
  return %0 : tensor<4xi64>
}

// -----

// Weights are resource blobs, not copied into the attribute.
// CHECK-LABEL: func.func @resource
// CHECK: tessera.constant dense_resource<w> : tensor<2xf32>
func.func @resource() -> tensor<2xf32> {
  %0 = tessera.constant dense_resource<w> : tensor<2xf32>
  return %0 : tensor<2xf32>
}

{-#
  dialect_resources: {
    builtin: {
      w: "0x040000000000803F00000040"
    }
  }
#-}

// -----

// Identical constants are uniqued by the canonicalizer.
// FOLD-LABEL: func.func @cse
// FOLD-NEXT: %[[C:.*]] = tessera.constant dense<1.000000e+00> : tensor<2xf32>
// FOLD-NEXT: return %[[C]], %[[C]]
func.func @cse() -> (tensor<2xf32>, tensor<2xf32>) {
  %0 = tessera.constant dense<1.0> : tensor<2xf32>
  %1 = tessera.constant dense<1.0> : tensor<2xf32>
  return %0, %1 : tensor<2xf32>, tensor<2xf32>
}
