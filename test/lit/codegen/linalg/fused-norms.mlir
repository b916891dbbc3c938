// RUN: tessera-opt %s --tessera-lower-to-linalg --split-input-file | FileCheck %s
// RUN: tessera-opt %s --tessera-lower-to-linalg --one-shot-bufferize --split-input-file | FileCheck %s --check-prefix=BUF

// GPT-2's LayerNorm: a reduction generic for the mean (each term scaled by
// 1/768), one for the mean of squared deviations (two passes, no
// E[x^2] - E[x]^2 cancellation), then the elementwise output with scale and
// bias over the normalized dim.
// CHECK-DAG: #[[X:.*]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-DAG: #[[ROW:.*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-DAG: #[[PARAM:.*]] = affine_map<(d0, d1, d2) -> (d2)>
// CHECK-LABEL: func.func @layer_norm
// CHECK: %[[INV:.*]] = arith.constant 0.00130208337 : f32
// CHECK: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK: %[[E0:.*]] = tensor.empty(%{{.*}}, %{{.*}}) : tensor<?x?xf32>
// CHECK: %[[F0:.*]] = linalg.fill ins(%[[ZERO]] : f32) outs(%[[E0]] : tensor<?x?xf32>)
// CHECK: %[[MEAN:.*]] = linalg.generic {indexing_maps = [#[[X]], #[[ROW]]], iterator_types = ["parallel", "parallel", "reduction"]}
// CHECK-SAME: ins(%arg0 : tensor<?x?x768xf32>) outs(%[[F0]] : tensor<?x?xf32>)
// CHECK-NEXT: ^bb0(%[[A:[^:]+]]: f32, %[[ACC:[^:]+]]: f32):
// CHECK-NEXT: %[[T:.*]] = arith.mulf %[[A]], %[[INV]] : f32
// CHECK-NEXT: %[[S:.*]] = arith.addf %[[ACC]], %[[T]] : f32
// CHECK-NEXT: linalg.yield %[[S]] : f32
// CHECK: %[[F1:.*]] = linalg.fill ins(%[[ZERO]] : f32)
// CHECK: %[[VAR:.*]] = linalg.generic {indexing_maps = [#[[X]], #[[ROW]], #[[ROW]]], iterator_types = ["parallel", "parallel", "reduction"]}
// CHECK-SAME: ins(%arg0, %[[MEAN]] : tensor<?x?x768xf32>, tensor<?x?xf32>) outs(%[[F1]] : tensor<?x?xf32>)
// CHECK-NEXT: ^bb0(%[[A:[^:]+]]: f32, %[[M:[^:]+]]: f32, %[[ACC:[^:]+]]: f32):
// CHECK-NEXT: %[[D:.*]] = arith.subf %[[A]], %[[M]] : f32
// CHECK-NEXT: %[[D2:.*]] = arith.mulf %[[D]], %[[D]] : f32
// CHECK-NEXT: %[[T:.*]] = arith.mulf %[[D2]], %[[INV]] : f32
// CHECK-NEXT: %[[S:.*]] = arith.addf %[[ACC]], %[[T]] : f32
// CHECK-NEXT: linalg.yield %[[S]] : f32
// CHECK: %[[EPS:.*]] = arith.constant 9.99999974E-6 : f32
// CHECK: %[[Y:.*]] = linalg.generic {indexing_maps = [#[[X]], #[[ROW]], #[[ROW]], #[[PARAM]], #[[PARAM]], #[[X]]], iterator_types = ["parallel", "parallel", "parallel"]}
// CHECK-SAME: ins(%arg0, %[[MEAN]], %[[VAR]], %arg1, %arg2 : tensor<?x?x768xf32>, tensor<?x?xf32>, tensor<?x?xf32>, tensor<768xf32>, tensor<768xf32>)
// CHECK-NEXT: ^bb0(%[[A:[^:]+]]: f32, %[[M:[^:]+]]: f32, %[[V:[^:]+]]: f32, %[[G:[^:]+]]: f32, %[[B:[^:]+]]: f32, %{{.*}}: f32):
// CHECK-NEXT: %[[C:.*]] = arith.subf %[[A]], %[[M]] : f32
// CHECK-NEXT: %[[VE:.*]] = arith.addf %[[V]], %[[EPS]] : f32
// CHECK-NEXT: %[[SD:.*]] = math.sqrt %[[VE]] : f32
// CHECK-NEXT: %[[N:.*]] = arith.divf %[[C]], %[[SD]] : f32
// CHECK-NEXT: %[[NG:.*]] = arith.mulf %[[N]], %[[G]] : f32
// CHECK-NEXT: %[[R:.*]] = arith.addf %[[NG]], %[[B]] : f32
// CHECK-NEXT: linalg.yield %[[R]] : f32
// CHECK: return %[[Y]]
// BUF-LABEL: func.func @layer_norm
// BUF-COUNT-3: linalg.generic
func.func @layer_norm(%x: tensor<?x?x768xf32>, %g: tensor<768xf32>, %b: tensor<768xf32>) -> tensor<?x?x768xf32> {
  %y = tessera.layer_norm %x scale %g bias %b axis 2 epsilon 9.99999974E-6 : (tensor<?x?x768xf32>, tensor<768xf32>, tensor<768xf32>) -> tensor<?x?x768xf32>
  return %y : tensor<?x?x768xf32>
}

