// RUN: tessera-opt %s --tessera-lower-to-linalg --split-input-file | FileCheck %s
// RUN: tessera-opt %s --tessera-lower-to-linalg --one-shot-bufferize --split-input-file | FileCheck %s --check-prefix=BUF

// Splitting heads: the dims operands are tensor.dim of the input, so the
// dims match one to one and 768 splits into 12 x 64: one expand_shape whose
// output sizes are the dims operands.
// CHECK-LABEL: func.func @split_heads
// CHECK: %[[B:.*]] = tensor.dim %arg0, %c0
// CHECK: %[[S:.*]] = tensor.dim %arg0, %c1
// CHECK-NEXT: %[[R:.*]] = tensor.expand_shape %arg0 {{\[}}[0], [1], [2, 3]] output_shape [%[[B]], %[[S]], 12, 64] : tensor<?x?x768xf32> into tensor<?x?x12x64xf32>
// CHECK-NEXT: return %[[R]]
// BUF-LABEL: func.func @split_heads
// BUF: memref.expand_shape
func.func @split_heads(%x: tensor<?x?x768xf32>) -> tensor<?x?x12x64xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %b = tensor.dim %x, %c0 : tensor<?x?x768xf32>
  %s = tensor.dim %x, %c1 : tensor<?x?x768xf32>
  %0 = tessera.reshape %x dims(%b, %s) : tensor<?x?x768xf32> -> tensor<?x?x12x64xf32>
  return %0 : tensor<?x?x12x64xf32>
}

// -----

// Flattening: the dims operand is the product of the two input dims.
// CHECK-LABEL: func.func @flatten
// CHECK: %[[R:.*]] = tensor.collapse_shape %arg0 {{\[}}[0, 1], [2]] : tensor<?x?x768xf32> into tensor<?x768xf32>
// CHECK-NEXT: return %[[R]]
func.func @flatten(%x: tensor<?x?x768xf32>) -> tensor<?x768xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %b = tensor.dim %x, %c0 : tensor<?x?x768xf32>
  %s = tensor.dim %x, %c1 : tensor<?x?x768xf32>
  %bs = arith.muli %b, %s : index
  %0 = tessera.reshape %x dims(%bs) : tensor<?x?x768xf32> -> tensor<?x768xf32>
  return %0 : tensor<?x768xf32>
}

// -----

// Through a transpose: its sizes are traced to the reshape before it and
// from there to tensor.dim of %x, so S x 64 still matches one group.
// CHECK-LABEL: func.func @after_transpose
// CHECK: %[[T:.*]] = linalg.transpose
// CHECK: %[[R:.*]] = tensor.collapse_shape %[[T]] {{\[}}[0], [1], [2, 3]] : tensor<?x12x?x64xf32> into tensor<?x12x?xf32>
// CHECK-NEXT: return %[[R]]
func.func @after_transpose(%x: tensor<?x?x768xf32>) -> tensor<?x12x?xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  %b = tensor.dim %x, %c0 : tensor<?x?x768xf32>
  %s = tensor.dim %x, %c1 : tensor<?x?x768xf32>
  %h = tessera.reshape %x dims(%b, %s) : tensor<?x?x768xf32> -> tensor<?x?x12x64xf32>
  %t = tessera.transpose %h [0, 2, 1, 3] : tensor<?x?x12x64xf32> -> tensor<?x12x?x64xf32>
  %s64 = arith.muli %s, %c64 : index
  %0 = tessera.reshape %t dims(%b, %s64) : tensor<?x12x?x64xf32> -> tensor<?x12x?xf32>
  return %0 : tensor<?x12x?xf32>
}

// -----

// Static sizes that regroup ([2, 3, 4] -> [6, 2, 2]): collapse the input
// groups, then expand into the result groups.
// CHECK-LABEL: func.func @regroup
// CHECK: %[[C:.*]] = tensor.collapse_shape %arg0 {{\[}}[0, 1], [2]] : tensor<2x3x4xf32> into tensor<6x4xf32>
// CHECK-NEXT: %[[E:.*]] = tensor.expand_shape %[[C]] {{\[}}[0], [1, 2]] output_shape [6, 2, 2] : tensor<6x4xf32> into tensor<6x2x2xf32>
// CHECK-NEXT: return %[[E]]
func.func @regroup(%x: tensor<2x3x4xf32>) -> tensor<6x2x2xf32> {
  %0 = tessera.reshape %x : tensor<2x3x4xf32> -> tensor<6x2x2xf32>
  return %0 : tensor<6x2x2xf32>
}

// -----

