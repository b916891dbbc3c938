// The flash-attention kernel at its edges (Inputs/attention_exec.py: partial
// key vectors and blocks, masked head-dimension reads, grouped KV heads,
// causal with more keys than queries, float and boolean masks) equals
// NumPy's attention in float64, to 1e-4 of the largest output.
// RUN: rm -rf %t && %python %S/Inputs/attention_exec.py make %t
// RUN: tessera-compile %s -o %t/m.tsr 2>/dev/null
// RUN: tessera-run %t/m.tsr --function gqa_causal %t/gqa_causal/input0.npy %t/gqa_causal/input1.npy %t/gqa_causal/input2.npy --output-dir %t/gqa_causal/out --threads 2 > /dev/null
// RUN: %python %S/Inputs/attention_exec.py check %t gqa_causal | FileCheck %s --check-prefix=GQA
// RUN: tessera-run %t/m.tsr --function float_mask %t/float_mask/input0.npy %t/float_mask/input1.npy %t/float_mask/input2.npy %t/float_mask/input3.npy --output-dir %t/float_mask/out --threads 2 > /dev/null
// RUN: %python %S/Inputs/attention_exec.py check %t float_mask | FileCheck %s --check-prefix=FLOAT
// RUN: tessera-run %t/m.tsr --function bool_mask %t/bool_mask/input0.npy %t/bool_mask/input1.npy %t/bool_mask/input2.npy %t/bool_mask/input3.npy --output-dir %t/bool_mask/out --threads 2 > /dev/null
// RUN: %python %S/Inputs/attention_exec.py check %t bool_mask | FileCheck %s --check-prefix=BOOL

// GQA: gqa_causal ok: shape [2, 4, 37, 24]
// FLOAT: float_mask ok: shape [1, 3, 70, 20]
// BOOL: bool_mask ok: shape [1, 2, 19, 16]

func.func @gqa_causal(%q: tensor<?x4x?x40xf32>, %k: tensor<?x2x?x40xf32>, %v: tensor<?x2x?x24xf32>) -> tensor<?x4x?x24xf32> {
  %0 = tessera.attention %q, %k, %v causal : (tensor<?x4x?x40xf32>, tensor<?x2x?x40xf32>, tensor<?x2x?x24xf32>) -> tensor<?x4x?x24xf32>
  return %0 : tensor<?x4x?x24xf32>
}

func.func @float_mask(%q: tensor<1x3x?x20xf32>, %k: tensor<1x3x?x20xf32>, %v: tensor<1x3x?x20xf32>, %m: tensor<1x1x1x?xf32>) -> tensor<1x3x?x20xf32> {
  %0 = tessera.attention %q, %k, %v mask %m : (tensor<1x3x?x20xf32>, tensor<1x3x?x20xf32>, tensor<1x3x?x20xf32>, tensor<1x1x1x?xf32>) -> tensor<1x3x?x20xf32>
  return %0 : tensor<1x3x?x20xf32>
}

func.func @bool_mask(%q: tensor<1x2x?x16xf32>, %k: tensor<1x2x?x16xf32>, %v: tensor<1x2x?x16xf32>, %m: tensor<?x?xi1>) -> tensor<1x2x?x16xf32> {
  %0 = tessera.attention %q, %k, %v mask %m : (tensor<1x2x?x16xf32>, tensor<1x2x?x16xf32>, tensor<1x2x?x16xf32>, tensor<?x?xi1>) -> tensor<1x2x?x16xf32>
  return %0 : tensor<1x2x?x16xf32>
}
