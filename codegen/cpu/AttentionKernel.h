//===- AttentionKernel.h - tessera.attention as one flash kernel -*- C++ -*-===//
//
// Lowers the tessera.attention root of an ABI kernel to a tiled kernel with an
// online softmax over blocks of keys: each workgroup iteration owns one
// (batch, head, query block) and keeps only a row maximum, a row sum and an
// accumulator per query, so the Sq x Skv score matrix never exists.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_CODEGEN_CPU_ATTENTIONKERNEL_H
#define TESSERA_CODEGEN_CPU_ATTENTIONKERNEL_H

#include "ir/TesseraDialect.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"

namespace tessera::cpu {

/// Tiles are spread over `workgroups` workgroups; rows are computed in
/// vectors of `vectorBits` (0: one element at a time, as a GPU thread does).
mlir::LogicalResult lowerAttention(tessera::AttentionOp attention,
                                   mlir::func::FuncOp kernel,
                                   int64_t workgroups, int64_t vectorBits);

/// The kernel reads one key and one value sequence: an attention with a
/// past cache becomes concats (the present caches, which the op returns
/// anyway) and an attention over them. On tessera IR, before lowering.
void concatenateAttentionCaches(mlir::ModuleOp module);

} // namespace tessera::cpu

#endif // TESSERA_CODEGEN_CPU_ATTENTIONKERNEL_H
