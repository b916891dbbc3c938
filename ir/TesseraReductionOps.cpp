//===- TesseraReductionOps.cpp - reductions and softmax -------------------===//

#include "ir/TesseraDialect.h"

#include "mlir/IR/Builders.h"

using namespace mlir;
using namespace tessera;

/// Checks `axes` (ascending, unique, in range) and computes the reduced shape.
static LogicalResult inferReduce(OptionalLoc loc, StringRef name, Value input,
                                 ArrayRef<int64_t> axes, bool keepDims,
                                 SmallVectorImpl<Type> &results) {
  auto type = cast<RankedTensorType>(input.getType());
  int64_t rank = type.getRank();
  for (auto [i, axis] : llvm::enumerate(axes)) {
    if (failed(requireAxisInRange(loc, axis, rank, name)))
      return failure();
    if (i > 0 && axes[i - 1] >= axis)
      return emitOptionalError(loc, name,
                               ": axes must be strictly ascending (got ",
                               axes[i - 1], " before ", axis, ")");
  }
  SmallVector<int64_t> shape;
  for (int64_t d = 0; d < rank; ++d) {
    if (!llvm::is_contained(axes, d))
      shape.push_back(type.getDimSize(d));
    else if (keepDims)
      shape.push_back(1);
  }
  results.push_back(RankedTensorType::get(shape, type.getElementType()));
  return success();
}

/// A reduction over nothing, or over size-1 dimensions that it keeps, is the
/// identity for sum, mean and max alike.
template <typename ReduceOp>
static OpFoldResult foldIdentityReduce(ReduceOp op) {
  if (op.getInput().getType() != op.getType())
    return {};
  auto type = cast<RankedTensorType>(op.getType());
  for (int64_t axis : op.getAxes())
    if (type.getDimSize(axis) != 1)
      return {};
  return op.getInput();
}

#define TESSERA_REDUCE_OP(Op)                                                  \
  LogicalResult Op::inferReturnTypes(MLIRContext *, OptionalLoc loc,           \
                                     Adaptor adaptor,                          \
                                     SmallVectorImpl<Type> &results) {         \
    return inferReduce(loc, getOperationName(), adaptor.getInput(),           \
                       adaptor.getAxes(), adaptor.getKeepDims(), results);     \
  }                                                                            \
  OpFoldResult Op::fold(FoldAdaptor) { return foldIdentityReduce(*this); }
TESSERA_REDUCE_OP(ReduceSumOp)
TESSERA_REDUCE_OP(ReduceMeanOp)
TESSERA_REDUCE_OP(ReduceMaxOp)
#undef TESSERA_REDUCE_OP

LogicalResult SoftmaxOp::verify() {
  return requireAxisInRange(getLoc(), getAxis(),
                            getInput().getType().getRank(),
                            getOperationName());
}

LogicalResult CumSumOp::verify() {
  return requireAxisInRange(getLoc(), getAxis(),
                            getInput().getType().getRank(),
                            getOperationName());
}

#define GET_OP_CLASSES
#include "ir/TesseraReductionOps.cpp.inc"
