// RUN: tessera-opt %s -split-input-file --pass-pipeline='builtin.module(func.func(tessera-fuse-qkv{remarks=true}))' -verify-diagnostics | FileCheck %s

// Positive and negative cases side by side; each candidate (an input of
// two or more matmuls with constant weights, per epilogue) says whether it
// fused, and if not, why.

// Q, K and V projections of one input, with biases: one matmul over the
// concatenated weights, sliced apart.
// CHECK-LABEL: func.func @qkv
// CHECK-DAG: %[[W:.*]] = tessera.constant dense_resource<packed_weights{{.*}}> : tensor<2x6xf32>
// CHECK-DAG: %[[B:.*]] = tessera.constant dense_resource<packed_weights{{.*}}> : tensor<6xf32>
// CHECK: %[[P:.*]] = tessera.fused_matmul %arg0, %[[W]] bias %[[B]] : (tensor<?x2xf32>, tensor<2x6xf32>, tensor<6xf32>) -> tensor<?x6xf32>
// CHECK: %[[Q:.*]] = tessera.slice %[[P]] starts [0, 0] ends [9223372036854775807, 2]
// CHECK: %[[K:.*]] = tessera.slice %[[P]] starts [0, 2] ends [9223372036854775807, 4]
// CHECK: %[[V:.*]] = tessera.slice %[[P]] starts [0, 4] ends [9223372036854775807, 6]
// CHECK: return %[[Q]], %[[K]], %[[V]]
func.func @qkv(%x: tensor<?x2xf32>) -> (tensor<?x2xf32>, tensor<?x2xf32>, tensor<?x2xf32>) {
  %wq = tessera.constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  %wk = tessera.constant dense<[[5.0, 6.0], [7.0, 8.0]]> : tensor<2x2xf32>
  %wv = tessera.constant dense<[[9.0, 10.0], [11.0, 12.0]]> : tensor<2x2xf32>
  %bq = tessera.constant dense<[0.5, 0.25]> : tensor<2xf32>
  %bk = tessera.constant dense<[1.5, 1.25]> : tensor<2xf32>
  %bv = tessera.constant dense<[2.5, 2.25]> : tensor<2xf32>
  // expected-remark @+1 {{fused as packed_matmul}}
  %q = tessera.fused_matmul %x, %wq bias %bq : (tensor<?x2xf32>, tensor<2x2xf32>, tensor<2xf32>) -> tensor<?x2xf32>
  %k = tessera.fused_matmul %x, %wk bias %bk : (tensor<?x2xf32>, tensor<2x2xf32>, tensor<2xf32>) -> tensor<?x2xf32>
  %v = tessera.fused_matmul %x, %wv bias %bv : (tensor<?x2xf32>, tensor<2x2xf32>, tensor<2xf32>) -> tensor<?x2xf32>
  return %q, %k, %v : tensor<?x2xf32>, tensor<?x2xf32>, tensor<?x2xf32>
}

// -----

// Weights that are not constants (a function argument) cannot be packed at
// compile time; a single matmul of another input is not a candidate.
// CHECK-LABEL: func.func @weight_not_constant
// CHECK-NOT: tessera.slice
func.func @weight_not_constant(%x: tensor<?x2xf32>, %wk: tensor<2x2xf32>) -> (tensor<?x2xf32>, tensor<?x2xf32>) {
  %wq = tessera.constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  %q = tessera.matmul %x, %wq : (tensor<?x2xf32>, tensor<2x2xf32>) -> tensor<?x2xf32>
  %k = tessera.matmul %x, %wk : (tensor<?x2xf32>, tensor<2x2xf32>) -> tensor<?x2xf32>
  return %q, %k : tensor<?x2xf32>, tensor<?x2xf32>
}

// -----

// Different epilogues (SwiGLU's silu gate and its plain up projection) are
// different candidates, each alone: nothing is packed.
// CHECK-LABEL: func.func @different_epilogues
// CHECK: tessera.fused_matmul %arg0, %{{.*}} activation silu
// CHECK: tessera.matmul %arg0
// CHECK-NOT: tessera.slice
func.func @different_epilogues(%x: tensor<?x2xf32>) -> (tensor<?x2xf32>, tensor<?x2xf32>) {
  %wg = tessera.constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  %wu = tessera.constant dense<[[5.0, 6.0], [7.0, 8.0]]> : tensor<2x2xf32>
  %g = tessera.fused_matmul %x, %wg activation silu : (tensor<?x2xf32>, tensor<2x2xf32>) -> tensor<?x2xf32>
  %u = tessera.matmul %x, %wu : (tensor<?x2xf32>, tensor<2x2xf32>) -> tensor<?x2xf32>
  return %g, %u : tensor<?x2xf32>, tensor<?x2xf32>
}

// -----

// A bias that is not a constant cannot be concatenated at compile time.
// CHECK-LABEL: func.func @bias_not_constant
// CHECK-NOT: tessera.slice
func.func @bias_not_constant(%x: tensor<?x2xf32>, %bk: tensor<2xf32>) -> (tensor<?x2xf32>, tensor<?x2xf32>) {
  %wq = tessera.constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  %wk = tessera.constant dense<[[5.0, 6.0], [7.0, 8.0]]> : tensor<2x2xf32>
  %bq = tessera.constant dense<[0.5, 0.25]> : tensor<2xf32>
  // expected-remark @+1 {{not fused as packed_matmul: a bias is not an f32 constant over N}}
  %q = tessera.fused_matmul %x, %wq bias %bq : (tensor<?x2xf32>, tensor<2x2xf32>, tensor<2xf32>) -> tensor<?x2xf32>
  %k = tessera.fused_matmul %x, %wk bias %bk : (tensor<?x2xf32>, tensor<2x2xf32>, tensor<2xf32>) -> tensor<?x2xf32>
  return %q, %k : tensor<?x2xf32>, tensor<?x2xf32>
}
