// RUN: tessera-opt %s --tessera-lower-to-linalg --split-input-file -verify-diagnostics

// Casts lower between floats and signless or unsigned integers only; other
// element types (which no importer produces) are left illegal.
func.func @cast_from_complex(%x: tensor<3xcomplex<f32>>) -> tensor<3xf32> {
  // expected-error @+1 {{failed to legalize operation 'tessera.cast' that was explicitly marked illegal}}
  %r = tessera.cast %x : tensor<3xcomplex<f32>> -> tensor<3xf32>
  return %r : tensor<3xf32>
}
