//===- LoweringUtils.cpp - helpers shared by the linalg lowerings ---------===//

#include "codegen/linalg/LoweringUtils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlowOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;

namespace tessera {

SmallVector<OpFoldResult> tensorSizes(OpBuilder &b, Location loc, Value value) {
  auto type = cast<RankedTensorType>(value.getType());
  SmallVector<OpFoldResult> sizes;
  for (int64_t i = 0, e = type.getRank(); i < e; ++i) {
    if (type.isDynamicDim(i))
      sizes.push_back(tensor::DimOp::create(b, loc, value, i).getResult());
    else
      sizes.push_back(b.getIndexAttr(type.getDimSize(i)));
  }
  return sizes;
}

Value emptyTensor(OpBuilder &b, Location loc, RankedTensorType type,
                  ArrayRef<OpFoldResult> sizes) {
  SmallVector<Value> dynamic;
  for (int64_t i = 0, e = type.getRank(); i < e; ++i)
    if (type.isDynamicDim(i))
      dynamic.push_back(getValueOrCreateConstantIndexOp(b, loc, sizes[i]));
  return tensor::EmptyOp::create(b, loc, type.getShape(),
                                 type.getElementType(), dynamic);
}

SmallVector<OpFoldResult> broadcastSizes(OpBuilder &b, Location loc,
                                         RankedTensorType resultType,
                                         ValueRange operands) {
  int64_t rank = resultType.getRank();
  SmallVector<OpFoldResult> sizes;
  for (int64_t i = 0; i < rank; ++i) {
    if (!resultType.isDynamicDim(i)) {
      sizes.push_back(b.getIndexAttr(resultType.getDimSize(i)));
      continue;
    }
    OpFoldResult size;
    for (Value operand : operands) {
      auto type = cast<RankedTensorType>(operand.getType());
      int64_t d = i - (rank - type.getRank());
      if (d < 0 || (!type.isDynamicDim(d) && type.getDimSize(d) == 1))
        continue;
      size = type.isDynamicDim(d)
                 ? OpFoldResult(tensor::DimOp::create(b, loc, operand, d).getResult())
                 : OpFoldResult(b.getIndexAttr(type.getDimSize(d)));
      break;
    }
    // Every operand has a static 1 there: the result dim is 1.
    sizes.push_back(size ? size : b.getIndexAttr(1));
  }
  assertDynamicDimsMatch(b, loc, sizes, operands);
  return sizes;
}

void assertDynamicDimsMatch(OpBuilder &b, Location loc,
                            ArrayRef<OpFoldResult> sizes, ValueRange operands) {
  int64_t rank = sizes.size();
  for (Value operand : operands) {
    auto type = cast<RankedTensorType>(operand.getType());
    for (int64_t d = 0; d < type.getRank(); ++d) {
      int64_t i = d + rank - type.getRank();
      if (!type.isDynamicDim(d) || i < 0)
        continue;
      Value size = getValueOrCreateConstantIndexOp(b, loc, sizes[i]);
      Value dim = tensor::DimOp::create(b, loc, operand, d);
      Value equal = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, dim, size);
      std::string where;
      llvm::raw_string_ostream os(where);
      os << loc;
      cf::AssertOp::create(
          b, loc, equal,
          "a dynamic dim of size 1 at run time would broadcast, which compiled "
          "code does not do (it takes dynamic dims as equal): " + where);
    }
  }
}

AffineMap broadcastMap(MLIRContext *ctx, RankedTensorType operandType,
                       RankedTensorType resultType) {
  int64_t rank = resultType.getRank();
  int64_t offset = rank - operandType.getRank();
  SmallVector<AffineExpr> exprs;
  for (int64_t d = 0, e = operandType.getRank(); d < e; ++d) {
    bool stretched = !operandType.isDynamicDim(d) &&
                     operandType.getDimSize(d) == 1;
    exprs.push_back(stretched ? getAffineConstantExpr(0, ctx)
                              : getAffineDimExpr(d + offset, ctx));
  }
  return AffineMap::get(rank, 0, exprs, ctx);
}

Value scalarConstant(OpBuilder &b, Location loc, Type type, double value) {
  if (auto floatType = dyn_cast<FloatType>(type))
    return arith::ConstantOp::create(b, loc, b.getFloatAttr(floatType, value));
  return arith::ConstantOp::create(
      b, loc, b.getIntegerAttr(type, static_cast<int64_t>(value)));
}

} // namespace tessera
