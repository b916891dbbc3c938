// RUN: tessera-opt %s --tessera-lower-to-linalg --split-input-file | FileCheck %s

// A bias add: the dynamic dim comes from tensor.dim of the operand that has
// it, the bias is read along the last dim only.
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[BIAS:.*]] = affine_map<(d0, d1) -> (d1)>
// CHECK-LABEL: func.func @add_bias
// CHECK: %[[C0:.*]] = arith.constant 0 : index
// CHECK: %[[D0:.*]] = tensor.dim %arg0, %[[C0]] : tensor<?x768xf32>
// CHECK: %[[E:.*]] = tensor.empty(%[[D0]]) : tensor<?x768xf32>
// CHECK: %[[R:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[BIAS]], #[[ID]]], iterator_types = ["parallel", "parallel"]}
// CHECK-SAME: ins(%arg0, %arg1 : tensor<?x768xf32>, tensor<768xf32>) outs(%[[E]] : tensor<?x768xf32>)
// CHECK: ^bb0(%[[A:.*]]: f32, %[[B:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT: %[[S:.*]] = arith.addf %[[A]], %[[B]] : f32
// CHECK-NEXT: linalg.yield %[[S]] : f32
// CHECK: return %[[R]]
func.func @add_bias(%x: tensor<?x768xf32>, %b: tensor<768xf32>) -> tensor<?x768xf32> {
  %y = tessera.add %x, %b : (tensor<?x768xf32>, tensor<768xf32>) -> tensor<?x768xf32>
  return %y : tensor<?x768xf32>
}

// -----

// Size-1 dims stretch (index 0), a rank-0 operand reads (); integer
// division truncates toward zero (divsi).
// CHECK-DAG: #[[COL:.*]] = affine_map<(d0, d1) -> (d0, 0)>
// CHECK-DAG: #[[ROW:.*]] = affine_map<(d0, d1) -> (0, d1)>
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[SCALAR:.*]] = affine_map<(d0, d1) -> ()>
// CHECK-LABEL: func.func @div_int_outer
// CHECK: tensor.empty() : tensor<4x3xi32>
// CHECK: linalg.generic {indexing_maps = [#[[COL]], #[[ROW]], #[[ID]]], iterator_types = ["parallel", "parallel"]}
// CHECK: arith.divsi %{{.*}}, %{{.*}} : i32
// CHECK-LABEL: func.func @sub_int_scalar
// CHECK: linalg.generic {indexing_maps = [#[[ID]], #[[SCALAR]], #[[ID]]]
// CHECK: arith.subi %{{.*}}, %{{.*}} : i64
func.func @div_int_outer(%x: tensor<4x1xi32>, %y: tensor<1x3xi32>) -> tensor<4x3xi32> {
  %r = tessera.div %x, %y : (tensor<4x1xi32>, tensor<1x3xi32>) -> tensor<4x3xi32>
  return %r : tensor<4x3xi32>
}
func.func @sub_int_scalar(%x: tensor<2x?xi64>, %y: tensor<i64>) -> tensor<2x?xi64> {
  %r = tessera.sub %x, %y : (tensor<2x?xi64>, tensor<i64>) -> tensor<2x?xi64>
  return %r : tensor<2x?xi64>
}

// -----

// The declared result may be less static than the operands: its dynamic
// dim is then sized from the static operand.
// CHECK-LABEL: func.func @mul_declared_dynamic
// CHECK: %[[C:.*]] = arith.constant 5 : index
// CHECK: tensor.empty(%[[C]]) : tensor<?x3xf32>
// CHECK: arith.mulf
// CHECK-SAME: : f32
// CHECK: -> tensor<?x3xf32>
func.func @mul_declared_dynamic(%x: tensor<5x3xf32>, %y: tensor<3xf32>) -> tensor<?x3xf32> {
  %r = tessera.mul %x, %y : (tensor<5x3xf32>, tensor<3xf32>) -> tensor<?x3xf32>
  return %r : tensor<?x3xf32>
}

// -----

