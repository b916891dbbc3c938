// Runs the lowered fused ops on the CPU (upstream passes to LLVM, then
// mlir-runner) and checks the values against hand-computed ones, to 4 or 5
// significant digits (libm's last digit may differ).
// RUN: tessera-opt %s --tessera-lower-to-linalg \
// RUN: | mlir-opt --one-shot-bufferize=bufferize-function-boundaries \
// RUN:     --convert-linalg-to-loops --convert-scf-to-cf --expand-strided-metadata \
// RUN:     --lower-affine --arith-expand --convert-math-to-libm \
// RUN:     --convert-math-to-llvm --finalize-memref-to-llvm \
// RUN:     --convert-arith-to-llvm --convert-index-to-llvm --convert-cf-to-llvm \
// RUN:     --convert-func-to-llvm --reconcile-unrealized-casts \
// RUN: | mlir-runner -e main -entry-point-result=void \
// RUN:     -shared-libs=$(dirname $(which mlir-runner))/../lib/libmlir_runner_utils.so,$(dirname $(which mlir-runner))/../lib/libmlir_c_runner_utils.so \
// RUN: | FileCheck %s

func.func private @printMemrefF32(tensor<*xf32>)

func.func @norms(%x: tensor<?x4xf32>, %g: tensor<4xf32>, %b: tensor<4xf32>) -> (tensor<?x4xf32>, tensor<?x4xf32>) {
  %ln = tessera.layer_norm %x scale %g bias %b axis 1 epsilon 0.0 : (tensor<?x4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<?x4xf32>
  %rms = tessera.rms_norm %x scale %g axis 1 epsilon 0.0 : (tensor<?x4xf32>, tensor<4xf32>) -> tensor<?x4xf32>
  return %ln, %rms : tensor<?x4xf32>, tensor<?x4xf32>
}

func.func @gelus(%x: tensor<?xf32>) -> (tensor<?xf32>, tensor<?xf32>) {
  %0 = tessera.gelu %x approximate none : (tensor<?xf32>) -> tensor<?xf32>
  %1 = tessera.gelu %x approximate tanh : (tensor<?xf32>) -> tensor<?xf32>
  return %0, %1 : tensor<?xf32>, tensor<?xf32>
}

func.func @ropes(%x: tensor<1x1x?x4xf32>, %cos: tensor<2x2xf32>, %sin: tensor<2x2xf32>, %pos: tensor<1x?xi64>,
                 %cos1: tensor<2x1xf32>, %sin1: tensor<2x1xf32>)
    -> (tensor<1x1x?x4xf32>, tensor<1x1x?x4xf32>, tensor<1x1x?x4xf32>) {
  %0 = tessera.rotary_embedding %x, %cos, %sin : (tensor<1x1x?x4xf32>, tensor<2x2xf32>, tensor<2x2xf32>) -> tensor<1x1x?x4xf32>
  %1 = tessera.rotary_embedding %x, %cos, %sin positions %pos interleaved : (tensor<1x1x?x4xf32>, tensor<2x2xf32>, tensor<2x2xf32>, tensor<1x?xi64>) -> tensor<1x1x?x4xf32>
  %2 = tessera.rotary_embedding %x, %cos1, %sin1 rotary_dim 2 : (tensor<1x1x?x4xf32>, tensor<2x1xf32>, tensor<2x1xf32>) -> tensor<1x1x?x4xf32>
  return %0, %1, %2 : tensor<1x1x?x4xf32>, tensor<1x1x?x4xf32>, tensor<1x1x?x4xf32>
}

func.func @embedding(%t: tensor<3x2xf32>, %ids: tensor<?x?xi32>) -> tensor<?x?x2xf32> {
  %0 = tessera.embedding %t[%ids] : (tensor<3x2xf32>, tensor<?x?xi32>) -> tensor<?x?x2xf32>
  return %0 : tensor<?x?x2xf32>
}

func.func @matmuls(%a: tensor<?x?x2xf32>, %a2: tensor<?x2xf32>, %w: tensor<2x3xf32>, %b: tensor<3xf32>, %r: tensor<?x?x3xf32>)
    -> (tensor<?x?x3xf32>, tensor<?x3xf32>) {
  %0 = tessera.fused_matmul %a, %w bias %b residual %r activation relu : (tensor<?x?x2xf32>, tensor<2x3xf32>, tensor<3xf32>, tensor<?x?x3xf32>) -> tensor<?x?x3xf32>
  %1 = tessera.fused_matmul %a2, %w activation silu : (tensor<?x2xf32>, tensor<2x3xf32>) -> tensor<?x3xf32>
  return %0, %1 : tensor<?x?x3xf32>, tensor<?x3xf32>
}

func.func @main() {
  // Row [1, 2, 3, 4]: mean 2.5, variance 1.25, mean square 7.5; row
  // [2, 4, 6, 8] normalizes to the same; scale [1, 1, 2, 2], bias [0, 0, 0, 1].
  // CHECK: sizes = [2, 4]
  // CHECK-NEXT: [-1.3416{{[0-9]*}}, -0.44721{{[0-9]*}}, 0.89442{{[0-9]*}}, 3.6832{{[0-9]*}}],
  // CHECK-NEXT: [-1.3416{{[0-9]*}}, -0.44721{{[0-9]*}}, 0.89442{{[0-9]*}}, 3.6832{{[0-9]*}}]]
  // CHECK: sizes = [2, 4]
  // CHECK-NEXT: [0.36514{{[0-9]*}}, 0.73029{{[0-9]*}}, 2.1908{{[0-9]*}}, 2.9211{{[0-9]*}}],
  // CHECK-NEXT: [0.36514{{[0-9]*}}, 0.73029{{[0-9]*}}, 2.1908{{[0-9]*}}, 2.9211{{[0-9]*}}]]
  %x0 = arith.constant dense<[[1.0, 2.0, 3.0, 4.0], [2.0, 4.0, 6.0, 8.0]]> : tensor<2x4xf32>
  %x = tensor.cast %x0 : tensor<2x4xf32> to tensor<?x4xf32>
  %g = arith.constant dense<[1.0, 1.0, 2.0, 2.0]> : tensor<4xf32>
  %b = arith.constant dense<[0.0, 0.0, 0.0, 1.0]> : tensor<4xf32>
  %ln, %rms = call @norms(%x, %g, %b) : (tensor<?x4xf32>, tensor<4xf32>, tensor<4xf32>) -> (tensor<?x4xf32>, tensor<?x4xf32>)
  %lnu = tensor.cast %ln : tensor<?x4xf32> to tensor<*xf32>
  call @printMemrefF32(%lnu) : (tensor<*xf32>) -> ()
  %rmsu = tensor.cast %rms : tensor<?x4xf32> to tensor<*xf32>
  call @printMemrefF32(%rmsu) : (tensor<*xf32>) -> ()

  // CHECK: sizes = [4]
  // CHECK-NEXT: [-0.15865{{[0-9]*}},  0,  0.84134{{[0-9]*}},  1.954{{[0-9]*}}]
  // CHECK: sizes = [4]
  // CHECK-NEXT: [-0.15880{{[0-9]*}},  0,  0.84119{{[0-9]*}},  1.954{{[0-9]*}}]
  %v0 = arith.constant dense<[-1.0, 0.0, 1.0, 2.0]> : tensor<4xf32>
  %v = tensor.cast %v0 : tensor<4xf32> to tensor<?xf32>
  %ge, %gt = call @gelus(%v) : (tensor<?xf32>) -> (tensor<?xf32>, tensor<?xf32>)
  %geu = tensor.cast %ge : tensor<?xf32> to tensor<*xf32>
  call @printMemrefF32(%geu) : (tensor<*xf32>) -> ()
  %gtu = tensor.cast %gt : tensor<?xf32> to tensor<*xf32>
  call @printMemrefF32(%gtu) : (tensor<*xf32>) -> ()

  // Position 0 has cos 1, sin 0 (no rotation); position 1 has cos [0, 0.5],
  // sin [1, 0.5]. Token 0 is [1, 2, 3, 4], token 1 is [1, 2, 3, 4] too.
  // Rotate-half, position = token:
  // CHECK: sizes = [1, 1, 2, 4]
  // CHECK-NEXT: {{\[}}{{\[}}{{\[}}[1,    2,    3,    4],
  // CHECK-NEXT: [-3,    -1,    1,    3]]]]
  // Interleaved, positions [1, 0]:
  // CHECK: sizes = [1, 1, 2, 4]
  // CHECK-NEXT: {{\[}}{{\[}}{{\[}}[-2,    1,    -0.5,    3.5],
  // CHECK-NEXT: [1,    2,    3,    4]]]]
  // rotary_dim 2 (pair 0, 1; channels 2, 3 pass), cos [[1], [0]], sin [[0], [1]]:
  // CHECK: sizes = [1, 1, 2, 4]
  // CHECK-NEXT: {{\[}}{{\[}}{{\[}}[1,    2,    3,    4],
  // CHECK-NEXT: [-2,    1,    3,    4]]]]
  %t0 = arith.constant dense<[[[[1.0, 2.0, 3.0, 4.0], [1.0, 2.0, 3.0, 4.0]]]]> : tensor<1x1x2x4xf32>
  %t = tensor.cast %t0 : tensor<1x1x2x4xf32> to tensor<1x1x?x4xf32>
  %cos = arith.constant dense<[[1.0, 1.0], [0.0, 0.5]]> : tensor<2x2xf32>
  %sin = arith.constant dense<[[0.0, 0.0], [1.0, 0.5]]> : tensor<2x2xf32>
  %pos0 = arith.constant dense<[[1, 0]]> : tensor<1x2xi64>
  %pos = tensor.cast %pos0 : tensor<1x2xi64> to tensor<1x?xi64>
  %cos1 = arith.constant dense<[[1.0], [0.0]]> : tensor<2x1xf32>
  %sin1 = arith.constant dense<[[0.0], [1.0]]> : tensor<2x1xf32>
  %r0, %r1, %r2 = call @ropes(%t, %cos, %sin, %pos, %cos1, %sin1) : (tensor<1x1x?x4xf32>, tensor<2x2xf32>, tensor<2x2xf32>, tensor<1x?xi64>, tensor<2x1xf32>, tensor<2x1xf32>) -> (tensor<1x1x?x4xf32>, tensor<1x1x?x4xf32>, tensor<1x1x?x4xf32>)
  %r0u = tensor.cast %r0 : tensor<1x1x?x4xf32> to tensor<*xf32>
  call @printMemrefF32(%r0u) : (tensor<*xf32>) -> ()
  %r1u = tensor.cast %r1 : tensor<1x1x?x4xf32> to tensor<*xf32>
  call @printMemrefF32(%r1u) : (tensor<*xf32>) -> ()
  %r2u = tensor.cast %r2 : tensor<1x1x?x4xf32> to tensor<*xf32>
  call @printMemrefF32(%r2u) : (tensor<*xf32>) -> ()

  // Ids 7 and -1 are out of range and clamp to rows 2 and 0.
  // CHECK: sizes = [2, 2, 2]
  // CHECK-NEXT: {{\[}}{{\[}}[5,    6],
  // CHECK-NEXT: [1,    2]],
  // CHECK-NEXT: {{\[}}[5,    6],
  // CHECK-NEXT: [1,    2]]]
  %table = arith.constant dense<[[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]> : tensor<3x2xf32>
  %ids0 = arith.constant dense<[[2, 0], [7, -1]]> : tensor<2x2xi32>
  %ids = tensor.cast %ids0 : tensor<2x2xi32> to tensor<?x?xi32>
  %e = call @embedding(%table, %ids) : (tensor<3x2xf32>, tensor<?x?xi32>) -> tensor<?x?x2xf32>
  %eu = tensor.cast %e : tensor<?x?x2xf32> to tensor<*xf32>
  call @printMemrefF32(%eu) : (tensor<*xf32>) -> ()

  // [[1, 2], [3, 4]] @ [[1, 0, -1], [0, 1, 1]] = [[1, 2, 1], [3, 4, 1]];
  // relu(+ [0.5, -3, 0]) + 1; then silu of the product.
  // CHECK: sizes = [1, 2, 3]
  // CHECK-NEXT: {{\[}}{{\[}}[2.5,    1,    2],
  // CHECK-NEXT: [4.5,    2,    2]]]
  // CHECK: sizes = [2, 3]
  // CHECK-NEXT: [0.73105{{[0-9]*}},  1.7615{{[0-9]*}},  0.73105{{[0-9]*}}],
  // CHECK-NEXT: [2.8577{{[0-9]*}},  3.9280{{[0-9]*}},  0.73105{{[0-9]*}}]]
  %a0 = arith.constant dense<[[[1.0, 2.0], [3.0, 4.0]]]> : tensor<1x2x2xf32>
  %a = tensor.cast %a0 : tensor<1x2x2xf32> to tensor<?x?x2xf32>
  %a20 = arith.constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  %a2 = tensor.cast %a20 : tensor<2x2xf32> to tensor<?x2xf32>
  %w = arith.constant dense<[[1.0, 0.0, -1.0], [0.0, 1.0, 1.0]]> : tensor<2x3xf32>
  %bias = arith.constant dense<[0.5, -3.0, 0.0]> : tensor<3xf32>
  %res0 = arith.constant dense<1.0> : tensor<1x2x3xf32>
  %res = tensor.cast %res0 : tensor<1x2x3xf32> to tensor<?x?x3xf32>
  %m0, %m1 = call @matmuls(%a, %a2, %w, %bias, %res) : (tensor<?x?x2xf32>, tensor<?x2xf32>, tensor<2x3xf32>, tensor<3xf32>, tensor<?x?x3xf32>) -> (tensor<?x?x3xf32>, tensor<?x3xf32>)
  %m0u = tensor.cast %m0 : tensor<?x?x3xf32> to tensor<*xf32>
  call @printMemrefF32(%m0u) : (tensor<*xf32>) -> ()
  %m1u = tensor.cast %m1 : tensor<?x3xf32> to tensor<*xf32>
  call @printMemrefF32(%m1u) : (tensor<*xf32>) -> ()
  return
}
