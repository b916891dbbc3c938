// RUN: tessera-opt %s --tessera-lower-to-linalg --split-input-file | FileCheck %s
// RUN: tessera-opt %s --tessera-lower-to-linalg --one-shot-bufferize=bufferize-function-boundaries --split-input-file | FileCheck %s --check-prefix=BUF

// Numerically stable softmax over the last axis: max (from -inf), the sum
// of exp(x - max) (from 0), then exp(x - max) / sum, all three generics over
// the input's loop nest.
// CHECK-DAG: #[[FULL:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
// CHECK-DAG: #[[ROW:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
// CHECK-LABEL: func.func @softmax_last
// CHECK-DAG: %[[B:.*]] = tensor.dim %arg0, %c0
// CHECK-DAG: %[[Q:.*]] = tensor.dim %arg0, %c2
// CHECK-DAG: %[[K:.*]] = tensor.dim %arg0, %c3
// CHECK: %[[NINF:.*]] = arith.constant 0xFF800000 : f32
// CHECK: %[[E0:.*]] = tensor.empty(%[[B]], %[[Q]]) : tensor<?x12x?xf32>
// CHECK: %[[F0:.*]] = linalg.fill ins(%[[NINF]] : f32) outs(%[[E0]] : tensor<?x12x?xf32>)
// CHECK: %[[MAX:.*]] = linalg.generic {indexing_maps = [#[[FULL]], #[[ROW]]], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
// CHECK-SAME: ins(%arg0 : tensor<?x12x?x?xf32>) outs(%[[F0]] : tensor<?x12x?xf32>)
// CHECK: arith.maximumf %{{.*}}, %{{.*}} : f32
// CHECK: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK: %[[F1:.*]] = linalg.fill ins(%[[ZERO]] : f32)
// CHECK: %[[SUM:.*]] = linalg.generic {indexing_maps = [#[[FULL]], #[[ROW]], #[[ROW]]], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
// CHECK-SAME: ins(%arg0, %[[MAX]] : tensor<?x12x?x?xf32>, tensor<?x12x?xf32>) outs(%[[F1]] : tensor<?x12x?xf32>)
// CHECK: ^bb0(%[[X:.*]]: f32, %[[M:.*]]: f32, %[[ACC:.*]]: f32):
// CHECK-NEXT: %[[D:.*]] = arith.subf %[[X]], %[[M]] : f32
// CHECK-NEXT: %[[EX:.*]] = math.exp %[[D]] : f32
// CHECK-NEXT: %[[A:.*]] = arith.addf %[[ACC]], %[[EX]] : f32
// CHECK-NEXT: linalg.yield %[[A]] : f32
// CHECK: %[[E2:.*]] = tensor.empty(%[[B]], %[[Q]], %[[K]]) : tensor<?x12x?x?xf32>
// CHECK: %[[R:.*]] = linalg.generic {indexing_maps = [#[[FULL]], #[[ROW]], #[[ROW]], #[[FULL]]], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
// CHECK-SAME: ins(%arg0, %[[MAX]], %[[SUM]] : {{.*}}) outs(%[[E2]] : tensor<?x12x?x?xf32>)
// CHECK: ^bb0(%[[X2:.*]]: f32, %[[M2:.*]]: f32, %[[S2:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT: %[[D2:.*]] = arith.subf %[[X2]], %[[M2]] : f32
// CHECK-NEXT: %[[EX2:.*]] = math.exp %[[D2]] : f32
// CHECK-NEXT: %[[P:.*]] = arith.divf %[[EX2]], %[[S2]] : f32
// CHECK-NEXT: linalg.yield %[[P]] : f32
// CHECK: return %[[R]]
// BUF-LABEL: func.func @softmax_last
// BUF-COUNT-3: linalg.generic
func.func @softmax_last(%s: tensor<?x12x?x?xf32>) -> tensor<?x12x?x?xf32> {
  %p = tessera.softmax %s axis 3 : tensor<?x12x?x?xf32>
  return %p : tensor<?x12x?x?xf32>
}

// -----

// Over a middle axis: the row map drops that axis.
// CHECK-DAG: #[[ROW:.*]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-LABEL: func.func @softmax_middle
// CHECK: tensor.empty() : tensor<2x4xf32>
// CHECK: linalg.generic {indexing_maps = [#{{.*}}, #[[ROW]]], iterator_types = ["parallel", "reduction", "parallel"]}
func.func @softmax_middle(%x: tensor<2x3x4xf32>) -> tensor<2x3x4xf32> {
  %p = tessera.softmax %x axis 1 : tensor<2x3x4xf32>
  return %p : tensor<2x3x4xf32>
}

// -----

// f16 (and bf16) inputs compute max, exp and the sum in f32 and round once,
// at the end.
// CHECK-LABEL: func.func @softmax_f16
// CHECK: linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<?x?xf32>)
// CHECK: ^bb0(%[[X:.*]]: f16, %[[ACC:.*]]: f32):
// CHECK-NEXT: %[[XW:.*]] = arith.extf %[[X]] : f16 to f32
// CHECK-NEXT: arith.maximumf %[[ACC]], %[[XW]] : f32
// CHECK: ^bb0(%[[Y:.*]]: f16, %{{.*}}: f32, %{{.*}}: f32):
// CHECK-NEXT: arith.extf %[[Y]] : f16 to f32
// CHECK: ^bb0(%{{.*}}: f16, %{{.*}}: f32, %{{.*}}: f32, %{{.*}}: f16):
// CHECK: %[[Q:.*]] = arith.divf %{{.*}}, %{{.*}} : f32
// CHECK-NEXT: %[[T:.*]] = arith.truncf %[[Q]] : f32 to f16
// CHECK-NEXT: linalg.yield %[[T]] : f16
// CHECK: -> tensor<?x?x64xf16>
func.func @softmax_f16(%x: tensor<?x?x64xf16>) -> tensor<?x?x64xf16> {
  %p = tessera.softmax %x axis 2 : tensor<?x?x64xf16>
  return %p : tensor<?x?x64xf16>
}
