// RUN: tessera-opt %s -split-input-file --canonicalize | FileCheck %s

// Division by a constant becomes multiplication by its reciprocal, so that
// fusion sees one spelling of scaling.
// CHECK-LABEL: func.func @div_by_constant
// CHECK: %[[R:.*]] = tessera.constant dense<1.250000e-01> : tensor<f32>
// CHECK: tessera.mul %arg0, %[[R]]
// CHECK-NOT: tessera.div
func.func @div_by_constant(%x: tensor<4xf32>) -> tensor<4xf32> {
  %c = tessera.constant dense<8.0> : tensor<f32>
  %0 = tessera.div %x, %c : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// A widening cast and back is dropped; a narrowing one is kept.
// CHECK-LABEL: func.func @cast_pairs
// CHECK-NEXT: %[[N:.*]] = tessera.cast %arg1 : tensor<4xf32> -> tensor<4xf16>
// CHECK-NEXT: %[[B:.*]] = tessera.cast %[[N]] : tensor<4xf16> -> tensor<4xf32>
// CHECK-NEXT: return %arg0, %[[B]]
func.func @cast_pairs(%h: tensor<4xf16>, %f: tensor<4xf32>) -> (tensor<4xf16>, tensor<4xf32>) {
  %0 = tessera.cast %h : tensor<4xf16> -> tensor<4xf32>
  %1 = tessera.cast %0 : tensor<4xf32> -> tensor<4xf16>
  %2 = tessera.cast %f : tensor<4xf32> -> tensor<4xf16>
  %3 = tessera.cast %2 : tensor<4xf16> -> tensor<4xf32>
  return %1, %3 : tensor<4xf16>, tensor<4xf32>
}
