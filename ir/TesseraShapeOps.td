//===- TesseraShapeOps.td - data movement and shape ops -------------------===//

#ifndef TESSERA_IR_TESSERASHAPEOPS_TD
#define TESSERA_IR_TESSERASHAPEOPS_TD

include "TesseraDialect.td"

def Tessera_TransposeOp : Tessera_InferredOp<"transpose"> {
  let summary = "Permutes the dimensions of a tensor";
  let description = [{
    `output` dimension `i` is `input` dimension `permutation[i]`. The
    identity permutation folds away and a transpose of a transpose folds into
    one.

    ```mlir
    %t = tessera.transpose %q [0, 2, 1, 3] : tensor<?x?x12x64xf32> -> tensor<?x12x?x64xf32>
    ```
  }];
  let arguments = (ins Tessera_Tensor:$input, DenseI64ArrayAttr:$permutation);
  let results = (outs Tessera_Tensor:$output);
  let assemblyFormat = [{
    $input $permutation attr-dict `:` type($input) `->` type($output)
  }];
  let hasFolder = 1;
}

def Tessera_ReshapeOp : Tessera_Op<"reshape", [Pure]> {
  let summary = "Reinterprets a tensor with another shape, elements in row-major order";
  let description = [{
    The result type gives the new shape; each dynamic result dimension takes
    its size from one `index` operand, in order (the same convention as
    `tensor.empty`). With static shapes the element counts must match. A
    reshape to the input type folds away, a reshape of a reshape folds into
    one, and a reshape of a constant folds to a constant.

    ```mlir
    %b = tensor.dim %x, %c0 : tensor<?x?x768xf32>
    %s = tensor.dim %x, %c1 : tensor<?x?x768xf32>
    %h = tessera.reshape %x dims(%b, %s) : tensor<?x?x768xf32> -> tensor<?x?x12x64xf32>
    ```
  }];
  let arguments = (ins Tessera_Tensor:$input, Variadic<Index>:$dynamic_dims);
  let results = (outs Tessera_Tensor:$output);
  let assemblyFormat = [{
    $input (`dims` `(` $dynamic_dims^ `)`)? attr-dict `:` type($input) `->` type($output)
  }];
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Tessera_ExpandOp : Tessera_Op<"expand", [Pure]> {
  let summary = "Broadcasts a tensor to a larger shape (NumPy rules)";
  let description = [{
    Stretches dimensions of size 1 (and prepends leading dimensions) so that
    `input` takes the result's shape. Dynamic result dimensions take their
    size from `index` operands, in order. Grouped-query attention exports
    repeat key/value heads this way.

    ```mlir
    %k = tessera.expand %kv dims(%b, %s) : tensor<?x4x1x?x64xf32> -> tensor<?x4x2x?x64xf32>
    ```
  }];
  let arguments = (ins Tessera_Tensor:$input, Variadic<Index>:$dynamic_dims);
  let results = (outs Tessera_Tensor:$output);
  let assemblyFormat = [{
    $input (`dims` `(` $dynamic_dims^ `)`)? attr-dict `:` type($input) `->` type($output)
  }];
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Tessera_ConcatOp : Tessera_InferredOp<"concat"> {
  let summary = "Joins tensors along one axis";
  let description = [{
    All inputs have the same rank and element type and agree on every
    dimension but `axis`. A concat of one input folds to it. Past and
    present key/value caches are joined this way.

    ```mlir
    %k = tessera.concat %past_k, %k_new axis 2 : (tensor<1x12x?x64xf32>, tensor<1x12x1x64xf32>) -> tensor<1x12x?x64xf32>
    ```
  }];
  let arguments = (ins Variadic<Tessera_Tensor>:$inputs, I64Attr:$axis);
  let results = (outs Tessera_Tensor:$output);
  let assemblyFormat = [{
    $inputs `axis` $axis attr-dict `:` functional-type($inputs, results)
  }];
  let hasFolder = 1;
}

def Tessera_SliceOp : Tessera_InferredOp<"slice", [AttrSizedOperandSegments]> {
  let summary = "Strided slice with ONNX semantics, one start/end/step per dimension";
  let description = [{
    For every dimension `d`, takes the elements `starts[d]`, `starts[d] +
    steps[d]`, ... up to but excluding `ends[d]`. As in ONNX `Slice`, a
    negative start or end counts from the end of the dimension, bounds are
    clamped to the dimension, and a negative step walks backwards. A start
    or end known only at run time is an `index` operand (written in place,
    as in `tensor.extract_slice`). A slice that keeps every element folds
    away.

    ```mlir
    %first = tessera.slice %x starts [0, 0, 0] ends [9223372036854775807, 1, 9223372036854775807] steps [1, 1, 1] : tensor<?x?x768xf32> -> tensor<?x1x768xf32>
    %cos = tessera.slice %cache starts [0, 0] ends [%seq, 9223372036854775807] steps [1, 1] : tensor<2048x32xf32> -> tensor<?x32xf32>
    ```
  }];
  let arguments = (ins Tessera_Tensor:$input,
                       Variadic<Index>:$dynamic_starts,
                       Variadic<Index>:$dynamic_ends,
                       DenseI64ArrayAttr:$starts, DenseI64ArrayAttr:$ends,
                       DenseI64ArrayAttr:$steps);
  let results = (outs Tessera_Tensor:$output);
  let assemblyFormat = [{
    $input `starts` custom<DynamicIndexList>($dynamic_starts, $starts)
    `ends` custom<DynamicIndexList>($dynamic_ends, $ends)
    `steps` $steps attr-dict `:` type($input) `->` type($output)
  }];
  let hasFolder = 1;
}

def Tessera_GatherOp : Tessera_InferredOp<"gather"> {
  let summary = "Gathers slices of `input` along `axis` at the given indices";
  let description = [{
    As ONNX `Gather`: the result shape is `input.shape[:axis] ++
    indices.shape ++ input.shape[axis+1:]`. Negative indices count from the
    end of the axis.

    ```mlir
    %rows = tessera.gather %table[%ids] axis 0 : (tensor<50257x768xf32>, tensor<?x?xi64>) -> tensor<?x?x768xf32>
    ```
  }];
  let arguments = (ins Tessera_Tensor:$input, Tessera_IndexTensor:$indices,
                       I64Attr:$axis);
  let results = (outs Tessera_Tensor:$output);
  let assemblyFormat = [{
    $input `[` $indices `]` `axis` $axis attr-dict `:` functional-type(operands, results)
  }];
}

def Tessera_IotaOp : Tessera_Op<"iota", [Pure, AttrSizedOperandSegments]> {
  let summary = "A 1-D arithmetic sequence: start, start + step, ...";
  let description = [{
    `output[i] = offset + start + i * step`. The length is the result's
    static size, or an `index` operand when it is dynamic; `offset` is an
    optional run-time addend (0 when absent). ONNX `Range` with a constant
    step is imported as this (position ids, for instance; with a KV cache
    they start at the past length).

    ```mlir
    %pos = tessera.iota size %seq start 0 step 1 : tensor<?xi64>
    %next = tessera.iota size %seq offset %past start 0 step 1 : tensor<?xi64>
    ```
  }];
  let arguments = (ins Optional<Index>:$size, Optional<Index>:$offset,
                       I64Attr:$start, I64Attr:$step);
  let results = (outs 1DTensorOf<[AnyFloat, AnySignlessInteger]>:$output);
  let assemblyFormat = [{
    (`size` $size^)? (`offset` $offset^)? `start` $start `step` $step
    attr-dict `:` type($output)
  }];
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Tessera_TriluOp : Tessera_Op<"trilu", [Pure, SameOperandsAndResultType]> {
  let summary = "Keeps the lower or upper triangle of the last two dimensions";
  let description = [{
    As ONNX `Trilu`: `lower` keeps elements with `col - row <= diagonal`,
    `upper` those with `col - row >= diagonal`; the others become zero.
    Causal masks are built this way.

    ```mlir
    %causal = tessera.trilu lower %ones diagonal 0 : tensor<?x?xi1>
    ```
  }];
  let arguments = (ins Tessera_Tensor:$input, Tessera_TriluKind:$kind,
                       I64Attr:$diagonal);
  let results = (outs Tessera_Tensor:$output);
  let assemblyFormat = [{
    $kind $input `diagonal` $diagonal attr-dict `:` type($input)
  }];
  let hasVerifier = 1;
}

#endif // TESSERA_IR_TESSERASHAPEOPS_TD
