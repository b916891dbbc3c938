// RUN: tessera-opt %s -split-input-file | tessera-opt -split-input-file | FileCheck %s
// RUN: tessera-opt %s -split-input-file --canonicalize | FileCheck %s --check-prefix=FOLD

// A masked fill as exporters write it.
// CHECK-LABEL: func.func @masked_fill
// CHECK: tessera.where %{{.*}}, %{{.*}}, %{{.*}} : (tensor<1x1x?x?xi1>, tensor<?x12x?x?xf32>, tensor<f32>) -> tensor<?x12x?x?xf32>
func.func @masked_fill(%c: tensor<1x1x?x?xi1>, %s: tensor<?x12x?x?xf32>, %fill: tensor<f32>) -> tensor<?x12x?x?xf32> {
  %0 = tessera.where %c, %s, %fill : (tensor<1x1x?x?xi1>, tensor<?x12x?x?xf32>, tensor<f32>) -> tensor<?x12x?x?xf32>
  return %0 : tensor<?x12x?x?xf32>
}

// -----

// FOLD-LABEL: func.func @constant_condition
// FOLD-NEXT: return %arg1
func.func @constant_condition(%a: tensor<4xf32>, %b: tensor<4xf32>) -> tensor<4xf32> {
  %c = tessera.constant dense<false> : tensor<4xi1>
  %0 = tessera.where %c, %a, %b : (tensor<4xi1>, tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// FOLD-LABEL: func.func @same_branches
// FOLD-NEXT: return %arg1
func.func @same_branches(%c: tensor<4xi1>, %a: tensor<4xf32>) -> tensor<4xf32> {
  %0 = tessera.where %c, %a, %a : (tensor<4xi1>, tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// Choosing a branch would lose the broadcast to the condition's shape.
// FOLD-LABEL: func.func @branch_needs_broadcast
// FOLD: tessera.where
func.func @branch_needs_broadcast(%a: tensor<f32>, %b: tensor<4xf32>) -> tensor<4xf32> {
  %c = tessera.constant dense<true> : tensor<4xi1>
  %0 = tessera.where %c, %a, %b : (tensor<4xi1>, tensor<f32>, tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}
