//===- TesseraMathOps.cpp - constants, elementwise math, matmul -----------===//

#include "ir/TesseraDialect.h"

#include "mlir/Dialect/CommonFolders.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/TypeUtilities.h"
#include "llvm/ADT/APSInt.h"
#include "llvm/ADT/APFloat.h"

#include <cmath>

using namespace mlir;
using namespace tessera;

//===----------------------------------------------------------------------===//
// Folding helpers
//===----------------------------------------------------------------------===//

namespace {

bool isSplatZero(Attribute attr) {
  auto splat = dyn_cast_or_null<SplatElementsAttr>(attr);
  if (!splat)
    return false;
  if (isa<FloatType>(splat.getElementType()))
    return splat.getSplatValue<APFloat>().isZero();
  return splat.getSplatValue<APInt>().isZero();
}

bool isSplatOne(Attribute attr) {
  auto splat = dyn_cast_or_null<SplatElementsAttr>(attr);
  if (!splat)
    return false;
  if (isa<FloatType>(splat.getElementType()))
    return splat.getSplatValue<APFloat>().isExactlyValue(1.0);
  return splat.getSplatValue<APInt>().isOne();
}

/// Booleans and unsigned integers divide and order as unsigned, the other
/// (signless) integers as signed; as in the lowering.
bool isUnsignedLike(Type type) {
  type = getElementTypeOrSelf(type);
  return type.isInteger(1) || type.isUnsignedInteger();
}

/// Applies a libm function to an APFloat of any semantics, rounding the
/// result back to the operand's semantics.
APFloat applyDouble(const APFloat &value, double (*fn)(double)) {
  bool losesInfo = false;
  APFloat asDouble = value;
  asDouble.convert(APFloat::IEEEdouble(), APFloat::rmNearestTiesToEven,
                   &losesInfo);
  APFloat result(fn(asDouble.convertToDouble()));
  result.convert(value.getSemantics(), APFloat::rmNearestTiesToEven,
                 &losesInfo);
  return result;
}

/// Folds a binary op over two constants of the result's own (static) type;
/// broadcasting constants are left to a later constant-folding pass.
template <typename FloatFn, typename IntFn>
OpFoldResult foldConstantBinary(Operation *op, ArrayRef<Attribute> operands,
                                FloatFn floatFn, IntFn intFn) {
  auto resultType = cast<RankedTensorType>(op->getResult(0).getType());
  if (!resultType.hasStaticShape() ||
      op->getOperand(0).getType() != resultType ||
      op->getOperand(1).getType() != resultType)
    return {};
  if (isa<FloatType>(resultType.getElementType()))
    return constFoldBinaryOpConditional<FloatAttr, APFloat, void>(
        operands, resultType, floatFn);
  return constFoldBinaryOpConditional<IntegerAttr, APInt, void>(
      operands, resultType, intFn);
}

/// Folds a float unary op over a constant operand.
OpFoldResult foldConstantUnary(ArrayRef<Attribute> operands,
                               function_ref<APFloat(const APFloat &)> fn) {
  return constFoldUnaryOp<FloatAttr, APFloat, void>(operands, fn);
}

/// `x op c` folds to `x` when `c` is the identity and `x` already has the
/// result type (so no broadcast is lost).
OpFoldResult foldRightIdentity(Operation *op, Attribute rhs,
                               bool (*isIdentity)(Attribute)) {
  Value lhs = op->getOperand(0);
  if (isIdentity(rhs) && lhs.getType() == op->getResult(0).getType())
    return lhs;
  return {};
}

} // namespace

//===----------------------------------------------------------------------===//
// ConstantOp
//===----------------------------------------------------------------------===//

OpFoldResult ConstantOp::fold(FoldAdaptor) { return getValue(); }

//===----------------------------------------------------------------------===//
// Broadcasting binary ops
//===----------------------------------------------------------------------===//

static LogicalResult inferBroadcastBinary(OptionalLoc loc, StringRef name,
                                          Value lhs, Value rhs,
                                          Type resultElementType,
                                          SmallVectorImpl<Type> &results) {
  if (failed(requireSameElementType(loc, {lhs.getType(), rhs.getType()},
                                    name)))
    return failure();
  auto shape = broadcastShapes(loc, {shapeOf(lhs.getType()),
                                     shapeOf(rhs.getType())}, name);
  if (failed(shape))
    return failure();
  Type elementType = resultElementType
                         ? resultElementType
                         : cast<RankedTensorType>(lhs.getType()).getElementType();
  results.push_back(RankedTensorType::get(*shape, elementType));
  return success();
}

