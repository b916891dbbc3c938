//===- TesseraFusedOps.td - fused transformer ops -------------------------===//
//
// Each op here stands for a whole sub-graph of primitives. Its operands and
// attributes say everything the kernel needs (scale, causal flag, head
// grouping, epsilon, approximation...), so that code generation never has to
// look back at the pattern that produced it.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_IR_TESSERAFUSEDOPS_TD
#define TESSERA_IR_TESSERAFUSEDOPS_TD

include "TesseraDialect.td"

def Tessera_AttentionOp : Tessera_InferredOp<"attention",
    [AttrSizedOperandSegments]> {
  let summary = "Scaled dot-product attention, with grouped KV heads and a KV cache";
  let description = [{
    For each batch `b` and query head `h`, with `g = Hq / Hkv` query heads
    per key/value head and `kv = h / g`:

    ```
    K' = concat(past_key, key)      V' = concat(past_value, value)   (axis 2)
    s  = scale * Q[b,h] K'[b,kv]^T             (scale defaults to 1/sqrt(D))
    s  = softcap * tanh(s / softcap)           (when softcap is set)
    s  = s + mask
    s[i, j] = -inf where causal and j > i + (Skv' - Sq)
    output[b,h] = softmax(s) V'[b,kv]
    ```

    Layouts are `[batch, heads, seq, head_dim]`: query `[B, Hq, Sq, D]`,
    key `[B, Hkv, Skv, D]`, value `[B, Hkv, Skv, Dv]`, output
    `[B, Hq, Sq, Dv]`. `Hq` is a multiple of `Hkv` (1 for multi-query).
    The mask is additive (float) or boolean (`i1`, true = attend) and
    broadcasts to `[B, Hq, Sq, Skv']`. A query row in which every key is
    masked (every score -inf) gives zeros, not NaN, as ONNX's Attention
    specifies. With `past_key`/`past_value`
    (`[B, Hkv, Sp, D]`) the op also returns `present`: the concatenated
    key and value caches `K'` and `V'`, in that order.

    ```mlir
    %o = tessera.attention %q, %k, %v mask %m scale 1.250000e-01 causal
        : (tensor<?x12x?x64xf32>, tensor<?x12x?x64xf32>, tensor<?x12x?x64xf32>, tensor<?x1x1x?xf32>) -> tensor<?x12x?x64xf32>
    %o2, %pk, %pv = tessera.attention %q, %k, %v past(%past_k, %past_v) causal
        : (tensor<1x8x1x64xf32>, tensor<1x4x1x64xf32>, tensor<1x4x1x64xf32>, tensor<1x4x?x64xf32>, tensor<1x4x?x64xf32>)
        -> (tensor<1x8x1x64xf32>, tensor<1x4x?x64xf32>, tensor<1x4x?x64xf32>)
    ```
  }];
  let arguments = (ins Tessera_FloatTensor:$query, Tessera_FloatTensor:$key,
                       Tessera_FloatTensor:$value,
                       Optional<Tessera_MaskTensor>:$mask,
                       Optional<Tessera_FloatTensor>:$past_key,
                       Optional<Tessera_FloatTensor>:$past_value,
                       OptionalAttr<F32Attr>:$scale, UnitAttr:$causal,
                       OptionalAttr<F32Attr>:$softcap);
  let results = (outs Tessera_FloatTensor:$output,
                      Variadic<Tessera_FloatTensor>:$present);
  let assemblyFormat = [{
    $query `,` $key `,` $value (`mask` $mask^)?
    (`past` `(` $past_key^ `,` $past_value `)`)?
    (`scale` $scale^)? (`causal` $causal^)? (`softcap` $softcap^)?
    attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

// `biasGroup` is the assembly of the optional bias operand, empty for ops
// without one.
class Tessera_NormOp<string mnemonic, string biasGroup,
                     list<Trait> traits = []>
    : Tessera_InferredOp<mnemonic, traits> {
  let results = (outs Tessera_FloatTensor:$output,
                      Optional<Tessera_FloatTensor>:$residual_output);
  let assemblyFormat = [{
    $input `scale` $scale }] # biasGroup # [{ (`residual` $residual^)?
    `axis` $axis `epsilon` $epsilon attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Tessera_LayerNormOp : Tessera_NormOp<"layer_norm", "(`bias` $bias^)?",
    [AttrSizedOperandSegments]> {
  let summary = "Layer normalization over the trailing dimensions, with optional residual add";
  let description = [{
    With `x = input + residual` (or `input` alone), normalizes over the
    dimensions `[axis, rank)`:

    ```
    output = (x - mean(x)) / sqrt(var(x) + epsilon) * scale + bias
    ```

    `scale` and `bias` have the normalized shape `input.shape[axis:]`. When
    `residual` is given the op also returns `residual_output`, the sum `x`
    that the next residual connection uses.

    ```mlir
    %y = tessera.layer_norm %x scale %g bias %b axis 2 epsilon 9.99999974E-6
        : (tensor<?x?x768xf32>, tensor<768xf32>, tensor<768xf32>) -> tensor<?x?x768xf32>
    %y2, %sum = tessera.layer_norm %attn scale %g bias %b residual %x axis 2 epsilon 9.99999974E-6
        : (tensor<?x?x768xf32>, tensor<768xf32>, tensor<768xf32>, tensor<?x?x768xf32>) -> (tensor<?x?x768xf32>, tensor<?x?x768xf32>)
    ```
  }];
  let arguments = (ins Tessera_FloatTensor:$input, Tessera_FloatTensor:$scale,
                       Optional<Tessera_FloatTensor>:$bias,
                       Optional<Tessera_FloatTensor>:$residual,
                       I64Attr:$axis, F32Attr:$epsilon);
}

def Tessera_RMSNormOp : Tessera_NormOp<"rms_norm", ""> {
  let summary = "RMS normalization over the trailing dimensions, with optional residual add";
  let description = [{
    With `x = input + residual` (or `input` alone), over the dimensions
    `[axis, rank)`:

    ```
    output = x / sqrt(mean(x * x) + epsilon) * scale
    ```

    `scale` has the normalized shape `input.shape[axis:]`. When `residual`
    is given the op also returns `residual_output`, the sum `x`. Llama and
    T5 use this form.

    ```mlir
    %y = tessera.rms_norm %x scale %g axis 2 epsilon 9.99999974E-6
        : (tensor<?x?x64xf32>, tensor<64xf32>) -> tensor<?x?x64xf32>
    ```
  }];
  let arguments = (ins Tessera_FloatTensor:$input, Tessera_FloatTensor:$scale,
                       Optional<Tessera_FloatTensor>:$residual,
                       I64Attr:$axis, F32Attr:$epsilon);
}

def Tessera_GeluOp : Tessera_InferredOp<"gelu"> {
  let summary = "GELU activation, exact (erf) or tanh-approximated, with optional bias";
  let description = [{
    With `x = input + bias` (bias broadcast over the last dimension):

    ```
    none: output = x / 2 * (1 + erf(x / sqrt(2)))
    tanh: output = x / 2 * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 * x^3)))
    ```

    ```mlir
    %a = tessera.gelu %h bias %b approximate tanh : (tensor<?x?x3072xf32>, tensor<3072xf32>) -> tensor<?x?x3072xf32>
    ```
  }];
  let arguments = (ins Tessera_FloatTensor:$input,
                       Optional<Tessera_FloatTensor>:$bias,
                       Tessera_GeluApproximation:$approximate);
  let results = (outs Tessera_FloatTensor:$output);
  let assemblyFormat = [{
    $input (`bias` $bias^)? `approximate` $approximate attr-dict `:` functional-type(operands, results)
  }];
}

def Tessera_RotaryEmbeddingOp : Tessera_InferredOp<"rotary_embedding"> {
  let summary = "Rotary position embedding (RoPE) of query or key heads";
  let description = [{
    Rotates the first `rotary_dim` (default: all) channels of each head of
    `input` (`[B, H, S, D]`) by position-dependent angles; the rest pass
    through. With `half = rotary_dim / 2` and `c`, `s` the cosine and sine
    for the token's position:

    ```
    rotate-half: out[i] = x[i] c[i] - x[i+half] s[i],  out[i+half] = x[i+half] c[i] + x[i] s[i]
    interleaved: out[2i] = x[2i] c[i] - x[2i+1] s[i],  out[2i+1] = x[2i+1] c[i] + x[2i] s[i]
    ```

    Without `positions`, `cos`/`sin` are `[S, half]` (row `p` for position
    `p`) or `[B, S, half]` (per sequence). With `positions` (`[B, S]`
    integers) they are caches `[max_positions, half]` indexed by it.

    ```mlir
    %qr = tessera.rotary_embedding %q, %cos, %sin positions %pos
        : (tensor<?x8x?x64xf32>, tensor<2048x32xf32>, tensor<2048x32xf32>, tensor<?x?xi64>) -> tensor<?x8x?x64xf32>
    ```
  }];
  let arguments = (ins Tessera_FloatTensor:$input, Tessera_FloatTensor:$cos,
                       Tessera_FloatTensor:$sin,
                       Optional<Tessera_IndexTensor>:$positions,
                       UnitAttr:$interleaved, OptionalAttr<I64Attr>:$rotary_dim);
  let results = (outs Tessera_FloatTensor:$output);
  let assemblyFormat = [{
    $input `,` $cos `,` $sin (`positions` $positions^)? (`interleaved` $interleaved^)?
    (`rotary_dim` $rotary_dim^)? attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Tessera_EmbeddingOp : Tessera_InferredOp<"embedding"> {
  let summary = "Token embedding lookup: rows of a [vocab, dim] table";
  let description = [{
    `output[..., :] = table[ids[...], :]`; the result shape is
    `ids.shape ++ [dim]`. Ids outside `[0, vocab)` are an error at run time.

    ```mlir
    %e = tessera.embedding %wte[%ids] : (tensor<50257x768xf32>, tensor<?x?xi64>) -> tensor<?x?x768xf32>
    ```
  }];
  let arguments = (ins Tessera_FloatTensor:$table, Tessera_IndexTensor:$ids);
  let results = (outs Tessera_FloatTensor:$output);
  let assemblyFormat = [{
    $table `[` $ids `]` attr-dict `:` functional-type(operands, results)
  }];
}

def Tessera_FusedMatmulOp : Tessera_InferredOp<"fused_matmul",
    [AttrSizedOperandSegments]> {
  let summary = "Matmul with a bias, activation and residual epilogue";
  let description = [{
    `output = activation(lhs @ rhs + bias) + residual`, with `matmul`'s
    broadcasting rules for `lhs @ rhs`, `bias` broadcast over the last
    dimension, and `residual` of the result's shape. Every part of the
    epilogue is optional; `activation` defaults to `none`.

    ```mlir
    %h = tessera.fused_matmul %x, %w bias %b activation gelu_tanh
        : (tensor<?x?x768xf32>, tensor<768x3072xf32>, tensor<3072xf32>) -> tensor<?x?x3072xf32>
    %o = tessera.fused_matmul %a, %wo bias %bo residual %x
        : (tensor<?x?x768xf32>, tensor<768x768xf32>, tensor<768xf32>, tensor<?x?x768xf32>) -> tensor<?x?x768xf32>
    ```
  }];
  let arguments = (ins Tessera_FloatTensor:$lhs, Tessera_FloatTensor:$rhs,
                       Optional<Tessera_FloatTensor>:$bias,
                       Optional<Tessera_FloatTensor>:$residual,
                       DefaultValuedAttr<Tessera_Activation, "::tessera::Activation::none">:$activation);
  let results = (outs Tessera_FloatTensor:$output);
  let assemblyFormat = [{
    $lhs `,` $rhs (`bias` $bias^)? (`residual` $residual^)? (`activation` $activation^)?
    attr-dict `:` functional-type(operands, results)
  }];
}

#endif // TESSERA_IR_TESSERAFUSEDOPS_TD
