// Casts to and from the 8-bit and 4-bit floats become integer code on
// their bits (LLVM has no such float types): no arith.extf or arith.truncf
// touches them. The 4-bit integers are reached through i32, so that
// out-of-range floats wrap instead of being poison.
// RUN: tessera-opt %s --tessera-lower-to-linalg | FileCheck %s

// CHECK-LABEL: func.func @to_f8
// CHECK: linalg.generic
// CHECK: ^bb0(%[[X:.*]]: f32, %{{.*}}: f8E4M3FN):
// CHECK-NOT: arith.truncf
// CHECK: arith.bitcast %[[X]] : f32 to i32
// CHECK: math.absf %[[X]] : f32
// CHECK: %[[LOW:.*]] = arith.trunci %{{.*}} : i32 to i8
// CHECK: %[[R:.*]] = arith.bitcast %[[LOW]] : i8 to f8E4M3FN
// CHECK: linalg.yield %[[R]] : f8E4M3FN
func.func @to_f8(%x: tensor<4xf32>) -> tensor<4xf8E4M3FN> {
  %y = tessera.cast %x : tensor<4xf32> -> tensor<4xf8E4M3FN>
  return %y : tensor<4xf8E4M3FN>
}

// From f16: to f32 first, then the same code.
// CHECK-LABEL: func.func @f16_to_e5m2
// CHECK: arith.extf %{{.*}} : f16 to f32
// CHECK-NOT: arith.truncf
// CHECK: arith.bitcast %{{.*}} : i8 to f8E5M2
func.func @f16_to_e5m2(%x: tensor<4xf16>) -> tensor<4xf8E5M2> {
  %y = tessera.cast %x : tensor<4xf16> -> tensor<4xf8E5M2>
  return %y : tensor<4xf8E5M2>
}

// CHECK-LABEL: func.func @from_f4
// CHECK: ^bb0(%[[X:.*]]: f4E2M1FN, %{{.*}}: f16):
// CHECK: %[[BITS:.*]] = arith.bitcast %[[X]] : f4E2M1FN to i4
// CHECK: arith.extui %[[BITS]] : i4 to i32
// CHECK-NOT: arith.extf %[[X]]
// CHECK: %[[F:.*]] = arith.bitcast %{{.*}} : i32 to f32
// CHECK: arith.truncf %[[F]] : f32 to f16
func.func @from_f4(%x: tensor<4xf4E2M1FN>) -> tensor<4xf16> {
  %y = tessera.cast %x : tensor<4xf4E2M1FN> -> tensor<4xf16>
  return %y : tensor<4xf16>
}

// CHECK-LABEL: func.func @e8m0_to_bool
// CHECK: arith.bitcast %{{.*}} : f8E8M0FNU to i8
// CHECK: arith.cmpf une, %{{.*}}, %{{.*}} : f32
func.func @e8m0_to_bool(%x: tensor<4xf8E8M0FNU>) -> tensor<4xi1> {
  %y = tessera.cast %x : tensor<4xf8E8M0FNU> -> tensor<4xi1>
  return %y : tensor<4xi1>
}

// CHECK-LABEL: func.func @to_i4
// CHECK: %[[W:.*]] = arith.fptosi %{{.*}} : f32 to i32
// CHECK: arith.trunci %[[W]] : i32 to i4
func.func @to_i4(%x: tensor<4xf32>) -> tensor<4xi4> {
  %y = tessera.cast %x : tensor<4xf32> -> tensor<4xi4>
  return %y : tensor<4xi4>
}

// An unsigned 4-bit integer to a narrow float: uitofp to f32 first.
// CHECK-LABEL: func.func @u4_to_f8
// CHECK: arith.uitofp %{{.*}} : i4 to f32
// CHECK: arith.bitcast %{{.*}} : i8 to f8E4M3FNUZ
func.func @u4_to_f8(%x: tensor<4xui4>) -> tensor<4xf8E4M3FNUZ> {
  %y = tessera.cast %x : tensor<4xui4> -> tensor<4xf8E4M3FNUZ>
  return %y : tensor<4xf8E4M3FNUZ>
}
