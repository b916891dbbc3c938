// RUN: tessera-opt %s --tessera-lower-to-linalg --split-input-file | FileCheck %s

// Float to float: extf when widening, truncf (round to nearest even) when
// narrowing; f16 <-> bf16 (same width) through f32.
// CHECK-LABEL: func.func @float_to_float
// CHECK: ^bb0(%[[X:.*]]: f32, %{{.*}}: f16):
// CHECK-NEXT: %[[T:.*]] = arith.truncf %[[X]] : f32 to f16
// CHECK-NEXT: linalg.yield %[[T]] : f16
// CHECK: arith.extf %{{.*}} : f16 to f64
// CHECK: ^bb0(%[[H:.*]]: f16, %{{.*}}: bf16):
// CHECK-NEXT: %[[W:.*]] = arith.extf %[[H]] : f16 to f32
// CHECK-NEXT: %[[B:.*]] = arith.truncf %[[W]] : f32 to bf16
// CHECK-NEXT: linalg.yield %[[B]] : bf16
func.func @float_to_float(%x: tensor<?x4xf32>) -> (tensor<?x4xf64>, tensor<?x4xbf16>) {
  %h = tessera.cast %x : tensor<?x4xf32> -> tensor<?x4xf16>
  %d = tessera.cast %h : tensor<?x4xf16> -> tensor<?x4xf64>
  %b = tessera.cast %h : tensor<?x4xf16> -> tensor<?x4xbf16>
  return %d, %b : tensor<?x4xf64>, tensor<?x4xbf16>
}

// -----

// Float to integer truncates toward zero (fptosi); integer to float is
// signed (sitofp).
// CHECK-LABEL: func.func @float_int
// CHECK: arith.fptosi %{{.*}} : f32 to i64
// CHECK: arith.sitofp %{{.*}} : i32 to f16
func.func @float_int(%x: tensor<8xf32>, %i: tensor<8xi32>) -> (tensor<8xi64>, tensor<8xf16>) {
  %a = tessera.cast %x : tensor<8xf32> -> tensor<8xi64>
  %b = tessera.cast %i : tensor<8xi32> -> tensor<8xf16>
  return %a, %b : tensor<8xi64>, tensor<8xf16>
}

// -----

// Integers widen with their sign and narrow by truncation.
// CHECK-LABEL: func.func @int_int
// CHECK: arith.extsi %{{.*}} : i32 to i64
// CHECK: arith.trunci %{{.*}} : i64 to i8
func.func @int_int(%i: tensor<8xi32>) -> tensor<8xi8> {
  %w = tessera.cast %i : tensor<8xi32> -> tensor<8xi64>
  %n = tessera.cast %w : tensor<8xi64> -> tensor<8xi8>
  return %n : tensor<8xi8>
}

// -----

// Booleans widen with zeros: true is 1, not -1.
// CHECK-LABEL: func.func @from_bool
// CHECK: arith.uitofp %{{.*}} : i1 to f32
// CHECK: arith.extui %{{.*}} : i1 to i64
func.func @from_bool(%m: tensor<2x?xi1>) -> (tensor<2x?xf32>, tensor<2x?xi64>) {
  %f = tessera.cast %m : tensor<2x?xi1> -> tensor<2x?xf32>
  %i = tessera.cast %m : tensor<2x?xi1> -> tensor<2x?xi64>
  return %f, %i : tensor<2x?xf32>, tensor<2x?xi64>
}

// -----

// To bool is a test against zero; a NaN is not zero (une), so it is true.
// CHECK-LABEL: func.func @to_bool
// CHECK: ^bb0(%[[X:.*]]: f32, %{{.*}}: i1):
// CHECK-NEXT: %[[Z:.*]] = arith.constant 0.000000e+00 : f32
// CHECK-NEXT: %[[C:.*]] = arith.cmpf une, %[[X]], %[[Z]] : f32
// CHECK-NEXT: linalg.yield %[[C]] : i1
// CHECK: ^bb0(%[[I:.*]]: i64, %{{.*}}: i1):
// CHECK-NEXT: %[[ZI:.*]] = arith.constant 0 : i64
// CHECK-NEXT: %[[CI:.*]] = arith.cmpi ne, %[[I]], %[[ZI]] : i64
// CHECK-NEXT: linalg.yield %[[CI]] : i1
func.func @to_bool(%x: tensor<4xf32>, %i: tensor<4xi64>) -> (tensor<4xi1>, tensor<4xi1>) {
  %a = tessera.cast %x : tensor<4xf32> -> tensor<4xi1>
  %b = tessera.cast %i : tensor<4xi64> -> tensor<4xi1>
  return %a, %b : tensor<4xi1>, tensor<4xi1>
}

// -----

// A cast to the same type is its input; one that only refines the shape
// copies elements unchanged.
// CHECK-LABEL: func.func @same_type
// CHECK-NOT: linalg.generic
// CHECK: return %arg0
// CHECK-LABEL: func.func @same_element_type
// CHECK: ^bb0(%[[X:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT: linalg.yield %[[X]] : f32
// CHECK: -> tensor<?x4xf32>
func.func @same_type(%x: tensor<4xf32>) -> tensor<4xf32> {
  %y = tessera.cast %x : tensor<4xf32> -> tensor<4xf32>
  return %y : tensor<4xf32>
}
func.func @same_element_type(%x: tensor<2x4xf32>) -> tensor<?x4xf32> {
  %y = tessera.cast %x : tensor<2x4xf32> -> tensor<?x4xf32>
  return %y : tensor<?x4xf32>
}