#define TESSERA_BROADCAST_BINARY_INFER(Op)                                     \
  LogicalResult Op::inferReturnTypes(MLIRContext *, OptionalLoc loc,           \
                                     Adaptor adaptor,                          \
                                     SmallVectorImpl<Type> &results) {         \
    return inferBroadcastBinary(loc, Op::getOperationName(),                   \
                                adaptor.getLhs(), adaptor.getRhs(), Type(),    \
                                results);                                      \
  }
TESSERA_BROADCAST_BINARY_INFER(AddOp)
TESSERA_BROADCAST_BINARY_INFER(SubOp)
TESSERA_BROADCAST_BINARY_INFER(MulOp)
TESSERA_BROADCAST_BINARY_INFER(DivOp)
TESSERA_BROADCAST_BINARY_INFER(PowOp)
TESSERA_BROADCAST_BINARY_INFER(MaxOp)
TESSERA_BROADCAST_BINARY_INFER(MinOp)
TESSERA_BROADCAST_BINARY_INFER(ModOp)
#undef TESSERA_BROADCAST_BINARY_INFER

OpFoldResult AddOp::fold(FoldAdaptor adaptor) {
  if (OpFoldResult id = foldRightIdentity(*this, adaptor.getRhs(), isSplatZero))
    return id;
  return foldConstantBinary(
      *this, adaptor.getOperands(),
      [](const APFloat &a, const APFloat &b) -> std::optional<APFloat> {
        return a + b;
      },
      [](const APInt &a, const APInt &b) -> std::optional<APInt> {
        return a + b;
      });
}

OpFoldResult SubOp::fold(FoldAdaptor adaptor) {
  if (OpFoldResult id = foldRightIdentity(*this, adaptor.getRhs(), isSplatZero))
    return id;
  return foldConstantBinary(
      *this, adaptor.getOperands(),
      [](const APFloat &a, const APFloat &b) -> std::optional<APFloat> {
        return a - b;
      },
      [](const APInt &a, const APInt &b) -> std::optional<APInt> {
        return a - b;
      });
}

OpFoldResult MulOp::fold(FoldAdaptor adaptor) {
  if (OpFoldResult id = foldRightIdentity(*this, adaptor.getRhs(), isSplatOne))
    return id;
  return foldConstantBinary(
      *this, adaptor.getOperands(),
      [](const APFloat &a, const APFloat &b) -> std::optional<APFloat> {
        return a * b;
      },
      [](const APInt &a, const APInt &b) -> std::optional<APInt> {
        return a * b;
      });
}

OpFoldResult DivOp::fold(FoldAdaptor adaptor) {
  if (OpFoldResult id = foldRightIdentity(*this, adaptor.getRhs(), isSplatOne))
    return id;
  return foldConstantBinary(
      *this, adaptor.getOperands(),
      [](const APFloat &a, const APFloat &b) -> std::optional<APFloat> {
        return a / b;
      },
      // Integer division by zero is left for the runtime to report; so is
      // the overflowing INT_MIN / -1.
      [unsignedDiv = isUnsignedLike(getType())](
          const APInt &a, const APInt &b) -> std::optional<APInt> {
        if (b.isZero())
          return std::nullopt;
        if (unsignedDiv)
          return a.udiv(b);
        if (a.isMinSignedValue() && b.isAllOnes())
          return std::nullopt;
        return a.sdiv(b);
      });
}

