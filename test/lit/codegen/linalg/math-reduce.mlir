// RUN: tessera-opt %s --tessera-lower-to-linalg --split-input-file | FileCheck %s
// RUN: tessera-opt %s --tessera-lower-to-linalg --one-shot-bufferize=bufferize-function-boundaries --split-input-file | FileCheck %s --check-prefix=BUF

// A LayerNorm mean: the sum accumulates f16 in f32 (into a zero fill, over
// a reduction iterator), the epilogue divides by the static count and
// rounds back, and keep_dims re-inserts the size-1 dim.
// CHECK-DAG: #[[IN:.*]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-DAG: #[[KEPT:.*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-LABEL: func.func @mean_last_f16
// CHECK: %[[B:.*]] = tensor.dim %arg0, %c0
// CHECK: %[[S:.*]] = tensor.dim %arg0, %c1
// CHECK: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK: %[[E:.*]] = tensor.empty(%[[B]], %[[S]]) : tensor<?x?xf32>
// CHECK: %[[F:.*]] = linalg.fill ins(%[[ZERO]] : f32) outs(%[[E]] : tensor<?x?xf32>)
// CHECK: %[[SUM:.*]] = linalg.generic {indexing_maps = [#[[IN]], #[[KEPT]]], iterator_types = ["parallel", "parallel", "reduction"]}
// CHECK-SAME: ins(%arg0 : tensor<?x?x768xf16>) outs(%[[F]] : tensor<?x?xf32>)
// CHECK: ^bb0(%[[X:.*]]: f16, %[[ACC:.*]]: f32):
// CHECK-NEXT: %[[XW:.*]] = arith.extf %[[X]] : f16 to f32
// CHECK-NEXT: %[[A:.*]] = arith.addf %[[ACC]], %[[XW]] : f32
// CHECK-NEXT: linalg.yield %[[A]] : f32
// CHECK: %[[N:.*]] = arith.constant 7.680000e+02 : f32
// CHECK: %[[MEAN:.*]] = linalg.generic
// CHECK-SAME: ins(%[[SUM]] : tensor<?x?xf32>) outs(%{{.*}} : tensor<?x?xf16>)
// CHECK: %[[D:.*]] = arith.divf %{{.*}}, %[[N]] : f32
// CHECK-NEXT: %[[T:.*]] = arith.truncf %[[D]] : f32 to f16
// CHECK: %[[R:.*]] = tensor.expand_shape %[[MEAN]] {{\[}}[0], [1, 2]] output_shape [%[[B]], %[[S]], 1] : tensor<?x?xf16> into tensor<?x?x1xf16>
// CHECK: return %[[R]]
// BUF-LABEL: func.func @mean_last_f16
// BUF: memref.expand_shape
func.func @mean_last_f16(%x: tensor<?x?x768xf16>) -> tensor<?x?x1xf16> {
  %mu = tessera.reduce_mean %x [2] keep_dims : tensor<?x?x768xf16> -> tensor<?x?x1xf16>
  return %mu : tensor<?x?x1xf16>
}

// -----

// The mean over dynamic dims divides by the product of their tensor.dim.
// CHECK-DAG: #[[KEPT:.*]] = affine_map<(d0, d1, d2, d3) -> (d2)>
// CHECK-LABEL: func.func @mean_dynamic
// CHECK: linalg.generic {indexing_maps = [#{{.*}}, #[[KEPT]]], iterator_types = ["reduction", "reduction", "parallel", "reduction"]}
// CHECK: %[[D0:.*]] = tensor.dim %arg0, %c0
// CHECK: %[[D1:.*]] = tensor.dim %arg0, %c1
// CHECK: %[[P:.*]] = arith.muli %[[D0]], %[[D1]] : index
// CHECK: %[[P2:.*]] = arith.muli %[[P]], %c3 : index
// CHECK: %[[I:.*]] = arith.index_cast %[[P2]] : index to i64
// CHECK: %[[N:.*]] = arith.sitofp %[[I]] : i64 to f32
// CHECK: arith.divf %{{.*}}, %[[N]] : f32
// CHECK-NOT: tensor.expand_shape
func.func @mean_dynamic(%x: tensor<?x?x8x3xf32>) -> tensor<8xf32> {
  %mu = tessera.reduce_mean %x [0, 1, 3] : tensor<?x?x8x3xf32> -> tensor<8xf32>
  return %mu : tensor<8xf32>
}

// -----

// An integer mean truncates toward zero (divsi), by a count cast from index.
// CHECK-LABEL: func.func @mean_int
// CHECK: arith.addi %{{.*}}, %{{.*}} : i64
// CHECK: %[[D:.*]] = tensor.dim %arg0, %c1
// CHECK: %[[N:.*]] = arith.index_cast %[[D]] : index to i64
// CHECK: arith.divsi %{{.*}}, %[[N]] : i64
func.func @mean_int(%x: tensor<3x?xi64>) -> tensor<3xi64> {
  %mu = tessera.reduce_mean %x [1] : tensor<3x?xi64> -> tensor<3xi64>
  return %mu : tensor<3xi64>
}

