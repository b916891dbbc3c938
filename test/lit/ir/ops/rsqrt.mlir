// RUN: tessera-opt %s -split-input-file | tessera-opt -split-input-file | FileCheck %s
// RUN: tessera-opt %s -split-input-file --canonicalize | FileCheck %s --check-prefix=FOLD

// tessera.rsqrt: 1 / sqrt(x), elementwise; the result has the operand's type.

// CHECK-LABEL: func.func @dynamic
// CHECK: tessera.rsqrt %{{.*}} : tensor<?x?x768xf32>
func.func @dynamic(%x: tensor<?x?x768xf32>) -> tensor<?x?x768xf32> {
  %0 = tessera.rsqrt %x : tensor<?x?x768xf32>
  return %0 : tensor<?x?x768xf32>
}

// -----

// CHECK-LABEL: func.func @half
// CHECK: tessera.rsqrt %{{.*}} : tensor<8xf16>
func.func @half(%x: tensor<8xf16>) -> tensor<8xf16> {
  %0 = tessera.rsqrt %x : tensor<8xf16>
  return %0 : tensor<8xf16>
}

// -----

// FOLD-LABEL: func.func @constant
// FOLD-NEXT: %[[C:.*]] = tessera.constant dense<5.000000e-01> : tensor<4xf32>
// FOLD-NEXT: return %[[C]]
func.func @constant() -> tensor<4xf32> {
  %a = tessera.constant dense<4.0> : tensor<4xf32>
  %0 = tessera.rsqrt %a : tensor<4xf32>
  return %0 : tensor<4xf32>
}
