//===- EpilogueFusion.cpp - matmul epilogues computed in place ------------===//

#include "codegen/cpu/EpilogueFusion.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Tensor/Transforms/Transforms.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

using namespace mlir;

namespace tessera::cpu {
namespace {

bool isContraction(Operation *op) {
  auto linalgOp = dyn_cast_or_null<linalg::LinalgOp>(op);
  return linalgOp && linalgOp.getNumReductionLoops() > 0 &&
         linalg::isaContractionOpInterface(linalgOp) && linalgOp.getNumDpsInits() == 1 &&
         linalgOp->getNumResults() == 1;
}

bool isAllParallel(linalg::GenericOp op) { return op.getNumReductionLoops() == 0; }

/// The input of `consumer` that can become its output: a contraction result
/// used by nothing else, read element by element at the output's own index
/// (identity maps on both), of the output's type, where the consumer never
/// reads its current output.
OpOperand *epilogueOperand(linalg::GenericOp consumer) {
  if (!isAllParallel(consumer) || consumer.getNumDpsInits() != 1 ||
      consumer->getNumResults() != 1)
    return nullptr;
  OpOperand *init = consumer.getDpsInitOperand(0);
  if (!consumer.getMatchingIndexingMap(init).isIdentity() ||
      consumer.payloadUsesValueFromOperand(init))
    return nullptr;
  for (OpOperand *input : consumer.getDpsInputOperands()) {
    Operation *producer = input->get().getDefiningOp();
    if (isContraction(producer) && producer->hasOneUse() &&
        input->get().getType() == consumer->getResult(0).getType() &&
        consumer.getMatchingIndexingMap(input).isIdentity())
      return input;
  }
  return nullptr;
}

void rewriteAsEpilogue(RewriterBase &rewriter, linalg::GenericOp consumer, OpOperand *input) {
  unsigned index = input->getOperandNumber();
  Value result = input->get();
  SmallVector<Value> inputs;
  SmallVector<AffineMap> maps;
  for (OpOperand *other : consumer.getDpsInputOperands()) {
    if (other == input)
      continue;
    inputs.push_back(other->get());
    maps.push_back(consumer.getMatchingIndexingMap(other));
  }
  maps.push_back(consumer.getMatchingIndexingMap(input));
  rewriter.setInsertionPoint(consumer);
  auto epilogue = linalg::GenericOp::create(rewriter, consumer.getLoc(),
                                            consumer->getResultTypes(), inputs,
                                            ValueRange{result}, maps,
                                            consumer.getIteratorTypesArray());
  epilogue->setDiscardableAttrs(consumer->getDiscardableAttrDictionary());
  Region &region = epilogue.getRegion();
  rewriter.inlineRegionBefore(consumer.getRegion(), region, region.end());
  // Block arguments: the inputs, then the output. The matmul's value now
  // arrives as the output; the old output argument was never read.
  Block &body = region.front();
  BlockArgument oldInput = body.getArgument(index);
  BlockArgument oldOutput = body.getArgument(body.getNumArguments() - 1);
  rewriter.replaceAllUsesWith(oldInput, oldOutput);
  body.eraseArgument(index);
  rewriter.replaceOp(consumer, epilogue->getResults());
}

} // namespace

linalg::LinalgOp epilogueContraction(Operation *op) {
  auto epilogue = dyn_cast<linalg::GenericOp>(op);
  if (!epilogue || !isAllParallel(epilogue) || epilogue.getNumDpsInits() != 1 ||
      !epilogue.getMatchingIndexingMap(epilogue.getDpsInitOperand(0)).isIdentity())
    return nullptr;
  Operation *producer = epilogue.getDpsInitOperand(0)->get().getDefiningOp();
  return isContraction(producer) ? cast<linalg::LinalgOp>(producer) : nullptr;
}

bool isEpilogueProducer(Operation *op) {
  return op->hasOneUse() && epilogueContraction(*op->getUsers().begin()) == op;
}

LogicalResult formMatmulEpilogues(ModuleOp module) {
  MLIRContext *ctx = module.getContext();
  // First the panel view moves past the epilogue candidates.
  {
    RewritePatternSet patterns(ctx);
    linalg::populateFoldReshapeOpsByExpansionPatterns(patterns, [](OpOperand *operand) {
      auto collapse = operand->get().getDefiningOp<tensor::CollapseShapeOp>();
      auto consumer = dyn_cast<linalg::GenericOp>(operand->getOwner());
      // (Not for a returned result: viewed back from panels it would be
      // copied into the caller's buffer, a pass as costly as the epilogue's.)
      return collapse && consumer && isAllParallel(consumer) &&
             consumer.isDpsInput(operand) && collapse->hasOneUse() &&
             isContraction(collapse.getSrc().getDefiningOp()) &&
             collapse.getSrc().hasOneUse() &&
             llvm::none_of(consumer->getUsers(),
                           [](Operation *user) { return isa<func::ReturnOp>(user); });
    });
    tensor::populateFoldTensorEmptyPatterns(patterns);
    // The sizes the expansion reads from a matmul result come from its
    // init instead, so that the epilogue is the result's only user.
    tensor::DimOp::getCanonicalizationPatterns(patterns, ctx);
    tensor::ExpandShapeOp::getCanonicalizationPatterns(patterns, ctx);
    tensor::CollapseShapeOp::getCanonicalizationPatterns(patterns, ctx);
    if (failed(applyPatternsGreedily(module, std::move(patterns))))
      return module.emitError("moving packed matmul views past their epilogues failed");
  }
  SmallVector<std::pair<linalg::GenericOp, OpOperand *>> candidates;
  module.walk([&](linalg::GenericOp op) {
    if (OpOperand *input = epilogueOperand(op))
      candidates.push_back({op, input});
  });
  IRRewriter rewriter(ctx);
  for (auto [consumer, input] : candidates)
    rewriteAsEpilogue(rewriter, consumer, input);
  return success();
}

} // namespace tessera::cpu
