//===- ShapeInferenceTest.cpp - shared shape rules ------------------------===//

#include "ir/ShapeInference.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/MLIRContext.h"

#include <gtest/gtest.h>

using namespace mlir;
using tessera::broadcastShapes;

namespace {

constexpr int64_t kDyn = ShapedType::kDynamic;

SmallVector<int64_t> broadcast(ArrayRef<ArrayRef<int64_t>> shapes) {
  auto result = broadcastShapes(std::nullopt, shapes, "test");
  EXPECT_TRUE(succeeded(result));
  return succeeded(result) ? *result : SmallVector<int64_t>();
}

TEST(ShapeInference, BroadcastAlignsFromTheRight) {
  EXPECT_EQ(broadcast({{2, 1, 4}, {3, 1}}), (SmallVector<int64_t>{2, 3, 4}));
  EXPECT_EQ(broadcast({{}, {5}}), (SmallVector<int64_t>{5}));
}

TEST(ShapeInference, DynamicDimsTakeTheStaticSize) {
  EXPECT_EQ(broadcast({{kDyn, 768}, {768}}), (SmallVector<int64_t>{kDyn, 768}));
  EXPECT_EQ(broadcast({{kDyn}, {4}}), (SmallVector<int64_t>{4}));
  EXPECT_EQ(broadcast({{kDyn}, {1}}), (SmallVector<int64_t>{kDyn}));
}

TEST(ShapeInference, MismatchedStaticDimsFail) {
  EXPECT_TRUE(failed(broadcastShapes(std::nullopt, {{2, 3}, {4}}, "test")));
}

TEST(ShapeInference, CompatibleResultTypes) {
  MLIRContext context;
  Builder b(&context);
  auto f32 = b.getF32Type();
  Type dyn = RankedTensorType::get({kDyn, 4}, f32);
  Type stat = RankedTensorType::get({2, 4}, f32);
  Type other = RankedTensorType::get({3, 4}, f32);
  Type half = RankedTensorType::get({2, 4}, b.getF16Type());
  EXPECT_TRUE(tessera::areCompatibleResultTypes({dyn}, {stat}));
  EXPECT_TRUE(tessera::areCompatibleResultTypes({stat}, {dyn}));
  EXPECT_FALSE(tessera::areCompatibleResultTypes({stat}, {other}));
  EXPECT_FALSE(tessera::areCompatibleResultTypes({stat}, {half}));
  EXPECT_FALSE(tessera::areCompatibleResultTypes({stat}, {stat, stat}));
}

TEST(ShapeInference, MatmulShape) {
  MLIRContext context;
  Builder b(&context);
  auto t = [&](ArrayRef<int64_t> s) {
    return RankedTensorType::get(s, b.getF32Type());
  };
  auto shape = tessera::inferMatmulShape(std::nullopt, "mm", t({8, 1, 5, 3}),
                                         t({4, 3, 7}));
  ASSERT_TRUE(succeeded(shape));
  EXPECT_EQ(*shape, (SmallVector<int64_t>{8, 4, 5, 7}));
  EXPECT_TRUE(failed(tessera::inferMatmulShape(std::nullopt, "mm", t({5, 3}),
                                               t({4, 7}))));
}

} // namespace
