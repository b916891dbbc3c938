//===- KernelABI.cpp - kernel functions in the runtime's calling form -----===//

#include "codegen/cpu/KernelABI.h"

#include "codegen/cpu/DispatchFormation.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/IRMapping.h"

using namespace mlir;

namespace tessera::cpu {

Value loadElement(OpBuilder &b, Location loc, Value base, Type elementType,
                  int64_t index) {
  auto ptrType = LLVM::LLVMPointerType::get(b.getContext());
  Value address = LLVM::GEPOp::create(b, loc, ptrType, elementType, base,
                                      ArrayRef<LLVM::GEPArg>{index});
  return LLVM::LoadOp::create(b, loc, elementType, address);
}

Value memrefFromPointer(OpBuilder &b, Location loc, Value ptr, MemRefType type,
                        ValueRange dynamicSizes) {
  MLIRContext *ctx = b.getContext();
  Type i64 = b.getI64Type();
  auto ptrType = LLVM::LLVMPointerType::get(ctx);
  int64_t rank = type.getRank();
  SmallVector<Type> fields{ptrType, ptrType, i64};
  if (rank > 0) {
    fields.push_back(LLVM::LLVMArrayType::get(i64, rank));
    fields.push_back(LLVM::LLVMArrayType::get(i64, rank));
  }
  auto descType = LLVM::LLVMStructType::getLiteral(ctx, fields);
  auto constant = [&](int64_t v) -> Value {
    return LLVM::ConstantOp::create(b, loc, i64, b.getI64IntegerAttr(v));
  };
  SmallVector<Value> sizes;
  unsigned next = 0;
  for (int64_t d = 0; d < rank; ++d)
    sizes.push_back(type.isDynamicDim(d) ? dynamicSizes[next++]
                                         : constant(type.getDimSize(d)));
  Value desc = LLVM::PoisonOp::create(b, loc, descType);
  desc = LLVM::InsertValueOp::create(b, loc, desc, ptr, ArrayRef<int64_t>{0});
  desc = LLVM::InsertValueOp::create(b, loc, desc, ptr, ArrayRef<int64_t>{1});
  desc = LLVM::InsertValueOp::create(b, loc, desc, constant(0),
                                     ArrayRef<int64_t>{2});
  Value stride = constant(1);
  for (int64_t d = rank - 1; d >= 0; --d) {
    desc = LLVM::InsertValueOp::create(b, loc, desc, sizes[d],
                                       ArrayRef<int64_t>{3, d});
    desc = LLVM::InsertValueOp::create(b, loc, desc, stride,
                                       ArrayRef<int64_t>{4, d});
    if (d > 0)
      stride = LLVM::MulOp::create(b, loc, stride, sizes[d]);
  }
  return UnrealizedConversionCastOp::create(b, loc, TypeRange{type}, desc)
      .getResult(0);
}

FailureOr<func::FuncOp> createABIKernel(func::FuncOp kernel, StringRef name) {
  MLIRContext *ctx = kernel.getContext();
  Location loc = kernel.getLoc();
  OpBuilder b(kernel);
  Type i64 = b.getI64Type();
  auto ptrType = LLVM::LLVMPointerType::get(ctx);
  auto abi = func::FuncOp::create(
      b, loc, name,
      b.getFunctionType({ptrType, ptrType, i64, i64, i64}, {}));
  abi->setAttr(kKernelAttr, b.getUnitAttr());
  Block *entry = abi.addEntryBlock();
  b.setInsertionPointToStart(entry);
  Value bindings = entry->getArgument(0), push = entry->getArgument(1);

  auto numInputs = kernel->getAttrOfType<IntegerAttr>(kNumInputsAttr).getInt();
  FunctionType type = kernel.getFunctionType();
  int64_t numIndexArgs = type.getNumInputs() - numInputs;

  // Push constants, in argument order: captured values, then the dynamic
  // dims of the inputs and the outputs.
  SmallVector<Value> pushI64, pushIndex;
  for (int64_t i = 0; i < numIndexArgs; ++i) {
    pushI64.push_back(loadElement(b, loc, push, i64, i));
    Type argType = type.getInput(numInputs + i);
    if (argType.isIndex())
      pushIndex.push_back(
          arith::IndexCastOp::create(b, loc, argType, pushI64.back()));
    else if (argType == i64)
      pushIndex.push_back(pushI64.back());
    else
      pushIndex.push_back(arith::TruncIOp::create(b, loc, argType, pushI64.back()));
  }
  int64_t numCaptured =
      kernel->getAttrOfType<IntegerAttr>(kNumCapturedAttr).getInt();
  unsigned nextDim = numCaptured;
  unsigned nextBinding = 0;
  auto bindBuffer = [&](RankedTensorType tensorType) {
    auto memrefType =
        MemRefType::get(tensorType.getShape(), tensorType.getElementType());
    Value ptr = loadElement(b, loc, bindings, ptrType, nextBinding++);
    ValueRange dims(ArrayRef<Value>(pushI64).slice(
        nextDim, tensorType.getNumDynamicDims()));
    nextDim += tensorType.getNumDynamicDims();
    return memrefFromPointer(b, loc, ptr, memrefType, dims);
  };

  IRMapping mapping;
  for (int64_t i = 0; i < numInputs; ++i) {
    auto tensorType = cast<RankedTensorType>(type.getInput(i));
    Value buffer = bindBuffer(tensorType);
    Value tensor = bufferization::ToTensorOp::create(
        b, loc, tensorType, buffer, /*restrict=*/true, /*writable=*/false);
    mapping.map(kernel.getArgument(i), tensor);
  }
  for (int64_t i = 0; i < numIndexArgs; ++i)
    mapping.map(kernel.getArgument(numInputs + i), pushIndex[i]);
  SmallVector<Value> outputs;
  for (Type result : type.getResults())
    outputs.push_back(bindBuffer(cast<RankedTensorType>(result)));

  for (Operation &op : kernel.getBody().front().without_terminator())
    b.clone(op, mapping);
  auto ret = cast<func::ReturnOp>(kernel.getBody().front().getTerminator());
  for (auto [value, buffer] : llvm::zip(ret.getOperands(), outputs)) {
    auto materialize = bufferization::MaterializeInDestinationOp::create(
        b, loc, TypeRange{}, mapping.lookup(value), buffer);
    materialize.setRestrict(true);
    materialize.setWritable(true);
  }
  func::ReturnOp::create(b, loc);
  return abi;
}

} // namespace tessera::cpu
