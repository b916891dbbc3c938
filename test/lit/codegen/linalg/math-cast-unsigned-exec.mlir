// Runs the lowered unsigned casts on the CPU (upstream passes to LLVM, then
// mlir-runner): the values past the signed range (128..255, 4e9) are read
// as unsigned, floats become unsigned beyond the signed range, and the
// casts to and from signless elements fold away on the way to LLVM. The
// inputs reach @casts as arguments, so that no cast is folded at compile
// time.
// RUN: tessera-opt %s --tessera-lower-to-linalg \
// RUN: | mlir-opt --one-shot-bufferize=bufferize-function-boundaries \
// RUN:     --convert-linalg-to-loops --convert-scf-to-cf --expand-strided-metadata \
// RUN:     --lower-affine --arith-expand --finalize-memref-to-llvm \
// RUN:     --convert-arith-to-llvm --convert-index-to-llvm --convert-cf-to-llvm \
// RUN:     --convert-func-to-llvm --reconcile-unrealized-casts \
// RUN: | mlir-runner -e main -entry-point-result=void \
// RUN:     -shared-libs=$(dirname $(which mlir-runner))/../lib/libmlir_runner_utils.so,$(dirname $(which mlir-runner))/../lib/libmlir_c_runner_utils.so \
// RUN: | FileCheck %s

func.func private @printMemrefF32(tensor<*xf32>)
func.func private @printMemrefI64(tensor<*xi64>)

func.func @casts(%u8: tensor<4xui8>, %f: tensor<4xf32>, %u32: tensor<2xui32>, %i64: tensor<3xi64>) {
  // CHECK: [0,  127,  128,  255]
  %a = tessera.cast %u8 : tensor<4xui8> -> tensor<4xf32>
  %a2 = tensor.cast %a : tensor<4xf32> to tensor<*xf32>
  call @printMemrefF32(%a2) : (tensor<*xf32>) -> ()
  // CHECK: [0,  127,  128,  255]
  %b = tessera.cast %u8 : tensor<4xui8> -> tensor<4xi64>
  %b2 = tensor.cast %b : tensor<4xi64> to tensor<*xi64>
  call @printMemrefI64(%b2) : (tensor<*xi64>) -> ()
  // Truncated toward zero; 65535 and 40000 are past the signed i16 range.
  // CHECK: [0,  200,  65535,  40000]
  %c = tessera.cast %f : tensor<4xf32> -> tensor<4xui16>
  %d = tessera.cast %c : tensor<4xui16> -> tensor<4xi64>
  %d2 = tensor.cast %d : tensor<4xi64> to tensor<*xi64>
  call @printMemrefI64(%d2) : (tensor<*xi64>) -> ()
  // CHECK: [4e+09,  1]
  %e = tessera.cast %u32 : tensor<2xui32> -> tensor<2xf32>
  %e2 = tensor.cast %e : tensor<2xf32> to tensor<*xf32>
  call @printMemrefF32(%e2) : (tensor<*xf32>) -> ()
  // CHECK: [4000000000,  1]
  %g = tessera.cast %u32 : tensor<2xui32> -> tensor<2xui64>
  %h = tessera.cast %g : tensor<2xui64> -> tensor<2xi64>
  %h2 = tensor.cast %h : tensor<2xi64> to tensor<*xi64>
  call @printMemrefI64(%h2) : (tensor<*xi64>) -> ()
  // Narrowing keeps the low bits: -1 -> 255, 256 -> 0, 300 -> 44.
  // CHECK: [255,  0,  44]
  %n = tessera.cast %i64 : tensor<3xi64> -> tensor<3xui8>
  %m = tessera.cast %n : tensor<3xui8> -> tensor<3xi64>
  %m2 = tensor.cast %m : tensor<3xi64> to tensor<*xi64>
  call @printMemrefI64(%m2) : (tensor<*xi64>) -> ()
  return
}

func.func @main() {
  %u8 = tessera.constant dense<[0, 127, 128, 255]> : tensor<4xui8>
  %f = tessera.constant dense<[0.0, 200.9, 65535.0, 40000.5]> : tensor<4xf32>
  %u32 = tessera.constant dense<[4000000000, 1]> : tensor<2xui32>
  %i64 = tessera.constant dense<[-1, 256, 300]> : tensor<3xi64>
  call @casts(%u8, %f, %u32, %i64) : (tensor<4xui8>, tensor<4xf32>, tensor<2xui32>, tensor<3xi64>) -> ()
  return
}
