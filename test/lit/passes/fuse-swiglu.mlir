// RUN: tessera-opt %s -split-input-file --pass-pipeline='builtin.module(func.func(tessera-fuse-swiglu{remarks=true}))' -verify-diagnostics | FileCheck %s

// Llama's MLP: silu(h·Wg) · (h·Wu).
// CHECK-LABEL: func.func @swiglu
// CHECK: %[[G:.*]] = tessera.fused_matmul %arg0, %arg1 activation silu
// CHECK: %[[U:.*]] = tessera.matmul %arg0, %arg2
// CHECK: tessera.mul %[[G]], %[[U]]
// CHECK-NOT: tessera.sigmoid
func.func @swiglu(%h: tensor<?x64xf32>, %wg: tensor<64x172xf32>, %wu: tensor<64x172xf32>) -> tensor<?x172xf32> {
  %g = tessera.matmul %h, %wg : (tensor<?x64xf32>, tensor<64x172xf32>) -> tensor<?x172xf32>
  // expected-remark @+1 {{fused as swiglu}}
  %s = tessera.sigmoid %g : tensor<?x172xf32>
  %a = tessera.mul %s, %g : (tensor<?x172xf32>, tensor<?x172xf32>) -> tensor<?x172xf32>
  %u = tessera.matmul %h, %wu : (tensor<?x64xf32>, tensor<64x172xf32>) -> tensor<?x172xf32>
  %y = tessera.mul %a, %u : (tensor<?x172xf32>, tensor<?x172xf32>) -> tensor<?x172xf32>
  return %y : tensor<?x172xf32>
}

// -----

// A SiLU of a biased projection (no up projection): a silu epilogue.
// CHECK-LABEL: func.func @silu_with_bias
// CHECK: tessera.fused_matmul %arg0, %arg1 bias %arg2 activation silu
func.func @silu_with_bias(%h: tensor<4x8xf32>, %w: tensor<8x16xf32>, %b: tensor<16xf32>) -> tensor<4x16xf32> {
  %m = tessera.matmul %h, %w : (tensor<4x8xf32>, tensor<8x16xf32>) -> tensor<4x16xf32>
  %g = tessera.add %m, %b : (tensor<4x16xf32>, tensor<16xf32>) -> tensor<4x16xf32>
  // expected-remark @+1 {{fused as silu}}
  %s = tessera.sigmoid %g : tensor<4x16xf32>
  %a = tessera.mul %g, %s : (tensor<4x16xf32>, tensor<4x16xf32>) -> tensor<4x16xf32>
  return %a : tensor<4x16xf32>
}

// -----

// A gate (sigmoid of one thing times another) is not a SiLU.
// CHECK-LABEL: func.func @gate
// CHECK: tessera.sigmoid
func.func @gate(%x: tensor<8xf32>, %y: tensor<8xf32>) -> tensor<8xf32> {
  // expected-remark @+1 {{not fused as silu: the sigmoid is not used once, to multiply its own input}}
  %s = tessera.sigmoid %x : tensor<8xf32>
  %a = tessera.mul %s, %y : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  return %a : tensor<8xf32>
}

// -----

// A SiLU of something that is not a matmul has no op to become.
// CHECK-LABEL: func.func @silu_of_input
// CHECK: tessera.sigmoid
func.func @silu_of_input(%x: tensor<8xf32>) -> tensor<8xf32> {
  // expected-remark @+1 {{not fused as silu: the SiLU input is not a matmul (tessera has no standalone SiLU op)}}
  %s = tessera.sigmoid %x : tensor<8xf32>
  %a = tessera.mul %x, %s : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  return %a : tensor<8xf32>
}
