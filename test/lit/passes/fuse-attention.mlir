// RUN: tessera-opt %s -split-input-file --pass-pipeline='builtin.module(func.func(tessera-fuse-attention{remarks=true}))' -verify-diagnostics | FileCheck %s

// BERT: Q·Kᵀ / 8 + additive mask, softmax, ·V. Division was canonicalized
// to a multiplication by 1/8 before fusion.
// CHECK-LABEL: func.func @bert
// CHECK: %[[K:.*]] = tessera.transpose %arg1 [0, 1, 3, 2] : tensor<?x12x64x?xf32> -> tensor<?x12x?x64xf32>
// CHECK: %[[O:.*]] = tessera.attention %arg0, %[[K]], %arg2 mask %arg3 scale 1.250000e-01
// CHECK: return %[[O]]
func.func @bert(%q: tensor<?x12x?x64xf32>, %kt: tensor<?x12x64x?xf32>, %v: tensor<?x12x?x64xf32>, %mask: tensor<?x1x1x?xf32>) -> tensor<?x12x?x64xf32> {
  %c = tessera.constant dense<0.125> : tensor<f32>
  %s = tessera.matmul %q, %kt : (tensor<?x12x?x64xf32>, tensor<?x12x64x?xf32>) -> tensor<?x12x?x?xf32>
  %sc = tessera.mul %s, %c : (tensor<?x12x?x?xf32>, tensor<f32>) -> tensor<?x12x?x?xf32>
  %m = tessera.add %mask, %sc : (tensor<?x1x1x?xf32>, tensor<?x12x?x?xf32>) -> tensor<?x12x?x?xf32>
  // expected-remark @+1 {{fused as attention}}
  %p = tessera.softmax %m axis 3 : tensor<?x12x?x?xf32>
  %o = tessera.matmul %p, %v : (tensor<?x12x?x?xf32>, tensor<?x12x?x64xf32>) -> tensor<?x12x?x64xf32>
  return %o : tensor<?x12x?x64xf32>
}

// -----

