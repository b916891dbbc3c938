//===- LowerFusedOps.cpp - tessera fused ops -> linalg --------------------===//
//----------------------===//
//
// Each fused op becomes the few linalg ops that compute what its description
// says, with the elementwise parts folded into as few generics as possible.
// Narrow floats (f16, bf16) are widened to f32 inside the bodies: statistics,
// accumulations and epilogues are computed in f32 and rounded once.
//
//===----------------------------------------------------------------------===//

#include "codegen/linalg/LoweringPatterns.h"
#include "codegen/linalg/LoweringUtils.h"

#include "ir/TesseraDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Transforms/DialectConversion.h"

#include <cmath>

using namespace mlir;
using tessera::emptyTensor;
using tessera::scalarConstant;
using tessera::tensorSizes;

namespace {

//===----------------------------------------------------------------------===//
// Helpers
//===----------------------------------------------------------------------===//

/// The type the bodies compute in: f32 for floats narrower than that, the
/// element type otherwise.
FloatType computeType(Type elementType) {
  auto type = cast<FloatType>(elementType);
  return type.getWidth() < 32 ? Float32Type::get(type.getContext()) : type;
}

Value extendTo(OpBuilder &b, Location loc, Value value, Type type) {
  if (value.getType() == type)
    return value;
  return arith::ExtFOp::create(b, loc, type, value);
}

Value truncateTo(OpBuilder &b, Location loc, Value value, Type type) {
  if (value.getType() == type)
    return value;
  return arith::TruncFOp::create(b, loc, type, value);
}

/// `value` as `type`, which differs from it at most in which dimensions are
/// static.
Value castTo(OpBuilder &b, Location loc, Value value, Type type) {
  if (value.getType() == type)
    return value;
  return tensor::CastOp::create(b, loc, type, value);
}

/// The map that reads loops [first, first + count) of a nest of `rank`.
AffineMap loopRangeMap(MLIRContext *ctx, int64_t rank, int64_t first,
                       int64_t count) {
  SmallVector<AffineExpr> exprs;
  for (int64_t d = first; d < first + count; ++d)
    exprs.push_back(getAffineDimExpr(d, ctx));
  return AffineMap::get(rank, 0, exprs, ctx);
}

/// The map that reads a bias over the last dimension of a nest of `rank`
/// (element 0 in a scalar nest, where the bias has one element).
AffineMap lastDimMap(MLIRContext *ctx, int64_t rank) {
  AffineExpr expr = rank == 0 ? getAffineConstantExpr(0, ctx)
                              : getAffineDimExpr(rank - 1, ctx);
  return AffineMap::get(rank, 0, expr, ctx);
}

SmallVector<utils::IteratorType> parallelIterators(int64_t rank) {
  return SmallVector<utils::IteratorType>(rank, utils::IteratorType::parallel);
}

/// `size - 1` for a table dimension of `size` rows.
Value lastIndex(OpBuilder &b, Location loc, OpFoldResult size) {
  if (std::optional<int64_t> rows = getConstantIntValue(size))
    return arith::ConstantIndexOp::create(b, loc, *rows - 1);
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  return arith::SubIOp::create(b, loc, cast<Value>(size), one);
}

/// max(min(index, last), 0): keeps reads of a table in bounds.
Value clampIndex(OpBuilder &b, Location loc, Value index, Value last) {
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value below = arith::MinSIOp::create(b, loc, index, last);
  return arith::MaxSIOp::create(b, loc, below, zero);
}

/// x/2 * (1 + erf(x/sqrt(2))), or with tanh(sqrt(2/pi) (x + 0.044715 x^3)).
Value gelu(OpBuilder &b, Location loc, Value x, bool tanhForm) {
  Type type = x.getType();
  Value inner;
  if (tanhForm) {
    Value cube =
        arith::MulFOp::create(b, loc, arith::MulFOp::create(b, loc, x, x), x);
    Value poly = arith::AddFOp::create(
        b, loc, x,
        arith::MulFOp::create(b, loc, scalarConstant(b, loc, type, 0.044715),
                              cube));
    inner = math::TanhOp::create(
        b, loc,
        arith::MulFOp::create(
            b, loc, scalarConstant(b, loc, type, std::sqrt(2.0 / M_PI)), poly));
  } else {
    inner = math::ErfOp::create(
        b, loc,
        arith::MulFOp::create(b, loc, x,
                              scalarConstant(b, loc, type, M_SQRT1_2)));
  }
  Value halfX =
      arith::MulFOp::create(b, loc, x, scalarConstant(b, loc, type, 0.5));
  return arith::MulFOp::create(
      b, loc, halfX,
      arith::AddFOp::create(b, loc, scalarConstant(b, loc, type, 1.0), inner));
}

Value activation(OpBuilder &b, Location loc, Value x,
                 tessera::Activation kind) {
  Type type = x.getType();
  switch (kind) {
  case tessera::Activation::none:
    return x;
  case tessera::Activation::relu:
    return arith::MaximumFOp::create(b, loc, x,
                                     scalarConstant(b, loc, type, 0));
  case tessera::Activation::gelu:
    return gelu(b, loc, x, /*tanhForm=*/false);
  case tessera::Activation::gelu_tanh:
    return gelu(b, loc, x, /*tanhForm=*/true);
  case tessera::Activation::silu: {
    // x * sigmoid(x) = x / (1 + exp(-x)).
    Value expNeg =
        math::ExpOp::create(b, loc, arith::NegFOp::create(b, loc, x));
    return arith::DivFOp::create(
        b, loc, x,
        arith::AddFOp::create(b, loc, scalarConstant(b, loc, type, 1), expNeg));
  }
  }
  llvm_unreachable("unknown activation");
}

//===----------------------------------------------------------------------===//
// layer_norm, rms_norm
//===----------------------------------------------------------------------===//

/// What the two norms share. With x = input (+ residual), over dims
/// [axis, rank) in the compute type:
///   layer_norm: one reduction generic for the mean, one for the mean of
///               squared deviations (two passes: no E[x^2] - E[x]^2
///               cancellation), one elementwise generic for the output;
///   rms_norm:   one reduction generic for the mean square, one elementwise.
/// Each pass recomputes x from input and residual instead of storing it; the
/// last one also yields x as residual_output when there is a residual.
struct NormOperands {
  Value input, scale, bias, residual;
  int64_t axis;
  double epsilon;
  bool centered;
};

SmallVector<Value> lowerNorm(OpBuilder &b, Location loc, Operation *op,
                             const NormOperands &norm) {
  MLIRContext *ctx = b.getContext();
  auto inputType = cast<RankedTensorType>(norm.input.getType());
  int64_t rank = inputType.getRank(), axis = norm.axis;
  Type elementType = inputType.getElementType();
  FloatType type = computeType(elementType);
  SmallVector<OpFoldResult> sizes = tensorSizes(b, loc, norm.input);
  ArrayRef<OpFoldResult> rowSizes =
      ArrayRef<OpFoldResult>(sizes).take_front(axis);
  ArrayRef<OpFoldResult> normSizes =
      ArrayRef<OpFoldResult>(sizes).drop_front(axis);

  // 1 / (number of normalized elements); each term is scaled by it, so
  // that the reductions yield means directly.
  Value count;
  int64_t staticCount = 1;
  for (OpFoldResult size : normSizes) {
    if (auto attr = dyn_cast<Attribute>(size)) {
      staticCount *= cast<IntegerAttr>(attr).getInt();
      continue;
    }
    Value dim = cast<Value>(size);
    count = count ? arith::MulIOp::create(b, loc, count, dim).getResult() : dim;
  }
  Value invCount;
  if (!count) {
    invCount =
        scalarConstant(b, loc, type, 1.0 / static_cast<double>(staticCount));
  } else {
    if (staticCount != 1)
      count = arith::MulIOp::create(
          b, loc, count, arith::ConstantIndexOp::create(b, loc, staticCount));
    Value asInt = arith::IndexCastUIOp::create(b, loc, b.getI64Type(), count);
    Value asFloat = arith::UIToFPOp::create(b, loc, type, asInt);
    invCount = arith::DivFOp::create(b, loc, scalarConstant(b, loc, type, 1.0),
                                     asFloat);
  }

  auto statsType =
      RankedTensorType::get(inputType.getShape().take_front(axis), type);
  Value zero = scalarConstant(b, loc, type, 0.0);
  auto zeroStats = [&]() {
    return linalg::FillOp::create(
               b, loc, ValueRange{zero},
               ValueRange{emptyTensor(b, loc, statsType, rowSizes)})
        .getResult(0);
  };
  AffineMap identity = b.getMultiDimIdentityMap(rank);
  AffineMap rowMap = loopRangeMap(ctx, rank, 0, axis);
  AffineMap paramMap = loopRangeMap(ctx, rank, axis, rank - axis);
  SmallVector<utils::IteratorType> reduceIterators = parallelIterators(rank);
  for (int64_t d = axis; d < rank; ++d)
    reduceIterators[d] = utils::IteratorType::reduction;

  // x from the leading block arguments: input, then residual if any.
  SmallVector<Value> xOperands = {norm.input};
  if (norm.residual)
    xOperands.push_back(norm.residual);
  unsigned numX = xOperands.size();
  auto sumX = [&](OpBuilder &nb, Location nl, ValueRange args) {
    return norm.residual
               ? arith::AddFOp::create(nb, nl, args[0], args[1]).getResult()
               : args[0];
  };

  // Mean (layer_norm) or mean square (rms_norm) of x.
  SmallVector<AffineMap> maps(numX, identity);
  maps.push_back(rowMap);
  Value firstMoment =
      linalg::GenericOp::create(
          b, loc, TypeRange{statsType}, xOperands, ValueRange{zeroStats()},
          maps, reduceIterators,
          [&](OpBuilder &nb, Location nl, ValueRange args) {
            Value x = extendTo(nb, nl, sumX(nb, nl, args), type);
            Value term = norm.centered
                             ? x
                             : arith::MulFOp::create(nb, nl, x, x).getResult();
            Value scaled = arith::MulFOp::create(nb, nl, term, invCount);
            linalg::YieldOp::create(
                nb, nl,
                arith::AddFOp::create(nb, nl, args[numX], scaled).getResult());
          })
          .getResult(0);

  Value mean, meanSquare = firstMoment;
  if (norm.centered) {
    mean = firstMoment;
    SmallVector<Value> operands = xOperands;
    operands.push_back(mean);
    SmallVector<AffineMap> varianceMaps(numX, identity);
    varianceMaps.append({rowMap, rowMap});
    meanSquare =
        linalg::GenericOp::create(
            b, loc, TypeRange{statsType}, operands, ValueRange{zeroStats()},
            varianceMaps, reduceIterators,
            [&](OpBuilder &nb, Location nl, ValueRange args) {
              Value x = extendTo(nb, nl, sumX(nb, nl, args), type);
              Value dev = arith::SubFOp::create(nb, nl, x, args[numX]);
              Value term = arith::MulFOp::create(
                  nb, nl, arith::MulFOp::create(nb, nl, dev, dev), invCount);
              linalg::YieldOp::create(
                  nb, nl,
                  arith::AddFOp::create(nb, nl, args[numX + 1], term)
                      .getResult());
            })
            .getResult(0);
  }

  // output = (x [- mean]) / sqrt(meanSquare + epsilon) * scale [+ bias].
  SmallVector<Value> operands = xOperands;
  SmallVector<AffineMap> outMaps(numX, identity);
  if (mean) {
    operands.push_back(mean);
    outMaps.push_back(rowMap);
  }
  operands.append({meanSquare, norm.scale});
  outMaps.append({rowMap, paramMap});
  if (norm.bias) {
    operands.push_back(norm.bias);
    outMaps.push_back(paramMap);
  }
  SmallVector<Value> inits;
  for (Type resultType : op->getResultTypes()) {
    inits.push_back(
        emptyTensor(b, loc, cast<RankedTensorType>(resultType), sizes));
    outMaps.push_back(identity);
  }
  Value epsilon = scalarConstant(b, loc, type, norm.epsilon);
  auto generic = linalg::GenericOp::create(
      b, loc, op->getResultTypes(), operands, inits, outMaps,
      parallelIterators(rank),
      [&](OpBuilder &nb, Location nl, ValueRange args) {
        Value x = sumX(nb, nl, args);
        unsigned next = numX;
        Value centered = extendTo(nb, nl, x, type);
        if (mean)
          centered = arith::SubFOp::create(nb, nl, centered, args[next++]);
        Value stddev = math::SqrtOp::create(
            nb, nl, arith::AddFOp::create(nb, nl, args[next++], epsilon));
        Value normalized = arith::DivFOp::create(nb, nl, centered, stddev);
        Value y = arith::MulFOp::create(nb, nl, normalized,
                                        extendTo(nb, nl, args[next++], type));
        if (norm.bias)
          y = arith::AddFOp::create(nb, nl, y,
                                    extendTo(nb, nl, args[next++], type));
        SmallVector<Value> results = {truncateTo(nb, nl, y, elementType)};
        if (norm.residual)
          results.push_back(x);
        linalg::YieldOp::create(nb, nl, results);
      });
  return generic.getResults();
}

struct LayerNormLowering : OpConversionPattern<tessera::LayerNormOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(tessera::LayerNormOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    NormOperands norm = {adaptor.getInput(),
                         adaptor.getScale(),
                         adaptor.getBias(),
                         adaptor.getResidual(),
                         static_cast<int64_t>(op.getAxis()),
                         op.getEpsilonAttr().getValueAsDouble(),
                         /*centered=*/true};
    rewriter.replaceOp(op, lowerNorm(rewriter, op.getLoc(), op, norm));
    return success();
  }
};

