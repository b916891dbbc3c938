// RUN: tessera-opt %s -split-input-file --pass-pipeline='builtin.module(func.func(tessera-fuse-matmul-epilogue{remarks=true}))' -verify-diagnostics | FileCheck %s

// Positive and negative cases side by side; each candidate (a matmul used
// once, by an add or a GELU) says whether it fused, and if not, why.

// A linear layer: matmul, then a bias over the last dimension (either side).
// CHECK-LABEL: func.func @bias
// CHECK-NEXT: %[[Y:.*]] = tessera.fused_matmul %arg0, %arg1 bias %arg2 : (tensor<?x?x8xf32>, tensor<8x4xf32>, tensor<4xf32>) -> tensor<?x?x4xf32>
// CHECK-NEXT: return %[[Y]]
func.func @bias(%x: tensor<?x?x8xf32>, %w: tensor<8x4xf32>, %b: tensor<4xf32>) -> tensor<?x?x4xf32> {
  // expected-remark @+1 {{fused as matmul_epilogue}}
  %p = tessera.matmul %x, %w : (tensor<?x?x8xf32>, tensor<8x4xf32>) -> tensor<?x?x4xf32>
  %y = tessera.add %b, %p : (tensor<4xf32>, tensor<?x?x4xf32>) -> tensor<?x?x4xf32>
  return %y : tensor<?x?x4xf32>
}

// -----

// GPT-2's MLP after GELU fusion: the GELU and its bias into the epilogue.
// CHECK-LABEL: func.func @bias_gelu
// CHECK-NEXT: %[[Y:.*]] = tessera.fused_matmul %arg0, %arg1 bias %arg2 activation gelu_tanh
// CHECK-NEXT: return %[[Y]]
func.func @bias_gelu(%x: tensor<?x8xf32>, %w: tensor<8x16xf32>, %b: tensor<16xf32>) -> tensor<?x16xf32> {
  // expected-remark @+1 {{fused as matmul_epilogue}}
  %p = tessera.matmul %x, %w : (tensor<?x8xf32>, tensor<8x16xf32>) -> tensor<?x16xf32>
  %y = tessera.gelu %p bias %b approximate tanh : (tensor<?x16xf32>, tensor<16xf32>) -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

// An exact GELU without a bias.
// CHECK-LABEL: func.func @gelu
// CHECK-NEXT: %[[Y:.*]] = tessera.fused_matmul %arg0, %arg1 activation gelu :
// CHECK-NEXT: return %[[Y]]
func.func @gelu(%x: tensor<?x8xf32>, %w: tensor<8x16xf32>) -> tensor<?x16xf32> {
  // expected-remark @+1 {{fused as matmul_epilogue}}
  %p = tessera.matmul %x, %w : (tensor<?x8xf32>, tensor<8x16xf32>) -> tensor<?x16xf32>
  %y = tessera.gelu %p approximate none : (tensor<?x16xf32>) -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

// A residual (a full tensor) is not a bias.
// CHECK-LABEL: func.func @residual_is_not_a_bias
// CHECK: tessera.matmul
// CHECK-NOT: tessera.fused_matmul
func.func @residual_is_not_a_bias(%x: tensor<4x8xf32>, %w: tensor<8x4xf32>, %r: tensor<4x4xf32>) -> tensor<4x4xf32> {
  // expected-remark @+1 {{not fused as matmul_epilogue: the addend is not a bias over the last dimension}}
  %p = tessera.matmul %x, %w : (tensor<4x8xf32>, tensor<8x4xf32>) -> tensor<4x4xf32>
  %y = tessera.add %p, %r : (tensor<4x4xf32>, tensor<4x4xf32>) -> tensor<4x4xf32>
  return %y : tensor<4x4xf32>
}

// -----

// The product is also used elsewhere: not a candidate, nothing changes.
// CHECK-LABEL: func.func @product_escapes
// CHECK: tessera.matmul
// CHECK: tessera.add
// CHECK-NOT: tessera.fused_matmul
func.func @product_escapes(%x: tensor<4x8xf32>, %w: tensor<8x4xf32>, %b: tensor<4xf32>) -> (tensor<4x4xf32>, tensor<4x4xf32>) {
  %p = tessera.matmul %x, %w : (tensor<4x8xf32>, tensor<8x4xf32>) -> tensor<4x4xf32>
  %y = tessera.add %p, %b : (tensor<4x4xf32>, tensor<4xf32>) -> tensor<4x4xf32>
  return %y, %p : tensor<4x4xf32>, tensor<4x4xf32>
}

// -----

// A bias that broadcasts over rows ([4, 1]) is not over the last dimension.
// CHECK-LABEL: func.func @row_bias
// CHECK-NOT: tessera.fused_matmul
func.func @row_bias(%x: tensor<4x8xf32>, %w: tensor<8x4xf32>, %b: tensor<4x1xf32>) -> tensor<4x4xf32> {
  // expected-remark @+1 {{not fused as matmul_epilogue: the addend is not a bias over the last dimension}}
  %p = tessera.matmul %x, %w : (tensor<4x8xf32>, tensor<8x4xf32>) -> tensor<4x4xf32>
  %y = tessera.add %p, %b : (tensor<4x4xf32>, tensor<4x1xf32>) -> tensor<4x4xf32>
  return %y : tensor<4x4xf32>
}
