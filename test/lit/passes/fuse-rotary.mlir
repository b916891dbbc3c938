// RUN: tessera-opt %s -split-input-file --pass-pipeline='builtin.module(func.func(tessera-fuse-rotary{remarks=true}))' -verify-diagnostics | FileCheck %s

// llama2.c's interleaved rotation of x [B, S, H, D] with tables [S, D/2].
// CHECK-LABEL: func.func @interleaved
// CHECK: %[[X:.*]] = tessera.reshape %arg0 : tensor<1x3x2x8xf32> -> tensor<1x3x2x8xf32>
// CHECK: %[[T:.*]] = tessera.transpose %[[X]] [0, 2, 1, 3] : tensor<1x3x2x8xf32> -> tensor<1x2x3x8xf32>
// CHECK: %[[R:.*]] = tessera.rotary_embedding %[[T]], %arg1, %arg2 interleaved : (tensor<1x2x3x8xf32>, tensor<3x4xf32>, tensor<3x4xf32>) -> tensor<1x2x3x8xf32>
// CHECK: %[[B:.*]] = tessera.transpose %[[R]] [0, 2, 1, 3]
// CHECK: return %[[B]]
func.func @interleaved(%x: tensor<1x3x2x8xf32>, %cos: tensor<3x4xf32>, %sin: tensor<3x4xf32>) -> tensor<1x3x2x8xf32> {
  %x5 = tessera.reshape %x : tensor<1x3x2x8xf32> -> tensor<1x3x2x4x2xf32>
  %re1 = tessera.slice %x5 starts [0, 0, 0, 0, 0] ends [9223372036854775807, 9223372036854775807, 9223372036854775807, 9223372036854775807, 1] steps [1, 1, 1, 1, 1] : tensor<1x3x2x4x2xf32> -> tensor<1x3x2x4x1xf32>
  %im1 = tessera.slice %x5 starts [0, 0, 0, 0, 1] ends [9223372036854775807, 9223372036854775807, 9223372036854775807, 9223372036854775807, 2] steps [1, 1, 1, 1, 1] : tensor<1x3x2x4x2xf32> -> tensor<1x3x2x4x1xf32>
  %re = tessera.reshape %re1 : tensor<1x3x2x4x1xf32> -> tensor<1x3x2x4xf32>
  %im = tessera.reshape %im1 : tensor<1x3x2x4x1xf32> -> tensor<1x3x2x4xf32>
  %c = tessera.reshape %cos : tensor<3x4xf32> -> tensor<1x3x1x4xf32>
  %s = tessera.reshape %sin : tensor<3x4xf32> -> tensor<1x3x1x4xf32>
  %a = tessera.mul %re, %c : (tensor<1x3x2x4xf32>, tensor<1x3x1x4xf32>) -> tensor<1x3x2x4xf32>
  %b = tessera.mul %im, %s : (tensor<1x3x2x4xf32>, tensor<1x3x1x4xf32>) -> tensor<1x3x2x4xf32>
  %outre = tessera.sub %a, %b : (tensor<1x3x2x4xf32>, tensor<1x3x2x4xf32>) -> tensor<1x3x2x4xf32>
  %d = tessera.mul %s, %re : (tensor<1x3x1x4xf32>, tensor<1x3x2x4xf32>) -> tensor<1x3x2x4xf32>
  %e = tessera.mul %im, %c : (tensor<1x3x2x4xf32>, tensor<1x3x1x4xf32>) -> tensor<1x3x2x4xf32>
  %outim = tessera.add %e, %d : (tensor<1x3x2x4xf32>, tensor<1x3x2x4xf32>) -> tensor<1x3x2x4xf32>
  %p = tessera.reshape %outre : tensor<1x3x2x4xf32> -> tensor<1x3x2x4x1xf32>
  %q = tessera.reshape %outim : tensor<1x3x2x4xf32> -> tensor<1x3x2x4x1xf32>
  // expected-remark @+1 {{fused as rotary_embedding}}
  %pairs = tessera.concat %p, %q axis 4 : (tensor<1x3x2x4x1xf32>, tensor<1x3x2x4x1xf32>) -> tensor<1x3x2x4x2xf32>
  %y = tessera.reshape %pairs : tensor<1x3x2x4x2xf32> -> tensor<1x3x2x8xf32>
  return %y : tensor<1x3x2x8xf32>
}

