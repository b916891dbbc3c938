// RUN: tessera-opt %s -split-input-file | tessera-opt -split-input-file | FileCheck %s
// RUN: tessera-opt %s -split-input-file --tessera-infer-shapes | FileCheck %s --check-prefix=INFER
// RUN: tessera-opt %s -split-input-file --canonicalize | FileCheck %s --check-prefix=FOLD

// The first token of each sequence (BERT pooler).
// CHECK-LABEL: func.func @first_token
// CHECK: tessera.slice %{{.*}} starts [0, 0, 0] ends [9223372036854775807, 1, 9223372036854775807] steps [1, 1, 1] : tensor<?x?x768xf32> -> tensor<?x1x768xf32>
func.func @first_token(%x: tensor<?x?x768xf32>) -> tensor<?x1x768xf32> {
  %0 = tessera.slice %x starts [0, 0, 0] ends [9223372036854775807, 1, 9223372036854775807] steps [1, 1, 1] : tensor<?x?x768xf32> -> tensor<?x1x768xf32>
  return %0 : tensor<?x1x768xf32>
}

// -----

// ONNX semantics on static dims: negative bounds count from the end, bounds
// clamp, negative steps walk backwards.
// INFER-LABEL: func.func @onnx_semantics
// INFER: -> tensor<3xf32>
// INFER: -> tensor<10xf32>
// INFER: -> tensor<5xf32>
// INFER: -> tensor<0xf32>
func.func @onnx_semantics(%x: tensor<10xf32>) -> (tensor<?xf32>, tensor<?xf32>, tensor<?xf32>, tensor<?xf32>) {
  %0 = tessera.slice %x starts [-3] ends [9223372036854775807] steps [1] : tensor<10xf32> -> tensor<?xf32>
  %1 = tessera.slice %x starts [-9223372036854775807] ends [100] steps [1] : tensor<10xf32> -> tensor<?xf32>
  %2 = tessera.slice %x starts [-1] ends [-9223372036854775807] steps [-2] : tensor<10xf32> -> tensor<?xf32>
  %3 = tessera.slice %x starts [5] ends [2] steps [1] : tensor<10xf32> -> tensor<?xf32>
  return %0, %1, %2, %3 : tensor<?xf32>, tensor<?xf32>, tensor<?xf32>, tensor<?xf32>
}

// -----

// FOLD-LABEL: func.func @whole
// FOLD-NEXT: return %arg0
func.func @whole(%x: tensor<?x8xf32>) -> tensor<?x8xf32> {
  %0 = tessera.slice %x starts [0, 0] ends [9223372036854775807, 8] steps [1, 1] : tensor<?x8xf32> -> tensor<?x8xf32>
  return %0 : tensor<?x8xf32>
}

// -----

// A bound known only at run time is an index operand, written in place.
// CHECK-LABEL: func.func @dynamic_end
// CHECK: tessera.slice %{{.*}} starts [0, 0] ends [%{{.*}}, 9223372036854775807] steps [1, 1] : tensor<2048x32xf32> -> tensor<?x32xf32>
// INFER-LABEL: func.func @dynamic_end
// INFER: -> tensor<?x32xf32>
func.func @dynamic_end(%cache: tensor<2048x32xf32>, %n: index) -> tensor<?x32xf32> {
  %0 = tessera.slice %cache starts [0, 0] ends [%n, 9223372036854775807] steps [1, 1] : tensor<2048x32xf32> -> tensor<?x32xf32>
  return %0 : tensor<?x32xf32>
}
