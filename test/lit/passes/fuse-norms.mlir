// RUN: tessera-opt %s -split-input-file --pass-pipeline='builtin.module(func.func(tessera-fuse-norms{remarks=true}))' -verify-diagnostics | FileCheck %s

// Positive and negative cases side by side; each candidate (a reduce_mean)
// says whether it fused, and if not, the first predicate that failed.

// LayerNorm as PyTorch writes it: Sub, Pow, Sqrt, Div, then γ and β.
// CHECK-LABEL: func.func @layer_norm_div_sqrt
// CHECK-NEXT: %[[Y:.*]] = tessera.layer_norm %arg0 scale %arg1 bias %arg2 axis 2 epsilon 9.99999974E-6
// CHECK-NEXT: return %[[Y]]
func.func @layer_norm_div_sqrt(%x: tensor<?x?x8xf32>, %g: tensor<8xf32>, %b: tensor<8xf32>) -> tensor<?x?x8xf32> {
  %two = tessera.constant dense<2.0> : tensor<f32>
  %eps = tessera.constant dense<1.0e-05> : tensor<f32>
  // expected-remark @+1 {{fused as layer_norm}}
  %m = tessera.reduce_mean %x [2] keep_dims : tensor<?x?x8xf32> -> tensor<?x?x1xf32>
  %d = tessera.sub %x, %m : (tensor<?x?x8xf32>, tensor<?x?x1xf32>) -> tensor<?x?x8xf32>
  %p = tessera.pow %d, %two : (tensor<?x?x8xf32>, tensor<f32>) -> tensor<?x?x8xf32>
  %v = tessera.reduce_mean %p [2] keep_dims : tensor<?x?x8xf32> -> tensor<?x?x1xf32>
  %e = tessera.add %v, %eps : (tensor<?x?x1xf32>, tensor<f32>) -> tensor<?x?x1xf32>
  %s = tessera.sqrt %e : tensor<?x?x1xf32>
  %n = tessera.div %d, %s : (tensor<?x?x8xf32>, tensor<?x?x1xf32>) -> tensor<?x?x8xf32>
  %gn = tessera.mul %n, %g : (tensor<?x?x8xf32>, tensor<8xf32>) -> tensor<?x?x8xf32>
  %y = tessera.add %gn, %b : (tensor<?x?x8xf32>, tensor<8xf32>) -> tensor<?x?x8xf32>
  return %y : tensor<?x?x8xf32>
}

// -----

