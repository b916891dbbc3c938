//===- WeightPacking.h - matmul weights in the kernels' layout --*- C++ -*-===//
//
// A matmul whose right-hand side is a constant [K, N] weight reads it, in the
// register-tiled kernel, one kPanelWidth-wide row at a time down K: with the
// row-major layout each step jumps N floats (a new page every step for
// N = 3072). At compile time the weight is repacked into panels
// [N / kPanelWidth, K, kPanelWidth], so that a panel is one contiguous
// stream, and the matmul is rewritten to read the panels:
//
//   C[m, n] += A[m, k] * B[k, n]
//     becomes
//   C'[m, nb, ni] += A[m, k] * P[nb, k, ni]    (C' = C viewed [M, N/w, w])
//
// A weight stored [N, K] (a tied embedding read as the LM head) is packed
// the same way, and an N that is not a multiple of the panel width gets a
// zero-padded last panel: the matmul computes into whole panels from its
// zero fill and the result is cut back to N columns. The packed weight is
// what the module stores, once however many functions read it.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_CODEGEN_CPU_WEIGHTPACKING_H
#define TESSERA_CODEGEN_CPU_WEIGHTPACKING_H

#include "mlir/IR/BuiltinOps.h"

namespace tessera::cpu {

/// Panel width: the register block's N (ContractionVectorization.h).
inline constexpr int64_t kPanelWidth = 64;

/// Packs the constant weights of every f32 contraction in `module` (linalg
/// on tensors, before dispatch formation).
mlir::LogicalResult packMatmulWeights(mlir::ModuleOp module);

} // namespace tessera::cpu

#endif // TESSERA_CODEGEN_CPU_WEIGHTPACKING_H
