// RUN: tessera-opt %s --tessera-lower-to-linalg --split-input-file | FileCheck %s
// RUN: tessera-opt %s --tessera-lower-to-linalg --one-shot-bufferize --split-input-file | FileCheck %s --check-prefix=BUF

// GPT-2's tanh GELU with the bias of the preceding matmul, added over the
// last dim: x/2 * (1 + tanh(sqrt(2/pi) * (x + 0.044715 x^3))).
// CHECK-DAG: #[[X:.*]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-DAG: #[[BIAS:.*]] = affine_map<(d0, d1, d2) -> (d2)>
// CHECK-LABEL: func.func @tanh_bias
// CHECK: %[[E:.*]] = tensor.empty(%{{.*}}, %{{.*}}) : tensor<?x?x3072xf32>
// CHECK: %[[R:.*]] = linalg.generic {indexing_maps = [#[[X]], #[[BIAS]], #[[X]]], iterator_types = ["parallel", "parallel", "parallel"]}
// CHECK-SAME: ins(%arg0, %arg1 : tensor<?x?x3072xf32>, tensor<3072xf32>) outs(%[[E]] : tensor<?x?x3072xf32>)
// CHECK-NEXT: ^bb0(%[[A:[^:]+]]: f32, %[[B:[^:]+]]: f32, %{{.*}}: f32):
// CHECK-NEXT: %[[X:.*]] = arith.addf %[[A]], %[[B]] : f32
// CHECK-NEXT: %[[X2:.*]] = arith.mulf %[[X]], %[[X]] : f32
// CHECK-NEXT: %[[X3:.*]] = arith.mulf %[[X2]], %[[X]] : f32
// CHECK-NEXT: %[[K3:.*]] = arith.constant 4.471500e-02 : f32
// CHECK-NEXT: %[[T3:.*]] = arith.mulf %[[K3]], %[[X3]] : f32
// CHECK-NEXT: %[[P:.*]] = arith.addf %[[X]], %[[T3]] : f32
// CHECK-NEXT: %[[K:.*]] = arith.constant 0.797884583 : f32
// CHECK-NEXT: %[[IN:.*]] = arith.mulf %[[K]], %[[P]] : f32
// CHECK-NEXT: %[[T:.*]] = math.tanh %[[IN]] : f32
// CHECK-NEXT: %[[HALF:.*]] = arith.constant 5.000000e-01 : f32
// CHECK-NEXT: %[[HX:.*]] = arith.mulf %[[X]], %[[HALF]] : f32
// CHECK-NEXT: %[[ONE:.*]] = arith.constant 1.000000e+00 : f32
// CHECK-NEXT: %[[OP:.*]] = arith.addf %[[ONE]], %[[T]] : f32
// CHECK-NEXT: %[[Y:.*]] = arith.mulf %[[HX]], %[[OP]] : f32
// CHECK-NEXT: linalg.yield %[[Y]] : f32
// CHECK: return %[[R]]
// BUF-LABEL: func.func @tanh_bias
// BUF: linalg.generic
// BUF-SAME: outs(%{{.*}} : memref<?x?x3072xf32>)
func.func @tanh_bias(%h: tensor<?x?x3072xf32>, %b: tensor<3072xf32>) -> tensor<?x?x3072xf32> {
  %0 = tessera.gelu %h bias %b approximate tanh : (tensor<?x?x3072xf32>, tensor<3072xf32>) -> tensor<?x?x3072xf32>
  return %0 : tensor<?x?x3072xf32>
}

// -----

// BERT's exact GELU: x/2 * (1 + erf(x / sqrt(2))).
// CHECK-LABEL: func.func @erf
// CHECK: linalg.generic
// CHECK-NEXT: ^bb0(%[[X:[^:]+]]: f32, %{{.*}}: f32):
// CHECK-NEXT: %[[K:.*]] = arith.constant 0.707106769 : f32
// CHECK-NEXT: %[[S:.*]] = arith.mulf %[[X]], %[[K]] : f32
// CHECK-NEXT: %[[E:.*]] = math.erf %[[S]] : f32
// CHECK-NEXT: %[[HALF:.*]] = arith.constant 5.000000e-01 : f32
// CHECK-NEXT: %[[HX:.*]] = arith.mulf %[[X]], %[[HALF]] : f32
// CHECK-NEXT: %[[ONE:.*]] = arith.constant 1.000000e+00 : f32
// CHECK-NEXT: %[[OP:.*]] = arith.addf %[[ONE]], %[[E]] : f32
// CHECK-NEXT: %[[Y:.*]] = arith.mulf %[[HX]], %[[OP]] : f32
// CHECK-NEXT: linalg.yield %[[Y]] : f32
func.func @erf(%h: tensor<4x16xf32>) -> tensor<4x16xf32> {
  %0 = tessera.gelu %h approximate none : (tensor<4x16xf32>) -> tensor<4x16xf32>
  return %0 : tensor<4x16xf32>
}

// -----

// bf16 is computed in f32 and rounded once.
// CHECK-LABEL: func.func @bf16
// CHECK: ^bb0(%[[A:[^:]+]]: bf16, %[[B:[^:]+]]: bf16, %{{.*}}: bf16):
// CHECK-NEXT: %[[AF:.*]] = arith.extf %[[A]] : bf16 to f32
// CHECK-NEXT: %[[BF:.*]] = arith.extf %[[B]] : bf16 to f32
// CHECK-NEXT: arith.addf %[[AF]], %[[BF]] : f32
// CHECK: %[[Y:.*]] = arith.truncf %{{.*}} : f32 to bf16
// CHECK-NEXT: linalg.yield %[[Y]] : bf16
func.func @bf16(%h: tensor<8xbf16>, %b: tensor<8xbf16>) -> tensor<8xbf16> {
  %0 = tessera.gelu %h bias %b approximate none : (tensor<8xbf16>, tensor<8xbf16>) -> tensor<8xbf16>
  return %0 : tensor<8xbf16>
}
