// RUN: tessera-opt %s --tessera-lower-to-linalg --split-input-file | FileCheck %s
// RUN: tessera-opt %s --tessera-lower-to-linalg --one-shot-bufferize --split-input-file | FileCheck %s --check-prefix=BUF

// Rows of a table: a generic over the result [ids..., 768] reads the index
// through its indexing map, wraps a negative one by the axis size, clamps it
// into [0, 50256] so that no read leaves the table, and extracts.
// CHECK-DAG: #[[IDS:.*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-DAG: #[[OUT:.*]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-LABEL: func.func @rows
// CHECK: %[[E:.*]] = tensor.empty(%{{.*}}, %{{.*}}) : tensor<?x?x768xf32>
// CHECK: %[[N:.*]] = arith.constant 50257 : index
// CHECK: %[[LAST:.*]] = arith.constant 50256 : index
// CHECK: linalg.generic {indexing_maps = [#[[IDS]], #[[OUT]]], iterator_types = ["parallel", "parallel", "parallel"]}
// CHECK-SAME: ins(%arg1 : tensor<?x?xi64>) outs(%[[E]] : tensor<?x?x768xf32>)
// CHECK-NEXT: ^bb0(%[[ID:[^:]+]]: i64, %{{.*}}: f32):
// CHECK-NEXT: %[[I:.*]] = arith.index_cast %[[ID]] : i64 to index
// CHECK-NEXT: %[[Z:.*]] = arith.constant 0 : index
// CHECK-NEXT: %[[NEG:.*]] = arith.cmpi slt, %[[I]], %[[Z]] : index
// CHECK-NEXT: %[[W:.*]] = arith.addi %[[I]], %[[N]] : index
// CHECK-NEXT: %[[SEL:.*]] = arith.select %[[NEG]], %[[W]], %[[I]] : index
// CHECK-NEXT: %[[HI:.*]] = arith.minsi %[[SEL]], %[[LAST]] : index
// CHECK-NEXT: %[[ROW:.*]] = arith.maxsi %[[HI]], %[[Z]] : index
// CHECK-NEXT: %[[COL:.*]] = linalg.index 2 : index
// CHECK-NEXT: %[[V:.*]] = tensor.extract %arg0[%[[ROW]], %[[COL]]] : tensor<50257x768xf32>
// CHECK-NEXT: linalg.yield %[[V]] : f32
// BUF-LABEL: func.func @rows
// BUF: memref.load
func.func @rows(%table: tensor<50257x768xf32>, %ids: tensor<?x?xi64>) -> tensor<?x?x768xf32> {
  %0 = tessera.gather %table[%ids] axis 0 : (tensor<50257x768xf32>, tensor<?x?xi64>) -> tensor<?x?x768xf32>
  return %0 : tensor<?x?x768xf32>
}

// -----

// An inner axis of dynamic size and a scalar index: the result drops the
// axis, the loops before and after it index the input directly.
// CHECK-DAG: #[[IDX:.*]] = affine_map<(d0, d1) -> ()>
// CHECK-LABEL: func.func @inner_axis
// CHECK: %[[N:.*]] = tensor.dim %arg0, %c1 : tensor<2x?x5xf32>
// CHECK: %[[LAST:.*]] = arith.subi %[[N]], %{{.*}} : index
// CHECK: linalg.generic {indexing_maps = [#[[IDX]], #{{.*}}]
// CHECK-SAME: ins(%arg1 : tensor<i32>) outs(%{{.*}} : tensor<2x5xf32>)
// CHECK: arith.index_cast %{{.*}} : i32 to index
// CHECK: arith.addi %{{.*}}, %[[N]] : index
// CHECK: arith.minsi %{{.*}}, %[[LAST]] : index
// CHECK: %[[AT:.*]] = arith.maxsi
// CHECK: %[[I0:.*]] = linalg.index 0 : index
// CHECK: %[[I1:.*]] = linalg.index 1 : index
// CHECK: tensor.extract %arg0[%[[I0]], %[[AT]], %[[I1]]] : tensor<2x?x5xf32>
func.func @inner_axis(%x: tensor<2x?x5xf32>, %i: tensor<i32>) -> tensor<2x5xf32> {
  %0 = tessera.gather %x[%i] axis 1 : (tensor<2x?x5xf32>, tensor<i32>) -> tensor<2x5xf32>
  return %0 : tensor<2x5xf32>
}
