// RUN: tessera-opt %s -split-input-file | tessera-opt -split-input-file | FileCheck %s
// RUN: tessera-opt %s -split-input-file --canonicalize | FileCheck %s --check-prefix=FOLD

// tessera.abs: |x|, elementwise; the result has the operand's type.

// CHECK-LABEL: func.func @dynamic
// CHECK: tessera.abs %{{.*}} : tensor<?x?x768xf32>
func.func @dynamic(%x: tensor<?x?x768xf32>) -> tensor<?x?x768xf32> {
  %0 = tessera.abs %x : tensor<?x?x768xf32>
  return %0 : tensor<?x?x768xf32>
}

// -----

// FOLD-LABEL: func.func @constant
// FOLD-NEXT: %[[C:.*]] = tessera.constant dense<4.000000e+00> : tensor<4xf32>
// FOLD-NEXT: return %[[C]]
func.func @constant() -> tensor<4xf32> {
  %a = tessera.constant dense<-4.0> : tensor<4xf32>
  %0 = tessera.abs %a : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// Relative-position buckets take |i - j| of integers; abs(abs(x)) is abs(x).
// FOLD-LABEL: func.func @integers
// FOLD-NEXT: %[[A:.*]] = tessera.abs %arg0 : tensor<?x?xi64>
// FOLD-NEXT: return %[[A]]
func.func @integers(%x: tensor<?x?xi64>) -> tensor<?x?xi64> {
  %0 = tessera.abs %x : tensor<?x?xi64>
  %1 = tessera.abs %0 : tensor<?x?xi64>
  return %1 : tensor<?x?xi64>
}
