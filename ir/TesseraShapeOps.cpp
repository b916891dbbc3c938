//===- TesseraShapeOps.cpp - data movement and shape ops ------------------===//

#include "ir/TesseraDialect.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"

#include <algorithm>
#include <limits>

using namespace mlir;
using namespace tessera;

/// Fails unless there is one `index` operand per dynamic dimension of
/// `result`.
static LogicalResult verifyDynamicDims(Operation *op, RankedTensorType result,
                                       ValueRange dynamicDims) {
  if (dynamicDims.size() != static_cast<size_t>(result.getNumDynamicDims()))
    return op->emitOpError("needs one index operand per dynamic result "
                           "dimension: the result has ")
           << result.getNumDynamicDims() << ", the op has "
           << dynamicDims.size();
  return success();
}

//===----------------------------------------------------------------------===//
// TransposeOp
//===----------------------------------------------------------------------===//

LogicalResult TransposeOp::inferReturnTypes(MLIRContext *, OptionalLoc loc,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &results) {
  auto type = cast<RankedTensorType>(adaptor.getInput().getType());
  ArrayRef<int64_t> perm = adaptor.getPermutation();
  if (static_cast<int64_t>(perm.size()) != type.getRank())
    return emitOptionalError(loc, getOperationName(), ": permutation has ",
                             perm.size(), " entries for rank ",
                             type.getRank());
  SmallVector<bool> seen(perm.size(), false);
  SmallVector<int64_t> shape;
  for (int64_t p : perm) {
    if (p < 0 || p >= type.getRank() || seen[p])
      return emitOptionalError(loc, getOperationName(), ": [",
                               llvm::make_range(perm.begin(), perm.end()),
                               "] is not a permutation");
    seen[p] = true;
    shape.push_back(type.getDimSize(p));
  }
  results.push_back(RankedTensorType::get(shape, type.getElementType()));
  return success();
}

OpFoldResult TransposeOp::fold(FoldAdaptor) {
  ArrayRef<int64_t> perm = getPermutation();
  bool identity = llvm::all_of(llvm::enumerate(perm), [](auto entry) {
    return static_cast<int64_t>(entry.index()) == entry.value();
  });
  if (identity && getInput().getType() == getType())
    return getInput();
  // transpose(transpose(x, inner), outer) == transpose(x, inner o outer).
  if (auto inner = getInput().getDefiningOp<TransposeOp>()) {
    SmallVector<int64_t> composed;
    for (int64_t p : perm)
      composed.push_back(inner.getPermutation()[p]);
    getInputMutable().assign(inner.getInput());
    setPermutation(composed);
    return getResult();
  }
  return {};
}

//===----------------------------------------------------------------------===//
// ReshapeOp
//===----------------------------------------------------------------------===//

LogicalResult ReshapeOp::verify() {
  auto input = cast<RankedTensorType>(getInput().getType());
  auto result = cast<RankedTensorType>(getType());
  if (input.getElementType() != result.getElementType())
    return emitOpError("changes the element type from ")
           << input.getElementType() << " to " << result.getElementType();
  if (failed(verifyDynamicDims(*this, result, getDynamicDims())))
    return failure();
  if (input.hasStaticShape() && result.hasStaticShape() &&
      input.getNumElements() != result.getNumElements())
    return emitOpError("changes the number of elements from ")
           << input.getNumElements() << " to " << result.getNumElements();
  return success();
}

OpFoldResult ReshapeOp::fold(FoldAdaptor adaptor) {
  if (getInput().getType() == getType() && getDynamicDims().empty())
    return getInput();
  if (auto constant = dyn_cast_or_null<DenseElementsAttr>(adaptor.getInput()))
    if (cast<RankedTensorType>(getType()).hasStaticShape())
      return constant.reshape(cast<ShapedType>(getType()));
  if (auto inner = getInput().getDefiningOp<ReshapeOp>()) {
    getInputMutable().assign(inner.getInput());
    return getResult();
  }
  return {};
}

//===----------------------------------------------------------------------===//
// ExpandOp
//===----------------------------------------------------------------------===//

LogicalResult ExpandOp::verify() {
  auto input = cast<RankedTensorType>(getInput().getType());
  auto result = cast<RankedTensorType>(getType());
  if (input.getElementType() != result.getElementType())
    return emitOpError("changes the element type from ")
           << input.getElementType() << " to " << result.getElementType();
  if (input.getRank() > result.getRank())
    return emitOpError("cannot broadcast rank ")
           << input.getRank() << " to the lower rank " << result.getRank();
  if (failed(verifyDynamicDims(*this, result, getDynamicDims())))
    return failure();
  int64_t offset = result.getRank() - input.getRank();
  for (int64_t d = 0; d < input.getRank(); ++d) {
    int64_t from = input.getDimSize(d), to = result.getDimSize(d + offset);
    if (from == 1 || ShapedType::isDynamic(from) || ShapedType::isDynamic(to) ||
        from == to)
      continue;
    return emitOpError("cannot broadcast input dimension ")
           << d << " of size " << from << " to size " << to;
  }
  return success();
}

