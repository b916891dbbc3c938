// Every op survives the generic form (properties, segment sizes, enums) and
// comes back in the custom form.
// RUN: tessera-opt %s --mlir-print-op-generic | tessera-opt | FileCheck %s
// CHECK-LABEL: func.func @all
func.func @all(%x: tensor<?x?x768xf32>, %b: tensor<768xf32>, %w: tensor<768x3072xf32>, %i: tensor<?x?xi64>, %q: tensor<?x12x?x64xf32>, %m: tensor<?x1x1x?xf32>, %c: tensor<2048x32xf32>, %n: index, %t: tensor<50257x768xf32>, %kv: tensor<1x4x1x64xf32>, %q8: tensor<1x8x1x64xf32>, %pkv: tensor<1x4x?x64xf32>) {
  // CHECK: tessera.constant dense<5.000000e-01> : tensor<3072xf32>
  %c1 = tessera.constant dense<0.5> : tensor<3072xf32>
  // CHECK: tessera.cmp eq,
  %0 = tessera.cmp eq, %i, %i : (tensor<?x?xi64>, tensor<?x?xi64>) -> tensor<?x?xi1>
  // CHECK: tessera.where
  %1 = tessera.where %0, %i, %i : (tensor<?x?xi1>, tensor<?x?xi64>, tensor<?x?xi64>) -> tensor<?x?xi64>
  // CHECK: tessera.reduce_mean %{{.*}} [2] keep_dims
  %2 = tessera.reduce_mean %x [2] keep_dims : tensor<?x?x768xf32> -> tensor<?x?x1xf32>
  // CHECK: tessera.reshape %{{.*}} dims(%{{.*}}, %{{.*}})
  %3 = tessera.reshape %x dims(%n, %n) : tensor<?x?x768xf32> -> tensor<?x?x12x64xf32>
  // CHECK: tessera.iota size %{{.*}} start 0 step 1
  %4 = tessera.iota size %n start 0 step 1 : tensor<?xi64>
  // CHECK: tessera.trilu upper %{{.*}} diagonal 1
  %5 = tessera.trilu upper %x diagonal 1 : tensor<?x?x768xf32>
  // CHECK: tessera.attention %{{.*}}, %{{.*}}, %{{.*}} mask %{{.*}} scale 1.250000e-01 causal
  %6 = tessera.attention %q, %q, %q mask %m scale 0.125 causal : (tensor<?x12x?x64xf32>, tensor<?x12x?x64xf32>, tensor<?x12x?x64xf32>, tensor<?x1x1x?xf32>) -> tensor<?x12x?x64xf32>
  // CHECK: tessera.attention %{{.*}}, %{{.*}}, %{{.*}} past(%{{.*}}, %{{.*}})
  %7:3 = tessera.attention %q8, %kv, %kv past(%pkv, %pkv) : (tensor<1x8x1x64xf32>, tensor<1x4x1x64xf32>, tensor<1x4x1x64xf32>, tensor<1x4x?x64xf32>, tensor<1x4x?x64xf32>) -> (tensor<1x8x1x64xf32>, tensor<1x4x?x64xf32>, tensor<1x4x?x64xf32>)
  // CHECK: tessera.layer_norm %{{.*}} scale %{{.*}} bias %{{.*}} residual %{{.*}} axis 2
  %8:2 = tessera.layer_norm %x scale %b bias %b residual %x axis 2 epsilon 1.0e-5 : (tensor<?x?x768xf32>, tensor<768xf32>, tensor<768xf32>, tensor<?x?x768xf32>) -> (tensor<?x?x768xf32>, tensor<?x?x768xf32>)
  // CHECK: tessera.rms_norm %{{.*}} scale %{{.*}} axis 2
  %9 = tessera.rms_norm %x scale %b axis 2 epsilon 1.0e-5 : (tensor<?x?x768xf32>, tensor<768xf32>) -> tensor<?x?x768xf32>
  // CHECK: tessera.gelu %{{.*}} bias %{{.*}} approximate tanh
  %10 = tessera.gelu %x bias %b approximate tanh : (tensor<?x?x768xf32>, tensor<768xf32>) -> tensor<?x?x768xf32>
  // CHECK: tessera.rotary_embedding %{{.*}}, %{{.*}}, %{{.*}} positions %{{.*}} interleaved
  %11 = tessera.rotary_embedding %q, %c, %c positions %i interleaved : (tensor<?x12x?x64xf32>, tensor<2048x32xf32>, tensor<2048x32xf32>, tensor<?x?xi64>) -> tensor<?x12x?x64xf32>
  // CHECK: tessera.embedding
  %12 = tessera.embedding %t[%i] : (tensor<50257x768xf32>, tensor<?x?xi64>) -> tensor<?x?x768xf32>
  // CHECK: tessera.fused_matmul %{{.*}}, %{{.*}} bias %{{.*}} activation gelu_tanh
  %13 = tessera.fused_matmul %x, %w bias %c1 activation gelu_tanh : (tensor<?x?x768xf32>, tensor<768x3072xf32>, tensor<3072xf32>) -> tensor<?x?x3072xf32>
  // CHECK: tessera.slice
  %14 = tessera.slice %x starts [0, 0, 0] ends [9223372036854775807, 1, 9223372036854775807] steps [1, 1, 1] : tensor<?x?x768xf32> -> tensor<?x1x768xf32>
  // CHECK: tessera.gather
  %15 = tessera.gather %t[%i] axis 0 : (tensor<50257x768xf32>, tensor<?x?xi64>) -> tensor<?x?x768xf32>
  // CHECK: tessera.expand
  %16 = tessera.expand %b dims(%n) : tensor<768xf32> -> tensor<?x768xf32>
  return
}
