// RUN: tessera-opt %s -split-input-file | tessera-opt -split-input-file | FileCheck %s

// CHECK-LABEL: func.func @llama
// CHECK: tessera.rms_norm %{{.*}} scale %{{.*}} axis 2 epsilon 9.99999974E-6 : (tensor<?x?x64xf32>, tensor<64xf32>) -> tensor<?x?x64xf32>
func.func @llama(%x: tensor<?x?x64xf32>, %g: tensor<64xf32>) -> tensor<?x?x64xf32> {
  %0 = tessera.rms_norm %x scale %g axis 2 epsilon 1.0e-5 : (tensor<?x?x64xf32>, tensor<64xf32>) -> tensor<?x?x64xf32>
  return %0 : tensor<?x?x64xf32>
}

// -----

// CHECK-LABEL: func.func @residual
// CHECK: %{{.*}}, %{{.*}} = tessera.rms_norm %{{.*}} scale %{{.*}} residual %{{.*}} axis 2 epsilon 9.99999997E-7
func.func @residual(%x: tensor<?x?x64xf32>, %g: tensor<64xf32>, %r: tensor<?x?x64xf32>) -> (tensor<?x?x64xf32>, tensor<?x?x64xf32>) {
  %0, %1 = tessera.rms_norm %x scale %g residual %r axis 2 epsilon 1.0e-6 : (tensor<?x?x64xf32>, tensor<64xf32>, tensor<?x?x64xf32>) -> (tensor<?x?x64xf32>, tensor<?x?x64xf32>)
  return %0, %1 : tensor<?x?x64xf32>, tensor<?x?x64xf32>
}
