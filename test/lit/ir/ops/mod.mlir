// RUN: tessera-opt %s -split-input-file | tessera-opt -split-input-file | FileCheck %s
// RUN: tessera-opt %s -split-input-file --canonicalize | FileCheck %s --check-prefix=FOLD

// tessera.mod: the remainder of lhs / rhs, NumPy broadcasting; `fmod`
// gives it the dividend's sign (C fmod), else the divisor's (Python %).

// CHECK-LABEL: func.func @broadcast
// CHECK: tessera.mod %{{.*}}, %{{.*}} : (tensor<?x4xi64>, tensor<4xi64>) -> tensor<?x4xi64>
// CHECK: tessera.mod %{{.*}}, %{{.*}} fmod : (tensor<?x4xf32>, tensor<f32>) -> tensor<?x4xf32>
func.func @broadcast(%x: tensor<?x4xi64>, %y: tensor<4xi64>, %f: tensor<?x4xf32>, %g: tensor<f32>) -> (tensor<?x4xi64>, tensor<?x4xf32>) {
  %0 = tessera.mod %x, %y : (tensor<?x4xi64>, tensor<4xi64>) -> tensor<?x4xi64>
  %1 = tessera.mod %f, %g fmod : (tensor<?x4xf32>, tensor<f32>) -> tensor<?x4xf32>
  return %0, %1 : tensor<?x4xi64>, tensor<?x4xf32>
}

// -----

// Constants fold: signed without fmod takes the divisor's sign, with fmod
// the dividend's; unsigned reads 200 as 200; x % -1 is 0; a zero divisor
// is left to run time.
// FOLD-LABEL: func.func @constants
// FOLD-DAG: tessera.constant dense<[2, -2, -1, 0]> : tensor<4xi32>
// FOLD-DAG: tessera.constant dense<[-1, 1, -1, 0]> : tensor<4xi32>
// FOLD-DAG: tessera.constant dense<[2, 1]> : tensor<2xui8>
// FOLD-DAG: tessera.constant dense<[-1.000000e+00, 1.000000e+00]> : tensor<2xf32>
// FOLD: tessera.mod
// FOLD-NOT: tessera.mod
// FOLD: return
func.func @constants() -> (tensor<4xi32>, tensor<4xi32>, tensor<2xui8>, tensor<2xf32>, tensor<2xi32>) {
  %a = tessera.constant dense<[-7, 7, -7, -2147483648]> : tensor<4xi32>
  %b = tessera.constant dense<[3, -3, -3, -1]> : tensor<4xi32>
  %0 = tessera.mod %a, %b : (tensor<4xi32>, tensor<4xi32>) -> tensor<4xi32>
  %1 = tessera.mod %a, %b fmod : (tensor<4xi32>, tensor<4xi32>) -> tensor<4xi32>
  %c = tessera.constant dense<[200, 7]> : tensor<2xui8>
  %d = tessera.constant dense<[3, 2]> : tensor<2xui8>
  %2 = tessera.mod %c, %d : (tensor<2xui8>, tensor<2xui8>) -> tensor<2xui8>
  %f = tessera.constant dense<[-7.0, 7.0]> : tensor<2xf32>
  %g = tessera.constant dense<[3.0, -3.0]> : tensor<2xf32>
  %3 = tessera.mod %f, %g fmod : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
  %z = tessera.constant dense<[1, 0]> : tensor<2xi32>
  %4 = tessera.mod %z, %z : (tensor<2xi32>, tensor<2xi32>) -> tensor<2xi32>
  return %0, %1, %2, %3, %4 : tensor<4xi32>, tensor<4xi32>, tensor<2xui8>, tensor<2xf32>, tensor<2xi32>
}

// -----

// Unsigned division, max, min and comparisons fold as unsigned.
// FOLD-LABEL: func.func @unsigned_constants
// FOLD-DAG: tessera.constant dense<[66, 0]> : tensor<2xui8>
// FOLD-DAG: tessera.constant dense<[200, 3]> : tensor<2xui8>
// FOLD-DAG: tessera.constant dense<[3, 2]> : tensor<2xui8>
// FOLD-DAG: tessera.constant dense<[true, false]> : tensor<2xi1>
// FOLD-NOT: tessera.div
// FOLD: return
func.func @unsigned_constants() -> (tensor<2xui8>, tensor<2xui8>, tensor<2xui8>, tensor<2xi1>) {
  %a = tessera.constant dense<[200, 2]> : tensor<2xui8>
  %b = tessera.constant dense<[3, 3]> : tensor<2xui8>
  %0 = tessera.div %a, %b : (tensor<2xui8>, tensor<2xui8>) -> tensor<2xui8>
  %1 = tessera.max %a, %b : (tensor<2xui8>, tensor<2xui8>) -> tensor<2xui8>
  %2 = tessera.min %a, %b : (tensor<2xui8>, tensor<2xui8>) -> tensor<2xui8>
  %3 = tessera.cmp gt, %a, %b : (tensor<2xui8>, tensor<2xui8>) -> tensor<2xi1>
  return %0, %1, %2, %3 : tensor<2xui8>, tensor<2xui8>, tensor<2xui8>, tensor<2xi1>
}