struct RMSNormLowering : OpConversionPattern<tessera::RMSNormOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(tessera::RMSNormOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    NormOperands norm = {adaptor.getInput(),
                         adaptor.getScale(),
                         Value(),
                         adaptor.getResidual(),
                         static_cast<int64_t>(op.getAxis()),
                         op.getEpsilonAttr().getValueAsDouble(),
                         /*centered=*/false};
    rewriter.replaceOp(op, lowerNorm(rewriter, op.getLoc(), op, norm));
    return success();
  }
};

//===----------------------------------------------------------------------===//
// gelu
//===----------------------------------------------------------------------===//

struct GeluLowering : OpConversionPattern<tessera::GeluOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(tessera::GeluOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value input = adaptor.getInput(), bias = adaptor.getBias();
    auto resultType = cast<RankedTensorType>(op.getType());
    int64_t rank = resultType.getRank();
    Type elementType = resultType.getElementType();
    FloatType type = computeType(elementType);
    bool tanhForm = op.getApproximate() == tessera::GeluApproximation::tanh;

    SmallVector<Value> operands = {input};
    SmallVector<AffineMap> maps = {rewriter.getMultiDimIdentityMap(rank)};
    if (bias) {
      operands.push_back(bias);
      maps.push_back(lastDimMap(rewriter.getContext(), rank));
    }
    maps.push_back(rewriter.getMultiDimIdentityMap(rank));
    Value init = emptyTensor(rewriter, loc, resultType,
                             tensorSizes(rewriter, loc, input));
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{resultType}, operands, ValueRange{init}, maps,
        parallelIterators(rank),
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value x = extendTo(b, l, args[0], type);
          if (bias)
            x = arith::AddFOp::create(b, l, x, extendTo(b, l, args[1], type));
          linalg::YieldOp::create(
              b, l, truncateTo(b, l, gelu(b, l, x, tanhForm), elementType));
        });
    rewriter.replaceOp(op, generic.getResult(0));
    return success();
  }
};

