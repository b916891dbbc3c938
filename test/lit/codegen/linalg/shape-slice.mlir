// RUN: tessera-opt %s --tessera-lower-to-linalg --split-input-file | FileCheck %s
// RUN: tessera-opt %s --tessera-lower-to-linalg --one-shot-bufferize --split-input-file | FileCheck %s --check-prefix=BUF

// Static bounds on static dims follow ONNX at compile time: a negative
// start counts from the end, bounds clamp to the dim, a stride only matters
// for two elements or more, and an empty range is a zero-size slice at
// offset 0 (a start past the end clamps to the end, which the bounds check
// of a slice would refuse).
// CHECK-LABEL: func.func @onnx_static
// CHECK: %[[A:.*]] = tensor.extract_slice %arg0[7] [3] [1] : tensor<10xf32> to tensor<3xf32>
// CHECK: %[[B:.*]] = tensor.extract_slice %arg0[0] [4] [3] : tensor<10xf32> to tensor<4xf32>
// CHECK: %[[C:.*]] = tensor.extract_slice %arg0[9] [1] [1] : tensor<10xf32> to tensor<1xf32>
// CHECK: %[[D:.*]] = tensor.extract_slice %arg0[0] [0] [1] : tensor<10xf32> to tensor<0xf32>
// CHECK: %[[E:.*]] = tensor.extract_slice %arg0[0] [0] [1] : tensor<10xf32> to tensor<0xf32>
// CHECK: return %[[A]], %[[B]], %[[C]], %[[D]], %[[E]]
// BUF-LABEL: func.func @onnx_static
// BUF: memref.subview %{{.*}}[7] [3] [1]
func.func @onnx_static(%x: tensor<10xf32>) -> (tensor<3xf32>, tensor<4xf32>, tensor<1xf32>, tensor<0xf32>, tensor<0xf32>) {
  %0 = tessera.slice %x starts [-3] ends [9223372036854775807] steps [1] : tensor<10xf32> -> tensor<3xf32>
  %1 = tessera.slice %x starts [-9223372036854775807] ends [100] steps [3] : tensor<10xf32> -> tensor<4xf32>
  %2 = tessera.slice %x starts [9] ends [100] steps [9223372036854775807] : tensor<10xf32> -> tensor<1xf32>
  %3 = tessera.slice %x starts [5] ends [2] steps [1] : tensor<10xf32> -> tensor<0xf32>
  %4 = tessera.slice %x starts [10] ends [100] steps [1] : tensor<10xf32> -> tensor<0xf32>
  return %0, %1, %2, %3, %4 : tensor<3xf32>, tensor<4xf32>, tensor<1xf32>, tensor<0xf32>, tensor<0xf32>
}

// -----

// A declared type more static than the bounds say: its size is used; a
// cast gives the declared type where the slice's differs.
// CHECK-LABEL: func.func @first_token
// CHECK: %[[B:.*]] = tensor.dim %arg0, %c0
// CHECK: %[[S:.*]] = tensor.extract_slice %arg0[0, 0, 0] [%[[B]], 1, 768] [1, 1, 1] : tensor<?x?x768xf32> to tensor<?x1x768xf32>
// CHECK-NEXT: return %[[S]]
func.func @first_token(%x: tensor<?x?x768xf32>) -> tensor<?x1x768xf32> {
  %0 = tessera.slice %x starts [0, 0, 0] ends [9223372036854775807, 1, 9223372036854775807] steps [1, 1, 1] : tensor<?x?x768xf32> -> tensor<?x1x768xf32>
  return %0 : tensor<?x1x768xf32>
}

// -----

// A run-time end: wrapped when negative, clamped to [0, 2048], and the
// length is what is left after the start.
// CHECK-LABEL: func.func @dynamic_end
// CHECK: %[[Z:.*]] = arith.constant 0 : index
// CHECK: %[[NEG:.*]] = arith.cmpi slt, %arg1, %[[Z]] : index
// CHECK: %[[N:.*]] = arith.constant 2048 : index
// CHECK: %[[W:.*]] = arith.addi %arg1, %[[N]] : index
// CHECK: %[[E:.*]] = arith.select %[[NEG]], %[[W]], %arg1 : index
// CHECK: %[[LO:.*]] = arith.maxsi %[[E]], %{{.*}} : index
// CHECK: %[[HI:.*]] = arith.minsi %[[LO]], %{{.*}} : index
// CHECK: %[[S:.*]] = tensor.extract_slice %arg0[0, 0] [%[[HI]], 32] [1, 1] : tensor<2048x32xf32> to tensor<?x32xf32>
// CHECK-NEXT: return %[[S]]
func.func @dynamic_end(%cache: tensor<2048x32xf32>, %n: index) -> tensor<?x32xf32> {
  %0 = tessera.slice %cache starts [0, 0] ends [%n, 9223372036854775807] steps [1, 1] : tensor<2048x32xf32> -> tensor<?x32xf32>
  return %0 : tensor<?x32xf32>
}

