//===- LowerShapeOps.cpp - tessera shape ops -> linalg --------------------===//
//----------------------===//
//
// Data movement becomes a tensor op where one says it exactly
// (linalg.transpose, tensor.expand_shape/collapse_shape, insert_slice,
// extract_slice); everything else becomes a linalg.generic over the result
// that computes where each element comes from with linalg.index and reads it
// with tensor.extract.
//
//===----------------------------------------------------------------------===//

#include "codegen/linalg/LoweringPatterns.h"
#include "codegen/linalg/LoweringUtils.h"

#include "ir/TesseraDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Transforms/DialectConversion.h"

#include <algorithm>
#include <limits>

using namespace mlir;
using tessera::emptyTensor;
using tessera::scalarConstant;
using tessera::tensorSizes;

namespace {

//===----------------------------------------------------------------------===//
// Helpers
//===----------------------------------------------------------------------===//

/// `value` as `type`, which differs from it at most in which dimensions are
/// static (the declared result type of a tessera op may be more or less
/// static than what the tensor op infers).
Value castTo(OpBuilder &b, Location loc, Value value, Type type) {
  if (value.getType() == type)
    return value;
  return tensor::CastOp::create(b, loc, type, value);
}

/// The sizes of a result of `type` whose dynamic dimensions take their sizes
/// from `dynamicDims`, in order (the convention of tensor.empty and of the
/// `dims` operands of tessera.reshape and tessera.expand).
SmallVector<OpFoldResult> sizesFromOperands(OpBuilder &b, RankedTensorType type,
                                            ValueRange dynamicDims) {
  SmallVector<OpFoldResult> sizes;
  unsigned next = 0;
  for (int64_t size : type.getShape())
    sizes.push_back(ShapedType::isDynamic(size)
                        ? OpFoldResult(dynamicDims[next++])
                        : b.getIndexAttr(size));
  return sizes;
}

SmallVector<utils::IteratorType> parallelIterators(int64_t rank) {
  return SmallVector<utils::IteratorType>(rank, utils::IteratorType::parallel);
}

/// A linalg.generic without inputs that yields `body()` for every element of
/// `init`; the body reads its position with linalg.index.
Value indexedGeneric(OpBuilder &b, Location loc, Value init,
                     function_ref<Value(OpBuilder &, Location)> body) {
  auto type = cast<RankedTensorType>(init.getType());
  int64_t rank = type.getRank();
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{type}, ValueRange{}, ValueRange{init},
      ArrayRef<AffineMap>{b.getMultiDimIdentityMap(rank)},
      parallelIterators(rank), [&](OpBuilder &nb, Location nl, ValueRange) {
        linalg::YieldOp::create(nb, nl, body(nb, nl));
      });
  return generic.getResult(0);
}

/// An integer constant of `type` with the low bits of `value` (iota wraps
/// like the folder does).
Value integerConstant(OpBuilder &b, Location loc, Type type, int64_t value) {
  APInt bits(64, static_cast<uint64_t>(value));
  return arith::ConstantOp::create(
      b, loc, b.getIntegerAttr(type, bits.trunc(type.getIntOrFloatBitWidth())));
}

/// Index arithmetic on OpFoldResults: static operands are computed here, so
/// static slices produce no arith ops at all.
class IndexMath {
public:
  IndexMath(OpBuilder &b, Location loc) : b(b), loc(loc) {}

  OpFoldResult constant(int64_t value) { return b.getIndexAttr(value); }

  OpFoldResult add(OpFoldResult x, OpFoldResult y) {
    if (auto cx = getConstantIntValue(x), cy = getConstantIntValue(y); cx && cy)
      return constant(*cx + *cy);
    if (isConstantIntValue(x, 0))
      return y;
    if (isConstantIntValue(y, 0))
      return x;
    return arith::AddIOp::create(b, loc, value(x), value(y)).getResult();
  }

  OpFoldResult sub(OpFoldResult x, OpFoldResult y) {
    if (auto cx = getConstantIntValue(x), cy = getConstantIntValue(y); cx && cy)
      return constant(*cx - *cy);
    if (isConstantIntValue(y, 0))
      return x;
    return arith::SubIOp::create(b, loc, value(x), value(y)).getResult();
  }

