//===- ShapeInference.cpp - shape rules shared by tessera ops -------------===//

#include "ir/ShapeInference.h"

#include "mlir/Dialect/Traits.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/TypeUtilities.h"

using namespace mlir;

namespace tessera {

bool areCompatibleResultTypes(TypeRange inferred, TypeRange declared) {
  if (inferred.size() != declared.size())
    return false;
  for (auto [lhs, rhs] : llvm::zip_equal(inferred, declared)) {
    auto lhsTensor = dyn_cast<RankedTensorType>(lhs);
    auto rhsTensor = dyn_cast<RankedTensorType>(rhs);
    if (!lhsTensor || !rhsTensor)
      return false;
    if (lhsTensor.getElementType() != rhsTensor.getElementType() ||
        failed(verifyCompatibleShape(lhsTensor, rhsTensor)))
      return false;
  }
  return true;
}

FailureOr<SmallVector<int64_t>>
broadcastShapes(OptionalLoc loc, ArrayRef<ArrayRef<int64_t>> shapes,
                StringRef what) {
  SmallVector<int64_t> result;
  for (ArrayRef<int64_t> shape : shapes) {
    SmallVector<int64_t> next;
    if (!OpTrait::util::getBroadcastedShape(result, shape, next)) {
      auto render = [](ArrayRef<int64_t> dims) {
        std::string text = "[";
        for (auto [i, d] : llvm::enumerate(dims))
          text += (i ? ", " : "") +
                  (ShapedType::isDynamic(d) ? std::string("?")
                                            : std::to_string(d));
        return text + "]";
      };
      (void)emitOptionalError(loc, what, ": shapes ", render(result), " and ",
                              render(shape), " do not broadcast");
      return failure();
    }
    result = std::move(next);
  }
  return result;
}

LogicalResult requireSameElementType(OptionalLoc loc, TypeRange types,
                                     StringRef what) {
  if (types.empty())
    return success();
  Type expected = getElementTypeOrSelf(types.front());
  for (Type type : types.drop_front())
    if (getElementTypeOrSelf(type) != expected)
      return emitOptionalError(loc, what, ": element types differ (",
                               expected, " and ", getElementTypeOrSelf(type),
                               ")");
  return success();
}

LogicalResult requireAxisInRange(OptionalLoc loc, int64_t axis, int64_t rank,
                                 StringRef what) {
  if (axis < 0 || axis >= rank)
    return emitOptionalError(loc, what, ": axis ", axis,
                             " is out of range for rank ", rank,
                             " (axes are normalized to [0, rank))");
  return success();
}

LogicalResult requireCompatibleDim(OptionalLoc loc, int64_t lhs, int64_t rhs,
                                   StringRef what) {
  if (ShapedType::isDynamic(lhs) || ShapedType::isDynamic(rhs) || lhs == rhs)
    return success();
  return emitOptionalError(loc, what, ": ", lhs, " vs ", rhs);
}

int64_t mergeDims(int64_t lhs, int64_t rhs) {
  return ShapedType::isDynamic(lhs) ? rhs : lhs;
}

ArrayRef<int64_t> shapeOf(Type type) {
  return cast<RankedTensorType>(type).getShape();
}

FailureOr<SmallVector<int64_t>> inferMatmulShape(OptionalLoc loc,
                                                 StringRef name, Type lhs,
                                                 Type rhs) {
  if (failed(requireSameElementType(loc, {lhs, rhs}, name)))
    return failure();
  ArrayRef<int64_t> a = shapeOf(lhs), b = shapeOf(rhs);
  if (a.size() < 2 || b.size() < 2) {
    (void)emitOptionalError(loc, name,
                            ": operands must have rank 2 or more (got ",
                            a.size(), " and ", b.size(), ")");
    return failure();
  }
  if (failed(requireCompatibleDim(loc, a.back(), b[b.size() - 2],
                                  (name + ": contraction dimensions differ")
                                      .str())))
    return failure();
  auto batch = broadcastShapes(loc, {a.drop_back(2), b.drop_back(2)},
                               (name + " batch dimensions").str());
  if (failed(batch))
    return failure();
  SmallVector<int64_t> shape = *batch;
  shape.push_back(a[a.size() - 2]);
  shape.push_back(b.back());
  return shape;
}
} // namespace tessera
