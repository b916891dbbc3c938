//===- TesseraReductionOps.td - reductions and softmax --------------------===//

#ifndef TESSERA_IR_TESSERAREDUCTIONOPS_TD
#define TESSERA_IR_TESSERAREDUCTIONOPS_TD

include "TesseraDialect.td"

class Tessera_ReduceOp<string mnemonic, string what>
    : Tessera_InferredOp<mnemonic> {
  let summary = "The " # what # " over the given axes";
  let description = [{
    Reduces `input` over `axes` (non-negative, ascending, unique) to their
    }] # what # [{. With `keep_dims` the reduced dimensions stay, with size 1;
    without it they are dropped. Reducing no axis, or only axes of size 1
    with `keep_dims`, folds to the input.

    ```mlir
    %mu = tessera.}] # mnemonic # [{ %x [2] keep_dims : tensor<?x?x768xf32> -> tensor<?x?x1xf32>
    ```
  }];
  let arguments = (ins Tessera_NumericTensor:$input, DenseI64ArrayAttr:$axes,
                       UnitAttr:$keep_dims);
  let results = (outs Tessera_NumericTensor:$output);
  let assemblyFormat = [{
    $input $axes (`keep_dims` $keep_dims^)? attr-dict `:` type($input) `->` type($output)
  }];
  let hasFolder = 1;
}

def Tessera_ReduceSumOp : Tessera_ReduceOp<"reduce_sum", "sum">;
def Tessera_ReduceMeanOp : Tessera_ReduceOp<"reduce_mean", "mean">;
def Tessera_ReduceMaxOp : Tessera_ReduceOp<"reduce_max", "maximum">;

def Tessera_SoftmaxOp : Tessera_Op<"softmax",
    [Pure, SameOperandsAndResultType]> {
  let summary = "Softmax along one axis";
  let description = [{
    `exp(x - max(x)) / sum(exp(x - max(x)))` along `axis` (non-negative).
    Every softmax over attention scores is a candidate for attention fusion.

    ```mlir
    %p = tessera.softmax %scores axis 3 : tensor<?x12x?x?xf32>
    ```
  }];
  let arguments = (ins Tessera_FloatTensor:$input, I64Attr:$axis);
  let results = (outs Tessera_FloatTensor:$output);
  let assemblyFormat = "$input `axis` $axis attr-dict `:` type($input)";
  let hasVerifier = 1;
}

def Tessera_CumSumOp : Tessera_Op<"cumsum", [Pure, SameOperandsAndResultType]> {
  let summary = "Running sum along one axis";
  let description = [{
    As ONNX `CumSum`: `output[..., i, ...] = sum of input[..., j, ...]` for
    `j <= i` (`j < i` with `exclusive`; from the other end with `reverse`).
    Exporters build position ids from a padding mask this way.

    ```mlir
    %pos = tessera.cumsum %mask axis 1 : tensor<?x?xi64>
    ```
  }];
  let arguments = (ins Tessera_NumericTensor:$input, I64Attr:$axis,
                       UnitAttr:$exclusive, UnitAttr:$reverse);
  let results = (outs Tessera_NumericTensor:$output);
  let assemblyFormat = [{
    $input `axis` $axis (`exclusive` $exclusive^)? (`reverse` $reverse^)?
    attr-dict `:` type($input)
  }];
  let hasVerifier = 1;
}

#endif // TESSERA_IR_TESSERAREDUCTIONOPS_TD
