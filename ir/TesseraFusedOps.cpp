//===- TesseraFusedOps.cpp - fused transformer ops ------------------------===//

#include "ir/TesseraDialect.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/TypeUtilities.h"

#include <cmath>

using namespace mlir;
using namespace tessera;

/// Fails unless `type` has rank `rank`; `role` names the operand.
static LogicalResult requireRank(OptionalLoc loc, StringRef name, Type type,
                                 int64_t rank, StringRef role) {
  int64_t actual = cast<RankedTensorType>(type).getRank();
  if (actual != rank)
    return emitOptionalError(loc, name, ": ", role, " must have rank ", rank,
                             " (got ", actual, ")");
  return success();
}

//===----------------------------------------------------------------------===//
// AttentionOp
//===----------------------------------------------------------------------===//

LogicalResult AttentionOp::inferReturnTypes(MLIRContext *, OptionalLoc loc,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &results) {
  StringRef name = getOperationName();
  Type qType = adaptor.getQuery().getType(), kType = adaptor.getKey().getType(),
       vType = adaptor.getValue().getType();
  if (failed(requireRank(loc, name, qType, 4, "query")) ||
      failed(requireRank(loc, name, kType, 4, "key")) ||
      failed(requireRank(loc, name, vType, 4, "value")) ||
      failed(requireSameElementType(loc, {qType, kType, vType}, name)))
    return failure();
  ArrayRef<int64_t> q = shapeOf(qType), k = shapeOf(kType), v = shapeOf(vType);
  // [batch, heads, seq, head_dim]
  if (failed(requireCompatibleDim(loc, q[0], k[0],
                                  (name + ": query and key batch").str())) ||
      failed(requireCompatibleDim(loc, k[0], v[0],
                                  (name + ": key and value batch").str())) ||
      failed(requireCompatibleDim(loc, k[1], v[1],
                                  (name + ": key and value heads").str())) ||
      failed(requireCompatibleDim(loc, k[2], v[2],
                                  (name + ": key and value lengths").str())) ||
      failed(requireCompatibleDim(loc, q[3], k[3],
                                  (name + ": query and key head_dim").str())))
    return failure();
  if (!ShapedType::isDynamic(q[1]) && !ShapedType::isDynamic(k[1]) &&
      (k[1] == 0 || q[1] % k[1] != 0))
    return emitOptionalError(loc, name, ": ", q[1],
                             " query heads are not a multiple of ", k[1],
                             " key/value heads");
  int64_t batch = mergeDims(mergeDims(q[0], k[0]), v[0]);
  results.push_back(RankedTensorType::get({batch, q[1], q[2], v[3]},
                                          cast<ShapedType>(qType).getElementType()));

  Value pastKey = adaptor.getPastKey(), pastValue = adaptor.getPastValue();
  if (!pastKey && !pastValue)
    return success();
  if (!pastKey || !pastValue)
    return emitOptionalError(loc, name,
                             ": past_key and past_value come together");
  if (failed(requireRank(loc, name, pastKey.getType(), 4, "past_key")) ||
      failed(requireRank(loc, name, pastValue.getType(), 4, "past_value")) ||
      failed(requireSameElementType(
          loc, {qType, pastKey.getType(), pastValue.getType()}, name)))
    return failure();
  ArrayRef<int64_t> pk = shapeOf(pastKey.getType()),
                    pv = shapeOf(pastValue.getType());
  for (int d : {0, 1, 3})
    if (failed(requireCompatibleDim(
            loc, pk[d], k[d],
            (name + ": past_key and key differ in dimension " + Twine(d))
                .str())) ||
        failed(requireCompatibleDim(
            loc, pv[d], v[d],
            (name + ": past_value and value differ in dimension " + Twine(d))
                .str())))
      return failure();
  if (failed(requireCompatibleDim(
          loc, pk[2], pv[2], (name + ": past_key and past_value lengths").str())))
    return failure();
  int64_t past = mergeDims(pk[2], pv[2]);
  int64_t total = ShapedType::isDynamic(past) || ShapedType::isDynamic(k[2])
                      ? ShapedType::kDynamic
                      : past + k[2];
  Type elementType = cast<ShapedType>(kType).getElementType();
  results.push_back(RankedTensorType::get({batch, k[1], total, k[3]}, elementType));
  results.push_back(RankedTensorType::get({batch, v[1], total, v[3]}, elementType));
  return success();
}

