// RUN: tessera-opt %s -split-input-file -verify-diagnostics

func.func @axis_out_of_range(%x: tensor<4x8xf32>) -> tensor<4xf32> {
  // expected-error @+2 {{tessera.reduce_sum: axis 2 is out of range for rank 2 (axes are normalized to [0, rank))}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = tessera.reduce_sum %x [2] : tensor<4x8xf32> -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @negative_axis(%x: tensor<4x8xf32>) -> tensor<4xf32> {
  // expected-error @+2 {{tessera.reduce_mean: axis -1 is out of range for rank 2}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = tessera.reduce_mean %x [-1] : tensor<4x8xf32> -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @unsorted_axes(%x: tensor<4x8x2xf32>) -> tensor<8xf32> {
  // expected-error @+2 {{tessera.reduce_max: axes must be strictly ascending (got 2 before 0)}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = tessera.reduce_max %x [2, 0] : tensor<4x8x2xf32> -> tensor<8xf32>
  return %0 : tensor<8xf32>
}

// -----

func.func @keep_dims_mismatch(%x: tensor<4x8xf32>) -> tensor<4xf32> {
  // expected-error @+2 {{'tessera.reduce_sum' op failed to infer returned types}}
  // expected-error @+1 {{'tessera.reduce_sum' op inferred type(s) 'tensor<4x1xf32>' are incompatible with return type(s) of operation 'tensor<4xf32>'}}
  %0 = tessera.reduce_sum %x [1] keep_dims : tensor<4x8xf32> -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @softmax_axis(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  // expected-error @+1 {{tessera.softmax: axis 2 is out of range for rank 2}}
  %0 = tessera.softmax %x axis 2 : tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}

// -----

func.func @cumsum_axis(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{tessera.cumsum: axis 1 is out of range for rank 1}}
  %0 = tessera.cumsum %x axis 1 : tensor<4xf32>
  return %0 : tensor<4xf32>
}
