// RUN: tessera-opt %s --tessera-lower-to-linalg --split-input-file | FileCheck %s
// RUN: tessera-opt %s --tessera-lower-to-linalg --one-shot-bufferize --split-input-file | FileCheck %s --check-prefix=BUF

// Position ids after a KV cache: offset + start + i * step, in the element
// type, over a run-time length.
// CHECK-LABEL: func.func @positions
// CHECK: %[[E:.*]] = tensor.empty(%arg0) : tensor<?xi64>
// CHECK: linalg.generic
// CHECK-SAME: outs(%[[E]] : tensor<?xi64>)
// CHECK-NEXT: ^bb0(%{{.*}}: i64):
// CHECK-NEXT: %[[I:.*]] = linalg.index 0 : index
// CHECK-NEXT: %[[II:.*]] = arith.index_cast %[[I]] : index to i64
// CHECK-NEXT: %[[STEP:.*]] = arith.constant -2 : i64
// CHECK-NEXT: %[[M:.*]] = arith.muli %[[II]], %[[STEP]] : i64
// CHECK-NEXT: %[[START:.*]] = arith.constant 3 : i64
// CHECK-NEXT: %[[S:.*]] = arith.addi %[[M]], %[[START]] : i64
// CHECK-NEXT: %[[OFF:.*]] = arith.index_cast %arg1 : index to i64
// CHECK-NEXT: %[[V:.*]] = arith.addi %[[S]], %[[OFF]] : i64
// CHECK-NEXT: linalg.yield %[[V]] : i64
// BUF-LABEL: func.func @positions
// BUF: linalg.generic
// BUF-SAME: outs(%{{.*}} : memref<?xi64>)
func.func @positions(%n: index, %past: index) -> tensor<?xi64> {
  %0 = tessera.iota size %n offset %past start 3 step -2 : tensor<?xi64>
  return %0 : tensor<?xi64>
}

// -----

// A float sequence is computed in i64 and converted once (as the folder
// does); start 0 and step 1 add nothing.
// CHECK-LABEL: func.func @float_range
// CHECK: linalg.generic
// CHECK-NEXT: ^bb0(%{{.*}}: f16):
// CHECK-NEXT: %[[I:.*]] = linalg.index 0 : index
// CHECK-NEXT: %[[II:.*]] = arith.index_cast %[[I]] : index to i64
// CHECK-NEXT: %[[V:.*]] = arith.sitofp %[[II]] : i64 to f16
// CHECK-NEXT: linalg.yield %[[V]] : f16
func.func @float_range(%n: index) -> tensor<?xf16> {
  %0 = tessera.iota size %n start 0 step 1 : tensor<?xf16>
  return %0 : tensor<?xf16>
}

// -----

// Integer constants wrap to the element width (the start here is 2^32 + 5).
// CHECK-LABEL: func.func @narrow
// CHECK: arith.index_cast %{{.*}} : index to i32
// CHECK: arith.constant 5 : i32
func.func @narrow(%p: index) -> tensor<4xi32> {
  %0 = tessera.iota offset %p start 4294967301 step 1 : tensor<4xi32>
  return %0 : tensor<4xi32>
}
