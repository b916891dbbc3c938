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

// The variance is also returned. It is a statistic (one value per row),
// which stays for its other user while the norm fuses; a full-size
// intermediate with a second consumer does not fuse (@square_escapes,
// @centered_escapes).
// CHECK-LABEL: func.func @statistic_escapes
// CHECK: %[[M:.*]] = tessera.reduce_mean %arg0 [1]
// CHECK: %[[D:.*]] = tessera.sub %arg0, %[[M]]
// CHECK: %[[SQ:.*]] = tessera.mul %[[D]], %[[D]]
// CHECK: %[[V:.*]] = tessera.reduce_mean %[[SQ]] [1]
// CHECK: %[[Y:.*]] = tessera.layer_norm %arg0 scale %{{.*}} axis 1 epsilon 9.99999974E-6
// CHECK: return %[[Y]], %[[V]]
func.func @statistic_escapes(%x: tensor<4x8xf32>) -> (tensor<4x8xf32>, tensor<4x1xf32>) {
  %eps = tessera.constant dense<1.0e-05> : tensor<f32>
  // expected-remark @+1 {{fused as layer_norm}}
  %m = tessera.reduce_mean %x [1] keep_dims : tensor<4x8xf32> -> tensor<4x1xf32>
  %d = tessera.sub %x, %m : (tensor<4x8xf32>, tensor<4x1xf32>) -> tensor<4x8xf32>
  %sq = tessera.mul %d, %d : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  %v = tessera.reduce_mean %sq [1] keep_dims : tensor<4x8xf32> -> tensor<4x1xf32>
  %e = tessera.add %v, %eps : (tensor<4x1xf32>, tensor<f32>) -> tensor<4x1xf32>
  %r = tessera.rsqrt %e : tensor<4x1xf32>
  %n = tessera.mul %d, %r : (tensor<4x8xf32>, tensor<4x1xf32>) -> tensor<4x8xf32>
  return %n, %v : tensor<4x8xf32>, tensor<4x1xf32>
}

// -----

// ONNX's LayerNormalization function body (the _expanded node tests): x
// flattened to [rows, N], the variance from moments, mean(x·x) - m·m, γ and
// β flattened to [1, N], and the Mean and 1/σ statistics returned too.
// CHECK-LABEL: func.func @layer_norm_moments
// CHECK-DAG: %[[G:.*]] = tessera.reshape %arg1 : tensor<1x15xf32> -> tensor<15xf32>
// CHECK-DAG: %[[B:.*]] = tessera.reshape %arg2 : tensor<1x15xf32> -> tensor<15xf32>
// CHECK-DAG: %[[M:.*]] = tessera.reduce_mean %arg0 [1]
// CHECK-DAG: %[[Y:.*]] = tessera.layer_norm %arg0 scale %[[G]] bias %[[B]] axis 1 epsilon 1.000000e-01
// CHECK-DAG: %[[INV:.*]] = tessera.reciprocal
// CHECK-NOT: tessera.div
// CHECK: return %[[Y]], %[[M]], %[[INV]]
func.func @layer_norm_moments(%x: tensor<2x15xf32>, %g: tensor<1x15xf32>, %b: tensor<1x15xf32>) -> (tensor<2x15xf32>, tensor<2x1xf32>, tensor<2x1xf32>) {
  %eps = tessera.constant dense<1.0e-01> : tensor<f32>
  // expected-remark @+1 {{fused as layer_norm}}
  %m = tessera.reduce_mean %x [1] keep_dims : tensor<2x15xf32> -> tensor<2x1xf32>
  %xx = tessera.mul %x, %x : (tensor<2x15xf32>, tensor<2x15xf32>) -> tensor<2x15xf32>
  %ms = tessera.reduce_mean %xx [1] keep_dims : tensor<2x15xf32> -> tensor<2x1xf32>
  %mm = tessera.mul %m, %m : (tensor<2x1xf32>, tensor<2x1xf32>) -> tensor<2x1xf32>
  %v = tessera.sub %ms, %mm : (tensor<2x1xf32>, tensor<2x1xf32>) -> tensor<2x1xf32>
  %e = tessera.add %v, %eps : (tensor<2x1xf32>, tensor<f32>) -> tensor<2x1xf32>
  %s = tessera.sqrt %e : tensor<2x1xf32>
  %d = tessera.sub %x, %m : (tensor<2x15xf32>, tensor<2x1xf32>) -> tensor<2x15xf32>
  %n = tessera.div %d, %s : (tensor<2x15xf32>, tensor<2x1xf32>) -> tensor<2x15xf32>
  %gn = tessera.mul %n, %g : (tensor<2x15xf32>, tensor<1x15xf32>) -> tensor<2x15xf32>
  %y = tessera.add %gn, %b : (tensor<2x15xf32>, tensor<1x15xf32>) -> tensor<2x15xf32>
  %inv = tessera.reciprocal %s : tensor<2x1xf32>
  return %y, %m, %inv : tensor<2x15xf32>, tensor<2x1xf32>, tensor<2x1xf32>
}

