// RUN: tessera-opt %s -split-input-file | tessera-opt -split-input-file | FileCheck %s

// CHECK-LABEL: func.func @plain
// CHECK: tessera.layer_norm %{{.*}} scale %{{.*}} bias %{{.*}} axis 2 epsilon 9.99999974E-6 : (tensor<?x?x768xf32>, tensor<768xf32>, tensor<768xf32>) -> tensor<?x?x768xf32>
func.func @plain(%x: tensor<?x?x768xf32>, %g: tensor<768xf32>, %b: tensor<768xf32>) -> tensor<?x?x768xf32> {
  %0 = tessera.layer_norm %x scale %g bias %b axis 2 epsilon 1.0e-5 : (tensor<?x?x768xf32>, tensor<768xf32>, tensor<768xf32>) -> tensor<?x?x768xf32>
  return %0 : tensor<?x?x768xf32>
}

// -----

// Skip LayerNorm: the residual sum comes back as a second result.
// CHECK-LABEL: func.func @residual
// CHECK: %{{.*}}, %{{.*}} = tessera.layer_norm %{{.*}} scale %{{.*}} bias %{{.*}} residual %{{.*}} axis 2 epsilon
func.func @residual(%x: tensor<?x?x768xf32>, %g: tensor<768xf32>, %b: tensor<768xf32>, %r: tensor<?x?x768xf32>) -> (tensor<?x?x768xf32>, tensor<?x?x768xf32>) {
  %0, %1 = tessera.layer_norm %x scale %g bias %b residual %r axis 2 epsilon 1.0e-5 : (tensor<?x?x768xf32>, tensor<768xf32>, tensor<768xf32>, tensor<?x?x768xf32>) -> (tensor<?x?x768xf32>, tensor<?x?x768xf32>)
  return %0, %1 : tensor<?x?x768xf32>, tensor<?x?x768xf32>
}

// -----

// Without bias, normalizing the last two dimensions.
// CHECK-LABEL: func.func @no_bias
// CHECK: tessera.layer_norm %{{.*}} scale %{{.*}} axis 1 epsilon 9.99999974E-6 : (tensor<4x8x16xf32>, tensor<8x16xf32>) -> tensor<4x8x16xf32>
func.func @no_bias(%x: tensor<4x8x16xf32>, %g: tensor<8x16xf32>) -> tensor<4x8x16xf32> {
  %0 = tessera.layer_norm %x scale %g axis 1 epsilon 1.0e-5 : (tensor<4x8x16xf32>, tensor<8x16xf32>) -> tensor<4x8x16xf32>
  return %0 : tensor<4x8x16xf32>
}