// No grouping at all ([2, 6] -> [3, 4]): through 1-D.
// CHECK-LABEL: func.func @through_1d
// CHECK: %[[C:.*]] = tensor.collapse_shape %arg0 {{\[}}[0, 1]] : tensor<2x6xf32> into tensor<12xf32>
// CHECK-NEXT: %[[E:.*]] = tensor.expand_shape %[[C]] {{\[}}[0, 1]] output_shape [3, 4] : tensor<12xf32> into tensor<3x4xf32>
// CHECK-NEXT: return %[[E]]
func.func @through_1d(%x: tensor<2x6xf32>) -> tensor<3x4xf32> {
  %0 = tessera.reshape %x : tensor<2x6xf32> -> tensor<3x4xf32>
  return %0 : tensor<3x4xf32>
}

// -----

// Unit dims join a neighbouring group, on either side.
// CHECK-LABEL: func.func @unit_dims
// CHECK: %[[B:.*]] = tensor.dim %arg0, %c0
// CHECK: %[[C:.*]] = tensor.collapse_shape %arg0 {{\[}}[0], [1, 2]] : tensor<?x1x768xf32> into tensor<?x768xf32>
// CHECK-NEXT: %[[E:.*]] = tensor.expand_shape %[[C]] {{\[}}[0], [1, 2]] output_shape [%[[B]], 768, 1] : tensor<?x768xf32> into tensor<?x768x1xf32>
// CHECK-NEXT: return %[[E]]
func.func @unit_dims(%x: tensor<?x1x768xf32>) -> tensor<?x768x1xf32> {
  %c0 = arith.constant 0 : index
  %b = tensor.dim %x, %c0 : tensor<?x1x768xf32>
  %0 = tessera.reshape %x dims(%b) : tensor<?x1x768xf32> -> tensor<?x768x1xf32>
  return %0 : tensor<?x768x1xf32>
}

// -----

// Sizes that cannot be related to the input's: the result takes the dims
// operands as they are. Two dynamic sizes from one group are a
// tensor.reshape to a shape tensor (memref.expand_shape allows one).
// CHECK-LABEL: func.func @opaque_sizes
// CHECK: %[[SHAPE:.*]] = tensor.from_elements %arg1, %arg2 : tensor<2xindex>
// CHECK-NEXT: %[[R:.*]] = tensor.reshape %arg0(%[[SHAPE]]) : (tensor<?x?xf32>, tensor<2xindex>) -> tensor<?x?xf32>
// CHECK-NEXT: return %[[R]]
// BUF-LABEL: func.func @opaque_sizes
// BUF: memref.reshape
func.func @opaque_sizes(%x: tensor<?x?xf32>, %a: index, %b: index) -> tensor<?x?xf32> {
  %0 = tessera.reshape %x dims(%a, %b) : tensor<?x?xf32> -> tensor<?x?xf32>
  return %0 : tensor<?x?xf32>
}

// -----

// One opaque size: collapse to 1-D and expand to it.
// CHECK-LABEL: func.func @opaque_size
// CHECK: %[[C:.*]] = tensor.collapse_shape %arg0 {{\[}}[0, 1]] : tensor<?x4xf32> into tensor<?xf32>
// CHECK-NEXT: %[[E:.*]] = tensor.expand_shape %[[C]] {{\[}}[0, 1]] output_shape [%arg1, 2] : tensor<?xf32> into tensor<?x2xf32>
// CHECK-NEXT: return %[[E]]
func.func @opaque_size(%x: tensor<?x4xf32>, %n: index) -> tensor<?x2xf32> {
  %0 = tessera.reshape %x dims(%n) : tensor<?x4xf32> -> tensor<?x2xf32>
  return %0 : tensor<?x2xf32>
}

// -----

// Scalars: expand from and collapse to rank 0, with no groups.
// CHECK-LABEL: func.func @scalars
// CHECK: %[[E:.*]] = tensor.expand_shape %arg0 [] output_shape [1, 1] : tensor<f32> into tensor<1x1xf32>
// CHECK: %[[U:.*]] = tensor.cast %arg1 : tensor<?x1xf32> to tensor<1x1xf32>
// CHECK-NEXT: %[[C:.*]] = tensor.collapse_shape %[[U]] [] : tensor<1x1xf32> into tensor<f32>
// CHECK-NEXT: return %[[E]], %[[C]]
func.func @scalars(%x: tensor<f32>, %y: tensor<?x1xf32>) -> (tensor<1x1xf32>, tensor<f32>) {
  %0 = tessera.reshape %x : tensor<f32> -> tensor<1x1xf32>
  %1 = tessera.reshape %y : tensor<?x1xf32> -> tensor<f32>
  return %0, %1 : tensor<1x1xf32>, tensor<f32>
}

// -----

// No elements: nothing to move.
// CHECK-LABEL: func.func @empty
// CHECK-NEXT: %[[E:.*]] = tensor.empty() : tensor<5x0xf32>
// CHECK-NEXT: return %[[E]]
func.func @empty(%x: tensor<0x3xf32>) -> tensor<5x0xf32> {
  %0 = tessera.reshape %x : tensor<0x3xf32> -> tensor<5x0xf32>
  return %0 : tensor<5x0xf32>
}
