// RUN: tessera-opt %s | tessera-opt | FileCheck %s

// CHECK-LABEL: func.func @positions
// CHECK: tessera.cumsum %{{.*}} axis 1 : tensor<?x?xi64>
// CHECK: tessera.cumsum %{{.*}} axis 0 exclusive reverse : tensor<8xf32>
func.func @positions(%mask: tensor<?x?xi64>, %x: tensor<8xf32>) -> (tensor<?x?xi64>, tensor<8xf32>) {
  %0 = tessera.cumsum %mask axis 1 : tensor<?x?xi64>
  %1 = tessera.cumsum %x axis 0 exclusive reverse : tensor<8xf32>
  return %0, %1 : tensor<?x?xi64>, tensor<8xf32>
}
