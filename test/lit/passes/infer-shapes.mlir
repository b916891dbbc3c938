// RUN: tessera-opt %s -split-input-file --tessera-infer-shapes | FileCheck %s

// Unknown intermediate shapes (an ONNX file without value_info) become
// static through a chain, and the signature follows.
// CHECK-LABEL: func.func @chain(%{{.*}}: tensor<2x8xf32>, %{{.*}}: tensor<8x4xf32>, %{{.*}}: tensor<4xf32>) -> tensor<2x4xf32>
// CHECK: tessera.matmul %{{.*}}, %{{.*}} : (tensor<2x8xf32>, tensor<8x4xf32>) -> tensor<2x4xf32>
// CHECK: tessera.add %{{.*}}, %{{.*}} : (tensor<2x4xf32>, tensor<4xf32>) -> tensor<2x4xf32>
// CHECK: tessera.tanh %{{.*}} : tensor<2x4xf32>
// CHECK: return %{{.*}} : tensor<2x4xf32>
func.func @chain(%x: tensor<2x8xf32>, %w: tensor<8x4xf32>, %b: tensor<4xf32>) -> tensor<?x?xf32> {
  %0 = tessera.matmul %x, %w : (tensor<2x8xf32>, tensor<8x4xf32>) -> tensor<?x?xf32>
  %1 = tessera.add %0, %b : (tensor<?x?xf32>, tensor<4xf32>) -> tensor<?x?xf32>
  %2 = tessera.tanh %1 : tensor<?x?xf32>
  return %2 : tensor<?x?xf32>
}

// -----

// Dynamic inputs stay dynamic: nothing to refine.
// CHECK-LABEL: func.func @dynamic
// CHECK: tessera.matmul %{{.*}}, %{{.*}} : (tensor<?x?x768xf32>, tensor<768x64xf32>) -> tensor<?x?x64xf32>
func.func @dynamic(%x: tensor<?x?x768xf32>, %w: tensor<768x64xf32>) -> tensor<?x?x64xf32> {
  %0 = tessera.matmul %x, %w : (tensor<?x?x768xf32>, tensor<768x64xf32>) -> tensor<?x?x64xf32>
  return %0 : tensor<?x?x64xf32>
}

// -----

// A function with callers keeps its signature, so its returned value keeps
// its type; values used only inside are still refined.
// CHECK-LABEL: func.func @callee(%{{.*}}: tensor<2x8xf32>, %{{.*}}: tensor<8x4xf32>) -> tensor<?x4xf32>
// CHECK: tessera.matmul %{{.*}}, %{{.*}} : (tensor<2x8xf32>, tensor<8x4xf32>) -> tensor<2x4xf32>
// CHECK: tessera.add %{{.*}}, %{{.*}} : (tensor<2x4xf32>, tensor<2x4xf32>) -> tensor<?x4xf32>
func.func @callee(%x: tensor<2x8xf32>, %w: tensor<8x4xf32>) -> tensor<?x4xf32> {
  %0 = tessera.matmul %x, %w : (tensor<2x8xf32>, tensor<8x4xf32>) -> tensor<?x4xf32>
  %1 = tessera.add %0, %0 : (tensor<?x4xf32>, tensor<?x4xf32>) -> tensor<?x4xf32>
  return %1 : tensor<?x4xf32>
}
func.func @caller(%x: tensor<2x8xf32>, %w: tensor<8x4xf32>) -> tensor<?x4xf32> {
  %0 = func.call @callee(%x, %w) : (tensor<2x8xf32>, tensor<8x4xf32>) -> tensor<?x4xf32>
  return %0 : tensor<?x4xf32>
}
