// RUN: tessera-opt %s | tessera-opt | FileCheck %s

// CHECK-LABEL: func.func @tokens
// CHECK: tessera.embedding %{{.*}}[%{{.*}}] : (tensor<50257x768xf32>, tensor<?x?xi64>) -> tensor<?x?x768xf32>
func.func @tokens(%wte: tensor<50257x768xf32>, %ids: tensor<?x?xi64>) -> tensor<?x?x768xf32> {
  %0 = tessera.embedding %wte[%ids] : (tensor<50257x768xf32>, tensor<?x?xi64>) -> tensor<?x?x768xf32>
  return %0 : tensor<?x?x768xf32>
}
