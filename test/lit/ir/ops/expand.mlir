// RUN: tessera-opt %s -split-input-file | tessera-opt -split-input-file | FileCheck %s
// RUN: tessera-opt %s -split-input-file --canonicalize | FileCheck %s --check-prefix=FOLD

// repeat_kv in grouped-query attention.
// CHECK-LABEL: func.func @repeat_kv
// CHECK: tessera.expand %{{.*}} dims(%{{.*}}, %{{.*}}) : tensor<?x4x1x?x64xf32> -> tensor<?x4x2x?x64xf32>
func.func @repeat_kv(%kv: tensor<?x4x1x?x64xf32>, %b: index, %s: index) -> tensor<?x4x2x?x64xf32> {
  %0 = tessera.expand %kv dims(%b, %s) : tensor<?x4x1x?x64xf32> -> tensor<?x4x2x?x64xf32>
  return %0 : tensor<?x4x2x?x64xf32>
}

// -----

// FOLD-LABEL: func.func @folds
// FOLD-NEXT: %[[C:.*]] = tessera.constant dense<5.000000e-01> : tensor<2x3xf32>
// FOLD-NEXT: return %arg0, %[[C]]
func.func @folds(%x: tensor<2x3xf32>) -> (tensor<2x3xf32>, tensor<2x3xf32>) {
  %same = tessera.expand %x : tensor<2x3xf32> -> tensor<2x3xf32>
  %c = tessera.constant dense<0.5> : tensor<3xf32>
  %e = tessera.expand %c : tensor<3xf32> -> tensor<2x3xf32>
  return %same, %e : tensor<2x3xf32>, tensor<2x3xf32>
}