LogicalResult AttentionOp::verify() {
  if (FloatAttr scale = getScaleAttr()) {
    APFloat value = scale.getValue();
    if (!value.isFiniteNonZero() || value.isNegative())
      return emitOpError("scale must be a positive finite number");
  }
  if (FloatAttr softcap = getSoftcapAttr()) {
    APFloat value = softcap.getValue();
    if (!value.isFiniteNonZero() || value.isNegative())
      return emitOpError("softcap must be a positive finite number");
  }
  if (Value mask = getMask()) {
    auto maskType = cast<RankedTensorType>(mask.getType());
    if (maskType.getRank() > 4)
      return emitOpError("mask must have rank 4 or less (it broadcasts to "
                         "[batch, heads, query_len, key_len]), got rank ")
             << maskType.getRank();
    auto output = cast<RankedTensorType>(getOutput().getType());
    int64_t keyLen = getPresent().empty()
                         ? cast<RankedTensorType>(getKey().getType()).getDimSize(2)
                         : cast<RankedTensorType>(getPresent()[0].getType())
                               .getDimSize(2);
    SmallVector<int64_t> scores = {output.getDimSize(0), output.getDimSize(1),
                                   output.getDimSize(2), keyLen};
    auto shape = broadcastShapes(getLoc(), {scores, maskType.getShape()},
                                 "tessera.attention mask");
    if (failed(shape))
      return failure();
    if (failed(verifyCompatibleShape(*shape, scores)))
      return emitOpError("mask would enlarge the score matrix beyond [batch, "
                         "heads, query_len, key_len]");
  }
  return success();
}

//===----------------------------------------------------------------------===//
// LayerNormOp and RMSNormOp
//===----------------------------------------------------------------------===//

/// Shared by both norms: `scale` (and `bias`) have the normalized shape, a
/// residual has the input's shape, and a residual adds the residual_output.
static LogicalResult inferNorm(OptionalLoc loc, StringRef name, Value input,
                               Value scale, Value bias, Value residual,
                               int64_t axis, SmallVectorImpl<Type> &results) {
  auto inputType = cast<RankedTensorType>(input.getType());
  if (failed(requireAxisInRange(loc, axis, inputType.getRank(), name)))
    return failure();
  ArrayRef<int64_t> normalized = inputType.getShape().drop_front(axis);
  SmallVector<Type> types = {input.getType(), scale.getType()};
  for (auto [role, param] : {std::pair<StringRef, Value>{"scale", scale},
                             std::pair<StringRef, Value>{"bias", bias}}) {
    if (!param)
      continue;
    types.push_back(param.getType());
    if (failed(verifyCompatibleShape(shapeOf(param.getType()), normalized)))
      return emitOptionalError(loc, name, ": ", role, " has type ",
                               param.getType(),
                               " but the normalized dimensions of ",
                               input.getType(), " from axis ", axis,
                               " need that shape");
  }
  if (residual) {
    types.push_back(residual.getType());
    if (failed(verifyCompatibleShape(residual.getType(), input.getType())))
      return emitOptionalError(loc, name, ": residual ", residual.getType(),
                               " does not have the input's shape ",
                               input.getType());
  }
  if (failed(requireSameElementType(loc, types, name)))
    return failure();
  results.push_back(input.getType());
  if (residual)
    results.push_back(input.getType());
  return success();
}

static LogicalResult verifyEpsilon(Operation *op, APFloat epsilon) {
  if (!epsilon.isFinite() || epsilon.isNegative())
    return op->emitOpError("epsilon must be finite and not negative");
  return success();
}

LogicalResult LayerNormOp::inferReturnTypes(MLIRContext *, OptionalLoc loc,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &results) {
  return inferNorm(loc, getOperationName(), adaptor.getInput(),
                   adaptor.getScale(), adaptor.getBias(), adaptor.getResidual(),
                   adaptor.getAxis(), results);
}

LogicalResult LayerNormOp::verify() {
  return verifyEpsilon(*this, getEpsilonAttr().getValue());
}

LogicalResult RMSNormOp::inferReturnTypes(MLIRContext *, OptionalLoc loc,
                                          Adaptor adaptor,
                                          SmallVectorImpl<Type> &results) {
  return inferNorm(loc, getOperationName(), adaptor.getInput(),
                   adaptor.getScale(), Value(), adaptor.getResidual(),
                   adaptor.getAxis(), results);
}

LogicalResult RMSNormOp::verify() {
  return verifyEpsilon(*this, getEpsilonAttr().getValue());
}

//===----------------------------------------------------------------------===//
// GeluOp
//===----------------------------------------------------------------------===//

/// Fails unless `bias` is 1-D with the last dimension of `input`.
static LogicalResult requireLastDimBias(OptionalLoc loc, StringRef name,
                                        Type input, Value bias) {
  if (!bias)
    return success();
  ArrayRef<int64_t> shape = shapeOf(input);
  if (failed(requireRank(loc, name, bias.getType(), 1, "bias")) ||
      failed(requireSameElementType(loc, {input, bias.getType()}, name)) ||
      failed(requireCompatibleDim(
          loc, shapeOf(bias.getType())[0], shape.empty() ? 1 : shape.back(),
          (name + ": bias length and last dimension differ").str())))
    return failure();
  return success();
}

LogicalResult GeluOp::inferReturnTypes(MLIRContext *, OptionalLoc loc,
                                       Adaptor adaptor,
                                       SmallVectorImpl<Type> &results) {
  Type input = adaptor.getInput().getType();
  if (failed(requireLastDimBias(loc, getOperationName(), input,
                                adaptor.getBias())))
    return failure();
  results.push_back(input);
  return success();
}

