// RUN: tessera-opt %s -split-input-file -verify-diagnostics

func.func @no_broadcast(%a: tensor<2x3xf32>, %b: tensor<4xf32>) -> tensor<2x3xf32> {
  // expected-error @+2 {{tessera.add: shapes [2, 3] and [4] do not broadcast}}
  // expected-error @+1 {{'tessera.add' op failed to infer returned types}}
  %0 = tessera.add %a, %b : (tensor<2x3xf32>, tensor<4xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

func.func @element_types(%a: tensor<4xf32>, %b: tensor<4xf16>) -> tensor<4xf32> {
  // expected-error @+2 {{tessera.mul: element types differ ('f32' and 'f16')}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = tessera.mul %a, %b : (tensor<4xf32>, tensor<4xf16>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @wrong_result(%a: tensor<2x4xf32>, %b: tensor<4xf32>) -> tensor<3x4xf32> {
  // expected-error @+2 {{'tessera.sub' op failed to infer returned types}}
  // expected-error @+1 {{'tessera.sub' op inferred type(s) 'tensor<2x4xf32>' are incompatible with return type(s) of operation 'tensor<3x4xf32>'}}
  %0 = tessera.sub %a, %b : (tensor<2x4xf32>, tensor<4xf32>) -> tensor<3x4xf32>
  return %0 : tensor<3x4xf32>
}

// -----

// The elementwise arithmetic and cmp take unsigned integers; negation,
// matmul and the reductions do not (ONNX Neg has no unsigned types).
func.func @neg_of_unsigned(%a: tensor<4xui8>) -> tensor<4xui8> {
  // expected-error @+1 {{'tessera.neg' op operand #0 must be ranked tensor of floating-point or signless integer values}}
  %0 = tessera.neg %a : tensor<4xui8>
  return %0 : tensor<4xui8>
}

// -----

func.func @matmul_of_unsigned(%a: tensor<2x2xui32>) -> tensor<2x2xui32> {
  // expected-error @+1 {{'tessera.matmul' op operand #0 must be ranked tensor of floating-point or signless integer values}}
  %0 = tessera.matmul %a, %a : (tensor<2x2xui32>, tensor<2x2xui32>) -> tensor<2x2xui32>
  return %0 : tensor<2x2xui32>
}

// -----

func.func @signed_integers(%a: tensor<4xsi32>) -> tensor<4xsi32> {
  // expected-error @+1 {{'tessera.add' op operand #0 must be ranked tensor of floating-point or signless integer or unsigned integer values}}
  %0 = tessera.add %a, %a : (tensor<4xsi32>, tensor<4xsi32>) -> tensor<4xsi32>
  return %0 : tensor<4xsi32>
}

// -----

func.func @mod_float_without_fmod(%a: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'tessera.mod' op on floats needs fmod (the sign of the dividend), as ONNX Mod does}}
  %0 = tessera.mod %a, %a : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @cmp_result_not_bool(%a: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'tessera.cmp' op result #0 must be ranked tensor of 1-bit signless integer values}}
  %0 = tessera.cmp eq, %a, %a : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @cmp_bad_predicate(%a: tensor<4xf32>) -> tensor<4xi1> {
  // expected-error @+1 {{expected string or keyword containing one of the following enum values for attribute 'predicate' [eq, ne, lt, le, gt, ge]}}
  %0 = tessera.cmp oeq, %a, %a : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xi1>
  return %0 : tensor<4xi1>
}

// -----

func.func @where_branch_types(%c: tensor<4xi1>, %a: tensor<4xf32>, %b: tensor<4xi64>) -> tensor<4xf32> {
  // expected-error @+2 {{tessera.where: element types differ ('f32' and 'i64')}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = tessera.where %c, %a, %b : (tensor<4xi1>, tensor<4xf32>, tensor<4xi64>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @unary_of_ints(%a: tensor<4xi32>) -> tensor<4xi32> {
  // expected-error @+1 {{'tessera.exp' op operand #0 must be ranked tensor of floating-point values}}
  %0 = tessera.exp %a : tensor<4xi32>
  return %0 : tensor<4xi32>
}

// -----

func.func @cast_changes_shape(%a: tensor<4xf32>) -> tensor<5xf16> {
  // expected-error @+1 {{'tessera.cast' op requires the same shape for all operands and results}}
  %0 = tessera.cast %a : tensor<4xf32> -> tensor<5xf16>
  return %0 : tensor<5xf16>
}

// -----

func.func @constant_type(%a: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'tessera.constant' op failed to verify that all of {value, output} have same type}}
  %0 = "tessera.constant"() <{value = dense<1.0> : tensor<2xf32>}> : () -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @matmul_contraction(%a: tensor<4x8xf32>, %b: tensor<7x2xf32>) -> tensor<4x2xf32> {
  // expected-error @+2 {{tessera.matmul: contraction dimensions differ: 8 vs 7}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = tessera.matmul %a, %b : (tensor<4x8xf32>, tensor<7x2xf32>) -> tensor<4x2xf32>
  return %0 : tensor<4x2xf32>
}

// -----

func.func @matmul_rank(%a: tensor<8xf32>, %b: tensor<8x2xf32>) -> tensor<2xf32> {
  // expected-error @+2 {{tessera.matmul: operands must have rank 2 or more (got 1 and 2)}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = tessera.matmul %a, %b : (tensor<8xf32>, tensor<8x2xf32>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

func.func @matmul_batch(%a: tensor<3x4x8xf32>, %b: tensor<2x8x2xf32>) -> tensor<3x4x2xf32> {
  // expected-error @+2 {{tessera.matmul batch dimensions: shapes [3] and [2] do not broadcast}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = tessera.matmul %a, %b : (tensor<3x4x8xf32>, tensor<2x8x2xf32>) -> tensor<3x4x2xf32>
  return %0 : tensor<3x4x2xf32>
}
