//===- ContractionVectorization.cpp - register-tiled matmuls --------------===//

#include "codegen/cpu/ContractionVectorization.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Hoisting.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/Dialect/SCF/Transforms/Transforms.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Dialect/Vector/Transforms/LoweringPatterns.h"
#include "mlir/Dialect/Vector/Transforms/VectorRewritePatterns.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "mlir/Transforms/LoopInvariantCodeMotionUtils.h"

using namespace mlir;

namespace tessera::cpu {
namespace {

/// 6 rows x 64 columns of f32: 24 AVX-512 accumulators, leaving registers
/// for a row of B (4) and the broadcast of A.
constexpr int64_t kRegisterTileM = 6;
constexpr int64_t kRegisterTileN = 64;
/// Reduction steps per chunk: a 256 x 64 f32 slice of the weight is 64 KiB.
constexpr int64_t kReductionChunk = 256;

bool isFloatContraction(linalg::LinalgOp op) {
  if (!linalg::isaContractionOpInterface(op) || op.getNumDpsInits() != 1)
    return false;
  return llvm::all_of(op->getOperandTypes(), [](Type t) {
    auto shaped = dyn_cast<ShapedType>(t);
    return shaped && shaped.getElementType().isF32();
  });
}

bool hasStaticShapes(linalg::LinalgOp op) {
  return llvm::all_of(op->getOperandTypes(), [](Type t) {
    return cast<ShapedType>(t).hasStaticShape();
  });
}

/// Tiles `op` by `sizes` (0 = not tiled) with loops in `order` (empty: the
/// op's own order); returns the loops, outermost first.
FailureOr<SmallVector<LoopLikeOpInterface>>
tileOp(RewriterBase &rewriter, linalg::LinalgOp op, ArrayRef<int64_t> sizes,
       ArrayRef<int64_t> order = {}) {
  SmallVector<OpFoldResult> tileSizes;
  for (int64_t size : sizes)
    tileSizes.push_back(rewriter.getIndexAttr(size));
  scf::SCFTilingOptions options;
  options.setTileSizes(tileSizes);
  if (!order.empty())
    options.setInterchange(order);
  rewriter.setInsertionPoint(op);
  FailureOr<scf::SCFTilingResult> tiled =
      scf::tileUsingSCF(rewriter, cast<TilingInterface>(op.getOperation()), options);
  if (failed(tiled))
    return failure();
  rewriter.replaceOp(op, tiled->replacements);
  return tiled->loops;
}

/// Splits the reduction into chunks of kReductionChunk, so that the part of
/// the weight one chunk reads stays in L2 while every row block reuses it.
FailureOr<linalg::LinalgOp> chunkReduction(RewriterBase &rewriter, linalg::LinalgOp op,
                                           const linalg::ContractionDimensions &dims) {
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  unsigned k = dims.k.back();
  if (ShapedType::isDynamic(ranges[k]) || ranges[k] <= 2 * kReductionChunk)
    return op;
  SmallVector<int64_t> sizes(op.getNumLoops(), 0);
  sizes[k] = kReductionChunk;
  FailureOr<SmallVector<LoopLikeOpInterface>> loops = tileOp(rewriter, op, sizes);
  if (failed(loops))
    return failure();
  linalg::LinalgOp inner;
  loops->back()->walk([&](linalg::LinalgOp nested) { inner = nested; });
  if (!inner)
    return failure();
  return inner;
}

/// Tiles one contraction to register blocks, reduction innermost (the
/// accumulators stay put while k advances); returns the loops over the M and
/// N blocks, to peel.
FailureOr<SmallVector<scf::ForOp>> tileToRegisterBlocks(RewriterBase &rewriter,
                                                        linalg::LinalgOp op) {
  FailureOr<linalg::ContractionDimensions> dims = linalg::inferContractionDims(op);
  if (failed(dims) || dims->m.empty() || dims->n.empty() || dims->k.empty())
    return failure();
  FailureOr<linalg::LinalgOp> chunk = chunkReduction(rewriter, op, *dims);
  if (failed(chunk))
    return failure();
  op = *chunk;
  unsigned loops = op.getNumLoops();
  SmallVector<int64_t> sizes(loops, 1);
  sizes[dims->m.back()] = kRegisterTileM;
  sizes[dims->n.back()] = kRegisterTileN;
  SmallVector<int64_t> order;
  for (unsigned i = 0; i < loops; ++i)
    if (!llvm::is_contained(dims->k, i))
      order.push_back(i);
  for (unsigned k : dims->k)
    order.push_back(k);
  FailureOr<SmallVector<LoopLikeOpInterface>> tiled = tileOp(rewriter, op, sizes, order);
  if (failed(tiled))
    return failure();
  SmallVector<scf::ForOp> peel;
  for (auto [position, dim] : llvm::enumerate(order)) {
    if (dim != dims->m.back() && dim != dims->n.back())
      continue;
    if (auto loop = dyn_cast<scf::ForOp>((*tiled)[position].getOperation()))
      peel.push_back(loop);
  }
  return peel;
}

/// The blocks peeled off at the edges have run-time sizes; tiled by 1 along
/// those dims they become static (one row of kRegisterTileN columns, say)
/// and vectorize too.
void tileDynamicDimsByOne(RewriterBase &rewriter, func::FuncOp kernel) {
  SmallVector<linalg::LinalgOp> ops;
  kernel.walk([&](linalg::LinalgOp op) {
    if (op->getParentOfType<scf::ForOp>() && isFloatContraction(op) &&
        !hasStaticShapes(op))
      ops.push_back(op);
  });
  for (linalg::LinalgOp op : ops) {
    SmallVector<int64_t> sizes;
    for (int64_t range : op.getStaticLoopRanges())
      sizes.push_back(ShapedType::isDynamic(range) ? 1 : 0);
    (void)tileOp(rewriter, op, sizes);
  }
}

LogicalResult simplify(func::FuncOp kernel) {
  MLIRContext *ctx = kernel.getContext();
  RewritePatternSet patterns(ctx);
  for (Dialect *dialect : ctx->getLoadedDialects())
    dialect->getCanonicalizationPatterns(patterns);
  for (RegisteredOperationName op : ctx->getRegisteredOperations())
    op.getCanonicalizationPatterns(patterns, ctx);
  return applyPatternsGreedily(kernel, std::move(patterns));
}

} // namespace

LogicalResult vectorizeContractions(func::FuncOp kernel) {
  SmallVector<linalg::LinalgOp> contractions;
  kernel.walk([&](linalg::LinalgOp op) {
    if (op->getParentOfType<scf::ForallOp>() && isFloatContraction(op))
      contractions.push_back(op);
  });
  if (contractions.empty())
    return success();
  IRRewriter rewriter(kernel.getContext());
  for (linalg::LinalgOp op : contractions) {
    FailureOr<SmallVector<scf::ForOp>> peel = tileToRegisterBlocks(rewriter, op);
    if (failed(peel))
      continue;
    // The main loop gets full blocks (static sizes), the remainder the rest.
    for (scf::ForOp loop : *peel) {
      scf::ForOp partial;
      rewriter.setInsertionPoint(loop);
      (void)scf::peelForLoopAndSimplifyBounds(rewriter, loop, partial);
    }
  }
  if (failed(simplify(kernel)))
    return kernel.emitError("simplifying register blocks failed");
  tileDynamicDimsByOne(rewriter, kernel);
  if (failed(simplify(kernel)))
    return kernel.emitError("simplifying register blocks failed");
  SmallVector<linalg::LinalgOp> full;
  kernel.walk([&](linalg::LinalgOp op) {
    if (op->getParentOfType<scf::ForOp>() && isFloatContraction(op) &&
        hasStaticShapes(op))
      full.push_back(op);
  });
  for (linalg::LinalgOp op : full) {
    if (failed(linalg::vectorizeOpPrecondition(op)))
      continue;
    rewriter.setInsertionPoint(op);
    FailureOr<linalg::VectorizationResult> result = linalg::vectorize(rewriter, op);
    if (failed(result))
      continue;
    rewriter.replaceOp(op, result->replacements);
  }
  RewritePatternSet patterns(kernel.getContext());
  vector::populateVectorReductionToContractPatterns(patterns);
  vector::populateSinkVectorOpsPatterns(patterns);
  if (failed(applyPatternsGreedily(kernel, std::move(patterns))))
    return failure();
  // The accumulator block is read before and written after the reduction
  // loop instead of in every step: it stays in registers. (On tensors, where
  // no aliasing question arises.)
  SmallVector<LoopLikeOpInterface> loops;
  kernel.walk([&](scf::ForOp loop) { loops.push_back(loop); });
  for (LoopLikeOpInterface loop : loops)
    (void)hoistLoopInvariantSubsets(rewriter, loop);
  return success();
}

LogicalResult lowerVectorContractions(func::FuncOp kernel) {
  MLIRContext *ctx = kernel.getContext();
  RewritePatternSet patterns(ctx);
  vector::populateVectorContractLoweringPatterns(
      patterns, vector::VectorContractLowering::OuterProduct);
  vector::populateVectorOuterProductLoweringPatterns(patterns);
  vector::populateVectorTransferPermutationMapLoweringPatterns(patterns);
  vector::populateVectorMultiReductionLoweringPatterns(
      patterns, vector::VectorMultiReductionLowering::InnerParallel);
  vector::populateVectorBroadcastLoweringPatterns(patterns);
  vector::populateVectorShapeCastLoweringPatterns(patterns);
  vector::populateVectorTransposeLoweringPatterns(
      patterns, vector::VectorTransposeLowering::EltWise);
  vector::TransferReadOp::getCanonicalizationPatterns(patterns, ctx);
  vector::TransferWriteOp::getCanonicalizationPatterns(patterns, ctx);
  return applyPatternsGreedily(kernel, std::move(patterns));
}

} // namespace tessera::cpu
