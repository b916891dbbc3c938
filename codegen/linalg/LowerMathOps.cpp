//===- LowerMathOps.cpp - tessera math ops -> linalg ----------------------===//
//
// constant, elementwise math (NumPy broadcasting), cmp, where, cast, matmul,
// reduce_*, softmax and cumsum as linalg/tensor/arith/math/scf on tensors.
// Every elementwise op is one broadcasting linalg.generic; the scalar
// semantics follow ONNX (NaN-propagating max/min, truncating integer
// division, ordered comparisons except `ne`; unsigned elements divide,
// compare, take max/min and convert as unsigned, signless ones as signed).
//
//===----------------------------------------------------------------------===//

#include "codegen/linalg/LoweringPatterns.h"
#include "codegen/linalg/LoweringUtils.h"
#include "codegen/linalg/NarrowFloats.h"

#include "ir/TesseraDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;

namespace tessera {

//===----------------------------------------------------------------------===//
// Scalar helpers
//===----------------------------------------------------------------------===//

using UnaryFn = Value (*)(OpBuilder &, Location, Value);
using BinaryFn = Value (*)(OpBuilder &, Location, Value, Value);

/// i1 holds booleans: they order and reduce as unsigned (false < true); the
/// signed reading of i1 would make true = -1.
static bool isBool(Type type) { return type.isInteger(1); }

/// Booleans and unsigned integers (ONNX uint8...uint64) order, divide and
/// convert as unsigned; the other (signless) integers as signed.
static bool isUnsignedLike(Type type) {
  return isBool(type) || type.isUnsignedInteger();
}

/// f16/bf16 (and narrower) sums accumulate in f32, which holds them exactly
/// and keeps long sums from losing the small terms.
static Type accumulatorType(Type type) {
  auto floatType = dyn_cast<FloatType>(type);
  if (floatType && floatType.getWidth() < 32)
    return Float32Type::get(type.getContext());
  return type;
}

/// Extends or rounds (to nearest even) a float to another float type. Types
/// of the same width (f16 and bf16) are neither wider nor narrower than each
/// other: the conversion goes through f32, which holds both exactly.
static Value convertFloat(OpBuilder &b, Location loc, Value x, Type to) {
  Type from = x.getType();
  if (from == to)
    return x;
  // LLVM has no 8-bit or 4-bit floats: those go through f32 in integer code
  // (from f64 that rounds twice, which can differ in rare ties).
  if (isNarrowFloat(from))
    return convertFloat(b, loc, extendNarrowFloat(b, loc, x), to);
  if (isNarrowFloat(to))
    return truncateToNarrowFloat(b, loc, convertFloat(b, loc, x, b.getF32Type()),
                                 cast<FloatType>(to));
  unsigned fromWidth = from.getIntOrFloatBitWidth();
  unsigned toWidth = to.getIntOrFloatBitWidth();
  if (fromWidth < toWidth)
    return arith::ExtFOp::create(b, loc, to, x);
  if (fromWidth == toWidth)
    x = arith::ExtFOp::create(b, loc, b.getF32Type(), x);
  return arith::TruncFOp::create(b, loc, to, x);
}

template <typename FloatOp, typename IntOp>
static Value arithBinary(OpBuilder &b, Location loc, Value x, Value y) {
  if (isa<FloatType>(x.getType()))
    return FloatOp::create(b, loc, x, y);
  return IntOp::create(b, loc, x, y);
}

static Value addValues(OpBuilder &b, Location loc, Value x, Value y) {
  return arithBinary<arith::AddFOp, arith::AddIOp>(b, loc, x, y);
}

static Value mulValues(OpBuilder &b, Location loc, Value x, Value y) {
  return arithBinary<arith::MulFOp, arith::MulIOp>(b, loc, x, y);
}

/// Integer division truncates toward zero, as ONNX Div does.
static Value divValues(OpBuilder &b, Location loc, Value x, Value y) {
  return arithBinary<arith::DivFOp, arith::DivSIOp>(b, loc, x, y);
}

static Value divUnsigned(OpBuilder &b, Location loc, Value x, Value y) {
  return arith::DivUIOp::create(b, loc, x, y);
}

/// powf for floats. Integers (same type, signless here) multiply by
/// squaring over every bit of the exponent, wrapping on overflow as NumPy
/// does; straight-line code (selects, no loop) so that it vectorizes. A
/// negative exponent (signed types only) gives 1 / x^-e truncated: 1 for
/// x = 1, +-1 for x = -1 (the parity of e, which the bits already give),
/// else 0.
template <bool isUnsigned>
static Value powValues(OpBuilder &b, Location loc, Value x, Value y) {
  Type type = x.getType();
  if (isa<FloatType>(type))
    return math::PowFOp::create(b, loc, x, y);
  unsigned width = type.getIntOrFloatBitWidth();
  Value one = scalarConstant(b, loc, type, 1);
  Value zero = scalarConstant(b, loc, type, 0);
  Value result = one, power = x;
  for (unsigned bit = 0; bit < width; ++bit) {
    Value mask = arith::ConstantOp::create(
        b, loc, b.getIntegerAttr(type, APInt::getOneBitSet(width, bit)));
    Value set = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne,
                                      arith::AndIOp::create(b, loc, y, mask),
                                      zero);
    result = arith::SelectOp::create(
        b, loc, set, arith::MulIOp::create(b, loc, result, power), result);
    if (bit + 1 < width)
      power = arith::MulIOp::create(b, loc, power, power);
  }
  if (isUnsigned || width == 1)
    return result;
  Value negative =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, y, zero);
  Value minusOne = scalarConstant(b, loc, type, -1);
  Value isOne = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, x, one);
  Value isMinusOne =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, x, minusOne);
  Value unit = arith::OrIOp::create(b, loc, isOne, isMinusOne);
  Value toZero = arith::AndIOp::create(
      b, loc, negative,
      arith::XOrIOp::create(b, loc, unit,
                            scalarConstant(b, loc, b.getI1Type(), 1)));
  return arith::SelectOp::create(b, loc, toZero, zero, result);
}