// Keras/TF spelling: d*d, epsilon first, rsqrt, γ on the left, no β.
// CHECK-LABEL: func.func @layer_norm_rsqrt_commuted
// CHECK-NEXT: %[[Y:.*]] = tessera.layer_norm %arg0 scale %arg1 axis 1 epsilon 1.000000e-03
// CHECK-NEXT: return %[[Y]]
func.func @layer_norm_rsqrt_commuted(%x: tensor<4x8xf32>, %g: tensor<8xf32>) -> tensor<4x8xf32> {
  %eps = tessera.constant dense<1.0e-03> : tensor<f32>
  // expected-remark @+1 {{fused as layer_norm}}
  %m = tessera.reduce_mean %x [1] keep_dims : tensor<4x8xf32> -> tensor<4x1xf32>
  %d = tessera.sub %x, %m : (tensor<4x8xf32>, tensor<4x1xf32>) -> tensor<4x8xf32>
  %sq = tessera.mul %d, %d : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  %v = tessera.reduce_mean %sq [1] keep_dims : tensor<4x8xf32> -> tensor<4x1xf32>
  %e = tessera.add %eps, %v : (tensor<f32>, tensor<4x1xf32>) -> tensor<4x1xf32>
  %r = tessera.rsqrt %e : tensor<4x1xf32>
  %n = tessera.mul %r, %d : (tensor<4x1xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  %y = tessera.mul %g, %n : (tensor<8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}

// -----

// Not over the trailing dimension: not a LayerNorm.
// CHECK-LABEL: func.func @wrong_axis
// CHECK-NOT: tessera.layer_norm
func.func @wrong_axis(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %eps = tessera.constant dense<1.0e-05> : tensor<f32>
  // expected-remark @+1 {{not fused as layer_norm: the mean is not over the trailing dimensions with kept dimensions}}
  %m = tessera.reduce_mean %x [0] keep_dims : tensor<4x8xf32> -> tensor<1x8xf32>
  %d = tessera.sub %x, %m : (tensor<4x8xf32>, tensor<1x8xf32>) -> tensor<4x8xf32>
  %sq = tessera.mul %d, %d : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  // expected-remark @+1 {{not fused as rms_norm: the mean is not over the trailing dimensions with kept dimensions}}
  %v = tessera.reduce_mean %sq [0] keep_dims : tensor<4x8xf32> -> tensor<1x8xf32>
  %e = tessera.add %v, %eps : (tensor<1x8xf32>, tensor<f32>) -> tensor<1x8xf32>
  %r = tessera.rsqrt %e : tensor<1x8xf32>
  %n = tessera.mul %d, %r : (tensor<4x8xf32>, tensor<1x8xf32>) -> tensor<4x8xf32>
  return %n : tensor<4x8xf32>
}

// -----

// The variance is also returned: an intermediate with a second consumer,
// which replacing the pattern would lose.
// CHECK-LABEL: func.func @second_consumer
// CHECK-NOT: tessera.layer_norm
func.func @second_consumer(%x: tensor<4x8xf32>) -> (tensor<4x8xf32>, tensor<4x1xf32>) {
  %eps = tessera.constant dense<1.0e-05> : tensor<f32>
  // expected-remark @+1 {{not fused as layer_norm: the variance is not used once, by + epsilon}}
  %m = tessera.reduce_mean %x [1] keep_dims : tensor<4x8xf32> -> tensor<4x1xf32>
  %d = tessera.sub %x, %m : (tensor<4x8xf32>, tensor<4x1xf32>) -> tensor<4x8xf32>
  %sq = tessera.mul %d, %d : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  // expected-remark @+1 {{not fused as rms_norm: the variance is not used once, by + epsilon}}
  %v = tessera.reduce_mean %sq [1] keep_dims : tensor<4x8xf32> -> tensor<4x1xf32>
  %e = tessera.add %v, %eps : (tensor<4x1xf32>, tensor<f32>) -> tensor<4x1xf32>
  %r = tessera.rsqrt %e : tensor<4x1xf32>
  %n = tessera.mul %d, %r : (tensor<4x8xf32>, tensor<4x1xf32>) -> tensor<4x8xf32>
  return %n, %v : tensor<4x8xf32>, tensor<4x1xf32>
}

// -----

// Epsilon that is not a constant.
// CHECK-LABEL: func.func @epsilon_not_constant
// CHECK-NOT: tessera.layer_norm
func.func @epsilon_not_constant(%x: tensor<4x8xf32>, %eps: tensor<f32>) -> tensor<4x8xf32> {
  // expected-remark @+1 {{not fused as layer_norm: epsilon is not a non-negative constant}}
  %m = tessera.reduce_mean %x [1] keep_dims : tensor<4x8xf32> -> tensor<4x1xf32>
  %d = tessera.sub %x, %m : (tensor<4x8xf32>, tensor<4x1xf32>) -> tensor<4x8xf32>
  %sq = tessera.mul %d, %d : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  // expected-remark @+1 {{not fused as rms_norm: epsilon is not a non-negative constant}}
  %v = tessera.reduce_mean %sq [1] keep_dims : tensor<4x8xf32> -> tensor<4x1xf32>
  %e = tessera.add %v, %eps : (tensor<4x1xf32>, tensor<f32>) -> tensor<4x1xf32>
  %r = tessera.rsqrt %e : tensor<4x1xf32>
  %n = tessera.mul %d, %r : (tensor<4x8xf32>, tensor<4x1xf32>) -> tensor<4x8xf32>
  return %n : tensor<4x8xf32>
}

// -----

// RMSNorm as Llama exports it: Pow, ReduceMean, Add, Sqrt, 1/x, Mul, Mul γ.
// CHECK-LABEL: func.func @rms_norm_llama
// CHECK-NEXT: %[[Y:.*]] = tessera.rms_norm %arg0 scale %arg1 axis 2 epsilon 9.99999997E-7
// CHECK-NEXT: return %[[Y]]
func.func @rms_norm_llama(%x: tensor<1x?x64xf32>, %g: tensor<64xf32>) -> tensor<1x?x64xf32> {
  %two = tessera.constant dense<2.0> : tensor<f32>
  %one = tessera.constant dense<1.0> : tensor<f32>
  %eps = tessera.constant dense<1.0e-06> : tensor<f32>
  %p = tessera.pow %x, %two : (tensor<1x?x64xf32>, tensor<f32>) -> tensor<1x?x64xf32>
  // expected-remark @+1 {{fused as rms_norm}}
  %ms = tessera.reduce_mean %p [2] keep_dims : tensor<1x?x64xf32> -> tensor<1x?x1xf32>
  %e = tessera.add %ms, %eps : (tensor<1x?x1xf32>, tensor<f32>) -> tensor<1x?x1xf32>
  %s = tessera.sqrt %e : tensor<1x?x1xf32>
  %r = tessera.div %one, %s : (tensor<f32>, tensor<1x?x1xf32>) -> tensor<1x?x1xf32>
  %n = tessera.mul %x, %r : (tensor<1x?x64xf32>, tensor<1x?x1xf32>) -> tensor<1x?x64xf32>
  %y = tessera.mul %n, %g : (tensor<1x?x64xf32>, tensor<64xf32>) -> tensor<1x?x64xf32>
  return %y : tensor<1x?x64xf32>
}

// -----

// T5: no γ in the pattern (it is applied elsewhere); a scale of ones is made.
// CHECK-LABEL: func.func @rms_norm_no_scale
// CHECK: %[[ONES:.*]] = tessera.constant dense<1.000000e+00> : tensor<8xf32>
// CHECK: tessera.rms_norm %arg0 scale %[[ONES]] axis 1
func.func @rms_norm_no_scale(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %eps = tessera.constant dense<1.0e-06> : tensor<f32>
  %sq = tessera.mul %x, %x : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  // expected-remark @+1 {{fused as rms_norm}}
  %ms = tessera.reduce_mean %sq [1] keep_dims : tensor<4x8xf32> -> tensor<4x1xf32>
  %e = tessera.add %ms, %eps : (tensor<4x1xf32>, tensor<f32>) -> tensor<4x1xf32>
  %r = tessera.rsqrt %e : tensor<4x1xf32>
  %n = tessera.mul %x, %r : (tensor<4x8xf32>, tensor<4x1xf32>) -> tensor<4x8xf32>
  return %n : tensor<4x8xf32>
}

// -----

// A plain mean (a pooler, say) is a candidate that is not a norm.
// CHECK-LABEL: func.func @plain_mean
// CHECK: tessera.reduce_mean
func.func @plain_mean(%x: tensor<4x8xf32>) -> tensor<4x1xf32> {
  // expected-remark @+1 {{not fused as layer_norm: the mean is not used once, to center its input (x - mean)}}
  %m = tessera.reduce_mean %x [1] keep_dims : tensor<4x8xf32> -> tensor<4x1xf32>
  return %m : tensor<4x1xf32>
}

// -----

// The squared centered value is used elsewhere too.
// CHECK-LABEL: func.func @square_escapes
// CHECK-NOT: tessera.layer_norm
func.func @square_escapes(%x: tensor<4x8xf32>) -> (tensor<4x8xf32>, tensor<4x8xf32>) {
  %eps = tessera.constant dense<1.0e-05> : tensor<f32>
  // expected-remark @+1 {{not fused as layer_norm: the squared centered value has a user outside the norm}}
  %m = tessera.reduce_mean %x [1] keep_dims : tensor<4x8xf32> -> tensor<4x1xf32>
  %d = tessera.sub %x, %m : (tensor<4x8xf32>, tensor<4x1xf32>) -> tensor<4x8xf32>
  %sq = tessera.mul %d, %d : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  // expected-remark @+1 {{not fused as rms_norm: x² has a user outside the norm}}
  %v = tessera.reduce_mean %sq [1] keep_dims : tensor<4x8xf32> -> tensor<4x1xf32>
  %e = tessera.add %v, %eps : (tensor<4x1xf32>, tensor<f32>) -> tensor<4x1xf32>
  %r = tessera.rsqrt %e : tensor<4x1xf32>
  %n = tessera.mul %d, %r : (tensor<4x8xf32>, tensor<4x1xf32>) -> tensor<4x8xf32>
  %extra = tessera.add %sq, %x : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  return %n, %extra : tensor<4x8xf32>, tensor<4x8xf32>
}

// -----

// The centered value escapes: not a LayerNorm (caught over the whole
// matched set), but what remains is, exactly, an RMSNorm of it.
// CHECK-LABEL: func.func @centered_escapes
// CHECK-NOT: tessera.layer_norm
// CHECK: %[[D:.*]] = tessera.sub %arg0
// CHECK: tessera.rms_norm %[[D]] scale %{{.*}} axis 1
func.func @centered_escapes(%x: tensor<4x8xf32>) -> (tensor<4x8xf32>, tensor<4x8xf32>) {
  %eps = tessera.constant dense<1.0e-05> : tensor<f32>
  // expected-remark @+1 {{not fused as layer_norm: an intermediate value has a user outside the norm}}
  %m = tessera.reduce_mean %x [1] keep_dims : tensor<4x8xf32> -> tensor<4x1xf32>
  %d = tessera.sub %x, %m : (tensor<4x8xf32>, tensor<4x1xf32>) -> tensor<4x8xf32>
  %sq = tessera.mul %d, %d : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  // expected-remark @+1 {{fused as rms_norm}}
  %v = tessera.reduce_mean %sq [1] keep_dims : tensor<4x8xf32> -> tensor<4x1xf32>
  %e = tessera.add %v, %eps : (tensor<4x1xf32>, tensor<f32>) -> tensor<4x1xf32>
  %r = tessera.rsqrt %e : tensor<4x1xf32>
  %n = tessera.mul %d, %r : (tensor<4x8xf32>, tensor<4x1xf32>) -> tensor<4x8xf32>
  return %n, %d : tensor<4x8xf32>, tensor<4x8xf32>
}
