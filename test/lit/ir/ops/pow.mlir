// RUN: tessera-opt %s -split-input-file | tessera-opt -split-input-file | FileCheck %s
// RUN: tessera-opt %s -split-input-file --canonicalize | FileCheck %s --check-prefix=FOLD

// tessera.pow: lhs ^ rhs, NumPy broadcasting, dynamic dims stay `?`.

// CHECK-LABEL: func.func @broadcast
// CHECK: tessera.pow %{{.*}}, %{{.*}} : (tensor<?x?x768xf32>, tensor<768xf32>) -> tensor<?x?x768xf32>
func.func @broadcast(%x: tensor<?x?x768xf32>, %b: tensor<768xf32>) -> tensor<?x?x768xf32> {
  %0 = tessera.pow %x, %b : (tensor<?x?x768xf32>, tensor<768xf32>) -> tensor<?x?x768xf32>
  return %0 : tensor<?x?x768xf32>
}

// -----

// A declared result may be more static than the inferred one.
// CHECK-LABEL: func.func @refined
// CHECK: tessera.pow %{{.*}}, %{{.*}} : (tensor<?x4xf32>, tensor<2x1xf32>) -> tensor<2x4xf32>
func.func @refined(%x: tensor<?x4xf32>, %y: tensor<2x1xf32>) -> tensor<2x4xf32> {
  %0 = tessera.pow %x, %y : (tensor<?x4xf32>, tensor<2x1xf32>) -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

// FOLD-LABEL: func.func @constants
// FOLD-NEXT: %[[C:.*]] = tessera.constant dense<2.250000e+00> : tensor<4xf32>
// FOLD-NEXT: return %[[C]]
func.func @constants() -> tensor<4xf32> {
  %a = tessera.constant dense<1.5> : tensor<4xf32>
  %b = tessera.constant dense<2.0> : tensor<4xf32>
  %0 = tessera.pow %a, %b : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// x pow one is x, but only when no broadcast is lost.
// FOLD-LABEL: func.func @identity
// FOLD-NEXT: return %arg0
func.func @identity(%x: tensor<2x4xf32>) -> tensor<2x4xf32> {
  %c = tessera.constant dense<1.0> : tensor<4xf32>
  %0 = tessera.pow %x, %c : (tensor<2x4xf32>, tensor<4xf32>) -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

// FOLD-LABEL: func.func @identity_would_broadcast
// FOLD: tessera.pow
func.func @identity_would_broadcast(%x: tensor<4xf32>) -> tensor<2x4xf32> {
  %c = tessera.constant dense<1.0> : tensor<2x4xf32>
  %0 = tessera.pow %x, %c : (tensor<4xf32>, tensor<2x4xf32>) -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

// Integers: repeated multiplication, wrapping (3^5 = 243 is -13 in i8); a
// negative exponent gives 1 / x^-e truncated (0, or +-1 for +-1); unsigned
// ones read the exponent as unsigned (200 ^ 2 = 40000 wraps to 64 in ui8).
// FOLD-LABEL: func.func @int_constants
// FOLD-NEXT: %[[I:.*]] = tessera.constant dense<[-13, 1, 0, -1, 1]> : tensor<5xi8>
// FOLD-NEXT: %[[U:.*]] = tessera.constant dense<[64, 1]> : tensor<2xui8>
// FOLD-NEXT: return %[[I]], %[[U]]
func.func @int_constants() -> (tensor<5xi8>, tensor<2xui8>) {
  %a = tessera.constant dense<[3, 5, 2, -1, 1]> : tensor<5xi8>
  %b = tessera.constant dense<[5, 0, -1, -3, -4]> : tensor<5xi8>
  %0 = tessera.pow %a, %b : (tensor<5xi8>, tensor<5xi8>) -> tensor<5xi8>
  %c = tessera.constant dense<[200, 7]> : tensor<2xui8>
  %d = tessera.constant dense<[2, 0]> : tensor<2xui8>
  %1 = tessera.pow %c, %d : (tensor<2xui8>, tensor<2xui8>) -> tensor<2xui8>
  return %0, %1 : tensor<5xi8>, tensor<2xui8>
}
