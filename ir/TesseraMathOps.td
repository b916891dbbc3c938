//===- TesseraMathOps.td - constants, elementwise math, matmul ------------===//

#ifndef TESSERA_IR_TESSERAMATHOPS_TD
#define TESSERA_IR_TESSERAMATHOPS_TD

include "TesseraDialect.td"

//===----------------------------------------------------------------------===//
// constant
//===----------------------------------------------------------------------===//

def Tessera_ConstantOp : Tessera_Op<"constant",
    [ConstantLike, Pure, AllTypesMatch<["value", "output"]>]> {
  let summary = "A tensor known at compile time (initializers, folded values)";
  let description = [{
    Holds an elements attribute: `dense<...>` for small values, a
    `dense_resource<...>` blob for weights so that they are not copied.

    ```mlir
    %eps = tessera.constant dense<1.0e-05> : tensor<f32>
    %w = tessera.constant dense_resource<wte> : tensor<50257x768xf32>
    ```
  }];
  let arguments = (ins ElementsAttr:$value);
  let results = (outs Tessera_Tensor:$output);
  let assemblyFormat = "attr-dict $value";
  let hasFolder = 1;
}

//===----------------------------------------------------------------------===//
// Elementwise binary ops with NumPy broadcasting
//===----------------------------------------------------------------------===//

class Tessera_BroadcastBinaryOp<string mnemonic, string expr,
                                Type operandType = Tessera_ArithTensor,
                                list<Trait> traits = []>
    : Tessera_InferredOp<mnemonic, traits> {
  let summary = "Elementwise `" # expr # "` with NumPy broadcasting";
  let description = [{
    Computes `}] # expr # [{` elementwise. The operands have the same element
    type; their shapes broadcast as in NumPy (and ONNX): dimensions are
    aligned from the right, a dimension of size 1 stretches, and a dynamic
    dimension broadcasts against a static one to that static size.

    ```mlir
    %y = tessera.}] # mnemonic # [{ %x, %bias : (tensor<?x?x768xf32>, tensor<768xf32>) -> tensor<?x?x768xf32>
    ```
  }];
  let arguments = (ins operandType:$lhs, operandType:$rhs);
  let results = (outs operandType:$output);
  let assemblyFormat = [{
    $lhs `,` $rhs attr-dict `:` functional-type(operands, results)
  }];
  let hasFolder = 1;
}

def Tessera_AddOp : Tessera_BroadcastBinaryOp<"add", "lhs + rhs",
    Tessera_ArithTensor, [Commutative]>;
def Tessera_SubOp : Tessera_BroadcastBinaryOp<"sub", "lhs - rhs">;
def Tessera_MulOp : Tessera_BroadcastBinaryOp<"mul", "lhs * rhs",
    Tessera_ArithTensor, [Commutative]>;
def Tessera_DivOp : Tessera_BroadcastBinaryOp<"div", "lhs / rhs"> {
  // Division by a float constant becomes multiplication by its reciprocal.
  let hasCanonicalizer = 1;
}
// Integers raise by repeated multiplication (wrapping); a negative exponent
// gives 1 / lhs^-rhs truncated toward zero.
def Tessera_PowOp : Tessera_BroadcastBinaryOp<"pow", "lhs ^ rhs">;
def Tessera_MaxOp : Tessera_BroadcastBinaryOp<"max", "max(lhs, rhs)",
    Tessera_ArithTensor, [Commutative]>;
def Tessera_MinOp : Tessera_BroadcastBinaryOp<"min", "min(lhs, rhs)",
    Tessera_ArithTensor, [Commutative]>;