// -----

// The imaginary part subtracted (re·sin − im·cos): not a rotation.
// CHECK-LABEL: func.func @wrong_sign
// CHECK-NOT: tessera.rotary_embedding
func.func @wrong_sign(%x: tensor<1x3x2x8xf32>, %cos: tensor<3x4xf32>, %sin: tensor<3x4xf32>) -> tensor<1x3x2x8xf32> {
  %x5 = tessera.reshape %x : tensor<1x3x2x8xf32> -> tensor<1x3x2x4x2xf32>
  %re1 = tessera.slice %x5 starts [0, 0, 0, 0, 0] ends [9223372036854775807, 9223372036854775807, 9223372036854775807, 9223372036854775807, 1] steps [1, 1, 1, 1, 1] : tensor<1x3x2x4x2xf32> -> tensor<1x3x2x4x1xf32>
  %im1 = tessera.slice %x5 starts [0, 0, 0, 0, 1] ends [9223372036854775807, 9223372036854775807, 9223372036854775807, 9223372036854775807, 2] steps [1, 1, 1, 1, 1] : tensor<1x3x2x4x2xf32> -> tensor<1x3x2x4x1xf32>
  %re = tessera.reshape %re1 : tensor<1x3x2x4x1xf32> -> tensor<1x3x2x4xf32>
  %im = tessera.reshape %im1 : tensor<1x3x2x4x1xf32> -> tensor<1x3x2x4xf32>
  %c = tessera.reshape %cos : tensor<3x4xf32> -> tensor<1x3x1x4xf32>
  %s = tessera.reshape %sin : tensor<3x4xf32> -> tensor<1x3x1x4xf32>
  %a = tessera.mul %re, %c : (tensor<1x3x2x4xf32>, tensor<1x3x1x4xf32>) -> tensor<1x3x2x4xf32>
  %b = tessera.mul %im, %s : (tensor<1x3x2x4xf32>, tensor<1x3x1x4xf32>) -> tensor<1x3x2x4xf32>
  %outre = tessera.sub %a, %b : (tensor<1x3x2x4xf32>, tensor<1x3x2x4xf32>) -> tensor<1x3x2x4xf32>
  %d = tessera.mul %re, %s : (tensor<1x3x2x4xf32>, tensor<1x3x1x4xf32>) -> tensor<1x3x2x4xf32>
  %e = tessera.mul %im, %c : (tensor<1x3x2x4xf32>, tensor<1x3x1x4xf32>) -> tensor<1x3x2x4xf32>
  %outim = tessera.sub %d, %e : (tensor<1x3x2x4xf32>, tensor<1x3x2x4xf32>) -> tensor<1x3x2x4xf32>
  %p = tessera.reshape %outre : tensor<1x3x2x4xf32> -> tensor<1x3x2x4x1xf32>
  %q = tessera.reshape %outim : tensor<1x3x2x4xf32> -> tensor<1x3x2x4x1xf32>
  // expected-remark @+1 {{not fused as rotary_embedding: the pair is not (a - b, c + d)}}
  %pairs = tessera.concat %p, %q axis 4 : (tensor<1x3x2x4x1xf32>, tensor<1x3x2x4x1xf32>) -> tensor<1x3x2x4x2xf32>
  %y = tessera.reshape %pairs : tensor<1x3x2x4x2xf32> -> tensor<1x3x2x8xf32>
  return %y : tensor<1x3x2x8xf32>
}

