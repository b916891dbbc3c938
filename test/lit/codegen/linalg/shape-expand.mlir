// RUN: tessera-opt %s --tessera-lower-to-linalg --split-input-file | FileCheck %s
// RUN: tessera-opt %s --tessera-lower-to-linalg --one-shot-bufferize --split-input-file | FileCheck %s --check-prefix=BUF

// Grouped-query KV heads: the static 1 stretches (reads index 0), the
// dynamic dims are provably the input's own (their dims operands are
// tensor.dim of it), so one broadcasting generic.
// CHECK-DAG: #[[IN:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, 0, d3, d4)>
// CHECK-DAG: #[[OUT:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3, d4)>
// CHECK-LABEL: func.func @repeat_kv
// CHECK: %[[B:.*]] = tensor.dim %arg0, %c0
// CHECK: %[[S:.*]] = tensor.dim %arg0, %c3
// CHECK: %[[E:.*]] = tensor.empty(%[[B]], %[[S]]) : tensor<?x4x2x?x64xf32>
// CHECK: %[[R:.*]] = linalg.generic {indexing_maps = [#[[IN]], #[[OUT]]], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel"]}
// CHECK-SAME: ins(%arg0 : tensor<?x4x1x?x64xf32>) outs(%[[E]] : tensor<?x4x2x?x64xf32>)
// CHECK-NEXT: ^bb0(%[[X:[^:]+]]: f32, %{{.*}}: f32):
// CHECK-NEXT: linalg.yield %[[X]] : f32
// CHECK: return %[[R]]
// BUF-LABEL: func.func @repeat_kv
// BUF: linalg.generic
// BUF-SAME: outs(%{{.*}} : memref<?x4x2x?x64xf32>)
func.func @repeat_kv(%kv: tensor<?x4x1x?x64xf32>) -> tensor<?x4x2x?x64xf32> {
  %c0 = arith.constant 0 : index
  %c3 = arith.constant 3 : index
  %b = tensor.dim %kv, %c0 : tensor<?x4x1x?x64xf32>
  %s = tensor.dim %kv, %c3 : tensor<?x4x1x?x64xf32>
  %k = tessera.expand %kv dims(%b, %s) : tensor<?x4x1x?x64xf32> -> tensor<?x4x2x?x64xf32>
  return %k : tensor<?x4x2x?x64xf32>
}

// -----

// Leading dims are prepended; static sizes only.
// CHECK-DAG: #[[IN:.*]] = affine_map<(d0, d1, d2) -> (0, d2)>
// CHECK-LABEL: func.func @prepend
// CHECK: %[[E:.*]] = tensor.empty() : tensor<2x3x4xf32>
// CHECK: linalg.generic {indexing_maps = [#[[IN]], #{{.*}}]
// CHECK-SAME: ins(%arg0 : tensor<1x4xf32>) outs(%[[E]] : tensor<2x3x4xf32>)
func.func @prepend(%x: tensor<1x4xf32>) -> tensor<2x3x4xf32> {
  %0 = tessera.expand %x : tensor<1x4xf32> -> tensor<2x3x4xf32>
  return %0 : tensor<2x3x4xf32>
}

// -----

// A dynamic input dim whose result size is another value may be 1 (and
// stretch) or already that size: the read index is chosen at run time, so
// the generic reads with tensor.extract.
// CHECK-LABEL: func.func @maybe_stretched
// CHECK: %[[E:.*]] = tensor.empty(%arg1) : tensor<2x?x3xf32>
// CHECK: %[[C1:.*]] = arith.constant 1 : index
// CHECK: %[[D:.*]] = tensor.dim %arg0, %c0
// CHECK: %[[ONE:.*]] = arith.cmpi eq, %[[D]], %[[C1]] : index
// CHECK: linalg.generic
// CHECK-SAME: outs(%[[E]] : tensor<2x?x3xf32>)
// CHECK: %[[Z:.*]] = arith.constant 0 : index
// CHECK: %[[I:.*]] = linalg.index 1 : index
// CHECK: %[[ROW:.*]] = arith.select %[[ONE]], %[[Z]], %[[I]] : index
// CHECK: %[[J:.*]] = linalg.index 2 : index
// CHECK: %[[V:.*]] = tensor.extract %arg0[%[[ROW]], %[[J]]] : tensor<?x3xf32>
// CHECK: linalg.yield %[[V]] : f32
func.func @maybe_stretched(%x: tensor<?x3xf32>, %n: index) -> tensor<2x?x3xf32> {
  %0 = tessera.expand %x dims(%n) : tensor<?x3xf32> -> tensor<2x?x3xf32>
  return %0 : tensor<2x?x3xf32>
}