/// maximumf/minimumf propagate NaN, as ONNX Max/Min and ReduceMax do.
static Value maxValues(OpBuilder &b, Location loc, Value x, Value y) {
  if (isa<FloatType>(x.getType()))
    return arith::MaximumFOp::create(b, loc, x, y);
  if (isBool(x.getType()))
    return arith::MaxUIOp::create(b, loc, x, y);
  return arith::MaxSIOp::create(b, loc, x, y);
}

static Value minValues(OpBuilder &b, Location loc, Value x, Value y) {
  if (isa<FloatType>(x.getType()))
    return arith::MinimumFOp::create(b, loc, x, y);
  if (isBool(x.getType()))
    return arith::MinUIOp::create(b, loc, x, y);
  return arith::MinSIOp::create(b, loc, x, y);
}

static Value maxUnsigned(OpBuilder &b, Location loc, Value x, Value y) {
  return arith::MaxUIOp::create(b, loc, x, y);
}

static Value minUnsigned(OpBuilder &b, Location loc, Value x, Value y) {
  return arith::MinUIOp::create(b, loc, x, y);
}

template <typename MathOp>
static Value mathUnary(OpBuilder &b, Location loc, Value x) {
  return MathOp::create(b, loc, x);
}

static Value negValue(OpBuilder &b, Location loc, Value x) {
  if (isa<FloatType>(x.getType()))
    return arith::NegFOp::create(b, loc, x);
  return arith::SubIOp::create(b, loc, scalarConstant(b, loc, x.getType(), 0),
                               x);
}

static Value absValue(OpBuilder &b, Location loc, Value x) {
  if (isa<FloatType>(x.getType()))
    return math::AbsFOp::create(b, loc, x);
  return math::AbsIOp::create(b, loc, x);
}

static Value reciprocalValue(OpBuilder &b, Location loc, Value x) {
  return arith::DivFOp::create(b, loc, scalarConstant(b, loc, x.getType(), 1),
                               x);
}

/// 1 / (1 + exp(-x)): exp(-x) overflows to inf for very negative x and the
/// result is then exactly 0, never NaN.
static Value sigmoidValue(OpBuilder &b, Location loc, Value x) {
  Value e = math::ExpOp::create(b, loc, arith::NegFOp::create(b, loc, x));
  Value one = scalarConstant(b, loc, x.getType(), 1);
  return arith::DivFOp::create(b, loc, one,
                               arith::AddFOp::create(b, loc, one, e));
}

/// The identity of max: -inf, or the smallest integer (false for booleans).
static Value lowestValue(OpBuilder &b, Location loc, Type type) {
  if (auto floatType = dyn_cast<FloatType>(type))
    return arith::ConstantOp::create(
        b, loc,
        b.getFloatAttr(floatType, APFloat::getInf(floatType.getFloatSemantics(),
                                                  /*Negative=*/true)));
  unsigned width = type.getIntOrFloatBitWidth();
  APInt lowest =
      isBool(type) ? APInt::getZero(1) : APInt::getSignedMinValue(width);
  return arith::ConstantOp::create(b, loc, b.getIntegerAttr(type, lowest));
}

/// arith computes on signless integers only. An unsigned element (ONNX
/// uint8...uint64) is read as the signless integer with its bits, and a
/// result is given back its unsigned type; the LLVM lowering, where both are
/// iN, folds the casts away.
static Value toSignless(OpBuilder &b, Location loc, Value x) {
  auto type = dyn_cast<IntegerType>(x.getType());
  if (!type || type.isSignless())
    return x;
  return UnrealizedConversionCastOp::create(
             b, loc, b.getIntegerType(type.getWidth()), x)
      .getResult(0);
}

static Value fromSignless(OpBuilder &b, Location loc, Value x, Type to) {
  if (x.getType() == to)
    return x;
  return UnrealizedConversionCastOp::create(b, loc, to, x).getResult(0);
}