// -----

// ONNX's RotaryEmbedding body: contiguous halves of the first 4 of 8
// channels, caches gathered by position ids, the rest passed through.
// CHECK-LABEL: func.func @contiguous_partial
// CHECK: %[[T:.*]] = tessera.transpose %arg0 [0, 2, 1, 3]
// CHECK: tessera.rotary_embedding %[[T]], %arg1, %arg2 positions %arg3 rotary_dim 4 : (tensor<2x4x3x8xf32>, tensor<50x2xf32>, tensor<50x2xf32>, tensor<2x3xi64>) -> tensor<2x4x3x8xf32>
// CHECK-NOT: interleaved
func.func @contiguous_partial(%x: tensor<2x3x4x8xf32>, %cache_cos: tensor<50x2xf32>, %cache_sin: tensor<50x2xf32>, %pos: tensor<2x3xi64>) -> tensor<2x3x4x8xf32> {
  %cg = tessera.gather %cache_cos[%pos] axis 0 : (tensor<50x2xf32>, tensor<2x3xi64>) -> tensor<2x3x2xf32>
  %sg = tessera.gather %cache_sin[%pos] axis 0 : (tensor<50x2xf32>, tensor<2x3xi64>) -> tensor<2x3x2xf32>
  %c = tessera.reshape %cg : tensor<2x3x2xf32> -> tensor<2x3x1x2xf32>
  %s = tessera.reshape %sg : tensor<2x3x2xf32> -> tensor<2x3x1x2xf32>
  %x1 = tessera.slice %x starts [0, 0, 0, 0] ends [9223372036854775807, 9223372036854775807, 9223372036854775807, 2] steps [1, 1, 1, 1] : tensor<2x3x4x8xf32> -> tensor<2x3x4x2xf32>
  %x2 = tessera.slice %x starts [0, 0, 0, 2] ends [9223372036854775807, 9223372036854775807, 9223372036854775807, 4] steps [1, 1, 1, 1] : tensor<2x3x4x8xf32> -> tensor<2x3x4x2xf32>
  %rest = tessera.slice %x starts [0, 0, 0, 4] ends [9223372036854775807, 9223372036854775807, 9223372036854775807, 9223372036854775807] steps [1, 1, 1, 1] : tensor<2x3x4x8xf32> -> tensor<2x3x4x4xf32>
  %a = tessera.mul %c, %x1 : (tensor<2x3x1x2xf32>, tensor<2x3x4x2xf32>) -> tensor<2x3x4x2xf32>
  %b = tessera.mul %s, %x2 : (tensor<2x3x1x2xf32>, tensor<2x3x4x2xf32>) -> tensor<2x3x4x2xf32>
  %re = tessera.sub %a, %b : (tensor<2x3x4x2xf32>, tensor<2x3x4x2xf32>) -> tensor<2x3x4x2xf32>
  %d = tessera.mul %s, %x1 : (tensor<2x3x1x2xf32>, tensor<2x3x4x2xf32>) -> tensor<2x3x4x2xf32>
  %e = tessera.mul %c, %x2 : (tensor<2x3x1x2xf32>, tensor<2x3x4x2xf32>) -> tensor<2x3x4x2xf32>
  %im = tessera.add %d, %e : (tensor<2x3x4x2xf32>, tensor<2x3x4x2xf32>) -> tensor<2x3x4x2xf32>
  // expected-remark @+1 {{fused as rotary_embedding}}
  %rot = tessera.concat %re, %im axis 3 : (tensor<2x3x4x2xf32>, tensor<2x3x4x2xf32>) -> tensor<2x3x4x4xf32>
  %y = tessera.concat %rot, %rest axis 3 : (tensor<2x3x4x4xf32>, tensor<2x3x4x4xf32>) -> tensor<2x3x4x8xf32>
  return %y : tensor<2x3x4x8xf32>
}
