//===- Passes.td - Tessera graph passes ------------------------------------===//

#ifndef TESSERA_PASSES_PASSES_TD
#define TESSERA_PASSES_PASSES_TD

include "mlir/Pass/PassBase.td"

def InferShapes : Pass<"tessera-infer-shapes", "mlir::ModuleOp"> {
  let summary = "Refine result types to what the ops infer from their operands";
  let description = [{
    Every tessera op infers its result types. An importer (or a hand-written
    test) may declare a result less static than that, e.g. when an ONNX file
    carries no shape for an intermediate value. This pass walks each function
    in order and replaces such result types with the inferred ones, so that
    later passes and code generation see every static dimension there is.
    When a refined value is returned, the function's signature is refined too;
    values returned by a function that is called from elsewhere keep their
    types, since the call sites would no longer match.

    Before:
    ```mlir
    func.func @f(%x: tensor<2x8xf32>, %w: tensor<8x4xf32>) -> tensor<?x?xf32> {
      %y = tessera.matmul %x, %w : (tensor<2x8xf32>, tensor<8x4xf32>) -> tensor<?x?xf32>
      return %y : tensor<?x?xf32>
    }
    ```
    After:
    ```mlir
    func.func @f(%x: tensor<2x8xf32>, %w: tensor<8x4xf32>) -> tensor<2x4xf32> {
      %y = tessera.matmul %x, %w : (tensor<2x8xf32>, tensor<8x4xf32>) -> tensor<2x4xf32>
      return %y : tensor<2x4xf32>
    }
    ```
  }];
  let dependentDialects = ["::tessera::TesseraDialect"];
  let statistics = [
    Statistic<"numRefinedResults", "refined-results",
              "Number of op results whose type was refined">,
    Statistic<"numRefinedSignatures", "refined-signatures",
              "Number of function signatures refined">,
  ];
}

