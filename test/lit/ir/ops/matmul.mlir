// RUN: tessera-opt %s -split-input-file | tessera-opt -split-input-file | FileCheck %s
// RUN: tessera-opt %s -split-input-file --tessera-infer-shapes | FileCheck %s --check-prefix=INFER

// CHECK-LABEL: func.func @projection
// CHECK: tessera.matmul %{{.*}}, %{{.*}} : (tensor<?x?x768xf32>, tensor<768x3072xf32>) -> tensor<?x?x3072xf32>
func.func @projection(%x: tensor<?x?x768xf32>, %w: tensor<768x3072xf32>) -> tensor<?x?x3072xf32> {
  %0 = tessera.matmul %x, %w : (tensor<?x?x768xf32>, tensor<768x3072xf32>) -> tensor<?x?x3072xf32>
  return %0 : tensor<?x?x3072xf32>
}

// -----

// Batch dimensions broadcast; Q K^T per head.
// INFER-LABEL: func.func @scores
// INFER: tessera.matmul %{{.*}}, %{{.*}} : (tensor<2x12x?x64xf32>, tensor<1x12x64x?xf32>) -> tensor<2x12x?x?xf32>
func.func @scores(%q: tensor<2x12x?x64xf32>, %kt: tensor<1x12x64x?xf32>) -> tensor<?x?x?x?xf32> {
  %0 = tessera.matmul %q, %kt : (tensor<2x12x?x64xf32>, tensor<1x12x64x?xf32>) -> tensor<?x?x?x?xf32>
  return %0 : tensor<?x?x?x?xf32>
}
