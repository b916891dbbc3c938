//===- ShapeInference.h - shape rules shared by tessera ops -----*- C++ -*-===//
//
// Result-type inference is the type verifier of most tessera ops, so these
// helpers report what is wrong (at the op's location) instead of asserting.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_IR_SHAPEINFERENCE_H
#define TESSERA_IR_SHAPEINFERENCE_H

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Location.h"
#include "mlir/IR/TypeRange.h"
#include "llvm/ADT/SmallVector.h"

#include <optional>

namespace tessera {

using OptionalLoc = std::optional<mlir::Location>;

/// True when `declared` may stand for `inferred`: the same number of types,
/// and pairwise the same element type, the same rank, and equal dimensions
/// wherever both are static.
bool areCompatibleResultTypes(mlir::TypeRange inferred,
                              mlir::TypeRange declared);

/// The NumPy broadcast of `shapes`: right-aligned, size-1 dimensions stretch,
/// a dynamic dimension takes the static size it meets. Fails with a message
/// naming `what` when two static sizes other than 1 differ.
mlir::FailureOr<llvm::SmallVector<int64_t>>
broadcastShapes(OptionalLoc loc, llvm::ArrayRef<llvm::ArrayRef<int64_t>> shapes,
                llvm::StringRef what);

/// Fails unless every type in `types` has the element type of the first.
mlir::LogicalResult requireSameElementType(OptionalLoc loc,
                                           mlir::TypeRange types,
                                           llvm::StringRef what);

/// Fails unless `0 <= axis < rank`.
mlir::LogicalResult requireAxisInRange(OptionalLoc loc, int64_t axis,
                                       int64_t rank, llvm::StringRef what);

/// Fails unless the two sizes are equal or at least one is dynamic.
mlir::LogicalResult requireCompatibleDim(OptionalLoc loc, int64_t lhs,
                                         int64_t rhs, llvm::StringRef what);

/// The size of both compatible dimensions: the static one if there is one.
int64_t mergeDims(int64_t lhs, int64_t rhs);

/// The result shape of `lhs @ rhs`: both of rank 2 or more, the same element
/// type, `lhs[-1] == rhs[-2]`, batch dimensions broadcast. `name` prefixes
/// the messages.
mlir::FailureOr<llvm::SmallVector<int64_t>>
inferMatmulShape(OptionalLoc loc, llvm::StringRef name, mlir::Type lhs,
                 mlir::Type rhs);

/// The shape of a ranked tensor type (callers have checked rankedness).
llvm::ArrayRef<int64_t> shapeOf(mlir::Type type);

} // namespace tessera

#endif // TESSERA_IR_SHAPEINFERENCE_H