  OpFoldResult min(OpFoldResult x, OpFoldResult y) {
    if (auto cx = getConstantIntValue(x), cy = getConstantIntValue(y); cx && cy)
      return constant(std::min(*cx, *cy));
    // An end of "to the end" (the largest index) leaves the other side.
    if (isConstantIntValue(x, std::numeric_limits<int64_t>::max()))
      return y;
    if (isConstantIntValue(y, std::numeric_limits<int64_t>::max()))
      return x;
    return arith::MinSIOp::create(b, loc, value(x), value(y)).getResult();
  }

  OpFoldResult max(OpFoldResult x, OpFoldResult y) {
    if (auto cx = getConstantIntValue(x), cy = getConstantIntValue(y); cx && cy)
      return constant(std::max(*cx, *cy));
    if (isConstantIntValue(y, 0) && isNonNegative(x))
      return x;
    return arith::MaxSIOp::create(b, loc, value(x), value(y)).getResult();
  }

  /// min(max(x, lo), hi); `ordered` says that hi >= lo is known, so that a
  /// static x <= lo is lo.
  OpFoldResult clamp(OpFoldResult x, OpFoldResult lo, OpFoldResult hi,
                     bool ordered) {
    std::optional<int64_t> cx = getConstantIntValue(x),
                           clo = getConstantIntValue(lo);
    if (ordered && cx && clo && *cx <= *clo)
      return lo;
    return min(max(x, lo), hi);
  }

  /// `x` if it is not negative, else `x + size` (ONNX bounds count from the
  /// end when negative).
  OpFoldResult wrapNegative(OpFoldResult x, OpFoldResult size) {
    if (std::optional<int64_t> cx = getConstantIntValue(x))
      return *cx < 0 ? add(x, size) : x;
    Value zero = arith::ConstantIndexOp::create(b, loc, 0);
    Value negative = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt,
                                           value(x), zero);
    return arith::SelectOp::create(b, loc, negative, value(add(x, size)),
                                   value(x))
        .getResult();
  }

  /// ceil(x / divisor) for `x >= 0` and `divisor > 0`, without the overflow
  /// of `x + divisor - 1` for huge steps.
  OpFoldResult ceilDiv(OpFoldResult x, int64_t divisor) {
    if (divisor == 1)
      return x;
    if (std::optional<int64_t> cx = getConstantIntValue(x))
      return constant(*cx == 0 ? 0 : (*cx - 1) / divisor + 1);
    return arith::CeilDivSIOp::create(b, loc, value(x),
                                      value(constant(divisor)))
        .getResult();
  }

  Value value(OpFoldResult x) {
    return getValueOrCreateConstantIndexOp(b, loc, x);
  }

private:
  /// Sizes and what min/max make of them are never negative.
  static bool isNonNegative(OpFoldResult x) {
    if (std::optional<int64_t> cx = getConstantIntValue(x))
      return *cx >= 0;
    Value v = cast<Value>(x);
    if (v.getDefiningOp<tensor::DimOp>())
      return true;
    if (auto min = v.getDefiningOp<arith::MinSIOp>())
      return isNonNegative(min.getLhs()) && isNonNegative(min.getRhs());
    if (auto max = v.getDefiningOp<arith::MaxSIOp>())
      return isNonNegative(max.getLhs()) || isNonNegative(max.getRhs());
    return false;
  }

  OpBuilder &b;
  Location loc;
};

//===----------------------------------------------------------------------===//
// Symbolic sizes: proving that a dynamic size operand equals an input size
//===----------------------------------------------------------------------===//

/// A factor of a symbolic size: dimension `second` of the tensor `first`, or
/// an index value that is not a size of a tensor (`second` == -1).
using SizeAtom = std::pair<Value, int64_t>;

/// A size as a static factor times symbolic factors, so that the same size
/// spelled as a reshape's `dims` operand, as tensor.dim of its input or as a
/// product of those compares equal.
struct SymbolicSize {
  int64_t factor = 1;
  SmallVector<SizeAtom> atoms; // sorted

  void multiply(const SymbolicSize &other) {
    factor *= other.factor;
    llvm::append_range(atoms, other.atoms);
    llvm::sort(atoms, lessAtom);
  }
  bool operator==(const SymbolicSize &other) const {
    return factor == other.factor && atoms == other.atoms;
  }
  bool isOne() const { return factor == 1 && atoms.empty(); }
  /// True when `other` is provably a multiple of this size.
  bool divides(const SymbolicSize &other) const {
    return factor != 0 && other.factor % factor == 0 &&
           std::includes(other.atoms.begin(), other.atoms.end(), atoms.begin(),
                         atoms.end(), lessAtom);
  }