// GPT-2 (PyTorch 1.4): w·b − 1e4·(1 − b) with b a 0/1 float buffer: a
// masked fill, normalized to a boolean mask.
// CHECK-LABEL: func.func @gpt2_masked_fill
// CHECK: %[[B:.*]] = tessera.cmp ne, %arg3, %{{.*}} : (tensor<1x1x4x4xf32>, tensor<f32>) -> tensor<1x1x4x4xi1>
// CHECK: tessera.attention %arg0, %{{.*}}, %arg2 mask %[[B]] scale 5.000000e-01
func.func @gpt2_masked_fill(%q: tensor<1x2x4x4xf32>, %kt: tensor<1x2x4x4xf32>, %v: tensor<1x2x4x4xf32>, %b: tensor<1x1x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %half = tessera.constant dense<0.5> : tensor<f32>
  %one = tessera.constant dense<1.0> : tensor<f32>
  %big = tessera.constant dense<1.0e4> : tensor<f32>
  %s = tessera.matmul %q, %kt : (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %w = tessera.mul %s, %half : (tensor<1x2x4x4xf32>, tensor<f32>) -> tensor<1x2x4x4xf32>
  %kept = tessera.mul %w, %b : (tensor<1x2x4x4xf32>, tensor<1x1x4x4xf32>) -> tensor<1x2x4x4xf32>
  %inv = tessera.sub %one, %b : (tensor<f32>, tensor<1x1x4x4xf32>) -> tensor<1x1x4x4xf32>
  %fill = tessera.mul %inv, %big : (tensor<1x1x4x4xf32>, tensor<f32>) -> tensor<1x1x4x4xf32>
  %masked = tessera.sub %kept, %fill : (tensor<1x2x4x4xf32>, tensor<1x1x4x4xf32>) -> tensor<1x2x4x4xf32>
  // expected-remark @+1 {{fused as attention}}
  %p = tessera.softmax %masked axis 3 : tensor<1x2x4x4xf32>
  %o = tessera.matmul %p, %v : (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  return %o : tensor<1x2x4x4xf32>
}

// -----

// T5: no scaling at all (scale 1), the position bias as the additive mask.
// CHECK-LABEL: func.func @t5_unscaled
// CHECK: tessera.attention %arg0, %{{.*}}, %arg2 mask %arg3 scale 1.000000e+00
func.func @t5_unscaled(%q: tensor<2x8x5x8xf32>, %kt: tensor<2x8x8x7xf32>, %v: tensor<2x8x7x8xf32>, %bias: tensor<1x8x5x7xf32>) -> tensor<2x8x5x8xf32> {
  %s = tessera.matmul %q, %kt : (tensor<2x8x5x8xf32>, tensor<2x8x8x7xf32>) -> tensor<2x8x5x7xf32>
  %m = tessera.add %s, %bias : (tensor<2x8x5x7xf32>, tensor<1x8x5x7xf32>) -> tensor<2x8x5x7xf32>
  // expected-remark @+1 {{fused as attention}}
  %p = tessera.softmax %m axis 3 : tensor<2x8x5x7xf32>
  %o = tessera.matmul %p, %v : (tensor<2x8x5x7xf32>, tensor<2x8x7x8xf32>) -> tensor<2x8x5x8xf32>
  return %o : tensor<2x8x5x8xf32>
}

// -----

// A fill that is not a masking constant (0) is not a mask.
// CHECK-LABEL: func.func @fill_not_a_mask
// CHECK-NOT: tessera.attention
func.func @fill_not_a_mask(%q: tensor<1x2x4x4xf32>, %kt: tensor<1x2x4x4xf32>, %v: tensor<1x2x4x4xf32>, %c: tensor<1x1x4x4xi1>) -> tensor<1x2x4x4xf32> {
  %zero = tessera.constant dense<0.0> : tensor<f32>
  %s = tessera.matmul %q, %kt : (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %m = tessera.where %c, %s, %zero : (tensor<1x1x4x4xi1>, tensor<1x2x4x4xf32>, tensor<f32>) -> tensor<1x2x4x4xf32>
  // expected-remark @+1 {{not fused as attention: a where on the scores does not fill with -10000, -inf or finfo.min}}
  %p = tessera.softmax %m axis 3 : tensor<1x2x4x4xf32>
  %o = tessera.matmul %p, %v : (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  return %o : tensor<1x2x4x4xf32>
}

// -----

// A scale that is not a constant.
// CHECK-LABEL: func.func @scale_not_constant
// CHECK-NOT: tessera.attention
func.func @scale_not_constant(%q: tensor<1x2x4x4xf32>, %kt: tensor<1x2x4x4xf32>, %v: tensor<1x2x4x4xf32>, %t: tensor<f32>) -> tensor<1x2x4x4xf32> {
  %s = tessera.matmul %q, %kt : (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %sc = tessera.mul %s, %t : (tensor<1x2x4x4xf32>, tensor<f32>) -> tensor<1x2x4x4xf32>
  // expected-remark @+1 {{not fused as attention: the scores are multiplied by something not constant}}
  %p = tessera.softmax %sc axis 3 : tensor<1x2x4x4xf32>
  %o = tessera.matmul %p, %v : (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  return %o : tensor<1x2x4x4xf32>
}

// -----

// The probabilities are also returned (attention weights as an output):
// an intermediate with a second consumer.
// CHECK-LABEL: func.func @probabilities_escape
// CHECK-NOT: tessera.attention
func.func @probabilities_escape(%q: tensor<1x2x4x4xf32>, %kt: tensor<1x2x4x4xf32>, %v: tensor<1x2x4x4xf32>) -> (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) {
  %s = tessera.matmul %q, %kt : (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  // expected-remark @+1 {{not fused as attention: the probabilities are not used once, multiplied by V (also returned, e.g. ONNX Attention's qk_matmul_output mode 3: tessera.attention does not return them)}}
  %p = tessera.softmax %s axis 3 : tensor<1x2x4x4xf32>
  %o = tessera.matmul %p, %v : (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  return %o, %p : tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>
}

// -----

// A softmax over another axis (a classifier, say) is not attention.
// CHECK-LABEL: func.func @classifier
// CHECK: tessera.softmax
func.func @classifier(%x: tensor<2x3x4x5xf32>) -> tensor<2x3x4x5xf32> {
  // expected-remark @+1 {{not fused as attention: the softmax is not over the last axis of 4-D scores}}
  %p = tessera.softmax %x axis 1 : tensor<2x3x4x5xf32>
  return %p : tensor<2x3x4x5xf32>
}

// -----

// A mask cut from a constant causal table (0 on and below the diagonal,
// -inf above), rows and columns [0, S): the causal flag, no mask.
// CHECK-LABEL: func.func @causal_table
// CHECK: tessera.attention %arg0, %{{.*}}, %arg2 scale 1.000000e+00 causal :
// CHECK-NOT: mask
func.func @causal_table(%q: tensor<1x2x?x4xf32>, %kt: tensor<1x2x4x?xf32>, %v: tensor<1x2x?x4xf32>, %n: index) -> tensor<1x2x?x4xf32> {
  %table = tessera.constant dense<[[[[0.0, 0xFF800000, 0xFF800000], [0.0, 0.0, 0xFF800000], [0.0, 0.0, 0.0]]]]> : tensor<1x1x3x3xf32>
  %rows = tessera.slice %table starts [0, 0, 0, 0] ends [9223372036854775807, 9223372036854775807, %n, 9223372036854775807] steps [1, 1, 1, 1] : tensor<1x1x3x3xf32> -> tensor<1x1x?x3xf32>
  %mask = tessera.slice %rows starts [0, 0, 0, 0] ends [9223372036854775807, 9223372036854775807, 9223372036854775807, %n] steps [1, 1, 1, 1] : tensor<1x1x?x3xf32> -> tensor<1x1x?x?xf32>
  %s = tessera.matmul %q, %kt : (tensor<1x2x?x4xf32>, tensor<1x2x4x?xf32>) -> tensor<1x2x?x?xf32>
  %m = tessera.add %s, %mask : (tensor<1x2x?x?xf32>, tensor<1x1x?x?xf32>) -> tensor<1x2x?x?xf32>
  // expected-remark @+1 {{fused as attention}}
  %p = tessera.softmax %m axis 3 : tensor<1x2x?x?xf32>
  %o = tessera.matmul %p, %v : (tensor<1x2x?x?xf32>, tensor<1x2x?x4xf32>) -> tensor<1x2x?x4xf32>
  return %o : tensor<1x2x?x4xf32>
}

// -----

// The same slices of a table that is not causal stay a mask.
// CHECK-LABEL: func.func @not_causal_table
// CHECK: tessera.attention %arg0, %{{.*}}, %arg2 mask %{{.*}} scale 1.000000e+00 :
func.func @not_causal_table(%q: tensor<1x2x?x4xf32>, %kt: tensor<1x2x4x?xf32>, %v: tensor<1x2x?x4xf32>, %n: index) -> tensor<1x2x?x4xf32> {
  %table = tessera.constant dense<[[[[0.0, 0.0, 0xFF800000], [0.0, 0.0, 0xFF800000], [0.0, 0.0, 0.0]]]]> : tensor<1x1x3x3xf32>
  %rows = tessera.slice %table starts [0, 0, 0, 0] ends [9223372036854775807, 9223372036854775807, %n, 9223372036854775807] steps [1, 1, 1, 1] : tensor<1x1x3x3xf32> -> tensor<1x1x?x3xf32>
  %mask = tessera.slice %rows starts [0, 0, 0, 0] ends [9223372036854775807, 9223372036854775807, 9223372036854775807, %n] steps [1, 1, 1, 1] : tensor<1x1x?x3xf32> -> tensor<1x1x?x?xf32>
  %s = tessera.matmul %q, %kt : (tensor<1x2x?x4xf32>, tensor<1x2x4x?xf32>) -> tensor<1x2x?x?xf32>
  %m = tessera.add %s, %mask : (tensor<1x2x?x?xf32>, tensor<1x1x?x?xf32>) -> tensor<1x2x?x?xf32>
  // expected-remark @+1 {{fused as attention}}
  %p = tessera.softmax %m axis 3 : tensor<1x2x?x?xf32>
  %o = tessera.matmul %p, %v : (tensor<1x2x?x?xf32>, tensor<1x2x?x4xf32>) -> tensor<1x2x?x4xf32>
  return %o : tensor<1x2x?x4xf32>
}

// -----

// repeat_kv (GQA), llama2.c layout: [B, S, Hkv, 1, D] expanded to rep = 2
// and merged into 4 heads, then transposed. The fused op reads the 2 KV
// heads directly.
// CHECK-LABEL: func.func @grouped_query
// CHECK-DAG: %[[K:.*]] = tessera.reshape %arg1 : tensor<1x5x2x1x8xf32> -> tensor<1x5x2x8xf32>
// CHECK-DAG: %[[KT:.*]] = tessera.transpose %[[K]] [0, 2, 1, 3] : tensor<1x5x2x8xf32> -> tensor<1x2x5x8xf32>
// CHECK: tessera.attention %arg0, %[[KT]], %{{.*}} scale 3.535530e-01 : (tensor<1x4x5x8xf32>, tensor<1x2x5x8xf32>, tensor<1x2x5x8xf32>) -> tensor<1x4x5x8xf32>
func.func @grouped_query(%q: tensor<1x4x5x8xf32>, %k1: tensor<1x5x2x1x8xf32>, %v1: tensor<1x5x2x1x8xf32>) -> tensor<1x4x5x8xf32> {
  %c = tessera.constant dense<0.353553> : tensor<f32>
  %ke = tessera.expand %k1 : tensor<1x5x2x1x8xf32> -> tensor<1x5x2x2x8xf32>
  %kr = tessera.reshape %ke : tensor<1x5x2x2x8xf32> -> tensor<1x5x4x8xf32>
  %kt = tessera.transpose %kr [0, 2, 3, 1] : tensor<1x5x4x8xf32> -> tensor<1x4x8x5xf32>
  %ve = tessera.expand %v1 : tensor<1x5x2x1x8xf32> -> tensor<1x5x2x2x8xf32>
  %vr = tessera.reshape %ve : tensor<1x5x2x2x8xf32> -> tensor<1x5x4x8xf32>
  %v = tessera.transpose %vr [0, 2, 1, 3] : tensor<1x5x4x8xf32> -> tensor<1x4x5x8xf32>
  %s = tessera.matmul %q, %kt : (tensor<1x4x5x8xf32>, tensor<1x4x8x5xf32>) -> tensor<1x4x5x5xf32>
  %sc = tessera.mul %s, %c : (tensor<1x4x5x5xf32>, tensor<f32>) -> tensor<1x4x5x5xf32>
  // expected-remark @+1 {{fused as attention}}
  %p = tessera.softmax %sc axis 3 : tensor<1x4x5x5xf32>
  %o = tessera.matmul %p, %v : (tensor<1x4x5x5xf32>, tensor<1x4x5x8xf32>) -> tensor<1x4x5x8xf32>
  return %o : tensor<1x4x5x8xf32>
}

// -----

// V broadcast from 2-D (matmul allows it): not the 4-D attention layout.
// CHECK-LABEL: func.func @v_not_4d
// CHECK-NOT: tessera.attention
func.func @v_not_4d(%q: tensor<1x2x4x4xf32>, %kt: tensor<1x2x4x4xf32>, %v: tensor<4x4xf32>) -> tensor<1x2x4x4xf32> {
  %s = tessera.matmul %q, %kt : (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  // expected-remark @+1 {{not fused as attention: Q, K^T and V are not all 4-D [batch, heads, sequence, head_dim]}}
  %p = tessera.softmax %s axis 3 : tensor<1x2x4x4xf32>
  %o = tessera.matmul %p, %v : (tensor<1x2x4x4xf32>, tensor<4x4xf32>) -> tensor<1x2x4x4xf32>
  return %o : tensor<1x2x4x4xf32>
}

// -----

// ONNX's Attention function body (the _expanded node tests): Q and Kᵀ each
// scaled by √scale before the product, and rows whose mask is all -inf
// zeroed after the softmax, which tessera.attention does by itself.
// CHECK-LABEL: func.func @onnx_attention_body
// CHECK: %[[K:.*]] = tessera.transpose %arg1 [0, 1, 3, 2]
// CHECK: %[[O:.*]] = tessera.attention %arg0, %[[K]], %arg2 mask %arg3 scale 0.353553355
// CHECK-NOT: tessera.where
// CHECK: return %[[O]]
func.func @onnx_attention_body(%q: tensor<2x3x4x8xf32>, %kt: tensor<2x3x8x6xf32>, %v: tensor<2x3x6x8xf32>, %mask: tensor<4x6xf32>) -> tensor<2x3x4x8xf32> {
  %zero = tessera.constant dense<0.0> : tensor<1xf32>
  %ninf = tessera.constant dense<0xFF800000> : tensor<1xf32>
  %c = tessera.constant dense<0.594603539> : tensor<1xf32>
  %qs = tessera.mul %q, %c : (tensor<2x3x4x8xf32>, tensor<1xf32>) -> tensor<2x3x4x8xf32>
  %ks = tessera.mul %kt, %c : (tensor<2x3x8x6xf32>, tensor<1xf32>) -> tensor<2x3x8x6xf32>
  %s = tessera.matmul %qs, %ks : (tensor<2x3x4x8xf32>, tensor<2x3x8x6xf32>) -> tensor<2x3x4x6xf32>
  %sm = tessera.add %s, %mask : (tensor<2x3x4x6xf32>, tensor<4x6xf32>) -> tensor<2x3x4x6xf32>
  // expected-remark @+1 {{fused as attention}}
  %p = tessera.softmax %sm axis 3 : tensor<2x3x4x6xf32>
  %rowmax = tessera.reduce_max %mask [1] keep_dims : tensor<4x6xf32> -> tensor<4x1xf32>
  %all = tessera.cmp eq, %rowmax, %ninf : (tensor<4x1xf32>, tensor<1xf32>) -> tensor<4x1xi1>
  %safe = tessera.where %all, %zero, %p : (tensor<4x1xi1>, tensor<1xf32>, tensor<2x3x4x6xf32>) -> tensor<2x3x4x6xf32>
  %o = tessera.matmul %safe, %v : (tensor<2x3x4x6xf32>, tensor<2x3x6x8xf32>) -> tensor<2x3x4x8xf32>
  return %o : tensor<2x3x4x8xf32>
}

// -----

// The guard zeroes rows by a value that is not the attention's mask: the
// op would not zero the same rows.
// CHECK-LABEL: func.func @guard_of_another_value
// CHECK-NOT: tessera.attention
func.func @guard_of_another_value(%q: tensor<2x3x4x8xf32>, %kt: tensor<2x3x8x6xf32>, %v: tensor<2x3x6x8xf32>, %mask: tensor<4x6xf32>, %other: tensor<4x6xf32>) -> tensor<2x3x4x8xf32> {
  %zero = tessera.constant dense<0.0> : tensor<1xf32>
  %ninf = tessera.constant dense<0xFF800000> : tensor<1xf32>
  %s = tessera.matmul %q, %kt : (tensor<2x3x4x8xf32>, tensor<2x3x8x6xf32>) -> tensor<2x3x4x6xf32>
  %sm = tessera.add %s, %mask : (tensor<2x3x4x6xf32>, tensor<4x6xf32>) -> tensor<2x3x4x6xf32>
  // expected-remark @+1 {{not fused as attention: the fully-masked-row guard tests a value other than the additive mask}}
  %p = tessera.softmax %sm axis 3 : tensor<2x3x4x6xf32>
  %rowmax = tessera.reduce_max %other [1] keep_dims : tensor<4x6xf32> -> tensor<4x1xf32>
  %all = tessera.cmp eq, %rowmax, %ninf : (tensor<4x1xf32>, tensor<1xf32>) -> tensor<4x1xi1>
  %safe = tessera.where %all, %zero, %p : (tensor<4x1xi1>, tensor<1xf32>, tensor<2x3x4x6xf32>) -> tensor<2x3x4x6xf32>
  %o = tessera.matmul %safe, %v : (tensor<2x3x4x6xf32>, tensor<2x3x6x8xf32>) -> tensor<2x3x4x8xf32>
  return %o : tensor<2x3x4x8xf32>
}

// -----

// A where on the probabilities that fills with something other than 0.
// CHECK-LABEL: func.func @probabilities_filled
// CHECK-NOT: tessera.attention
func.func @probabilities_filled(%q: tensor<2x3x4x8xf32>, %kt: tensor<2x3x8x6xf32>, %v: tensor<2x3x6x8xf32>, %mask: tensor<4x6xf32>) -> tensor<2x3x4x8xf32> {
  %half = tessera.constant dense<0.5> : tensor<1xf32>
  %ninf = tessera.constant dense<0xFF800000> : tensor<1xf32>
  %s = tessera.matmul %q, %kt : (tensor<2x3x4x8xf32>, tensor<2x3x8x6xf32>) -> tensor<2x3x4x6xf32>
  %sm = tessera.add %s, %mask : (tensor<2x3x4x6xf32>, tensor<4x6xf32>) -> tensor<2x3x4x6xf32>
  // expected-remark @+1 {{not fused as attention: a where on the probabilities is not the fully-masked-row guard where(max(mask) == -inf, 0, p)}}
  %p = tessera.softmax %sm axis 3 : tensor<2x3x4x6xf32>
  %rowmax = tessera.reduce_max %mask [1] keep_dims : tensor<4x6xf32> -> tensor<4x1xf32>
  %all = tessera.cmp eq, %rowmax, %ninf : (tensor<4x1xf32>, tensor<1xf32>) -> tensor<4x1xi1>
  %safe = tessera.where %all, %half, %p : (tensor<4x1xi1>, tensor<1xf32>, tensor<2x3x4x6xf32>) -> tensor<2x3x4x6xf32>
  %o = tessera.matmul %safe, %v : (tensor<2x3x4x6xf32>, tensor<2x3x6x8xf32>) -> tensor<2x3x4x8xf32>
  return %o : tensor<2x3x4x8xf32>
}

// -----

// ONNX Attention's softcap: c·tanh(s/c) after the scaling, before the
// mask, is the op's softcap (the scale is what precedes the tanh).
// CHECK-LABEL: func.func @softcap
// CHECK: tessera.attention %arg0, %{{.*}}, %arg2 mask %arg3 scale 2.500000e-01 softcap 2.000000e+00
func.func @softcap(%q: tensor<1x2x4x4xf32>, %kt: tensor<1x2x4x4xf32>, %v: tensor<1x2x4x4xf32>, %mask: tensor<1x1x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %scale = tessera.constant dense<0.25> : tensor<f32>
  %inv = tessera.constant dense<0.5> : tensor<f32>
  %cap = tessera.constant dense<2.0> : tensor<f32>
  %s = tessera.matmul %q, %kt : (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %sc = tessera.mul %s, %scale : (tensor<1x2x4x4xf32>, tensor<f32>) -> tensor<1x2x4x4xf32>
  %d = tessera.mul %sc, %inv : (tensor<1x2x4x4xf32>, tensor<f32>) -> tensor<1x2x4x4xf32>
  %t = tessera.tanh %d : tensor<1x2x4x4xf32>
  %c = tessera.mul %t, %cap : (tensor<1x2x4x4xf32>, tensor<f32>) -> tensor<1x2x4x4xf32>
  %m = tessera.add %c, %mask : (tensor<1x2x4x4xf32>, tensor<1x1x4x4xf32>) -> tensor<1x2x4x4xf32>
  // expected-remark @+1 {{fused as attention}}
  %p = tessera.softmax %m axis 3 : tensor<1x2x4x4xf32>
  %o = tessera.matmul %p, %v : (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  return %o : tensor<1x2x4x4xf32>
}

// -----

// A mask added before the tanh is capped with the scores: not the op's
// order (it caps, then masks).
// CHECK-LABEL: func.func @softcap_after_mask
// CHECK-NOT: tessera.attention
func.func @softcap_after_mask(%q: tensor<1x2x4x4xf32>, %kt: tensor<1x2x4x4xf32>, %v: tensor<1x2x4x4xf32>, %mask: tensor<1x1x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %inv = tessera.constant dense<0.5> : tensor<f32>
  %cap = tessera.constant dense<2.0> : tensor<f32>
  %s = tessera.matmul %q, %kt : (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %m = tessera.add %s, %mask : (tensor<1x2x4x4xf32>, tensor<1x1x4x4xf32>) -> tensor<1x2x4x4xf32>
  %d = tessera.mul %m, %inv : (tensor<1x2x4x4xf32>, tensor<f32>) -> tensor<1x2x4x4xf32>
  %t = tessera.tanh %d : tensor<1x2x4x4xf32>
  %c = tessera.mul %t, %cap : (tensor<1x2x4x4xf32>, tensor<f32>) -> tensor<1x2x4x4xf32>
  // expected-remark @+1 {{not fused as attention: the scores are masked before the softcap, c·tanh((s + mask)/c), which tessera.attention does not express (it caps, then masks)}}
  %p = tessera.softmax %c axis 3 : tensor<1x2x4x4xf32>
  %o = tessera.matmul %p, %v : (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  return %o : tensor<1x2x4x4xf32>
}

// -----

// 3·tanh(s/2) is not a softcap: the outer factor is not the inner divisor.
// CHECK-LABEL: func.func @tanh_not_softcap
// CHECK-NOT: tessera.attention
func.func @tanh_not_softcap(%q: tensor<1x2x4x4xf32>, %kt: tensor<1x2x4x4xf32>, %v: tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %inv = tessera.constant dense<0.5> : tensor<f32>
  %three = tessera.constant dense<3.0> : tensor<f32>
  %s = tessera.matmul %q, %kt : (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %d = tessera.mul %s, %inv : (tensor<1x2x4x4xf32>, tensor<f32>) -> tensor<1x2x4x4xf32>
  %t = tessera.tanh %d : tensor<1x2x4x4xf32>
  %c = tessera.mul %t, %three : (tensor<1x2x4x4xf32>, tensor<f32>) -> tensor<1x2x4x4xf32>
  // expected-remark @+1 {{not fused as attention: the tanh of the scores is not multiplied by the same c it divides by (c·tanh(s/c))}}
  %p = tessera.softmax %c axis 3 : tensor<1x2x4x4xf32>
  %o = tessera.matmul %p, %v : (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  return %o : tensor<1x2x4x4xf32>
}

// -----

// The scaled scores are also returned (qk_matmul_output): an intermediate
// with a second consumer.
// CHECK-LABEL: func.func @scores_returned
// CHECK-NOT: tessera.attention
func.func @scores_returned(%q: tensor<1x2x4x4xf32>, %kt: tensor<1x2x4x4xf32>, %v: tensor<1x2x4x4xf32>) -> (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) {
  %c = tessera.constant dense<0.5> : tensor<f32>
  %s = tessera.matmul %q, %kt : (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %sc = tessera.mul %s, %c : (tensor<1x2x4x4xf32>, tensor<f32>) -> tensor<1x2x4x4xf32>
  // expected-remark @+1 {{not fused as attention: the scores after 'tessera.matmul' have another user (e.g. ONNX Attention's qk_matmul_output: tessera.attention does not return scores)}}
  %p = tessera.softmax %sc axis 3 : tensor<1x2x4x4xf32>
  %o = tessera.matmul %p, %v : (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  return %o, %s : tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>
}

// -----

// A boolean mask turned into a bias, where(b, 0, -inf), as ONNX's Attention
// body writes it: the op takes b itself.
// CHECK-LABEL: func.func @boolean_mask_as_bias
// CHECK: %[[O:.*]] = tessera.attention %arg0, %{{.*}}, %arg2 mask %arg3 scale
// CHECK-SAME: tensor<4x6xi1>
// CHECK: return %[[O]]
func.func @boolean_mask_as_bias(%q: tensor<2x3x4x8xf32>, %kt: tensor<2x3x8x6xf32>, %v: tensor<2x3x6x8xf32>, %b: tensor<4x6xi1>) -> tensor<2x3x4x8xf32> {
  %zero = tessera.constant dense<0.0> : tensor<1xf32>
  %ninf = tessera.constant dense<0xFF800000> : tensor<1xf32>
  %bias = tessera.where %b, %zero, %ninf : (tensor<4x6xi1>, tensor<1xf32>, tensor<1xf32>) -> tensor<4x6xf32>
  %s = tessera.matmul %q, %kt : (tensor<2x3x4x8xf32>, tensor<2x3x8x6xf32>) -> tensor<2x3x4x6xf32>
  %sm = tessera.add %s, %bias : (tensor<2x3x4x6xf32>, tensor<4x6xf32>) -> tensor<2x3x4x6xf32>
  // expected-remark @+1 {{fused as attention}}
  %p = tessera.softmax %sm axis 3 : tensor<2x3x4x6xf32>
  %rowmax = tessera.reduce_max %bias [1] keep_dims : tensor<4x6xf32> -> tensor<4x1xf32>
  %all = tessera.cmp eq, %rowmax, %ninf : (tensor<4x1xf32>, tensor<1xf32>) -> tensor<4x1xi1>
  %safe = tessera.where %all, %zero, %p : (tensor<4x1xi1>, tensor<1xf32>, tensor<2x3x4x6xf32>) -> tensor<2x3x4x6xf32>
  %o = tessera.matmul %safe, %v : (tensor<2x3x4x6xf32>, tensor<2x3x6x8xf32>) -> tensor<2x3x4x8xf32>
  return %o : tensor<2x3x4x8xf32>
}

// -----

// where(b, 1, -inf) is not a mask: the kept scores would be shifted by 1.
// It stays an additive mask.
// CHECK-LABEL: func.func @bias_not_zero_where_kept
// CHECK: %[[BIAS:.*]] = tessera.where
// CHECK: tessera.attention %arg0, %{{.*}}, %arg2 mask %[[BIAS]] scale
// CHECK-SAME: tensor<4x6xf32>
func.func @bias_not_zero_where_kept(%q: tensor<2x3x4x8xf32>, %kt: tensor<2x3x8x6xf32>, %v: tensor<2x3x6x8xf32>, %b: tensor<4x6xi1>) -> tensor<2x3x4x8xf32> {
  %one = tessera.constant dense<1.0> : tensor<1xf32>
  %ninf = tessera.constant dense<0xFF800000> : tensor<1xf32>
  %bias = tessera.where %b, %one, %ninf : (tensor<4x6xi1>, tensor<1xf32>, tensor<1xf32>) -> tensor<4x6xf32>
  %s = tessera.matmul %q, %kt : (tensor<2x3x4x8xf32>, tensor<2x3x8x6xf32>) -> tensor<2x3x4x6xf32>
  %sm = tessera.add %s, %bias : (tensor<2x3x4x6xf32>, tensor<4x6xf32>) -> tensor<2x3x4x6xf32>
  // expected-remark @+1 {{fused as attention}}
  %p = tessera.softmax %sm axis 3 : tensor<2x3x4x6xf32>
  %o = tessera.matmul %p, %v : (tensor<2x3x4x6xf32>, tensor<2x3x6x8xf32>) -> tensor<2x3x4x8xf32>
  return %o : tensor<2x3x4x8xf32>
}