def Tessera_ModOp : Tessera_InferredOp<"mod"> {
  let summary = "Elementwise remainder with NumPy broadcasting (ONNX Mod)";
  let description = [{
    The remainder of `lhs / rhs`, shapes broadcast as for `tessera.add`.
    Without `fmod` (integers only) it takes the sign of the divisor, like
    Python's `%`; with `fmod` it takes the sign of the dividend, like C's
    `fmod` (floats need `fmod`, as in ONNX). Unsigned integers compute as
    unsigned.

    ```mlir
    %r = tessera.mod %a, %b : (tensor<6xi32>, tensor<6xi32>) -> tensor<6xi32>
    %f = tessera.mod %x, %y fmod : (tensor<6xf32>, tensor<6xf32>) -> tensor<6xf32>
    ```
  }];
  let arguments = (ins Tessera_ArithTensor:$lhs, Tessera_ArithTensor:$rhs,
                       UnitAttr:$fmod);
  let results = (outs Tessera_ArithTensor:$output);
  let assemblyFormat = [{
    $lhs `,` $rhs (`fmod` $fmod^)? attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Tessera_CmpOp : Tessera_InferredOp<"cmp"> {
  let summary = "Elementwise comparison with NumPy broadcasting, giving i1";
  let description = [{
    Compares `lhs` and `rhs` elementwise with the predicate (`eq`, `ne`,
    `lt`, `le`, `gt`, `ge`; ordered for floats: NaN compares false except
    under `ne`). Shapes broadcast as for `tessera.add`.

    ```mlir
    %m = tessera.cmp eq, %mask, %zero : (tensor<?x?xi64>, tensor<i64>) -> tensor<?x?xi1>
    ```
  }];
  let arguments = (ins Tessera_CmpPredicate:$predicate,
                       Tessera_ArithTensor:$lhs, Tessera_ArithTensor:$rhs);
  let results = (outs Tessera_BoolTensor:$output);
  let assemblyFormat = [{
    $predicate `,` $lhs `,` $rhs attr-dict `:` functional-type(operands, results)
  }];
  let hasFolder = 1;
}

def Tessera_WhereOp : Tessera_InferredOp<"where"> {
  let summary = "Elementwise select with NumPy broadcasting of all three operands";
  let description = [{
    `output[i] = condition[i] ? true_value[i] : false_value[i]`, with the
    three shapes broadcast together. Masked fills in exported attention are
    written this way.

    ```mlir
    %s = tessera.where %causal, %scores, %neg_inf : (tensor<1x1x?x?xi1>, tensor<?x12x?x?xf32>, tensor<f32>) -> tensor<?x12x?x?xf32>
    ```
  }];
  let arguments = (ins Tessera_BoolTensor:$condition, Tessera_Tensor:$true_value,
                       Tessera_Tensor:$false_value);
  let results = (outs Tessera_Tensor:$output);
  let assemblyFormat = [{
    $condition `,` $true_value `,` $false_value attr-dict `:` functional-type(operands, results)
  }];
  let hasFolder = 1;
}

//===----------------------------------------------------------------------===//
// Elementwise unary ops
//===----------------------------------------------------------------------===//

class Tessera_UnaryOp<string mnemonic, string expr,
                      Type operandType = Tessera_FloatTensor>
    : Tessera_Op<mnemonic, [Pure, SameOperandsAndResultType]> {
  let summary = "Elementwise `" # expr # "`";
  let description = [{
    Computes `}] # expr # [{` for every element; the result has the operand's
    type.

    ```mlir
    %y = tessera.}] # mnemonic # [{ %x : tensor<?x?x768xf32>
    ```
  }];
  let arguments = (ins operandType:$input);
  let results = (outs operandType:$output);
  let assemblyFormat = "$input attr-dict `:` type($input)";
  let hasFolder = 1;
}

def Tessera_SqrtOp : Tessera_UnaryOp<"sqrt", "sqrt(x)">;
def Tessera_RsqrtOp : Tessera_UnaryOp<"rsqrt", "1 / sqrt(x)">;
def Tessera_ExpOp : Tessera_UnaryOp<"exp", "exp(x)">;
def Tessera_ErfOp : Tessera_UnaryOp<"erf", "erf(x)">;
def Tessera_TanhOp : Tessera_UnaryOp<"tanh", "tanh(x)">;
def Tessera_SigmoidOp : Tessera_UnaryOp<"sigmoid", "1 / (1 + exp(-x))">;
def Tessera_NegOp : Tessera_UnaryOp<"neg", "-x", Tessera_NumericTensor>;
def Tessera_ReciprocalOp : Tessera_UnaryOp<"reciprocal", "1 / x">;
def Tessera_LogOp : Tessera_UnaryOp<"log", "log(x)">;
def Tessera_AbsOp : Tessera_UnaryOp<"abs", "|x|", Tessera_NumericTensor>;

def Tessera_CastOp : Tessera_Op<"cast", [Pure, SameOperandsAndResultShape]> {
  let summary = "Elementwise conversion to another element type";
  let description = [{
    Converts each element as ONNX `Cast` does: float to float rounds to
    nearest even, float to integer truncates toward zero, to `i1` tests
    against zero; `i1` and unsigned integers widen with zeros, signed ones
    with their sign. A cast to the same type folds away; so does a cast of a
    constant.

    ```mlir
    %h = tessera.cast %x : tensor<?x768xf32> -> tensor<?x768xf16>
    ```
  }];
  let arguments = (ins Tessera_Tensor:$input);
  let results = (outs Tessera_Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
  let hasFolder = 1;
}

//===----------------------------------------------------------------------===//
// matmul
//===----------------------------------------------------------------------===//

def Tessera_MatmulOp : Tessera_InferredOp<"matmul"> {
  let summary = "Batched matrix product with broadcast batch dimensions";
  let description = [{
    `output[..., m, n] = sum_k lhs[..., m, k] * rhs[..., k, n]`. Both
    operands have rank 2 or more and the same element type; the leading
    (batch) dimensions broadcast as in NumPy, so a rank-2 weight applies to
    every batch. ONNX `MatMul` with 1-D operands is imported with a reshape.

    ```mlir
    %h = tessera.matmul %x, %w : (tensor<?x?x768xf32>, tensor<768x3072xf32>) -> tensor<?x?x3072xf32>
    ```
  }];
  let arguments = (ins Tessera_NumericTensor:$lhs, Tessera_NumericTensor:$rhs);
  let results = (outs Tessera_NumericTensor:$output);
  let assemblyFormat = [{
    $lhs `,` $rhs attr-dict `:` functional-type(operands, results)
  }];
}

#endif // TESSERA_IR_TESSERAMATHOPS_TD
