//===- LoweringPatterns.h - tessera -> linalg pattern sets ------*- C++ -*-===//
//
// One populate function per op family, each in the file of the same name.
// Patterns produce linalg/tensor/arith/math on tensors and take dynamic sizes
// from tensor.dim of their operands.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_CODEGEN_LINALG_LOWERINGPATTERNS_H
#define TESSERA_CODEGEN_LINALG_LOWERINGPATTERNS_H

#include "mlir/IR/PatternMatch.h"

namespace tessera {

/// constant, elementwise unary/binary (broadcasting), cmp, where, cast,
/// matmul, reduce_*, softmax, cumsum.
void populateLowerMathPatterns(mlir::RewritePatternSet &patterns);

/// transpose, reshape, expand, concat, slice, gather, iota, trilu.
void populateLowerShapePatterns(mlir::RewritePatternSet &patterns);

/// layer_norm, rms_norm, gelu, rotary_embedding, embedding, fused_matmul.
void populateLowerFusedPatterns(mlir::RewritePatternSet &patterns);

} // namespace tessera

#endif // TESSERA_CODEGEN_LINALG_LOWERINGPATTERNS_H
