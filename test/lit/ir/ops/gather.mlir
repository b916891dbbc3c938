// RUN: tessera-opt %s -split-input-file | tessera-opt -split-input-file | FileCheck %s

// CHECK-LABEL: func.func @rows
// CHECK: tessera.gather %{{.*}}[%{{.*}}] axis 0 : (tensor<50257x768xf32>, tensor<?x?xi64>) -> tensor<?x?x768xf32>
func.func @rows(%t: tensor<50257x768xf32>, %ids: tensor<?x?xi64>) -> tensor<?x?x768xf32> {
  %0 = tessera.gather %t[%ids] axis 0 : (tensor<50257x768xf32>, tensor<?x?xi64>) -> tensor<?x?x768xf32>
  return %0 : tensor<?x?x768xf32>
}

// -----

// A scalar index drops the axis (shape plumbing: Gather(Shape(x), 1)).
// CHECK-LABEL: func.func @scalar_index
// CHECK: tessera.gather %{{.*}}[%{{.*}}] axis 0 : (tensor<3xi64>, tensor<i64>) -> tensor<i64>
func.func @scalar_index(%shape: tensor<3xi64>, %i: tensor<i64>) -> tensor<i64> {
  %0 = tessera.gather %shape[%i] axis 0 : (tensor<3xi64>, tensor<i64>) -> tensor<i64>
  return %0 : tensor<i64>
}
