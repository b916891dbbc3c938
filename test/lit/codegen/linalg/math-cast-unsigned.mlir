// RUN: tessera-opt %s --tessera-lower-to-linalg --split-input-file | FileCheck %s

// arith takes signless integers only: an unsigned element is cast to the
// signless type of its width (same bits) and back, and the conversions are
// the unsigned ones: uitofp, extui, fptoui.
// CHECK-LABEL: func.func @from_unsigned
// CHECK: ^bb0(%[[X:.*]]: ui32, %{{.*}}: f32):
// CHECK-NEXT: %[[S:.*]] = builtin.unrealized_conversion_cast %[[X]] : ui32 to i32
// CHECK-NEXT: %[[F:.*]] = arith.uitofp %[[S]] : i32 to f32
// CHECK-NEXT: linalg.yield %[[F]] : f32
// CHECK: ^bb0(%[[B:.*]]: ui8, %{{.*}}: i32):
// CHECK-NEXT: %[[SB:.*]] = builtin.unrealized_conversion_cast %[[B]] : ui8 to i8
// CHECK-NEXT: %[[W:.*]] = arith.extui %[[SB]] : i8 to i32
// CHECK-NEXT: linalg.yield %[[W]] : i32
func.func @from_unsigned(%x: tensor<3xui32>, %b: tensor<?xui8>) -> (tensor<3xf32>, tensor<?xi32>) {
  %f = tessera.cast %x : tensor<3xui32> -> tensor<3xf32>
  %i = tessera.cast %b : tensor<?xui8> -> tensor<?xi32>
  return %f, %i : tensor<3xf32>, tensor<?xi32>
}

// -----

// CHECK-LABEL: func.func @to_unsigned
// CHECK: ^bb0(%[[X:.*]]: f32, %{{.*}}: ui16):
// CHECK-NEXT: %[[I:.*]] = arith.fptoui %[[X]] : f32 to i16
// CHECK-NEXT: %[[U:.*]] = builtin.unrealized_conversion_cast %[[I]] : i16 to ui16
// CHECK-NEXT: linalg.yield %[[U]] : ui16
// CHECK: ^bb0(%[[Y:.*]]: i64, %{{.*}}: ui8):
// CHECK-NEXT: %[[T:.*]] = arith.trunci %[[Y]] : i64 to i8
// CHECK-NEXT: %[[UT:.*]] = builtin.unrealized_conversion_cast %[[T]] : i8 to ui8
// CHECK-NEXT: linalg.yield %[[UT]] : ui8
func.func @to_unsigned(%x: tensor<4xf32>, %y: tensor<4xi64>) -> (tensor<4xui16>, tensor<4xui8>) {
  %a = tessera.cast %x : tensor<4xf32> -> tensor<4xui16>
  %b = tessera.cast %y : tensor<4xi64> -> tensor<4xui8>
  return %a, %b : tensor<4xui16>, tensor<4xui8>
}

// -----

// Between unsigned types: zero extension; to the signless type of the same
// width, the bits as they are; to bool, a test against zero.
// CHECK-LABEL: func.func @unsigned_unsigned
// CHECK: ^bb0(%[[X:.*]]: ui8, %{{.*}}: ui64):
// CHECK-NEXT: %[[S:.*]] = builtin.unrealized_conversion_cast %[[X]] : ui8 to i8
// CHECK-NEXT: %[[W:.*]] = arith.extui %[[S]] : i8 to i64
// CHECK-NEXT: %[[U:.*]] = builtin.unrealized_conversion_cast %[[W]] : i64 to ui64
// CHECK-NEXT: linalg.yield %[[U]] : ui64
// CHECK: ^bb0(%[[Y:.*]]: ui8, %{{.*}}: i8):
// CHECK-NEXT: %[[SY:.*]] = builtin.unrealized_conversion_cast %[[Y]] : ui8 to i8
// CHECK-NEXT: linalg.yield %[[SY]] : i8
// CHECK: ^bb0(%[[Z:.*]]: ui8, %{{.*}}: i1):
// CHECK-NEXT: %[[SZ:.*]] = builtin.unrealized_conversion_cast %[[Z]] : ui8 to i8
// CHECK-NEXT: %[[ZERO:.*]] = arith.constant 0 : i8
// CHECK-NEXT: %[[NZ:.*]] = arith.cmpi ne, %[[SZ]], %[[ZERO]] : i8
// CHECK-NEXT: linalg.yield %[[NZ]] : i1
func.func @unsigned_unsigned(%x: tensor<2xui8>) -> (tensor<2xui64>, tensor<2xi8>, tensor<2xi1>) {
  %a = tessera.cast %x : tensor<2xui8> -> tensor<2xui64>
  %b = tessera.cast %x : tensor<2xui8> -> tensor<2xi8>
  %c = tessera.cast %x : tensor<2xui8> -> tensor<2xi1>
  return %a, %b, %c : tensor<2xui64>, tensor<2xi8>, tensor<2xi1>
}