//===----------------------------------------------------------------------===//
// rotary_embedding
//===----------------------------------------------------------------------===//

/// One generic over the output [B, H, S, D]. Channel d < rotary_dim pairs
/// with a partner (d +- half for rotate-half, d ^ 1 interleaved) and uses
/// cos/sin column j (d mod half, or d / 2); the rest pass through.
struct RotaryEmbeddingLowering
    : OpConversionPattern<tessera::RotaryEmbeddingOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(tessera::RotaryEmbeddingOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    Value input = adaptor.getInput(), cos = adaptor.getCos(),
          sin = adaptor.getSin(), positions = adaptor.getPositions();
    auto inputType = cast<RankedTensorType>(input.getType());
    auto resultType = cast<RankedTensorType>(op.getType());
    auto cosType = cast<RankedTensorType>(cos.getType());
    Type elementType = resultType.getElementType();
    FloatType type = computeType(elementType);
    bool interleaved = op.getInterleaved();

    SmallVector<OpFoldResult> sizes = tensorSizes(rewriter, loc, input);
    Value init = emptyTensor(rewriter, loc, resultType, sizes);
    // Channels [0, rotaryDim) rotate; only a rotary_dim below the head
    // dimension leaves channels to pass through.
    std::optional<int64_t> rotaryDim = op.getRotaryDim();
    bool partial = rotaryDim && (inputType.isDynamicDim(3) ||
                                 *rotaryDim < inputType.getDimSize(3));
    Value rotaryEnd, half;
    if (rotaryDim) {
      rotaryEnd = arith::ConstantIndexOp::create(rewriter, loc, *rotaryDim);
      half = arith::ConstantIndexOp::create(rewriter, loc, *rotaryDim / 2);
    } else if (!inputType.isDynamicDim(3)) {
      half = arith::ConstantIndexOp::create(rewriter, loc,
                                            inputType.getDimSize(3) / 2);
    } else {
      half = arith::DivUIOp::create(
          rewriter, loc, cast<Value>(sizes[3]),
          arith::ConstantIndexOp::create(rewriter, loc, 2));
    }

    // A static batch of 1 in positions or a per-sequence cos/sin broadcasts.
    auto batchExpr = [&](RankedTensorType type) {
      return type.getDimSize(0) == 1 ? getAffineConstantExpr(0, ctx)
                                     : getAffineDimExpr(0, ctx);
    };
    SmallVector<Value> operands = {input};
    SmallVector<AffineMap> maps = {rewriter.getMultiDimIdentityMap(4)};
    Value lastPosition;
    if (positions) {
      auto positionsType = cast<RankedTensorType>(positions.getType());
      operands.push_back(positions);
      maps.push_back(AffineMap::get(
          4, 0, {batchExpr(positionsType), getAffineDimExpr(2, ctx)}, ctx));
      // Positions past the cache are clamped so that no read leaves it.
      lastPosition =
          lastIndex(rewriter, loc, tensorSizes(rewriter, loc, cos)[0]);
    }
    maps.push_back(rewriter.getMultiDimIdentityMap(4));
    bool perSequence = !positions && cosType.getRank() == 3;
    bool broadcastBatch = perSequence && cosType.getDimSize(0) == 1;

    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{resultType}, operands, ValueRange{init}, maps,
        parallelIterators(4), [&](OpBuilder &b, Location l, ValueRange args) {
          Value zero;
          if (partial || interleaved || broadcastBatch)
            zero = arith::ConstantIndexOp::create(b, l, 0);
          Value batch = linalg::IndexOp::create(b, l, 0);
          Value head = linalg::IndexOp::create(b, l, 1);
          Value seq = linalg::IndexOp::create(b, l, 2);
          Value channel = linalg::IndexOp::create(b, l, 3);
          // Pass-through channels compute with channel 0 so that every read
          // stays in bounds, then select x.
          Value rotates;
          if (partial) {
            rotates = arith::CmpIOp::create(b, l, arith::CmpIPredicate::ult,
                                            channel, rotaryEnd);
            channel = arith::SelectOp::create(b, l, rotates, channel, zero);
          }
          Value first, column, partner;
          if (interleaved) {
            Value one = arith::ConstantIndexOp::create(b, l, 1);
            first = arith::CmpIOp::create(
                b, l, arith::CmpIPredicate::eq,
                arith::AndIOp::create(b, l, channel, one), zero);
            column = arith::ShRUIOp::create(b, l, channel, one);
            partner = arith::XOrIOp::create(b, l, channel, one);
          } else {
            first = arith::CmpIOp::create(b, l, arith::CmpIPredicate::ult,
                                          channel, half);
            Value upper = arith::SubIOp::create(b, l, channel, half);
            column = arith::SelectOp::create(b, l, first, channel, upper);
            partner = arith::SelectOp::create(
                b, l, first, arith::AddIOp::create(b, l, channel, half), upper);
          }
          SmallVector<Value> row;
          if (positions) {
            Value position =
                arith::IndexCastOp::create(b, l, b.getIndexType(), args[1]);
            row.push_back(clampIndex(b, l, position, lastPosition));
          } else {
            if (perSequence)
              row.push_back(broadcastBatch ? zero : batch);
            row.push_back(seq);
          }
          row.push_back(column);
          Value c =
              extendTo(b, l, tensor::ExtractOp::create(b, l, cos, row), type);
          Value s =
              extendTo(b, l, tensor::ExtractOp::create(b, l, sin, row), type);
          Value x = extendTo(b, l, args[0], type);
          Value other =
              extendTo(b, l,
                       tensor::ExtractOp::create(
                           b, l, input, ValueRange{batch, head, seq, partner}),
                       type);
          Value xc = arith::MulFOp::create(b, l, x, c);
          Value os = arith::MulFOp::create(b, l, other, s);
          Value firstHalf = arith::SubFOp::create(b, l, xc, os);
          Value secondHalf = arith::AddFOp::create(b, l, xc, os);
          Value rotated =
              arith::SelectOp::create(b, l, first, firstHalf, secondHalf);
          if (partial)
            rotated = arith::SelectOp::create(b, l, rotates, rotated, x);
          linalg::YieldOp::create(b, l, truncateTo(b, l, rotated, elementType));
        });
    rewriter.replaceOp(op, generic.getResult(0));
    return success();
  }
};