// -----

// f16 with a residual: x = input + residual in f16 (the sum is also
// residual_output), widened to f32 for the statistics and the output, which
// is rounded back once.
// CHECK-LABEL: func.func @residual_f16
// CHECK: linalg.generic
// CHECK-SAME: ins(%arg0, %arg3 : tensor<?x?x64xf16>, tensor<?x?x64xf16>) outs(%{{.*}} : tensor<?x?xf32>)
// CHECK-NEXT: ^bb0(%[[A:[^:]+]]: f16, %[[R:[^:]+]]: f16, %{{.*}}: f32):
// CHECK-NEXT: %[[X:.*]] = arith.addf %[[A]], %[[R]] : f16
// CHECK-NEXT: arith.extf %[[X]] : f16 to f32
// CHECK: linalg.generic
// CHECK: %[[OUT:.*]]:2 = linalg.generic
// CHECK-SAME: outs(%{{.*}}, %{{.*}} : tensor<?x?x64xf16>, tensor<?x?x64xf16>)
// CHECK-NEXT: ^bb0(%[[A:[^:]+]]: f16, %[[R:[^:]+]]: f16,
// CHECK-NEXT: %[[X:.*]] = arith.addf %[[A]], %[[R]] : f16
// CHECK: %[[Y:.*]] = arith.truncf %{{.*}} : f32 to f16
// CHECK-NEXT: linalg.yield %[[Y]], %[[X]] : f16, f16
// CHECK: return %[[OUT]]#0, %[[OUT]]#1
func.func @residual_f16(%a: tensor<?x?x64xf16>, %g: tensor<64xf16>, %b: tensor<64xf16>, %x: tensor<?x?x64xf16>) -> (tensor<?x?x64xf16>, tensor<?x?x64xf16>) {
  %y, %sum = tessera.layer_norm %a scale %g bias %b residual %x axis 2 epsilon 9.99999974E-6 : (tensor<?x?x64xf16>, tensor<64xf16>, tensor<64xf16>, tensor<?x?x64xf16>) -> (tensor<?x?x64xf16>, tensor<?x?x64xf16>)
  return %y, %sum : tensor<?x?x64xf16>, tensor<?x?x64xf16>
}

// -----

// Normalizing dynamic dims: 1/N from their product at run time.
// CHECK-DAG: #[[ROW:.*]] = affine_map<(d0, d1, d2) -> (d0)>
// CHECK-DAG: #[[PARAM:.*]] = affine_map<(d0, d1, d2) -> (d1, d2)>
// CHECK-LABEL: func.func @dynamic_count
// CHECK: %[[D1:.*]] = tensor.dim %arg0, %c1
// CHECK: %[[D2:.*]] = tensor.dim %arg0, %c2
// CHECK: %[[N:.*]] = arith.muli %[[D1]], %[[D2]] : index
// CHECK: %[[NI:.*]] = arith.index_castui %[[N]] : index to i64
// CHECK: %[[NF:.*]] = arith.uitofp %[[NI]] : i64 to f32
// CHECK: %[[INV:.*]] = arith.divf %{{.*}}, %[[NF]] : f32
// CHECK: tensor.empty() : tensor<2xf32>
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "reduction", "reduction"]
// CHECK: arith.mulf %{{.*}}, %[[INV]] : f32
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "reduction", "reduction"]
// CHECK: linalg.generic {indexing_maps = [#{{.*}}, #[[ROW]], #[[ROW]], #[[PARAM]], #{{.*}}]
func.func @dynamic_count(%x: tensor<2x?x?xf32>, %g: tensor<?x?xf32>) -> tensor<2x?x?xf32> {
  %y = tessera.layer_norm %x scale %g axis 1 epsilon 9.99999974E-6 : (tensor<2x?x?xf32>, tensor<?x?xf32>) -> tensor<2x?x?xf32>
  return %y : tensor<2x?x?xf32>
}

