// The example in docs/ must keep working.
// RUN: tessera-opt %S/../../../docs/examples/gpt2-block.mlir --tessera-infer-shapes --canonicalize | FileCheck %s
// CHECK-LABEL: func.func @gpt2_block
// CHECK-SAME: -> tensor<1x8x64xf32>
// CHECK: tessera.attention %{{.*}}, %{{.*}}, %{{.*}} causal
// CHECK-COUNT-1: tessera.transpose %{{.*}} [0, 2, 1, 3]
// CHECK-NOT: tessera.mul
// CHECK: return %{{.*}} : tensor<1x8x64xf32>