/// Converts one element as ONNX Cast (and tessera.cast) does. `from` and
/// `to` are the element types, which may be unsigned; `x` is signless.
static Value castValue(OpBuilder &b, Location loc, Value x, Type from,
                       Type to) {
  // Booleans and unsigned integers widen with zeros, signed integers with
  // their sign; floats become unsigned with fptoui.
  bool fromUnsigned = isUnsignedLike(from);
  bool toUnsigned = to.isUnsignedInteger();
  Type target = to;
  if (auto integer = dyn_cast<IntegerType>(to))
    target = b.getIntegerType(integer.getWidth());
  Type source = x.getType();
  if (source == target)
    return x;
  if (isNarrowFloat(source)) {
    x = extendNarrowFloat(b, loc, x);
    source = x.getType();
  }
  // To bool: a test against zero; NaN is not zero, so it gives true.
  if (isBool(target)) {
    Value zero = scalarConstant(b, loc, source, 0);
    if (isa<FloatType>(source))
      return arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNE, x, zero);
    return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, x, zero);
  }
  if (isa<FloatType>(source)) {
    if (isa<FloatType>(target))
      return convertFloat(b, loc, x, target);
    // 4-bit and 2-bit integers wrap, as in ONNX's reference: convert to
    // i32 and keep the low bits.
    if (target.getIntOrFloatBitWidth() < 8) {
      Value wide = arith::FPToSIOp::create(b, loc, b.getI32Type(), x);
      return arith::TruncIOp::create(b, loc, target, wide);
    }
    // Both truncate toward zero.
    return toUnsigned ? arith::FPToUIOp::create(b, loc, target, x).getResult()
                      : arith::FPToSIOp::create(b, loc, target, x).getResult();
  }
  if (isNarrowFloat(target))
    return convertFloat(
        b, loc,
        fromUnsigned ? arith::UIToFPOp::create(b, loc, b.getF32Type(), x).getResult()
                     : arith::SIToFPOp::create(b, loc, b.getF32Type(), x).getResult(),
        target);
  if (isa<FloatType>(target))
    return fromUnsigned
               ? arith::UIToFPOp::create(b, loc, target, x).getResult()
               : arith::SIToFPOp::create(b, loc, target, x).getResult();
  if (source.getIntOrFloatBitWidth() < target.getIntOrFloatBitWidth())
    return fromUnsigned ? arith::ExtUIOp::create(b, loc, target, x).getResult()
                        : arith::ExtSIOp::create(b, loc, target, x).getResult();
  return arith::TruncIOp::create(b, loc, target, x);
}

static arith::CmpFPredicate floatPredicate(CmpPredicate predicate) {
  switch (predicate) {
  case CmpPredicate::eq:
    return arith::CmpFPredicate::OEQ;
  case CmpPredicate::ne:
    return arith::CmpFPredicate::UNE; // NaN != anything
  case CmpPredicate::lt:
    return arith::CmpFPredicate::OLT;
  case CmpPredicate::le:
    return arith::CmpFPredicate::OLE;
  case CmpPredicate::gt:
    return arith::CmpFPredicate::OGT;
  case CmpPredicate::ge:
    return arith::CmpFPredicate::OGE;
  }
  llvm_unreachable("unknown tessera.cmp predicate");
}

static arith::CmpIPredicate intPredicate(CmpPredicate predicate,
                                         bool isUnsigned) {
  switch (predicate) {
  case CmpPredicate::eq:
    return arith::CmpIPredicate::eq;
  case CmpPredicate::ne:
    return arith::CmpIPredicate::ne;
  case CmpPredicate::lt:
    return isUnsigned ? arith::CmpIPredicate::ult : arith::CmpIPredicate::slt;
  case CmpPredicate::le:
    return isUnsigned ? arith::CmpIPredicate::ule : arith::CmpIPredicate::sle;
  case CmpPredicate::gt:
    return isUnsigned ? arith::CmpIPredicate::ugt : arith::CmpIPredicate::sgt;
  case CmpPredicate::ge:
    return isUnsigned ? arith::CmpIPredicate::uge : arith::CmpIPredicate::sge;
  }
  llvm_unreachable("unknown tessera.cmp predicate");
}

//===----------------------------------------------------------------------===//
// Structured-op helpers
//===----------------------------------------------------------------------===//

static SmallVector<utils::IteratorType> parallelIterators(int64_t rank) {
  return SmallVector<utils::IteratorType>(rank, utils::IteratorType::parallel);
}

/// The map from a loop nest over `rank` dims to the dims that remain after
/// dropping `dropped` (the reduced dims).
static AffineMap dropDimsMap(MLIRContext *ctx, int64_t rank,
                             ArrayRef<int64_t> dropped) {
  SmallVector<AffineExpr> exprs;
  for (int64_t d = 0; d < rank; ++d)
    if (!llvm::is_contained(dropped, d))
      exprs.push_back(getAffineDimExpr(d, ctx));
  return AffineMap::get(rank, 0, exprs, ctx);
}

/// A tensor.empty of `type` filled with `value`.
static Value filledTensor(OpBuilder &b, Location loc, RankedTensorType type,
                          ArrayRef<OpFoldResult> sizes, Value value) {
  Value empty = emptyTensor(b, loc, type, sizes);
  return linalg::FillOp::create(b, loc, value, empty).getResult(0);
}

using ElementFn = function_ref<Value(OpBuilder &, Location, ValueRange)>;

/// One parallel linalg.generic writing `init` elementwise from `inputs`,
/// which broadcast to it NumPy-style; `body` maps the input elements to the
/// result element.
static Value elementwiseInto(OpBuilder &b, Location loc, Value init,
                             ValueRange inputs, ElementFn body) {
  MLIRContext *ctx = b.getContext();
  auto resultType = cast<RankedTensorType>(init.getType());
  SmallVector<AffineMap> maps;
  for (Value input : inputs)
    maps.push_back(
        broadcastMap(ctx, cast<RankedTensorType>(input.getType()), resultType));
  maps.push_back(b.getMultiDimIdentityMap(resultType.getRank()));
  auto generic = linalg::GenericOp::create(
      b, loc, resultType, inputs, init, maps,
      parallelIterators(resultType.getRank()),
      [&](OpBuilder &nested, Location nestedLoc, ValueRange args) {
        linalg::YieldOp::create(nested, nestedLoc,
                                body(nested, nestedLoc, args.drop_back()));
      });
  return generic.getResult(0);
}

