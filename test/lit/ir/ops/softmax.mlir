// RUN: tessera-opt %s | tessera-opt | FileCheck %s

// CHECK-LABEL: func.func @scores
// CHECK: tessera.softmax %{{.*}} axis 3 : tensor<?x12x?x?xf32>
func.func @scores(%s: tensor<?x12x?x?xf32>) -> tensor<?x12x?x?xf32> {
  %0 = tessera.softmax %s axis 3 : tensor<?x12x?x?xf32>
  return %0 : tensor<?x12x?x?xf32>
}
