//===- ContractionVectorization.h - register-tiled matmuls -----*- C++ -*-===//
//
// The inner loops of every float contraction (matmul, batch matmul, the
// contraction part of a fused matmul) inside a workgroup tile become a
// register-blocked micro-kernel: the tile is split into kRegisterTileM x
// kRegisterTileN blocks of the output, each accumulated in vector registers
// over the reduction as outer products (one broadcast of A, a row of B and
// kRegisterTileM FMAs per step). Blocks at the edges, whose sizes are only
// known at run time, are peeled off and stay scalar loops.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_CODEGEN_CPU_CONTRACTIONVECTORIZATION_H
#define TESSERA_CODEGEN_CPU_CONTRACTIONVECTORIZATION_H

#include "mlir/Dialect/Func/IR/FuncOps.h"

namespace tessera::cpu {

/// On tensors, after workgroup tiling: tiles the contractions to register
/// blocks, peels the partial blocks and vectorizes the full ones.
mlir::LogicalResult vectorizeContractions(mlir::func::FuncOp kernel);

/// On buffers: keeps the accumulators in registers across the reduction loop
/// and lowers the vector ops to what convert-vector-to-llvm handles.
mlir::LogicalResult lowerVectorContractions(mlir::func::FuncOp kernel);

} // namespace tessera::cpu

#endif // TESSERA_CODEGEN_CPU_CONTRACTIONVECTORIZATION_H
