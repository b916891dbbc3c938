// RUN: tessera-opt %s --tessera-lower-to-linalg --split-input-file | FileCheck %s
// RUN: tessera-opt %s --tessera-lower-to-linalg --one-shot-bufferize --split-input-file | FileCheck %s --check-prefix=BUF

// Rotate-half with position ids into [2048, 32] caches: one generic over
// the output. Channel d < 32 pairs with d + 32 and subtracts, d >= 32 pairs
// with d - 32 and adds; both use column d mod 32 of the row positions[b, s]
// (clamped into the cache). The partner is read with tensor.extract.
// CHECK-DAG: #[[X:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
// CHECK-DAG: #[[POS:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d2)>
// CHECK-LABEL: func.func @rotate_half_positions
// CHECK: %[[E:.*]] = tensor.empty(%{{.*}}, %{{.*}}) : tensor<?x8x?x64xf32>
// CHECK: %[[HALF:.*]] = arith.constant 32 : index
// CHECK: %[[LAST:.*]] = arith.constant 2047 : index
// CHECK: linalg.generic {indexing_maps = [#[[X]], #[[POS]], #[[X]]], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
// CHECK-SAME: ins(%arg0, %arg3 : tensor<?x8x?x64xf32>, tensor<?x?xi64>) outs(%[[E]] : tensor<?x8x?x64xf32>)
// CHECK-NEXT: ^bb0(%[[IN:[^:]+]]: f32, %[[P:[^:]+]]: i64, %{{.*}}: f32):
// CHECK-NEXT: %[[B:.*]] = linalg.index 0 : index
// CHECK-NEXT: %[[H:.*]] = linalg.index 1 : index
// CHECK-NEXT: %[[S:.*]] = linalg.index 2 : index
// CHECK-NEXT: %[[D:.*]] = linalg.index 3 : index
// CHECK-NEXT: %[[FIRST:.*]] = arith.cmpi ult, %[[D]], %[[HALF]] : index
// CHECK-NEXT: %[[UP:.*]] = arith.subi %[[D]], %[[HALF]] : index
// CHECK-NEXT: %[[COL:.*]] = arith.select %[[FIRST]], %[[D]], %[[UP]] : index
// CHECK-NEXT: %[[DN:.*]] = arith.addi %[[D]], %[[HALF]] : index
// CHECK-NEXT: %[[PARTNER:.*]] = arith.select %[[FIRST]], %[[DN]], %[[UP]] : index
// CHECK-NEXT: %[[PI:.*]] = arith.index_cast %[[P]] : i64 to index
// CHECK-NEXT: %[[Z:.*]] = arith.constant 0 : index
// CHECK-NEXT: %[[PHI:.*]] = arith.minsi %[[PI]], %[[LAST]] : index
// CHECK-NEXT: %[[ROW:.*]] = arith.maxsi %[[PHI]], %[[Z]] : index
// CHECK-NEXT: %[[C:.*]] = tensor.extract %arg1[%[[ROW]], %[[COL]]] : tensor<2048x32xf32>
// CHECK-NEXT: %[[SN:.*]] = tensor.extract %arg2[%[[ROW]], %[[COL]]] : tensor<2048x32xf32>
// CHECK-NEXT: %[[OTHER:.*]] = tensor.extract %arg0[%[[B]], %[[H]], %[[S]], %[[PARTNER]]] : tensor<?x8x?x64xf32>
// CHECK-NEXT: %[[XC:.*]] = arith.mulf %[[IN]], %[[C]] : f32
// CHECK-NEXT: %[[OS:.*]] = arith.mulf %[[OTHER]], %[[SN]] : f32
// CHECK-NEXT: %[[LO:.*]] = arith.subf %[[XC]], %[[OS]] : f32
// CHECK-NEXT: %[[HI:.*]] = arith.addf %[[XC]], %[[OS]] : f32
// CHECK-NEXT: %[[R:.*]] = arith.select %[[FIRST]], %[[LO]], %[[HI]] : f32
// CHECK-NEXT: linalg.yield %[[R]] : f32
// BUF-LABEL: func.func @rotate_half_positions
// BUF-COUNT-3: memref.load
func.func @rotate_half_positions(%q: tensor<?x8x?x64xf32>, %cos: tensor<2048x32xf32>, %sin: tensor<2048x32xf32>, %pos: tensor<?x?xi64>) -> tensor<?x8x?x64xf32> {
  %0 = tessera.rotary_embedding %q, %cos, %sin positions %pos : (tensor<?x8x?x64xf32>, tensor<2048x32xf32>, tensor<2048x32xf32>, tensor<?x?xi64>) -> tensor<?x8x?x64xf32>
  return %0 : tensor<?x8x?x64xf32>
}

