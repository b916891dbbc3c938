// RUN: tessera-opt %s -split-input-file -verify-diagnostics

func.func @not_a_permutation(%x: tensor<2x3x4xf32>) -> tensor<3x3x4xf32> {
  // expected-error @+2 {{tessera.transpose: [1, 1, 2] is not a permutation}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = tessera.transpose %x [1, 1, 2] : tensor<2x3x4xf32> -> tensor<3x3x4xf32>
  return %0 : tensor<3x3x4xf32>
}

// -----

func.func @permutation_rank(%x: tensor<2x3xf32>) -> tensor<3x2xf32> {
  // expected-error @+2 {{tessera.transpose: permutation has 3 entries for rank 2}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = tessera.transpose %x [1, 0, 2] : tensor<2x3xf32> -> tensor<3x2xf32>
  return %0 : tensor<3x2xf32>
}

// -----

func.func @reshape_count(%x: tensor<2x6xf32>) -> tensor<5x2xf32> {
  // expected-error @+1 {{'tessera.reshape' op changes the number of elements from 12 to 10}}
  %0 = tessera.reshape %x : tensor<2x6xf32> -> tensor<5x2xf32>
  return %0 : tensor<5x2xf32>
}

// -----

func.func @reshape_dynamic_dims(%x: tensor<?x768xf32>, %n: index) -> tensor<?x?x64xf32> {
  // expected-error @+1 {{'tessera.reshape' op needs one index operand per dynamic result dimension: the result has 2, the op has 1}}
  %0 = tessera.reshape %x dims(%n) : tensor<?x768xf32> -> tensor<?x?x64xf32>
  return %0 : tensor<?x?x64xf32>
}

// -----

func.func @reshape_element_type(%x: tensor<4xf32>) -> tensor<2x2xf16> {
  // expected-error @+1 {{'tessera.reshape' op changes the element type from 'f32' to 'f16'}}
  %0 = tessera.reshape %x : tensor<4xf32> -> tensor<2x2xf16>
  return %0 : tensor<2x2xf16>
}

// -----

func.func @expand_incompatible(%x: tensor<3xf32>) -> tensor<2x4xf32> {
  // expected-error @+1 {{'tessera.expand' op cannot broadcast input dimension 0 of size 3 to size 4}}
  %0 = tessera.expand %x : tensor<3xf32> -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

func.func @expand_rank(%x: tensor<2x3xf32>) -> tensor<3xf32> {
  // expected-error @+1 {{'tessera.expand' op cannot broadcast rank 2 to the lower rank 1}}
  %0 = tessera.expand %x : tensor<2x3xf32> -> tensor<3xf32>
  return %0 : tensor<3xf32>
}

// -----

func.func @concat_mismatch(%a: tensor<2x3xf32>, %b: tensor<2x4xf32>) -> tensor<4x3xf32> {
  // expected-error @+2 {{tessera.concat: inputs differ in dimension 1: 3 vs 4}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = tessera.concat %a, %b axis 0 : (tensor<2x3xf32>, tensor<2x4xf32>) -> tensor<4x3xf32>
  return %0 : tensor<4x3xf32>
}

// -----

func.func @concat_rank(%a: tensor<2x3xf32>, %b: tensor<3xf32>) -> tensor<4x3xf32> {
  // expected-error @+2 {{tessera.concat: inputs have ranks 2 and 1}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = tessera.concat %a, %b axis 0 : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<4x3xf32>
  return %0 : tensor<4x3xf32>
}

// -----

func.func @slice_lengths(%x: tensor<4x4xf32>) -> tensor<2x4xf32> {
  // expected-error @+2 {{tessera.slice: starts, ends and steps need 2 entries each (got 1, 2, 2)}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = tessera.slice %x starts [0] ends [2, 4] steps [1, 1] : tensor<4x4xf32> -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

func.func @slice_zero_step(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+2 {{tessera.slice: step of dimension 0 is zero}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = tessera.slice %x starts [0] ends [4] steps [0] : tensor<4xf32> -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @gather_axis(%x: tensor<4xf32>, %i: tensor<2xi64>) -> tensor<2xf32> {
  // expected-error @+2 {{tessera.gather: axis 1 is out of range for rank 1}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = tessera.gather %x[%i] axis 1 : (tensor<4xf32>, tensor<2xi64>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

func.func @gather_float_indices(%x: tensor<4xf32>, %i: tensor<2xf32>) -> tensor<2xf32> {
  // expected-error @+1 {{'tessera.gather' op operand #1 must be ranked tensor of 32-bit signless integer or 64-bit signless integer values}}
  %0 = tessera.gather %x[%i] axis 0 : (tensor<4xf32>, tensor<2xf32>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

func.func @iota_missing_size() -> tensor<?xi64> {
  // expected-error @+1 {{'tessera.iota' op has a dynamic length but no size operand}}
  %0 = tessera.iota start 0 step 1 : tensor<?xi64>
  return %0 : tensor<?xi64>
}

// -----

func.func @iota_zero_step() -> tensor<4xi64> {
  // expected-error @+1 {{'tessera.iota' op step must not be zero}}
  %0 = tessera.iota start 0 step 0 : tensor<4xi64>
  return %0 : tensor<4xi64>
}

// -----

func.func @trilu_rank(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'tessera.trilu' op needs rank 2 or more (the last two dimensions are the matrix)}}
  %0 = tessera.trilu lower %x diagonal 0 : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @slice_dynamic_count(%x: tensor<4xf32>, %n: index) -> tensor<?xf32> {
  // expected-error @+2 {{tessera.slice: one index operand is needed per dynamic start and end}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = "tessera.slice"(%x, %n, %n) <{starts = array<i64: 0>, ends = array<i64: -9223372036854775808>, steps = array<i64: 1>, operandSegmentSizes = array<i32: 1, 1, 1>}> : (tensor<4xf32>, index, index) -> tensor<?xf32>
  return %0 : tensor<?xf32>
}
