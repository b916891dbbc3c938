// RUN: tessera-opt %s -split-input-file | tessera-opt -split-input-file | FileCheck %s
// RUN: tessera-opt %s -split-input-file --canonicalize | FileCheck %s --check-prefix=FOLD

// CHECK-LABEL: func.func @to_half
// CHECK: tessera.cast %{{.*}} : tensor<?x768xf32> -> tensor<?x768xf16>
func.func @to_half(%x: tensor<?x768xf32>) -> tensor<?x768xf16> {
  %0 = tessera.cast %x : tensor<?x768xf32> -> tensor<?x768xf16>
  return %0 : tensor<?x768xf16>
}

// -----

// FOLD-LABEL: func.func @same_type
// FOLD-NEXT: return %arg0
func.func @same_type(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = tessera.cast %x : tensor<4xf32> -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// ONNX Cast: float to int truncates toward zero, to bool tests for zero.
// FOLD-LABEL: func.func @constants
// FOLD-DAG: tessera.constant dense<[1, -2, 0]> : tensor<3xi64>
// FOLD-DAG: tessera.constant dense<[true, true, false]> : tensor<3xi1>
// FOLD-DAG: tessera.constant dense<[1.000000e+00, 0.000000e+00]> : tensor<2xf16>
func.func @constants() -> (tensor<3xi64>, tensor<3xi1>, tensor<2xf16>) {
  %f = tessera.constant dense<[1.9, -2.7, 0.0]> : tensor<3xf32>
  %b = tessera.constant dense<[true, false]> : tensor<2xi1>
  %0 = tessera.cast %f : tensor<3xf32> -> tensor<3xi64>
  %1 = tessera.cast %f : tensor<3xf32> -> tensor<3xi1>
  %2 = tessera.cast %b : tensor<2xi1> -> tensor<2xf16>
  return %0, %1, %2 : tensor<3xi64>, tensor<3xi1>, tensor<2xf16>
}
