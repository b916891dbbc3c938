// One GPT-2 transformer block (hidden 64, 4 heads of 16, sequence 8) in the
// tessera dialect, as the fusion passes will leave it: fused layer norms,
// attention, GELU and matmul epilogues. Some results are declared `?` and a
// few ops are redundant on purpose, so that
//   tessera-opt gpt2-block.mlir --tessera-infer-shapes --canonicalize
// shows type refinement and folding at work.
func.func @gpt2_block(%x: tensor<1x8x64xf32>,
                      %ln1_g: tensor<64xf32>, %ln1_b: tensor<64xf32>,
                      %w_qkv: tensor<64x192xf32>, %b_qkv: tensor<192xf32>,
                      %w_o: tensor<64x64xf32>, %b_o: tensor<64xf32>,
                      %ln2_g: tensor<64xf32>, %ln2_b: tensor<64xf32>,
                      %w_up: tensor<64x256xf32>, %b_up: tensor<256xf32>,
                      %w_down: tensor<256x64xf32>, %b_down: tensor<64xf32>) -> tensor<?x?x64xf32> {
  %h = tessera.layer_norm %x scale %ln1_g bias %ln1_b axis 2 epsilon 1.0e-5
      : (tensor<1x8x64xf32>, tensor<64xf32>, tensor<64xf32>) -> tensor<?x?x64xf32>
  %qkv = tessera.fused_matmul %h, %w_qkv bias %b_qkv
      : (tensor<?x?x64xf32>, tensor<64x192xf32>, tensor<192xf32>) -> tensor<?x?x192xf32>
  %qkv_heads = tessera.reshape %qkv : tensor<?x?x192xf32> -> tensor<1x8x3x4x16xf32>
  %qkv_t = tessera.transpose %qkv_heads [2, 0, 3, 1, 4] : tensor<1x8x3x4x16xf32> -> tensor<3x1x4x8x16xf32>
  %q3 = tessera.slice %qkv_t starts [0, 0, 0, 0, 0] ends [1, 1, 4, 8, 16] steps [1, 1, 1, 1, 1]
      : tensor<3x1x4x8x16xf32> -> tensor<1x1x4x8x16xf32>
  %k3 = tessera.slice %qkv_t starts [1, 0, 0, 0, 0] ends [2, 1, 4, 8, 16] steps [1, 1, 1, 1, 1]
      : tensor<3x1x4x8x16xf32> -> tensor<1x1x4x8x16xf32>
  %v3 = tessera.slice %qkv_t starts [2, 0, 0, 0, 0] ends [3, 1, 4, 8, 16] steps [1, 1, 1, 1, 1]
      : tensor<3x1x4x8x16xf32> -> tensor<1x1x4x8x16xf32>
  %q = tessera.reshape %q3 : tensor<1x1x4x8x16xf32> -> tensor<1x4x8x16xf32>
  %k = tessera.reshape %k3 : tensor<1x1x4x8x16xf32> -> tensor<1x4x8x16xf32>
  %v = tessera.reshape %v3 : tensor<1x1x4x8x16xf32> -> tensor<1x4x8x16xf32>
  %attn = tessera.attention %q, %k, %v causal
      : (tensor<1x4x8x16xf32>, tensor<1x4x8x16xf32>, tensor<1x4x8x16xf32>) -> tensor<1x4x8x16xf32>
  // Merge heads; the second transpose pair cancels out.
  %merged_t = tessera.transpose %attn [0, 2, 1, 3] : tensor<1x4x8x16xf32> -> tensor<1x8x4x16xf32>
  %back = tessera.transpose %merged_t [0, 2, 1, 3] : tensor<1x8x4x16xf32> -> tensor<1x4x8x16xf32>
  %again = tessera.transpose %back [0, 2, 1, 3] : tensor<1x4x8x16xf32> -> tensor<1x8x4x16xf32>
  %merged = tessera.reshape %again : tensor<1x8x4x16xf32> -> tensor<1x8x64xf32>
  %r1 = tessera.fused_matmul %merged, %w_o bias %b_o residual %x
      : (tensor<1x8x64xf32>, tensor<64x64xf32>, tensor<64xf32>, tensor<1x8x64xf32>) -> tensor<1x8x64xf32>
  %h2 = tessera.layer_norm %r1 scale %ln2_g bias %ln2_b axis 2 epsilon 1.0e-5
      : (tensor<1x8x64xf32>, tensor<64xf32>, tensor<64xf32>) -> tensor<1x8x64xf32>
  %up = tessera.fused_matmul %h2, %w_up bias %b_up activation gelu_tanh
      : (tensor<1x8x64xf32>, tensor<64x256xf32>, tensor<256xf32>) -> tensor<1x8x256xf32>
  %down = tessera.fused_matmul %up, %w_down bias %b_down residual %r1
      : (tensor<1x8x256xf32>, tensor<256x64xf32>, tensor<64xf32>, tensor<1x8x64xf32>) -> tensor<?x?x64xf32>
  // Multiplying by one is a no-op the canonicalizer removes.
  %one = tessera.constant dense<1.0> : tensor<64xf32>
  %out = tessera.mul %down, %one : (tensor<?x?x64xf32>, tensor<64xf32>) -> tensor<?x?x64xf32>
  return %out : tensor<?x?x64xf32>
}
