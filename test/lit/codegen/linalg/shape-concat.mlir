// RUN: tessera-opt %s --tessera-lower-to-linalg --split-input-file | FileCheck %s
// RUN: tessera-opt %s --tessera-lower-to-linalg --one-shot-bufferize --split-input-file | FileCheck %s --check-prefix=BUF

// KV cache append: an empty result of the summed length, then one
// insert_slice per input at the running offset along the axis.
// CHECK-LABEL: func.func @kv_append
// CHECK: %[[P:.*]] = tensor.dim %arg0, %c2 : tensor<1x12x?x64xf32>
// CHECK: %[[C1:.*]] = arith.constant 1 : index
// CHECK: %[[N:.*]] = arith.addi %[[P]], %[[C1]] : index
// CHECK: %[[E:.*]] = tensor.empty(%[[N]]) : tensor<1x12x?x64xf32>
// CHECK: %[[A:.*]] = tensor.insert_slice %arg0 into %[[E]][0, 0, 0, 0] [1, 12, %[[P]], 64] [1, 1, 1, 1] : tensor<1x12x?x64xf32> into tensor<1x12x?x64xf32>
// CHECK: %[[B:.*]] = tensor.insert_slice %arg1 into %[[A]][0, 0, %[[P]], 0] [1, 12, 1, 64] [1, 1, 1, 1] : tensor<1x12x1x64xf32> into tensor<1x12x?x64xf32>
// CHECK-NEXT: return %[[B]]
// BUF-LABEL: func.func @kv_append
// BUF-COUNT-2: memref.copy
func.func @kv_append(%past: tensor<1x12x?x64xf32>, %new: tensor<1x12x1x64xf32>) -> tensor<1x12x?x64xf32> {
  %k = tessera.concat %past, %new axis 2 : (tensor<1x12x?x64xf32>, tensor<1x12x1x64xf32>) -> tensor<1x12x?x64xf32>
  return %k : tensor<1x12x?x64xf32>
}

// -----

// Static offsets fold; a dim off the axis takes an input's static size.
// CHECK-LABEL: func.func @three_inputs
// CHECK: %[[E:.*]] = tensor.empty() : tensor<2x9xf32>
// CHECK: %[[A:.*]] = tensor.insert_slice %arg0 into %[[E]][0, 0] [2, 3] [1, 1] : tensor<2x3xf32> into tensor<2x9xf32>
// CHECK: %[[B:.*]] = tensor.insert_slice %arg1 into %[[A]][0, 3] [%{{.*}}, 5] [1, 1] : tensor<?x5xf32> into tensor<2x9xf32>
// CHECK: %[[C:.*]] = tensor.insert_slice %arg2 into %[[B]][0, 8] [2, 1] [1, 1] : tensor<2x1xf32> into tensor<2x9xf32>
// CHECK-NEXT: return %[[C]]
func.func @three_inputs(%a: tensor<2x3xf32>, %b: tensor<?x5xf32>, %c: tensor<2x1xf32>) -> tensor<2x9xf32> {
  %0 = tessera.concat %a, %b, %c axis 1 : (tensor<2x3xf32>, tensor<?x5xf32>, tensor<2x1xf32>) -> tensor<2x9xf32>
  return %0 : tensor<2x9xf32>
}