namespace {
/// x / c -> x * (1 / c) for a float splat constant c: exporters spell
/// scaling both ways, and matching then sees one form.
struct DivByConstantToMul : public OpRewritePattern<DivOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(DivOp op,
                                PatternRewriter &rewriter) const override {
    auto constant = op.getRhs().getDefiningOp<ConstantOp>();
    auto dense = constant ? dyn_cast<DenseFPElementsAttr>(constant.getValue())
                          : DenseFPElementsAttr();
    if (!dense || !dense.isSplat())
      return failure();
    APFloat divisor = dense.getSplatValue<APFloat>();
    if (divisor.isZero() || !divisor.isFinite())
      return failure();
    APFloat reciprocal(divisor.getSemantics(), 1);
    reciprocal.divide(divisor, APFloat::rmNearestTiesToEven);
    auto type = cast<ShapedType>(constant.getType());
    Value factor = ConstantOp::create(rewriter, op.getLoc(), type,
                                      DenseElementsAttr::get(type, reciprocal));
    rewriter.replaceOpWithNewOp<MulOp>(op, op.getType(), op.getLhs(), factor);
    return success();
  }
};
} // namespace

void DivOp::getCanonicalizationPatterns(RewritePatternSet &patterns,
                                        MLIRContext *context) {
  patterns.add<DivByConstantToMul>(context);
}

OpFoldResult PowOp::fold(FoldAdaptor adaptor) {
  if (OpFoldResult id = foldRightIdentity(*this, adaptor.getRhs(), isSplatOne))
    return id;
  return foldConstantBinary(
      *this, adaptor.getOperands(),
      [](const APFloat &a, const APFloat &b) -> std::optional<APFloat> {
        bool losesInfo = false;
        APFloat x = a, y = b;
        x.convert(APFloat::IEEEdouble(), APFloat::rmNearestTiesToEven,
                  &losesInfo);
        y.convert(APFloat::IEEEdouble(), APFloat::rmNearestTiesToEven,
                  &losesInfo);
        APFloat result(std::pow(x.convertToDouble(), y.convertToDouble()));
        result.convert(a.getSemantics(), APFloat::rmNearestTiesToEven,
                       &losesInfo);
        return result;
      },
      // As the lowering: square and multiply (wrapping); a negative
      // exponent gives 1 / x^-e truncated.
      [unsignedPow = isUnsignedLike(getType())](
          const APInt &a, const APInt &b) -> std::optional<APInt> {
        unsigned width = a.getBitWidth();
        if (!unsignedPow && width > 1 && b.isNegative()) {
          if (a.isOne())
            return a;
          if (a.isAllOnes())
            return b[0] ? a : APInt(width, 1);
          return APInt(width, 0);
        }
        APInt result(width, 1), power = a;
        for (unsigned bit = 0; bit < width; ++bit) {
          if (b[bit])
            result *= power;
          power *= power;
        }
        return result;
      });
}

OpFoldResult MaxOp::fold(FoldAdaptor adaptor) {
  if (getLhs() == getRhs() && getLhs().getType() == getType())
    return getLhs();
  return foldConstantBinary(
      *this, adaptor.getOperands(),
      [](const APFloat &a, const APFloat &b) -> std::optional<APFloat> {
        return llvm::maximum(a, b);
      },
      [isUnsigned = isUnsignedLike(getType())](
          const APInt &a, const APInt &b) -> std::optional<APInt> {
        return (isUnsigned ? a.uge(b) : a.sge(b)) ? a : b;
      });
}

OpFoldResult MinOp::fold(FoldAdaptor adaptor) {
  if (getLhs() == getRhs() && getLhs().getType() == getType())
    return getLhs();
  return foldConstantBinary(
      *this, adaptor.getOperands(),
      [](const APFloat &a, const APFloat &b) -> std::optional<APFloat> {
        return llvm::minimum(a, b);
      },
      [isUnsigned = isUnsignedLike(getType())](
          const APInt &a, const APInt &b) -> std::optional<APInt> {
        return (isUnsigned ? a.ule(b) : a.sle(b)) ? a : b;
      });
}

//===----------------------------------------------------------------------===//
// ModOp
//===----------------------------------------------------------------------===//

LogicalResult ModOp::verify() {
  if (isa<FloatType>(getElementTypeOrSelf(getLhs().getType())) && !getFmod())
    return emitOpError("on floats needs fmod (the sign of the dividend), as "
                       "ONNX Mod does");
  return success();
}