OpFoldResult ExpandOp::fold(FoldAdaptor adaptor) {
  if (getInput().getType() == getType() && getDynamicDims().empty())
    return getInput();
  auto resultType = cast<RankedTensorType>(getType());
  if (auto splat = dyn_cast_or_null<SplatElementsAttr>(adaptor.getInput()))
    if (resultType.hasStaticShape())
      return SplatElementsAttr::get(resultType,
                                    splat.getSplatValue<Attribute>());
  return {};
}

//===----------------------------------------------------------------------===//
// ConcatOp
//===----------------------------------------------------------------------===//

LogicalResult ConcatOp::inferReturnTypes(MLIRContext *, OptionalLoc loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &results) {
  StringRef name = getOperationName();
  ValueRange inputs = adaptor.getInputs();
  if (inputs.empty())
    return emitOptionalError(loc, name, ": needs at least one input");
  if (failed(requireSameElementType(loc, inputs.getTypes(), name)))
    return failure();
  auto first = cast<RankedTensorType>(inputs.front().getType());
  int64_t axis = adaptor.getAxis();
  if (failed(requireAxisInRange(loc, axis, first.getRank(), name)))
    return failure();
  SmallVector<int64_t> shape(first.getShape());
  for (Value input : inputs.drop_front()) {
    auto type = cast<RankedTensorType>(input.getType());
    if (type.getRank() != first.getRank())
      return emitOptionalError(loc, name, ": inputs have ranks ",
                               first.getRank(), " and ", type.getRank());
    for (int64_t d = 0; d < type.getRank(); ++d) {
      if (d == axis) {
        shape[d] = ShapedType::isDynamic(shape[d]) ||
                           ShapedType::isDynamic(type.getDimSize(d))
                       ? ShapedType::kDynamic
                       : shape[d] + type.getDimSize(d);
        continue;
      }
      if (failed(requireCompatibleDim(
              loc, shape[d], type.getDimSize(d),
              (name + ": inputs differ in dimension " + Twine(d)).str())))
        return failure();
      shape[d] = mergeDims(shape[d], type.getDimSize(d));
    }
  }
  results.push_back(RankedTensorType::get(shape, first.getElementType()));
  return success();
}

OpFoldResult ConcatOp::fold(FoldAdaptor) {
  if (getInputs().size() == 1 && getInputs().front().getType() == getType())
    return getInputs().front();
  return {};
}

//===----------------------------------------------------------------------===//
// SliceOp
//===----------------------------------------------------------------------===//

namespace {
constexpr int64_t kEnd = std::numeric_limits<int64_t>::max();

/// The number of elements ONNX Slice takes from a dimension of static `size`.
/// Steps larger than the dimension are capped so that nothing overflows.
int64_t sliceLength(int64_t size, int64_t start, int64_t end, int64_t step) {
  if (size == 0)
    return 0;
  if (start < 0)
    start += size;
  if (end < 0)
    end += size;
  if (step > 0) {
    start = std::clamp<int64_t>(start, 0, size);
    end = std::clamp<int64_t>(end, 0, size);
    step = std::min(step, size);
    return end > start ? (end - start + step - 1) / step : 0;
  }
  start = std::clamp<int64_t>(start, 0, size - 1);
  end = std::clamp<int64_t>(end, -1, size - 1);
  int64_t stride = step < -size ? size : -step;
  return start > end ? (start - end + stride - 1) / stride : 0;
}

/// True when the slice keeps a whole dimension, whatever its size.
bool keepsWholeDim(int64_t start, int64_t end, int64_t step) {
  return start == 0 && end == kEnd && step == 1;
}
} // namespace

