// Runs the lowered integer arithmetic on the CPU (upstream passes to LLVM,
// then mlir-runner): unsigned elements past the signed range (200, 255,
// 4e9) divide, take remainders, max/min and compare as unsigned, signless
// ones as signed; integer mod follows the divisor's sign (or the
// dividend's with fmod) and integer pow multiplies. The inputs reach
// @compute as arguments, so that nothing is folded at compile time.
// RUN: tessera-opt %s --tessera-lower-to-linalg \
// RUN: | mlir-opt --one-shot-bufferize=bufferize-function-boundaries \
// RUN:     --convert-linalg-to-loops --convert-scf-to-cf --expand-strided-metadata \
// RUN:     --lower-affine --arith-expand --finalize-memref-to-llvm \
// RUN:     --convert-arith-to-llvm --convert-index-to-llvm --convert-cf-to-llvm \
// RUN:     --convert-func-to-llvm --reconcile-unrealized-casts \
// RUN: | mlir-runner -e main -entry-point-result=void \
// RUN:     -shared-libs=$(dirname $(which mlir-runner))/../lib/libmlir_runner_utils.so,$(dirname $(which mlir-runner))/../lib/libmlir_c_runner_utils.so \
// RUN: | FileCheck %s

func.func private @printMemrefI64(tensor<*xi64>)

func.func @print_u8(%x: tensor<4xui8>) {
  %w = tessera.cast %x : tensor<4xui8> -> tensor<4xi64>
  %p = tensor.cast %w : tensor<4xi64> to tensor<*xi64>
  call @printMemrefI64(%p) : (tensor<*xi64>) -> ()
  return
}

func.func @print_bool(%x: tensor<4xi1>) {
  %w = tessera.cast %x : tensor<4xi1> -> tensor<4xi64>
  %p = tensor.cast %w : tensor<4xi64> to tensor<*xi64>
  call @printMemrefI64(%p) : (tensor<*xi64>) -> ()
  return
}

func.func @print_i32(%x: tensor<6xi32>) {
  %w = tessera.cast %x : tensor<6xi32> -> tensor<6xi64>
  %p = tensor.cast %w : tensor<6xi64> to tensor<*xi64>
  call @printMemrefI64(%p) : (tensor<*xi64>) -> ()
  return
}