OpFoldResult ModOp::fold(FoldAdaptor adaptor) {
  bool fmod = getFmod();
  return foldConstantBinary(
      *this, adaptor.getOperands(),
      [fmod](const APFloat &a, const APFloat &b) -> std::optional<APFloat> {
        if (!fmod)
          return std::nullopt;
        APFloat r = a;
        r.mod(b);
        return r;
      },
      // A zero divisor is left to run time.
      [fmod, isUnsigned = isUnsignedLike(getType())](
          const APInt &a, const APInt &b) -> std::optional<APInt> {
        if (b.isZero())
          return std::nullopt;
        if (isUnsigned)
          return a.urem(b);
        if (b.isAllOnes()) // x % -1 is 0; INT_MIN srem -1 would overflow
          return APInt::getZero(a.getBitWidth());
        APInt r = a.srem(b);
        if (!fmod && !r.isZero() && r.isNegative() != b.isNegative())
          r += b;
        return r;
      });
}

//===----------------------------------------------------------------------===//
// CmpOp
//===----------------------------------------------------------------------===//

LogicalResult CmpOp::inferReturnTypes(MLIRContext *context, OptionalLoc loc,
                                      Adaptor adaptor,
                                      SmallVectorImpl<Type> &results) {
  return inferBroadcastBinary(loc, getOperationName(), adaptor.getLhs(),
                              adaptor.getRhs(), IntegerType::get(context, 1),
                              results);
}

static bool evaluate(CmpPredicate predicate, int compareResult,
                     bool unordered) {
  if (unordered)
    return predicate == CmpPredicate::ne;
  switch (predicate) {
  case CmpPredicate::eq:
    return compareResult == 0;
  case CmpPredicate::ne:
    return compareResult != 0;
  case CmpPredicate::lt:
    return compareResult < 0;
  case CmpPredicate::le:
    return compareResult <= 0;
  case CmpPredicate::gt:
    return compareResult > 0;
  case CmpPredicate::ge:
    return compareResult >= 0;
  }
  return false;
}

OpFoldResult CmpOp::fold(FoldAdaptor adaptor) {
  auto resultType = cast<RankedTensorType>(getType());
  if (!resultType.hasStaticShape() || getLhs().getType() != getRhs().getType() ||
      shapeOf(getLhs().getType()) != resultType.getShape())
    return {};
  CmpPredicate predicate = getPredicate();
  if (isa<FloatType>(getElementTypeOrSelf(getLhs().getType())))
    return constFoldBinaryOpConditional<FloatAttr, APFloat, void, IntegerAttr>(
        adaptor.getOperands(), resultType,
        [&](const APFloat &a, const APFloat &b) -> std::optional<APInt> {
          APFloat::cmpResult c = a.compare(b);
          int order = c == APFloat::cmpLessThan      ? -1
                      : c == APFloat::cmpGreaterThan ? 1
                                                     : 0;
          return APInt(1, evaluate(predicate, order,
                                   c == APFloat::cmpUnordered));
        });
  return constFoldBinaryOpConditional<IntegerAttr, APInt, void, IntegerAttr>(
      adaptor.getOperands(), resultType,
      [&, isUnsigned = isUnsignedLike(getLhs().getType())](
          const APInt &a, const APInt &b) -> std::optional<APInt> {
        int order = isUnsigned ? (a.ult(b) ? -1 : a.ugt(b) ? 1 : 0)
                               : (a.slt(b) ? -1 : a.sgt(b) ? 1 : 0);
        return APInt(1, evaluate(predicate, order, false));
      });
}

//===----------------------------------------------------------------------===//
// WhereOp
//===----------------------------------------------------------------------===//

LogicalResult WhereOp::inferReturnTypes(MLIRContext *, OptionalLoc loc,
                                        Adaptor adaptor,
                                        SmallVectorImpl<Type> &results) {
  Type trueType = adaptor.getTrueValue().getType();
  Type falseType = adaptor.getFalseValue().getType();
  if (failed(requireSameElementType(loc, {trueType, falseType},
                                    getOperationName())))
    return failure();
  auto shape = broadcastShapes(
      loc,
      {shapeOf(adaptor.getCondition().getType()), shapeOf(trueType),
       shapeOf(falseType)},
      getOperationName());
  if (failed(shape))
    return failure();
  results.push_back(RankedTensorType::get(
      *shape, cast<RankedTensorType>(trueType).getElementType()));
  return success();
}