//===----------------------------------------------------------------------===//
// embedding
//===----------------------------------------------------------------------===//

struct EmbeddingLowering : OpConversionPattern<tessera::EmbeddingOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(tessera::EmbeddingOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value table = adaptor.getTable(), ids = adaptor.getIds();
    auto resultType = cast<RankedTensorType>(op.getType());
    int64_t rank = resultType.getRank();

    SmallVector<OpFoldResult> tableSizes = tensorSizes(rewriter, loc, table);
    SmallVector<OpFoldResult> sizes = tensorSizes(rewriter, loc, ids);
    sizes.push_back(tableSizes[1]);
    Value init = emptyTensor(rewriter, loc, resultType, sizes);
    // Ids outside the table are an error; clamping keeps reads in bounds.
    Value lastRow = lastIndex(rewriter, loc, tableSizes[0]);
    AffineMap idsMap = loopRangeMap(rewriter.getContext(), rank, 0, rank - 1);
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{resultType}, ValueRange{ids}, ValueRange{init},
        ArrayRef<AffineMap>{idsMap, rewriter.getMultiDimIdentityMap(rank)},
        parallelIterators(rank),
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value id =
              arith::IndexCastOp::create(b, l, b.getIndexType(), args[0]);
          Value row = clampIndex(b, l, id, lastRow);
          Value column = linalg::IndexOp::create(b, l, rank - 1);
          linalg::YieldOp::create(
              b, l,
              tensor::ExtractOp::create(b, l, table, ValueRange{row, column})
                  .getResult());
        });
    rewriter.replaceOp(op, generic.getResult(0));
    return success();
  }
};

