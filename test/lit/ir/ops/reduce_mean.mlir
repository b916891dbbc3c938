// RUN: tessera-opt %s -split-input-file | tessera-opt -split-input-file | FileCheck %s
// RUN: tessera-opt %s -split-input-file --canonicalize | FileCheck %s --check-prefix=FOLD

// CHECK-LABEL: func.func @keep_dims
// CHECK: tessera.reduce_mean %{{.*}} [2] keep_dims : tensor<?x?x768xf32> -> tensor<?x?x1xf32>
func.func @keep_dims(%x: tensor<?x?x768xf32>) -> tensor<?x?x1xf32> {
  %0 = tessera.reduce_mean %x [2] keep_dims : tensor<?x?x768xf32> -> tensor<?x?x1xf32>
  return %0 : tensor<?x?x1xf32>
}

// -----

// CHECK-LABEL: func.func @drop_dims
// CHECK: tessera.reduce_mean %{{.*}} [0, 2] : tensor<4x?x8xf32> -> tensor<?xf32>
func.func @drop_dims(%x: tensor<4x?x8xf32>) -> tensor<?xf32> {
  %0 = tessera.reduce_mean %x [0, 2] : tensor<4x?x8xf32> -> tensor<?xf32>
  return %0 : tensor<?xf32>
}

// -----

// Reducing size-1 dimensions that are kept changes nothing.
// FOLD-LABEL: func.func @unit_dims
// FOLD-NEXT: return %arg0
func.func @unit_dims(%x: tensor<?x1x768xf32>) -> tensor<?x1x768xf32> {
  %0 = tessera.reduce_mean %x [1] keep_dims : tensor<?x1x768xf32> -> tensor<?x1x768xf32>
  return %0 : tensor<?x1x768xf32>
}

// -----

// FOLD-LABEL: func.func @not_unit
// FOLD: tessera.reduce_mean
func.func @not_unit(%x: tensor<?x2x768xf32>) -> tensor<?x1x768xf32> {
  %0 = tessera.reduce_mean %x [1] keep_dims : tensor<?x2x768xf32> -> tensor<?x1x768xf32>
  return %0 : tensor<?x1x768xf32>
}