OpFoldResult WhereOp::fold(FoldAdaptor adaptor) {
  auto pick = [&](Value chosen) -> OpFoldResult {
    return chosen.getType() == getType() ? chosen : OpFoldResult();
  };
  if (getTrueValue() == getFalseValue())
    return pick(getTrueValue());
  if (auto splat = dyn_cast_or_null<SplatElementsAttr>(adaptor.getCondition()))
    return pick(splat.getSplatValue<bool>() ? getTrueValue()
                                            : getFalseValue());
  return {};
}

//===----------------------------------------------------------------------===//
// Unary ops
//===----------------------------------------------------------------------===//

OpFoldResult SqrtOp::fold(FoldAdaptor adaptor) {
  return foldConstantUnary(adaptor.getOperands(), [](const APFloat &x) {
    return applyDouble(x, [](double v) { return std::sqrt(v); });
  });
}

OpFoldResult RsqrtOp::fold(FoldAdaptor adaptor) {
  return foldConstantUnary(adaptor.getOperands(), [](const APFloat &x) {
    return applyDouble(x, [](double v) { return 1.0 / std::sqrt(v); });
  });
}

OpFoldResult ExpOp::fold(FoldAdaptor adaptor) {
  return foldConstantUnary(adaptor.getOperands(), [](const APFloat &x) {
    return applyDouble(x, [](double v) { return std::exp(v); });
  });
}

OpFoldResult ErfOp::fold(FoldAdaptor adaptor) {
  return foldConstantUnary(adaptor.getOperands(), [](const APFloat &x) {
    return applyDouble(x, [](double v) { return std::erf(v); });
  });
}

OpFoldResult TanhOp::fold(FoldAdaptor adaptor) {
  return foldConstantUnary(adaptor.getOperands(), [](const APFloat &x) {
    return applyDouble(x, [](double v) { return std::tanh(v); });
  });
}

OpFoldResult SigmoidOp::fold(FoldAdaptor adaptor) {
  return foldConstantUnary(adaptor.getOperands(), [](const APFloat &x) {
    return applyDouble(x, [](double v) { return 1.0 / (1.0 + std::exp(-v)); });
  });
}

OpFoldResult ReciprocalOp::fold(FoldAdaptor adaptor) {
  if (auto inner = getInput().getDefiningOp<ReciprocalOp>())
    return inner.getInput();
  return foldConstantUnary(adaptor.getOperands(), [](const APFloat &x) {
    return applyDouble(x, [](double v) { return 1.0 / v; });
  });
}

OpFoldResult LogOp::fold(FoldAdaptor adaptor) {
  return foldConstantUnary(adaptor.getOperands(), [](const APFloat &x) {
    return applyDouble(x, [](double v) { return std::log(v); });
  });
}

OpFoldResult AbsOp::fold(FoldAdaptor adaptor) {
  if (auto inner = getInput().getDefiningOp<AbsOp>())
    return inner.getResult();
  if (isa<FloatType>(getElementTypeOrSelf(getType())))
    return foldConstantUnary(adaptor.getOperands(),
                             [](const APFloat &x) { return abs(x); });
  return constFoldUnaryOp<IntegerAttr, APInt, void>(
      adaptor.getOperands(), [](const APInt &x) { return x.abs(); });
}

OpFoldResult NegOp::fold(FoldAdaptor adaptor) {
  if (auto inner = getInput().getDefiningOp<NegOp>())
    return inner.getInput();
  if (isa<FloatType>(getElementTypeOrSelf(getType())))
    return foldConstantUnary(adaptor.getOperands(),
                             [](const APFloat &x) { return -x; });
  return constFoldUnaryOp<IntegerAttr, APInt, void>(
      adaptor.getOperands(), [](const APInt &x) { return -x; });
}

//===----------------------------------------------------------------------===//
// CastOp
//===----------------------------------------------------------------------===//

