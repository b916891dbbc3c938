// RUN: tessera-opt %s -split-input-file | tessera-opt -split-input-file | FileCheck %s
// RUN: tessera-opt %s -split-input-file --canonicalize | FileCheck %s --check-prefix=FOLD

// tessera.log: log(x), elementwise; the result has the operand's type.

// CHECK-LABEL: func.func @dynamic
// CHECK: tessera.log %{{.*}} : tensor<?x?x768xf32>
func.func @dynamic(%x: tensor<?x?x768xf32>) -> tensor<?x?x768xf32> {
  %0 = tessera.log %x : tensor<?x?x768xf32>
  return %0 : tensor<?x?x768xf32>
}

// -----

// FOLD-LABEL: func.func @constant
// FOLD-NEXT: %[[C:.*]] = tessera.constant dense<0.000000e+00> : tensor<4xf32>
// FOLD-NEXT: return %[[C]]
func.func @constant() -> tensor<4xf32> {
  %a = tessera.constant dense<1.0> : tensor<4xf32>
  %0 = tessera.log %a : tensor<4xf32>
  return %0 : tensor<4xf32>
}
