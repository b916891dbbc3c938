// RUN: tessera-opt %s --tessera-lower-to-linalg --split-input-file | FileCheck %s
// RUN: tessera-opt %s --tessera-lower-to-linalg --one-shot-bufferize --split-input-file | FileCheck %s --check-prefix=BUF

// Splitting heads: linalg.transpose into an init of the permuted input
// sizes, each dynamic one taken from the input dim it comes from.
// CHECK-LABEL: func.func @heads
// CHECK: %[[B:.*]] = tensor.dim %arg0, %c0 : tensor<?x?x12x64xf32>
// CHECK: %[[S:.*]] = tensor.dim %arg0, %c1 : tensor<?x?x12x64xf32>
// CHECK: %[[E:.*]] = tensor.empty(%[[B]], %[[S]]) : tensor<?x12x?x64xf32>
// CHECK: %[[T:.*]] = linalg.transpose ins(%arg0 : tensor<?x?x12x64xf32>) outs(%[[E]] : tensor<?x12x?x64xf32>) permutation = [0, 2, 1, 3]
// CHECK: return %[[T]]
// BUF-LABEL: func.func @heads
// BUF: linalg.transpose ins(%{{.*}} : memref<?x?x12x64xf32{{.*}}>) outs(%{{.*}} : memref<?x12x?x64xf32>)
func.func @heads(%q: tensor<?x?x12x64xf32>) -> tensor<?x12x?x64xf32> {
  %t = tessera.transpose %q [0, 2, 1, 3] : tensor<?x?x12x64xf32> -> tensor<?x12x?x64xf32>
  return %t : tensor<?x12x?x64xf32>
}

// -----

// A declared type more static than the input's: the transpose has the
// input's permuted type and a tensor.cast gives the declared one.
// CHECK-LABEL: func.func @refined
// CHECK: %[[E:.*]] = tensor.empty(%{{.*}}) : tensor<4x?xf32>
// CHECK: %[[T:.*]] = linalg.transpose ins(%arg0 : tensor<?x4xf32>) outs(%[[E]] : tensor<4x?xf32>) permutation = [1, 0]
// CHECK: %[[C:.*]] = tensor.cast %[[T]] : tensor<4x?xf32> to tensor<4x8xf32>
// CHECK: return %[[C]]
func.func @refined(%x: tensor<?x4xf32>) -> tensor<4x8xf32> {
  %t = tessera.transpose %x [1, 0] : tensor<?x4xf32> -> tensor<4x8xf32>
  return %t : tensor<4x8xf32>
}
