//===- InferShapes.cpp - refine result types to the inferred ones ---------===//

#include "passes/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace tessera {
#define GEN_PASS_DEF_INFERSHAPES
#include "passes/Passes.h.inc"
} // namespace tessera

using namespace mlir;

namespace {

/// The more static of two compatible ranked tensor types (`current` when they
/// are not both ranked tensors of one element type and rank).
Type refine(Type current, Type inferred) {
  auto cur = dyn_cast<RankedTensorType>(current);
  auto inf = dyn_cast<RankedTensorType>(inferred);
  if (!cur || !inf || cur.getRank() != inf.getRank() ||
      cur.getElementType() != inf.getElementType())
    return current;
  SmallVector<int64_t> shape;
  for (auto [c, i] : llvm::zip_equal(cur.getShape(), inf.getShape()))
    shape.push_back(ShapedType::isDynamic(c) ? i : c);
  return RankedTensorType::get(shape, cur.getElementType(), cur.getEncoding());
}

/// Only values whose users accept a more static operand type are refined:
/// tessera ops (which check compatibility, not equality) and, when the
/// signature may change with them, returns.
bool usersAcceptRefinement(Value value, bool signatureMayChange) {
  return llvm::all_of(value.getUsers(), [&](Operation *user) {
    if (isa<func::ReturnOp>(user))
      return signatureMayChange;
    return isa<tensor::DimOp>(user) ||
           isa<tessera::TesseraDialect>(user->getDialect());
  });
}

/// tensor.dim of an iota, reshape or expand is the size operand it was built
/// from, so that sizes computed from sizes fold (`seq / seq` in exported
/// position ids).
struct DimOfSizedOp : OpRewritePattern<tensor::DimOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(tensor::DimOp dim,
                                PatternRewriter &rewriter) const override {
    std::optional<int64_t> index = dim.getConstantIndex();
    if (!index)
      return failure();
    Operation *def = dim.getSource().getDefiningOp();
    auto type = cast<RankedTensorType>(dim.getSource().getType());
    if (*index < 0 || *index >= type.getRank())
      return failure();
    if (!type.isDynamicDim(*index)) {
      rewriter.replaceOpWithNewOp<arith::ConstantIndexOp>(dim,
                                                          type.getDimSize(*index));
      return success();
    }
    Value size;
    if (!def)
      return failure();
    if (auto iota = dyn_cast<tessera::IotaOp>(def)) {
      size = iota.getSize();
    } else if (isa<tessera::ReshapeOp, tessera::ExpandOp>(def)) {
      int64_t position = 0;
      for (int64_t d = 0; d < *index; ++d)
        position += type.isDynamicDim(d);
      ValueRange dims = isa<tessera::ReshapeOp>(def)
                            ? cast<tessera::ReshapeOp>(def).getDynamicDims()
                            : cast<tessera::ExpandOp>(def).getDynamicDims();
      size = dims[position];
    }
    if (!size)
      return failure();
    rewriter.replaceOp(dim, size);
    return success();
  }
};

/// x / x = 1 for sizes (a size of 0 would make the graph divide by zero
/// anyway).
struct DivideSizeBySelf : OpRewritePattern<arith::DivSIOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(arith::DivSIOp div,
                                PatternRewriter &rewriter) const override {
    if (!div.getType().isIndex() || div.getLhs() != div.getRhs())
      return failure();
    rewriter.replaceOpWithNewOp<arith::ConstantIndexOp>(div, 1);
    return success();
  }
};

/// A reshape or expand whose size operand is a constant gets that dim in its
/// result type, so that type inference downstream sees it (a broadcast by a
/// dim of 1 must be known at compile time).
template <typename OpTy>
struct StaticSizes : OpRewritePattern<OpTy> {
  using OpRewritePattern<OpTy>::OpRewritePattern;
  LogicalResult matchAndRewrite(OpTy op,
                                PatternRewriter &rewriter) const override {
    auto type = cast<RankedTensorType>(op.getType());
    SmallVector<int64_t> shape(type.getShape());
    SmallVector<Value> dynamic;
    unsigned next = 0;
    bool changed = false;
    for (int64_t d = 0; d < type.getRank(); ++d) {
      if (!type.isDynamicDim(d))
        continue;
      Value size = op.getDynamicDims()[next++];
      if (std::optional<int64_t> c = getConstantIntValue(size)) {
        shape[d] = *c;
        changed = true;
      } else {
        dynamic.push_back(size);
      }
    }
    if (!changed || !llvm::all_of(op->getUsers(), [](Operation *user) {
          return isa<tessera::TesseraDialect>(user->getDialect());
        }))
      return failure();
    auto refined = RankedTensorType::get(shape, type.getElementType());
    rewriter.modifyOpInPlace(op, [&] {
      op.getDynamicDimsMutable().assign(dynamic);
      op.getResult().setType(refined);
    });
    return success();
  }
};

struct InferShapesPass
    : public tessera::impl::InferShapesBase<InferShapesPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    for (auto func : module.getOps<func::FuncOp>()) {
      if (func.isExternal())
        continue;
      // Call sites would no longer type-check against a refined signature.
      std::optional<SymbolTable::UseRange> uses =
          SymbolTable::getSymbolUses(func, module);
      bool signatureMayChange =
          uses && uses->empty() && func.getBody().hasOneBlock();
      // Sizes fold, refined types make more sizes constant: twice is enough
      // for the exporter idioms seen so far.
      for (int round = 0; round < 2; ++round) {
        foldSizes(func);
        refineResults(func, signatureMayChange);
      }
      if (signatureMayChange)
        refineSignature(func);
    }
  }

  void foldSizes(func::FuncOp func) {
    MLIRContext *ctx = func.getContext();
    RewritePatternSet patterns(ctx);
    patterns.add<DimOfSizedOp, DivideSizeBySelf,
                 StaticSizes<tessera::ReshapeOp>, StaticSizes<tessera::ExpandOp>>(ctx);
    tensor::DimOp::getCanonicalizationPatterns(patterns, ctx);
    // Only sizes change here; folding the graph is canonicalization's job.
    GreedyRewriteConfig config;
    config.enableFolding(false).enableConstantCSE(false);
    config.setRegionSimplificationLevel(GreedySimplifyRegionLevel::Disabled);
    (void)applyPatternsGreedily(func, std::move(patterns), config);
  }

  void refineResults(func::FuncOp func, bool signatureMayChange) {
    func.walk([&](InferTypeOpInterface op) {
      if (!isa<tessera::TesseraDialect>(op->getDialect()))
        return;
      SmallVector<Type> inferred;
      if (failed(op.inferReturnTypes(
              op->getContext(), op->getLoc(), op->getOperands(),
              op->getAttrDictionary(), op->getPropertiesStorage(),
              op->getRegions(), inferred)) ||
          inferred.size() != op->getNumResults())
        return;
      for (auto [result, type] : llvm::zip_equal(op->getResults(), inferred)) {
        Type refined = refine(result.getType(), type);
        if (refined == result.getType() ||
            !usersAcceptRefinement(result, signatureMayChange))
          continue;
        result.setType(refined);
        ++numRefinedResults;
      }
    });
  }

  void refineSignature(func::FuncOp func) {
    auto ret = cast<func::ReturnOp>(func.getBody().back().getTerminator());
    FunctionType type = func.getFunctionType();
    if (ret.getOperandTypes() == type.getResults())
      return;
    func.setFunctionType(FunctionType::get(func.getContext(), type.getInputs(),
                                           ret.getOperandTypes()));
    ++numRefinedSignatures;
  }
};

} // namespace
