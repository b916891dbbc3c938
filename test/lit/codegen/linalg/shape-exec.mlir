// Runs the lowered shape ops on the CPU (upstream passes to LLVM, then
// mlir-runner) and checks the elements, for the ONNX corner cases that the
// structure tests cannot show: bounds that clamp and count from the end,
// negative steps and indices, sizes known only at run time.
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

func.func @print(%t: tensor<?xf32>) {
  %u = tensor.cast %t : tensor<?xf32> to tensor<*xf32>
  call @printMemrefF32(%u) : (tensor<*xf32>) -> ()
  return
}

func.func @print2d(%t: tensor<?x?xf32>) {
  %u = tensor.cast %t : tensor<?x?xf32> to tensor<*xf32>
  call @printMemrefF32(%u) : (tensor<*xf32>) -> ()
  return
}

// Run-time bounds, backwards: start -2 is 8, end -100 clamps to -1.
func.func @slice_back(%x: tensor<?xf32>, %s: index, %e: index) -> tensor<?xf32> {
  %0 = tessera.slice %x starts [%s] ends [%e] steps [-3] : tensor<?xf32> -> tensor<?xf32>
  return %0 : tensor<?xf32>
}

// Forwards with a stride, an end past the dim.
func.func @slice_fwd(%x: tensor<?xf32>, %s: index) -> tensor<?xf32> {
  %0 = tessera.slice %x starts [%s] ends [100] steps [4] : tensor<?xf32> -> tensor<?xf32>
  return %0 : tensor<?xf32>
}

// Rows -1 and 0, then 2 and -5 (= 0) of a 5-row table.
func.func @gather(%t: tensor<5x2xf32>, %i: tensor<?x?xi64>) -> tensor<?x?x2xf32> {
  %0 = tessera.gather %t[%i] axis 0 : (tensor<5x2xf32>, tensor<?x?xi64>) -> tensor<?x?x2xf32>
  return %0 : tensor<?x?x2xf32>
}

// A dynamic dim that may stretch: 1 row (stretches) or 3 rows (does not).
func.func @expand(%x: tensor<?x2xf32>, %n: index) -> tensor<?x2xf32> {
  %0 = tessera.expand %x dims(%n) : tensor<?x2xf32> -> tensor<?x2xf32>
  return %0 : tensor<?x2xf32>
}

// Sizes unrelated to the input's: a 2x6 tensor read as 3x4.
func.func @reshape(%x: tensor<?x?xf32>, %a: index, %b: index) -> tensor<?x?xf32> {
  %0 = tessera.reshape %x dims(%a, %b) : tensor<?x?xf32> -> tensor<?x?xf32>
  return %0 : tensor<?x?xf32>
}

func.func @concat(%a: tensor<?x2xf32>, %b: tensor<1x2xf32>) -> tensor<?x2xf32> {
  %0 = tessera.concat %a, %b, %a axis 0 : (tensor<?x2xf32>, tensor<1x2xf32>, tensor<?x2xf32>) -> tensor<?x2xf32>
  return %0 : tensor<?x2xf32>
}

func.func @transpose_trilu(%x: tensor<?x?xf32>) -> tensor<?x?xf32> {
  %t = tessera.transpose %x [1, 0] : tensor<?x?xf32> -> tensor<?x?xf32>
  %0 = tessera.trilu upper %t diagonal -1 : tensor<?x?xf32>
  return %0 : tensor<?x?xf32>
}

func.func @iota(%n: index, %p: index) -> tensor<?xi64> {
  %0 = tessera.iota size %n offset %p start 5 step -3 : tensor<?xi64>
  return %0 : tensor<?xi64>
}