/// Converts one constant element as ONNX Cast does; nullopt for pairs that
/// are not folded (to or from types other than float and integer). Casts to
/// FLOAT8E8M0 (which rounds up) and FLOAT4E2M1 (which has no NaN) do not
/// fold: APFloat's conversion is not theirs.
static std::optional<Attribute> castElement(Attribute element, Type to) {
  bool losesInfo = false;
  if (isa<Float8E8M0FNUType, Float4E2M1FNType>(to))
    return std::nullopt;
  if (auto floatAttr = dyn_cast<FloatAttr>(element)) {
    APFloat value = floatAttr.getValue();
    if (auto floatType = dyn_cast<FloatType>(to)) {
      value.convert(floatType.getFloatSemantics(),
                    APFloat::rmNearestTiesToEven, &losesInfo);
      return FloatAttr::get(to, value);
    }
    if (auto intType = dyn_cast<IntegerType>(to)) {
      if (intType.getWidth() == 1)
        return IntegerAttr::get(to, APInt(1, !value.isZero()));
      // 4-bit and 2-bit integers wrap, as ONNX's reference does: convert
      // to 64 bits, then keep the low bits.
      unsigned width = intType.getWidth() < 8 ? 64 : intType.getWidth();
      APSInt result(width, /*isUnsigned=*/false);
      bool isExact = false;
      value.convertToInteger(result, APFloat::rmTowardZero, &isExact);
      return IntegerAttr::get(to, result.trunc(intType.getWidth()));
    }
    return std::nullopt;
  }
  if (auto intAttr = dyn_cast<IntegerAttr>(element)) {
    APInt value = intAttr.getValue();
    // Booleans and unsigned integers widen with zeros, the rest with sign.
    bool isBool = value.getBitWidth() == 1 ||
                  intAttr.getType().isUnsignedInteger();
    if (auto floatType = dyn_cast<FloatType>(to)) {
      APFloat result(floatType.getFloatSemantics());
      result.convertFromAPInt(value, /*IsSigned=*/!isBool,
                              APFloat::rmNearestTiesToEven);
      return FloatAttr::get(to, result);
    }
    if (auto intType = dyn_cast<IntegerType>(to)) {
      if (intType.getWidth() == 1)
        return IntegerAttr::get(to, APInt(1, !value.isZero()));
      return IntegerAttr::get(to, isBool ? value.zext(intType.getWidth())
                                         : value.sextOrTrunc(intType.getWidth()));
    }
  }
  return std::nullopt;
}

OpFoldResult CastOp::fold(FoldAdaptor adaptor) {
  if (getInput().getType() == getType())
    return getInput();
  // A widening cast and back is exact: cast(cast(x : f16 -> f32) -> f16).
  if (auto inner = getInput().getDefiningOp<CastOp>()) {
    Type source = getElementTypeOrSelf(inner.getInput().getType());
    Type middle = getElementTypeOrSelf(inner.getType());
    bool sameKind = (isa<FloatType>(source) && isa<FloatType>(middle)) ||
                    (source.isSignlessInteger() && middle.isSignlessInteger());
    if (inner.getInput().getType() == getType() && sameKind &&
        middle.getIntOrFloatBitWidth() > source.getIntOrFloatBitWidth())
      return inner.getInput();
  }
  auto constant = dyn_cast_or_null<DenseElementsAttr>(adaptor.getInput());
  auto resultType = cast<RankedTensorType>(getType());
  if (!constant || !resultType.hasStaticShape())
    return {};
  Type to = resultType.getElementType();
  if (constant.isSplat()) {
    std::optional<Attribute> value =
        castElement(constant.getSplatValue<Attribute>(), to);
    return value ? DenseElementsAttr::get(resultType, *value) : Attribute();
  }
  SmallVector<Attribute> values;
  values.reserve(constant.getNumElements());
  for (Attribute element : constant.getValues<Attribute>()) {
    std::optional<Attribute> value = castElement(element, to);
    if (!value)
      return {};
    values.push_back(*value);
  }
  return DenseElementsAttr::get(resultType, values);
}

//===----------------------------------------------------------------------===//
// MatmulOp
//===----------------------------------------------------------------------===//

LogicalResult MatmulOp::inferReturnTypes(MLIRContext *, OptionalLoc loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &results) {
  Type lhs = adaptor.getLhs().getType();
  auto shape = inferMatmulShape(loc, getOperationName(), lhs,
                                adaptor.getRhs().getType());
  if (failed(shape))
    return failure();
  results.push_back(
      RankedTensorType::get(*shape, cast<RankedTensorType>(lhs).getElementType()));
  return success();
}

#define GET_OP_CLASSES
#include "ir/TesseraMathOps.cpp.inc"
