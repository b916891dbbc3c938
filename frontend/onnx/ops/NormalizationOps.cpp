//===- NormalizationOps.cpp - ONNX LayerNorm, RMSNorm, BatchNorm ----------===//

#include "frontend/onnx/OpRegistry.h"
#include "frontend/onnx/TensorData.h"
#include "frontend/onnx/ops/ImportHelpers.h"

using namespace mlir;

namespace tessera::onnx_frontend {
namespace {

/// The optional Mean and InvStdDev outputs (kept dimensions of size 1),
/// written out in primitives; inference graphs rarely use them.
LogicalResult importLayerNormStatistics(NodeImporter &n, Value x,
                                        int64_t axis) {
  int64_t rank = cast<ShapedType>(x.getType()).getRank();
  llvm::SmallVector<int64_t> axes;
  for (int64_t d = axis; d < rank; ++d)
    axes.push_back(d);
  Builder b(n.context());
  llvm::SmallVector<NamedAttribute> reduce = {
      n.namedAttr("axes", b.getDenseI64ArrayAttr(axes)),
      n.namedAttr("keep_dims", b.getUnitAttr())};
  FailureOr<Value> mean = n.create<ReduceMeanOp>({x}, reduce);
  if (failed(mean))
    return failure();
  FailureOr<Value> centered = n.create<SubOp>({x, *mean});
  if (failed(centered))
    return failure();
  FailureOr<Value> squared = n.create<MulOp>({*centered, *centered});
  if (failed(squared))
    return failure();
  FailureOr<Value> variance = n.create<ReduceMeanOp>({*squared}, reduce);
  if (failed(variance))
    return failure();
  Type elementType = cast<ShapedType>(x.getType()).getElementType();
  FailureOr<Value> shifted = n.create<AddOp>(
      {*variance,
       scalarConstant(n, elementType, n.floatAttr("epsilon", 1e-5f))});
  if (failed(shifted))
    return failure();
  FailureOr<Value> invStdDev = n.create<RsqrtOp>({*shifted});
  if (failed(invStdDev))
    return failure();
  // The statistics have the stash type (float by default).
  auto stashType = convertElementType(
      n.context(), static_cast<int32_t>(n.intAttr("stash_type", 1)));
  if (!stashType)
    return n.error("stash_type: " + llvm::toString(stashType.takeError()));
  FailureOr<Value> meanOut = castTo(n, *mean, *stashType);
  FailureOr<Value> invOut = castTo(n, *invStdDev, *stashType);
  if (failed(meanOut) || failed(invOut))
    return failure();
  if (failed(n.setOutput(1, *meanOut)) || failed(n.setOutput(2, *invOut)))
    return failure();
  return success();
}

/// LayerNormalization-17 (and ONNX Runtime's earlier contrib op of the same
/// name and semantics in the default domain).
LogicalResult importLayerNorm(NodeImporter &n) {
  FailureOr<Value> x = n.input(0), scale = n.input(1);
  if (failed(x) || failed(scale))
    return failure();
  FailureOr<int64_t> axis = normalizeAxis(
      n, n.intAttr("axis", -1), cast<ShapedType>(x->getType()).getRank());
  if (failed(axis))
    return failure();
  // ONNX Runtime's version allows fp16 data with fp32 parameters; it then
  // normalizes in fp32, and so does this.
  Type dataType = cast<ShapedType>(x->getType()).getElementType();
  Type paramType = cast<ShapedType>(scale->getType()).getElementType();
  Type computeType = dataType.getIntOrFloatBitWidth() >=
                             paramType.getIntOrFloatBitWidth()
                         ? dataType
                         : paramType;
  llvm::SmallVector<Value> operands;
  for (Value v : {*x, *scale}) {
    FailureOr<Value> converted = castTo(n, v, computeType);
    if (failed(converted))
      return failure();
    operands.push_back(*converted);
  }
  int32_t hasBias = 0;
  if (n.hasInput(2)) {
    FailureOr<Value> bias = n.input(2);
    if (failed(bias) || failed(bias = castTo(n, *bias, computeType)))
      return failure();
    operands.push_back(*bias);
    hasBias = 1;
  }
  Builder b(n.context());
  FailureOr<Value> result = n.create<LayerNormOp>(
      operands,
      {n.namedAttr("axis", b.getI64IntegerAttr(*axis)),
       n.namedAttr("epsilon", b.getF32FloatAttr(n.floatAttr("epsilon", 1e-5f))),
       n.namedAttr("operandSegmentSizes",
                   b.getDenseI32ArrayAttr({1, 1, hasBias, 0}))});
  if (failed(result) || failed(result = castTo(n, *result, dataType)))
    return failure();
  if (failed(n.setOutput(0, *result)))
    return failure();
  if (n.hasOutput(1) || n.hasOutput(2))
    return importLayerNormStatistics(n, operands[0], *axis);
  return success();
}

LogicalResult importRMSNorm(NodeImporter &n) {
  FailureOr<Value> x = n.input(0), scale = n.input(1);
  if (failed(x) || failed(scale))
    return failure();
  FailureOr<int64_t> axis = normalizeAxis(
      n, n.intAttr("axis", -1), cast<ShapedType>(x->getType()).getRank());
  if (failed(axis))
    return failure();
  Builder b(n.context());
  FailureOr<Value> result = n.create<RMSNormOp>(
      {*x, *scale},
      {n.namedAttr("axis", b.getI64IntegerAttr(*axis)),
       n.namedAttr("epsilon",
                   b.getF32FloatAttr(n.floatAttr("epsilon", 1e-5f)))});
  if (failed(result))
    return failure();
  return n.setOutput(0, *result);
}

/// Inference-mode BatchNormalization over the channel axis 1, written out
/// in primitives: (x - mean) / sqrt(var + epsilon) * scale + bias.
LogicalResult importBatchNorm(NodeImporter &n) {
  FailureOr<Value> x = n.input(0);
  if (failed(x))
    return failure();
  auto type = cast<RankedTensorType>(x->getType());
  if (type.getRank() < 2)
    return n.error("the input needs a channel dimension (rank 2 or more)");
  if (n.intAttr("training_mode", 0))
    return n.error("training_mode is not supported (inference only)");
  // Parameters of shape [C] broadcast as [C, 1, ..., 1].
  auto channelParam = [&](size_t i) -> FailureOr<Value> {
    FailureOr<Value> p = n.input(i);
    if (failed(p))
      return failure();
    SymbolicInts dims = {n.graph().dimOf(*p, 0)};
    for (int64_t d = 2; d < type.getRank(); ++d)
      dims.push_back(SymbolicInt::of(1));
    return reshapeTo(n, *p, dims);
  };
  FailureOr<Value> scale = channelParam(1), bias = channelParam(2),
                   mean = channelParam(3), var = channelParam(4);
  if (failed(scale) || failed(bias) || failed(mean) || failed(var))
    return failure();
  Value eps = scalarConstant(n, type.getElementType(),
                             n.floatAttr("epsilon", 1e-5f));
  FailureOr<Value> centered = n.create<SubOp>({*x, *mean});
  FailureOr<Value> shifted = n.create<AddOp>({*var, eps});
  if (failed(centered) || failed(shifted))
    return failure();
  FailureOr<Value> inv = n.create<RsqrtOp>({*shifted});
  if (failed(inv))
    return failure();
  FailureOr<Value> normalized = n.create<MulOp>({*centered, *inv});
  if (failed(normalized))
    return failure();
  FailureOr<Value> scaled = n.create<MulOp>({*normalized, *scale});
  if (failed(scaled))
    return failure();
  FailureOr<Value> result = n.create<AddOp>({*scaled, *bias});
  if (failed(result))
    return failure();
  return n.setOutput(0, *result);
}

} // namespace

void registerNormalizationImporters(OpRegistry &r) {
  for (int64_t v : {1, 17})
    r.add("", "LayerNormalization", v, importLayerNorm);
  r.add("", "RMSNormalization", 23, importRMSNorm);
  for (int64_t v : {7, 9, 14, 15})
    r.add("", "BatchNormalization", v, importBatchNorm);
}

} // namespace tessera::onnx_frontend
