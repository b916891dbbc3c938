//===- ImportHelpers.h - small pieces shared by the op importers -*- C++ -*-===//

#ifndef TESSERA_FRONTEND_ONNX_OPS_IMPORTHELPERS_H
#define TESSERA_FRONTEND_ONNX_OPS_IMPORTHELPERS_H

#include "frontend/onnx/GraphImporter.h"
#include "ir/TesseraDialect.h"

namespace tessera::onnx_frontend {

/// `axis` in [-rank, rank) made non-negative, or the node's error.
mlir::FailureOr<int64_t> normalizeAxis(NodeImporter &n, int64_t axis,
                                       int64_t rank);

/// Every axis normalized, sorted and unique, or the node's error.
mlir::FailureOr<llvm::SmallVector<int64_t>>
normalizeAxes(NodeImporter &n, llvm::ArrayRef<int64_t> axes, int64_t rank);

/// A rank-0 constant of `elementType` holding `value` (float or integer).
mlir::Value scalarConstant(NodeImporter &n, mlir::Type elementType,
                           double value);

/// `value` converted to `elementType` with tessera.cast (no-op if equal).
mlir::FailureOr<mlir::Value> castTo(NodeImporter &n, mlir::Value value,
                                    mlir::Type elementType);

/// Reshapes `value` to `dims` (constants and run-time sizes).
mlir::FailureOr<mlir::Value> reshapeTo(NodeImporter &n, mlir::Value value,
                                       llvm::ArrayRef<SymbolicInt> dims);

/// tessera.expand of `value` to `dims` (constants and run-time sizes).
mlir::Value expandToDims(NodeImporter &n, mlir::Value value,
                         llvm::ArrayRef<SymbolicInt> dims);

/// The dims of `value` as symbolic integers.
SymbolicInts dimsOf(NodeImporter &n, mlir::Value value);

/// The axes of a reduction-like op: the `axes` input from `inputOpset` on,
/// the `axes` attribute before; nullopt when neither is given.
mlir::FailureOr<std::optional<llvm::SmallVector<int64_t>>>
axesFromInputOrAttr(NodeImporter &n, int64_t inputOpset, size_t inputIndex);

} // namespace tessera::onnx_frontend

#endif // TESSERA_FRONTEND_ONNX_OPS_IMPORTHELPERS_H
