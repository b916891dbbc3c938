// RUN: tessera-opt %s --tessera-lower-to-linalg --split-input-file | FileCheck %s

// Rank 2 x rank 2: linalg.matmul into a zero fill; m from the lhs, n from
// the rhs.
// CHECK-LABEL: func.func @matmul_2d
// CHECK: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK: %[[M:.*]] = tensor.dim %arg0, %c0 : tensor<?x768xf32>
// CHECK: %[[N:.*]] = tensor.dim %arg1, %c1 : tensor<768x?xf32>
// CHECK: %[[E:.*]] = tensor.empty(%[[M]], %[[N]]) : tensor<?x?xf32>
// CHECK: %[[F:.*]] = linalg.fill ins(%[[ZERO]] : f32) outs(%[[E]] : tensor<?x?xf32>)
// CHECK: %[[R:.*]] = linalg.matmul ins(%arg0, %arg1 : tensor<?x768xf32>, tensor<768x?xf32>) outs(%[[F]] : tensor<?x?xf32>)
// CHECK: return %[[R]]
func.func @matmul_2d(%x: tensor<?x768xf32>, %w: tensor<768x?xf32>) -> tensor<?x?xf32> {
  %r = tessera.matmul %x, %w : (tensor<?x768xf32>, tensor<768x?xf32>) -> tensor<?x?xf32>
  return %r : tensor<?x?xf32>
}

// -----

// A projection of (batch, seq, hidden) by a shared weight: one generic over
// (b, m, n, k) with k the reduction; the weight has no batch dims.
// CHECK-DAG: #[[LHS:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>
// CHECK-DAG: #[[RHS:.*]] = affine_map<(d0, d1, d2, d3) -> (d3, d2)>
// CHECK-DAG: #[[OUT:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
// CHECK-LABEL: func.func @projection
// CHECK: %[[B:.*]] = tensor.dim %arg0, %c0
// CHECK: %[[S:.*]] = tensor.dim %arg0, %c1
// CHECK: %[[E:.*]] = tensor.empty(%[[B]], %[[S]]) : tensor<?x?x3072xf32>
// CHECK: %[[F:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%[[E]]
// CHECK: linalg.generic {indexing_maps = [#[[LHS]], #[[RHS]], #[[OUT]]], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
// CHECK-SAME: ins(%arg0, %arg1 : tensor<?x?x768xf32>, tensor<768x3072xf32>) outs(%[[F]] : tensor<?x?x3072xf32>)
// CHECK: ^bb0(%[[A:.*]]: f32, %[[W:.*]]: f32, %[[ACC:.*]]: f32):
// CHECK-NEXT: %[[P:.*]] = arith.mulf %[[A]], %[[W]] : f32
// CHECK-NEXT: %[[SUM:.*]] = arith.addf %[[ACC]], %[[P]] : f32
// CHECK-NEXT: linalg.yield %[[SUM]] : f32
func.func @projection(%x: tensor<?x?x768xf32>, %w: tensor<768x3072xf32>) -> tensor<?x?x3072xf32> {
  %r = tessera.matmul %x, %w : (tensor<?x?x768xf32>, tensor<768x3072xf32>) -> tensor<?x?x3072xf32>
  return %r : tensor<?x?x3072xf32>
}

// -----

// Batch dims broadcast NumPy-style: a static 1 reads index 0, ranks align
// from the right, and a dynamic batch size comes from the operand that does
// not stretch it.
// CHECK-DAG: #[[LHS:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (0, d1, d2, d4)>
// CHECK-DAG: #[[RHS:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, 0, d4, d3)>
// CHECK-DAG: #[[OUT:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3)>
// CHECK-LABEL: func.func @batch_broadcast
// CHECK: %[[H:.*]] = tensor.dim %arg0, %c1 : tensor<1x?x8x16xf32>
// CHECK: %[[N:.*]] = tensor.dim %arg1, %c3 : tensor<4x1x16x?xf32>
// CHECK: tensor.empty(%[[H]], %[[N]]) : tensor<4x?x8x?xf32>
// CHECK: linalg.generic {indexing_maps = [#[[LHS]], #[[RHS]], #[[OUT]]], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
func.func @batch_broadcast(%a: tensor<1x?x8x16xf32>, %b: tensor<4x1x16x?xf32>) -> tensor<4x?x8x?xf32> {
  %r = tessera.matmul %a, %b : (tensor<1x?x8x16xf32>, tensor<4x1x16x?xf32>) -> tensor<4x?x8x?xf32>
  return %r : tensor<4x?x8x?xf32>
}

// -----

// Integer matmuls accumulate in the result type (muli/addi into a zero
// fill); here the lhs is the operand without batch dims.
// CHECK-DAG: #[[LHS:.*]] = affine_map<(d0, d1, d2, d3) -> (d1, d3)>
// CHECK-DAG: #[[RHS:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d3, d2)>
// CHECK-LABEL: func.func @int_lhs_2d
// CHECK: %[[ZERO:.*]] = arith.constant 0 : i32
// CHECK: %[[B:.*]] = tensor.dim %arg1, %c0 : tensor<?x16x4xi32>
// CHECK: %[[E:.*]] = tensor.empty(%[[B]]) : tensor<?x8x4xi32>
// CHECK: linalg.fill ins(%[[ZERO]] : i32) outs(%[[E]]
// CHECK: linalg.generic {indexing_maps = [#[[LHS]], #[[RHS]], #{{.*}}]
// CHECK: arith.muli %{{.*}}, %{{.*}} : i32
// CHECK-NEXT: arith.addi %{{.*}}, %{{.*}} : i32
func.func @int_lhs_2d(%a: tensor<8x16xi32>, %b: tensor<?x16x4xi32>) -> tensor<?x8x4xi32> {
  %r = tessera.matmul %a, %b : (tensor<8x16xi32>, tensor<?x16x4xi32>) -> tensor<?x8x4xi32>
  return %r : tensor<?x8x4xi32>
}

// -----

// Attention scores Q . K^T with equal batch dims.
// CHECK-DAG: #[[Q:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d4)>
// CHECK-DAG: #[[K:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d4, d3)>
// CHECK-LABEL: func.func @scores
// CHECK: linalg.generic {indexing_maps = [#[[Q]], #[[K]], #{{.*}}], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
// CHECK-SAME: outs(%{{.*}} : tensor<?x12x?x?xf16>)
// CHECK: arith.mulf %{{.*}}, %{{.*}} : f16
func.func @scores(%q: tensor<?x12x?x64xf16>, %kt: tensor<?x12x64x?xf16>) -> tensor<?x12x?x?xf16> {
  %r = tessera.matmul %q, %kt : (tensor<?x12x?x64xf16>, tensor<?x12x64x?xf16>) -> tensor<?x12x?x?xf16>
  return %r : tensor<?x12x?x?xf16>
}
