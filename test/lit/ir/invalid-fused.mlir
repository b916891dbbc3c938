// RUN: tessera-opt %s -split-input-file -verify-diagnostics

func.func @attention_heads(%q: tensor<1x6x4x64xf32>, %kv: tensor<1x4x4x64xf32>) -> tensor<1x6x4x64xf32> {
  // expected-error @+2 {{tessera.attention: 6 query heads are not a multiple of 4 key/value heads}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = tessera.attention %q, %kv, %kv : (tensor<1x6x4x64xf32>, tensor<1x4x4x64xf32>, tensor<1x4x4x64xf32>) -> tensor<1x6x4x64xf32>
  return %0 : tensor<1x6x4x64xf32>
}

// -----

func.func @attention_head_dim(%q: tensor<1x4x4x32xf32>, %kv: tensor<1x4x4x64xf32>) -> tensor<1x4x4x64xf32> {
  // expected-error @+2 {{tessera.attention: query and key head_dim: 32 vs 64}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = tessera.attention %q, %kv, %kv : (tensor<1x4x4x32xf32>, tensor<1x4x4x64xf32>, tensor<1x4x4x64xf32>) -> tensor<1x4x4x64xf32>
  return %0 : tensor<1x4x4x64xf32>
}

// -----

func.func @attention_rank(%q: tensor<4x4x64xf32>, %kv: tensor<1x4x4x64xf32>) -> tensor<4x4x64xf32> {
  // expected-error @+2 {{tessera.attention: query must have rank 4 (got 3)}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = tessera.attention %q, %kv, %kv : (tensor<4x4x64xf32>, tensor<1x4x4x64xf32>, tensor<1x4x4x64xf32>) -> tensor<4x4x64xf32>
  return %0 : tensor<4x4x64xf32>
}

// -----

func.func @attention_scale(%q: tensor<1x4x4x64xf32>) -> tensor<1x4x4x64xf32> {
  // expected-error @+1 {{'tessera.attention' op scale must be a positive finite number}}
  %0 = tessera.attention %q, %q, %q scale -1.0 : (tensor<1x4x4x64xf32>, tensor<1x4x4x64xf32>, tensor<1x4x4x64xf32>) -> tensor<1x4x4x64xf32>
  return %0 : tensor<1x4x4x64xf32>
}

// -----

func.func @attention_mask(%q: tensor<1x4x4x64xf32>, %m: tensor<1x1x4x5xf32>) -> tensor<1x4x4x64xf32> {
  // expected-error @+1 {{tessera.attention mask: shapes [1, 4, 4, 4] and [1, 1, 4, 5] do not broadcast}}
  %0 = tessera.attention %q, %q, %q mask %m : (tensor<1x4x4x64xf32>, tensor<1x4x4x64xf32>, tensor<1x4x4x64xf32>, tensor<1x1x4x5xf32>) -> tensor<1x4x4x64xf32>
  return %0 : tensor<1x4x4x64xf32>
}

// -----

func.func @attention_mask_type(%q: tensor<1x4x4x64xf32>, %m: tensor<1x1x4x4xi64>) -> tensor<1x4x4x64xf32> {
  // expected-error @+1 {{'tessera.attention' op operand #3 must be ranked tensor of floating-point or 1-bit signless integer values, but got 'tensor<1x1x4x4xi64>'}}
  %0 = tessera.attention %q, %q, %q mask %m : (tensor<1x4x4x64xf32>, tensor<1x4x4x64xf32>, tensor<1x4x4x64xf32>, tensor<1x1x4x4xi64>) -> tensor<1x4x4x64xf32>
  return %0 : tensor<1x4x4x64xf32>
}

// -----

func.func @attention_past_without_present(%q: tensor<1x4x1x64xf32>, %p: tensor<1x4x3x64xf32>) -> tensor<1x4x1x64xf32> {
  // expected-error @+2 {{'tessera.attention' op failed to infer returned types}}
  // expected-error @+1 {{'tessera.attention' op inferred type(s) 'tensor<1x4x1x64xf32>', 'tensor<1x4x4x64xf32>', 'tensor<1x4x4x64xf32>' are incompatible with return type(s) of operation 'tensor<1x4x1x64xf32>'}}
  %0 = tessera.attention %q, %q, %q past(%p, %p) : (tensor<1x4x1x64xf32>, tensor<1x4x1x64xf32>, tensor<1x4x1x64xf32>, tensor<1x4x3x64xf32>, tensor<1x4x3x64xf32>) -> tensor<1x4x1x64xf32>
  return %0 : tensor<1x4x1x64xf32>
}

// -----

func.func @layer_norm_scale(%x: tensor<?x?x768xf32>, %g: tensor<512xf32>) -> tensor<?x?x768xf32> {
  // expected-error @+2 {{tessera.layer_norm: scale has type 'tensor<512xf32>' but the normalized dimensions of 'tensor<?x?x768xf32>' from axis 2 need that shape}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = tessera.layer_norm %x scale %g axis 2 epsilon 1.0e-5 : (tensor<?x?x768xf32>, tensor<512xf32>) -> tensor<?x?x768xf32>
  return %0 : tensor<?x?x768xf32>
}

// -----

func.func @layer_norm_epsilon(%x: tensor<4x8xf32>, %g: tensor<8xf32>) -> tensor<4x8xf32> {
  // expected-error @+1 {{'tessera.layer_norm' op epsilon must be finite and not negative}}
  %0 = tessera.layer_norm %x scale %g axis 1 epsilon -1.0 : (tensor<4x8xf32>, tensor<8xf32>) -> tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}

// -----