// -----

// Interleaved pairs (2i, 2i + 1) use column d / 2 and partner d ^ 1; with
// rotary_dim 4 of 8 channels, channels from 4 on pass through (computed on
// channel 0 so that every read stays in bounds, then not selected). cos/sin
// per sequence [B, S, half] with a static batch of 1 broadcast.
// CHECK-LABEL: func.func @interleaved_partial
// CHECK: %[[R:.*]] = arith.constant 4 : index
// CHECK: linalg.generic
// CHECK-SAME: ins(%arg0 : tensor<2x2x3x8xf32>)
// CHECK-NEXT: ^bb0(%[[IN:[^:]+]]: f32, %{{.*}}: f32):
// CHECK-NEXT: %[[Z:.*]] = arith.constant 0 : index
// CHECK: %[[S:.*]] = linalg.index 2 : index
// CHECK-NEXT: %[[D:.*]] = linalg.index 3 : index
// CHECK-NEXT: %[[ROT:.*]] = arith.cmpi ult, %[[D]], %[[R]] : index
// CHECK-NEXT: %[[DD:.*]] = arith.select %[[ROT]], %[[D]], %[[Z]] : index
// CHECK-NEXT: %[[ONE:.*]] = arith.constant 1 : index
// CHECK-NEXT: %[[ODD:.*]] = arith.andi %[[DD]], %[[ONE]] : index
// CHECK-NEXT: %[[FIRST:.*]] = arith.cmpi eq, %[[ODD]], %[[Z]] : index
// CHECK-NEXT: %[[COL:.*]] = arith.shrui %[[DD]], %[[ONE]] : index
// CHECK-NEXT: %[[PARTNER:.*]] = arith.xori %[[DD]], %[[ONE]] : index
// CHECK-NEXT: tensor.extract %arg1[%[[Z]], %[[S]], %[[COL]]] : tensor<1x3x2xf32>
// CHECK-NEXT: tensor.extract %arg2[%[[Z]], %[[S]], %[[COL]]] : tensor<1x3x2xf32>
// CHECK-NEXT: tensor.extract %arg0[%{{.*}}, %{{.*}}, %[[S]], %[[PARTNER]]] : tensor<2x2x3x8xf32>
// CHECK: %[[V:.*]] = arith.select %[[FIRST]]
// CHECK-NEXT: %[[OUT:.*]] = arith.select %[[ROT]], %[[V]], %[[IN]] : f32
// CHECK-NEXT: linalg.yield %[[OUT]] : f32
func.func @interleaved_partial(%q: tensor<2x2x3x8xf32>, %cos: tensor<1x3x2xf32>, %sin: tensor<1x3x2xf32>) -> tensor<2x2x3x8xf32> {
  %0 = tessera.rotary_embedding %q, %cos, %sin interleaved rotary_dim 4 : (tensor<2x2x3x8xf32>, tensor<1x3x2xf32>, tensor<1x3x2xf32>) -> tensor<2x2x3x8xf32>
  return %0 : tensor<2x2x3x8xf32>
}

// -----

// cos/sin [S, half] read at row s; a dynamic head dim gives half at run
// time; f16 is computed in f32.
// CHECK-LABEL: func.func @dynamic_head_dim_f16
// CHECK: %[[D:.*]] = tensor.dim %arg0, %c3 : tensor<1x4x?x?xf16>
// CHECK: %[[HALF:.*]] = arith.divui %[[D]], %{{.*}} : index
// CHECK: linalg.generic
// CHECK: arith.cmpi ult, %{{.*}}, %[[HALF]] : index
// CHECK: %[[C:.*]] = tensor.extract %arg1[%{{.*}}, %{{.*}}] : tensor<?x?xf16>
// CHECK: arith.extf %[[C]] : f16 to f32
// CHECK: arith.truncf %{{.*}} : f32 to f16
func.func @dynamic_head_dim_f16(%q: tensor<1x4x?x?xf16>, %cos: tensor<?x?xf16>, %sin: tensor<?x?xf16>) -> tensor<1x4x?x?xf16> {
  %0 = tessera.rotary_embedding %q, %cos, %sin : (tensor<1x4x?x?xf16>, tensor<?x?xf16>, tensor<?x?xf16>) -> tensor<1x4x?x?xf16>
  return %0 : tensor<1x4x?x?xf16>
}