// -----

// Llama's RMSNorm: one reduction for the mean square, then x / sqrt(ms +
// eps) * scale.
// CHECK-LABEL: func.func @rms_norm
// CHECK: %[[INV:.*]] = arith.constant 1.562500e-02 : f32
// CHECK: %[[MS:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction"]
// CHECK-NEXT: ^bb0(%[[A:[^:]+]]: f32, %[[ACC:[^:]+]]: f32):
// CHECK-NEXT: %[[SQ:.*]] = arith.mulf %[[A]], %[[A]] : f32
// CHECK-NEXT: %[[T:.*]] = arith.mulf %[[SQ]], %[[INV]] : f32
// CHECK-NEXT: %[[S:.*]] = arith.addf %[[ACC]], %[[T]] : f32
// CHECK-NEXT: linalg.yield %[[S]] : f32
// CHECK: %[[EPS:.*]] = arith.constant 9.99999997E-7 : f32
// CHECK: %[[Y:.*]] = linalg.generic
// CHECK-SAME: ins(%arg0, %[[MS]], %arg1 : tensor<?x?x64xf32>, tensor<?x?xf32>, tensor<64xf32>)
// CHECK-NEXT: ^bb0(%[[A:[^:]+]]: f32, %[[M:[^:]+]]: f32, %[[G:[^:]+]]: f32, %{{.*}}: f32):
// CHECK-NEXT: %[[ME:.*]] = arith.addf %[[M]], %[[EPS]] : f32
// CHECK-NEXT: %[[RMS:.*]] = math.sqrt %[[ME]] : f32
// CHECK-NEXT: %[[N:.*]] = arith.divf %[[A]], %[[RMS]] : f32
// CHECK-NEXT: %[[R:.*]] = arith.mulf %[[N]], %[[G]] : f32
// CHECK-NEXT: linalg.yield %[[R]] : f32
// CHECK: return %[[Y]]
func.func @rms_norm(%x: tensor<?x?x64xf32>, %g: tensor<64xf32>) -> tensor<?x?x64xf32> {
  %y = tessera.rms_norm %x scale %g axis 2 epsilon 9.99999997E-7 : (tensor<?x?x64xf32>, tensor<64xf32>) -> tensor<?x?x64xf32>
  return %y : tensor<?x?x64xf32>
}

// -----

// Normalizing everything (axis 0) with a residual: the statistics are a
// scalar tensor and the last generic yields the sum as well.
// CHECK-DAG: #[[SCALAR:.*]] = affine_map<(d0, d1) -> ()>
// CHECK-LABEL: func.func @rms_all_residual
// CHECK: %[[E:.*]] = tensor.empty() : tensor<f32>
// CHECK: linalg.generic {indexing_maps = [#{{.*}}, #{{.*}}, #[[SCALAR]]], iterator_types = ["reduction", "reduction"]}
// CHECK: %[[R:.*]]:2 = linalg.generic
// CHECK: linalg.yield %{{.*}}, %{{.*}} : f32, f32
// CHECK: return %[[R]]#0, %[[R]]#1
func.func @rms_all_residual(%x: tensor<4x8xf32>, %g: tensor<4x8xf32>, %r: tensor<4x8xf32>) -> (tensor<4x8xf32>, tensor<4x8xf32>) {
  %y, %s = tessera.rms_norm %x scale %g residual %r axis 0 epsilon 9.99999974E-6 : (tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>) -> (tensor<4x8xf32>, tensor<4x8xf32>)
  return %y, %s : tensor<4x8xf32>, tensor<4x8xf32>
}
