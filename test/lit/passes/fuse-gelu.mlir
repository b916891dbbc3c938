// RUN: tessera-opt %s -split-input-file --pass-pipeline='builtin.module(func.func(tessera-fuse-gelu{remarks=true}))' -verify-diagnostics | FileCheck %s

// BERT (PyTorch): x * 0.5 * (1 + erf(x / sqrt(2))), with the bias Add.
// CHECK-LABEL: func.func @erf_with_bias
// CHECK-NEXT: %[[G:.*]] = tessera.gelu %arg0 bias %arg1 approximate none
// CHECK-NEXT: return %[[G]]
func.func @erf_with_bias(%h: tensor<?x16xf32>, %b: tensor<16xf32>) -> tensor<?x16xf32> {
  %sqrt2 = tessera.constant dense<1.41421354> : tensor<f32>
  %one = tessera.constant dense<1.0> : tensor<f32>
  %half = tessera.constant dense<0.5> : tensor<f32>
  %x = tessera.add %h, %b : (tensor<?x16xf32>, tensor<16xf32>) -> tensor<?x16xf32>
  %d = tessera.div %x, %sqrt2 : (tensor<?x16xf32>, tensor<f32>) -> tensor<?x16xf32>
  // expected-remark @+1 {{fused as gelu}}
  %e = tessera.erf %d : tensor<?x16xf32>
  %o = tessera.add %e, %one : (tensor<?x16xf32>, tensor<f32>) -> tensor<?x16xf32>
  %xo = tessera.mul %x, %o : (tensor<?x16xf32>, tensor<?x16xf32>) -> tensor<?x16xf32>
  %y = tessera.mul %xo, %half : (tensor<?x16xf32>, tensor<f32>) -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

// GPT-2's gelu_new: 0.5 * x * (1 + tanh(sqrt(2/pi) * (x + 0.044715 * x^3))).
// CHECK-LABEL: func.func @tanh
// CHECK-NEXT: %[[G:.*]] = tessera.gelu %arg0 approximate tanh
// CHECK-NEXT: return %[[G]]
func.func @tanh(%x: tensor<2x16xf32>) -> tensor<2x16xf32> {
  %half = tessera.constant dense<0.5> : tensor<f32>
  %three = tessera.constant dense<3.0> : tensor<f32>
  %c = tessera.constant dense<0.044715> : tensor<f32>
  %k = tessera.constant dense<0.797884583> : tensor<f32>
  %one = tessera.constant dense<1.0> : tensor<f32>
  %hx = tessera.mul %x, %half : (tensor<2x16xf32>, tensor<f32>) -> tensor<2x16xf32>
  %x3 = tessera.pow %x, %three : (tensor<2x16xf32>, tensor<f32>) -> tensor<2x16xf32>
  %cx3 = tessera.mul %x3, %c : (tensor<2x16xf32>, tensor<f32>) -> tensor<2x16xf32>
  %in = tessera.add %x, %cx3 : (tensor<2x16xf32>, tensor<2x16xf32>) -> tensor<2x16xf32>
  %a = tessera.mul %in, %k : (tensor<2x16xf32>, tensor<f32>) -> tensor<2x16xf32>
  // expected-remark @+1 {{fused as gelu}}
  %t = tessera.tanh %a : tensor<2x16xf32>
  %o = tessera.add %t, %one : (tensor<2x16xf32>, tensor<f32>) -> tensor<2x16xf32>
  %y = tessera.mul %hx, %o : (tensor<2x16xf32>, tensor<2x16xf32>) -> tensor<2x16xf32>
  return %y : tensor<2x16xf32>
}

// -----

// The same tanh GELU with the constants distributed differently
// (0.7978 x + 0.0357 x·x·x) and 1 on the left: still a GELU.
// CHECK-LABEL: func.func @tanh_expanded
// CHECK-NEXT: %[[G:.*]] = tessera.gelu %arg0 approximate tanh
func.func @tanh_expanded(%x: tensor<8xf32>) -> tensor<8xf32> {
  %a1 = tessera.constant dense<0.797884583> : tensor<f32>
  %a3 = tessera.constant dense<0.0356774069> : tensor<f32>
  %half = tessera.constant dense<0.5> : tensor<f32>
  %one = tessera.constant dense<1.0> : tensor<f32>
  %xx = tessera.mul %x, %x : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  %xxx = tessera.mul %xx, %x : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  %t3 = tessera.mul %a3, %xxx : (tensor<f32>, tensor<8xf32>) -> tensor<8xf32>
  %t1 = tessera.mul %a1, %x : (tensor<f32>, tensor<8xf32>) -> tensor<8xf32>
  %arg = tessera.add %t1, %t3 : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  // expected-remark @+1 {{fused as gelu}}
  %t = tessera.tanh %arg : tensor<8xf32>
  %o = tessera.add %one, %t : (tensor<f32>, tensor<8xf32>) -> tensor<8xf32>
  %ho = tessera.mul %half, %o : (tensor<f32>, tensor<8xf32>) -> tensor<8xf32>
  %y = tessera.mul %ho, %x : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  return %y : tensor<8xf32>
}

// -----

// A tanh that is just a tanh (the BERT pooler).
// CHECK-LABEL: func.func @plain_tanh
// CHECK: tessera.tanh
func.func @plain_tanh(%x: tensor<8xf32>) -> tensor<8xf32> {
  // expected-remark @+1 {{not fused as gelu: the result is not used once, by 1 + t}}
  %t = tessera.tanh %x : tensor<8xf32>
  return %t : tensor<8xf32>
}

// -----

// The wrong constant inside erf: x / 2 is not x / sqrt(2).
// CHECK-LABEL: func.func @wrong_constant
// CHECK-NOT: tessera.gelu
func.func @wrong_constant(%x: tensor<8xf32>) -> tensor<8xf32> {
  %two = tessera.constant dense<2.0> : tensor<f32>
  %one = tessera.constant dense<1.0> : tensor<f32>
  %half = tessera.constant dense<0.5> : tensor<f32>
  %d = tessera.div %x, %two : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  // expected-remark @+1 {{not fused as gelu: the argument is not x / sqrt(2)}}
  %e = tessera.erf %d : tensor<8xf32>
  %o = tessera.add %e, %one : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  %xo = tessera.mul %x, %o : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  %y = tessera.mul %xo, %half : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  return %y : tensor<8xf32>
}

// -----

// The scaled argument is also returned: a second consumer.
// CHECK-LABEL: func.func @second_consumer
// CHECK-NOT: tessera.gelu
func.func @second_consumer(%x: tensor<8xf32>) -> (tensor<8xf32>, tensor<8xf32>) {
  %k = tessera.constant dense<0.707106769> : tensor<f32>
  %one = tessera.constant dense<1.0> : tensor<f32>
  %half = tessera.constant dense<0.5> : tensor<f32>
  %d = tessera.mul %x, %k : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  // expected-remark @+1 {{not fused as gelu: an intermediate value has a user outside the pattern}}
  %e = tessera.erf %d : tensor<8xf32>
  %o = tessera.add %e, %one : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  %xo = tessera.mul %x, %o : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  %y = tessera.mul %xo, %half : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  return %y, %d : tensor<8xf32>, tensor<8xf32>
}
