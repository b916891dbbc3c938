//===- LoweringUtils.h - helpers shared by the linalg lowerings -*- C++ -*-===//

#ifndef TESSERA_CODEGEN_LINALG_LOWERINGUTILS_H
#define TESSERA_CODEGEN_LINALG_LOWERINGUTILS_H

#include "mlir/IR/AffineMap.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"

namespace tessera {

/// The sizes of `value` (a ranked tensor): static sizes as attributes,
/// dynamic ones as tensor.dim.
llvm::SmallVector<mlir::OpFoldResult> tensorSizes(mlir::OpBuilder &b,
                                                  mlir::Location loc,
                                                  mlir::Value value);

/// A tensor.empty of `type` whose dynamic sizes are taken, dimension by
/// dimension, from `sizes` (one per dimension of `type`).
mlir::Value emptyTensor(mlir::OpBuilder &b, mlir::Location loc,
                        mlir::RankedTensorType type,
                        llvm::ArrayRef<mlir::OpFoldResult> sizes);

/// The sizes of a broadcast result of `resultType` from `operands` (NumPy
/// rules, aligned from the right): for each dynamic result dim, tensor.dim of
/// the first operand whose dimension there is not a static 1.
llvm::SmallVector<mlir::OpFoldResult>
broadcastSizes(mlir::OpBuilder &b, mlir::Location loc,
               mlir::RankedTensorType resultType, mlir::ValueRange operands);

/// Run-time checks (cf.assert, which the host program turns into shape
/// checks) that every dynamic dim of `operands` equals the broadcast result's
/// size there: broadcasting maps take dynamic dims as equal, so a dim that is
/// 1 at run time must be reported, not read out of bounds. Checks of equal
/// SSA sizes fold away.
void assertDynamicDimsMatch(mlir::OpBuilder &b, mlir::Location loc,
                            llvm::ArrayRef<mlir::OpFoldResult> sizes,
                            mlir::ValueRange operands);

/// The indexing map that reads an operand of `operandType` inside a loop nest
/// over `resultRank` dims with NumPy broadcasting: dims aligned from the
/// right, a static size-1 dim that the result stretches reads index 0.
/// (A dynamic operand dim is taken to equal the result's.)
mlir::AffineMap broadcastMap(mlir::MLIRContext *ctx,
                             mlir::RankedTensorType operandType,
                             mlir::RankedTensorType resultType);

/// A scalar constant of `type` (float or integer) with value `value`.
mlir::Value scalarConstant(mlir::OpBuilder &b, mlir::Location loc,
                           mlir::Type type, double value);

} // namespace tessera

#endif // TESSERA_CODEGEN_LINALG_LOWERINGUTILS_H
