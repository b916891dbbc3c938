//===- GraphBuilder.cpp - building tessera functions for a model ----------===//

#include "frontend/native/GraphBuilder.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <limits>

using namespace mlir;

namespace tessera::native {

GraphBuilder::GraphBuilder(ModuleOp module, llvm::StringRef source)
    : module_(module), source_(source.str()),
      builder_(FileLineColLoc::get(module.getContext(), source, 0, 0),
               module.getContext()) {}

llvm::SmallVector<Value>
GraphBuilder::beginFunction(llvm::StringRef name,
                            llvm::ArrayRef<FunctionInput> inputs) {
  setScope(name);
  llvm::SmallVector<Type> types;
  llvm::SmallVector<DictionaryAttr> argAttrs;
  for (const FunctionInput &input : inputs) {
    types.push_back(RankedTensorType::get(input.shape, input.elementType));
    llvm::SmallVector<StringRef> dimNames(input.dimNames.begin(),
                                          input.dimNames.end());
    argAttrs.push_back(builder_.getDictionaryAttr(
        {builder_.getNamedAttr("tessera.name",
                               builder_.getStringAttr(input.name)),
         builder_.getNamedAttr("tessera.dim_names",
                               builder_.getStrArrayAttr(dimNames))}));
  }
  builder_.setInsertionPointToEnd(module_.getBody());
  function_ =
      func::FuncOp::create(builder_, name, builder_.getFunctionType(types, {}));
  function_.setAllArgAttrs(argAttrs);
  Block *body = function_.addEntryBlock();
  builder_.setInsertionPointToEnd(body);
  return llvm::SmallVector<Value>(body->getArguments());
}

void GraphBuilder::endFunction(
    llvm::ArrayRef<std::pair<std::string, Value>> outputs) {
  llvm::SmallVector<Value> values;
  llvm::SmallVector<DictionaryAttr> resultAttrs;
  for (const auto &[name, value] : outputs) {
    values.push_back(value);
    resultAttrs.push_back(builder_.getDictionaryAttr(
        {builder_.getNamedAttr("tessera.name", builder_.getStringAttr(name))}));
  }
  func::ReturnOp::create(builder_, values);
  function_.setFunctionType(builder_.getFunctionType(
      function_.getArgumentTypes(), ValueRange(values).getTypes()));
  function_.setAllResultAttrs(resultAttrs);
}

void GraphBuilder::setScope(const llvm::Twine &part) {
  builder_.setLoc(
      NameLoc::get(builder_.getStringAttr(part),
                   FileLineColLoc::get(builder_.getContext(), source_, 0, 0)));
}

Value GraphBuilder::constant(ElementsAttr value) {
  return ConstantOp::create(builder_, value.getType(), value);
}

Value GraphBuilder::scalar(float value) {
  auto type = RankedTensorType::get({}, builder_.getF32Type());
  return constant(cast<ElementsAttr>(DenseElementsAttr::get(type, value)));
}

Value GraphBuilder::scalarI64(int64_t value) {
  auto type = RankedTensorType::get({}, builder_.getI64Type());
  return constant(cast<ElementsAttr>(DenseElementsAttr::get(type, value)));
}

OpFoldResult GraphBuilder::size(Value tensor, int64_t dim) {
  auto type = cast<RankedTensorType>(tensor.getType());
  if (!type.isDynamicDim(dim))
    return builder_.getIndexAttr(type.getDimSize(dim));
  return tensor::DimOp::create(builder_, tensor, dim).getResult();
}

Value GraphBuilder::indexValue(OpFoldResult size) {
  if (auto value = dyn_cast<Value>(size))
    return value;
  return arith::ConstantIndexOp::create(
      builder_, cast<IntegerAttr>(cast<Attribute>(size)).getInt());
}

Value GraphBuilder::reshape(Value input, llvm::ArrayRef<OpFoldResult> shape) {
  llvm::SmallVector<int64_t> sizes;
  llvm::SmallVector<Value> dynamic;
  for (OpFoldResult dim : shape) {
    if (auto value = dyn_cast<Value>(dim)) {
      sizes.push_back(ShapedType::kDynamic);
      dynamic.push_back(value);
    } else {
      sizes.push_back(cast<IntegerAttr>(cast<Attribute>(dim)).getInt());
    }
  }
  auto type = cast<RankedTensorType>(input.getType());
  return ReshapeOp::create(builder_, type.clone(sizes), input, dynamic);
}

Value GraphBuilder::transpose(Value input,
                              llvm::ArrayRef<int64_t> permutation) {
  return TransposeOp::create(builder_, input,
                             builder_.getDenseI64ArrayAttr(permutation));
}

Value GraphBuilder::linear(Value x, Value weight, Value bias, Value residual,
                           Activation activation) {
  return FusedMatmulOp::create(
      builder_, x, weight, bias, residual,
      ActivationAttr::get(builder_.getContext(), activation));
}

Value GraphBuilder::slice(Value input, int64_t dim, int64_t begin,
                          int64_t end) {
  int64_t rank = cast<RankedTensorType>(input.getType()).getRank();
  llvm::SmallVector<int64_t> starts(rank, 0), steps(rank, 1),
      ends(rank, std::numeric_limits<int64_t>::max());
  starts[dim] = begin;
  ends[dim] = end;
  return SliceOp::create(builder_, input, ValueRange(), ValueRange(), starts,
                         ends, steps);
}

Value GraphBuilder::layerNorm(Value x, Value scale, Value bias, float epsilon) {
  int64_t rank = cast<RankedTensorType>(x.getType()).getRank();
  return LayerNormOp::create(builder_, x, scale, bias, Value(),
                             builder_.getI64IntegerAttr(rank - 1),
                             builder_.getF32FloatAttr(epsilon))
      .getOutput();
}

Value GraphBuilder::rmsNorm(Value x, Value scale, float epsilon) {
  int64_t rank = cast<RankedTensorType>(x.getType()).getRank();
  return RMSNormOp::create(builder_, x, scale, Value(),
                           builder_.getI64IntegerAttr(rank - 1),
                           builder_.getF32FloatAttr(epsilon))
      .getOutput();
}

Value GraphBuilder::splitHeads(Value x, int64_t heads, int64_t headDim) {
  Value split =
      reshape(x, {size(x, 0), size(x, 1), builder_.getIndexAttr(heads),
                  builder_.getIndexAttr(headDim)});
  return transpose(split, {0, 2, 1, 3});
}

Value GraphBuilder::mergeHeads(Value x) {
  auto type = cast<RankedTensorType>(x.getType());
  Value t = transpose(x, {0, 2, 1, 3});
  return reshape(
      t, {size(t, 0), size(t, 1),
          builder_.getIndexAttr(type.getDimSize(1) * type.getDimSize(3))});
}

Value GraphBuilder::iota(OpFoldResult length, Value offset) {
  Value dynamicLength = dyn_cast<Value>(length);
  int64_t staticLength =
      dynamicLength ? ShapedType::kDynamic
                    : cast<IntegerAttr>(cast<Attribute>(length)).getInt();
  auto type = RankedTensorType::get({staticLength}, builder_.getI64Type());
  return IotaOp::create(builder_, type, dynamicLength, offset,
                        builder_.getI64IntegerAttr(0),
                        builder_.getI64IntegerAttr(1));
}

Value GraphBuilder::positions(OpFoldResult length, Value offset) {
  return reshape(iota(length, offset), {builder_.getIndexAttr(1), length});
}

std::pair<Value, KVCache> GraphBuilder::attention(Value q, Value k, Value v,
                                                  Value mask,
                                                  const KVCache *past,
                                                  std::optional<float> scale,
                                                  bool causal) {
  FloatAttr scaleAttr = scale ? builder_.getF32FloatAttr(*scale) : FloatAttr();
  auto op =
      AttentionOp::create(builder_, q, k, v, mask, past ? past->key : Value(),
                          past ? past->value : Value(), scaleAttr, causal,
                          /*softcap=*/FloatAttr());
  if (!past)
    return {op.getOutput(), KVCache{k, v}};
  return {op.getOutput(), KVCache{op.getPresent()[0], op.getPresent()[1]}};
}

} // namespace tessera::native
