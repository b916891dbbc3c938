// RUN: tessera-opt %s --tessera-lower-to-linalg --split-input-file | FileCheck %s
// RUN: tessera-opt %s --tessera-lower-to-linalg --one-shot-bufferize --split-input-file | FileCheck %s --check-prefix=BUF

// GPT-2's MLP up-projection: a contraction generic over (b, s, n, k) into a
// zero fill, then one epilogue generic: gelu_tanh(x + bias) with the bias
// over the last dim.
// CHECK-DAG: #[[LHS:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>
// CHECK-DAG: #[[RHS:.*]] = affine_map<(d0, d1, d2, d3) -> (d3, d2)>
// CHECK-DAG: #[[ACC:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
// CHECK-DAG: #[[X:.*]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-DAG: #[[BIAS:.*]] = affine_map<(d0, d1, d2) -> (d2)>
// CHECK-LABEL: func.func @mlp_up
// CHECK: %[[B:.*]] = tensor.dim %arg0, %c0
// CHECK: %[[S:.*]] = tensor.dim %arg0, %c1
// CHECK: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK: %[[E:.*]] = tensor.empty(%[[B]], %[[S]]) : tensor<?x?x3072xf32>
// CHECK: %[[F:.*]] = linalg.fill ins(%[[ZERO]] : f32) outs(%[[E]] : tensor<?x?x3072xf32>)
// CHECK: %[[P:.*]] = linalg.generic {indexing_maps = [#[[LHS]], #[[RHS]], #[[ACC]]], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
// CHECK-SAME: ins(%arg0, %arg1 : tensor<?x?x768xf32>, tensor<768x3072xf32>) outs(%[[F]] : tensor<?x?x3072xf32>)
// CHECK-NEXT: ^bb0(%[[A:[^:]+]]: f32, %[[W:[^:]+]]: f32, %[[C:[^:]+]]: f32):
// CHECK-NEXT: %[[M:.*]] = arith.mulf %[[A]], %[[W]] : f32
// CHECK-NEXT: %[[SUM:.*]] = arith.addf %[[C]], %[[M]] : f32
// CHECK-NEXT: linalg.yield %[[SUM]] : f32
// CHECK: %[[E2:.*]] = tensor.empty(%[[B]], %[[S]]) : tensor<?x?x3072xf32>
// CHECK: %[[R:.*]] = linalg.generic {indexing_maps = [#[[X]], #[[BIAS]], #[[X]]], iterator_types = ["parallel", "parallel", "parallel"]}
// CHECK-SAME: ins(%[[P]], %arg2 : tensor<?x?x3072xf32>, tensor<3072xf32>) outs(%[[E2]] : tensor<?x?x3072xf32>)
// CHECK-NEXT: ^bb0(%[[V:[^:]+]]: f32, %[[BB:[^:]+]]: f32, %{{.*}}: f32):
// CHECK-NEXT: %[[XB:.*]] = arith.addf %[[V]], %[[BB]] : f32
// CHECK: math.tanh
// CHECK: return %[[R]]
// BUF-LABEL: func.func @mlp_up
// BUF-COUNT-2: linalg.generic
func.func @mlp_up(%x: tensor<?x?x768xf32>, %w: tensor<768x3072xf32>, %b: tensor<3072xf32>) -> tensor<?x?x3072xf32> {
  %h = tessera.fused_matmul %x, %w bias %b activation gelu_tanh : (tensor<?x?x768xf32>, tensor<768x3072xf32>, tensor<3072xf32>) -> tensor<?x?x3072xf32>
  return %h : tensor<?x?x3072xf32>
}

// -----

// Two matrices and no epilogue: linalg.matmul alone.
// CHECK-LABEL: func.func @plain_2d
// CHECK: %[[F:.*]] = linalg.fill
// CHECK: %[[R:.*]] = linalg.matmul ins(%arg0, %arg1 : tensor<?x64xf32>, tensor<64x128xf32>) outs(%[[F]] : tensor<?x128xf32>)
// CHECK-NEXT: return %[[R]]
func.func @plain_2d(%a: tensor<?x64xf32>, %w: tensor<64x128xf32>) -> tensor<?x128xf32> {
  %0 = tessera.fused_matmul %a, %w : (tensor<?x64xf32>, tensor<64x128xf32>) -> tensor<?x128xf32>
  return %0 : tensor<?x128xf32>
}

// -----

