// RUN: tessera-opt %s -split-input-file | tessera-opt -split-input-file | FileCheck %s
// RUN: tessera-opt %s -split-input-file --tessera-infer-shapes | FileCheck %s --check-prefix=INFER

// BERT: additive padding mask, explicit scale.
// CHECK-LABEL: func.func @bert
// CHECK: tessera.attention %{{.*}}, %{{.*}}, %{{.*}} mask %{{.*}} scale 1.250000e-01 : (tensor<?x12x?x64xf32>, tensor<?x12x?x64xf32>, tensor<?x12x?x64xf32>, tensor<?x1x1x?xf32>) -> tensor<?x12x?x64xf32>
func.func @bert(%q: tensor<?x12x?x64xf32>, %k: tensor<?x12x?x64xf32>, %v: tensor<?x12x?x64xf32>, %m: tensor<?x1x1x?xf32>) -> tensor<?x12x?x64xf32> {
  %0 = tessera.attention %q, %k, %v mask %m scale 0.125 : (tensor<?x12x?x64xf32>, tensor<?x12x?x64xf32>, tensor<?x12x?x64xf32>, tensor<?x1x1x?xf32>) -> tensor<?x12x?x64xf32>
  return %0 : tensor<?x12x?x64xf32>
}

// -----

// GPT-2: causal, default scale 1/sqrt(head_dim).
// CHECK-LABEL: func.func @gpt2
// CHECK: tessera.attention %{{.*}}, %{{.*}}, %{{.*}} causal : (
func.func @gpt2(%q: tensor<1x12x?x64xf32>, %k: tensor<1x12x?x64xf32>, %v: tensor<1x12x?x64xf32>) -> tensor<1x12x?x64xf32> {
  %0 = tessera.attention %q, %k, %v causal : (tensor<1x12x?x64xf32>, tensor<1x12x?x64xf32>, tensor<1x12x?x64xf32>) -> tensor<1x12x?x64xf32>
  return %0 : tensor<1x12x?x64xf32>
}

// -----

// Llama decode step: 8 query heads share 4 KV heads, a boolean mask, and the
// KV cache comes back concatenated.
// CHECK-LABEL: func.func @llama_decode
// CHECK: %{{.*}}, %{{.*}}:2 = tessera.attention %{{.*}}, %{{.*}}, %{{.*}} mask %{{.*}} past(%{{.*}}, %{{.*}}) causal
// INFER-LABEL: func.func @llama_decode
// INFER: -> (tensor<1x8x1x64xf32>, tensor<1x4x7x64xf32>, tensor<1x4x7x64xf32>)
func.func @llama_decode(%q: tensor<1x8x1x64xf32>, %k: tensor<1x4x1x64xf32>, %v: tensor<1x4x1x64xf32>, %m: tensor<1x1x1x7xi1>, %pk: tensor<1x4x6x64xf32>, %pv: tensor<1x4x6x64xf32>) -> (tensor<1x8x1x64xf32>, tensor<1x4x?x64xf32>, tensor<1x4x?x64xf32>) {
  %o, %present:2 = tessera.attention %q, %k, %v mask %m past(%pk, %pv) causal : (tensor<1x8x1x64xf32>, tensor<1x4x1x64xf32>, tensor<1x4x1x64xf32>, tensor<1x1x1x7xi1>, tensor<1x4x6x64xf32>, tensor<1x4x6x64xf32>) -> (tensor<1x8x1x64xf32>, tensor<1x4x?x64xf32>, tensor<1x4x?x64xf32>)
  return %o, %present#0, %present#1 : tensor<1x8x1x64xf32>, tensor<1x4x?x64xf32>, tensor<1x4x?x64xf32>
}

// -----

// T5: no scaling is spelled as scale 1; the position bias rides in the mask.
// CHECK-LABEL: func.func @t5
// CHECK: tessera.attention %{{.*}}, %{{.*}}, %{{.*}} mask %{{.*}} scale 1.000000e+00 :
func.func @t5(%q: tensor<?x8x?x64xf32>, %k: tensor<?x8x?x64xf32>, %v: tensor<?x8x?x64xf32>, %bias: tensor<1x8x?x?xf32>) -> tensor<?x8x?x64xf32> {
  %0 = tessera.attention %q, %k, %v mask %bias scale 1.0 : (tensor<?x8x?x64xf32>, tensor<?x8x?x64xf32>, tensor<?x8x?x64xf32>, tensor<1x8x?x?xf32>) -> tensor<?x8x?x64xf32>
  return %0 : tensor<?x8x?x64xf32>
}

// -----

// Gemma-style: scores capped at 50 (softcap * tanh(s / softcap)).
// CHECK-LABEL: func.func @softcap
// CHECK: tessera.attention %{{.*}}, %{{.*}}, %{{.*}} causal softcap 5.000000e+01 : (
func.func @softcap(%q: tensor<1x8x?x64xf32>, %k: tensor<1x8x?x64xf32>) -> tensor<1x8x?x64xf32> {
  %0 = tessera.attention %q, %k, %k causal softcap 50.0 : (tensor<1x8x?x64xf32>, tensor<1x8x?x64xf32>, tensor<1x8x?x64xf32>) -> tensor<1x8x?x64xf32>
  return %0 : tensor<1x8x?x64xf32>
}
