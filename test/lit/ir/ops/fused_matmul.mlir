// RUN: tessera-opt %s -split-input-file | tessera-opt -split-input-file | FileCheck %s

// CHECK-LABEL: func.func @mlp_up
// CHECK: tessera.fused_matmul %{{.*}}, %{{.*}} bias %{{.*}} activation gelu_tanh : (tensor<?x?x768xf32>, tensor<768x3072xf32>, tensor<3072xf32>) -> tensor<?x?x3072xf32>
func.func @mlp_up(%x: tensor<?x?x768xf32>, %w: tensor<768x3072xf32>, %b: tensor<3072xf32>) -> tensor<?x?x3072xf32> {
  %0 = tessera.fused_matmul %x, %w bias %b activation gelu_tanh : (tensor<?x?x768xf32>, tensor<768x3072xf32>, tensor<3072xf32>) -> tensor<?x?x3072xf32>
  return %0 : tensor<?x?x3072xf32>
}

// -----

// The default activation (none) is not printed.
// CHECK-LABEL: func.func @projection_residual
// CHECK: tessera.fused_matmul %{{.*}}, %{{.*}} bias %{{.*}} residual %{{.*}} : (
// CHECK-NOT: activation
func.func @projection_residual(%a: tensor<?x?x768xf32>, %w: tensor<768x768xf32>, %b: tensor<768xf32>, %x: tensor<?x?x768xf32>) -> tensor<?x?x768xf32> {
  %0 = tessera.fused_matmul %a, %w bias %b residual %x activation none : (tensor<?x?x768xf32>, tensor<768x768xf32>, tensor<768xf32>, tensor<?x?x768xf32>) -> tensor<?x?x768xf32>
  return %0 : tensor<?x?x768xf32>
}

// -----

// CHECK-LABEL: func.func @silu
// CHECK: tessera.fused_matmul %{{.*}}, %{{.*}} activation silu : (
func.func @silu(%x: tensor<?x?x64xf32>, %w: tensor<64x172xf32>) -> tensor<?x?x172xf32> {
  %0 = tessera.fused_matmul %x, %w activation silu : (tensor<?x?x64xf32>, tensor<64x172xf32>) -> tensor<?x?x172xf32>
  return %0 : tensor<?x?x172xf32>
}
