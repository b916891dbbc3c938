//===- EpilogueFusion.h - matmul epilogues computed in place ----*- C++ -*-===//
//
// A matmul's bias, activation and residual add (one elementwise op after
// elementwise fusion) would be a dispatch of its own that reads and writes
// the whole [M, N] result again. Instead the elementwise op becomes the
// matmul's epilogue: it takes the matmul's result as its output operand and
// updates it in place, so that dispatch formation puts both in one kernel
// and workgroup tiling computes the epilogue on each matmul tile while it is
// still in cache:
//
//   %mm = linalg.generic {... "reduction"} ins(%a, %w) outs(%zero)
//   %y  = linalg.generic {all parallel} ins(%mm, %bias) outs(%empty) {
//           ^bb0(%m, %b, %out): yield gelu(%m + %b) }
//     becomes
//   %y  = linalg.generic {all parallel} ins(%bias) outs(%mm) {
//           ^bb0(%b, %m): yield gelu(%m + %b) }
//
// A packed matmul's result is viewed back as [M, N] by a collapse_shape;
// the epilogue is first rewritten to work on the panel shape [M, N/64, 64]
// (its other operands are expanded to match), so that nothing stands
// between the two.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_CODEGEN_CPU_EPILOGUEFUSION_H
#define TESSERA_CODEGEN_CPU_EPILOGUEFUSION_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/BuiltinOps.h"

namespace tessera::cpu {

/// Rewrites every eligible elementwise consumer of an f32 contraction in
/// `module` (linalg on tensors, after weight packing) into its epilogue.
mlir::LogicalResult formMatmulEpilogues(mlir::ModuleOp module);

/// The contraction whose result `op` updates in place, when `op` is an
/// epilogue in the form above; null otherwise.
mlir::linalg::LinalgOp epilogueContraction(mlir::Operation *op);

/// Whether `op` is a contraction whose only use is as the output operand of
/// an epilogue: dispatch formation puts it in that op's kernel.
bool isEpilogueProducer(mlir::Operation *op);

} // namespace tessera::cpu

#endif // TESSERA_CODEGEN_CPU_EPILOGUEFUSION_H