// -----

// Moments whose mean of squares is of another value than x: not a variance.
// CHECK-LABEL: func.func @moments_of_another_value
// CHECK-NOT: tessera.layer_norm
func.func @moments_of_another_value(%x: tensor<2x15xf32>, %z: tensor<2x15xf32>) -> tensor<2x15xf32> {
  %eps = tessera.constant dense<1.0e-01> : tensor<f32>
  // expected-remark @+1 {{not fused as layer_norm: m² is not subtracted from the mean of x² over the same axes}}
  %m = tessera.reduce_mean %x [1] keep_dims : tensor<2x15xf32> -> tensor<2x1xf32>
  %zz = tessera.mul %z, %z : (tensor<2x15xf32>, tensor<2x15xf32>) -> tensor<2x15xf32>
  // expected-remark @+1 {{not fused as rms_norm: the variance is not offset by + epsilon}}
  %ms = tessera.reduce_mean %zz [1] keep_dims : tensor<2x15xf32> -> tensor<2x1xf32>
  %mm = tessera.mul %m, %m : (tensor<2x1xf32>, tensor<2x1xf32>) -> tensor<2x1xf32>
  %v = tessera.sub %ms, %mm : (tensor<2x1xf32>, tensor<2x1xf32>) -> tensor<2x1xf32>
  %e = tessera.add %v, %eps : (tensor<2x1xf32>, tensor<f32>) -> tensor<2x1xf32>
  %s = tessera.sqrt %e : tensor<2x1xf32>
  %d = tessera.sub %x, %m : (tensor<2x15xf32>, tensor<2x1xf32>) -> tensor<2x15xf32>
  %n = tessera.div %d, %s : (tensor<2x15xf32>, tensor<2x1xf32>) -> tensor<2x15xf32>
  return %n : tensor<2x15xf32>
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
  // expected-remark @+1 {{not fused as layer_norm: the mean does not center its input (x - mean)}}
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

// -----

// A pre-norm block: the residual sum feeds the norm and the next residual
// connection, which then reads the norm's residual_output.
// CHECK-LABEL: func.func @residual_layer_norm
// CHECK: %[[Y:.*]], %[[SUM:.*]] = tessera.layer_norm %arg0 scale %arg2 bias %arg3 residual %arg1 axis 1 epsilon 9.99999974E-6
// CHECK-NOT: tessera.add %arg0, %arg1
// CHECK: %[[NEXT:.*]] = tessera.add %[[SUM]], %[[Y]]
// CHECK: return %[[NEXT]]
func.func @residual_layer_norm(%a: tensor<4x8xf32>, %r: tensor<4x8xf32>, %g: tensor<8xf32>, %b: tensor<8xf32>) -> tensor<4x8xf32> {
  %eps = tessera.constant dense<1.0e-05> : tensor<f32>
  // expected-remark @+1 {{fused as residual_add}}
  %x = tessera.add %a, %r : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  // expected-remark @+1 {{fused as layer_norm}}
  %m = tessera.reduce_mean %x [1] keep_dims : tensor<4x8xf32> -> tensor<4x1xf32>
  %d = tessera.sub %x, %m : (tensor<4x8xf32>, tensor<4x1xf32>) -> tensor<4x8xf32>
  %sq = tessera.mul %d, %d : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  %v = tessera.reduce_mean %sq [1] keep_dims : tensor<4x8xf32> -> tensor<4x1xf32>
  %e = tessera.add %v, %eps : (tensor<4x1xf32>, tensor<f32>) -> tensor<4x1xf32>
  %s = tessera.sqrt %e : tensor<4x1xf32>
  %n = tessera.div %d, %s : (tensor<4x8xf32>, tensor<4x1xf32>) -> tensor<4x8xf32>
  %gn = tessera.mul %n, %g : (tensor<4x8xf32>, tensor<8xf32>) -> tensor<4x8xf32>
  %y = tessera.add %gn, %b : (tensor<4x8xf32>, tensor<8xf32>) -> tensor<4x8xf32>
  %next = tessera.add %x, %y : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  return %next : tensor<4x8xf32>
}

// -----

// RMSNorm of a residual sum used by nothing else: the residual form, with
// residual_output unused.
// CHECK-LABEL: func.func @residual_rms_norm
// CHECK: %[[Y:.*]], %{{.*}} = tessera.rms_norm %arg0 scale %arg2 residual %arg1 axis 1
// CHECK: return %[[Y]]
func.func @residual_rms_norm(%a: tensor<4x8xf32>, %r: tensor<4x8xf32>, %g: tensor<8xf32>) -> tensor<4x8xf32> {
  %eps = tessera.constant dense<1.0e-06> : tensor<f32>
  // expected-remark @+1 {{fused as residual_add}}
  %x = tessera.add %a, %r : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  %sq = tessera.mul %x, %x : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  // expected-remark @+1 {{fused as rms_norm}}
  %ms = tessera.reduce_mean %sq [1] keep_dims : tensor<4x8xf32> -> tensor<4x1xf32>
  %e = tessera.add %ms, %eps : (tensor<4x1xf32>, tensor<f32>) -> tensor<4x1xf32>
  %rs = tessera.rsqrt %e : tensor<4x1xf32>
  %n = tessera.mul %x, %rs : (tensor<4x8xf32>, tensor<4x1xf32>) -> tensor<4x8xf32>
  %y = tessera.mul %n, %g : (tensor<4x8xf32>, tensor<8xf32>) -> tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}

// -----

// A bias Add broadcasts: not a residual, and not a candidate. The norm
// fuses alone.
// CHECK-LABEL: func.func @bias_is_not_a_residual
// CHECK: %[[X:.*]] = tessera.add %arg0, %arg1
// CHECK: tessera.rms_norm %[[X]] scale %arg2 axis 1
// CHECK-NOT: residual
func.func @bias_is_not_a_residual(%a: tensor<4x8xf32>, %bias: tensor<8xf32>, %g: tensor<8xf32>) -> tensor<4x8xf32> {
  %eps = tessera.constant dense<1.0e-06> : tensor<f32>
  %x = tessera.add %a, %bias : (tensor<4x8xf32>, tensor<8xf32>) -> tensor<4x8xf32>
  %sq = tessera.mul %x, %x : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  // expected-remark @+1 {{fused as rms_norm}}
  %ms = tessera.reduce_mean %sq [1] keep_dims : tensor<4x8xf32> -> tensor<4x1xf32>
  %e = tessera.add %ms, %eps : (tensor<4x1xf32>, tensor<f32>) -> tensor<4x1xf32>
  %rs = tessera.rsqrt %e : tensor<4x1xf32>
  %n = tessera.mul %x, %rs : (tensor<4x8xf32>, tensor<4x1xf32>) -> tensor<4x8xf32>
  %y = tessera.mul %n, %g : (tensor<4x8xf32>, tensor<8xf32>) -> tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}

// -----

// The sum is used before the norm ends: residual_output would come too
// late for it. The norm fuses without the residual form.
// CHECK-LABEL: func.func @sum_used_before_the_norm
// CHECK: %[[X:.*]] = tessera.add %arg0, %arg1
// CHECK: tessera.rms_norm %[[X]] scale %arg2 axis 1
// CHECK-NOT: residual
func.func @sum_used_before_the_norm(%a: tensor<4x8xf32>, %r: tensor<4x8xf32>, %g: tensor<8xf32>) -> (tensor<4x8xf32>, tensor<4x8xf32>) {
  %eps = tessera.constant dense<1.0e-06> : tensor<f32>
  // expected-remark @+1 {{not fused as residual_add: the sum is also used before the norm}}
  %x = tessera.add %a, %r : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  %early = tessera.neg %x : tensor<4x8xf32>
  %sq = tessera.mul %x, %x : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  // expected-remark @+1 {{fused as rms_norm}}
  %ms = tessera.reduce_mean %sq [1] keep_dims : tensor<4x8xf32> -> tensor<4x1xf32>
  %e = tessera.add %ms, %eps : (tensor<4x1xf32>, tensor<f32>) -> tensor<4x1xf32>
  %rs = tessera.rsqrt %e : tensor<4x1xf32>
  %n = tessera.mul %x, %rs : (tensor<4x8xf32>, tensor<4x1xf32>) -> tensor<4x8xf32>
  %y = tessera.mul %n, %g : (tensor<4x8xf32>, tensor<8xf32>) -> tensor<4x8xf32>
  return %y, %early : tensor<4x8xf32>, tensor<4x8xf32>
}
