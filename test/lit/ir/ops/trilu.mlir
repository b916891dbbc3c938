// RUN: tessera-opt %s | tessera-opt | FileCheck %s

// Causal masks.
// CHECK-LABEL: func.func @masks
// CHECK: tessera.trilu lower %{{.*}} diagonal 0 : tensor<?x?xi1>
// CHECK: tessera.trilu upper %{{.*}} diagonal 1 : tensor<1x1x1024x1024xf32>
func.func @masks(%a: tensor<?x?xi1>, %b: tensor<1x1x1024x1024xf32>) -> (tensor<?x?xi1>, tensor<1x1x1024x1024xf32>) {
  %0 = tessera.trilu lower %a diagonal 0 : tensor<?x?xi1>
  %1 = tessera.trilu upper %b diagonal 1 : tensor<1x1x1024x1024xf32>
  return %0, %1 : tensor<?x?xi1>, tensor<1x1x1024x1024xf32>
}
