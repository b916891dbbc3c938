//===- FoldTest.cpp - folders through the public fold API -----------------===//

#include "ir/TesseraDialect.h"
#include "passes/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/Passes.h"

#include <gtest/gtest.h>

using namespace mlir;

namespace {

OwningOpRef<ModuleOp> parse(MLIRContext &context, StringRef source) {
  context.loadDialect<tessera::TesseraDialect, func::FuncDialect>();
  return parseSourceString<ModuleOp>(source, &context);
}

template <typename OpT>
OpT findOp(ModuleOp module) {
  OpT found;
  module.walk([&](OpT op) { found = op; });
  return found;
}

TEST(Fold, AddOfSplatConstantsFoldsToConstant) {
  MLIRContext context;
  auto module = parse(context, R"mlir(
    func.func @f() -> tensor<4xf32> {
      %a = tessera.constant dense<1.5> : tensor<4xf32>
      %b = tessera.constant dense<2.0> : tensor<4xf32>
      %c = tessera.add %a, %b : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
      return %c : tensor<4xf32>
    })mlir");
  ASSERT_TRUE(module);
  PassManager pm(&context);
  pm.addPass(createCanonicalizerPass());
  ASSERT_TRUE(succeeded(pm.run(*module)));
  EXPECT_FALSE(findOp<tessera::AddOp>(*module));
  auto constant = findOp<tessera::ConstantOp>(*module);
  ASSERT_TRUE(constant);
  auto value = cast<DenseElementsAttr>(constant.getValue());
  EXPECT_EQ(value.getSplatValue<float>(), 3.5f);
}

TEST(Fold, TransposeOfTransposeComposes) {
  MLIRContext context;
  auto module = parse(context, R"mlir(
    func.func @f(%x: tensor<2x3x4xf32>) -> tensor<4x2x3xf32> {
      %a = tessera.transpose %x [1, 2, 0] : tensor<2x3x4xf32> -> tensor<3x4x2xf32>
      %b = tessera.transpose %a [1, 2, 0] : tensor<3x4x2xf32> -> tensor<4x2x3xf32>
      return %b : tensor<4x2x3xf32>
    })mlir");
  ASSERT_TRUE(module);
  auto outer = findOp<tessera::TransposeOp>(*module);
  SmallVector<OpFoldResult> results;
  ASSERT_TRUE(succeeded(outer->fold(results)));
  EXPECT_EQ(outer.getPermutation(), (ArrayRef<int64_t>{2, 0, 1}));
  EXPECT_TRUE(isa<BlockArgument>(outer.getInput()));
}

TEST(Fold, InferShapesRefinesReturnedValues) {
  MLIRContext context;
  auto module = parse(context, R"mlir(
    func.func @f(%x: tensor<2x8xf32>, %w: tensor<8x4xf32>) -> tensor<?x?xf32> {
      %y = tessera.matmul %x, %w : (tensor<2x8xf32>, tensor<8x4xf32>) -> tensor<?x?xf32>
      return %y : tensor<?x?xf32>
    })mlir");
  ASSERT_TRUE(module);
  PassManager pm(&context);
  pm.addPass(tessera::createInferShapes());
  ASSERT_TRUE(succeeded(pm.run(*module)));
  auto func = findOp<func::FuncOp>(*module);
  EXPECT_EQ(func.getFunctionType().getResult(0),
            RankedTensorType::get({2, 4}, Float32Type::get(&context)));
}

} // namespace