//===----------------------------------------------------------------------===//
// fused_matmul
//===----------------------------------------------------------------------===//

/// The product lhs @ rhs in the compute type, with its sizes in `sizes`:
/// linalg.matmul for two matrices, otherwise a contraction generic that
/// broadcasts the batch dims (the epilogue generic then fuses with either).
Value matmulProduct(OpBuilder &b, Location loc, Value lhs, Value rhs,
                    RankedTensorType resultType, FloatType type,
                    SmallVectorImpl<OpFoldResult> &sizes) {
  MLIRContext *ctx = b.getContext();
  auto lhsType = cast<RankedTensorType>(lhs.getType());
  auto rhsType = cast<RankedTensorType>(rhs.getType());
  int64_t lhsRank = lhsType.getRank(), rhsRank = rhsType.getRank();
  SmallVector<OpFoldResult> lhsSizes = tensorSizes(b, loc, lhs);
  SmallVector<OpFoldResult> rhsSizes = tensorSizes(b, loc, rhs);
  Value zero = scalarConstant(b, loc, type, 0.0);

  if (lhsRank == 2 && rhsRank == 2) {
    auto productType = RankedTensorType::get(
        {lhsType.getDimSize(0), rhsType.getDimSize(1)}, type);
    sizes.append({lhsSizes[0], rhsSizes[1]});
    Value init = linalg::FillOp::create(
                     b, loc, ValueRange{zero},
                     ValueRange{emptyTensor(b, loc, productType, sizes)})
                     .getResult(0);
    return linalg::MatmulOp::create(b, loc, ValueRange{lhs, rhs},
                                    ValueRange{init})
        .getResult(0);
  }

  // Loops (batch..., m, n, k); batch dims align from the right and a static
  // 1 stretches.
  int64_t rank = resultType.getRank(), batchRank = rank - 2;
  int64_t numLoops = rank + 1;
  auto operandMap = [&](RankedTensorType operandType, AffineExpr row,
                        AffineExpr col) {
    int64_t operandBatch = operandType.getRank() - 2;
    SmallVector<AffineExpr> exprs;
    for (int64_t d = 0; d < operandBatch; ++d)
      exprs.push_back(
          operandType.getDimSize(d) == 1
              ? getAffineConstantExpr(0, ctx)
              : getAffineDimExpr(d + batchRank - operandBatch, ctx));
    exprs.append({row, col});
    return AffineMap::get(numLoops, 0, exprs, ctx);
  };
  AffineExpr m = getAffineDimExpr(batchRank, ctx),
             n = getAffineDimExpr(batchRank + 1, ctx),
             k = getAffineDimExpr(batchRank + 2, ctx);
  SmallVector<AffineMap> maps = {operandMap(lhsType, m, k),
                                 operandMap(rhsType, k, n),
                                 loopRangeMap(ctx, numLoops, 0, rank)};
  // A dynamic batch size comes from an operand that does not stretch there.
  for (int64_t d = 0; d < batchRank; ++d) {
    OpFoldResult size = b.getIndexAttr(
        resultType.isDynamicDim(d) ? 1 : resultType.getDimSize(d));
    if (resultType.isDynamicDim(d))
      for (auto [operandType, operandSizes] :
           {std::pair{lhsType, ArrayRef<OpFoldResult>(lhsSizes)},
            std::pair{rhsType, ArrayRef<OpFoldResult>(rhsSizes)}}) {
        int64_t od = d - (batchRank - (operandType.getRank() - 2));
        if (od >= 0 && operandType.getDimSize(od) != 1) {
          size = operandSizes[od];
          break;
        }
      }
    sizes.push_back(size);
  }
  sizes.append({lhsSizes[lhsRank - 2], rhsSizes[rhsRank - 1]});
  auto productType = resultType.clone(type);
  Value init = linalg::FillOp::create(
                   b, loc, ValueRange{zero},
                   ValueRange{emptyTensor(b, loc, productType, sizes)})
                   .getResult(0);
  SmallVector<utils::IteratorType> iterators = parallelIterators(numLoops);
  iterators.back() = utils::IteratorType::reduction;
  return linalg::GenericOp::create(
             b, loc, TypeRange{productType}, ValueRange{lhs, rhs},
             ValueRange{init}, maps, iterators,
             [&](OpBuilder &nb, Location nl, ValueRange args) {
               Value lhsElement = extendTo(nb, nl, args[0], type);
               Value rhsElement = extendTo(nb, nl, args[1], type);
               Value product =
                   arith::MulFOp::create(nb, nl, lhsElement, rhsElement);
               linalg::YieldOp::create(
                   nb, nl,
                   arith::AddFOp::create(nb, nl, args[2], product).getResult());
             })
      .getResult(0);
}