// -----

// reduce_max starts from -inf (so an empty reduction gives -inf, as ONNX
// ReduceMax) and propagates NaN; it needs no epilogue.
// CHECK-LABEL: func.func @max_float
// CHECK: %[[NINF:.*]] = arith.constant 0xFF800000 : f32
// CHECK: linalg.fill ins(%[[NINF]] : f32)
// CHECK: iterator_types = ["parallel", "reduction"]
// CHECK: arith.maximumf %{{.*}}, %{{.*}} : f32
// CHECK-NEXT: linalg.yield
// CHECK-NOT: linalg.generic
// CHECK: return
func.func @max_float(%x: tensor<2x0xf32>) -> tensor<2xf32> {
  %m = tessera.reduce_max %x [1] : tensor<2x0xf32> -> tensor<2xf32>
  return %m : tensor<2xf32>
}

// -----

// Integer max starts from the smallest integer; a declared result less
// static than the computed one gets a tensor.cast.
// CHECK-LABEL: func.func @max_int
// CHECK: %[[MIN:.*]] = arith.constant -2147483648 : i32
// CHECK: linalg.fill ins(%[[MIN]] : i32)
// CHECK: arith.maxsi %{{.*}}, %{{.*}} : i32
// CHECK: %[[X:.*]] = tensor.expand_shape %{{.*}} {{\[}}[0, 1]] output_shape [3, 1] : tensor<3xi32> into tensor<3x1xi32>
// CHECK: tensor.cast %[[X]] : tensor<3x1xi32> to tensor<?x1xi32>
func.func @max_int(%x: tensor<3x4xi32>) -> tensor<?x1xi32> {
  %m = tessera.reduce_max %x [1] keep_dims : tensor<3x4xi32> -> tensor<?x1xi32>
  return %m : tensor<?x1xi32>
}

// -----

// The max of booleans is their "or": from false, unsigned. Reducing every
// dim yields a rank-0 tensor that keep_dims expands with no groups.
// CHECK-LABEL: func.func @max_bool_all
// CHECK: %[[FALSE:.*]] = arith.constant false
// CHECK: %[[E:.*]] = tensor.empty() : tensor<i1>
// CHECK: linalg.fill ins(%[[FALSE]] : i1) outs(%[[E]] : tensor<i1>)
// CHECK: iterator_types = ["reduction", "reduction"]
// CHECK: arith.maxui %{{.*}}, %{{.*}} : i1
// CHECK: tensor.expand_shape %{{.*}} [] output_shape [1, 1] : tensor<i1> into tensor<1x1xi1>
func.func @max_bool_all(%x: tensor<2x3xi1>) -> tensor<1x1xi1> {
  %m = tessera.reduce_max %x [0, 1] keep_dims : tensor<2x3xi1> -> tensor<1x1xi1>
  return %m : tensor<1x1xi1>
}

// -----

// Reduced dims join the group of the kept dim after them; an f32 sum needs
// no epilogue.
// CHECK-LABEL: func.func @sum_leading
// CHECK: linalg.generic {{.*}} iterator_types = ["reduction", "reduction", "parallel"]
// CHECK: arith.addf
// CHECK-NOT: linalg.generic
// CHECK: tensor.expand_shape %{{.*}} {{\[}}[0, 1, 2]] output_shape [1, 1, 8] : tensor<8xf32> into tensor<1x1x8xf32>
// BUF-LABEL: func.func @sum_leading
// BUF: memref.expand_shape
func.func @sum_leading(%x: tensor<2x?x8xf32>) -> tensor<1x1x8xf32> {
  %s = tessera.reduce_sum %x [0, 1] keep_dims : tensor<2x?x8xf32> -> tensor<1x1x8xf32>
  return %s : tensor<1x1x8xf32>
}

// -----

// Dim 1 joins the kept dim after it; the trailing reduced dim joins the
// last kept dim's group.
// CHECK-LABEL: func.func @sum_middle_and_last
// CHECK: iterator_types = ["parallel", "reduction", "parallel", "reduction"]
// CHECK: tensor.expand_shape %{{.*}} {{\[}}[0], [1, 2, 3]] output_shape [%{{.*}}, 1, 5, 1] : tensor<?x5xi32> into tensor<?x1x5x1xi32>
func.func @sum_middle_and_last(%x: tensor<?x4x5x6xi32>) -> tensor<?x1x5x1xi32> {
  %s = tessera.reduce_sum %x [1, 3] keep_dims : tensor<?x4x5x6xi32> -> tensor<?x1x5x1xi32>
  return %s : tensor<?x1x5x1xi32>
}
