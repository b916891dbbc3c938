// RUN: tessera-opt %s --tessera-lower-to-linalg --split-input-file -verify-diagnostics

// arith computes on signless integers only: a cast from or to an unsigned
// type (ONNX Pow with a uint exponent imports as one) is left illegal.
func.func @cast_from_unsigned(%x: tensor<3xui32>) -> tensor<3xf32> {
  // expected-error @+1 {{failed to legalize operation 'tessera.cast' that was explicitly marked illegal}}
  %r = tessera.cast %x : tensor<3xui32> -> tensor<3xf32>
  return %r : tensor<3xf32>
}
