// RUN: tessera-opt %s --tessera-lower-to-linalg --split-input-file | FileCheck %s
// RUN: tessera-opt %s --tessera-lower-to-linalg --one-shot-bufferize --split-input-file | FileCheck %s --check-prefix=BUF

// A causal mask: lower keeps col - row <= diagonal (rows and cols are the
// last two loops), the rest becomes false.
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-LABEL: func.func @causal
// CHECK: %[[E:.*]] = tensor.empty(%{{.*}}, %{{.*}}) : tensor<?x?xi1>
// CHECK: %[[FALSE:.*]] = arith.constant false
// CHECK: %[[DIAG:.*]] = arith.constant 0 : index
// CHECK: linalg.generic {indexing_maps = [#[[ID]], #[[ID]]], iterator_types = ["parallel", "parallel"]}
// CHECK-SAME: ins(%arg0 : tensor<?x?xi1>) outs(%[[E]] : tensor<?x?xi1>)
// CHECK-NEXT: ^bb0(%[[X:[^:]+]]: i1, %{{.*}}: i1):
// CHECK-NEXT: %[[ROW:.*]] = linalg.index 0 : index
// CHECK-NEXT: %[[COL:.*]] = linalg.index 1 : index
// CHECK-NEXT: %[[D:.*]] = arith.subi %[[COL]], %[[ROW]] : index
// CHECK-NEXT: %[[KEEP:.*]] = arith.cmpi sle, %[[D]], %[[DIAG]] : index
// CHECK-NEXT: %[[V:.*]] = arith.select %[[KEEP]], %[[X]], %[[FALSE]] : i1
// CHECK-NEXT: linalg.yield %[[V]] : i1
// BUF-LABEL: func.func @causal
// BUF: linalg.generic
// BUF-SAME: outs(%{{.*}} : memref<?x?xi1>)
func.func @causal(%ones: tensor<?x?xi1>) -> tensor<?x?xi1> {
  %0 = tessera.trilu lower %ones diagonal 0 : tensor<?x?xi1>
  return %0 : tensor<?x?xi1>
}

// -----

// Upper with a diagonal below the main one, on a batch of float matrices:
// the matrix is the last two dims.
// CHECK-LABEL: func.func @upper_batched
// CHECK: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK: %[[DIAG:.*]] = arith.constant -1 : index
// CHECK: %[[ROW:.*]] = linalg.index 1 : index
// CHECK-NEXT: %[[COL:.*]] = linalg.index 2 : index
// CHECK-NEXT: %[[D:.*]] = arith.subi %[[COL]], %[[ROW]] : index
// CHECK-NEXT: %[[KEEP:.*]] = arith.cmpi sge, %[[D]], %[[DIAG]] : index
// CHECK-NEXT: arith.select %[[KEEP]], %{{.*}}, %[[ZERO]] : f32
func.func @upper_batched(%x: tensor<2x3x4xf32>) -> tensor<2x3x4xf32> {
  %0 = tessera.trilu upper %x diagonal -1 : tensor<2x3x4xf32>
  return %0 : tensor<2x3x4xf32>
}