LogicalResult SliceOp::inferReturnTypes(MLIRContext *, OptionalLoc loc,
                                        Adaptor adaptor,
                                        SmallVectorImpl<Type> &results) {
  StringRef name = getOperationName();
  auto type = cast<RankedTensorType>(adaptor.getInput().getType());
  ArrayRef<int64_t> starts = adaptor.getStarts(), ends = adaptor.getEnds(),
                    steps = adaptor.getSteps();
  size_t rank = type.getRank();
  if (starts.size() != rank || ends.size() != rank || steps.size() != rank)
    return emitOptionalError(loc, name, ": starts, ends and steps need ", rank,
                             " entries each (got ", starts.size(), ", ",
                             ends.size(), ", ", steps.size(), ")");
  auto countDynamic = [](ArrayRef<int64_t> values) {
    return llvm::count_if(values, ShapedType::isDynamic);
  };
  if (countDynamic(starts) != static_cast<int64_t>(adaptor.getDynamicStarts().size()) ||
      countDynamic(ends) != static_cast<int64_t>(adaptor.getDynamicEnds().size()))
    return emitOptionalError(loc, name,
                             ": one index operand is needed per dynamic "
                             "start and end");
  SmallVector<int64_t> shape;
  for (size_t d = 0; d < rank; ++d) {
    if (steps[d] == 0)
      return emitOptionalError(loc, name, ": step of dimension ", d,
                               " is zero");
    int64_t size = type.getDimSize(d);
    bool boundsKnown = !ShapedType::isDynamic(starts[d]) &&
                       !ShapedType::isDynamic(ends[d]);
    if (!ShapedType::isDynamic(size) && boundsKnown)
      shape.push_back(sliceLength(size, starts[d], ends[d], steps[d]));
    else
      shape.push_back(ShapedType::kDynamic);
  }
  results.push_back(RankedTensorType::get(shape, type.getElementType()));
  return success();
}

OpFoldResult SliceOp::fold(FoldAdaptor) {
  if (getInput().getType() != getType() || !getDynamicStarts().empty() ||
      !getDynamicEnds().empty())
    return {};
  auto type = cast<RankedTensorType>(getType());
  for (int64_t d = 0; d < type.getRank(); ++d) {
    int64_t start = getStarts()[d], end = getEnds()[d], step = getSteps()[d];
    int64_t size = type.getDimSize(d);
    bool whole = keepsWholeDim(start, end, step) ||
                 (!ShapedType::isDynamic(size) && step == 1 &&
                  (start == 0 || start <= -size) && end >= size);
    if (!whole)
      return {};
  }
  return getInput();
}

//===----------------------------------------------------------------------===//
// GatherOp
//===----------------------------------------------------------------------===//

LogicalResult GatherOp::inferReturnTypes(MLIRContext *, OptionalLoc loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &results) {
  auto input = cast<RankedTensorType>(adaptor.getInput().getType());
  int64_t axis = adaptor.getAxis();
  if (failed(requireAxisInRange(loc, axis, input.getRank(),
                                getOperationName())))
    return failure();
  SmallVector<int64_t> shape(input.getShape().take_front(axis));
  llvm::append_range(shape, shapeOf(adaptor.getIndices().getType()));
  llvm::append_range(shape, input.getShape().drop_front(axis + 1));
  results.push_back(RankedTensorType::get(shape, input.getElementType()));
  return success();
}

//===----------------------------------------------------------------------===//
// IotaOp
//===----------------------------------------------------------------------===//

LogicalResult IotaOp::verify() {
  auto type = cast<RankedTensorType>(getType());
  if (type.isDynamicDim(0) != static_cast<bool>(getSize()))
    return emitOpError(type.isDynamicDim(0)
                           ? "has a dynamic length but no size operand"
                           : "has a static length and a size operand");
  if (getStep() == 0)
    return emitOpError("step must not be zero");
  return success();
}

OpFoldResult IotaOp::fold(FoldAdaptor) {
  auto type = cast<RankedTensorType>(getType());
  // Large iotas stay ops: a folded constant would be stored in the module.
  constexpr int64_t kMaxFoldedLength = 1 << 16;
  if (type.isDynamicDim(0) || type.getDimSize(0) > kMaxFoldedLength ||
      getOffset())
    return {};
  Type elementType = type.getElementType();
  SmallVector<Attribute> values;
  for (int64_t i = 0; i < type.getDimSize(0); ++i) {
    // Wraps like the integer kernel would, instead of signed overflow.
    int64_t value = static_cast<int64_t>(
        static_cast<uint64_t>(getStart()) +
        static_cast<uint64_t>(i) * static_cast<uint64_t>(getStep()));
    if (isa<FloatType>(elementType))
      values.push_back(FloatAttr::get(elementType, static_cast<double>(value)));
    else
      values.push_back(IntegerAttr::get(elementType, value));
  }
  return DenseElementsAttr::get(type, values);
}

//===----------------------------------------------------------------------===//
// TriluOp
//===----------------------------------------------------------------------===//

LogicalResult TriluOp::verify() {
  if (cast<RankedTensorType>(getType()).getRank() < 2)
    return emitOpError("needs rank 2 or more (the last two dimensions are "
                       "the matrix)");
  return success();
}

#define GET_OP_CLASSES
#include "ir/TesseraShapeOps.cpp.inc"