// Float division, pow with a float exponent (math.powf), and max/min that
// propagate NaN (maximumf/minimumf, as ONNX Max/Min); signed max/min for
// integers.
// CHECK-LABEL: func.func @float_binary
// CHECK: arith.divf %{{.*}}, %{{.*}} : f32
// CHECK: math.powf %{{.*}}, %{{.*}} : f32
// CHECK: arith.maximumf %{{.*}}, %{{.*}} : f32
// CHECK: arith.minimumf %{{.*}}, %{{.*}} : f32
// CHECK-LABEL: func.func @int_max_min
// CHECK: arith.maxsi %{{.*}}, %{{.*}} : i32
// CHECK: arith.minsi %{{.*}}, %{{.*}} : i32
func.func @float_binary(%x: tensor<8xf32>, %y: tensor<f32>) -> tensor<8xf32> {
  %d = tessera.div %x, %y : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  %p = tessera.pow %d, %y : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  %mx = tessera.max %p, %y : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  %mn = tessera.min %mx, %y : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  return %mn : tensor<8xf32>
}
func.func @int_max_min(%x: tensor<8xi32>, %y: tensor<8xi32>) -> tensor<8xi32> {
  %mx = tessera.max %x, %y : (tensor<8xi32>, tensor<8xi32>) -> tensor<8xi32>
  %mn = tessera.min %mx, %y : (tensor<8xi32>, tensor<8xi32>) -> tensor<8xi32>
  return %mn : tensor<8xi32>
}

// -----

// Unary float math, in the element type (f16 stays f16).
// CHECK-LABEL: func.func @unary
// CHECK: math.sqrt %{{.*}} : f16
// CHECK: math.rsqrt %{{.*}} : f16
// CHECK: math.exp %{{.*}} : f16
// CHECK: math.erf %{{.*}} : f16
// CHECK: math.tanh %{{.*}} : f16
// CHECK: math.log %{{.*}} : f16
// CHECK: %[[ONE:.*]] = arith.constant 1.000000e+00 : f16
// CHECK-NEXT: arith.divf %[[ONE]], %{{.*}} : f16
func.func @unary(%x: tensor<?x8xf16>) -> tensor<?x8xf16> {
  %a = tessera.sqrt %x : tensor<?x8xf16>
  %b = tessera.rsqrt %a : tensor<?x8xf16>
  %c = tessera.exp %b : tensor<?x8xf16>
  %d = tessera.erf %c : tensor<?x8xf16>
  %e = tessera.tanh %d : tensor<?x8xf16>
  %f = tessera.log %e : tensor<?x8xf16>
  %g = tessera.reciprocal %f : tensor<?x8xf16>
  return %g : tensor<?x8xf16>
}

// -----

// sigmoid as 1 / (1 + exp(-x)).
// CHECK-LABEL: func.func @sigmoid
// CHECK: ^bb0(%[[X:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT: %[[N:.*]] = arith.negf %[[X]] : f32
// CHECK-NEXT: %[[E:.*]] = math.exp %[[N]] : f32
// CHECK-NEXT: %[[ONE:.*]] = arith.constant 1.000000e+00 : f32
// CHECK-NEXT: %[[D:.*]] = arith.addf %[[ONE]], %[[E]] : f32
// CHECK-NEXT: %[[S:.*]] = arith.divf %[[ONE]], %[[D]] : f32
// CHECK-NEXT: linalg.yield %[[S]] : f32
func.func @sigmoid(%x: tensor<2x?xf32>) -> tensor<2x?xf32> {
  %y = tessera.sigmoid %x : tensor<2x?xf32>
  return %y : tensor<2x?xf32>
}

// -----

// neg and abs, for floats and integers (0 - x; math.absi).
// CHECK-LABEL: func.func @neg_abs
// CHECK: arith.negf %{{.*}} : f32
// CHECK: math.absf %{{.*}} : f32
// CHECK: %[[Z:.*]] = arith.constant 0 : i64
// CHECK-NEXT: arith.subi %[[Z]], %{{.*}} : i64
// CHECK: math.absi %{{.*}} : i64
func.func @neg_abs(%x: tensor<4xf32>, %i: tensor<4xi64>) -> (tensor<4xf32>, tensor<4xi64>) {
  %a = tessera.neg %x : tensor<4xf32>
  %b = tessera.abs %a : tensor<4xf32>
  %c = tessera.neg %i : tensor<4xi64>
  %d = tessera.abs %c : tensor<4xi64>
  return %b, %d : tensor<4xf32>, tensor<4xi64>
}

// -----

// Constants keep their elements attribute: dense values, and dense_resource
// blobs (weights are not copied).
// CHECK-LABEL: func.func @constants
// CHECK: %[[D:.*]] = arith.constant dense<[1.000000e+00, 2.000000e+00]> : tensor<2xf32>
// CHECK: %[[W:.*]] = arith.constant dense_resource<w> : tensor<2xf32>
// CHECK: return %[[D]], %[[W]]
func.func @constants() -> (tensor<2xf32>, tensor<2xf32>) {
  %d = tessera.constant dense<[1.0, 2.0]> : tensor<2xf32>
  %w = tessera.constant dense_resource<w> : tensor<2xf32>
  return %d, %w : tensor<2xf32>, tensor<2xf32>
}

{-#
  dialect_resources: {
    builtin: {
      w: "0x040000000000803F00000040"
    }
  }
#-}
