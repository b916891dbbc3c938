// RUN: tessera-opt %s -split-input-file | tessera-opt -split-input-file | FileCheck %s

// CHECK-LABEL: func.func @forms
// CHECK: tessera.gelu %{{.*}} approximate none : (tensor<?x?x3072xf32>) -> tensor<?x?x3072xf32>
// CHECK: tessera.gelu %{{.*}} bias %{{.*}} approximate tanh : (tensor<?x?x3072xf32>, tensor<3072xf32>) -> tensor<?x?x3072xf32>
func.func @forms(%x: tensor<?x?x3072xf32>, %b: tensor<3072xf32>) -> (tensor<?x?x3072xf32>, tensor<?x?x3072xf32>) {
  %0 = tessera.gelu %x approximate none : (tensor<?x?x3072xf32>) -> tensor<?x?x3072xf32>
  %1 = tessera.gelu %x bias %b approximate tanh : (tensor<?x?x3072xf32>, tensor<3072xf32>) -> tensor<?x?x3072xf32>
  return %0, %1 : tensor<?x?x3072xf32>, tensor<?x?x3072xf32>
}