struct FusedMatmulLowering : OpConversionPattern<tessera::FusedMatmulOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(tessera::FusedMatmulOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value bias = adaptor.getBias(), residual = adaptor.getResidual();
    auto resultType = cast<RankedTensorType>(op.getType());
    int64_t rank = resultType.getRank();
    Type elementType = resultType.getElementType();
    FloatType type = computeType(elementType);
    tessera::Activation kind = op.getActivation();

    SmallVector<OpFoldResult> sizes;
    Value product = matmulProduct(rewriter, loc, adaptor.getLhs(),
                                  adaptor.getRhs(), resultType, type, sizes);
    if (!bias && !residual && kind == tessera::Activation::none &&
        type == elementType) {
      rewriter.replaceOp(op, castTo(rewriter, loc, product, resultType));
      return success();
    }

    // activation(product + bias) + residual, rounded once.
    AffineMap identity = rewriter.getMultiDimIdentityMap(rank);
    SmallVector<Value> operands = {product};
    SmallVector<AffineMap> maps = {identity};
    if (bias) {
      operands.push_back(bias);
      maps.push_back(lastDimMap(rewriter.getContext(), rank));
    }
    if (residual) {
      operands.push_back(residual);
      maps.push_back(identity);
    }
    maps.push_back(identity);
    Value init = emptyTensor(rewriter, loc, resultType, sizes);
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{resultType}, operands, ValueRange{init}, maps,
        parallelIterators(rank),
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value value = args[0];
          unsigned next = 1;
          if (bias)
            value = arith::AddFOp::create(b, l, value,
                                          extendTo(b, l, args[next++], type));
          value = activation(b, l, value, kind);
          if (residual)
            value = arith::AddFOp::create(b, l, value,
                                          extendTo(b, l, args[next++], type));
          linalg::YieldOp::create(b, l, truncateTo(b, l, value, elementType));
        });
    rewriter.replaceOp(op, generic.getResult(0));
    return success();
  }
};

} // namespace

namespace tessera {

void populateLowerFusedPatterns(RewritePatternSet &patterns) {
  patterns.add<LayerNormLowering, RMSNormLowering, GeluLowering,
               RotaryEmbeddingLowering, EmbeddingLowering, FusedMatmulLowering>(
      patterns.getContext());
}

} // namespace tessera