  static bool lessAtom(const SizeAtom &a, const SizeAtom &b) {
    return std::make_pair(a.first.getAsOpaquePointer(), a.second) <
           std::make_pair(b.first.getAsOpaquePointer(), b.second);
  }
  static SymbolicSize of(int64_t factor) { return {factor, {}}; }
  static SymbolicSize of(SizeAtom atom) { return {1, {atom}}; }
};

SymbolicSize symbolicIndex(Value index);

/// The size of dimension `dim` of `tensor`. A tessera.reshape or
/// tessera.expand result has its size operand there (the importer reuses it
/// as the size of later reshapes); a transpose has its input's.
SymbolicSize symbolicDim(Value tensor, int64_t dim) {
  auto type = cast<RankedTensorType>(tensor.getType());
  if (!type.isDynamicDim(dim))
    return SymbolicSize::of(type.getDimSize(dim));
  if (auto transpose = tensor.getDefiningOp<tessera::TransposeOp>())
    return symbolicDim(transpose.getInput(), transpose.getPermutation()[dim]);
  ValueRange sizeOperands;
  if (auto reshape = tensor.getDefiningOp<tessera::ReshapeOp>())
    sizeOperands = reshape.getDynamicDims();
  else if (auto expand = tensor.getDefiningOp<tessera::ExpandOp>())
    sizeOperands = expand.getDynamicDims();
  else
    return SymbolicSize::of(SizeAtom{tensor, dim});
  int64_t position =
      llvm::count_if(type.getShape().take_front(dim), ShapedType::isDynamic);
  return symbolicIndex(sizeOperands[position]);
}

/// The symbolic form of an index value: constants, tensor.dim and products.
SymbolicSize symbolicIndex(Value index) {
  if (std::optional<int64_t> constant = getConstantIntValue(index))
    return SymbolicSize::of(*constant);
  if (auto dim = index.getDefiningOp<tensor::DimOp>())
    if (std::optional<int64_t> d = dim.getConstantIndex())
      return symbolicDim(dim.getSource(), *d);
  if (auto mul = index.getDefiningOp<arith::MulIOp>()) {
    SymbolicSize product = symbolicIndex(mul.getLhs());
    product.multiply(symbolicIndex(mul.getRhs()));
    return product;
  }
  return SymbolicSize::of(SizeAtom{index, -1});
}

/// The symbolic sizes of a result of `type` with the given `dims` operands.
SmallVector<SymbolicSize> symbolicResultSizes(RankedTensorType type,
                                              ValueRange dynamicDims) {
  SmallVector<SymbolicSize> sizes;
  unsigned next = 0;
  for (int64_t size : type.getShape())
    sizes.push_back(ShapedType::isDynamic(size)
                        ? symbolicIndex(dynamicDims[next++])
                        : SymbolicSize::of(size));
  return sizes;
}

//===----------------------------------------------------------------------===//
// transpose
//===----------------------------------------------------------------------===//

struct TransposeLowering : OpConversionPattern<tessera::TransposeOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(tessera::TransposeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value input = adaptor.getInput();
    auto inputType = cast<RankedTensorType>(input.getType());
    ArrayRef<int64_t> perm = op.getPermutation();
    SmallVector<OpFoldResult> inputSizes = tensorSizes(rewriter, loc, input);
    SmallVector<OpFoldResult> sizes;
    SmallVector<int64_t> shape;
    for (int64_t p : perm) {
      sizes.push_back(inputSizes[p]);
      shape.push_back(inputType.getDimSize(p));
    }
    // linalg.transpose wants the init to be exactly the permuted input type.
    auto type = RankedTensorType::get(shape, inputType.getElementType());
    Value init = emptyTensor(rewriter, loc, type, sizes);
    auto transpose =
        linalg::TransposeOp::create(rewriter, loc, input, init, perm);
    rewriter.replaceOp(
        op, castTo(rewriter, loc, transpose->getResult(0), op.getType()));
    return success();
  }
};

//===----------------------------------------------------------------------===//
// reshape
//===----------------------------------------------------------------------===//

/// The finest split of `in` and `out` into consecutive groups with provably
/// equal products, or nothing when the sizes cannot be matched up. Trailing
/// size-1 dimensions join the last group. Both lists are non-empty.
std::optional<std::pair<SmallVector<ReassociationIndices>,
                        SmallVector<ReassociationIndices>>>
