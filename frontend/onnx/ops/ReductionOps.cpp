//===- ReductionOps.cpp - ONNX reductions and softmax ---------------------===//

#include "frontend/onnx/OpRegistry.h"
#include "frontend/onnx/ops/ImportHelpers.h"

using namespace mlir;

namespace tessera::onnx_frontend {
namespace {

/// ReduceSum takes its axes as an input from opset 13, the others from 18.
template <typename OpTy, int64_t axesInputSince>
LogicalResult importReduce(NodeImporter &n) {
  FailureOr<Value> x = n.input(0);
  if (failed(x))
    return failure();
  int64_t rank = cast<ShapedType>(x->getType()).getRank();
  auto axesOr = axesFromInputOrAttr(n, axesInputSince, 1);
  if (failed(axesOr))
    return failure();
  llvm::SmallVector<int64_t> axes;
  if (*axesOr && !(*axesOr)->empty()) {
    FailureOr<llvm::SmallVector<int64_t>> normalized =
        normalizeAxes(n, **axesOr, rank);
    if (failed(normalized))
      return failure();
    axes = *normalized;
  } else if (n.intAttr("noop_with_empty_axes", 0)) {
    return n.setOutput(0, *x);
  } else {
    for (int64_t d = 0; d < rank; ++d)
      axes.push_back(d);
  }
  llvm::SmallVector<NamedAttribute> attrs = {
      n.namedAttr("axes", n.builder().getDenseI64ArrayAttr(axes))};
  if (n.intAttr("keepdims", 1))
    attrs.push_back(n.namedAttr("keep_dims", n.builder().getUnitAttr()));
  FailureOr<Value> result = n.create<OpTy>({*x}, attrs);
  if (failed(result))
    return failure();
  return n.setOutput(0, *result);
}

LogicalResult importSoftmax(NodeImporter &n) {
  FailureOr<Value> x = n.input(0);
  if (failed(x))
    return failure();
  int64_t rank = cast<ShapedType>(x->getType()).getRank();
  bool coerced2D = n.opset() < 13;
  FailureOr<int64_t> axis =
      normalizeAxis(n, n.intAttr("axis", coerced2D ? 1 : -1), rank);
  if (failed(axis))
    return failure();
  auto softmax = [&](Value input, int64_t a) -> FailureOr<Value> {
    return n.create<SoftmaxOp>(
        {input}, {n.namedAttr("axis", n.builder().getI64IntegerAttr(a))});
  };
  // Before opset 13, Softmax normalizes over all dimensions from `axis` on.
  if (!coerced2D || *axis == rank - 1) {
    FailureOr<Value> result = softmax(*x, *axis);
    if (failed(result))
      return failure();
    return n.setOutput(0, *result);
  }
  SymbolicInts dims = dimsOf(n, *x);
  SymbolicInt outer = SymbolicInt::of(1), inner = SymbolicInt::of(1);
  for (int64_t d = 0; d < rank; ++d)
    (d < *axis ? outer : inner) =
        n.graph().mul(d < *axis ? outer : inner, dims[d], n.loc());
  FailureOr<Value> flat = reshapeTo(n, *x, {outer, inner});
  if (failed(flat))
    return failure();
  FailureOr<Value> normalized = softmax(*flat, 1);
  if (failed(normalized))
    return failure();
  FailureOr<Value> result = reshapeTo(n, *normalized, dims);
  if (failed(result))
    return failure();
  return n.setOutput(0, *result);
}

LogicalResult importCumSum(NodeImporter &n) {
  FailureOr<Value> x = n.input(0);
  if (failed(x))
    return failure();
  std::optional<llvm::SmallVector<int64_t>> axisValue = n.inputConstants(1);
  if (!axisValue || axisValue->size() != 1)
    return n.error("axis must be a compile-time scalar");
  FailureOr<int64_t> axis = normalizeAxis(
      n, axisValue->front(), cast<ShapedType>(x->getType()).getRank());
  if (failed(axis))
    return failure();
  llvm::SmallVector<NamedAttribute> attrs = {
      n.namedAttr("axis", n.builder().getI64IntegerAttr(*axis))};
  if (n.intAttr("exclusive", 0))
    attrs.push_back(n.namedAttr("exclusive", n.builder().getUnitAttr()));
  if (n.intAttr("reverse", 0))
    attrs.push_back(n.namedAttr("reverse", n.builder().getUnitAttr()));
  FailureOr<Value> result = n.create<CumSumOp>({*x}, attrs);
  if (failed(result))
    return failure();
  return n.setOutput(0, *result);
}

} // namespace

void registerReductionImporters(OpRegistry &r) {
  for (int64_t v : {11, 14})
    r.add("", "CumSum", v, importCumSum);
  for (int64_t v : {1, 11, 13, 18}) {
    r.add("", "ReduceMean", v, importReduce<ReduceMeanOp, 18>);
    r.add("", "ReduceMax", v, importReduce<ReduceMaxOp, 18>);
  }
  r.add("", "ReduceMax", 20, importReduce<ReduceMaxOp, 18>);
  for (int64_t v : {1, 11, 13})
    r.add("", "ReduceSum", v, importReduce<ReduceSumOp, 13>);
  for (int64_t v : {1, 11, 13})
    r.add("", "Softmax", v, importSoftmax);
}

} // namespace tessera::onnx_frontend
