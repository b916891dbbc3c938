//===- ImportHelpers.cpp - small pieces shared by the op importers --------===//

#include "frontend/onnx/ops/ImportHelpers.h"

using namespace mlir;

namespace tessera::onnx_frontend {

FailureOr<int64_t> normalizeAxis(NodeImporter &n, int64_t axis, int64_t rank) {
  if (axis < -rank || axis >= rank)
    return n.error("axis " + llvm::Twine(axis) + " is out of range for rank " +
                   llvm::Twine(rank));
  return axis < 0 ? axis + rank : axis;
}

FailureOr<llvm::SmallVector<int64_t>>
normalizeAxes(NodeImporter &n, llvm::ArrayRef<int64_t> axes, int64_t rank) {
  llvm::SmallVector<int64_t> result;
  for (int64_t axis : axes) {
    FailureOr<int64_t> normalized = normalizeAxis(n, axis, rank);
    if (failed(normalized))
      return failure();
    result.push_back(*normalized);
  }
  llvm::sort(result);
  if (std::adjacent_find(result.begin(), result.end()) != result.end())
    return n.error("axes repeat an axis");
  return result;
}

Value scalarConstant(NodeImporter &n, Type elementType, double value) {
  auto type = RankedTensorType::get({}, elementType);
  Attribute element =
      isa<FloatType>(elementType)
          ? Attribute(FloatAttr::get(elementType, value))
          : Attribute(IntegerAttr::get(elementType, static_cast<int64_t>(value)));
  return ConstantOp::create(n.builder(), n.loc(), type,
                            DenseElementsAttr::get(type, element));
}

FailureOr<Value> castTo(NodeImporter &n, Value value, Type elementType) {
  auto type = cast<RankedTensorType>(value.getType());
  if (type.getElementType() == elementType)
    return value;
  return CastOp::create(n.builder(), n.loc(), type.clone(elementType), value)
      .getResult();
}

SymbolicInts dimsOf(NodeImporter &n, Value value) {
  SymbolicInts dims;
  auto type = cast<RankedTensorType>(value.getType());
  for (int64_t d = 0; d < type.getRank(); ++d)
    dims.push_back(n.graph().dimOf(value, d));
  return dims;
}

Value expandToDims(NodeImporter &n, Value value, llvm::ArrayRef<SymbolicInt> dims) {
  llvm::SmallVector<int64_t> shape;
  llvm::SmallVector<Value> dynamic;
  for (const SymbolicInt &d : dims) {
    shape.push_back(d.isConstant() ? d.constant : ShapedType::kDynamic);
    if (!d.isConstant())
      dynamic.push_back(d.dynamic);
  }
  auto type = RankedTensorType::get(
      shape, cast<RankedTensorType>(value.getType()).getElementType());
  return ExpandOp::create(n.builder(), n.loc(), type, value, dynamic);
}

FailureOr<Value> reshapeTo(NodeImporter &n, Value value,
                           llvm::ArrayRef<SymbolicInt> dims) {
  auto type = cast<RankedTensorType>(value.getType());
  llvm::SmallVector<int64_t> shape;
  llvm::SmallVector<Value> dynamic;
  for (const SymbolicInt &d : dims) {
    if (d.isConstant()) {
      if (d.constant < 0)
        return n.error("reshape to a negative size " + llvm::Twine(d.constant));
      shape.push_back(d.constant);
    } else {
      shape.push_back(ShapedType::kDynamic);
      dynamic.push_back(d.dynamic);
    }
  }
  auto resultType = RankedTensorType::get(shape, type.getElementType());
  if (type.hasStaticShape() && resultType.hasStaticShape() &&
      type.getNumElements() != resultType.getNumElements())
    return n.error("cannot reshape " + llvm::Twine(type.getNumElements()) +
                   " elements into " +
                   llvm::Twine(resultType.getNumElements()));
  if (resultType == type && dynamic.empty())
    return value;
  return ReshapeOp::create(n.builder(), n.loc(), resultType, value, dynamic)
      .getResult();
}

FailureOr<std::optional<llvm::SmallVector<int64_t>>>
axesFromInputOrAttr(NodeImporter &n, int64_t inputOpset, size_t inputIndex) {
  if (n.opset() >= inputOpset) {
    if (!n.hasInput(inputIndex))
      return std::optional<llvm::SmallVector<int64_t>>();
    std::optional<llvm::SmallVector<int64_t>> axes =
        n.inputConstants(inputIndex);
    if (!axes)
      return n.error("the axes input must be a compile-time constant");
    return axes;
  }
  return n.intsAttr("axes");
}

} // namespace tessera::onnx_frontend