/// elementwiseInto a new tensor of `resultType`, sized by broadcasting.
static Value buildElementwise(OpBuilder &b, Location loc,
                              RankedTensorType resultType, ValueRange inputs,
                              ElementFn body) {
  Value init = emptyTensor(b, loc, resultType,
                           broadcastSizes(b, loc, resultType, inputs));
  return elementwiseInto(b, loc, init, inputs, body);
}

/// The number of elements a reduction over `axes` of `input` combines, as a
/// scalar of `type`; dynamic sizes come from tensor.dim.
static Value reducedCount(OpBuilder &b, Location loc, Value input,
                          ArrayRef<int64_t> axes, Type type) {
  auto inputType = cast<RankedTensorType>(input.getType());
  int64_t staticCount = 1;
  Value dynamicCount;
  for (int64_t axis : axes) {
    if (!inputType.isDynamicDim(axis)) {
      staticCount *= inputType.getDimSize(axis);
      continue;
    }
    Value dim = tensor::DimOp::create(b, loc, input, axis);
    dynamicCount =
        dynamicCount ? arith::MulIOp::create(b, loc, dynamicCount, dim) : dim;
  }
  if (!dynamicCount)
    return scalarConstant(b, loc, type, static_cast<double>(staticCount));
  if (staticCount != 1)
    dynamicCount = arith::MulIOp::create(
        b, loc, dynamicCount,
        arith::ConstantIndexOp::create(b, loc, staticCount));
  if (!isa<FloatType>(type))
    return arith::IndexCastOp::create(b, loc, type, dynamicCount);
  Value asInt =
      arith::IndexCastOp::create(b, loc, b.getI64Type(), dynamicCount);
  return arith::SIToFPOp::create(b, loc, type, asInt);
}

//===----------------------------------------------------------------------===//
// Patterns
//===----------------------------------------------------------------------===//

namespace {

/// tessera.constant -> arith.constant with the same elements attribute
/// (dense or dense_resource: weights are not copied).
struct ConstantLowering : OpConversionPattern<ConstantOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ConstantOp op, OpAdaptor,
                  ConversionPatternRewriter &rewriter) const override {
    if (!arith::ConstantOp::isBuildableWith(op.getValue(), op.getType()))
      return rewriter.notifyMatchFailure(
          op, "arith.constant cannot hold this elements attribute");
    rewriter.replaceOpWithNewOp<arith::ConstantOp>(op, op.getType(),
                                                   op.getValue());
    return success();
  }
};