def FuseNorms : Pass<"tessera-fuse-norms", "mlir::func::FuncOp"> {
  let summary = "Fuse LayerNorm and RMSNorm sub-graphs into tessera.layer_norm / rms_norm";
  let description = [{
    Every `tessera.reduce_mean` is a candidate. A mean over the trailing
    dimensions that is subtracted from its input, whose square is averaged,
    offset by a constant epsilon and divided out (by `sqrt`, `rsqrt` or
    `1 / sqrt`), then optionally scaled by γ and shifted by β, is a
    LayerNorm; so is the moments form `mean(x·x) − mean(x)²` of ONNX's
    LayerNormalization body. A mean of `x²` used the same way on `x` is an
    RMSNorm. Operand order does not matter, and γ/β may carry leading 1s.
    Every full-size intermediate must be used only inside the norm; the
    statistics (mean, variance, standard deviation and its reciprocal) may
    also be used outside, and then stay for those users. A norm of a
    residual sum `a + r` (both of the norm's type) takes it in: the norm's
    residual form returns the sum too, for its other users. With
    `remarks`, each candidate gets a remark: fused, or the first predicate
    that failed (the sums, as `residual_add`, too).

    Before:
    ```mlir
    %m = tessera.reduce_mean %x [2] keep_dims : tensor<?x?x768xf32> -> tensor<?x?x1xf32>
    %d = tessera.sub %x, %m : (tensor<?x?x768xf32>, tensor<?x?x1xf32>) -> tensor<?x?x768xf32>
    %p = tessera.pow %d, %two : (tensor<?x?x768xf32>, tensor<f32>) -> tensor<?x?x768xf32>
    %v = tessera.reduce_mean %p [2] keep_dims : tensor<?x?x768xf32> -> tensor<?x?x1xf32>
    %e = tessera.add %v, %eps : (tensor<?x?x1xf32>, tensor<f32>) -> tensor<?x?x1xf32>
    %s = tessera.sqrt %e : tensor<?x?x1xf32>
    %n = tessera.div %d, %s : (tensor<?x?x768xf32>, tensor<?x?x1xf32>) -> tensor<?x?x768xf32>
    %g = tessera.mul %n, %gamma : (tensor<?x?x768xf32>, tensor<768xf32>) -> tensor<?x?x768xf32>
    %y = tessera.add %g, %beta : (tensor<?x?x768xf32>, tensor<768xf32>) -> tensor<?x?x768xf32>
    ```
    After:
    ```mlir
    %y = tessera.layer_norm %x scale %gamma bias %beta axis 2 epsilon 9.99999974E-6
        : (tensor<?x?x768xf32>, tensor<768xf32>, tensor<768xf32>) -> tensor<?x?x768xf32>
    ```
    With `%x = tessera.add %a, %r` used after the norm too, after:
    ```mlir
    %y, %x = tessera.layer_norm %a scale %gamma bias %beta residual %r axis 2 epsilon 9.99999974E-6
        : (tensor<?x?x768xf32>, tensor<768xf32>, tensor<768xf32>, tensor<?x?x768xf32>)
        -> (tensor<?x?x768xf32>, tensor<?x?x768xf32>)
    ```
  }];
  let dependentDialects = ["::tessera::TesseraDialect"];
  let options = [
    Option<"remarks", "remarks", "bool", /*default=*/"false",
           "Emit a remark per candidate: fused, or why not">,
  ];
  let statistics = [
    Statistic<"numCandidates", "candidates", "Mean reductions examined">,
    Statistic<"numFused", "fused", "Norms fused">,
    Statistic<"numResidual", "residuals",
              "Residual Adds taken into a norm's residual form">,
  ];
}

def FuseGelu : Pass<"tessera-fuse-gelu", "mlir::func::FuncOp"> {
  let summary = "Fuse erf and tanh GELU sub-graphs (with a bias Add) into tessera.gelu";
  let description = [{
    Every `tessera.tanh` and `tessera.erf` is a candidate. The argument is
    expanded as a polynomial in `x` and must be `√(2/π)(x + 0.044715x³)`
    (tanh) or `x/√2` (erf), however the exporter wrote it; the result must
    be used in `0.5 · x · (1 + t)`, in any order or association. A bias
    Add that produces `x` only for this GELU becomes the op's bias. With
    `remarks`, each candidate gets a remark: fused, or the first predicate
    that failed.

    Before:
    ```mlir
    %h = tessera.mul %x, %half : (tensor<?x3072xf32>, tensor<f32>) -> tensor<?x3072xf32>
    %d = tessera.mul %x, %inv_sqrt2 : (tensor<?x3072xf32>, tensor<f32>) -> tensor<?x3072xf32>
    %e = tessera.erf %d : tensor<?x3072xf32>
    %o = tessera.add %e, %one : (tensor<?x3072xf32>, tensor<f32>) -> tensor<?x3072xf32>
    %y = tessera.mul %h, %o : (tensor<?x3072xf32>, tensor<?x3072xf32>) -> tensor<?x3072xf32>
    ```
    After:
    ```mlir
    %y = tessera.gelu %x approximate none : (tensor<?x3072xf32>) -> tensor<?x3072xf32>
    ```
  }];
  let dependentDialects = ["::tessera::TesseraDialect"];
  let options = [
    Option<"remarks", "remarks", "bool", /*default=*/"false",
           "Emit a remark per candidate: fused, or why not">,
  ];
  let statistics = [
    Statistic<"numCandidates", "candidates", "tanh and erf ops examined">,
    Statistic<"numFused", "fused", "GELUs fused">,
  ];
}

def FuseAttention : Pass<"tessera-fuse-attention", "mlir::func::FuncOp"> {
  let summary = "Fuse scaled dot-product attention sub-graphs into tessera.attention";
  let description = [{
    Every `tessera.softmax` is a candidate. Its input must come from
    `matmul(Q, Kᵀ)` through constant scaling, additive masks and masked
    fills (`where(m, s, -10000)` or GPT-2's `s·b − 10000·(1 − b)`, with
    fills of −10000, −inf or finfo.min normalized to a boolean mask), and
    its result must be multiplied by V. Constant factors on Q or Kᵀ count
    as scaling (ONNX's Attention body scales each by √scale), and the
    body's guard `where(max(mask) == -inf, 0, p)` on the probabilities is
    dropped: the op zeroes fully-masked rows itself. A bias
    `where(b, 0, -inf)` is the boolean mask `b`. Kᵀ's transpose is
    undone (the canonicalizer folds the two transposes). With `remarks`,
    each candidate gets a remark: fused, or the first predicate that
    failed.

    Before:
    ```mlir
    %kt = tessera.transpose %k [0, 1, 3, 2] : tensor<?x12x?x64xf32> -> tensor<?x12x64x?xf32>
    %s = tessera.matmul %q, %kt : (tensor<?x12x?x64xf32>, tensor<?x12x64x?xf32>) -> tensor<?x12x?x?xf32>
    %c = tessera.mul %s, %eighth : (tensor<?x12x?x?xf32>, tensor<f32>) -> tensor<?x12x?x?xf32>
    %m = tessera.add %c, %mask : (tensor<?x12x?x?xf32>, tensor<?x1x1x?xf32>) -> tensor<?x12x?x?xf32>
    %p = tessera.softmax %m axis 3 : tensor<?x12x?x?xf32>
    %o = tessera.matmul %p, %v : (tensor<?x12x?x?xf32>, tensor<?x12x?x64xf32>) -> tensor<?x12x?x64xf32>
    ```
    After:
    ```mlir
    %o = tessera.attention %q, %k, %v mask %mask scale 1.250000e-01
        : (tensor<?x12x?x64xf32>, tensor<?x12x?x64xf32>, tensor<?x12x?x64xf32>, tensor<?x1x1x?xf32>) -> tensor<?x12x?x64xf32>
    ```
  }];
  let dependentDialects = ["::tessera::TesseraDialect"];
  let options = [
    Option<"remarks", "remarks", "bool", /*default=*/"false",
           "Emit a remark per candidate: fused, or why not">,
  ];
  let statistics = [
    Statistic<"numCandidates", "candidates", "Softmax ops examined">,
    Statistic<"numFused", "fused", "Attentions fused">,
  ];
}

def FuseSwiGLU : Pass<"tessera-fuse-swiglu", "mlir::func::FuncOp"> {
  let summary = "Fuse SiLU into its gate matmul's epilogue; recognize SwiGLU";
  let description = [{
    Every `tessera.sigmoid` is a candidate. `g · sigmoid(g)` where `g` is a
    matmul (with an optional bias) becomes `tessera.fused_matmul` with a
    `silu` activation; when it then multiplies another matmul of the same
    input (Llama's MLP), the candidate is reported as a SwiGLU. With
    `remarks`, each candidate gets a remark: fused, or the first predicate
    that failed.

    Before:
    ```mlir
    %g = tessera.matmul %h, %wg : (tensor<?x?x64xf32>, tensor<64x172xf32>) -> tensor<?x?x172xf32>
    %s = tessera.sigmoid %g : tensor<?x?x172xf32>
    %a = tessera.mul %g, %s : (tensor<?x?x172xf32>, tensor<?x?x172xf32>) -> tensor<?x?x172xf32>
    %u = tessera.matmul %h, %wu : (tensor<?x?x64xf32>, tensor<64x172xf32>) -> tensor<?x?x172xf32>
    %y = tessera.mul %a, %u : (tensor<?x?x172xf32>, tensor<?x?x172xf32>) -> tensor<?x?x172xf32>
    ```
    After:
    ```mlir
    %a = tessera.fused_matmul %h, %wg activation silu : (tensor<?x?x64xf32>, tensor<64x172xf32>) -> tensor<?x?x172xf32>
    %u = tessera.matmul %h, %wu : (tensor<?x?x64xf32>, tensor<64x172xf32>) -> tensor<?x?x172xf32>
    %y = tessera.mul %a, %u : (tensor<?x?x172xf32>, tensor<?x?x172xf32>) -> tensor<?x?x172xf32>
    ```
  }];
  let dependentDialects = ["::tessera::TesseraDialect"];
  let options = [
    Option<"remarks", "remarks", "bool", /*default=*/"false",
           "Emit a remark per candidate: fused, or why not">,
  ];
  let statistics = [
    Statistic<"numCandidates", "candidates", "Sigmoid ops examined">,
    Statistic<"numFused", "fused", "SiLUs fused into matmul epilogues">,
  ];
}

def FuseRotary : Pass<"tessera-fuse-rotary", "mlir::func::FuncOp"> {
  let summary = "Fuse rotary embeddings into tessera.rotary_embedding";
  let description = [{
    Every concat along the last axis whose first part is a difference is a
    candidate: the pair `(re·cos − im·sin, re·sin + im·cos)` of a rotation,
    with `re`/`im` contiguous halves of `x` (rotate-half, concatenated),
    its even and odd elements (strided slices or llama2.c's reshape to
    `[..., half, 2]`, stacked and flattened: interleaved). A following
    concat with `x[..., rotary_dim:]` is a partial rotation's pass-through.
    `cos`/`sin` are `[S, half]` or `[B, S, half]` tables, or caches gathered
    by position ids, broadcast over the heads. With `remarks`, each
    candidate gets a remark: fused, or the first predicate that failed.

    After (for `x` laid out `[B, S, H, D]`):
    ```mlir
    %t = tessera.transpose %x [0, 2, 1, 3] : tensor<?x?x8x8xf32> -> tensor<?x8x?x8xf32>
    %r = tessera.rotary_embedding %t, %cos, %sin interleaved
        : (tensor<?x8x?x8xf32>, tensor<?x4xf32>, tensor<?x4xf32>) -> tensor<?x8x?x8xf32>
    %y = tessera.transpose %r [0, 2, 1, 3] : tensor<?x8x?x8xf32> -> tensor<?x?x8x8xf32>
    ```
  }];
  let dependentDialects = ["::tessera::TesseraDialect"];
  let options = [
    Option<"remarks", "remarks", "bool", /*default=*/"false",
           "Emit a remark per candidate: fused, or why not">,
  ];
  let statistics = [
    Statistic<"numCandidates", "candidates", "Pair stacks examined">,
    Statistic<"numFused", "fused", "Rotary embeddings fused">,
  ];
}

def FuseMatmulEpilogue : Pass<"tessera-fuse-matmul-epilogue", "mlir::func::FuncOp"> {
  let summary = "Fuse a bias and GELU into the matmul's epilogue (tessera.fused_matmul)";
  let description = [{
    Every `tessera.matmul` used once, by a `tessera.add` or a
    `tessera.gelu`, is a candidate. An addend that is a bias over the
    product's last dimension becomes the epilogue's bias; a GELU (with the
    bias the GELU pass gave it, if any) becomes its activation (`gelu` or
    `gelu_tanh`). Runs after the other fusion passes, so that the adds
    they take in (residual sums, attention masks) are gone. With `remarks`,
    each candidate gets a remark: fused, or the first predicate that
    failed.

    Before:
    ```mlir
    %p = tessera.matmul %x, %w : (tensor<?x?x768xf32>, tensor<768x3072xf32>) -> tensor<?x?x3072xf32>
    %a = tessera.gelu %p bias %b approximate tanh : (tensor<?x?x3072xf32>, tensor<3072xf32>) -> tensor<?x?x3072xf32>
    ```
    After:
    ```mlir
    %a = tessera.fused_matmul %x, %w bias %b activation gelu_tanh
        : (tensor<?x?x768xf32>, tensor<768x3072xf32>, tensor<3072xf32>) -> tensor<?x?x3072xf32>
    ```
  }];
  let dependentDialects = ["::tessera::TesseraDialect"];
  let options = [
    Option<"remarks", "remarks", "bool", /*default=*/"false",
           "Emit a remark per candidate: fused, or why not">,
  ];
  let statistics = [
    Statistic<"numCandidates", "candidates",
              "Matmuls used once by an add or a GELU">,
    Statistic<"numFused", "fused", "Epilogues fused">,
  ];
}

def FuseQKV : Pass<"tessera-fuse-qkv", "mlir::func::FuncOp"> {
  let summary = "Pack matmuls of one input with constant weights into one matmul";
  let description = [{
    Every value that is the left operand of two or more matmuls (or fused
    matmuls without a residual) with constant 2-D weights is a candidate,
    once per epilogue (activation, and whether there is a bias). Their
    weights (and constant biases) are concatenated along N at compile
    time into one `tessera.fused_matmul`, whose result is sliced back
    into the parts: BERT's and Llama's separate Q, K and V projections
    become one. Runs after the epilogue pass. With `remarks`, each
    candidate gets a remark (on its first matmul): fused, or the first
    predicate that failed.

    Before:
    ```mlir
    %q = tessera.fused_matmul %h, %wq bias %bq : (tensor<?x?x64xf32>, tensor<64x64xf32>, tensor<64xf32>) -> tensor<?x?x64xf32>
    %k = tessera.fused_matmul %h, %wk bias %bk : (tensor<?x?x64xf32>, tensor<64x64xf32>, tensor<64xf32>) -> tensor<?x?x64xf32>
    ```
    After:
    ```mlir
    %qk = tessera.fused_matmul %h, %wqk bias %bqk : (tensor<?x?x64xf32>, tensor<64x128xf32>, tensor<128xf32>) -> tensor<?x?x128xf32>
    %q = tessera.slice %qk starts [0, 0, 0] ends [9223372036854775807, 9223372036854775807, 64] steps [1, 1, 1] : tensor<?x?x128xf32> -> tensor<?x?x64xf32>
    %k = tessera.slice %qk starts [0, 0, 64] ends [9223372036854775807, 9223372036854775807, 128] steps [1, 1, 1] : tensor<?x?x128xf32> -> tensor<?x?x64xf32>
    ```
  }];
  let dependentDialects = ["::tessera::TesseraDialect"];
  let options = [
    Option<"remarks", "remarks", "bool", /*default=*/"false",
           "Emit a remark per candidate: fused, or why not">,
  ];
  let statistics = [
    Statistic<"numCandidates", "candidates",
              "Groups of matmuls sharing an input and an epilogue">,
    Statistic<"numPacked", "packed", "Matmuls packed into another">,
  ];
}

#endif // TESSERA_PASSES_PASSES_TD