// Bias, relu and residual in one epilogue: relu(x + bias) + residual.
// CHECK-LABEL: func.func @relu_residual
// CHECK: %[[P:.*]] = linalg.matmul
// CHECK: linalg.generic
// CHECK-SAME: ins(%[[P]], %arg2, %arg3 : tensor<?x128xf32>, tensor<128xf32>, tensor<?x128xf32>)
// CHECK-NEXT: ^bb0(%[[V:[^:]+]]: f32, %[[B:[^:]+]]: f32, %[[RES:[^:]+]]: f32, %{{.*}}: f32):
// CHECK-NEXT: %[[XB:.*]] = arith.addf %[[V]], %[[B]] : f32
// CHECK-NEXT: %[[Z:.*]] = arith.constant 0.000000e+00 : f32
// CHECK-NEXT: %[[A:.*]] = arith.maximumf %[[XB]], %[[Z]] : f32
// CHECK-NEXT: %[[Y:.*]] = arith.addf %[[A]], %[[RES]] : f32
// CHECK-NEXT: linalg.yield %[[Y]] : f32
func.func @relu_residual(%a: tensor<?x64xf32>, %w: tensor<64x128xf32>, %b: tensor<128xf32>, %r: tensor<?x128xf32>) -> tensor<?x128xf32> {
  %0 = tessera.fused_matmul %a, %w bias %b residual %r activation relu : (tensor<?x64xf32>, tensor<64x128xf32>, tensor<128xf32>, tensor<?x128xf32>) -> tensor<?x128xf32>
  return %0 : tensor<?x128xf32>
}

// -----

// SwiGLU's gate: silu(x) = x / (1 + exp(-x)). Broadcast batch dims: a static
// 1 reads index 0, ranks align from the right; bf16 accumulates in f32 and
// rounds once after the epilogue.
// CHECK-DAG: #[[LHS:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, 0, d2, d4)>
// CHECK-DAG: #[[RHS:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d1, d4, d3)>
// CHECK-LABEL: func.func @silu_batched_bf16
// CHECK: %[[E:.*]] = tensor.empty(%{{.*}}) : tensor<?x3x4x16xf32>
// CHECK: %[[P:.*]] = linalg.generic {indexing_maps = [#[[LHS]], #[[RHS]], #{{.*}}], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
// CHECK-NEXT: ^bb0(%[[A:[^:]+]]: bf16, %[[W:[^:]+]]: bf16, %[[C:[^:]+]]: f32):
// CHECK-NEXT: %[[AF:.*]] = arith.extf %[[A]] : bf16 to f32
// CHECK-NEXT: %[[WF:.*]] = arith.extf %[[W]] : bf16 to f32
// CHECK-NEXT: %[[M:.*]] = arith.mulf %[[AF]], %[[WF]] : f32
// CHECK: linalg.generic
// CHECK-SAME: ins(%[[P]] : tensor<?x3x4x16xf32>) outs(%{{.*}} : tensor<?x3x4x16xbf16>)
// CHECK-NEXT: ^bb0(%[[V:[^:]+]]: f32, %{{.*}}: bf16):
// CHECK-NEXT: %[[N:.*]] = arith.negf %[[V]] : f32
// CHECK-NEXT: %[[EX:.*]] = math.exp %[[N]] : f32
// CHECK-NEXT: %[[ONE:.*]] = arith.constant 1.000000e+00 : f32
// CHECK-NEXT: %[[D:.*]] = arith.addf %[[ONE]], %[[EX]] : f32
// CHECK-NEXT: %[[S:.*]] = arith.divf %[[V]], %[[D]] : f32
// CHECK-NEXT: %[[Y:.*]] = arith.truncf %[[S]] : f32 to bf16
// CHECK-NEXT: linalg.yield %[[Y]] : bf16
func.func @silu_batched_bf16(%a: tensor<?x1x4x8xbf16>, %w: tensor<3x8x16xbf16>) -> tensor<?x3x4x16xbf16> {
  %0 = tessera.fused_matmul %a, %w activation silu : (tensor<?x1x4x8xbf16>, tensor<3x8x16xbf16>) -> tensor<?x3x4x16xbf16>
  return %0 : tensor<?x3x4x16xbf16>
}

// -----

// The exact GELU epilogue.
// CHECK-LABEL: func.func @gelu_erf
// CHECK: linalg.matmul
// CHECK: linalg.generic
// CHECK: math.erf
func.func @gelu_erf(%a: tensor<4x64xf32>, %w: tensor<64x128xf32>) -> tensor<4x128xf32> {
  %0 = tessera.fused_matmul %a, %w activation gelu : (tensor<4x64xf32>, tensor<64x128xf32>) -> tensor<4x128xf32>
  return %0 : tensor<4x128xf32>
}