/// add/sub/mul/div/pow/max/min -> a broadcasting generic around `fn`, or
/// around `unsignedFn` (where the operation differs) for unsigned elements,
/// which arith sees as signless integers with the same bits.
template <typename SrcOp> struct BinaryLowering : OpConversionPattern<SrcOp> {
  BinaryLowering(MLIRContext *ctx, BinaryFn fn, BinaryFn unsignedFn = nullptr)
      : OpConversionPattern<SrcOp>(ctx), fn(fn),
        unsignedFn(unsignedFn ? unsignedFn : fn) {}
  LogicalResult
  matchAndRewrite(SrcOp op, typename SrcOp::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Type elementType = op.getType().getElementType();
    BinaryFn elementFn = elementType.isUnsignedInteger() ? unsignedFn : fn;
    Value result = buildElementwise(
        rewriter, op.getLoc(), op.getType(),
        {adaptor.getLhs(), adaptor.getRhs()},
        [&](OpBuilder &b, Location loc, ValueRange args) {
          Value x = toSignless(b, loc, args[0]);
          Value y = toSignless(b, loc, args[1]);
          return fromSignless(b, loc, elementFn(b, loc, x, y), elementType);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
  BinaryFn fn, unsignedFn;
};

/// sqrt/rsqrt/exp/erf/tanh/sigmoid/neg/abs/reciprocal/log -> a generic
/// around `fn`, in the element type.
template <typename SrcOp> struct UnaryLowering : OpConversionPattern<SrcOp> {
  UnaryLowering(MLIRContext *ctx, UnaryFn fn)
      : OpConversionPattern<SrcOp>(ctx), fn(fn) {}
  LogicalResult
  matchAndRewrite(SrcOp op, typename SrcOp::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Value result = buildElementwise(
        rewriter, op.getLoc(), op.getType(), adaptor.getInput(),
        [&](OpBuilder &b, Location loc, ValueRange args) {
          return fn(b, loc, args[0]);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
  UnaryFn fn;
};

/// mod -> a broadcasting generic around arith.remf (fmod; floats always
/// have it) or remui/remsi; without fmod a nonzero signed remainder whose
/// sign differs from the divisor's gets the divisor added (Python's %). A
/// divisor of -1 becomes 1 (the remainder is 0 either way), so INT_MIN % -1
/// does not overflow.
struct ModLowering : OpConversionPattern<ModOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ModOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Type elementType = op.getType().getElementType();
    bool fmod = op.getFmod();
    Value result = buildElementwise(
        rewriter, op.getLoc(), op.getType(),
        {adaptor.getLhs(), adaptor.getRhs()},
        [&](OpBuilder &b, Location loc, ValueRange args) -> Value {
          Value x = toSignless(b, loc, args[0]);
          Value y = toSignless(b, loc, args[1]);
          Type type = x.getType();
          if (isa<FloatType>(type))
            return arith::RemFOp::create(b, loc, x, y);
          if (isUnsignedLike(elementType))
            return fromSignless(b, loc, arith::RemUIOp::create(b, loc, x, y),
                                elementType);
          Value zero = scalarConstant(b, loc, type, 0);
          Value one = scalarConstant(b, loc, type, 1);
          Value minusOne = scalarConstant(b, loc, type, -1);
          Value divisor = arith::SelectOp::create(
              b, loc,
              arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, y,
                                    minusOne),
              one, y);
          Value r = arith::RemSIOp::create(b, loc, x, divisor);
          if (fmod)
            return r;
          Value nonzero =
              arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, r, zero);
          Value signsDiffer = arith::CmpIOp::create(
              b, loc, arith::CmpIPredicate::slt,
              arith::XOrIOp::create(b, loc, r, divisor), zero);
          Value fix = arith::AndIOp::create(b, loc, nonzero, signsDiffer);
          Value sum = arith::AddIOp::create(b, loc, r, divisor);
          return arith::SelectOp::create(b, loc, fix, sum, r);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// cmp -> a broadcasting generic around arith.cmpf/cmpi.
struct CmpLowering : OpConversionPattern<CmpOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(CmpOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    CmpPredicate predicate = op.getPredicate();
    Value result = buildElementwise(
        rewriter, op.getLoc(), op.getType(),
        {adaptor.getLhs(), adaptor.getRhs()},
        [&](OpBuilder &b, Location loc, ValueRange args) -> Value {
          Type type = args[0].getType();
          if (isa<FloatType>(type))
            return arith::CmpFOp::create(b, loc, floatPredicate(predicate),
                                         args[0], args[1]);
          Value x = toSignless(b, loc, args[0]);
          Value y = toSignless(b, loc, args[1]);
          return arith::CmpIOp::create(
              b, loc, intPredicate(predicate, isUnsignedLike(type)), x, y);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// where -> a generic around arith.select, all three operands broadcast.
struct WhereLowering : OpConversionPattern<WhereOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(WhereOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Value result = buildElementwise(
        rewriter, op.getLoc(), cast<RankedTensorType>(op.getType()),
        adaptor.getOperands(),
        [&](OpBuilder &b, Location loc, ValueRange args) -> Value {
          return arith::SelectOp::create(b, loc, args[0], args[1], args[2]);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// cast -> a generic around the arith conversion ONNX Cast means.
struct CastLowering : OpConversionPattern<CastOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(CastOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Value input = adaptor.getInput();
    auto resultType = cast<RankedTensorType>(op.getType());
    if (input.getType() == resultType) {
      rewriter.replaceOp(op, input);
      return success();
    }
    Type from = getElementTypeOrSelf(input.getType());
    Type to = resultType.getElementType();
    auto isArithType = [](Type type) {
      return isa<FloatType>(type) || type.isSignlessInteger() ||
             type.isUnsignedInteger();
    };
    if (!isArithType(from) || !isArithType(to))
      return rewriter.notifyMatchFailure(
          op, "only casts between floats and signless or unsigned integers "
              "lower");
    Value result = buildElementwise(
        rewriter, op.getLoc(), resultType, input,
        [&](OpBuilder &b, Location loc, ValueRange args) {
          if (from == to)
            return args[0];
          Value x = castValue(b, loc, toSignless(b, loc, args[0]), from, to);
          return fromSignless(b, loc, x, to);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// matmul: rank 2 x rank 2 -> linalg.matmul; otherwise a generic over
/// (batch..., m, n, k) whose batch indexing broadcasts NumPy-style. Both
/// accumulate in the result type into a zero fill.
struct MatmulLowering : OpConversionPattern<MatmulOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(MatmulOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    Value lhs = adaptor.getLhs(), rhs = adaptor.getRhs();
    auto lhsType = cast<RankedTensorType>(lhs.getType());
    auto rhsType = cast<RankedTensorType>(rhs.getType());
    auto resultType = cast<RankedTensorType>(op.getType());
    int64_t rank = resultType.getRank();

    Value zero = scalarConstant(rewriter, loc, resultType.getElementType(), 0);
    Value init =
        filledTensor(rewriter, loc, resultType,
                     resultSizes(rewriter, loc, resultType, lhs, rhs), zero);
    if (lhsType.getRank() == 2 && rhsType.getRank() == 2) {
      rewriter.replaceOpWithNewOp<linalg::MatmulOp>(
          op, TypeRange{resultType}, ValueRange{lhs, rhs}, ValueRange{init});
      return success();
    }

    // Loops d0..d(rank-1) index the result; d(rank) is k. Aligned from the
    // right, an operand's batch dims sit where broadcastMap puts them.
    AffineExpr m = getAffineDimExpr(rank - 2, ctx);
    AffineExpr n = getAffineDimExpr(rank - 1, ctx);
    AffineExpr k = getAffineDimExpr(rank, ctx);
    auto operandMap = [&](RankedTensorType type, AffineExpr row,
                          AffineExpr column) {
      SmallVector<AffineExpr> exprs(
          broadcastMap(ctx, type, resultType).getResults().drop_back(2));
      exprs.append({row, column});
      return AffineMap::get(rank + 1, 0, exprs, ctx);
    };
    SmallVector<AffineMap> maps = {
        operandMap(lhsType, m, k), operandMap(rhsType, k, n),
        AffineMap::getMultiDimIdentityMap(rank + 1, ctx).getMajorSubMap(rank)};
    SmallVector<utils::IteratorType> iterators = parallelIterators(rank);
    iterators.push_back(utils::IteratorType::reduction);
    auto generic = linalg::GenericOp::create(
        rewriter, loc, resultType, ValueRange{lhs, rhs}, init, maps, iterators,
        [](OpBuilder &b, Location l, ValueRange args) {
          linalg::YieldOp::create(
              b, l,
              addValues(b, l, args[2], mulValues(b, l, args[0], args[1])));
        });
    rewriter.replaceOp(op, generic.getResult(0));
    return success();
  }

  /// The result sizes: batch dims from the first operand that does not
  /// stretch them, m from lhs, n from rhs.
  static SmallVector<OpFoldResult> resultSizes(OpBuilder &b, Location loc,
                                               RankedTensorType resultType,
                                               Value lhs, Value rhs) {
    int64_t rank = resultType.getRank();
    auto lhsType = cast<RankedTensorType>(lhs.getType());
    auto rhsType = cast<RankedTensorType>(rhs.getType());
    SmallVector<OpFoldResult> sizes;
    for (int64_t i = 0; i < rank; ++i) {
      if (!resultType.isDynamicDim(i)) {
        sizes.push_back(b.getIndexAttr(resultType.getDimSize(i)));
      } else if (i == rank - 2) {
        sizes.push_back(
            tensor::getMixedSize(b, loc, lhs, lhsType.getRank() - 2));
      } else if (i == rank - 1) {
        sizes.push_back(
            tensor::getMixedSize(b, loc, rhs, rhsType.getRank() - 1));
      } else {
        OpFoldResult size = b.getIndexAttr(1);
        for (Value operand : {lhs, rhs}) {
          auto type = cast<RankedTensorType>(operand.getType());
          int64_t d = i - (rank - type.getRank());
          if (d < 0 || (!type.isDynamicDim(d) && type.getDimSize(d) == 1))
            continue;
          size = tensor::getMixedSize(b, loc, operand, d);
          break;
        }
        sizes.push_back(size);
      }
    }
    return sizes;
  }
};

enum class ReduceKind { Sum, Mean, Max };

/// reduce_sum/mean/max -> one reduction generic into a fill of the identity
/// (0 or the lowest value) over the kept dims; mean then divides by the
/// number of reduced elements, and f16/bf16 sums (accumulated in f32) round
/// back; keep_dims re-inserts the size-1 dims with tensor.expand_shape.
/// Reducing a size-0 dim leaves the identity: 0, or -inf as ONNX ReduceMax.
template <typename SrcOp, ReduceKind kind>
struct ReduceLowering : OpConversionPattern<SrcOp> {
  using OpConversionPattern<SrcOp>::OpConversionPattern;
  LogicalResult
  matchAndRewrite(SrcOp op, typename SrcOp::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value input = adaptor.getInput();
    auto inputType = cast<RankedTensorType>(input.getType());
    auto resultType = cast<RankedTensorType>(op.getType());
    ArrayRef<int64_t> axes = op.getAxes();
    bool keepDims = op.getKeepDims();
    int64_t rank = inputType.getRank();
    Type elementType = resultType.getElementType();
    // max is exact in any type; only sums need the wider accumulator.
    Type accType =
        kind == ReduceKind::Max ? elementType : accumulatorType(elementType);

    // The kept dims, static where the declared result or the input is.
    SmallVector<OpFoldResult> keptSizes;
    SmallVector<int64_t> keptShape;
    SmallVector<utils::IteratorType> iterators;
    for (int64_t d = 0, resultDim = 0; d < rank; ++d) {
      bool reduced = llvm::is_contained(axes, d);
      iterators.push_back(reduced ? utils::IteratorType::reduction
                                  : utils::IteratorType::parallel);
      if (reduced) {
        resultDim += keepDims;
        continue;
      }
      int64_t declared = resultType.getDimSize(resultDim++);
      OpFoldResult size = ShapedType::isDynamic(declared)
                              ? tensor::getMixedSize(rewriter, loc, input, d)
                              : rewriter.getIndexAttr(declared);
      keptSizes.push_back(size);
      keptShape.push_back(
          getConstantIntValue(size).value_or(ShapedType::kDynamic));
    }

    Value identity = kind == ReduceKind::Max
                         ? lowestValue(rewriter, loc, accType)
                         : scalarConstant(rewriter, loc, accType, 0);
    Value init =
        filledTensor(rewriter, loc, RankedTensorType::get(keptShape, accType),
                     keptSizes, identity);
    MLIRContext *ctx = rewriter.getContext();
    SmallVector<AffineMap> maps = {AffineMap::getMultiDimIdentityMap(rank, ctx),
                                   dropDimsMap(ctx, rank, axes)};
    Value result =
        linalg::GenericOp::create(
            rewriter, loc, init.getType(), input, init, maps, iterators,
            [&](OpBuilder &b, Location l, ValueRange args) {
              Value x = convertFloat(b, l, args[0], accType);
              Value combined = kind == ReduceKind::Max
                                   ? maxValues(b, l, args[1], x)
                                   : addValues(b, l, args[1], x);
              linalg::YieldOp::create(b, l, combined);
            })
            .getResult(0);

    if (kind == ReduceKind::Mean || accType != elementType) {
      Value count = kind == ReduceKind::Mean
                        ? reducedCount(rewriter, loc, input, axes, accType)
                        : Value();
      Value finalInit =
          emptyTensor(rewriter, loc,
                      RankedTensorType::get(keptShape, elementType), keptSizes);
      result = elementwiseInto(rewriter, loc, finalInit, result,
                               [&](OpBuilder &b, Location l, ValueRange args) {
                                 Value v = count
                                               ? divValues(b, l, args[0], count)
                                               : args[0];
                                 return convertFloat(b, l, v, elementType);
                               });
    }

    if (keepDims) {
      // Each kept dim takes the reduced (size-1) dims before it; trailing
      // ones join the last kept dim. A rank-0 result expands with no groups.
      SmallVector<ReassociationIndices> groups;
      ReassociationIndices pending;
      SmallVector<OpFoldResult> outputShape;
      SmallVector<int64_t> shape;
      for (int64_t d = 0, kept = 0; d < rank; ++d) {
        pending.push_back(d);
        if (llvm::is_contained(axes, d)) {
          outputShape.push_back(rewriter.getIndexAttr(1));
          shape.push_back(1);
          continue;
        }
        outputShape.push_back(keptSizes[kept]);
        shape.push_back(keptShape[kept++]);
        groups.push_back(std::move(pending));
        pending.clear();
      }
      if (!groups.empty())
        groups.back().append(pending);
      result = tensor::ExpandShapeOp::create(
          rewriter, loc, RankedTensorType::get(shape, elementType), result,
          groups, outputShape);
    }
    // The declared result may be less static than what was computed.
    if (result.getType() != resultType)
      result = tensor::CastOp::create(rewriter, loc, resultType, result);
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// softmax -> three generics over the input's loop nest, in f32 for
/// f16/bf16: the max along the axis (reduction), the sum of exp(x - max)
/// (reduction), and exp(x - max) / sum (parallel, recomputing the exp rather
/// than materializing it).
struct SoftmaxLowering : OpConversionPattern<SoftmaxOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(SoftmaxOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    Value input = adaptor.getInput();
    auto type = cast<RankedTensorType>(input.getType());
    int64_t axis = static_cast<int64_t>(op.getAxis());
    int64_t rank = type.getRank();
    Type elementType = type.getElementType();
    Type accType = accumulatorType(elementType);

    SmallVector<OpFoldResult> sizes = tensorSizes(rewriter, loc, input);
    SmallVector<OpFoldResult> rowSizes(sizes);
    rowSizes.erase(rowSizes.begin() + axis);
    SmallVector<int64_t> rowShape(type.getShape());
    rowShape.erase(rowShape.begin() + axis);
    auto rowType = RankedTensorType::get(rowShape, accType);

    AffineMap full = AffineMap::getMultiDimIdentityMap(rank, ctx);
    AffineMap row = dropDimsMap(ctx, rank, axis);
    SmallVector<utils::IteratorType> reduceIterators = parallelIterators(rank);
    reduceIterators[axis] = utils::IteratorType::reduction;
    auto shiftedExp = [&](OpBuilder &b, Location l, Value x, Value max) {
      Value shifted =
          arith::SubFOp::create(b, l, convertFloat(b, l, x, accType), max);
      return math::ExpOp::create(b, l, shifted).getResult();
    };

    Value maxInit = filledTensor(rewriter, loc, rowType, rowSizes,
                                 lowestValue(rewriter, loc, accType));
    Value max = linalg::GenericOp::create(
                    rewriter, loc, rowType, input, maxInit, {full, row},
                    reduceIterators,
                    [&](OpBuilder &b, Location l, ValueRange args) {
                      linalg::YieldOp::create(
                          b, l,
                          maxValues(b, l, args[1],
                                    convertFloat(b, l, args[0], accType)));
                    })
                    .getResult(0);

    Value sumInit = filledTensor(rewriter, loc, rowType, rowSizes,
                                 scalarConstant(rewriter, loc, accType, 0));
    Value sum = linalg::GenericOp::create(
                    rewriter, loc, rowType, ValueRange{input, max}, sumInit,
                    {full, row, row}, reduceIterators,
                    [&](OpBuilder &b, Location l, ValueRange args) {
                      linalg::YieldOp::create(
                          b, l,
                          arith::AddFOp::create(
                              b, l, args[2], shiftedExp(b, l, args[0], args[1]))
                              .getResult());
                    })
                    .getResult(0);

    Value init = emptyTensor(rewriter, loc, type, sizes);
    auto result = linalg::GenericOp::create(
        rewriter, loc, type, ValueRange{input, max, sum}, init,
        {full, row, row, full}, parallelIterators(rank),
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value quotient = arith::DivFOp::create(
              b, l, shiftedExp(b, l, args[0], args[1]), args[2]);
          linalg::YieldOp::create(b, l,
                                  convertFloat(b, l, quotient, elementType));
        });
    rewriter.replaceOp(op, result.getResult(0));
    return success();
  }
};

/// cumsum -> an scf.for along the axis carrying the output and the running
/// sum (a slice of size 1 along the axis): each step extracts the input
/// slice, adds it into the running sum with a generic, and inserts the sum
/// (before the add for `exclusive`). `reverse` walks the axis from its end.
/// Linear work, and the additions happen in ONNX's order.
struct CumSumLowering : OpConversionPattern<CumSumOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(CumSumOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value input = adaptor.getInput();
    auto type = cast<RankedTensorType>(input.getType());
    int64_t axis = static_cast<int64_t>(op.getAxis());
    int64_t rank = type.getRank();
    bool exclusive = op.getExclusive(), reverse = op.getReverse();

    SmallVector<OpFoldResult> sizes = tensorSizes(rewriter, loc, input);
    SmallVector<OpFoldResult> sliceSizes(sizes);
    sliceSizes[axis] = rewriter.getIndexAttr(1);
    SmallVector<int64_t> sliceShape(type.getShape());
    sliceShape[axis] = 1;
    auto sliceType = RankedTensorType::get(sliceShape, type.getElementType());
    SmallVector<OpFoldResult> strides(rank, rewriter.getIndexAttr(1));

    Value zero = scalarConstant(rewriter, loc, type.getElementType(), 0);
    Value running = filledTensor(rewriter, loc, sliceType, sliceSizes, zero);
    Value init = emptyTensor(rewriter, loc, type, sizes);
    Value length = getValueOrCreateConstantIndexOp(rewriter, loc, sizes[axis]);
    Value c0 = arith::ConstantIndexOp::create(rewriter, loc, 0);
    Value c1 = arith::ConstantIndexOp::create(rewriter, loc, 1);
    Value last =
        reverse ? arith::SubIOp::create(rewriter, loc, length, c1).getResult()
                : Value();
    AffineMap identity = rewriter.getMultiDimIdentityMap(rank);

    auto loop = scf::ForOp::create(
        rewriter, loc, c0, length, c1, ValueRange{init, running},
        [&](OpBuilder &b, Location l, Value i, ValueRange iterArgs) {
          Value out = iterArgs[0], sum = iterArgs[1];
          Value position =
              reverse ? arith::SubIOp::create(b, l, last, i).getResult() : i;
          SmallVector<OpFoldResult> offsets(rank, b.getIndexAttr(0));
          offsets[axis] = position;
          auto insert = [&](Value slice) {
            return tensor::InsertSliceOp::create(b, l, slice, out, offsets,
                                                 sliceSizes, strides)
                .getResult();
          };
          // Inserting the old sum before adding lets bufferization update
          // the running sum in place.
          if (exclusive)
            out = insert(sum);
          Value element = tensor::ExtractSliceOp::create(
              b, l, sliceType, input, offsets, sliceSizes, strides);
          sum = linalg::GenericOp::create(
                    b, l, sliceType, element, sum, {identity, identity},
                    parallelIterators(rank),
                    [](OpBuilder &nb, Location nl, ValueRange args) {
                      linalg::YieldOp::create(
                          nb, nl, addValues(nb, nl, args[1], args[0]));
                    })
                    .getResult(0);
          if (!exclusive)
            out = insert(sum);
          scf::YieldOp::create(b, l, ValueRange{out, sum});
        });
    rewriter.replaceOp(op, loop.getResult(0));
    return success();
  }
};

} // namespace

void populateLowerMathPatterns(RewritePatternSet &patterns) {
  MLIRContext *ctx = patterns.getContext();
  patterns.add<ConstantLowering, ModLowering, CmpLowering, WhereLowering,
               CastLowering, MatmulLowering, SoftmaxLowering, CumSumLowering>(
      ctx);

  patterns.add<BinaryLowering<AddOp>>(ctx, addValues);
  patterns.add<BinaryLowering<SubOp>>(
      ctx, arithBinary<arith::SubFOp, arith::SubIOp>);
  patterns.add<BinaryLowering<MulOp>>(ctx, mulValues);
  patterns.add<BinaryLowering<DivOp>>(ctx, divValues, divUnsigned);
  patterns.add<BinaryLowering<PowOp>>(ctx, powValues<false>, powValues<true>);
  patterns.add<BinaryLowering<MaxOp>>(ctx, maxValues, maxUnsigned);
  patterns.add<BinaryLowering<MinOp>>(ctx, minValues, minUnsigned);

  patterns.add<UnaryLowering<SqrtOp>>(ctx, mathUnary<math::SqrtOp>);
  patterns.add<UnaryLowering<RsqrtOp>>(ctx, mathUnary<math::RsqrtOp>);
  patterns.add<UnaryLowering<ExpOp>>(ctx, mathUnary<math::ExpOp>);
  patterns.add<UnaryLowering<ErfOp>>(ctx, mathUnary<math::ErfOp>);
  patterns.add<UnaryLowering<TanhOp>>(ctx, mathUnary<math::TanhOp>);
  patterns.add<UnaryLowering<LogOp>>(ctx, mathUnary<math::LogOp>);
  patterns.add<UnaryLowering<SigmoidOp>>(ctx, sigmoidValue);
  patterns.add<UnaryLowering<NegOp>>(ctx, negValue);
  patterns.add<UnaryLowering<AbsOp>>(ctx, absValue);
  patterns.add<UnaryLowering<ReciprocalOp>>(ctx, reciprocalValue);

  patterns.add<ReduceLowering<ReduceSumOp, ReduceKind::Sum>,
               ReduceLowering<ReduceMeanOp, ReduceKind::Mean>,
               ReduceLowering<ReduceMaxOp, ReduceKind::Max>>(ctx);
}

} // namespace tessera
