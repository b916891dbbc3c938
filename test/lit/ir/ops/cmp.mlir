// RUN: tessera-opt %s -split-input-file | tessera-opt -split-input-file | FileCheck %s
// RUN: tessera-opt %s -split-input-file --canonicalize | FileCheck %s --check-prefix=FOLD

// CHECK-LABEL: func.func @mask
// CHECK: tessera.cmp eq, %{{.*}}, %{{.*}} : (tensor<?x?xi64>, tensor<i64>) -> tensor<?x?xi1>
func.func @mask(%m: tensor<?x?xi64>, %zero: tensor<i64>) -> tensor<?x?xi1> {
  %0 = tessera.cmp eq, %m, %zero : (tensor<?x?xi64>, tensor<i64>) -> tensor<?x?xi1>
  return %0 : tensor<?x?xi1>
}

// -----

// CHECK-LABEL: func.func @predicates
// CHECK: tessera.cmp ne,
// CHECK: tessera.cmp lt,
// CHECK: tessera.cmp le,
// CHECK: tessera.cmp gt,
// CHECK: tessera.cmp ge,
func.func @predicates(%a: tensor<4xf32>, %b: tensor<4xf32>) {
  %0 = tessera.cmp ne, %a, %b : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xi1>
  %1 = tessera.cmp lt, %a, %b : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xi1>
  %2 = tessera.cmp le, %a, %b : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xi1>
  %3 = tessera.cmp gt, %a, %b : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xi1>
  %4 = tessera.cmp ge, %a, %b : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xi1>
  return
}

// -----

// FOLD-LABEL: func.func @constants
// FOLD-NEXT: %[[T:.*]] = tessera.constant dense<[true, false]> : tensor<2xi1>
// FOLD-NEXT: %[[N:.*]] = tessera.constant dense<true> : tensor<2xi1>
// FOLD-NEXT: return %[[T]], %[[N]]
func.func @constants() -> (tensor<2xi1>, tensor<2xi1>) {
  %a = tessera.constant dense<[1.0, 2.0]> : tensor<2xf32>
  %b = tessera.constant dense<[1.5, 1.5]> : tensor<2xf32>
  %nan = tessera.constant dense<0x7FC00000> : tensor<2xf32>
  %0 = tessera.cmp lt, %a, %b : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xi1>
  // NaN is unordered: only `ne` holds.
  %1 = tessera.cmp ne, %nan, %nan : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xi1>
  return %0, %1 : tensor<2xi1>, tensor<2xi1>
}
