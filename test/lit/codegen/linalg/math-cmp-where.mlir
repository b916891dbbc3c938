// RUN: tessera-opt %s --tessera-lower-to-linalg --split-input-file | FileCheck %s

// Float comparisons are ordered (NaN compares false) except ne, which is
// unordered-or-not-equal (NaN != anything).
// CHECK-LABEL: func.func @cmp_float
// CHECK: tensor.empty(%{{.*}}) : tensor<?x4xi1>
// CHECK: ^bb0(%[[A:.*]]: f32, %[[B:.*]]: f32, %{{.*}}: i1):
// CHECK-NEXT: %[[C:.*]] = arith.cmpf oeq, %[[A]], %[[B]] : f32
// CHECK-NEXT: linalg.yield %[[C]] : i1
// CHECK: arith.cmpf une
// CHECK: arith.cmpf olt
// CHECK: arith.cmpf ole
// CHECK: arith.cmpf ogt
// CHECK: arith.cmpf oge
func.func @cmp_float(%x: tensor<?x4xf32>, %y: tensor<f32>) -> (tensor<?x4xi1>, tensor<?x4xi1>, tensor<?x4xi1>, tensor<?x4xi1>, tensor<?x4xi1>, tensor<?x4xi1>) {
  %eq = tessera.cmp eq, %x, %y : (tensor<?x4xf32>, tensor<f32>) -> tensor<?x4xi1>
  %ne = tessera.cmp ne, %x, %y : (tensor<?x4xf32>, tensor<f32>) -> tensor<?x4xi1>
  %lt = tessera.cmp lt, %x, %y : (tensor<?x4xf32>, tensor<f32>) -> tensor<?x4xi1>
  %le = tessera.cmp le, %x, %y : (tensor<?x4xf32>, tensor<f32>) -> tensor<?x4xi1>
  %gt = tessera.cmp gt, %x, %y : (tensor<?x4xf32>, tensor<f32>) -> tensor<?x4xi1>
  %ge = tessera.cmp ge, %x, %y : (tensor<?x4xf32>, tensor<f32>) -> tensor<?x4xi1>
  return %eq, %ne, %lt, %le, %gt, %ge : tensor<?x4xi1>, tensor<?x4xi1>, tensor<?x4xi1>, tensor<?x4xi1>, tensor<?x4xi1>, tensor<?x4xi1>
}

// -----

// Integers compare signed; booleans (i1) as false < true, i.e. unsigned.
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[ROW:.*]] = affine_map<(d0, d1) -> (d1)>
// CHECK-LABEL: func.func @cmp_int
// CHECK: linalg.generic {indexing_maps = [#[[ID]], #[[ROW]], #[[ID]]]
// CHECK: arith.cmpi eq, %{{.*}}, %{{.*}} : i64
// CHECK: arith.cmpi ne
// CHECK: arith.cmpi slt
// CHECK: arith.cmpi sle
// CHECK: arith.cmpi sgt
// CHECK: arith.cmpi sge
// CHECK-LABEL: func.func @cmp_bool
// CHECK: arith.cmpi eq, %{{.*}}, %{{.*}} : i1
// CHECK: arith.cmpi ult, %{{.*}}, %{{.*}} : i1
func.func @cmp_int(%x: tensor<2x?xi64>, %y: tensor<?xi64>) -> (tensor<2x?xi1>, tensor<2x?xi1>, tensor<2x?xi1>, tensor<2x?xi1>, tensor<2x?xi1>, tensor<2x?xi1>) {
  %eq = tessera.cmp eq, %x, %y : (tensor<2x?xi64>, tensor<?xi64>) -> tensor<2x?xi1>
  %ne = tessera.cmp ne, %x, %y : (tensor<2x?xi64>, tensor<?xi64>) -> tensor<2x?xi1>
  %lt = tessera.cmp lt, %x, %y : (tensor<2x?xi64>, tensor<?xi64>) -> tensor<2x?xi1>
  %le = tessera.cmp le, %x, %y : (tensor<2x?xi64>, tensor<?xi64>) -> tensor<2x?xi1>
  %gt = tessera.cmp gt, %x, %y : (tensor<2x?xi64>, tensor<?xi64>) -> tensor<2x?xi1>
  %ge = tessera.cmp ge, %x, %y : (tensor<2x?xi64>, tensor<?xi64>) -> tensor<2x?xi1>
  return %eq, %ne, %lt, %le, %gt, %ge : tensor<2x?xi1>, tensor<2x?xi1>, tensor<2x?xi1>, tensor<2x?xi1>, tensor<2x?xi1>, tensor<2x?xi1>
}
func.func @cmp_bool(%x: tensor<3xi1>, %y: tensor<3xi1>) -> (tensor<3xi1>, tensor<3xi1>) {
  %eq = tessera.cmp eq, %x, %y : (tensor<3xi1>, tensor<3xi1>) -> tensor<3xi1>
  %lt = tessera.cmp lt, %x, %y : (tensor<3xi1>, tensor<3xi1>) -> tensor<3xi1>
  return %eq, %lt : tensor<3xi1>, tensor<3xi1>
}