func.func @rms_norm_residual(%x: tensor<4x8xf32>, %g: tensor<8xf32>, %r: tensor<4x9xf32>) -> (tensor<4x8xf32>, tensor<4x8xf32>) {
  // expected-error @+2 {{tessera.rms_norm: residual 'tensor<4x9xf32>' does not have the input's shape 'tensor<4x8xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0, %1 = tessera.rms_norm %x scale %g residual %r axis 1 epsilon 1.0e-5 : (tensor<4x8xf32>, tensor<8xf32>, tensor<4x9xf32>) -> (tensor<4x8xf32>, tensor<4x8xf32>)
  return %0, %1 : tensor<4x8xf32>, tensor<4x8xf32>
}

// -----

func.func @gelu_bias(%x: tensor<4x8xf32>, %b: tensor<4xf32>) -> tensor<4x8xf32> {
  // expected-error @+2 {{tessera.gelu: bias length and last dimension differ: 4 vs 8}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = tessera.gelu %x bias %b approximate none : (tensor<4x8xf32>, tensor<4xf32>) -> tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}

// -----

func.func @gelu_approximation(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  // expected-error @+1 {{expected string or keyword containing one of the following enum values for attribute 'approximate' [none, tanh]}}
  %0 = tessera.gelu %x approximate sigmoid : (tensor<4x8xf32>) -> tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}

// -----

func.func @rope_columns(%q: tensor<1x8x4x64xf32>, %c: tensor<4x16xf32>) -> tensor<1x8x4x64xf32> {
  // expected-error @+1 {{'tessera.rotary_embedding' op cos/sin have 16 columns but the head dimension 64 needs 32 (or set rotary_dim)}}
  %0 = tessera.rotary_embedding %q, %c, %c : (tensor<1x8x4x64xf32>, tensor<4x16xf32>, tensor<4x16xf32>) -> tensor<1x8x4x64xf32>
  return %0 : tensor<1x8x4x64xf32>
}

// -----

func.func @rope_odd_rotary_dim(%q: tensor<1x8x4x64xf32>, %c: tensor<4x16xf32>) -> tensor<1x8x4x64xf32> {
  // expected-error @+1 {{'tessera.rotary_embedding' op rotary_dim must be positive and even, got 33}}
  %0 = tessera.rotary_embedding %q, %c, %c rotary_dim 33 : (tensor<1x8x4x64xf32>, tensor<4x16xf32>, tensor<4x16xf32>) -> tensor<1x8x4x64xf32>
  return %0 : tensor<1x8x4x64xf32>
}

// -----

func.func @rope_cos_sin(%q: tensor<1x8x4x64xf32>, %c: tensor<4x32xf32>, %s: tensor<5x32xf32>) -> tensor<1x8x4x64xf32> {
  // expected-error @+2 {{tessera.rotary_embedding: cos 'tensor<4x32xf32>' and sin 'tensor<5x32xf32>' differ in shape}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = tessera.rotary_embedding %q, %c, %s : (tensor<1x8x4x64xf32>, tensor<4x32xf32>, tensor<5x32xf32>) -> tensor<1x8x4x64xf32>
  return %0 : tensor<1x8x4x64xf32>
}

// -----

func.func @embedding_table(%t: tensor<10xf32>, %ids: tensor<4xi64>) -> tensor<4x10xf32> {
  // expected-error @+2 {{tessera.embedding: table must have rank 2 (got 1)}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = tessera.embedding %t[%ids] : (tensor<10xf32>, tensor<4xi64>) -> tensor<4x10xf32>
  return %0 : tensor<4x10xf32>
}

// -----

func.func @fused_matmul_residual(%x: tensor<4x8xf32>, %w: tensor<8x16xf32>, %r: tensor<4x8xf32>) -> tensor<4x16xf32> {
  // expected-error @+2 {{tessera.fused_matmul: residual 'tensor<4x8xf32>' does not have the result's shape 'tensor<4x16xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = tessera.fused_matmul %x, %w residual %r : (tensor<4x8xf32>, tensor<8x16xf32>, tensor<4x8xf32>) -> tensor<4x16xf32>
  return %0 : tensor<4x16xf32>
}

// -----

func.func @fused_matmul_activation(%x: tensor<4x8xf32>, %w: tensor<8x16xf32>) -> tensor<4x16xf32> {
  // expected-error @+1 {{expected string or keyword containing one of the following enum values for attribute 'activation' [none, relu, gelu, gelu_tanh, silu]}}
  %0 = tessera.fused_matmul %x, %w activation swish : (tensor<4x8xf32>, tensor<8x16xf32>) -> tensor<4x16xf32>
  return %0 : tensor<4x16xf32>
}

// -----

func.func @rope_cache_rank(%q: tensor<1x8x4x64xf32>, %c: tensor<1x4x32xf32>, %p: tensor<1x4xi64>) -> tensor<1x8x4x64xf32> {
  // expected-error @+2 {{tessera.rotary_embedding: cos (a cache indexed by positions) must have rank 2 (got 3)}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = tessera.rotary_embedding %q, %c, %c positions %p : (tensor<1x8x4x64xf32>, tensor<1x4x32xf32>, tensor<1x4x32xf32>, tensor<1x4xi64>) -> tensor<1x8x4x64xf32>
  return %0 : tensor<1x8x4x64xf32>
}

// -----

func.func @attention_softcap(%q: tensor<1x4x4x64xf32>) -> tensor<1x4x4x64xf32> {
  // expected-error @+1 {{'tessera.attention' op softcap must be a positive finite number}}
  %0 = tessera.attention %q, %q, %q softcap 0.0 : (tensor<1x4x4x64xf32>, tensor<1x4x4x64xf32>, tensor<1x4x4x64xf32>) -> tensor<1x4x4x64xf32>
  return %0 : tensor<1x4x4x64xf32>
}