func.func @compute(%a: tensor<4xui8>, %b: tensor<4xui8>, %u: tensor<2xui32>,
                   %three: tensor<1xui32>, %x: tensor<6xi32>, %y: tensor<6xi32>,
                   %d: tensor<6xi32>, %e: tensor<6xi32>, %units: tensor<6xi32>,
                   %negs: tensor<6xi32>) {
  // a = [200, 255, 7, 128], b = [3, 16, 2, 200]
  // CHECK: [66,  15,  3,  0]
  %div = tessera.div %a, %b : (tensor<4xui8>, tensor<4xui8>) -> tensor<4xui8>
  call @print_u8(%div) : (tensor<4xui8>) -> ()
  // CHECK: [2,  15,  1,  128]
  %mod = tessera.mod %a, %b : (tensor<4xui8>, tensor<4xui8>) -> tensor<4xui8>
  call @print_u8(%mod) : (tensor<4xui8>) -> ()
  // CHECK: [200,  255,  7,  200]
  %max = tessera.max %a, %b : (tensor<4xui8>, tensor<4xui8>) -> tensor<4xui8>
  call @print_u8(%max) : (tensor<4xui8>) -> ()
  // CHECK: [3,  16,  2,  128]
  %min = tessera.min %a, %b : (tensor<4xui8>, tensor<4xui8>) -> tensor<4xui8>
  call @print_u8(%min) : (tensor<4xui8>) -> ()
  // CHECK: [0,  0,  0,  1]
  %lt = tessera.cmp lt, %a, %b : (tensor<4xui8>, tensor<4xui8>) -> tensor<4xi1>
  call @print_bool(%lt) : (tensor<4xi1>) -> ()
  // Wrapping: 200 + 200 = 144, 200 * 3 = 88, 255 * 16 = 240.
  // CHECK: [144,  254,  14,  0]
  %add = tessera.add %a, %a : (tensor<4xui8>, tensor<4xui8>) -> tensor<4xui8>
  call @print_u8(%add) : (tensor<4xui8>) -> ()
  // CHECK: [88,  240,  14,  0]
  %mul = tessera.mul %a, %b : (tensor<4xui8>, tensor<4xui8>) -> tensor<4xui8>
  call @print_u8(%mul) : (tensor<4xui8>) -> ()
  // u = [4000000000, 3] > [3] (broadcast): 4e9 is negative read as signed.
  // CHECK: [1,  0]
  %gt = tessera.cmp gt, %u, %three : (tensor<2xui32>, tensor<1xui32>) -> tensor<2xi1>
  %gtw = tessera.cast %gt : tensor<2xi1> -> tensor<2xi64>
  %gtp = tensor.cast %gtw : tensor<2xi64> to tensor<*xi64>
  call @printMemrefI64(%gtp) : (tensor<*xi64>) -> ()

  // Signless: signed. x = [-7, 7, -7, 7, -2147483648, 5],
  // y = [3, -3, -3, 3, -1, 1]; INT_MIN % -1 does not trap.
  // CHECK: [2,  -2,  -1,  1,  0,  0]
  %smod = tessera.mod %x, %y : (tensor<6xi32>, tensor<6xi32>) -> tensor<6xi32>
  call @print_i32(%smod) : (tensor<6xi32>) -> ()
  // CHECK: [-1,  1,  -1,  1,  0,  0]
  %fmod = tessera.mod %x, %y fmod : (tensor<6xi32>, tensor<6xi32>) -> tensor<6xi32>
  call @print_i32(%fmod) : (tensor<6xi32>) -> ()
  // d = [3, -3, -3, 3, 2, 1]: truncating division.
  // CHECK: [-2,  -2,  2,  2,  -1073741824,  5]
  %sdiv = tessera.div %x, %d : (tensor<6xi32>, tensor<6xi32>) -> tensor<6xi32>
  call @print_i32(%sdiv) : (tensor<6xi32>) -> ()
  // CHECK: [-7,  -3,  -7,  3,  -2147483648,  1]
  %smin = tessera.min %x, %y : (tensor<6xi32>, tensor<6xi32>) -> tensor<6xi32>
  call @print_i32(%smin) : (tensor<6xi32>) -> ()
  // x ^ e, e = [3, 2, 0, -1, 1, 13]: 7^-1 truncates to 0; 5^13 = 1220703125.
  // CHECK: [-343,  49,  1,  0,  -2147483648,  1220703125]
  %pow = tessera.pow %x, %e : (tensor<6xi32>, tensor<6xi32>) -> tensor<6xi32>
  call @print_i32(%pow) : (tensor<6xi32>) -> ()
  // (+-1) ^ negative: 1, or -1 for an odd exponent.
  // CHECK: [-1,  1,  1,  1,  -1,  1]
  %upow = tessera.pow %units, %negs : (tensor<6xi32>, tensor<6xi32>) -> tensor<6xi32>
  call @print_i32(%upow) : (tensor<6xi32>) -> ()
  return
}

func.func @main() {
  %a = tessera.constant dense<[200, 255, 7, 128]> : tensor<4xui8>
  %b = tessera.constant dense<[3, 16, 2, 200]> : tensor<4xui8>
  %u = tessera.constant dense<[4000000000, 3]> : tensor<2xui32>
  %three = tessera.constant dense<3> : tensor<1xui32>
  %x = tessera.constant dense<[-7, 7, -7, 7, -2147483648, 5]> : tensor<6xi32>
  %y = tessera.constant dense<[3, -3, -3, 3, -1, 1]> : tensor<6xi32>
  %d = tessera.constant dense<[3, -3, -3, 3, 2, 1]> : tensor<6xi32>
  %e = tessera.constant dense<[3, 2, 0, -1, 1, 13]> : tensor<6xi32>
  %units = tessera.constant dense<[-1, -1, 1, 1, -1, 1]> : tensor<6xi32>
  %negs = tessera.constant dense<[-3, -2, -5, 4, 7, 0]> : tensor<6xi32>
  call @compute(%a, %b, %u, %three, %x, %y, %d, %e, %units, %negs) : (tensor<4xui8>, tensor<4xui8>, tensor<2xui32>, tensor<1xui32>, tensor<6xi32>, tensor<6xi32>, tensor<6xi32>, tensor<6xi32>, tensor<6xi32>, tensor<6xi32>) -> ()
  return
}
