// RUN: tessera-opt %s --tessera-lower-to-linalg --split-input-file | FileCheck %s
// RUN: tessera-opt %s --tessera-lower-to-linalg --one-shot-bufferize --split-input-file | FileCheck %s --check-prefix=BUF

// Token embedding: a generic over [ids..., dim] reads the id through its
// map, clamps it into [0, vocab - 1] (ids outside are an error, but must not
// read outside the table) and extracts the row element.
// CHECK-DAG: #[[IDS:.*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-DAG: #[[OUT:.*]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-LABEL: func.func @wte
// CHECK: %[[E:.*]] = tensor.empty(%{{.*}}, %{{.*}}) : tensor<?x?x768xf32>
// CHECK: %[[LAST:.*]] = arith.constant 50256 : index
// CHECK: linalg.generic {indexing_maps = [#[[IDS]], #[[OUT]]], iterator_types = ["parallel", "parallel", "parallel"]}
// CHECK-SAME: ins(%arg1 : tensor<?x?xi64>) outs(%[[E]] : tensor<?x?x768xf32>)
// CHECK-NEXT: ^bb0(%[[ID:[^:]+]]: i64, %{{.*}}: f32):
// CHECK-NEXT: %[[I:.*]] = arith.index_cast %[[ID]] : i64 to index
// CHECK-NEXT: %[[Z:.*]] = arith.constant 0 : index
// CHECK-NEXT: %[[HI:.*]] = arith.minsi %[[I]], %[[LAST]] : index
// CHECK-NEXT: %[[ROW:.*]] = arith.maxsi %[[HI]], %[[Z]] : index
// CHECK-NEXT: %[[COL:.*]] = linalg.index 2 : index
// CHECK-NEXT: %[[V:.*]] = tensor.extract %arg0[%[[ROW]], %[[COL]]] : tensor<50257x768xf32>
// CHECK-NEXT: linalg.yield %[[V]] : f32
// BUF-LABEL: func.func @wte
// BUF: memref.load
func.func @wte(%table: tensor<50257x768xf32>, %ids: tensor<?x?xi64>) -> tensor<?x?x768xf32> {
  %0 = tessera.embedding %table[%ids] : (tensor<50257x768xf32>, tensor<?x?xi64>) -> tensor<?x?x768xf32>
  return %0 : tensor<?x?x768xf32>
}

// -----

// A table of dynamic size: the last row comes from tensor.dim.
// CHECK-LABEL: func.func @dynamic_table
// CHECK: %[[V:.*]] = tensor.dim %arg0, %c0 : tensor<?x?xf16>
// CHECK: %[[LAST:.*]] = arith.subi %[[V]], %{{.*}} : index
// CHECK: linalg.generic
// CHECK-SAME: ins(%arg1 : tensor<?xi32>) outs(%{{.*}} : tensor<?x?xf16>)
// CHECK: arith.index_cast %{{.*}} : i32 to index
// CHECK: arith.minsi %{{.*}}, %[[LAST]] : index
func.func @dynamic_table(%table: tensor<?x?xf16>, %ids: tensor<?xi32>) -> tensor<?x?xf16> {
  %0 = tessera.embedding %table[%ids] : (tensor<?x?xf16>, tensor<?xi32>) -> tensor<?x?xf16>
  return %0 : tensor<?x?xf16>
}
