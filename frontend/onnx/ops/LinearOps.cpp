//===- LinearOps.cpp - ONNX MatMul and Gemm -------------------------------===//

#include "frontend/onnx/OpRegistry.h"
#include "frontend/onnx/ops/ImportHelpers.h"

using namespace mlir;

namespace tessera::onnx_frontend {
namespace {

/// numpy.matmul: a 1-D operand is promoted to a matrix and the added
/// dimension removed from the result.
LogicalResult importMatMul(NodeImporter &n) {
  FailureOr<Value> a = n.input(0), b = n.input(1);
  if (failed(a) || failed(b))
    return failure();
  SymbolicInts aDims = dimsOf(n, *a), bDims = dimsOf(n, *b);
  bool aVector = aDims.size() == 1, bVector = bDims.size() == 1;
  if (aDims.empty() || bDims.empty())
    return n.error("MatMul operands must have rank 1 or more");
  if (aVector) {
    a = reshapeTo(n, *a, {SymbolicInt::of(1), aDims[0]});
    if (failed(a))
      return failure();
  }
  if (bVector) {
    b = reshapeTo(n, *b, {bDims[0], SymbolicInt::of(1)});
    if (failed(b))
      return failure();
  }
  FailureOr<Value> product = n.create<MatmulOp>({*a, *b});
  if (failed(product))
    return failure();
  if (aVector || bVector) {
    SymbolicInts dims = dimsOf(n, *product);
    if (bVector)
      dims.pop_back();
    if (aVector)
      dims.erase(dims.end() - (bVector ? 1 : 2));
    product = reshapeTo(n, *product, dims);
    if (failed(product))
      return failure();
  }
  return n.setOutput(0, *product);
}

/// Y = alpha * A' B' + beta * C with optional transposes.
LogicalResult importGemm(NodeImporter &n) {
  FailureOr<Value> a = n.input(0), b = n.input(1);
  if (failed(a) || failed(b))
    return failure();
  auto transpose = [&](Value v) -> FailureOr<Value> {
    return n.create<TransposeOp>(
        {v}, {n.namedAttr("permutation",
                          n.builder().getDenseI64ArrayAttr({1, 0}))});
  };
  if (n.intAttr("transA", 0) && failed(a = transpose(*a)))
    return failure();
  if (n.intAttr("transB", 0) && failed(b = transpose(*b)))
    return failure();
  FailureOr<Value> y = n.create<MatmulOp>({*a, *b});
  if (failed(y))
    return failure();
  Type elementType = cast<ShapedType>(y->getType()).getElementType();
  float alpha = n.floatAttr("alpha", 1.0f), beta = n.floatAttr("beta", 1.0f);
  if (alpha != 1.0f &&
      failed(y = n.create<MulOp>({*y, scalarConstant(n, elementType, alpha)})))
    return failure();
  if (n.hasInput(2) && beta != 0.0f) {
    FailureOr<Value> c = n.input(2);
    if (failed(c))
      return failure();
    if (beta != 1.0f &&
        failed(c = n.create<MulOp>({*c, scalarConstant(n, elementType, beta)})))
      return failure();
    if (failed(y = n.create<AddOp>({*y, *c})))
      return failure();
  }
  return n.setOutput(0, *y);
}

} // namespace

void registerLinearImporters(OpRegistry &r) {
  for (int64_t v : {1, 9, 13})
    r.add("", "MatMul", v, importMatMul);
  for (int64_t v : {7, 9, 11, 13})
    r.add("", "Gemm", v, importGemm);
}

} // namespace tessera::onnx_frontend