// -----

// A masked fill: the three operands broadcast together; dynamic result
// sizes come from the first operand that does not stretch them.
// CHECK-DAG: #[[MASK:.*]] = affine_map<(d0, d1, d2, d3) -> (0, 0, d2, d3)>
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
// CHECK-DAG: #[[SCALAR:.*]] = affine_map<(d0, d1, d2, d3) -> ()>
// CHECK-LABEL: func.func @where_mask
// CHECK-DAG: %[[B:.*]] = tensor.dim %arg1, %c0
// CHECK-DAG: %[[Q:.*]] = tensor.dim %arg0, %c2
// CHECK-DAG: %[[K:.*]] = tensor.dim %arg0, %c3
// CHECK: %[[E:.*]] = tensor.empty(%[[B]], %[[Q]], %[[K]]) : tensor<?x12x?x?xf32>
// CHECK: linalg.generic {indexing_maps = [#[[MASK]], #[[ID]], #[[SCALAR]], #[[ID]]], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
// CHECK-SAME: ins(%arg0, %arg1, %arg2 : tensor<1x1x?x?xi1>, tensor<?x12x?x?xf32>, tensor<f32>) outs(%[[E]] : tensor<?x12x?x?xf32>)
// CHECK: ^bb0(%[[C:.*]]: i1, %[[T:.*]]: f32, %[[F:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT: %[[S:.*]] = arith.select %[[C]], %[[T]], %[[F]] : f32
// CHECK-NEXT: linalg.yield %[[S]] : f32
func.func @where_mask(%c: tensor<1x1x?x?xi1>, %s: tensor<?x12x?x?xf32>, %n: tensor<f32>) -> tensor<?x12x?x?xf32> {
  %r = tessera.where %c, %s, %n : (tensor<1x1x?x?xi1>, tensor<?x12x?x?xf32>, tensor<f32>) -> tensor<?x12x?x?xf32>
  return %r : tensor<?x12x?x?xf32>
}

// -----

// where on integers, with the condition the only full-size operand.
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0) -> (d0)>
// CHECK-DAG: #[[ONE:.*]] = affine_map<(d0) -> (0)>
// CHECK-LABEL: func.func @where_int
// CHECK: linalg.generic {indexing_maps = [#[[ID]], #[[ONE]], #[[ONE]], #[[ID]]]
// CHECK: arith.select %{{.*}}, %{{.*}}, %{{.*}} : i64
func.func @where_int(%c: tensor<6xi1>, %a: tensor<1xi64>, %b: tensor<1xi64>) -> tensor<6xi64> {
  %r = tessera.where %c, %a, %b : (tensor<6xi1>, tensor<1xi64>, tensor<1xi64>) -> tensor<6xi64>
  return %r : tensor<6xi64>
}