matchGroups(ArrayRef<SymbolicSize> in, ArrayRef<SymbolicSize> out) {
  SmallVector<ReassociationIndices> inGroups, outGroups;
  size_t i = 0, j = 0;
  while (i < in.size() && j < out.size()) {
    ReassociationIndices inGroup = {static_cast<int64_t>(i)},
                         outGroup = {static_cast<int64_t>(j)};
    SymbolicSize inSize = in[i++], outSize = out[j++];
    while (!(inSize == outSize)) {
      if (i < in.size() && inSize.divides(outSize)) {
        inSize.multiply(in[i]);
        inGroup.push_back(i++);
      } else if (j < out.size() && outSize.divides(inSize)) {
        outSize.multiply(out[j]);
        outGroup.push_back(j++);
      } else {
        return std::nullopt;
      }
    }
    inGroups.push_back(inGroup);
    outGroups.push_back(outGroup);
  }
  for (; i < in.size(); ++i) {
    if (!in[i].isOne())
      return std::nullopt;
    inGroups.back().push_back(i);
  }
  for (; j < out.size(); ++j) {
    if (!out[j].isOne())
      return std::nullopt;
    outGroups.back().push_back(j);
  }
  return std::make_pair(inGroups, outGroups);
}

struct ReshapeLowering : OpConversionPattern<tessera::ReshapeOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(tessera::ReshapeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value input = adaptor.getInput();
    auto inputType = cast<RankedTensorType>(input.getType());
    auto resultType = cast<RankedTensorType>(op.getType());
    Type elementType = resultType.getElementType();
    int64_t inRank = inputType.getRank(), outRank = resultType.getRank();
    SmallVector<OpFoldResult> outSizes =
        sizesFromOperands(rewriter, resultType, adaptor.getDynamicDims());

    // Nothing to move; and with a zero dimension the other sizes need not
    // match up.
    if (llvm::is_contained(inputType.getShape(), 0) ||
        llvm::is_contained(resultType.getShape(), 0)) {
      rewriter.replaceOp(op, emptyTensor(rewriter, loc, resultType, outSizes));
      return success();
    }

    // Groups of input dimensions collapse into one dimension each, which then
    // expands into the matching group of result dimensions. A scalar side has
    // no groups; without a proof that the sizes match group by group, the
    // whole tensor is one group (collapse to 1-D, expand to the `dims`
    // sizes).
    SmallVector<ReassociationIndices> inGroups, outGroups;
    if (inRank != 0 && outRank != 0) {
      SmallVector<SymbolicSize> in,
          out = symbolicResultSizes(resultType, op.getDynamicDims());
      for (int64_t d = 0; d < inRank; ++d)
        in.push_back(symbolicDim(op.getInput(), d));
      if (auto groups = matchGroups(in, out)) {
        std::tie(inGroups, outGroups) = *groups;
      } else {
        inGroups = {llvm::to_vector(llvm::seq<int64_t>(0, inRank))};
        outGroups = {llvm::to_vector(llvm::seq<int64_t>(0, outRank))};
      }
    }

    // Splitting one dimension into several dynamic ones is a tensor.reshape
    // to the `dims` sizes instead: MLIR 22's expand-strided-metadata crashes
    // on a memref.expand_shape group with more than one dynamic size.
    bool splitsDynamically =
        llvm::any_of(outGroups, [&](ArrayRef<int64_t> group) {
          return llvm::count_if(group, [&](int64_t d) {
                   return resultType.isDynamicDim(d);
                 }) > 1;
        });
    if (splitsDynamically) {
      SmallVector<Value> shape;
      for (OpFoldResult size : outSizes)
        shape.push_back(getValueOrCreateConstantIndexOp(rewriter, loc, size));
      Value shapeTensor = tensor::FromElementsOp::create(rewriter, loc, shape);
      rewriter.replaceOpWithNewOp<tensor::ReshapeOp>(op, resultType, input,
                                                     shapeTensor);
      return success();
    }

    auto allOnes = [&](int64_t rank) {
      return RankedTensorType::get(SmallVector<int64_t>(rank, 1), elementType);
    };
    Value value = input;
    if (static_cast<int64_t>(inGroups.size()) != inRank) {
      // Collapsing to a scalar needs static unit dimensions.
      if (inGroups.empty())
        value = castTo(rewriter, loc, value, allOnes(inRank));
      value = tensor::CollapseShapeOp::create(rewriter, loc, value, inGroups);
    }
    if (static_cast<int64_t>(outGroups.size()) != outRank) {
      // expand_shape needs a collapsed dimension that is static exactly
      // where its group of result dimensions is.
      SmallVector<int64_t> collapsed;
      for (const ReassociationIndices &group : outGroups) {
        int64_t size = 1;
        for (int64_t d : group)
          size = resultType.isDynamicDim(d) || ShapedType::isDynamic(size)
                     ? ShapedType::kDynamic
                     : size * resultType.getDimSize(d);
        collapsed.push_back(size);
      }
      value = castTo(rewriter, loc, value,
                     RankedTensorType::get(collapsed, elementType));
      RankedTensorType expandedType =
          outGroups.empty() ? allOnes(outRank) : resultType;
      SmallVector<OpFoldResult> expandedSizes =
          outGroups.empty()
              ? SmallVector<OpFoldResult>(outRank, rewriter.getIndexAttr(1))
              : outSizes;
      value = tensor::ExpandShapeOp::create(rewriter, loc, expandedType, value,
                                            outGroups, expandedSizes);
    }
    rewriter.replaceOp(op, castTo(rewriter, loc, value, resultType));
    return success();
  }
};

