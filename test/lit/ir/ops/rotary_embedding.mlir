// RUN: tessera-opt %s -split-input-file | tessera-opt -split-input-file | FileCheck %s

// Llama: rotate-half with a cos/sin cache indexed by position ids.
// CHECK-LABEL: func.func @cached
// CHECK: tessera.rotary_embedding %{{.*}}, %{{.*}}, %{{.*}} positions %{{.*}} : (tensor<?x8x?x64xf32>, tensor<2048x32xf32>, tensor<2048x32xf32>, tensor<?x?xi64>) -> tensor<?x8x?x64xf32>
func.func @cached(%q: tensor<?x8x?x64xf32>, %cos: tensor<2048x32xf32>, %sin: tensor<2048x32xf32>, %pos: tensor<?x?xi64>) -> tensor<?x8x?x64xf32> {
  %0 = tessera.rotary_embedding %q, %cos, %sin positions %pos : (tensor<?x8x?x64xf32>, tensor<2048x32xf32>, tensor<2048x32xf32>, tensor<?x?xi64>) -> tensor<?x8x?x64xf32>
  return %0 : tensor<?x8x?x64xf32>
}

// -----

// GPT-J style: interleaved pairs over the first 32 of 64 channels.
// CHECK-LABEL: func.func @partial_interleaved
// CHECK: tessera.rotary_embedding %{{.*}}, %{{.*}}, %{{.*}} interleaved rotary_dim 32 : (
func.func @partial_interleaved(%q: tensor<1x16x?x64xf32>, %cos: tensor<?x16xf32>, %sin: tensor<?x16xf32>) -> tensor<1x16x?x64xf32> {
  %0 = tessera.rotary_embedding %q, %cos, %sin interleaved rotary_dim 32 : (tensor<1x16x?x64xf32>, tensor<?x16xf32>, tensor<?x16xf32>) -> tensor<1x16x?x64xf32>
  return %0 : tensor<1x16x?x64xf32>
}

// -----

// Per-sequence cos/sin ([B, S, half]) without position ids.
// CHECK-LABEL: func.func @per_sequence
// CHECK: tessera.rotary_embedding %{{.*}}, %{{.*}}, %{{.*}} : (tensor<2x4x3x8xf32>, tensor<2x3x4xf32>, tensor<2x3x4xf32>) -> tensor<2x4x3x8xf32>
func.func @per_sequence(%x: tensor<2x4x3x8xf32>, %cos: tensor<2x3x4xf32>, %sin: tensor<2x3x4xf32>) -> tensor<2x4x3x8xf32> {
  %0 = tessera.rotary_embedding %x, %cos, %sin : (tensor<2x4x3x8xf32>, tensor<2x3x4xf32>, tensor<2x3x4xf32>) -> tensor<2x4x3x8xf32>
  return %0 : tensor<2x4x3x8xf32>
}
