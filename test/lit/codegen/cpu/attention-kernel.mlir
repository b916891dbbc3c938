// RUN: tessera-compile %s --emit=kernels -o - 2>/dev/null | FileCheck %s
// RUN: tessera-compile %s --target=cuda --emit=kernels -o - 2>/dev/null | FileCheck %s --check-prefix=GPU

// The CPU's flash-attention kernel works in AVX-512 vectors: 16 keys at a
// time (one dot-product vector per key over the head dimension, folded into
// one vector of 16 scores), the block's exponentials a vector of keys at a
// time, and the whole 64-wide accumulator (4 vectors) in registers while the
// block's value rows are summed.
// CHECK-LABEL: func.func @tsr_k0_tessera_attention
// CHECK: scf.for {{.*}} step %c64
// CHECK: scf.for {{.*}} step %c16
// CHECK: scf.for {{.*}} iter_args({{.*}}) -> (vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>)
// CHECK-COUNT-16: vector.fma {{.*}} : vector<16xf32>
// CHECK-COUNT-31: vector.shuffle
// CHECK: vector.create_mask
// CHECK: vector.reduction <maximumf>
// CHECK: math.exp {{.*}} : vector<16xf32>
// CHECK: vector.reduction <add>
// CHECK: scf.for {{.*}} iter_args({{.*}}) -> (vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>)
// CHECK-COUNT-4: vector.fma
// A head dimension of 40 reads its last vector masked: no whole vectors.
// CHECK-LABEL: func.func @tsr_k1_tessera_attention
// CHECK: vector.transfer_read {{.*}} : memref<?x4x?x40xf32>, vector<16xf32>
// CHECK-NOT: in_bounds = [true]
// CHECK: return

// A GPU thread computes its query row one element at a time.
// GPU-LABEL: gpu.func @tsr_k0_tessera_attention
// GPU-NOT: vector.
// GPU: gpu.return

func.func @bert_like(%q: tensor<1x12x?x64xf32>, %k: tensor<1x12x?x64xf32>, %v: tensor<1x12x?x64xf32>, %m: tensor<1x1x1x?xf32>) -> tensor<1x12x?x64xf32> {
  %0 = tessera.attention %q, %k, %v mask %m : (tensor<1x12x?x64xf32>, tensor<1x12x?x64xf32>, tensor<1x12x?x64xf32>, tensor<1x1x1x?xf32>) -> tensor<1x12x?x64xf32>
  return %0 : tensor<1x12x?x64xf32>
}

func.func @odd_head(%q: tensor<?x4x?x40xf32>, %k: tensor<?x4x?x40xf32>, %v: tensor<?x4x?x40xf32>) -> tensor<?x4x?x40xf32> {
  %0 = tessera.attention %q, %k, %v causal : (tensor<?x4x?x40xf32>, tensor<?x4x?x40xf32>, tensor<?x4x?x40xf32>) -> tensor<?x4x?x40xf32>
  return %0 : tensor<?x4x?x40xf32>
}