func.func @main() {
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c3 = arith.constant 3 : index
  %c4 = arith.constant 4 : index
  %c6 = arith.constant 6 : index
  %cm2 = arith.constant -2 : index
  %cm100 = arith.constant -100 : index
  %ten = arith.constant dense<[0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0]> : tensor<10xf32>
  %x = tensor.cast %ten : tensor<10xf32> to tensor<?xf32>

  // CHECK: sizes = [3]
  // CHECK-NEXT: [8,  5,  2]
  %s0 = call @slice_back(%x, %cm2, %cm100) : (tensor<?xf32>, index, index) -> tensor<?xf32>
  call @print(%s0) : (tensor<?xf32>) -> ()
  // CHECK: sizes = [3]
  // CHECK-NEXT: [1,  5,  9]
  %s1 = call @slice_fwd(%x, %c1) : (tensor<?xf32>, index) -> tensor<?xf32>
  call @print(%s1) : (tensor<?xf32>) -> ()

  // CHECK: sizes = [2, 2, 2]
  // CHECK-NEXT: {{\[}}[
  // CHECK-SAME: [8,    9],
  // CHECK-NEXT: [0,    1]],
  // CHECK-NEXT: {{\[}}[4,    5],
  // CHECK-NEXT: [0,    1]]]
  %table = arith.constant dense<[[0.0, 1.0], [2.0, 3.0], [4.0, 5.0], [6.0, 7.0], [8.0, 9.0]]> : tensor<5x2xf32>
  %ids0 = arith.constant dense<[[-1, 0], [2, -5]]> : tensor<2x2xi64>
  %ids = tensor.cast %ids0 : tensor<2x2xi64> to tensor<?x?xi64>
  %g = call @gather(%table, %ids) : (tensor<5x2xf32>, tensor<?x?xi64>) -> tensor<?x?x2xf32>
  %gu = tensor.cast %g : tensor<?x?x2xf32> to tensor<*xf32>
  call @printMemrefF32(%gu) : (tensor<*xf32>) -> ()

  // CHECK: sizes = [3, 2]
  // CHECK-NEXT: [7,   8],
  // CHECK-NEXT: [7,   8],
  // CHECK-NEXT: [7,   8]]
  %row0 = arith.constant dense<[[7.0, 8.0]]> : tensor<1x2xf32>
  %row = tensor.cast %row0 : tensor<1x2xf32> to tensor<?x2xf32>
  %e0 = call @expand(%row, %c3) : (tensor<?x2xf32>, index) -> tensor<?x2xf32>
  %e0d = tensor.cast %e0 : tensor<?x2xf32> to tensor<?x?xf32>
  call @print2d(%e0d) : (tensor<?x?xf32>) -> ()
  // CHECK: sizes = [3, 2]
  // CHECK-NEXT: [1,   2],
  // CHECK-NEXT: [3,   4],
  // CHECK-NEXT: [5,   6]]
  %rows0 = arith.constant dense<[[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]> : tensor<3x2xf32>
  %rows = tensor.cast %rows0 : tensor<3x2xf32> to tensor<?x2xf32>
  %e1 = call @expand(%rows, %c3) : (tensor<?x2xf32>, index) -> tensor<?x2xf32>
  %e1d = tensor.cast %e1 : tensor<?x2xf32> to tensor<?x?xf32>
  call @print2d(%e1d) : (tensor<?x?xf32>) -> ()

  // CHECK: sizes = [3, 4]
  // CHECK-NEXT: [0,    1,    2,    3],
  // CHECK-NEXT: [4,    5,    6,    7],
  // CHECK-NEXT: [8,    9,    10,    11]]
  %m0 = arith.constant dense<[[0.0, 1.0, 2.0, 3.0, 4.0, 5.0], [6.0, 7.0, 8.0, 9.0, 10.0, 11.0]]> : tensor<2x6xf32>
  %m = tensor.cast %m0 : tensor<2x6xf32> to tensor<?x?xf32>
  %r = call @reshape(%m, %c3, %c4) : (tensor<?x?xf32>, index, index) -> tensor<?x?xf32>
  call @print2d(%r) : (tensor<?x?xf32>) -> ()

  // CHECK: sizes = [7, 2]
  // CHECK-NEXT: [1,   2],
  // CHECK-NEXT: [3,   4],
  // CHECK-NEXT: [5,   6],
  // CHECK-NEXT: [7,   8],
  // CHECK-NEXT: [1,   2],
  // CHECK-NEXT: [3,   4],
  // CHECK-NEXT: [5,   6]]
  %cat = call @concat(%rows, %row0) : (tensor<?x2xf32>, tensor<1x2xf32>) -> tensor<?x2xf32>
  %catd = tensor.cast %cat : tensor<?x2xf32> to tensor<?x?xf32>
  call @print2d(%catd) : (tensor<?x?xf32>) -> ()

  // The transpose of the 2x6 above (6x2), upper with diagonal -1: row i
  // keeps columns >= i - 1.
  // CHECK: sizes = [6, 2]
  // CHECK-NEXT: [0,   6],
  // CHECK-NEXT: [1,   7],
  // CHECK-NEXT: [0,   8],
  // CHECK-NEXT: [0,   0],
  // CHECK-NEXT: [0,   0],
  // CHECK-NEXT: [0,   0]]
  %tt = call @transpose_trilu(%m) : (tensor<?x?xf32>) -> tensor<?x?xf32>
  call @print2d(%tt) : (tensor<?x?xf32>) -> ()

  // 10 + 5 - 3i.
  // CHECK: sizes = [4]
  // CHECK-NEXT: [15,  12,  9,  6]
  %c10 = arith.constant 10 : index
  %io = call @iota(%c4, %c10) : (index, index) -> tensor<?xi64>
  %iou = tensor.cast %io : tensor<?xi64> to tensor<*xi64>
  call @printMemrefI64(%iou) : (tensor<*xi64>) -> ()
  return
}