//===----------------------------------------------------------------------===//
// expand
//===----------------------------------------------------------------------===//

struct ExpandLowering : OpConversionPattern<tessera::ExpandOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(tessera::ExpandOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value input = adaptor.getInput();
    auto inputType = cast<RankedTensorType>(input.getType());
    auto resultType = cast<RankedTensorType>(op.getType());
    int64_t rank = resultType.getRank();
    int64_t offset = rank - inputType.getRank();
    SmallVector<OpFoldResult> sizes =
        sizesFromOperands(rewriter, resultType, adaptor.getDynamicDims());
    SmallVector<SymbolicSize> resultSizes =
        symbolicResultSizes(resultType, op.getDynamicDims());
    Value init = emptyTensor(rewriter, loc, resultType, sizes);

    // Each input dimension is read at 0 (a static 1 that stretches), at the
    // result index (sizes provably equal), or, for a dynamic size that may
    // be 1 or the result's, at 0 or the index depending on its size at run
    // time.
    SmallVector<AffineExpr> exprs;
    SmallVector<int64_t> ambiguous;
    for (int64_t d = 0; d < inputType.getRank(); ++d) {
      int64_t r = d + offset;
      bool stretched = inputType.getDimSize(d) == 1;
      bool same = !inputType.isDynamicDim(d) || resultType.getDimSize(r) == 1 ||
                  symbolicDim(op.getInput(), d) == resultSizes[r];
      if (!stretched && !same)
        ambiguous.push_back(d);
      exprs.push_back(stretched ? rewriter.getAffineConstantExpr(0)
                                : rewriter.getAffineDimExpr(r));
    }

    if (ambiguous.empty()) {
      auto map = AffineMap::get(rank, 0, exprs, rewriter.getContext());
      auto generic = linalg::GenericOp::create(
          rewriter, loc, TypeRange{resultType}, ValueRange{input},
          ValueRange{init},
          ArrayRef<AffineMap>{map, rewriter.getMultiDimIdentityMap(rank)},
          parallelIterators(rank),
          [](OpBuilder &b, Location l, ValueRange args) {
            linalg::YieldOp::create(b, l, args[0]);
          });
      rewriter.replaceOp(op, generic.getResult(0));
      return success();
    }

    SmallVector<Value> isOne(inputType.getRank());
    Value one = arith::ConstantIndexOp::create(rewriter, loc, 1);
    for (int64_t d : ambiguous)
      isOne[d] = arith::CmpIOp::create(
          rewriter, loc, arith::CmpIPredicate::eq,
          tensor::DimOp::create(rewriter, loc, input, d), one);
    Value result =
        indexedGeneric(rewriter, loc, init, [&](OpBuilder &b, Location l) {
          Value zero = arith::ConstantIndexOp::create(b, l, 0);
          SmallVector<Value> indices;
          for (int64_t d = 0; d < inputType.getRank(); ++d) {
            if (inputType.getDimSize(d) == 1) {
              indices.push_back(zero);
              continue;
            }
            Value index = linalg::IndexOp::create(b, l, d + offset);
            if (isOne[d])
              index = arith::SelectOp::create(b, l, isOne[d], zero, index);
            indices.push_back(index);
          }
          return tensor::ExtractOp::create(b, l, input, indices).getResult();
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// concat
//===----------------------------------------------------------------------===//

struct ConcatLowering : OpConversionPattern<tessera::ConcatOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(tessera::ConcatOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto resultType = cast<RankedTensorType>(op.getType());
    int64_t rank = resultType.getRank();
    int64_t axis = op.getAxis();
    ValueRange inputs = adaptor.getInputs();
    IndexMath math(rewriter, loc);

    SmallVector<SmallVector<OpFoldResult>> inputSizes;
    for (Value input : inputs)
      inputSizes.push_back(tensorSizes(rewriter, loc, input));
    // Off the axis, any input's size (a static one if there is one); along
    // it, the sum.
    SmallVector<OpFoldResult> sizes;
    for (int64_t d = 0; d < rank; ++d) {
      if (d == axis) {
        OpFoldResult total = math.constant(0);
        for (ArrayRef<OpFoldResult> in : inputSizes)
          total = math.add(total, in[d]);
        sizes.push_back(total);
        continue;
      }
      auto it = llvm::find_if(inputSizes, [&](ArrayRef<OpFoldResult> in) {
        return getConstantIntValue(in[d]).has_value();
      });
      sizes.push_back(it != inputSizes.end() ? (*it)[d] : inputSizes[0][d]);
    }

    Value result = emptyTensor(rewriter, loc, resultType, sizes);
    OpFoldResult position = math.constant(0);
    SmallVector<OpFoldResult> strides(rank, rewriter.getIndexAttr(1));
    for (auto [i, input] : llvm::enumerate(inputs)) {
      if (i > 0)
        position = math.add(position, inputSizes[i - 1][axis]);
      SmallVector<OpFoldResult> offsets(rank, rewriter.getIndexAttr(0));
      offsets[axis] = position;
      result = tensor::InsertSliceOp::create(rewriter, loc, input, result,
                                             offsets, inputSizes[i], strides);
    }
    rewriter.replaceOp(op, result);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// slice
//===----------------------------------------------------------------------===//

/// The first element and the length of an ONNX slice of a dimension of
/// `size` elements: bounds count from the end when negative and are clamped
/// to [0, size] (to [-1, size - 1] walking backwards). A `knownLength` (the
/// declared result size) is taken as is.
std::pair<OpFoldResult, OpFoldResult>
onnxSliceRange(IndexMath &math, OpFoldResult size, OpFoldResult start,
               OpFoldResult end, int64_t step,
               std::optional<int64_t> knownLength) {
  OpFoldResult begin = math.wrapNegative(start, size);
  if (step > 0) {
    begin = math.clamp(begin, math.constant(0), size, /*ordered=*/true);
    if (knownLength)
      return {begin, math.constant(*knownLength)};
    OpFoldResult stop = math.clamp(math.wrapNegative(end, size),
                                   math.constant(0), size, /*ordered=*/true);
    return {
        begin,
        math.ceilDiv(math.max(math.sub(stop, begin), math.constant(0)), step)};
  }
  // With size 0, `last` is -1 and both bounds become -1: no element.
  OpFoldResult last = math.sub(size, math.constant(1));
  begin = math.clamp(begin, math.constant(0), last, /*ordered=*/false);
  if (knownLength)
    return {begin, math.constant(*knownLength)};
  OpFoldResult stop = math.clamp(math.wrapNegative(end, size),
                                 math.constant(-1), last, /*ordered=*/true);
  // -step without overflow; any stride of at least the size takes one element.
  int64_t stride = step == std::numeric_limits<int64_t>::min()
                       ? std::numeric_limits<int64_t>::max()
                       : -step;
  return {begin, math.ceilDiv(math.max(math.sub(begin, stop), math.constant(0)),
                              stride)};
}

struct SliceLowering : OpConversionPattern<tessera::SliceOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(tessera::SliceOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value input = adaptor.getInput();
    auto resultType = cast<RankedTensorType>(op.getType());
    int64_t rank = resultType.getRank();
    ArrayRef<int64_t> steps = op.getSteps();
    SmallVector<OpFoldResult> starts =
        getMixedValues(op.getStarts(), adaptor.getDynamicStarts(), rewriter);
    SmallVector<OpFoldResult> ends =
        getMixedValues(op.getEnds(), adaptor.getDynamicEnds(), rewriter);
    SmallVector<OpFoldResult> inputSizes = tensorSizes(rewriter, loc, input);

    IndexMath math(rewriter, loc);
    SmallVector<OpFoldResult> offsets, lengths;
    for (int64_t d = 0; d < rank; ++d) {
      // A length the declared type states (the importer may know more than
      // the bounds say) saves the arithmetic.
      std::optional<int64_t> knownLength;
      if (!resultType.isDynamicDim(d))
        knownLength = resultType.getDimSize(d);
      auto [offset, length] = onnxSliceRange(math, inputSizes[d], starts[d],
                                             ends[d], steps[d], knownLength);
      // An empty slice reads nothing; a start clamped to the end (ONNX's
      // rule for one past it) would fail the static bounds check.
      if (isConstantIntValue(length, 0))
        offset = rewriter.getIndexAttr(0);
      offsets.push_back(offset);
      lengths.push_back(length);
    }

    if (llvm::all_of(steps, [](int64_t step) { return step > 0; })) {
      // A stride only matters with two elements or more; a huge one with a
      // single element would trip the static bounds check.
      SmallVector<OpFoldResult> strides;
      for (int64_t d = 0; d < rank; ++d) {
        std::optional<int64_t> length = getConstantIntValue(lengths[d]);
        strides.push_back(
            rewriter.getIndexAttr(length && *length <= 1 ? 1 : steps[d]));
      }
      Value slice = tensor::ExtractSliceOp::create(rewriter, loc, input,
                                                   offsets, lengths, strides);
      rewriter.replaceOp(op, castTo(rewriter, loc, slice, resultType));
      return success();
    }

    // Walking backwards is not a strided view in the tensor dialect: read
    // element offset + i * step for output element i.
    SmallVector<Value> offsetValues;
    for (OpFoldResult offset : offsets)
      offsetValues.push_back(
          isConstantIntValue(offset, 0) ? Value() : math.value(offset));
    Value init = emptyTensor(rewriter, loc, resultType, lengths);
    Value result =
        indexedGeneric(rewriter, loc, init, [&](OpBuilder &b, Location l) {
          SmallVector<Value> indices;
          for (int64_t d = 0; d < rank; ++d) {
            Value index = linalg::IndexOp::create(b, l, d);
            if (steps[d] != 1)
              index = arith::MulIOp::create(
                  b, l, index, arith::ConstantIndexOp::create(b, l, steps[d]));
            if (!isConstantIntValue(offsets[d], 0))
              index = arith::AddIOp::create(b, l, offsetValues[d], index);
            indices.push_back(index);
          }
          return tensor::ExtractOp::create(b, l, input, indices).getResult();
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// gather
//===----------------------------------------------------------------------===//

struct GatherLowering : OpConversionPattern<tessera::GatherOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(tessera::GatherOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value input = adaptor.getInput(), indices = adaptor.getIndices();
    auto resultType = cast<RankedTensorType>(op.getType());
    int64_t axis = op.getAxis();
    int64_t indexRank = cast<RankedTensorType>(indices.getType()).getRank();
    int64_t rank = resultType.getRank();

    // Result dims: input[:axis] ++ indices ++ input[axis+1:].
    SmallVector<OpFoldResult> inputSizes = tensorSizes(rewriter, loc, input);
    SmallVector<OpFoldResult> sizes(
        ArrayRef<OpFoldResult>(inputSizes).take_front(axis));
    llvm::append_range(sizes, tensorSizes(rewriter, loc, indices));
    llvm::append_range(sizes,
                       ArrayRef<OpFoldResult>(inputSizes).drop_front(axis + 1));
    Value init = emptyTensor(rewriter, loc, resultType, sizes);

    IndexMath math(rewriter, loc);
    Value axisSize = math.value(inputSizes[axis]);
    Value lastIndex = math.value(math.sub(inputSizes[axis], math.constant(1)));
    SmallVector<AffineExpr> indexExprs;
    for (int64_t d = axis; d < axis + indexRank; ++d)
      indexExprs.push_back(rewriter.getAffineDimExpr(d));
    auto indexMap = AffineMap::get(rank, 0, indexExprs, rewriter.getContext());

    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{resultType}, ValueRange{indices},
        ValueRange{init},
        ArrayRef<AffineMap>{indexMap, rewriter.getMultiDimIdentityMap(rank)},
        parallelIterators(rank),
        [&](OpBuilder &b, Location l, ValueRange args) {
          // Negative indices count from the end; out-of-range ones are
          // clamped so that no read leaves the input.
          Value index =
              arith::IndexCastOp::create(b, l, b.getIndexType(), args[0]);
          Value zero = arith::ConstantIndexOp::create(b, l, 0);
          Value negative = arith::CmpIOp::create(
              b, l, arith::CmpIPredicate::slt, index, zero);
          index = arith::SelectOp::create(
              b, l, negative, arith::AddIOp::create(b, l, index, axisSize),
              index);
          index = arith::MaxSIOp::create(
              b, l, arith::MinSIOp::create(b, l, index, lastIndex), zero);
          SmallVector<Value> coords;
          for (int64_t d = 0; d < axis; ++d)
            coords.push_back(linalg::IndexOp::create(b, l, d));
          coords.push_back(index);
          for (int64_t d = axis + indexRank; d < rank; ++d)
            coords.push_back(linalg::IndexOp::create(b, l, d));
          linalg::YieldOp::create(
              b, l, tensor::ExtractOp::create(b, l, input, coords).getResult());
        });
    rewriter.replaceOp(op, generic.getResult(0));
    return success();
  }
};

//===----------------------------------------------------------------------===//
// iota
//===----------------------------------------------------------------------===//

struct IotaLowering : OpConversionPattern<tessera::IotaOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(tessera::IotaOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto resultType = cast<RankedTensorType>(op.getType());
    Type elementType = resultType.getElementType();
    SmallVector<OpFoldResult> size = {
        adaptor.getSize() ? OpFoldResult(adaptor.getSize())
                          : rewriter.getIndexAttr(resultType.getDimSize(0))};
    Value init = emptyTensor(rewriter, loc, resultType, size);
    // Float sequences are computed in i64 and converted once, as the folder
    // does; integer ones wrap in their own width.
    auto floatType = dyn_cast<FloatType>(elementType);
    Type intType = floatType ? rewriter.getI64Type() : elementType;
    Value offset = adaptor.getOffset();
    Value result =
        indexedGeneric(rewriter, loc, init, [&](OpBuilder &b, Location l) {
          Value value = arith::IndexCastOp::create(
              b, l, intType, linalg::IndexOp::create(b, l, 0));
          if (op.getStep() != 1)
            value = arith::MulIOp::create(
                b, l, value, integerConstant(b, l, intType, op.getStep()));
          if (op.getStart() != 0)
            value = arith::AddIOp::create(
                b, l, value, integerConstant(b, l, intType, op.getStart()));
          if (offset)
            value = arith::AddIOp::create(
                b, l, value, arith::IndexCastOp::create(b, l, intType, offset));
          if (floatType)
            value = arith::SIToFPOp::create(b, l, floatType, value);
          return value;
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// trilu
//===----------------------------------------------------------------------===//

struct TriluLowering : OpConversionPattern<tessera::TriluOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(tessera::TriluOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value input = adaptor.getInput();
    auto type = cast<RankedTensorType>(op.getType());
    Type elementType = type.getElementType();
    if (!isa<FloatType, IntegerType>(elementType))
      return rewriter.notifyMatchFailure(
          op, "zero is only defined for float and integer elements");
    int64_t rank = type.getRank();
    Value init =
        emptyTensor(rewriter, loc, type, tensorSizes(rewriter, loc, input));
    Value zero = scalarConstant(rewriter, loc, elementType, 0);
    Value diagonal =
        arith::ConstantIndexOp::create(rewriter, loc, op.getDiagonal());
    auto predicate = op.getKind() == tessera::TriluKind::lower
                         ? arith::CmpIPredicate::sle
                         : arith::CmpIPredicate::sge;
    AffineMap identity = rewriter.getMultiDimIdentityMap(rank);
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{type}, ValueRange{input}, ValueRange{init},
        ArrayRef<AffineMap>{identity, identity}, parallelIterators(rank),
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value row = linalg::IndexOp::create(b, l, rank - 2);
          Value col = linalg::IndexOp::create(b, l, rank - 1);
          Value keep = arith::CmpIOp::create(
              b, l, predicate, arith::SubIOp::create(b, l, col, row), diagonal);
          linalg::YieldOp::create(
              b, l,
              arith::SelectOp::create(b, l, keep, args[0], zero).getResult());
        });
    rewriter.replaceOp(op, generic.getResult(0));
    return success();
  }
};

} // namespace

namespace tessera {

void populateLowerShapePatterns(RewritePatternSet &patterns) {
  patterns
      .add<TransposeLowering, ReshapeLowering, ExpandLowering, ConcatLowering,
           SliceLowering, GatherLowering, IotaLowering, TriluLowering>(
          patterns.getContext());
}

} // namespace tessera
