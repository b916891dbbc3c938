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

/// (A - a_zero_point) @ (B - b_zero_point) in int32, with 8-bit inputs
/// widened first (unsigned ones with zeros).
LogicalResult importMatMulInteger(NodeImporter &n) {
  Type i32 = n.builder().getI32Type();
  auto widened = [&](size_t value, size_t zeroPoint) -> FailureOr<Value> {
    FailureOr<Value> v = n.input(value);
    if (failed(v) || failed(v = castTo(n, *v, i32)))
      return failure();
    if (!n.hasInput(zeroPoint))
      return v;
    FailureOr<Value> zp = n.input(zeroPoint);
    if (failed(zp) || failed(zp = castTo(n, *zp, i32)))
      return failure();
    // A 1-D zero point of A holds one value per row, so it broadcasts as
    // [M, 1]; B's is per column and broadcasts as it is.
    if (value == 0 && cast<ShapedType>(zp->getType()).getRank() == 1 &&
        cast<ShapedType>(v->getType()).getRank() >= 2) {
      zp = reshapeTo(n, *zp, {n.graph().dimOf(*zp, 0), SymbolicInt::of(1)});
      if (failed(zp))
        return failure();
    }
    return n.create<SubOp>({*v, *zp});
  };
  FailureOr<Value> a = widened(0, 2), b = widened(1, 3);
  if (failed(a) || failed(b))
    return failure();
  FailureOr<Value> product = n.create<MatmulOp>({*a, *b});
  if (failed(product))
    return failure();
  return n.setOutput(0, *product);
}

} // namespace

void registerLinearImporters(OpRegistry &r) {
  r.add("", "MatMulInteger", 10, importMatMulInteger);
  for (int64_t v : {1, 9, 13})
    r.add("", "MatMul", v, importMatMul);
  for (int64_t v : {7, 9, 11, 13})
    r.add("", "Gemm", v, importGemm);
}

} // namespace tessera::onnx_frontend