//===----------------------------------------------------------------------===//
// RotaryEmbeddingOp
//===----------------------------------------------------------------------===//

LogicalResult
RotaryEmbeddingOp::inferReturnTypes(MLIRContext *, OptionalLoc loc,
                                    Adaptor adaptor,
                                    SmallVectorImpl<Type> &results) {
  StringRef name = getOperationName();
  Type input = adaptor.getInput().getType();
  Type cosType = adaptor.getCos().getType(), sinType = adaptor.getSin().getType();
  if (failed(requireRank(loc, name, input, 4, "input")) ||
      failed(requireSameElementType(loc, {input, cosType, sinType}, name)))
    return failure();
  int64_t cosRank = cast<RankedTensorType>(cosType).getRank();
  if (Value positions = adaptor.getPositions()) {
    if (failed(requireRank(loc, name, positions.getType(), 2, "positions")) ||
        failed(requireRank(loc, name, cosType, 2, "cos (a cache indexed by "
                                                  "positions)")))
      return failure();
  } else if (cosRank != 2 && cosRank != 3) {
    return emitOptionalError(loc, name, ": cos must be [sequence, half] or "
                                        "[batch, sequence, half], got rank ",
                             cosRank);
  }
  if (failed(verifyCompatibleShape(cosType, sinType)))
    return emitOptionalError(loc, name, ": cos ", cosType, " and sin ",
                             sinType, " differ in shape");
  results.push_back(input);
  return success();
}

LogicalResult RotaryEmbeddingOp::verify() {
  int64_t headDim = cast<RankedTensorType>(getInput().getType()).getDimSize(3);
  auto cosType = cast<RankedTensorType>(getCos().getType());
  int64_t half = cosType.getDimSize(cosType.getRank() - 1);
  if (std::optional<int64_t> rotaryDim = getRotaryDim()) {
    if (*rotaryDim <= 0 || *rotaryDim % 2 != 0)
      return emitOpError("rotary_dim must be positive and even, got ")
             << *rotaryDim;
    if (!ShapedType::isDynamic(headDim) && *rotaryDim > headDim)
      return emitOpError("rotary_dim ")
             << *rotaryDim << " exceeds the head dimension " << headDim;
    if (!ShapedType::isDynamic(half) && half * 2 != *rotaryDim)
      return emitOpError("cos/sin have ")
             << half << " columns but rotary_dim " << *rotaryDim << " needs "
             << *rotaryDim / 2;
    return success();
  }
  if (!ShapedType::isDynamic(headDim) && headDim % 2 != 0)
    return emitOpError("the head dimension ")
           << headDim << " is odd; rotary embedding needs pairs";
  if (!ShapedType::isDynamic(headDim) && !ShapedType::isDynamic(half) &&
      half * 2 != headDim)
    return emitOpError("cos/sin have ")
           << half << " columns but the head dimension " << headDim
           << " needs " << headDim / 2 << " (or set rotary_dim)";
  return success();
}

//===----------------------------------------------------------------------===//
// EmbeddingOp
//===----------------------------------------------------------------------===//

LogicalResult EmbeddingOp::inferReturnTypes(MLIRContext *, OptionalLoc loc,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &results) {
  Type table = adaptor.getTable().getType();
  if (failed(requireRank(loc, getOperationName(), table, 2, "table")))
    return failure();
  SmallVector<int64_t> shape(shapeOf(adaptor.getIds().getType()));
  shape.push_back(shapeOf(table)[1]);
  results.push_back(
      RankedTensorType::get(shape, cast<ShapedType>(table).getElementType()));
  return success();
}

//===----------------------------------------------------------------------===//
// FusedMatmulOp
//===----------------------------------------------------------------------===//

LogicalResult FusedMatmulOp::inferReturnTypes(MLIRContext *, OptionalLoc loc,
                                              Adaptor adaptor,
                                              SmallVectorImpl<Type> &results) {
  StringRef name = getOperationName();
  Type lhs = adaptor.getLhs().getType();
  auto shape = inferMatmulShape(loc, name, lhs, adaptor.getRhs().getType());
  if (failed(shape))
    return failure();
  auto result =
      RankedTensorType::get(*shape, cast<ShapedType>(lhs).getElementType());
  if (failed(requireLastDimBias(loc, name, result, adaptor.getBias())))
    return failure();
  if (Value residual = adaptor.getResidual()) {
    if (failed(requireSameElementType(loc, {result, residual.getType()}, name)))
      return failure();
    if (failed(verifyCompatibleShape(residual.getType(), result)))
      return emitOptionalError(loc, name, ": residual ", residual.getType(),
                               " does not have the result's shape ", result);
  }
  results.push_back(result);
  return success();
}

#define GET_OP_CLASSES
#include "ir/TesseraFusedOps.cpp.inc"
