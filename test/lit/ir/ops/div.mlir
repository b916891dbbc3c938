// RUN: tessera-opt %s -split-input-file | tessera-opt -split-input-file | FileCheck %s
// RUN: tessera-opt %s -split-input-file --canonicalize | FileCheck %s --check-prefix=FOLD

// tessera.div: lhs / rhs, NumPy broadcasting, dynamic dims stay `?`.

// CHECK-LABEL: func.func @broadcast
// CHECK: tessera.div %{{.*}}, %{{.*}} : (tensor<?x?x768xf32>, tensor<768xf32>) -> tensor<?x?x768xf32>
func.func @broadcast(%x: tensor<?x?x768xf32>, %b: tensor<768xf32>) -> tensor<?x?x768xf32> {
  %0 = tessera.div %x, %b : (tensor<?x?x768xf32>, tensor<768xf32>) -> tensor<?x?x768xf32>
  return %0 : tensor<?x?x768xf32>
}

// -----

// A declared result may be more static than the inferred one.
// CHECK-LABEL: func.func @refined
// CHECK: tessera.div %{{.*}}, %{{.*}} : (tensor<?x4xf32>, tensor<2x1xf32>) -> tensor<2x4xf32>
func.func @refined(%x: tensor<?x4xf32>, %y: tensor<2x1xf32>) -> tensor<2x4xf32> {
  %0 = tessera.div %x, %y : (tensor<?x4xf32>, tensor<2x1xf32>) -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

// FOLD-LABEL: func.func @constants
// FOLD-NEXT: %[[C:.*]] = tessera.constant dense<7.500000e-01> : tensor<4xf32>
// FOLD-NEXT: return %[[C]]
func.func @constants() -> tensor<4xf32> {
  %a = tessera.constant dense<1.5> : tensor<4xf32>
  %b = tessera.constant dense<2.0> : tensor<4xf32>
  %0 = tessera.div %a, %b : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// x div one is x, but only when no broadcast is lost.
// FOLD-LABEL: func.func @identity
// FOLD-NEXT: return %arg0
func.func @identity(%x: tensor<2x4xf32>) -> tensor<2x4xf32> {
  %c = tessera.constant dense<1.0> : tensor<4xf32>
  %0 = tessera.div %x, %c : (tensor<2x4xf32>, tensor<4xf32>) -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

// FOLD-LABEL: func.func @identity_would_broadcast
// FOLD: tessera.div
func.func @identity_would_broadcast(%x: tensor<4xf32>) -> tensor<2x4xf32> {
  %c = tessera.constant dense<1.0> : tensor<2x4xf32>
  %0 = tessera.div %x, %c : (tensor<4xf32>, tensor<2x4xf32>) -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

// CHECK-LABEL: func.func @integers
// CHECK: tessera.div %{{.*}}, %{{.*}} : (tensor<?x?xi64>, tensor<i64>) -> tensor<?x?xi64>
func.func @integers(%x: tensor<?x?xi64>, %y: tensor<i64>) -> tensor<?x?xi64> {
  %0 = tessera.div %x, %y : (tensor<?x?xi64>, tensor<i64>) -> tensor<?x?xi64>
  return %0 : tensor<?x?xi64>
}
