//===- FusionMatchers.h - semantic matching helpers for fusion --*- C++ -*-===//
//
// Fusion matches what a sub-graph computes rather than how an exporter
// wrote it: products are flattened into a constant coefficient times a
// multiset of factors, and an expression in one variable is expanded into a
// polynomial, so that operand order, association and where constants were
// multiplied in do not matter.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_PASSES_FUSIONMATCHERS_H
#define TESSERA_PASSES_FUSIONMATCHERS_H

#include "ir/TesseraDialect.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include "mlir/IR/Builders.h"
#include "llvm/ADT/SetVector.h"

#include <map>
#include <optional>

namespace tessera {

/// The value of a splat float constant (any shape), if `v` is one.
std::optional<double> splatValue(mlir::Value v);

/// True when |a - b| <= tolerance * |b|.
bool closeTo(double a, double b, double tolerance = 1e-5);

/// A product: coefficient * factor_1 * ... * factor_n. Nested tessera.mul
/// ops that are used only inside the product are flattened; constants are
/// multiplied into the coefficient; division by a constant counts as
/// multiplication by its reciprocal.
struct Product {
  double coefficient = 1.0;
  llvm::SmallVector<mlir::Value> factors;
  /// The ops that form the product (its root included).
  llvm::SetVector<mlir::Operation *> ops;
};
Product flattenProduct(mlir::Value root);

/// A polynomial in one variable: degree -> coefficient.
using Polynomial = std::map<unsigned, double>;

/// Expands `v` as a polynomial in `x` through add, sub, mul, div by a
/// constant, neg and pow with a small integer exponent, recording the ops it
/// went through in `ops`. Every op but the root must be used only inside the
/// expression. Fails on anything else (or a degree above 8).
std::optional<Polynomial> expandPolynomial(mlir::Value v, mlir::Value x,
                                           llvm::SetVector<mlir::Operation *> &ops);

/// True when every use of every op in `ops` but `root` is by an op in `ops`:
/// no intermediate escapes, so the whole set can be replaced.
bool isSelfContained(const llvm::SetVector<mlir::Operation *> &ops,
                     mlir::Operation *root);

/// The users of `v` that are not tensor.dim; the dims go to `dims` (shape
/// queries a matcher can answer from other values).
llvm::SmallVector<mlir::Operation *>
nonShapeUsers(mlir::Value v, llvm::SmallVectorImpl<mlir::tensor::DimOp> &dims);

/// The single user of `v`, if it has exactly one use.
mlir::Operation *singleUser(mlir::Value v);

/// The ONNX node name carried by a location (NameLoc), or "".
std::string nodeName(mlir::Location loc);

/// Emits the fusion remark for one candidate: "fused as <kind>" or "not
/// fused as <kind>: <reason>". tessera-compile builds its report from these.
void remarkCandidate(mlir::Operation *candidate, llvm::StringRef kind,
                     bool fused, llvm::StringRef reason = "");

/// Creates the op `state` describes and verifies it; on failure erases it
/// and returns null with the verifier's messages in `reason`.
mlir::Operation *createVerified(mlir::OpBuilder &builder,
                                mlir::OperationState &state,
                                std::string &reason);

/// Erases the ops of a replaced pattern that are now unused, users first,
/// and the constants only they used.
void eraseDeadPatternOps(const llvm::SetVector<mlir::Operation *> &ops);

} // namespace tessera

#endif // TESSERA_PASSES_FUSIONMATCHERS_H