// -----

// A run-time start and a stride on a dynamic dim: start and end clamp to
// [0, dim], the length is ceil((end - start) / step), at least 0.
// CHECK-LABEL: func.func @dynamic_start_strided
// CHECK: %[[D:.*]] = tensor.dim %arg0, %c0
// CHECK: %[[SEL:.*]] = arith.select
// CHECK: %[[SLO:.*]] = arith.maxsi %[[SEL]], %{{.*}} : index
// CHECK: %[[START:.*]] = arith.minsi %[[SLO]], %[[D]] : index
// CHECK: %[[END:.*]] = arith.minsi %{{.*}}, %[[D]] : index
// CHECK: %[[DIFF:.*]] = arith.subi %[[END]], %[[START]] : index
// CHECK: %[[POS:.*]] = arith.maxsi %[[DIFF]], %{{.*}} : index
// CHECK: %[[LEN:.*]] = arith.ceildivsi %[[POS]], %{{.*}} : index
// CHECK: tensor.extract_slice %arg0[%[[START]]] [%[[LEN]]] [2] : tensor<?xf32> to tensor<?xf32>
func.func @dynamic_start_strided(%x: tensor<?xf32>, %s: index) -> tensor<?xf32> {
  %0 = tessera.slice %x starts [%s] ends [7] steps [2] : tensor<?xf32> -> tensor<?xf32>
  return %0 : tensor<?xf32>
}

// -----

// A negative step: a generic over the result reads element
// first + i * step with tensor.extract; first is the start clamped to
// [0, dim - 1].
// CHECK-LABEL: func.func @reverse
// CHECK: %[[FIRST:.*]] = arith.constant 9 : index
// CHECK: %[[E:.*]] = tensor.empty() : tensor<5x4xf32>
// CHECK: linalg.generic
// CHECK-SAME: outs(%[[E]] : tensor<5x4xf32>)
// CHECK: %[[I:.*]] = linalg.index 0 : index
// CHECK: %[[STEP:.*]] = arith.constant -2 : index
// CHECK: %[[OFF:.*]] = arith.muli %[[I]], %[[STEP]] : index
// CHECK: %[[ROW:.*]] = arith.addi %[[FIRST]], %[[OFF]] : index
// CHECK: %[[COL:.*]] = linalg.index 1 : index
// CHECK: %[[V:.*]] = tensor.extract %arg0[%[[ROW]], %[[COL]]] : tensor<10x4xf32>
// CHECK: linalg.yield %[[V]] : f32
// BUF-LABEL: func.func @reverse
// BUF: memref.load
func.func @reverse(%x: tensor<10x4xf32>) -> tensor<5x4xf32> {
  %0 = tessera.slice %x starts [-1, 0] ends [-9223372036854775807, 9223372036854775807] steps [-2, 1] : tensor<10x4xf32> -> tensor<5x4xf32>
  return %0 : tensor<5x4xf32>
}

// -----

// Walking backwards over a dynamic dim: the start clamps to [0, dim - 1],
// the end to [-1, dim - 1].
// CHECK-LABEL: func.func @reverse_dynamic
// CHECK: %[[D:.*]] = tensor.dim %arg0, %c0
// CHECK: %[[LAST:.*]] = arith.subi %[[D]], %{{.*}} : index
// CHECK: %[[SLO:.*]] = arith.maxsi %{{.*}}, %{{.*}} : index
// CHECK: %[[START:.*]] = arith.minsi %[[SLO]], %[[LAST]] : index
// CHECK: %[[ELO:.*]] = arith.maxsi %{{.*}}, %{{.*}} : index
// CHECK: %[[END:.*]] = arith.minsi %[[ELO]], %[[LAST]] : index
// CHECK: %[[DIFF:.*]] = arith.subi %[[START]], %[[END]] : index
// CHECK: %[[LEN:.*]] = arith.maxsi %[[DIFF]], %{{.*}} : index
// CHECK: %[[E:.*]] = tensor.empty(%[[LEN]]) : tensor<?xf32>
// CHECK: linalg.generic
// CHECK: arith.addi %[[START]], %{{.*}} : index
func.func @reverse_dynamic(%x: tensor<?xf32>) -> tensor<?xf32> {
  %0 = tessera.slice %x starts [-1] ends [-9223372036854775807] steps [-1] : tensor<?xf32> -> tensor<?xf32>
  return %0 : tensor<?xf32>
}
