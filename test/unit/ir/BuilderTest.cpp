//===- BuilderTest.cpp - building tessera ops from C++ --------------------===//
//
// Frontends build IR through the generated builders; the result types must
// come out of inference without being spelled.
//
//===----------------------------------------------------------------------===//

#include "ir/TesseraDialect.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Verifier.h"

#include <gtest/gtest.h>

using namespace mlir;

namespace {

class BuilderTest : public ::testing::Test {
protected:
  BuilderTest() : builder(&context) {
    context.loadDialect<tessera::TesseraDialect, func::FuncDialect>();
    module = ModuleOp::create(builder.getUnknownLoc());
    builder.setInsertionPointToEnd(module->getBody());
  }

  /// A function whose arguments have `types`; the builder is left in its body.
  func::FuncOp makeFunc(TypeRange types) {
    auto func = func::FuncOp::create(builder, builder.getUnknownLoc(), "f",
                                     builder.getFunctionType(types, {}));
    builder.setInsertionPointToEnd(func.addEntryBlock());
    return func;
  }

  RankedTensorType f32(ArrayRef<int64_t> shape) {
    return RankedTensorType::get(shape, builder.getF32Type());
  }

  MLIRContext context;
  OpBuilder builder;
  OwningOpRef<ModuleOp> module;
};

constexpr int64_t kDyn = ShapedType::kDynamic;

TEST_F(BuilderTest, BroadcastAddInfersResult) {
  auto func = makeFunc({f32({kDyn, 1, 768}), f32({768})});
  auto add = tessera::AddOp::create(builder, builder.getUnknownLoc(),
                                    func.getArgument(0), func.getArgument(1));
  EXPECT_EQ(add.getType(), f32({kDyn, 1, 768}));
}

TEST_F(BuilderTest, MatmulInfersBatchedResult) {
  auto func = makeFunc({f32({kDyn, kDyn, 768}), f32({768, 3072})});
  auto mm = tessera::MatmulOp::create(builder, builder.getUnknownLoc(),
                                      func.getArgument(0), func.getArgument(1));
  EXPECT_EQ(mm.getType(), f32({kDyn, kDyn, 3072}));
}

TEST_F(BuilderTest, AttentionWithPastReturnsPresents) {
  auto func = makeFunc({f32({1, 8, 1, 64}), f32({1, 4, 1, 64}),
                        f32({1, 4, 1, 64}), f32({1, 4, kDyn, 64}),
                        f32({1, 4, kDyn, 64})});
  auto attn = tessera::AttentionOp::create(
      builder, builder.getUnknownLoc(), func.getArgument(0),
      func.getArgument(1), func.getArgument(2), /*mask=*/Value(),
      func.getArgument(3), func.getArgument(4), /*scale=*/FloatAttr(),
      /*causal=*/builder.getUnitAttr(), /*softcap=*/FloatAttr());
  EXPECT_EQ(attn.getOutput().getType(), f32({1, 8, 1, 64}));
  ASSERT_EQ(attn.getPresent().size(), 2u);
  EXPECT_EQ(attn.getPresent()[0].getType(), f32({1, 4, kDyn, 64}));
  func::ReturnOp::create(builder, builder.getUnknownLoc());
  EXPECT_TRUE(succeeded(verify(*module)));
}

TEST_F(BuilderTest, LayerNormWithResidualHasTwoResults) {
  auto func = makeFunc({f32({kDyn, kDyn, 768}), f32({768}), f32({768}),
                        f32({kDyn, kDyn, 768})});
  auto norm = tessera::LayerNormOp::create(
      builder, builder.getUnknownLoc(), func.getArgument(0),
      func.getArgument(1), func.getArgument(2), func.getArgument(3),
      /*axis=*/builder.getI64IntegerAttr(2),
      /*epsilon=*/builder.getF32FloatAttr(1e-5f));
  EXPECT_EQ(norm->getNumResults(), 2u);
  EXPECT_TRUE(norm.getResidualOutput());
}

TEST_F(BuilderTest, ConstantMaterializesFromAttribute) {
  makeFunc({});
  auto type = f32({2, 2});
  auto value = DenseElementsAttr::get(type, 0.5f);
  auto constant = tessera::ConstantOp::create(builder, builder.getUnknownLoc(),
                                              type, value);
  EXPECT_EQ(constant.getType(), type);
}

TEST_F(BuilderTest, InvalidBroadcastIsReportedNotBuilt) {
  auto func = makeFunc({f32({2, 3}), f32({4})});
  SmallVector<Type> inferred;
  std::string message;
  ScopedDiagnosticHandler handler(&context, [&](Diagnostic &diag) {
    message = diag.str();
    return success();
  });
  tessera::AddOp::Adaptor adaptor({func.getArgument(0), func.getArgument(1)});
  EXPECT_TRUE(failed(tessera::AddOp::inferReturnTypes(
      &context, builder.getUnknownLoc(), adaptor, inferred)));
  EXPECT_NE(message.find("do not broadcast"), std::string::npos) << message;
}

} // namespace
