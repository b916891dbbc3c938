// RUN: tessera-opt %s --tessera-lower-to-linalg --split-input-file | FileCheck %s
// RUN: tessera-opt %s --tessera-lower-to-linalg --one-shot-bufferize=bufferize-function-boundaries --split-input-file | FileCheck %s --check-prefix=BUF

// Position ids from a mask: an scf.for along the axis carries the output
// and the running sum (one slice along the axis, from a zero fill); each
// step adds the input slice into the sum and inserts the sum.
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-LABEL: func.func @inclusive
// CHECK: %[[B:.*]] = tensor.dim %arg0, %c0
// CHECK: %[[S:.*]] = tensor.dim %arg0, %c1
// CHECK: %[[ZERO:.*]] = arith.constant 0 : i64
// CHECK: %[[E:.*]] = tensor.empty(%[[B]]) : tensor<?x1xi64>
// CHECK: %[[INIT:.*]] = linalg.fill ins(%[[ZERO]] : i64) outs(%[[E]] : tensor<?x1xi64>)
// CHECK: %[[OUT:.*]] = tensor.empty(%[[B]], %[[S]]) : tensor<?x?xi64>
// CHECK: %[[L:.*]]:2 = scf.for %[[I:.*]] = %{{.*}} to %[[S]] step %{{.*}} iter_args(%[[O:.*]] = %[[OUT]], %[[SUM:.*]] = %[[INIT]]) -> (tensor<?x?xi64>, tensor<?x1xi64>)
// CHECK-NEXT: %[[X:.*]] = tensor.extract_slice %arg0[0, %[[I]]] [%[[B]], 1] [1, 1] : tensor<?x?xi64> to tensor<?x1xi64>
// CHECK-NEXT: %[[NEXT:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[ID]]], iterator_types = ["parallel", "parallel"]}
// CHECK-SAME: ins(%[[X]] : tensor<?x1xi64>) outs(%[[SUM]] : tensor<?x1xi64>)
// CHECK: arith.addi %{{.*}}, %{{.*}} : i64
// CHECK: %[[INS:.*]] = tensor.insert_slice %[[NEXT]] into %[[O]][0, %[[I]]] [%[[B]], 1] [1, 1] : tensor<?x1xi64> into tensor<?x?xi64>
// CHECK-NEXT: scf.yield %[[INS]], %[[NEXT]] : tensor<?x?xi64>, tensor<?x1xi64>
// CHECK: return %[[L]]#0
// The running sum is updated in place: no allocation inside the loop.
// BUF-LABEL: func.func @inclusive
// BUF: scf.for
// BUF-NOT: memref.alloc
// BUF: scf.yield
func.func @inclusive(%mask: tensor<?x?xi64>) -> tensor<?x?xi64> {
  %pos = tessera.cumsum %mask axis 1 : tensor<?x?xi64>
  return %pos : tensor<?x?xi64>
}

// -----

// exclusive inserts the sum before adding the element; reverse walks the
// axis from its end (position n - 1 - i).
// CHECK-LABEL: func.func @exclusive_reverse
// CHECK: %[[LAST:.*]] = arith.subi %c4, %c1 : index
// CHECK: scf.for %[[I:.*]] = %c0 to %c4 step %c1 iter_args(%[[O:.*]] = %{{.*}}, %[[SUM:.*]] = %{{.*}})
// CHECK-NEXT: %[[P:.*]] = arith.subi %[[LAST]], %[[I]] : index
// CHECK-NEXT: %[[INS:.*]] = tensor.insert_slice %[[SUM]] into %[[O]][%[[P]], 0] [1, 3] [1, 1] : tensor<1x3xf32> into tensor<4x3xf32>
// CHECK-NEXT: %[[X:.*]] = tensor.extract_slice %arg0[%[[P]], 0] [1, 3] [1, 1] : tensor<4x3xf32> to tensor<1x3xf32>
// CHECK-NEXT: %[[NEXT:.*]] = linalg.generic
// CHECK-SAME: ins(%[[X]] : tensor<1x3xf32>) outs(%[[SUM]] : tensor<1x3xf32>)
// CHECK: arith.addf %{{.*}}, %{{.*}} : f32
// CHECK: scf.yield %[[INS]], %[[NEXT]]
// BUF-LABEL: func.func @exclusive_reverse
// BUF: scf.for
// BUF-NOT: memref.alloc
// BUF: scf.yield
func.func @exclusive_reverse(%x: tensor<4x3xf32>) -> tensor<4x3xf32> {
  %r = tessera.cumsum %x axis 0 exclusive reverse : tensor<4x3xf32>
  return %r : tensor<4x3xf32>
}

// -----

// A 1-D cumsum: the running sum is a tensor<1xi32>.
// CHECK-LABEL: func.func @vector
// CHECK: linalg.fill ins(%{{.*}} : i32) outs(%{{.*}} : tensor<1xi32>)
// CHECK: scf.for
// CHECK: tensor.extract_slice %arg0[%{{.*}}] [1] [1] : tensor<?xi32> to tensor<1xi32>
func.func @vector(%x: tensor<?xi32>) -> tensor<?xi32> {
  %r = tessera.cumsum %x axis 0 : tensor<?xi32>
  return %r : tensor<?xi32>
}
