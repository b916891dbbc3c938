// RUN: tessera-opt %s -split-input-file | tessera-opt -split-input-file | FileCheck %s
// RUN: tessera-opt %s -split-input-file --canonicalize | FileCheck %s --check-prefix=FOLD

// Appending to a KV cache.
// CHECK-LABEL: func.func @kv_cache
// CHECK: tessera.concat %{{.*}}, %{{.*}} axis 2 : (tensor<1x12x?x64xf32>, tensor<1x12x1x64xf32>) -> tensor<1x12x?x64xf32>
func.func @kv_cache(%past: tensor<1x12x?x64xf32>, %k: tensor<1x12x1x64xf32>) -> tensor<1x12x?x64xf32> {
  %0 = tessera.concat %past, %k axis 2 : (tensor<1x12x?x64xf32>, tensor<1x12x1x64xf32>) -> tensor<1x12x?x64xf32>
  return %0 : tensor<1x12x?x64xf32>
}

// -----

// CHECK-LABEL: func.func @static
// CHECK: tessera.concat %{{.*}}, %{{.*}}, %{{.*}} axis 0 : (tensor<1xi64>, tensor<2xi64>, tensor<1xi64>) -> tensor<4xi64>
func.func @static(%a: tensor<1xi64>, %b: tensor<2xi64>, %c: tensor<1xi64>) -> tensor<4xi64> {
  %0 = tessera.concat %a, %b, %c axis 0 : (tensor<1xi64>, tensor<2xi64>, tensor<1xi64>) -> tensor<4xi64>
  return %0 : tensor<4xi64>
}

// -----

// FOLD-LABEL: func.func @single
// FOLD-NEXT: return %arg0
func.func @single(%a: tensor<3xf32>) -> tensor<3xf32> {
  %0 = tessera.concat %a axis 0 : (tensor<3xf32>) -> tensor<3xf32>
  return %0 : tensor<3xf32>
}
